"""Hyperparameter importance from our own trial rows, with Optuna's evaluators.

The trials are turned into `FrozenTrial`s with distributions from the run's space and added to
an in-memory single-objective study (one per objective, with that objective's direction), which
is what Optuna's `get_param_importances` expects. fANOVA grows a random forest and is slow
(about 1 s for 1,000 trials of 5 parameters on one core, far longer for 10,000), so it runs on
a subsample: the best trials plus a random sample of the rest. PED-ANOVA is fast and runs on
up to 20,000 trials (a uniform random sample beyond that).

Cache policy (`ImportanceCache`): one result per (run id, method, objective); its
`n_complete` says how many complete trials it was computed on. It should be recomputed (off
the request path) once the run has grown by both `refresh_min` (20) trials and
`refresh_growth` (10%) since: small runs every 20 trials, big ones every 10%. `request` serves
the stored result at once and starts that computation in a background thread. Results live
in memory and, when a directory is given, as one small JSON file per (run, method, objective)
in `<data_dir>/analysis/importance/` (written atomically), so they survive restarts.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
import warnings
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import numpy as np
import optuna
import plotly.graph_objects as go
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.study import StudyDirection

from optunagui.analysis._sampling import pick
from optunagui.analysis.frame import ParamColumn, TrialFrame
from optunagui.jobs import JobRunner

__all__ = [
    "FANOVA_MAX_TRIALS",
    "PED_ANOVA_MAX_TRIALS",
    "ImportanceCache",
    "ImportanceRecord",
    "build_study",
    "cache_for",
    "compute_importance",
    "draw_importance",
    "plot_importance",
]

FANOVA_MAX_TRIALS = 1_000
PED_ANOVA_MAX_TRIALS = 20_000
METHOD_LABELS = {"fanova": "fANOVA", "ped_anova": "PED-ANOVA"}


@dataclass(frozen=True)
class ImportanceRecord:
    """Importances of one objective, largest first, normalised to sum to 1."""

    run_id: int | None
    method: str  # "fanova" | "ped_anova"
    objective: str
    importances: dict[str, float]
    n_used: int
    n_complete: int
    seconds: float
    computed_at: float

    @property
    def note(self) -> str:
        """What it was computed on, e.g. "fANOVA on 1,000 of 100,000 complete trials"."""
        label = METHOD_LABELS.get(self.method, self.method)
        if self.n_used < self.n_complete:
            how = "best 10% + random sample" if self.method == "fanova" else "random sample"
            return f"{label} on {self.n_used:,} of {self.n_complete:,} complete trials ({how})"
        return f"{label} on all {self.n_complete:,} complete trials"

    def ranking(self) -> list[str]:
        return list(self.importances)


def _distribution(col: ParamColumn) -> BaseDistribution:
    if col.kind == "categorical":
        return CategoricalDistribution(list(col.choices) or [None])
    if col.kind == "int":
        step = col.spec.get("step") if not col.log else None
        low, high = int(math.floor(col.low)), int(math.ceil(col.high))
        if step and (high - low) % int(step):
            step = None
        return IntDistribution(low, high, log=col.log, step=int(step or 1))
    step = col.spec.get("step") if not col.log else None
    if step and not math.isclose(((col.high - col.low) / step) % 1, 0, abs_tol=1e-9):
        step = None
    return FloatDistribution(col.low, col.high, log=col.log, step=step)


def build_study(frame: TrialFrame, indices: np.ndarray, objective: int | str = 0) -> optuna.Study:
    """An in-memory single-objective study holding the given trials (complete, one value)."""
    k = frame.objective_index(objective)
    dists = {name: _distribution(col) for name, col in frame.params.items()}
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.create_study(direction=StudyDirection[frame.directions[k].upper()])
    finally:
        optuna.logging.set_verbosity(verbosity)
    trials = []
    for i in indices:
        params, used = {}, {}
        for name, col in frame.params.items():
            raw = col.values[i]
            if not np.isfinite(raw):
                continue
            value = col.label(raw)
            if isinstance(dists[name], IntDistribution):
                value = int(value)
            params[name], used[name] = value, dists[name]
        if params:
            trials.append(optuna.trial.create_trial(
                params=params, distributions=used, value=float(frame.values[i, k])))
    study.add_trials(trials)
    return study


def compute_importance(
    frame: TrialFrame,
    *,
    objective: int | str = 0,
    method: str = "fanova",
    max_trials: int | None = None,
    seed: int = 0,
    run_id: int | None = None,
) -> ImportanceRecord:
    """Importance of each parameter for one objective.

    Args:
        method: "fanova" (a forest of 32 trees of depth 8, on at most `max_trials`, default
            `FANOVA_MAX_TRIALS`: the best tenth of them + a random sample) or "ped_anova" (on
            at most `PED_ANOVA_MAX_TRIALS`, a uniform random sample, since PED-ANOVA compares
            the top quantile with the whole distribution).
    """
    if method not in METHOD_LABELS:
        raise ValueError(f"unknown importance method {method!r}; use fanova or ped_anova")
    k = frame.objective_index(objective)
    started = time.perf_counter()
    idx = frame.complete(k)
    fanova = method == "fanova"
    limit = max_trials if max_trials is not None else (
        FANOVA_MAX_TRIALS if fanova else PED_ANOVA_MAX_TRIALS)
    used = pick(idx, frame.score(k), limit, seed=seed, best_share=0.1 if fanova else 0.0)
    importances: dict[str, float] = {}
    if used.size >= 2 and frame.params:
        study = build_study(frame, used, k)
        if method == "fanova":
            evaluator: optuna.importance.BaseImportanceEvaluator = (
                optuna.importance.FanovaImportanceEvaluator(n_trees=32, max_depth=8, seed=seed))
        else:
            evaluator = optuna.importance.PedAnovaImportanceEvaluator()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = optuna.importance.get_param_importances(study, evaluator=evaluator)
        importances = {name: float(v) for name, v in raw.items()}
        for name in frame.params:  # conditional parameters fANOVA could not assess
            importances.setdefault(name, 0.0)
    return ImportanceRecord(
        run_id, method, frame.metric_names[k], importances, int(used.size), int(idx.size),
        time.perf_counter() - started, time.time(),
    )


def draw_importance(record: ImportanceRecord) -> go.Figure:
    names = list(record.importances)[::-1]
    values = [record.importances[n] for n in names]
    fig = go.Figure(go.Bar(x=values, y=names, orientation="h",
                           text=[f"{v:.1%}" for v in values], textposition="auto",
                           hovertemplate="%{y}: %{x:.3f}<extra></extra>"))
    fig.update_layout(
        title={"text": f"Hyperparameter importance for {record.objective}"
                       f"<br><sup>{record.note}</sup>"},
        xaxis={"title": "importance (share)", "tickformat": ".0%"},
        height=max(300, 40 * len(names) + 120))
    return fig


def plot_importance(frame: TrialFrame, **options) -> go.Figure:
    return draw_importance(compute_importance(frame, **options))


class ImportanceCache:
    """Importance results per run, in memory and optionally in a directory (see module doc)."""

    def __init__(self, directory: Path | str | None = None, *, refresh_growth: float = 0.1,
                 refresh_min: int = 20) -> None:
        self.directory = Path(directory) if directory is not None else None
        self.refresh_growth = refresh_growth
        self.refresh_min = refresh_min
        self._memory: dict[tuple[int, str, str], ImportanceRecord] = {}
        self._jobs: JobRunner[ImportanceRecord] = JobRunner("importance", workers=1)

    def _path(self, key: tuple[int, str, str]) -> Path | None:
        if self.directory is None:
            return None
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in key[2])
        return self.directory / f"run{key[0]}_{key[1]}_{safe}.json"

    def latest(self, run_id: int, method: str, objective: str) -> ImportanceRecord | None:
        """The newest stored result for the run, method and objective (any trial count)."""
        key = (run_id, method, objective)
        if key in self._memory:
            return self._memory[key]
        path = self._path(key)
        if path is None or not path.exists():
            return None
        try:
            data = json.loads(path.read_text())
            record = ImportanceRecord(**data)
        except (OSError, ValueError, TypeError):
            return None
        self._memory[key] = record
        return record

    def needs_refresh(self, record: ImportanceRecord | None, n_complete: int) -> bool:
        if record is None:
            return n_complete >= 2
        grown = n_complete - record.n_complete
        if grown < 0:  # trials were removed: the stored result no longer describes the run
            return True
        return grown >= max(self.refresh_min, self.refresh_growth * record.n_complete)

    def put(self, record: ImportanceRecord) -> None:
        if record.run_id is None:
            raise ValueError("only results with a run_id can be cached")
        key = (record.run_id, record.method, record.objective)
        self._memory[key] = record
        path = self._path(key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "w") as out:
            json.dump(asdict(record), out)
        os.replace(tmp, path)

    def get_or_compute(self, run_id: int, frame: TrialFrame, *, method: str = "fanova",
                       objective: int | str = 0, **options) -> ImportanceRecord:
        """The cached result when fresh enough by the policy, else a new one (stored)."""
        k = frame.objective_index(objective)
        n_complete = int(frame.complete(k).size)
        record = self.latest(run_id, method, frame.metric_names[k])
        if record is not None and not self.needs_refresh(record, n_complete):
            return record
        record = compute_importance(frame, objective=k, method=method, run_id=run_id, **options)
        self.put(record)
        return record

    def request(self, run_id: int, frame: TrialFrame, *, method: str = "fanova",
                objective: int | str = 0, **options) -> ImportanceRecord | None:
        """For the request path: the newest stored result (possibly stale, None at first),
        and, when the policy asks for a new one, its computation started in the background.

        `pending(run_id, method, objective)` says whether one is being computed."""
        k = frame.objective_index(objective)
        key = (run_id, method, frame.metric_names[k])
        record = self.latest(*key)
        if not self.needs_refresh(record, int(frame.complete(k).size)):
            return record
        self._jobs.start(key, partial(self.get_or_compute, run_id, frame, method=method,
                                      objective=k, **options), again=True)
        return record

    def pending(self, run_id: int, method: str,
                objective: str) -> Future[ImportanceRecord] | None:
        """The computation under way for the run, method and objective (None when none is)."""
        job = self._jobs.get((run_id, method, objective))
        return job.future if job is not None and job.running else None

    def close(self) -> None:
        """Wait for background computations and stop the worker thread."""
        self._jobs.close(wait=True)


def cache_for(data_dir: Path | str, *, refresh_growth: float = 0.1,
              refresh_min: int = 20) -> ImportanceCache:
    """The importance cache kept under a data directory (``analysis/importance``)."""
    return ImportanceCache(Path(data_dir) / "analysis" / "importance",
                           refresh_growth=refresh_growth, refresh_min=refresh_min)
