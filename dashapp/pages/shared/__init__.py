"""Shared read-only view (/s/<token>): one experiment for whoever holds a valid link.

The token in the URL is the only credential: each callback resolves it again, so a revoked or
expired link stops working at once, and the experiment shown is the one the link names (never
an id from the browser). Opening the link also keeps it in the visitor's session
(``dashapp.auth``), so the runs listed here open their run page, its analysis and the compare
page read-only, each callback checking the link again (``dashapp.guard``, ``dashapp.access``).

The view itself (``view.py``): the experiment's runs, a "Compare selected" link and each code
run's version and files (never their source); the experiment report (``report.py``).
"""

from __future__ import annotations

import dash
from dash import Input, State

from dashapp import guard
from dashapp.pages.shared.ids import ids
from dashapp.pages.shared.layout import layout
from dashapp.pages.shared.report import register_report_callbacks
from dashapp.pages.shared.view import (
    COMPARE_HREF,
    SHARED_OUTPUTS,
    compare_href_io,
    denied,
    show_shared,
)

__all__ = ["SHARED_OUTPUTS", "ids", "layout", "register", "show_shared"]


def register(app: dash.Dash) -> None:
    dash.register_page(
        __name__,
        path_template="/s/<token>",
        name="Shared experiment",
        title="Shared experiment · OptunaGui",
        layout=layout,
    )
    guard.guarded_callback(
        app,
        requires=guard.share_link("token"),
        output=SHARED_OUTPUTS,
        inputs={"poll": Input(ids.poll, "n_intervals")},
        state={"token": State(ids.token, "data")},
        on_denied=denied,
    )(show_shared)
    app.clientside_callback(COMPARE_HREF, *compare_href_io())
    register_report_callbacks(app)
