"""The Features tab: what drives the best trial's model (its own importances and SHAP values
per input column), and for editors a link that opens the wizard with the ticked columns
switched off.

The refit takes seconds, so it runs in the app's background ``FeatureImpactCache``, keyed by
(run, best trial); the tab polls until the outcome lands. A dataset that cannot be loaded or a
model that cannot be explained shows its message instead of figures.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp import components, services
from dashapp.analysis_state import analysis_state
from dashapp.guard import Access
from dashapp.pages.analysis.figures import FEATURE_DRAWERS, empty_figure
from dashapp.pages.analysis.ids import FEATURE_FIGURES, ids
from dashapp.pages.new_run.wizard.prefill import new_run_href
from dashapp.permissions import Role
from optunagui import analysis
from optunagui.analysis import FeatureImpactRecord
from optunagui.store import get_best_trial
from optunagui.store import runs as run_store

__all__ = ["FEATURES_POLL_MS", "features_tab", "features_view", "rerun_link"]

FEATURES_POLL_MS = 2000
HIDDEN = {"display": "none"}
SHOWN: dict[str, str] = {}
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


def _message(text: str, color: str, *, poll: bool) -> tuple[Any, ...]:
    empty = empty_figure(text)
    note = components.message(text, color, id="analysis-features-message")
    return (*([empty] * len(FEATURE_FIGURES)), note, not poll, [], HIDDEN)


def features_view(access: Access) -> tuple[Any, ...]:
    """(one figure per ``FEATURE_FIGURES``, note, whether polling can stop, the re-run
    checklist's options, the re-run card's style) for the checked user."""
    run_id = access.run_id
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
    return (*figures, outcome.note, True, _drop_options(outcome) if editor else [],
            SHOWN if editor else HIDDEN)


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
