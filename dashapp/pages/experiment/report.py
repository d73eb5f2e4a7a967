"""The experiment page's "Report" menu: the experiment report as HTML or PDF, for its readers."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State, html

from dashapp import components, guard, services
from dashapp.components.buttons import clicked_choice
from dashapp.components.downloads import download_menu, report_download
from dashapp.guard import Access
from dashapp.pages.experiment.ids import ids
from dashapp.permissions import Role
from optunagui.reports import build_experiment_report

__all__ = ["FORMATS", "download_report", "register_report_menu", "report_menu"]

FORMATS = {"html": "Report (HTML)", "pdf": "Report (PDF)"}


def report_menu() -> html.Span:
    return download_menu("Report", FORMATS, item_type=ids.report_item, key="format",
                         menu_id=ids.report_menu, download_id=ids.report_download,
                         feedback_id=ids.report_feedback)


def download_report(access: Access, clicks: Any, experiment_id: Any) -> Any:
    fmt = clicked_choice(clicks, "format", FORMATS)
    with services.database().session() as session:
        page = build_experiment_report(session, access.experiment_id, services.state().settings)
    download, problem = report_download(page, f"experiment-{access.experiment_id}-report", fmt)
    if problem:
        return dash.no_update, components.message(problem, "warning")
    return download, None


def register_report_menu(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.experiment(Role.viewer, "experiment_id"),
        output=[Output(ids.report_download, "data"), Output(ids.report_feedback, "children")],
        inputs={"clicks": Input({"type": ids.report_item, "format": ALL}, "n_clicks")},
        state={"experiment_id": State(ids.experiment, "data")},
        prevent_initial_call=True,
    )(download_report)
