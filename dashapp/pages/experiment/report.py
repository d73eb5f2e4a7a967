"""The experiment page's "Report" menu: the experiment report as HTML or PDF, for its readers."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State, html

from dashapp import components, guard, services
from dashapp.components.buttons import clicked_choice
from dashapp.components.downloads import download_menu, file_download
from dashapp.guard import Access
from dashapp.pages.experiment.ids import ids
from dashapp.permissions import Role
from optunagui.reports import PdfError, build_experiment_report, html_to_pdf

__all__ = ["register_report_callbacks", "report_menu"]

MENU_ITEM = "experiment-report-item"  # pattern-matching type, with "format"
DOWNLOAD = "experiment-report-download"
FEEDBACK = "experiment-report-feedback"
FORMATS = {"html": "Report (HTML)", "pdf": "Report (PDF)"}


def report_menu() -> html.Span:
    return download_menu("Report", FORMATS, item_type=MENU_ITEM, key="format",
                         menu_id="experiment-report-menu", download_id=DOWNLOAD,
                         feedback_id=FEEDBACK)


def register_report_callbacks(app: dash.Dash) -> None:
    @guard.guarded_callback(
        app,
        requires=guard.experiment(Role.viewer, "experiment_id"),
        output=[Output(DOWNLOAD, "data"), Output(FEEDBACK, "children")],
        inputs={"clicks": Input({"type": MENU_ITEM, "format": ALL}, "n_clicks")},
        state={"experiment_id": State(ids.experiment, "data")},
        prevent_initial_call=True,
    )
    def download_report(access: Access, clicks: Any, experiment_id: Any) -> Any:
        fmt = clicked_choice(clicks, "format", FORMATS)
        with services.database().session() as session:
            page = build_experiment_report(session, access.experiment_id)
        name = f"experiment-{access.experiment_id}-report"
        if fmt == "html":
            return file_download(page, f"{name}.html", "text/html"), None
        try:
            pdf = html_to_pdf(page)
        except PdfError as error:
            return dash.no_update, components.message(f"Cannot make the PDF: {error}", "warning")
        return file_download(pdf, f"{name}.pdf", "application/pdf"), None
