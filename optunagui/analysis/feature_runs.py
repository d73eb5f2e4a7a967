"""The runs feature selection can look at, read from the store: a run's spec and its best
complete trials (best first), or an experiment's runs of built-in models with the reason each
other run is left out."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from optunagui.analysis.feature_evidence import FeatureSelectionError
from optunagui.analysis.feature_selection import TOP_TRIALS, TrialToCheck
from optunagui.metrics import METRICS
from optunagui.store import get_run, list_trials
from optunagui.store import runs as run_store

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["NOT_REFITTABLE", "RunToCheck", "list_runs_to_check", "load_run_to_check"]

NOT_REFITTABLE = ("it runs your own code or is an attached study: the product does not know "
                  "how to refit it, so there is nothing to recommend")


@dataclass(frozen=True)
class RunToCheck:
    run_id: int
    experiment_id: int
    name: str
    spec: dict[str, Any]
    trials: tuple[TrialToCheck, ...]

    @property
    def label(self) -> str:
        return f"run {self.run_id} ({self.name})"


def _direction(spec: Mapping[str, Any]) -> str:
    metrics = spec.get("metrics") or []
    first = metrics[0] if metrics and isinstance(metrics[0], Mapping) else {}
    known = METRICS.get(str(first.get("name")))
    return str(first.get("direction") or (known.direction if known else "maximize"))


def _refittable(spec: Any) -> bool:
    return (isinstance(spec, Mapping) and not isinstance(spec.get("objective"), Mapping)
            and not isinstance(spec.get("attached"), Mapping))


def _best_trials(session: Session, run_id: int, spec: Mapping[str, Any],
                 top: int) -> tuple[TrialToCheck, ...]:
    sign = 1.0 if _direction(spec) == "maximize" else -1.0
    scored = [(trial.value, trial) for trial in list_trials(session, run_id, states=["complete"])
              if trial.value is not None and not math.isnan(trial.value)]
    scored.sort(key=lambda pair: (-sign * pair[0], pair[1].number))
    return tuple(TrialToCheck(trial.number, dict(trial.params or {}))
                 for _value, trial in scored[:top])


def _problem(session: Session, run: Any, top: int) -> tuple[RunToCheck | None, str | None]:
    if not _refittable(run.spec):
        return None, NOT_REFITTABLE
    trials = _best_trials(session, run.id, run.spec, top)
    if not trials:
        return None, "it has no complete trial yet: recommendations come from its best trials"
    return RunToCheck(run.id, run.experiment_id, run.name, dict(run.spec), trials), None


def load_run_to_check(session: Session, run_id: int, *, top: int = TOP_TRIALS) -> RunToCheck:
    """The run with its ``top`` best complete trials.

    Raises:
        FeatureSelectionError: no such run, a run of the user's own code or an attached study,
            or a run without a complete trial.
    """
    run = get_run(session, run_id)
    if run is None:
        raise FeatureSelectionError(f"Run {run_id} does not exist.")
    found, problem = _problem(session, run, top)
    if found is None:
        raise FeatureSelectionError(f"Run {run_id}: {problem}.")
    return found


def list_runs_to_check(session: Session, experiment_id: int, *, top: int = TOP_TRIALS
                       ) -> tuple[list[RunToCheck], dict[str, str]]:
    """The experiment's runs that can be checked (newest first) and why the others cannot."""
    usable: list[RunToCheck] = []
    left_out: dict[str, str] = {}
    for run in run_store.list_runs(session, experiment_id):
        found, problem = _problem(session, run, top)
        if found is None:
            left_out[f"run {run.id} ({run.name})"] = str(problem)
        else:
            usable.append(found)
    return usable, left_out
