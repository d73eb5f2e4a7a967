"""`optunagui run train.py:objective ...`: a run of the user's own objective, without a spec
file, in the shape Optuna users already type (``--direction``, ``--n-trials``, ``--sampler``,
``--pruner``, ``--study-name``), and the trackers to log to (``--mlflow-uri``,
``--wandb-project``)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from optunagui.cli._runs import CliError

__all__ = ["add_tracker_arguments", "code_spec_from_args", "looks_like_entry", "tracking_from_args"]

_ENTRY = re.compile(r"^[^:]+:[A-Za-z_][A-Za-z0-9_]*$")


def looks_like_entry(text: str) -> bool:
    """``file.py:function`` or ``package.module:function``, and not a spec file."""
    return bool(_ENTRY.match(text)) and not Path(text).is_file()


def _metrics(args: argparse.Namespace) -> list[dict[str, Any]]:
    if args.direction and args.directions:
        raise CliError("give --direction (one objective) or --directions (several), not both", 2)
    directions = list(args.directions or [args.direction or "maximize"])
    for direction in directions:
        if direction not in ("maximize", "minimize"):
            raise CliError(f"--direction(s): {direction!r} is not maximize or minimize", 2)
    names = list(args.metrics or [])
    if names and len(names) != len(directions):
        raise CliError(f"--metrics names {len(names)} value(s) but there are "
                       f"{len(directions)} direction(s)", 2)
    if not names:
        names = ["value"] if len(directions) == 1 else [
            f"value_{i}" for i in range(len(directions))]
    return [{"name": n, "direction": d} for n, d in zip(names, directions, strict=True)]


def _entry_and_folder(entry: str, working_dir: str | None) -> tuple[str, str]:
    """As ``python path/to/train.py`` does, a file's folder is where its imports start:
    ``path/to/train.py:objective`` runs ``train.py:objective`` with ``path/to`` packaged, unless
    ``--working-dir`` names the folder."""
    if working_dir:
        return entry, str(Path(working_dir).resolve())
    module, function = entry.rsplit(":", 1)
    path = Path(module)
    if module.endswith(".py") and len(path.parts) > 1:
        return f"{path.name}:{function}", str(path.parent.resolve())
    return entry, str(Path.cwd())


def code_spec_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The raw spec of a code run from the command line (validated by the caller)."""
    entry, working_dir = _entry_and_folder(args.spec, args.working_dir)
    objective: dict[str, Any] = {"function": entry, "working_dir": working_dir}
    if args.setup:
        objective["setup"] = args.setup
    raw: dict[str, Any] = {
        "name": args.study_name or entry.rsplit(":", 1)[-1],
        "objective": objective,
        "metrics": _metrics(args),
        "budget": {"n_trials": args.n_trials or 20},
    }
    if args.max_concurrent:
        raw["budget"]["max_concurrent"] = args.max_concurrent
    if args.sampler:
        raw["sampler"] = {"name": args.sampler}
    if args.seed is not None:
        raw.setdefault("sampler", {})["seed"] = args.seed
    if args.pruner:
        raw["pruner"] = {"name": args.pruner}
    resources: dict[str, Any] = {}
    if args.gpu is not None:
        resources["gpu"] = args.gpu
    if args.cpu is not None:
        resources["cpu"] = args.cpu
    if resources:
        raw["resources"] = resources
    tracking = tracking_from_args(args)
    if tracking:
        raw["tracking"] = tracking
    return raw


def add_tracker_arguments(group: Any, logged: str) -> None:
    """``--mlflow-uri`` / ``--mlflow-experiment`` / ``--wandb-project`` / ``--wandb-mode``;
    `logged` is what goes to the tracker ("the run", "the study")."""
    group.add_argument("--mlflow-uri", metavar="URI",
                       help=f"log to MLflow: {logged} as a parent run, a child run per trial "
                            "(default: MLFLOW_TRACKING_URI when --mlflow-experiment is given)")
    group.add_argument("--mlflow-experiment", metavar="NAME",
                       help="the MLflow experiment (default: MLFLOW_EXPERIMENT_NAME, else "
                            "--experiment)")
    group.add_argument("--wandb-project", metavar="P",
                       help=f"log to W&B: {logged} as a group, a W&B run per trial")
    group.add_argument("--wandb-mode", choices=("online", "offline"),
                       help="W&B's mode (default: WANDB_MODE, else online)")


def tracking_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """``--mlflow-uri`` / ``--mlflow-experiment`` and ``--wandb-project`` / ``--wandb-mode``."""
    from optunagui.tracking import check_tracking_uri

    tracking: dict[str, Any] = {}
    if args.mlflow_uri or args.mlflow_experiment:
        mlflow: dict[str, Any] = {}
        if args.mlflow_uri:
            problem = check_tracking_uri(args.mlflow_uri)
            if problem:
                raise CliError(f"--mlflow-uri: {problem}", 2)
            mlflow["tracking_uri"] = args.mlflow_uri
        if args.mlflow_experiment:
            mlflow["experiment_name"] = args.mlflow_experiment
        tracking["mlflow"] = mlflow
    if args.wandb_project or args.wandb_mode:
        wandb: dict[str, Any] = {"mode": args.wandb_mode} if args.wandb_mode else {}
        if args.wandb_project:
            wandb["project"] = args.wandb_project
        tracking["wandb"] = wandb
    return tracking
