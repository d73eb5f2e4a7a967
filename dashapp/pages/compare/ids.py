"""Component ids of the compare page, defined once."""

from __future__ import annotations

__all__ = ["FIGURES", "ids"]


class ids:
    runs = "compare-runs"
    problem = "compare-problem"
    body = "compare-body"
    title = "compare-title"
    table = "compare-table"
    overlay_number = "compare-overlay-number-graph"
    overlay_time = "compare-overlay-time-graph"
    stats_notes = "compare-stats-notes"
    stats_table = "compare-stats-table"
    stats_graph = "compare-stats-graph"
    download = "compare-download"
    download_button = "compare-download-button"  # pattern-matching type, with "figure"
    include_baseline = "compare-include-baseline"
    baseline_box = "compare-baseline-box"
    baseline_note = "compare-baseline-note"
    seeds = "compare-reevaluate-seeds"
    reevaluate = "compare-reevaluate-button"
    reevaluate_feedback = "compare-reevaluate-feedback"
    reevaluate_job = "compare-reevaluate-job"
    reevaluate_poll = "compare-reevaluate-poll"
    reevaluate_result = "compare-reevaluate-result"
    reevaluate_card = "compare-reevaluate-card"


FIGURES = {
    "table": "Runs side by side",
    "overlay-number": "Best so far by trial",
    "overlay-time": "Best so far by wall time",
    "stats": "Paired comparison of the best trials",
}
