"""The wizard's callbacks that run in the browser: they hold no data and check nothing.

They show the current step's panel and the dataset source's box, keep the drafts in step with
every edit, in the browser's local storage, and take the draft out once the runs are launched.
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
# The drafts, and whether this is the browser reloading the wizard (the first wizard shown by
# a document loaded by a reload of this very address): a reload puts the draft back as it was,
# any other opening asks first.
LOAD_DRAFTS = """
function(experiment) {
    var entries = (window.performance && window.performance.getEntriesByType)
        ? window.performance.getEntriesByType("navigation") : [];
    var entry = entries && entries[0];
    var first = !window.optunaguiWizardShown;
    window.optunaguiWizardShown = true;
    var reloaded = !!(first && entry && entry.type === "reload"
                      && entry.name === window.location.href);
    try {
        var drafts = JSON.parse(window.localStorage.getItem(KEY) || "{}");
        return [(drafts && typeof drafts === "object") ? drafts : {}, reloaded];
    } catch (error) {
        return [{}, reloaded];
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
# Once launched, the experiment's draft leaves the browser's storage before the browser goes
# to the run: nothing can save it again from this page.
LEAVE_AFTER_LAUNCH = """
function(launched) {
    if (!launched || typeof launched.href !== "string") {
        return window.dash_clientside.no_update;
    }
    try {
        var drafts = JSON.parse(window.localStorage.getItem(KEY) || "{}") || {};
        delete drafts[String(launched.experiment)];
        window.localStorage.setItem(KEY, JSON.stringify(drafts));
    } catch (error) {
        window.localStorage.removeItem(KEY);
    }
    return launched.href;
}
""".replace("KEY", json.dumps(DRAFTS_KEY))

# Shows the built-in dataset picker or the upload box, whichever the source is.
SHOW_SOURCE = """
function(source) {
    var hidden = {display: "none"};
    return source === "upload" ? [hidden, {}] : [{}, hidden];
}
"""


# Keeps the draft in step with every edit, in the browser (so a reload between Back/Next loses
# nothing). The same reading as ``read_form``; the server reads the components again anyway.
# Nothing is saved while an earlier draft waits for "Resume it" or "Discard", nor after launch.
SAVE_DRAFT_JS = """
function() {
    var args = Array.prototype.slice.call(arguments);
    var keys = KEYS, attrs = ATTRS, n = keys.length;
    var lists = window.dash_clientside.callback_context.inputs_list;
    var states = args.slice(args.length - 5);
    var draft = states[0], exp = states[1], step = states[2];
    if (exp === null || exp === undefined || states[3] || states[4]) {
        return window.dash_clientside.no_update;
    }
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
                missing: (old.missing === undefined) ? null : old.missing,
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
        [Output(ids.draft, "data", allow_duplicate=True), Output(ids.reloaded, "data")],
        Input(ids.experiment, "data"),
        prevent_initial_call="initial_duplicate",
    )
    app.clientside_callback(KEEP_DRAFTS, Output(ids.draft_saved, "data"), Input(ids.draft, "data"))
    app.clientside_callback(LEAVE_AFTER_LAUNCH, Output(ids.redirect, "href"),
                            Input(ids.launched, "data"), prevent_initial_call=True)
    app.clientside_callback(  # "Start over": the last upload's message goes too
        "function(clicks) { return null; }",
        Output(ids.upload_status, "children", allow_duplicate=True),
        Input(ids.start_over, "n_clicks"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        SHOW_SOURCE,
        [Output(ids.builtin_box, "style"), Output(ids.upload_box, "style")],
        Input(ids.source, "value"),
    )
    app.clientside_callback(
        SAVE_DRAFT_JS,
        Output(ids.draft, "data", allow_duplicate=True),
        draft_inputs(),
        State(ids.draft, "data"),
        State(ids.experiment, "data"),
        State(ids.step, "data"),
        State(ids.pending, "data"),
        State(ids.launched, "data"),
        prevent_initial_call=True,
    )
