"""New run wizard (/experiments/<experiment_id>/new-run, ``?clone=<run_id>`` to pre-fill).

``version=<dataset version id>`` makes the wizard read that stored dataset version instead
(with or without ``clone``): "revert" to earlier data. The restore callback checks that the
user may use the version in this experiment, or says why not.

``drop`` and ``adjust`` next to ``clone`` carry changes to make to the cloned spec (features to
switch off, new parameter ranges: see ``dashapp.pages.new_run.wizard.prefill``); the restore
callback applies them and says what it changed.

Seven steps with Back/Next: data, features, model(s), search space, split and metric, budget,
review and launch. Each Next checks the form with the spec's own validation and shows every
message next to its field; Launch checks it all again, creates one run per model (grouped when
several) and submits them. The half-finished wizard is kept in the browser's local storage per
experiment. Only editors and owners get through the callbacks; the layout holds no data.

The logic lives in ``dashapp.pages.new_run.wizard`` (no Dash); the callbacks in
``navigation.py`` and ``data_step.py``.
"""

from __future__ import annotations

import json
from typing import Any

import dash
from dash import Input, Output, State, dcc, html

from dashapp.pages.new_run.data_step import register_data_callbacks
from dashapp.pages.new_run.form_view import SAVE_DRAFT_JS, draft_inputs
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.layout import HIDDEN, layout_body, panel_id
from dashapp.pages.new_run.navigation import register_navigation
from dashapp.pages.new_run.wizard.steps import STEPS
from dashapp.permissions import parse_id

__all__ = ["ids", "layout", "register"]

# Shows the current step's panel: runs in the browser (no data, nothing to check).
SHOW_STEP = """
function(step) {
    var titles = TITLES;
    var n = titles.length;
    var current = (typeof step === "number" && step >= 1 && step <= n) ? step : 1;
    var styles = titles.map(function(_, i) {
        return (i + 1 === current) ? {} : {display: "none"};
    });
    var text = "Step " + current + " of " + n + ": " + titles[current - 1];
    return styles.concat([text, current === 1, current === n ? {display: "none"} : {}]);
}
""".replace("TITLES", json.dumps(list(STEPS)))


# The drafts live in the browser's local storage. The page keeps them in a memory store and
# copies them to and from local storage itself: a local-storage dcc.Store written by the
# draft callback on every edit sends the page into an endless re-render.
DRAFTS_KEY = "optunagui-wizard-drafts"
LOAD_DRAFTS = """
function(experiment) {
    try {
        var drafts = JSON.parse(window.localStorage.getItem(KEY) || "{}");
        return (drafts && typeof drafts === "object") ? drafts : {};
    } catch (error) {
        return {};
    }
}
""".replace("KEY", json.dumps(DRAFTS_KEY))
KEEP_DRAFTS = """
function(drafts) {
    if (drafts === null || drafts === undefined) { return window.dash_clientside.no_update; }
    try {
        window.localStorage.setItem(KEY, JSON.stringify(drafts));
    } catch (error) {
        return false;
    }
    return true;
}
""".replace("KEY", json.dumps(DRAFTS_KEY))


def _experiment_href(experiment_id: Any) -> str:
    checked = parse_id(experiment_id)
    return f"/experiments/{checked}" if checked is not None else "/experiments"


def _token(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def layout(experiment_id: str | None = None, clone: str | None = None, drop: Any = None,
           adjust: Any = None, version: Any = None, **_query: Any) -> html.Div:
    return html.Div(
        [
            dcc.Store(id=ids.experiment, data=experiment_id),
            dcc.Store(id=ids.clone, data=clone),
            dcc.Store(id=ids.prefill, data={"drop": _token(drop), "adjust": _token(adjust),
                                            "version": _token(version)}),
            dcc.Store(id=ids.draft),
            dcc.Store(id=ids.draft_saved),
            dcc.Store(id=ids.restored, data=False),
            dcc.Store(id=ids.step, data=1),
            dcc.Store(id=ids.options, data={}),
            dcc.Store(id=ids.upload_data, data=None),
            dcc.Store(id=ids.inferred, data=None),
            dcc.Location(id=ids.redirect, refresh=True),
            html.Div(id=ids.denied),
            html.Div(
                [
                    html.Div(
                        [
                            html.H2("New run", className="mb-1 d-inline me-3"),
                            dcc.Link("Back to the experiment", href=_experiment_href(experiment_id),
                                     id="new-run-experiment-link"),
                        ],
                        className="mb-3",
                    ),
                    *layout_body(),
                ],
                id=ids.body,
                style=HIDDEN,
            ),
        ]
    )


def register(app: dash.Dash) -> None:
    dash.register_page(
        __name__,
        path_template="/experiments/<experiment_id>/new-run",
        name="New run",
        title="New run · OptunaGui",
        layout=layout,
        # Dash matches path templates in registry order, and a template variable also matches
        # "/": "/experiments/<experiment_id>" would take this URL (experiment_id "1/new-run").
        # Pages with an order come first in the registry.
        order=0,
    )
    app.clientside_callback(
        SHOW_STEP,
        [Output(panel_id(step), "style") for step in range(1, len(STEPS) + 1)]
        + [
            Output(ids.progress, "children"),
            Output(ids.back, "disabled"),
            Output(ids.next, "style"),
        ],
        Input(ids.step, "data"),
    )
    app.clientside_callback(
        LOAD_DRAFTS,
        Output(ids.draft, "data", allow_duplicate=True),
        Input(ids.experiment, "data"),
        prevent_initial_call="initial_duplicate",
    )
    app.clientside_callback(KEEP_DRAFTS, Output(ids.draft_saved, "data"), Input(ids.draft, "data"))
    app.clientside_callback(
        SAVE_DRAFT_JS,
        Output(ids.draft, "data", allow_duplicate=True),
        draft_inputs(),
        State(ids.draft, "data"),
        State(ids.experiment, "data"),
        State(ids.step, "data"),
        prevent_initial_call=True,
    )
    register_navigation(app)
    register_data_callbacks(app)
