"""The paired statistical comparison of several runs' best trials, with the reasons some runs
cannot take part (another metric, no complete trial, no fold scores recorded)."""

from __future__ import annotations

from collections.abc import Sequence

from optunagui.analysis.compare import PairedComparison, best_fold_scores, compare_many
from optunagui.analysis.side_by_side import RunInput

__all__ = ["compare_best_trials"]


def compare_best_trials(
    runs: Sequence[RunInput], *, baseline: str | None = None
) -> tuple[list[PairedComparison], list[str]]:
    """Paired tests on the best trials' per-fold scores of the first run's primary metric.

    Args:
        baseline: the label of the run the others are compared with; all pairs when None (or
            when the baseline cannot take part, which a note then says).

    Returns:
        The comparisons (Holm-corrected when more than two runs) and notes in plain words.
    """
    if not runs:
        return [], []
    first = runs[0].frame
    metric, direction = first.metric_names[0], first.directions[0]
    scores: dict[str, list[float]] = {}
    notes = []
    for run in runs:
        if run.frame.metric_names[0] != metric:
            notes.append(f"{run.label} optimises {run.frame.metric_names[0]}, not {metric}: "
                         "left out of the statistical comparison.")
            continue
        if run.frame.best_index(0) is None:
            notes.append(f"{run.label} has no complete trial yet.")
            continue
        found = best_fold_scores(run.frame, metric)
        if not found:
            notes.append(f"Fold scores were not recorded for run {run.label}: its best trial "
                         "cannot be tested against the others.")
            continue
        scores[run.label] = found
    if len(scores) < 2:
        if len(runs) > 1:
            notes.append("The statistical comparison needs the per-fold scores of at least two "
                         "runs' best trials.")
        return [], notes
    if baseline is not None and baseline not in scores:
        notes.append(f"The baseline {baseline} cannot be tested: every pair of the other runs "
                     "is compared instead.")
        baseline = None
    return compare_many(scores, metric=metric, direction=direction, baseline=baseline), notes
