"""Component ids of the shared view, defined once."""

from __future__ import annotations

__all__ = ["ids"]


class ids:
    token = "shared-token"
    poll = "shared-poll"
    problem = "shared-problem"
    body = "shared-body"
    title = "shared-title"
    description = "shared-description"
    runs = "shared-runs"
    compare_box = "shared-compare-box"
    compare_runs = "shared-compare-runs"
    compare_link = "shared-compare-link"
    code = "shared-code"
    report_menu = "shared-report-menu"
    report_item = "shared-report-item"  # pattern-matching type, with "format"
    report_download = "shared-report-download"
    report_feedback = "shared-report-feedback"
