"""What a run report states, gathered from the database: the setup, the results, the notes,
the control timeline, the environment and the timings (no figures, no HTML)."""

from __future__ import annotations

import json
import platform
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from optunagui.config import Settings
from optunagui.pipeline import dataset_facts
from optunagui.store import (
    TrialEvent,
    count_trials_by_state,
    get_best_trial,
    get_experiment,
    get_run,
    get_user,
    list_trials,
)
from optunagui.store.notes import NoteInfo, list_notes

__all__ = ["PACKAGES", "FoldSpread", "RunFacts", "collect_run_facts", "package_versions"]

PACKAGES = ("optunagui", "optuna", "ray", "scikit-learn", "lightgbm", "xgboost", "torch",
            "shap", "numpy", "pandas", "scipy", "plotly", "dash", "sqlalchemy")


@dataclass(frozen=True)
class FoldSpread:
    metric: str
    scores: list[float]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.scores)

    @property
    def sd(self) -> float:
        return statistics.stdev(self.scores) if len(self.scores) > 1 else 0.0


@dataclass
class RunFacts:
    run_id: int
    name: str
    status: str
    status_reason: str | None
    experiment_id: int
    experiment_name: str
    created_by: str | None
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    spec: dict[str, Any]
    space: dict[str, Any]
    current_space: dict[str, Any] | None
    dataset: dict[str, Any]
    counts: dict[str, int]
    best_trial: int | None = None
    best_values: dict[str, float | None] = field(default_factory=dict)
    best_params: dict[str, Any] = field(default_factory=dict)
    best_metrics: dict[str, Any] = field(default_factory=dict)
    fold_spread: list[FoldSpread] = field(default_factory=list)
    test_result: dict[str, Any] | None = None
    notes: list[NoteInfo] = field(default_factory=list)
    control_events: list[dict[str, Any]] = field(default_factory=list)
    workers: list[str] = field(default_factory=list)
    gpu_ids: list[Any] = field(default_factory=list)
    trial_seconds: list[float] = field(default_factory=list)
    environment: dict[str, str] = field(default_factory=dict)
    environment_recorded: bool = False
    environment_entries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def metric_names(self) -> list[str]:
        names = [m.get("name") for m in self.spec.get("metrics") or [] if isinstance(m, dict)]
        return [str(n) for n in names if n] or ["value"]

    @property
    def quick(self) -> bool:
        return bool(self.spec.get("quick"))

    @property
    def wall_seconds(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or self.started_at
        return max((end - self.started_at).total_seconds(), 0.0)


def package_versions() -> dict[str, str]:
    found = {"python": platform.python_version(), "platform": platform.platform(terse=True)}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def _fold_spread(attrs: dict[str, Any] | None) -> list[FoldSpread]:
    folds = (attrs or {}).get("fold_scores") or {}
    if not isinstance(folds, dict):
        return []
    spread = []
    for metric, scores in folds.items():
        values = [float(s) for s in scores or [] if isinstance(s, int | float)]
        if values:
            spread.append(FoldSpread(str(metric), values))
    return spread


def _test_result(settings: Settings | None, run_id: int) -> dict[str, Any] | None:
    """The held-out score written by the latest ``train-best`` of the run, if any."""
    if settings is None:
        return None
    path = settings.runs_dir / str(run_id) / "best_model.json"
    try:
        document = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def _control_events(session: Session, run_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(TrialEvent.created_at, TrialEvent.metrics)
        .where(TrialEvent.run_id == run_id, TrialEvent.kind == "control")
        .order_by(TrialEvent.id)
    ).all()
    return [{"at": at, **(metrics or {})} for at, metrics in rows]


def collect_run_facts(session: Session, run_id: int, settings: Settings | None = None
                      ) -> RunFacts:
    """Everything the report says about the run except its figures.

    Raises:
        LookupError: no such run.
    """
    run = get_run(session, run_id)
    if run is None:
        raise LookupError(f"run {run_id} does not exist")
    experiment = get_experiment(session, run.experiment_id)
    author = get_user(session, run.created_by) if run.created_by is not None else None
    spec = dict(run.spec or {})
    facts = RunFacts(
        run_id=run.id, name=run.name, status=run.status, status_reason=run.status_reason,
        experiment_id=run.experiment_id,
        experiment_name=experiment.name if experiment is not None else "",
        created_by=author.username if author is not None else None,
        created_at=run.created_at, started_at=run.started_at, finished_at=run.finished_at,
        spec=spec, space=dict(spec.get("space") or {}),
        current_space=dict(run.current_space) if run.current_space else None,
        dataset=dataset_facts(session, run), counts=count_trials_by_state(session, run_id),
    )
    best = get_best_trial(session, run_id)
    if best is not None:
        facts.best_trial = best.number
        facts.best_values = dict(zip(facts.metric_names, best.values or [], strict=False))
        facts.best_params = dict(best.params or {})
        facts.best_metrics = dict((best.user_attrs or {}).get("metrics") or {})
        facts.fold_spread = _fold_spread(best.user_attrs)
    trials = list_trials(session, run_id)
    facts.workers = sorted({t.worker for t in trials if t.worker})
    facts.gpu_ids = sorted({str(g) for t in trials for g in (t.gpu_ids or [])})
    facts.trial_seconds = [t.duration_s for t in trials if t.duration_s is not None]
    facts.notes = list_notes(session, run.experiment_id) + list_notes(
        session, run.experiment_id, run_id=run_id)
    facts.control_events = _control_events(session, run_id)
    facts.test_result = _test_result(settings, run_id)
    _set_environment(facts, run.environment)
    return facts


def _set_environment(facts: RunFacts, recorded: Any) -> None:
    """The packages and cluster the driver recorded when the run first started; the packages
    of this process when the run has no record (it never started, or predates the record)."""
    entries = [e for e in recorded or [] if isinstance(e, dict)]
    facts.environment_entries = entries
    first = entries[0] if entries else {}
    packages = first.get("packages")
    if isinstance(packages, dict) and packages:
        facts.environment = {str(k): str(v) for k, v in packages.items()}
        facts.environment_recorded = True
    else:
        facts.environment = package_versions()
