"""The shared view's "Report" menu: the experiment report (HTML, PDF) of the link's experiment,
for whoever holds the link while it is valid."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State, html

from dashapp import components, guard, services
from dashapp.components.buttons import clicked_choice
from dashapp.components.downloads import download_menu, report_download
from dashapp.components.html_pages import SHARE_PROBLEMS
from dashapp.guard import Access, Denial
from dashapp.pages.experiment.report import FORMATS
from dashapp.pages.shared.ids import ids
from optunagui.reports import build_experiment_report

__all__ = ["FORMATS", "download_shared_report", "register_report_callbacks", "report_menu"]

def report_menu() -> html.Span:
    return download_menu("Report", FORMATS, item_type=ids.report_item, key="format",
                         menu_id=ids.report_menu, download_id=ids.report_download,
                         feedback_id=ids.report_feedback)


def _denied(denial: Denial) -> tuple[Any, Any]:
    _code, heading, _text = SHARE_PROBLEMS.get(denial.reason, SHARE_PROBLEMS["unknown"])
    return dash.no_update, components.message(heading, "warning")


def download_shared_report(access: Access, clicks: Any, token: Any) -> Any:
    fmt = clicked_choice(clicks, "format", FORMATS)
    assert access.experiment_id is not None
    try:
        with services.database().session() as session:
            page = build_experiment_report(session, access.experiment_id, services.state().settings)
    except LookupError:
        return _denied(Denial("unknown"))
    download, problem = report_download(page, f"experiment-{access.experiment_id}-report", fmt)
    if problem:
        return dash.no_update, components.message(problem, "warning")
    return download, None


def register_report_callbacks(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.share_link("token"),
        output=[Output(ids.report_download, "data"), Output(ids.report_feedback, "children")],
        inputs={"clicks": Input({"type": ids.report_item, "format": ALL}, "n_clicks")},
        state={"token": State(ids.token, "data")},
        on_denied=_denied,
        prevent_initial_call=True,
    )(download_shared_report)
