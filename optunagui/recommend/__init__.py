"""Suggestions for a new run's search space from earlier runs the user may read.

`suggest_from_history` is the pure part (a draft's space and earlier runs' trials -> a
`Suggestions` record); `suggest_for_spec` finds the earlier runs in the database.
"""

from __future__ import annotations

from optunagui.recommend.past_runs import BEST_SHARE, MIN_BEST, MIN_TRIALS, PastRun
from optunagui.recommend.record import CHANGES, MATCHES, ParamSuggestion, SourceRun, Suggestions
from optunagui.recommend.service import (
    apply_suggestions,
    chosen_suggestions,
    suggest_for_spec,
    suggested_space,
)
from optunagui.recommend.similar import NEAR_DUPLICATE, Similarity, score_similarity
from optunagui.recommend.similar_record import SimilarRun, SimilarRuns
from optunagui.recommend.similar_runs import RunNotReadable, near_duplicates, similar_runs
from optunagui.recommend.suggest import suggest_from_history

__all__ = [
    "BEST_SHARE",
    "CHANGES",
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
    "apply_suggestions",
    "chosen_suggestions",
    "near_duplicates",
    "score_similarity",
    "similar_runs",
    "suggest_for_spec",
    "suggest_from_history",
    "suggested_space",
]
