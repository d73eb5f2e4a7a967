"""Suggestions for a new run's search space from earlier runs the user may read.

`suggest_from_history` is the pure part (a draft's space and earlier runs' trials -> a
`Suggestions` record); `suggest_for_spec` finds the earlier runs in the database. Likewise
`warm_start_from_history` / `warm_start_for_spec`: the best configurations of those runs to
evaluate first (a spec's ``warm_start``).
"""

from __future__ import annotations

from optunagui.recommend.past_runs import BEST_SHARE, MIN_BEST, MIN_TRIALS, PastRun
from optunagui.recommend.record import CHANGES, MATCHES, ParamSuggestion, SourceRun, Suggestions
from optunagui.recommend.service import (
    apply_suggestions,
    apply_warm_start,
    chosen_suggestions,
    suggest_for_spec,
    suggested_space,
    warm_start_for_spec,
)
from optunagui.recommend.similar import NEAR_DUPLICATE, Similarity, score_similarity
from optunagui.recommend.similar_record import SimilarRun, SimilarRuns
from optunagui.recommend.similar_runs import RunNotReadable, near_duplicates, similar_runs
from optunagui.recommend.suggest import suggest_from_history
from optunagui.recommend.warm_start import (
    DEFAULT_WARM_START,
    WarmStart,
    WarmStartConfig,
    warm_start_from_history,
)

__all__ = [
    "BEST_SHARE",
    "CHANGES",
    "DEFAULT_WARM_START",
    "MATCHES",
    "MIN_BEST",
    "MIN_TRIALS",
    "NEAR_DUPLICATE",
    "ParamSuggestion",
    "PastRun",
    "RunNotReadable",
    "Similarity",
    "SimilarRun",
    "SimilarRuns",
    "SourceRun",
    "Suggestions",
    "WarmStart",
    "WarmStartConfig",
    "apply_suggestions",
    "apply_warm_start",
    "chosen_suggestions",
    "near_duplicates",
    "score_similarity",
    "similar_runs",
    "suggest_for_spec",
    "suggest_from_history",
    "suggested_space",
    "warm_start_for_spec",
    "warm_start_from_history",
]
