"""Test dropping columns: the run's best configuration re-evaluated with and without them.

Both variants are cross-validated in quick mode on the same folds for the same seeds
(``optunagui.analysis.reevaluate``), so their fold scores pair up position by position, and a
paired test (``optunagui.analysis.compare``) says whether dropping the columns costs anything
the folds can detect. The verdict is one sentence, e.g. "Dropping x3, x7 changes accuracy by
-0.002 (95% CI -0.006..+0.002, p = 0.41): no detectable loss — drop them."
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from optunagui.analysis.compare import PairedComparison
from optunagui.analysis.feature_evidence import (
    FeatureSelectionError,
    direction_of,
    read_spec,
)
from optunagui.analysis.feature_selection import TrialToCheck
from optunagui.analysis.reevaluate import (
    MAX_SEEDS,
    MIN_SEEDS,
    ConfigurationToCheck,
    compare_reevaluated,
    reevaluate,
)
from optunagui.objective import load_run_dataset, prepare_data

if TYPE_CHECKING:
    from optunagui.config import Settings
    from optunagui.spec import ExperimentSpec

__all__ = [
    "ABLATION_SEEDS",
    "AblationInputError",
    "FeatureAblation",
    "ablate_features",
    "check_drop",
]

ABLATION_SEEDS = 2
WITH_ALL = "all columns"


class AblationInputError(FeatureSelectionError):
    """A bad choice of columns to drop or of seeds; the message starts with the field."""


@dataclass(frozen=True)
class FeatureAblation:
    """The paired comparison of the best configuration without ``drop`` against it with every
    column. ``advice`` is "drop", "keep" or "undecided" (when no test could be run)."""

    drop: tuple[str, ...]
    trial_number: int
    metric: str
    direction: str
    n_seeds: int
    folds_per_seed: int
    with_all: list[float]
    without: list[float]
    comparison: PairedComparison
    advice: str
    verdict: str
    seconds: float
    run_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["comparison"] = {key: value for key, value in out["comparison"].items()
                             if key != "verdict"}
        return out


def check_drop(columns: Sequence[str], drop: Sequence[Any]) -> list[str]:
    """The columns to drop, in the order given, each once.

    Raises:
        AblationInputError: none given, one that is not an input column of the run (the
            message lists the valid ones), or every column.
    """
    chosen = list(dict.fromkeys(drop))
    if not chosen:
        raise AblationInputError("drop: name at least one input column to leave out.")
    unknown = [c for c in chosen if not isinstance(c, str) or c not in columns]
    if unknown:
        raise AblationInputError(
            f"drop: {', '.join(repr(c) for c in unknown)} "
            f"{'is not an input column' if len(unknown) == 1 else 'are not input columns'} of "
            f"the run; choose from {', '.join(columns)}.")
    if len(chosen) >= len(columns):
        raise AblationInputError(
            "drop: that leaves the model no input column; keep at least one of "
            f"{', '.join(columns)}.")
    return chosen


def _verdict(drop: Sequence[str], c: PairedComparison) -> tuple[str, str]:
    names = ", ".join(drop)
    if c.refused is not None:
        return "undecided", f"Dropping {names} cannot be tested: {c.refused}"
    evidence = (f"95% CI {c.ci_low:+.3g}..{c.ci_high:+.3g}, p = {c.p_value:.2g}, "
                f"{c.n} paired folds")
    numbers = f"{c.diff:+.3g} ({evidence})"
    if not c.significant:
        return "drop", (f"Dropping {names} changes {c.metric} by {numbers}: no detectable "
                        "loss — drop them.")
    worse = (c.diff < 0) == (c.direction == "maximize")
    if worse:
        return "keep", (f"Dropping {names} costs {abs(c.diff):.3g} {c.metric} ({evidence}): "
                        "keep them.")
    return "drop", (f"Dropping {names} improves {c.metric} by {abs(c.diff):.3g} ({evidence}): "
                    "drop them.")


def _without(spec: ExperimentSpec, drop: Sequence[str]) -> ExperimentSpec:
    features = spec.features.model_copy(
        update={"exclude": [*spec.features.exclude, *drop],
                "transforms": {k: v for k, v in spec.features.transforms.items()
                               if k not in drop},
                "applied": {k: v for k, v in spec.features.applied.items() if k not in drop}})
    return spec.model_copy(update={"features": features})


def ablate_features(spec: Any, trial: TrialToCheck, drop: Sequence[Any],
                    settings: Settings | None = None, *, run_id: int | None = None,
                    n_seeds: int = ABLATION_SEEDS) -> FeatureAblation:
    """Re-evaluate ``trial``'s configuration with every column and without ``drop``.

    Raises:
        FeatureSelectionError: a bad ``drop`` or ``n_seeds``, a run of the user's own code, or
            a spec, dataset or configuration that cannot be evaluated.
    """
    started = time.perf_counter()
    if isinstance(n_seeds, bool) or not MIN_SEEDS <= n_seeds <= MAX_SEEDS:
        raise AblationInputError(f"n_seeds: give {MIN_SEEDS} to {MAX_SEEDS}, got {n_seeds}.")
    checked = read_spec(spec)
    if checked.model is None:
        raise FeatureSelectionError("The run tunes your own code, not one of the product's "
                                    "models: there is nothing to re-evaluate.")
    metric, direction = direction_of(checked)
    quick = checked.model_copy(update={"quick": True})
    try:
        loaded = load_run_dataset(quick, settings)
        columns = prepare_data(quick, loaded).feature_columns
    except (OSError, ValueError, KeyError) as error:
        raise FeatureSelectionError(f"The run's dataset cannot be loaded: {error}") from None
    chosen = check_drop([str(c) for c in columns], drop)
    label = f"without {', '.join(chosen)}"
    found = reevaluate([ConfigurationToCheck(WITH_ALL, quick.to_dict(), trial.params),
                        ConfigurationToCheck(label, _without(quick, chosen).to_dict(),
                                             trial.params)],
                       n_seeds, settings=settings, dataset=loaded)
    if found.refused:
        reasons = "; ".join(f"{name}: {why}" for name, why in found.refused.items())
        raise FeatureSelectionError(f"The re-evaluation failed ({reasons}).")
    comparison = compare_reevaluated(found, baseline=WITH_ALL)[0]
    advice, verdict = _verdict(chosen, comparison)
    return FeatureAblation(tuple(chosen), trial.number, metric.name, direction, n_seeds,
                           found.folds_per_seed, found.scores[WITH_ALL], found.scores[label],
                           comparison, advice, verdict, time.perf_counter() - started, run_id)
