"""The run page's "Next run from history" card: the range suggestions for this run's spec
(``optunagui.recommend.suggest_for_spec``, as ``optunagui suggest`` and ``POST /api/v1/suggest``
answer), current -> suggested with reasons and where they come from; for editors a link that
opens the wizard cloned from this run with the suggested ranges.

Sources are this run and the earlier ones (created up to it) that the reader may read, each
checked again with ``dashapp.access.may_read_run``; a share-link visitor gets nothing.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html

from dashapp import access as access_rules
from dashapp import components, guard, services
from dashapp.guard import Access
from dashapp.pages.new_run.suggest_view import describe_entry
from dashapp.pages.new_run.wizard.prefill import new_run_href
from dashapp.pages.run.ids import ids
from dashapp.permissions import Role
from optunagui.recommend import suggest_for_spec, suggested_space
from optunagui.recommend.past_runs import space_of_spec
from optunagui.spec.model import ExperimentSpec
from optunagui.store import get_run

__all__ = ["built_in_spec", "next_run_card", "register_next_run_card", "show_next_run"]

BODY = "run-next-body"
TABLE = "run-next-table"
LINK = "run-next-open-wizard"


def next_run_card() -> dbc.Card:
    return dbc.Card([dbc.CardHeader("Next run from history"),
                     dbc.CardBody(dcc.Loading(html.Div(id=BODY), type="dot"))],
                    class_name="mb-3")


def built_in_spec(raw: Any, current_space: Any) -> ExperimentSpec | None:
    """The run's spec with the ranges it searched, or None for a code run or attached study."""
    if not isinstance(raw, dict) or not raw.get("model") or raw.get("attached") \
            or raw.get("objective"):
        return None
    try:
        spec = ExperimentSpec.model_validate(raw)
    except ValueError:
        return None
    searched = space_of_spec(raw, current_space)
    return spec.model_copy(update={"space": {**spec.space, **searched}}) if searched else spec


def show_next_run(access: Access, run_id: Any) -> Any:
    """The card's body for the reader: the suggested changes, or why there are none."""
    principal = access.principal
    if principal.user_id is None or access.run_id is None:
        return components.empty_note("Suggestions are shown to signed-in members.")
    this_run = access.run_id

    def may_read(other: int) -> bool:
        return other <= this_run and access_rules.may_read_run(principal, other)

    with services.database().session() as session:
        run = get_run(session, this_run)
        spec = None if run is None else built_in_spec(run.spec, run.current_space)
        if run is None or spec is None:
            return components.empty_note("Range suggestions are for runs of a built-in model; "
                                         "this run's space is its own code's or an attached "
                                         "study's.")
        experiment_id = run.experiment_id
        found = suggest_for_spec(session, spec, principal.user_id, may_read_run=may_read)
    changed = found.changed()
    if not changed:
        return components.empty_note(f"Nothing to change: {found.source}.")
    rows = [[param.name, describe_entry(param.current), html.Strong(describe_entry(
        param.suggested)), param.reason] for param in changed]
    parts: list[Any] = [
        html.P(f"Suggestions {found.source}.", className="small mb-1"),
        components.table(["Parameter", "Current", "Suggested", "Why"], rows, id=TABLE),
        *[html.P(note, className="small text-muted mb-1") for note in found.notes],
    ]
    if access.holds(Role.editor):
        href = new_run_href(experiment_id, this_run, adjust=suggested_space(found))
        parts.append(dcc.Link("Open the wizard with these ranges", href=href, id=LINK))
    return parts


def register_next_run_card(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=Output(BODY, "children"),
        inputs={"run_id": Input(ids.run, "data")},
    )(show_next_run)
