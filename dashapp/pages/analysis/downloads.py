"""The analysis page's "Download HTML" buttons: the server draws the pressed figure again for
the checked run, with the tab's current choices, and sends it as one self-contained page."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State

from dashapp import guard
from dashapp.analysis_state import load_run_frame
from dashapp.components.buttons import clicked_choice
from dashapp.components.downloads import html_download
from dashapp.guard import Access
from dashapp.pages.analysis.figures import TITLES, build_figure
from dashapp.pages.analysis.ids import FIGURES, ids
from dashapp.permissions import Role

__all__ = ["download_analysis", "register_download_callbacks"]


def download_analysis(access: Access, clicks: Any, run_id: Any, objective: Any, x_param: Any,
                      y_param: Any, method: Any) -> dict[str, Any]:
    name = clicked_choice(clicks, "figure", FIGURES)
    frame = load_run_frame(access.run_id)
    fig, _ = build_figure(name, access.run_id, frame, objective=objective, x=x_param,
                          y=y_param, method=method)
    title = f"Run {access.run_id} · {TITLES[name]}"
    return html_download(fig, f"run-{access.run_id}-{name}", title)


def register_download_callbacks(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=Output(ids.download, "data"),
        inputs={"clicks": Input({"type": ids.download_button, "figure": ALL}, "n_clicks")},
        state={
            "run_id": State(ids.run, "data"),
            "objective": State(ids.objective, "value"),
            "x_param": State(ids.x_param, "value"),
            "y_param": State(ids.y_param, "value"),
            "method": State(ids.method, "value"),
        },
        prevent_initial_call=True,
    )(download_analysis)
