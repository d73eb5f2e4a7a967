"""Feature recommendations and "test dropping them" in the app's background jobs
(``AppState.feature_selection_jobs``), shared by the Analysis page, the experiment page and
the REST API. Callers check the role first; here the work is only started and read back.

Keys say what was computed, so a new best trial or a new run computes afresh:
``("run", run id, best trial numbers)``, ``("experiment", id, (run id, trials)...)`` and
``("ablate", run id, trial number, dropped columns, seeds)``. A job's outcome is its record or
the message saying why there is none (kept, so a poll never starts the work again). One job
runs at a time; asking while another runs gets a message instead of a queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from dashapp import services
from optunagui.analysis import (
    FeatureSelectionError,
    RunToCheck,
    ablate_features,
    check_drop,
    list_runs_to_check,
    load_run_to_check,
    recommend_features,
    recommend_for_experiment,
)
from optunagui.analysis.feature_ablation import ABLATION_SEEDS
from optunagui.analysis.feature_evidence import read_spec
from optunagui.jobs import Job, JobRunner
from optunagui.objective import load_run_dataset, prepare_data

__all__ = [
    "BUSY",
    "JobView",
    "ablation_view",
    "experiment_view",
    "input_columns",
    "run_view",
    "start_ablation",
    "start_experiment",
    "start_run",
]

BUSY = ("Another feature-selection job is running on this server: it starts when that one has "
        "finished.")
log = logging.getLogger(__name__)
Status = Literal["none", "running", "done", "failed", "busy"]


@dataclass(frozen=True)
class JobView:
    """Where a job stands: ``result`` once done, ``message`` when it failed, is busy or none
    was started; ``key`` names the job."""

    status: Status
    result: Any = None
    message: str | None = None
    key: Hashable = None


def _jobs() -> JobRunner[Any]:
    return services.state().feature_selection_jobs


def _settle(work: Callable[[], Any], what: str) -> Callable[[], Any]:
    def run() -> Any:
        try:
            return work()
        except FeatureSelectionError as error:
            return str(error)
        except Exception as error:  # kept as a message: the page says it, the app goes on
            log.exception("%s failed", what)
            return f"{what} failed: {type(error).__name__}: {error}"
    return run


def _view(job: Job[Any] | None, key: Hashable) -> JobView:
    if job is None:
        return JobView("none", key=key)
    if job.running:
        return JobView("running", key=key)
    outcome = job.result()
    if outcome is None or isinstance(outcome, str):
        return JobView("failed", message=outcome or str(job.error), key=key)
    return JobView("done", result=outcome, key=key)


def _start(key: Hashable, work: Callable[[], Any], what: str, *, again: bool) -> JobView:
    jobs = _jobs()
    job = jobs.start_if_free(key, _settle(work, what), again=again, max_running=1)
    if job is None:
        return JobView("busy", message=BUSY, key=key)
    return _view(job, key)


def _run_key(run: RunToCheck) -> tuple[Any, ...]:
    return ("run", run.run_id, tuple(t.number for t in run.trials))


def _load_run(run_id: int) -> RunToCheck:
    with services.database().session() as session:
        return load_run_to_check(session, run_id)


def start_run(run_id: int, *, again: bool = False) -> JobView:
    """Start (or find) the run's recommendations on its current best trials.

    Raises:
        FeatureSelectionError: a code run or attached study, or no complete trial.
    """
    run = _load_run(run_id)
    settings = services.state().settings
    return _start(_run_key(run), lambda: recommend_features(run.spec, run.trials, settings,
                                                            run_id=run.run_id),
                  f"Feature recommendations for run {run_id}", again=again)


def run_view(run_id: int) -> JobView:
    """The recommendations on the run's current best trials, if started."""
    key = _run_key(_load_run(run_id))
    return _view(_jobs().get(key), key)


def _experiment_runs(experiment_id: int) -> tuple[tuple[Any, ...], list[RunToCheck],
                                                  dict[str, str]]:
    with services.database().session() as session:
        runs, left_out = list_runs_to_check(session, experiment_id)
    key = ("experiment", experiment_id, tuple(_run_key(r)[1:] for r in runs))
    return key, runs, left_out


def start_experiment(experiment_id: int, *, again: bool = False) -> JobView:
    key, runs, left_out = _experiment_runs(experiment_id)
    settings = services.state().settings
    return _start(key, lambda: recommend_for_experiment(runs, settings,
                                                        experiment_id=experiment_id,
                                                        left_out=left_out),
                  f"Feature recommendations for experiment {experiment_id}", again=again)


def experiment_view(experiment_id: int) -> JobView:
    key, _runs, _left_out = _experiment_runs(experiment_id)
    return _view(_jobs().get(key), key)


def input_columns(spec: Any) -> list[str]:
    """The run's input columns, from its dataset (for checking what to drop).

    Raises:
        FeatureSelectionError: the spec or dataset cannot be read.
    """
    checked = read_spec(spec)
    try:
        data = prepare_data(checked, load_run_dataset(checked, services.state().settings))
    except (OSError, ValueError, KeyError) as error:
        raise FeatureSelectionError(f"The run's dataset cannot be loaded: {error}") from None
    return [str(c) for c in data.feature_columns]


def start_ablation(run_id: int, drop: Sequence[Any], *, n_seeds: int = ABLATION_SEEDS
                   ) -> JobView:
    """Start testing the run's best configuration without ``drop`` (checked here first).

    Raises:
        FeatureSelectionError: the run cannot be refitted, or a bad column to drop.
    """
    run = _load_run(run_id)
    chosen = check_drop(input_columns(run.spec), drop)
    best = run.trials[0]
    key = ("ablate", run_id, best.number, tuple(chosen), n_seeds)
    settings = services.state().settings
    return _start(key, lambda: ablate_features(run.spec, best, chosen, settings, run_id=run_id,
                                               n_seeds=n_seeds),
                  f"Testing run {run_id} without {', '.join(chosen)}", again=False)


def ablation_view(run_id: int, drop: Sequence[str] | None = None) -> JobView:
    """The run's newest ablation (of exactly ``drop`` when given)."""
    for job in reversed(_jobs().jobs()):
        key = job.key
        if (isinstance(key, tuple) and key[:2] == ("ablate", run_id)
                and (drop is None or list(key[3]) == list(drop))):
            return _view(job, key)
    return JobView("none", key=("ablate", run_id))

