"""Feature selection over an experiment: the recommendations of its runs of built-in models on
one dataset, joined. A column is flagged when most of those runs flag it (more than half: both
of two runs, two of three); the others are listed with how many runs flagged them.

Only runs on the same dataset (name or path, version and options, target) are joined; runs on
another dataset, runs of the user's own code and runs without a complete trial are left out,
each with its reason. At most ``MAX_RUNS`` runs (the newest) are refitted, on their
``EXPERIMENT_TOP_TRIALS`` best trials, so the whole takes seconds to tens of seconds.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from optunagui.analysis.feature_evidence import FeatureSelectionError, read_spec
from optunagui.analysis.feature_selection import FeatureRecommendations, recommend_features
from optunagui.analysis.reevaluate import dataset_key, dataset_name
from optunagui.objective import load_run_dataset

if TYPE_CHECKING:
    from optunagui.analysis.feature_runs import RunToCheck
    from optunagui.config import Settings

__all__ = [
    "EXPERIMENT_TOP_TRIALS",
    "MAX_RUNS",
    "ExperimentColumnAdvice",
    "ExperimentFeatureAdvice",
    "recommend_for_experiment",
]

MAX_RUNS = 3
EXPERIMENT_TOP_TRIALS = 2


@dataclass(frozen=True)
class ExperimentColumnAdvice:
    """One column over the joined runs: run id -> verdict there, and the runs' mean estimated
    change of the metric when it is dropped."""

    column: str
    verdicts: dict[int, str]
    effect: float
    partners: tuple[str, ...] = ()

    @property
    def flagged_in(self) -> list[int]:
        return [run for run, verdict in self.verdicts.items() if verdict != "keep"]

    @property
    def flagged(self) -> bool:
        return 2 * len(self.flagged_in) > len(self.verdicts)


@dataclass(frozen=True)
class ExperimentFeatureAdvice:
    experiment_id: int | None
    dataset: str
    metric: str
    runs: tuple[int, ...]
    columns: tuple[ExperimentColumnAdvice, ...]
    left_out: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def drop(self) -> list[str]:
        return [c.column for c in self.columns if c.flagged]

    @property
    def summary(self) -> str:
        runs = ", ".join(str(r) for r in self.runs)
        if len(self.runs) == 1:
            head = f"Run {runs} on dataset {self.dataset}"
            if not self.drop:
                return f"{head}: every column earns its place."
            return f"{head} could drop {', '.join(self.drop)}."
        head = f"Runs {runs} on dataset {self.dataset}"
        if not self.drop:
            return f"{head}: no column is flagged by most of them."
        return f"{head}: most of them could drop {', '.join(self.drop)}."

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for column, advice in zip(out["columns"], self.columns, strict=True):
            column["verdicts"] = {str(k): v for k, v in advice.verdicts.items()}
            column["flagged_in"] = advice.flagged_in
            column["flagged"] = advice.flagged
        out["drop"] = self.drop
        out["summary"] = self.summary
        return out


def _join(found: dict[int, FeatureRecommendations]) -> list[ExperimentColumnAdvice]:
    columns = list(dict.fromkeys(a.column for record in found.values() for a in record.columns))
    joined = []
    for column in columns:
        verdicts, effects, partners = {}, [], []
        for run_id, record in found.items():
            try:
                advice = record.advice(column)
            except KeyError:  # a run that excluded the column
                continue
            verdicts[run_id] = advice.verdict
            effects.append(advice.effect.mean)
            if advice.partner:
                partners.append(advice.partner)
        joined.append(ExperimentColumnAdvice(column, verdicts, sum(effects) / len(effects),
                                             tuple(dict.fromkeys(partners))))
    return sorted(joined, key=lambda c: (not c.flagged, -len(c.flagged_in), columns.index(
        c.column)))


def recommend_for_experiment(runs: Sequence[RunToCheck], settings: Settings | None = None, *,
                             experiment_id: int | None = None,
                             left_out: dict[str, str] | None = None) -> ExperimentFeatureAdvice:
    """Recommendations of the newest runs on the dataset most of ``runs`` use, joined.

    Raises:
        FeatureSelectionError: no run can be checked (the message lists why).
    """
    started = time.perf_counter()
    skipped = dict(left_out or {})
    keyed = []
    for run in runs:
        try:
            keyed.append((run, read_spec(run.spec)))
        except FeatureSelectionError as error:
            skipped[run.label] = str(error)
    if not keyed:
        reasons = "; ".join(f"{label}: {why}" for label, why in skipped.items())
        raise FeatureSelectionError("No run of a built-in model with a complete trial to "
                                    f"recommend from{': ' + reasons if reasons else ''}.")
    keys = [dataset_key(spec) for _run, spec in keyed]
    chosen = max(keys, key=keys.count)  # ties: the newest run's dataset comes first
    same = [(run, spec) for (run, spec), key in zip(keyed, keys, strict=True) if key == chosen]
    for run, spec in keyed:
        if dataset_key(spec) != chosen:
            skipped[run.label] = f"it uses another dataset ({dataset_name(spec)})"
    for run, _spec in same[MAX_RUNS:]:
        skipped[run.label] = f"only the newest {MAX_RUNS} runs on the dataset are refitted"
    first_spec = same[0][1]
    try:
        dataset = load_run_dataset(first_spec, settings)
    except (OSError, ValueError, KeyError) as error:
        raise FeatureSelectionError(f"The runs' dataset cannot be loaded: {error}") from None
    found: dict[int, FeatureRecommendations] = {}
    for run, spec in same[:MAX_RUNS]:
        try:
            found[run.run_id] = recommend_features(spec, run.trials, settings, run_id=run.run_id,
                                                   top=EXPERIMENT_TOP_TRIALS, dataset=dataset)
        except FeatureSelectionError as error:
            skipped[run.label] = str(error)
    if not found:
        reasons = "; ".join(f"{label}: {why}" for label, why in skipped.items())
        raise FeatureSelectionError(f"No run could be checked: {reasons}.")
    metric = next(iter(found.values())).metric
    return ExperimentFeatureAdvice(experiment_id, dataset_name(first_spec), metric,
                                   tuple(found), tuple(_join(found)), skipped,
                                   time.perf_counter() - started)
