"""Reports: a run's (or an experiment's) results as one self-contained HTML page, or a PDF."""

from __future__ import annotations

from optunagui.reports.experiment_report import build_experiment_report
from optunagui.reports.facts import RunFacts, collect_run_facts, package_versions
from optunagui.reports.markdown import render_markdown
from optunagui.reports.pdf import MAX_PRINTS, PdfError, PrinterBusy, find_chromium, html_to_pdf
from optunagui.reports.run_report import ReportOptions, build_run_report, render_run_report

__all__ = [
    "MAX_PRINTS",
    "PdfError",
    "PrinterBusy",
    "ReportOptions",
    "RunFacts",
    "build_experiment_report",
    "build_run_report",
    "collect_run_facts",
    "find_chromium",
    "html_to_pdf",
    "package_versions",
    "render_markdown",
    "render_run_report",
]
