"""The run driver: ``python -m cluster.driver RUN_ID [--resume]``.

Loads the run's spec from the database, loads the dataset once into Ray's object store,
and runs a Tune experiment whose searcher is the run's Optuna study on the shared database.
The run's status in the database is always true: queued -> running -> (paused) ->
completed | stopped | failed (with the reason).

Resuming (`--resume`): trials left RUNNING by a driver that died are marked failed (in our
tables and in the study); a paused run restores Tune from its saved state; any other run
starts a fresh Tune experiment on the same study for the rest of the budget.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import optuna
import ray
from ray import tune
from ray.tune.search import ConcurrencyLimiter

from cluster.driver.code_trainable import CodeJob, build_code_trainable, code_root
from cluster.driver.context import RunContext, register_context, unregister_context
from cluster.driver.control import ControlCallback, ControlStopper, stop_on_sigterm
from cluster.driver.events import EventSink
from cluster.driver.prune_requests import AskBeforeStopping
from cluster.driver.recovery import ORPHAN_MESSAGE, mark_orphans
from cluster.driver.retry import (
    failure_reason,
    wait_for_server_on_connect,
    write_when_database_answers,
)
from cluster.driver.schedulers import build_scheduler
from cluster.driver.search import (
    CodeSpace,
    ResumableSearchGenerator,
    RunSearch,
    StoredSpace,
    build_sampler,
    build_storage,
)
from cluster.driver.tracking import TrackerThread
from cluster.driver.trainable import build_trainable
from cluster.launch.resources import plan_resources
from optunagui import store
from optunagui.config import load_settings, private_files
from optunagui.objective import load_run_dataset, prepare_data
from optunagui.reports.facts import package_versions
from optunagui.spec import ExperimentSpec
from optunagui.spec.space import resolve_space, space_from_dict, space_to_dict
from optunagui.status import TERMINAL_RUN_STATUSES, RunStatus
from optunagui.store import Database
from optunagui.tracking import tracks_anything

if TYPE_CHECKING:
    from optunagui.config import Settings

__all__ = ["ORPHAN_MESSAGE", "cluster_snapshot", "ensure_ray", "main", "mark_orphans",
           "run_driver"]

logger = logging.getLogger(__name__)

# A driver that died leaves "running".
RESUMABLE = (RunStatus.queued, RunStatus.running, RunStatus.paused)
_ENDED_WELL = (RunStatus.completed, RunStatus.paused, RunStatus.stopped)
_FINISHED_STATES = (
    optuna.trial.TrialState.COMPLETE,
    optuna.trial.TrialState.PRUNED,
    optuna.trial.TrialState.FAIL,
)


def ensure_ray(settings: Settings) -> bool:
    """Connect to the configured cluster, or start a local Ray; True if this call started it."""
    if ray.is_initialized():
        return False
    if settings.ray_address:
        ray.init(address=settings.ray_address, log_to_driver=False)
    else:
        ray.init(num_cpus=os.cpu_count() or 1, include_dashboard=False, log_to_driver=False)
    return True


def _quiet_tune() -> None:
    # Our tables hold every result; Tune's own CSV/JSON/TensorBoard files would only cost time.
    os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    # Steps report the primary metric only; the other objectives come with the final result.
    os.environ.setdefault("TUNE_DISABLE_STRICT_METRIC_CHECKING", "1")
    for name in ("ray.tune.analysis.experiment_analysis", "ray.tune.tune"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _trials_used(storage: optuna.storages.BaseStorage, study_name: str) -> int:
    """Trials that count against the budget: every finished one but the orphans."""
    try:
        study = optuna.load_study(study_name=study_name, storage=storage)
    except KeyError:
        return 0
    return sum(
        1
        for t in study.get_trials(deepcopy=False, states=_FINISHED_STATES)
        if not t.user_attrs.get("orphaned")
    )


def _prepare_space(db: Database, run_id: int, spec: ExperimentSpec) -> None:
    """Make the run's current space complete: the resolved space, then any stored ranges."""
    with db.session() as session:
        run = store.get_run(session, run_id)
        if run is None:
            raise LookupError(f"run {run_id} does not exist")
        stored = dict(run.current_space or {})
        space = space_to_dict(resolve_space(spec))
        space.update(stored)
        space_from_dict(space)  # refuse a broken stored space before any trial starts
        if space != stored:
            store.set_current_space(session, run_id, space)


def cluster_snapshot() -> dict[str, Any]:
    """The Ray cluster this driver runs on: its total resources and its live nodes."""
    nodes = [node for node in ray.nodes() if node.get("Alive")]
    resources = {name: float(amount) for name, amount in ray.cluster_resources().items()
                 if not name.startswith(("node:", "accelerator_type:"))}
    return {"resources": resources, "nodes": len(nodes),
            "address": ray.get_runtime_context().gcs_address}


def _record_environment(db: Database, run_id: int) -> None:
    """Store the package versions and the cluster of this start on the run (resumes add one)."""
    with db.session() as session:
        store.set_run_environment(session, run_id, packages=package_versions(),
                            cluster=cluster_snapshot())


def _set_status(db: Database, run_id: int, status: str, reason: str | None = None) -> None:
    with db.session() as session:
        store.update_run_status(session, run_id, status, reason=reason)


def _experiment_root(settings: Settings, run_id: int) -> Path:
    return settings.runs_dir / str(run_id) / "tune"


def _latest_experiment(root: Path) -> Path | None:
    if not root.exists():
        return None
    attempts = sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith("attempt-"))
    return attempts[-1] if attempts else None


def _write_outputs(db: Database, run_id: int, settings: Settings) -> None:
    """The finished run's files in its folder; a failure here never changes the run."""
    try:
        from optunagui.exports.run_outputs import write_run_outputs  # plotly: only at the end

        with db.session() as session:
            outputs = write_run_outputs(session, run_id, settings.runs_dir)
    except Exception:
        logger.exception("run %s: could not write its end-of-run files", run_id)
        return
    logger.info("run %s: wrote %s", run_id, ", ".join(p.name for p in outputs.written))


def run_driver(
    run_id: int,
    settings: Settings,
    *,
    resume: bool = False,
    evaluate: Callable[..., Any] | None = None,
    poll_interval_s: float = 1.0,
) -> str:
    """Execute (or resume) one run to its end; returns the run's final status.

    Uses the Ray already initialised in this process if any (tests), else `ensure_ray`.

    Args:
        run_id: the run (its row holds the spec, the study name and the control requests).
        settings: where the database and the data directory are.
        resume: continue a paused run, or one whose driver died.
        evaluate: the objective; ``optunagui.objective.evaluate`` unless given.
        poll_interval_s: how often control requests are read (at most 2 s).
    """
    db = Database(settings.database_url)
    wait_for_server_on_connect(db.engine)
    with db.session() as session:
        run = store.get_run(session, run_id)
        if run is None:
            raise LookupError(f"run {run_id} does not exist")
        spec = ExperimentSpec.model_validate(run.spec)
        study_name, status, budget = run.study_name, run.status, run.n_trials_budget
        tracked = tracks_anything(run.spec)
    # A paused run, or one whose driver died ("running"), can only go on by resuming.
    resume = resume or status in (RunStatus.paused, RunStatus.running)
    if resume and status not in RESUMABLE:
        raise ValueError(f"run {run_id} is {status}; only {', '.join(RESUMABLE)} runs resume")
    if not resume and status != RunStatus.queued:
        raise ValueError(f"run {run_id} is {status}, not queued; use resume to continue it")
    with db.session() as session:
        store.set_run_process(session, run_id, driver_pid=os.getpid())
        store.update_run_status(session, run_id, RunStatus.running)

    context = register_context(RunContext(run_id=run_id, db=db, poll_interval_s=poll_interval_s))
    previous_term = stop_on_sigterm(context)
    tracker = TrackerThread(db, run_id).start() if tracked else None
    final_status: str = RunStatus.failed
    reason: str | None = None
    try:
        final_status, reason = _execute(
            db, run_id, spec, study_name, budget or spec.budget.n_trials, settings, context,
            resume=resume, was_paused=status == RunStatus.paused, evaluate=evaluate,
        )
    except Exception as error:  # the run's status must say what happened
        logger.exception("run %s failed", run_id)
        final_status, reason = RunStatus.failed, failure_reason(error)
    finally:
        # The database may be away (server restarting, disk full): the last events and the
        # status wait for it, so a run never stays "running" with no driver behind it.
        if context.sink is not None:
            write_when_database_answers(context.sink.flush, run_id, "the last events")
        if final_status == RunStatus.failed:  # its trials end with it: none stays running
            write_when_database_answers(
                lambda: mark_orphans(db, run_id, build_storage(db), study_name), run_id,
                "the end of its running trials")
        if final_status in TERMINAL_RUN_STATUSES:  # before the status: followers then find them
            _write_outputs(db, run_id, settings)
        write_when_database_answers(
            lambda: _set_status(db, run_id, final_status, reason), run_id, "the run's status")
        if tracker is not None:  # after the status: the parent run ends with it
            tracker.finish()
        unregister_context(run_id)
        if previous_term is not None:
            signal.signal(signal.SIGTERM, previous_term)
        db.dispose()
    return final_status


def _execute(
    db: Database,
    run_id: int,
    spec: ExperimentSpec,
    study_name: str,
    n_trials: int,
    settings: Settings,
    context: RunContext,
    *,
    resume: bool,
    was_paused: bool,
    evaluate: Callable[..., Any] | None,
) -> tuple[str, str | None]:
    _quiet_tune()
    ensure_ray(settings)
    _record_environment(db, run_id)
    plan = plan_resources(spec.resources, spec.budget.max_concurrent, ray.cluster_resources())
    if not plan.ok:
        return RunStatus.failed, "; ".join(plan.problems)

    storage = build_storage(db)
    orphans = mark_orphans(db, run_id, storage, study_name) if resume else []
    if orphans:
        logger.info("run %s: trials %s were left running and are now failed", run_id, orphans)
    _prepare_space(db, run_id, spec)
    trainable = _trainable(db, run_id, spec, study_name, settings, evaluate)

    root = _experiment_root(settings, run_id)
    previous = _latest_experiment(root)
    if resume and was_paused and previous is not None and tune.Tuner.can_restore(str(previous)):
        tuner = tune.Tuner.restore(
            str(previous), trainable, resume_unfinished=True, resume_errored=False
        )
    else:
        remaining = n_trials - _trials_used(storage, study_name)
        if remaining <= 0:
            return RunStatus.completed, None
        searcher = _searcher(spec, study_name, storage, settings, run_id, context)
        context.searcher = searcher
        attempt = 1 if previous is None else int(previous.name.split("-")[1]) + 1
        tuner = tune.Tuner(
            trainable,
            tune_config=tune.TuneConfig(
                search_alg=ResumableSearchGenerator(
                    ConcurrencyLimiter(searcher, max_concurrent=plan.max_concurrent)
                ),
                scheduler=_scheduler(spec, settings),
                num_samples=remaining,
                reuse_actors=True,
                time_budget_s=spec.budget.timeout_s,
            ),
            run_config=tune.RunConfig(
                name=f"attempt-{attempt:03d}",
                storage_path=str(root),
                callbacks=[EventSink(run_id), ControlCallback(run_id)],
                stop=ControlStopper(run_id),
                failure_config=tune.FailureConfig(max_failures=spec.max_failures),
                verbose=0,
            ),
        )
    tuner.fit()  # the event sink Tune sets up (ours, or the restored one) joins the context
    return _outcome(db, run_id, context, n_trials, storage, study_name)


def _trainable(
    db: Database, run_id: int, spec: ExperimentSpec, study_name: str, settings: Settings,
    evaluate: Callable[..., Any] | None,
) -> Any:
    """A built-in model's trainable, or a code run's with its stored code version."""
    data = prepare_data(spec, load_run_dataset(spec, settings)) if spec.dataset else None
    if spec.objective is None:
        assert data is not None
        return build_trainable(spec, data, evaluate=evaluate)
    sha = spec.objective.code
    with db.session() as session:
        version = store.get_code_version(session, sha) if sha else None
        if version is None:
            raise LookupError(f"the run's code version {sha or '(none)'} is not stored; "
                              "launch the run again from its working directory")
        code = bytes(version.archive)
    job = CodeJob(spec=spec, code_sha=str(version.sha256), code=code,
                  database_url=settings.database_url, study_name=study_name, run_id=run_id,
                  cache_dir=str(code_root()) if "OPTUNAGUI_CODE_CACHE" in os.environ else "")
    return build_code_trainable(job, data)


def _searcher(
    spec: ExperimentSpec, study_name: str, storage: optuna.storages.BaseStorage,
    settings: Settings, run_id: int, context: RunContext,
) -> RunSearch:
    """The run's searcher. A code run's objective suggests in the worker with the run's
    sampler; the driver only asks the study for a trial (a random sampler costs nothing)."""
    if spec.objective is not None:
        return RunSearch(spec, study_name, storage, CodeSpace(settings.database_url, run_id),
                         sampler=optuna.samplers.RandomSampler(), run_id=run_id,
                         state=context.state)
    space = resolve_space(spec)
    return RunSearch(
        spec, study_name, storage, StoredSpace(settings.database_url, run_id),
        sampler=build_sampler(spec.sampler, space), run_id=run_id, state=context.state,
    )


def _scheduler(spec: ExperimentSpec, settings: Settings) -> Any:
    scheduler = build_scheduler(spec)
    if spec.objective is not None and spec.pruner.name != "none":
        return AskBeforeStopping(scheduler, settings.database_url)
    return scheduler


def _outcome(
    db: Database, run_id: int, context: RunContext, n_trials: int,
    storage: optuna.storages.BaseStorage, study_name: str,
) -> tuple[str, str | None]:
    if context.state.stop_requested:
        return RunStatus.stopped, "stopped on request"
    if context.state.pause_requested and _trials_used(storage, study_name) < n_trials:
        return RunStatus.paused, "paused on request"
    with db.session() as session:
        counts = store.count_trials_by_state(session, run_id)
    if counts["failed"] and not counts["complete"] and not counts["pruned"]:
        with db.session() as session:
            failed = store.list_trials(session, run_id, states=["failed"])
        first = (failed[0].error or "").strip().splitlines()[-1:] if failed else []
        detail = f"; first error: {first[0]}" if first else ""
        return RunStatus.failed, f"all {counts['failed']} trials failed{detail}"
    return RunStatus.completed, None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cluster.driver")
    parser.add_argument("run_id", type=int)
    parser.add_argument("--resume", action="store_true", help="continue a paused or broken run")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    with private_files():
        status = run_driver(args.run_id, load_settings(), resume=args.resume)
    print(f"run {args.run_id}: {status}", flush=True)
    return 0 if status in _ENDED_WELL else 1


if __name__ == "__main__":
    sys.exit(main())
