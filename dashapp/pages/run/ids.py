"""Component ids of the run page, defined once."""

from __future__ import annotations

from dashapp.components.notes import NoteIds

__all__ = ["NOTE_IDS", "ids"]


class ids:
    run = "run-id"
    state = "run-live-state"
    clock = "run-clock"
    poll = "run-poll"
    denied = "run-denied"
    body = "run-body"
    title = "run-title"
    links = "run-links"
    header = "run-header"
    elapsed = "run-elapsed"
    controls = "run-controls"
    pause = "run-pause"
    resume = "run-resume"
    stop = "run-stop"
    control_feedback = "run-control-feedback"
    ranges_form = "run-ranges-form"
    ranges_apply = "run-ranges-apply"
    ranges_feedback = "run-ranges-feedback"
    range_low = "run-range-low"  # pattern-matching type, with "param"
    range_high = "run-range-high"  # pattern-matching type, with "param"
    range_log = "run-range-log"  # pattern-matching type, with "param"
    range_step = "run-range-step"  # pattern-matching type, with "param"
    range_message = "run-range-message"  # pattern-matching type, with "param"
    history = "run-history-graph"
    curves = "run-curves-graph"
    scatter = "run-scatter-graph"
    scatter_x = "run-scatter-x"
    scatter_y = "run-scatter-y"
    scatter_axes = "run-scatter-axes"
    deferred = "run-deferred-views"  # the views drawn after the history (render.py)
    timeline = "run-timeline-graph"
    grid = "run-trials-grid"
    grid_refreshed = "run-trials-refreshed"
    detail = "run-trial-detail"
    linked_trial = "run-linked-trial"  # ?trial=N in the page's address (an alert's link)
    kind = "run-kind"  # "your code" and the entry point, beside the title of a code run
    code_card = "run-code-card"
    code_facts = "run-code-facts"
    code_files = "run-code-files"
    code_file = "run-code-file"
    code_source = "run-code-source"


NOTE_IDS = NoteIds("run")
