"""The runs `optunagui run` and `optunagui replay` add: from a spec file, or as a replay.

Both belong to the account ``cli`` (`CLI_USERNAME`), which nobody can sign in as.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optunagui.cli._account import CLI_USERNAME, cli_user, owned_experiment
from optunagui.cli._code_runs import code_spec_from_args, looks_like_entry
from optunagui.cli._runs import CliError, spec_problems
from optunagui.code.launch import with_stored_code
from optunagui.replay import ReplayError, create_replay
from optunagui.spec.io import read_spec_file
from optunagui.spec.validation import SpecError, validate_spec
from optunagui.status import TERMINAL_RUN_STATUSES
from optunagui.store import (
    Conflict,
    create_run,
    get_run_by_study_name,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from optunagui.spec import ExperimentSpec
    from optunagui.store import Database

__all__ = ["CLI_USERNAME", "build_run_spec", "create_replay_run", "create_spec_run",
           "refuse_near_duplicate", "run_of_study"]


def build_run_spec(
    path: str,
    *,
    n_trials: int | None = None,
    sampler: str | None = None,
    pruner: str | None = None,
    max_concurrent: int | None = None,
) -> ExperimentSpec:
    """Read a spec file, apply the command line's overrides, validate the result.

    Raises:
        SpecError: a missing or unreadable file, or a spec with problems (all of them).
    """
    raw: dict[str, Any] = read_spec_file(path)
    overrides = {
        ("budget", "n_trials"): n_trials,
        ("budget", "max_concurrent"): max_concurrent,
        ("sampler", "name"): sampler,
        ("pruner", "name"): pruner,
    }
    for (section, field), value in overrides.items():
        if value is None:
            continue
        current = raw.get(section)
        raw[section] = {**(current if isinstance(current, dict) else {}), field: value}
    return validate_spec(raw, base_dir=Path(path).resolve().parent)


def create_spec_run(database: Database, args: argparse.Namespace) -> int:
    """A queued run of the spec file in ``args``, in the experiment ``args.experiment``
    (made when the cli account owns none of that name); returns its id."""
    try:
        if looks_like_entry(args.spec):
            spec = validate_spec(code_spec_from_args(args), base_dir=Path.cwd())
        else:
            spec = build_run_spec(args.spec, n_trials=args.n_trials, sampler=args.sampler,
                                  pruner=args.pruner, max_concurrent=args.max_concurrent)
    except SpecError as error:
        raise spec_problems(args.spec, error) from None
    with database.session() as session:
        user_id = cli_user(session)
        if not getattr(args, "launch_anyway", False):
            refuse_near_duplicate(session, user_id, spec, args.spec)
        experiment_id = owned_experiment(session, args.experiment, user_id)
    try:
        with database.session() as session:
            spec = with_stored_code(session, spec)
            run = create_run(session, experiment_id, spec.name, spec, created_by=user_id,
                             study_name=args.study_name)
            return run.id
    except ValueError as error:
        raise CliError(str(error)) from None
    except Conflict:
        raise CliError(
            f"--study-name: the study name {args.study_name!r} is already used by another run"
        ) from None


def refuse_near_duplicate(session: Session, user_id: int, spec: ExperimentSpec,
                          source: str) -> None:
    """Raises CliError when ``spec`` nearly duplicates an earlier run the account may read
    (``recommend.near_duplicates``); a run of one's own code is not checked."""
    from optunagui.recommend import near_duplicates

    found = near_duplicates(session, user_id, spec)
    if not found:
        return
    lines = [duplicate.message for duplicate in found[:3]]
    if len(found) > 3:
        lines.append(f"and {len(found) - 3} more")
    listed = "\n".join(f"  {line}" for line in lines)
    raise CliError(f"{source}: nearly duplicates an earlier run (same dataset version, model, "
                   f"split and metric, overlapping search space):\n{listed}\n"
                   "Open it with `optunagui status RUN_ID`, change the spec, or launch it "
                   "anyway with --launch-anyway")


def run_of_study(database: Database, study_name: str) -> int | None:
    """The run holding this study, to go on with it (Optuna's ``load_if_exists``); None when
    no run has it.

    Raises:
        CliError: the run has finished, so it cannot go on.
    """
    with database.session() as session:
        run = get_run_by_study_name(session, study_name)
        if run is None:
            return None
        if run.status in TERMINAL_RUN_STATUSES:
            raise CliError(
                f"--study-name: study {study_name!r} belongs to run {run.id}, which is "
                f"{run.status}; `optunagui replay {run.id}` runs it again, or choose a new name")
        print(f"study {study_name!r} exists: going on with run {run.id}", file=sys.stderr)
        return run.id


def create_replay_run(database: Database, run_id: int) -> int:
    """A queued replay of ``run_id``; says on standard error what keeps it from repeating."""
    try:
        with database.session() as session:
            replay = create_replay(session, run_id, created_by=cli_user(session))
    except ReplayError as error:
        raise CliError(str(error)) from None
    print(f"run {replay.run_id} replays run {run_id}", file=sys.stderr)
    for warning in replay.warnings:
        print(f"note: {warning}", file=sys.stderr)
    return replay.run_id
