"""The Features tab: what drives the best trial's model (its own importances and SHAP values
per input column), for editors a link that opens the wizard with the ticked columns switched
off, and the Recommendations section (``feature_advice``): columns the run could do without.

The refit takes seconds, so it runs in the app's background ``FeatureImpactCache``, keyed by
(run, best trial); the tab polls until the outcome lands. A dataset that cannot be loaded or a
model that cannot be explained shows its message instead of figures; a run of the user's own
code gets one line saying why there is nothing to explain, and nothing is refitted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from dashapp import components, guard, services
from dashapp.analysis_state import analysis_state
from dashapp.code_runs import NOT_REFITTABLE, runs_builtin_model
from dashapp.components import HIDDEN, SHOWN
from dashapp.guard import Access
from dashapp.pages.analysis.feature_advice import advice_section, register_feature_advice_callbacks
from dashapp.pages.analysis.figures import FEATURE_DRAWERS, empty_figure
from dashapp.pages.analysis.ids import FEATURE_FIGURES, ids
from dashapp.pages.new_run.wizard.prefill import new_run_href
from dashapp.permissions import Role
from optunagui import analysis
from optunagui.analysis import FeatureImpactRecord
from optunagui.store import get_best_trial
from optunagui.store import runs as run_store

__all__ = [
    "FEATURES_OUTPUTS",
    "FEATURES_POLL_MS",
    "features_tab",
    "features_view",
    "register_features_callbacks",
    "rerun_link",
    "show_features",
    "show_rerun_link",
]

FEATURES_POLL_MS = 2000
NO_TRIAL = ("This run has no complete trial yet: feature impact explains the best trial's model "
            "once one finishes.")
PICK_COLUMNS = "Tick the columns to leave out of a new run (the least impactful are listed first)."


def features_tab(card: Callable[[str], Any]) -> list[Any]:
    """The tab's layout; ``card(name)`` is the page's figure card with its download button."""
    rerun = dbc.Card(
        [
            dbc.CardHeader("Re-run without these features"),
            dbc.CardBody([
                dbc.Checklist(id=ids.features_drop, options=[], value=[], inline=True,
                              class_name="mb-2"),
                html.Div(PICK_COLUMNS, id=ids.features_hint, className="small text-muted mb-2"),
                dcc.Link("Re-run without these features", id=ids.features_link, href="",
                         className="btn btn-sm btn-primary", style=HIDDEN),
            ]),
        ],
        id=ids.features_rerun,
        class_name="mb-3",
        style=HIDDEN,
    )
    return [
        dcc.Interval(id=ids.features_poll, interval=FEATURES_POLL_MS, disabled=True),
        html.Div(id=ids.features_note, className="small mb-2"),
        card("feature_importance"),
        card("shap_bar"),
        card("shap_beeswarm"),
        rerun,
        advice_section(),
    ]


def _best_trial(run_id: int) -> tuple[dict[str, Any], int, dict[str, Any]] | None:
    """(spec, best trial number, its params), or None when no trial has completed."""
    with services.database().session() as session:
        run = run_store.get_run(session, run_id)
        best = get_best_trial(session, run_id) if run is not None else None
        if run is None or best is None:
            return None
        return dict(run.spec or {}), best.number, dict(best.params or {})


def _drop_options(record: FeatureImpactRecord) -> list[dict[str, str]]:
    by_impact = sorted(record.columns, key=lambda c: record.mean_abs_shap[c])
    return [{"label": f"{c} ({record.mean_abs_shap[c]:.3g})", "value": c} for c in by_impact]


FEATURES_OUTPUTS = {
    **{f"{name}_figure": Output(ids.graph(name), "figure") for name in FEATURE_FIGURES},
    "note": Output(ids.features_note, "children"),
    "done": Output(ids.features_poll, "disabled"),
    "drop_options": Output(ids.features_drop, "options"),
    "rerun_style": Output(ids.features_rerun, "style"),
}


def _shown(figures: Sequence[Any], note: Any, *, done: bool,
           drop_options: list[dict[str, str]], rerun_style: dict[str, str]) -> dict[str, Any]:
    return {
        **{f"{name}_figure": fig for name, fig in zip(FEATURE_FIGURES, figures, strict=True)},
        "note": note,
        "done": done,
        "drop_options": drop_options,
        "rerun_style": rerun_style,
    }


def _message(text: str, color: str, *, poll: bool) -> dict[str, Any]:
    empty = empty_figure(text)
    note = components.message(text, color, id="analysis-features-message")
    return _shown([empty] * len(FEATURE_FIGURES), note, done=not poll, drop_options=[],
                  rerun_style=HIDDEN)


def features_view(access: Access) -> dict[str, Any]:
    """The tab for the checked user, by the keys of ``FEATURES_OUTPUTS``: one figure per
    ``FEATURE_FIGURES``, the note, whether polling can stop, the re-run checklist's options
    and the re-run card's style."""
    run_id = access.run_id
    if not runs_builtin_model(run_id):
        return _message(f"No feature impact. {NOT_REFITTABLE}", "info", poll=False)
    found = _best_trial(run_id) if run_id is not None else None
    if run_id is None or found is None:
        return _message(NO_TRIAL, "info", poll=False)
    spec, number, params = found
    cache = analysis_state().features
    key = (run_id, number)
    compute = partial(analysis.compute_feature_impact, spec, params, services.state().settings,
                      run_id=run_id, trial_number=number)
    outcome = cache.request(key, compute) or cache.get(key)
    if outcome is None:
        return _message(f"Refitting trial {number}'s model and computing SHAP values…", "info",
                        poll=True)
    if isinstance(outcome, str):
        return _message(outcome, "warning", poll=False)
    editor = access.role is not None and access.role >= Role.editor
    figures = [FEATURE_DRAWERS[name](outcome) for name in FEATURE_FIGURES]
    return _shown(figures, outcome.note, done=True,
                  drop_options=_drop_options(outcome) if editor else [],
                  rerun_style=SHOWN if editor else HIDDEN)


def rerun_link(access: Access, drop: Any) -> tuple[str, dict[str, str], str]:
    """(href, link style, hint) for the ticked columns; only columns of the explained model
    count, so the link carries nothing the page did not offer."""
    record = analysis_state().features.latest(access.run_id) if access.run_id else None
    offered = set(record.columns) if record is not None else set()
    ticked = drop if isinstance(drop, list) else []
    chosen = list(dict.fromkeys(c for c in ticked if isinstance(c, str) and c in offered))
    if not chosen or access.experiment_id is None or access.run_id is None:
        return "", HIDDEN, PICK_COLUMNS
    href = new_run_href(access.experiment_id, access.run_id, drop=chosen)
    count = f"{len(chosen)} column" + ("s" if len(chosen) > 1 else "")
    return href, SHOWN, f"Opens the new-run wizard with this run's settings and {count} off."


def show_features(access: Access, tab: Any, tick: Any, run_id: Any) -> dict[str, Any]:
    if tab != "features":
        raise dash.exceptions.PreventUpdate
    return features_view(access)


def show_rerun_link(access: Access, drop: Any, run_id: Any) -> Any:
    return rerun_link(access, drop)


def register_features_callbacks(app: dash.Dash) -> None:
    register_feature_advice_callbacks(app)
    guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=FEATURES_OUTPUTS,
        inputs={"tab": Input(ids.tabs, "active_tab"),
                "tick": Input(ids.features_poll, "n_intervals")},
        state={"run_id": State(ids.run, "data")},
    )(show_features)
    guard.guarded_callback(
        app,
        requires=guard.run(Role.editor, "run_id"),
        output=[
            Output(ids.features_link, "href"),
            Output(ids.features_link, "style"),
            Output(ids.features_hint, "children"),
        ],
        inputs={"drop": Input(ids.features_drop, "value")},
        state={"run_id": State(ids.run, "data")},
    )(show_rerun_link)
