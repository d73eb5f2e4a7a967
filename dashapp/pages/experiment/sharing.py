"""Share links on the experiment page: owners create read-only links with an expiry and a label,
see them listed with their status, and revoke them. The link itself is shown once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, html

from dashapp import guard, services
from dashapp.components import buttons
from dashapp.components.credentials import (
    MAX_DAYS,
    MAX_LABEL,
    parse_days,
    share_links_table,
    shown_once,
)
from dashapp.components.feedback import action_outputs, done, refused
from dashapp.guard import Access
from dashapp.pages.experiment.ids import ids
from dashapp.permissions import Role
from dashapp.public_url import external_url
from optunagui.store import accounts

__all__ = ["create_link", "register_share_links", "revoke_link", "share_body", "show_links"]

DEFAULT_DAYS = 7


def share_body() -> list[Any]:
    return [
        dbc.InputGroup(
            [
                dbc.Input(id=ids.share_label, placeholder="Label (who is it for?)",
                          maxLength=MAX_LABEL),
                dbc.Input(
                    id=ids.share_days,
                    type="number",
                    min=1,
                    max=MAX_DAYS,
                    step=1,
                    value=DEFAULT_DAYS,
                    style={"maxWidth": "7rem"},
                ),
                dbc.InputGroupText("days"),
                dbc.Button("Create link", id=ids.share_create, color="primary"),
            ],
            class_name="mb-2",
        ),
        html.Div(id=ids.share_new),
        html.Div(id=ids.share_feedback),
        html.Div(id=ids.share_links),
    ]


def show_links(access: Access, refresh: Any, experiment_id: Any) -> Any:
    with services.database().session() as session:
        links = accounts.list_share_links(session, access.experiment_id)
    return share_links_table(links, revoke_type=ids.share_revoke, table_id=ids.share_table)


def create_link(
    access: Access, clicks: Any, experiment_id: Any, label: Any, days: Any, refresh: Any
) -> Any:
    lifetime_days = parse_days(days)
    if lifetime_days is None:
        return refused(f"Choose a lifetime between 1 and {MAX_DAYS} days.", 3)
    if label is not None and (not isinstance(label, str) or len(label) > MAX_LABEL):
        return refused(f"The label can be at most {MAX_LABEL} characters.", 3)
    with services.database().session() as session:
        _link, raw_token = accounts.create_share_link(
            session,
            access.experiment_id,
            created_by_id=access.principal.user_id,
            label=label,
            lifetime=timedelta(days=lifetime_days),
        )
    url = external_url("/s/" + services.share_token_for_url(raw_token))
    return shown_once("link", url, ids.share_url, copy=True), buttons.bump(refresh), ""


def revoke_link(access: Access, clicks: Any, experiment_id: Any, refresh: Any) -> Any:
    link_id = buttons.clicked_id(clicks, "link")
    with services.database().session() as session:
        revoked = accounts.revoke_share_link(session, link_id, experiment_id=access.experiment_id)
    if not revoked:
        return refused("No such link.")
    return done("Link revoked.", refresh)


def register_share_links(app: dash.Dash) -> None:
    """Only owners see, create and revoke the experiment's share links."""
    owner = guard.experiment(Role.owner, "experiment_id")
    experiment = {"experiment_id": State(ids.experiment, "data")}
    guard.guarded_callback(
        app,
        requires=owner,
        output=Output(ids.share_links, "children"),
        inputs={"refresh": Input(ids.refresh, "data")},
        state=experiment,
    )(show_links)
    guard.guarded_callback(
        app,
        requires=owner,
        output=action_outputs(ids.share_new, ids.refresh, ids.share_label),
        inputs={"clicks": Input(ids.share_create, "n_clicks")},
        state={
            **experiment,
            "label": State(ids.share_label, "value"),
            "days": State(ids.share_days, "value"),
            "refresh": State(ids.refresh, "data"),
        },
        prevent_initial_call=True,
    )(create_link)
    guard.guarded_callback(
        app,
        requires=owner,
        output=action_outputs(ids.share_feedback, ids.refresh),
        inputs={"clicks": Input({"type": ids.share_revoke, "link": ALL}, "n_clicks")},
        state={**experiment, "refresh": State(ids.refresh, "data")},
        prevent_initial_call=True,
    )(revoke_link)
