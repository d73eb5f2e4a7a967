"""`optunagui run SPEC.yaml` and `optunagui run --resume RUN_ID`: execute a run and follow it.

The run's driver starts the way the dashboard starts it (`cluster.launch.start.start_runs`): a
local process with its own Ray, or a Ray Job when ``RAY_ADDRESS`` is set; a new run whose
driver cannot start is marked failed and the command exits with the reason. This command
follows the run in the database with a progress bar (finished trials out of the budget,
pruned and failed counts, best so far) and ends with a summary; ``--json`` prints the
summary as one JSON object on the last line of standard output. The best parameters are
written to ``<data dir>/runs/<run id>/best_params.json``.

Ctrl-C asks the driver to stop (running trials end, results are kept); a second Ctrl-C
leaves the run going and returns. The work is in `optunagui.cli._new_runs` and
`optunagui.cli._follow`, imported only by these commands: they load Ray and the spec checks,
which the other commands do without.
"""

from __future__ import annotations

import argparse

from optunagui.cli._code_runs import add_tracker_arguments
from optunagui.cli._runs import CliError, open_database, require_run
from optunagui.config import load_settings

__all__ = ["DEFAULT_EXPERIMENT", "register"]

DEFAULT_EXPERIMENT = "command line"


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser(
        "run",
        help="run a spec (or resume a run) and follow it to the end",
        description="Run a spec, following its progress; or resume a paused or broken run.",
    )
    run.add_argument("spec", nargs="?",
                     help="a YAML or JSON spec file, or your objective: train.py:objective "
                          "(or package.module:objective)")
    run.add_argument("--resume", type=int, metavar="RUN_ID",
                     help="continue a paused run, or one whose driver died")
    run.add_argument("--n-trials", type=int, metavar="N", help="override budget.n_trials")
    run.add_argument("--sampler", metavar="S", help="override sampler.name (tpe, random, ...)")
    run.add_argument("--pruner", metavar="P", help="override pruner.name (asha, median, none)")
    run.add_argument("--study-name", metavar="NAME", help="the Optuna study's name")
    run.add_argument("--max-concurrent", type=int, metavar="K",
                     help="override budget.max_concurrent")
    code = run.add_argument_group("your own objective (optunagui run train.py:objective ...)")
    code.add_argument("--direction", choices=("maximize", "minimize"),
                      help="what the objective's value should do (default: maximize)")
    code.add_argument("--directions", nargs="+", metavar="D",
                      help="several objectives: one direction per returned value")
    code.add_argument("--metrics", nargs="+", metavar="NAME",
                      help="names of the returned values (default: value, or value_0 ...)")
    code.add_argument("--setup", metavar="FILE:FUNCTION",
                      help="called once per worker; its result is the objective's 2nd argument")
    code.add_argument("--working-dir", metavar="DIR",
                      help="the folder packaged and shipped to the trials (default: the "
                           "objective file's folder, or the current one for module:function)")
    code.add_argument("--gpu", type=float, metavar="G", help="GPUs per trial (0.5 shares one)")
    code.add_argument("--cpu", type=int, metavar="C", help="CPUs per trial (default 1)")
    code.add_argument("--seed", type=int, metavar="S", help="the sampler's seed")
    add_tracker_arguments(code, "the run")
    run.add_argument("--experiment", default=DEFAULT_EXPERIMENT, metavar="NAME",
                     help=f"the experiment the run belongs to (default: {DEFAULT_EXPERIMENT!r})")
    run.add_argument("--detach", action="store_true",
                     help="start the run and return at once (follow it with `optunagui status`)")
    run.add_argument("--launch-anyway", action="store_true",
                     help="launch even when the spec nearly duplicates an earlier run (same "
                          "dataset version, model, split and metric, 90%% of the search space)")
    run.add_argument("--json", action="store_true",
                     help="print the summary as one JSON object on the last line")
    run.set_defaults(handler=_run)

    replay = subparsers.add_parser(
        "replay",
        help="run a run again with its exact settings (spec, dataset version, seeds)",
        description="Start a new run with another run's spec, dataset version and seeds, in "
                    "the same experiment, and follow it. With a seeded sampler and one trial "
                    "at a time the same parameters are suggested in the same order.",
    )
    replay.add_argument("run_id", type=int, metavar="RUN_ID", help="the run to replay")
    replay.add_argument("--detach", action="store_true",
                        help="start the replay and return without following it")
    replay.add_argument("--json", action="store_true",
                        help="print the summary as one JSON object on the last line")
    replay.set_defaults(handler=_replay)


def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if (args.spec is None) == (args.resume is None):
        raise CliError("give a spec file to run, or --resume RUN_ID (not both)", 2)
    if args.resume is not None:
        extra = [flag for flag, value in (
            ("--n-trials", args.n_trials), ("--sampler", args.sampler),
            ("--pruner", args.pruner), ("--study-name", args.study_name),
            ("--max-concurrent", args.max_concurrent)) if value is not None]
        if extra:
            raise CliError(f"{', '.join(extra)} cannot change a run being resumed", 2)
    _refuse_code_flags_without_code(args)
    from optunagui.cli._follow import start_and_follow
    from optunagui.cli._new_runs import create_spec_run, run_of_study

    with open_database(settings, upgrade=True) as database:
        resume = args.resume is not None
        if resume:
            run_id = args.resume
            require_run(database, run_id)
        else:
            existing = run_of_study(database, args.study_name) if args.study_name else None
            resume = existing is not None
            run_id = existing if existing is not None else create_spec_run(database, args)
        return start_and_follow(run_id, settings, database, args, resume=resume)


CODE_FLAGS = (("--direction", "direction"), ("--directions", "directions"),
              ("--metrics", "metrics"), ("--setup", "setup"), ("--working-dir", "working_dir"),
              ("--gpu", "gpu"), ("--cpu", "cpu"), ("--seed", "seed"),
              ("--mlflow-uri", "mlflow_uri"), ("--mlflow-experiment", "mlflow_experiment"),
              ("--wandb-project", "wandb_project"), ("--wandb-mode", "wandb_mode"))


def _refuse_code_flags_without_code(args: argparse.Namespace) -> None:
    from optunagui.cli._code_runs import looks_like_entry

    if args.spec is not None and looks_like_entry(args.spec):
        return
    given = [flag for flag, name in CODE_FLAGS if getattr(args, name) is not None]
    if given:
        raise CliError(f"{', '.join(given)}: only for your own objective "
                       "(optunagui run train.py:objective ...); a spec file sets these "
                       "in the spec", 2)


def _replay(args: argparse.Namespace) -> int:
    from optunagui.cli._follow import start_and_follow
    from optunagui.cli._new_runs import create_replay_run

    settings = load_settings()
    with open_database(settings, upgrade=True) as database:
        run_id = create_replay_run(database, args.run_id)
        return start_and_follow(run_id, settings, database, args, resume=False)
