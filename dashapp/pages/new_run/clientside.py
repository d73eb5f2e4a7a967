"""The wizard's callbacks that run in the browser: they hold no data and check nothing.

They show the current step's panel, and keep the drafts in step with every edit, in the
browser's local storage.
"""

from __future__ import annotations

import json

import dash
from dash import Input, Output, State

from dashapp.pages.new_run.form_fields import draft_inputs
from dashapp.pages.new_run.ids import FIELDS, SPACE_ATTRS, ids
from dashapp.pages.new_run.layout import panel_id
from dashapp.pages.new_run.wizard.steps import STEPS

__all__ = ["DRAFTS_KEY", "register_clientside"]

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


# Keeps the draft in step with every edit, in the browser (so a reload between Back/Next loses
# nothing). The same reading as ``read_form``; the server reads the components again anyway.
SAVE_DRAFT_JS = """
function() {
    var args = Array.prototype.slice.call(arguments);
    var keys = KEYS, attrs = ATTRS, n = keys.length;
    var lists = window.dash_clientside.callback_context.inputs_list;
    var draft = args[args.length - 3], exp = args[args.length - 2], step = args[args.length - 1];
    if (exp === null || exp === undefined) { return window.dash_clientside.no_update; }
    var drafts = Object.assign({}, draft || {});
    var form = Object.assign({}, drafts[String(exp)] || {});
    keys.forEach(function(k, i) { form[k] = args[i]; });
    form.models = lists[n].filter(function(x) { return x.value; })
                          .map(function(x) { return x.id.model; });
    form.presets = {};
    lists[n + 1].forEach(function(x) { form.presets[x.id.model] = x.value || "default"; });
    var meta = {};
    (form.features || []).forEach(function(r) { meta[r.column] = r; });
    form.features = lists[n + 2].map(function(x, i) {
        var t = (lists[n + 3][i] || {}).value, old = meta[x.id.column] || {};
        return {column: x.id.column, kind: old.kind || "", reason: old.reason || null,
                use: !!x.value, transform: (t && t !== "default") ? t : ""};
    });
    var rows = lists[n + 4].map(function(x) {
        var parts = String(x.id.row).split("/");
        return {model: parts[0], name: parts.slice(1).join("/")};
    });
    attrs.forEach(function(a, j) {
        lists[n + 4 + j].forEach(function(x, i) { if (rows[i]) { rows[i][a] = x.value; } });
    });
    form.space = rows;
    form.step = step;
    drafts[String(exp)] = form;
    return drafts;
}
""".replace("KEYS", json.dumps(list(FIELDS))).replace("ATTRS", json.dumps(list(SPACE_ATTRS)))


def register_clientside(app: dash.Dash) -> None:
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
