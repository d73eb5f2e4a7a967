"""Share links on the experiment page: owners create read-only links with an expiry and a label,
see them listed with their status, and revoke them. The link itself is shown once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html
from flask import request

from dashapp import components, guard, services
from dashapp.components import buttons
from dashapp.guard import Access
from dashapp.pages.experiment.ids import ids
from dashapp.permissions import Role
from optunagui.store import accounts

__all__ = ["body", "register_callbacks"]

DEFAULT_DAYS = 7
MAX_DAYS = 365


def body() -> list[Any]:
    return [
        dbc.InputGroup(
            [
                dbc.Input(id=ids.share_label, placeholder="Label (who is it for?)", maxLength=100),
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


def _links_table(links: list[accounts.ShareLinkInfo]) -> Any:
    if not links:
        return components.empty_note("No share links.")
    rows = []
    for link in links:
        action: Any = ""
        if link.status == "valid":
            action = dbc.Button(
                "Revoke",
                id={"type": ids.share_revoke, "link": link.id},
                size="sm",
                color="link",
                class_name="p-0",
            )
        rows.append(
            [
                link.label,
                components.link_status_badge(link.status),
                components.format_time(link.created_at),
                components.format_time(link.expires_at),
                action,
            ]
        )
    return components.table(
        ["Label", "Status", "Created", "Expires", ""], rows, id="experiment-share-table"
    )


def _parse_days(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and 1 <= value <= MAX_DAYS:
        return value
    return None


def register_callbacks(app: dash.Dash) -> None:
    @guard.guarded_callback(
        app,
        requires=guard.experiment(Role.owner, "experiment_id"),
        output=Output(ids.share_links, "children"),
        inputs={"refresh": Input(ids.refresh, "data")},
        state={"experiment_id": State(ids.experiment, "data")},
    )
    def show_links(access: Access, refresh: Any, experiment_id: Any) -> Any:
        with services.database().session() as session:
            links = accounts.list_share_links(session, access.experiment_id)
        return _links_table(links)

    @guard.guarded_callback(
        app,
        requires=guard.experiment(Role.owner, "experiment_id"),
        output=[
            Output(ids.share_new, "children"),
            Output(ids.refresh, "data", allow_duplicate=True),
            Output(ids.share_label, "value"),
        ],
        inputs={"clicks": Input(ids.share_create, "n_clicks")},
        state={
            "experiment_id": State(ids.experiment, "data"),
            "label": State(ids.share_label, "value"),
            "days": State(ids.share_days, "value"),
            "refresh": State(ids.refresh, "data"),
        },
        prevent_initial_call=True,
    )
    def create_link(
        access: Access, clicks: Any, experiment_id: Any, label: Any, days: Any, refresh: Any
    ) -> Any:
        lifetime_days = _parse_days(days)
        if lifetime_days is None:
            text = f"Choose a lifetime between 1 and {MAX_DAYS} days."
            return components.message(text, "danger"), dash.no_update, dash.no_update
        if label is not None and (not isinstance(label, str) or len(label) > 100):
            text = "The label can be at most 100 characters."
            return components.message(text, "danger"), dash.no_update, dash.no_update
        with services.database().session() as session:
            _link, raw_token = accounts.create_share_link(
                session,
                access.experiment_id,
                created_by_id=access.principal.user_id,
                label=label,
                lifetime=timedelta(days=lifetime_days),
            )
        url = request.host_url.rstrip("/") + "/s/" + services.share_token_for_url(raw_token)
        shown = dbc.Alert(
            [
                html.Div("Copy this link now; it will not be shown again."),
                html.Code(url, id="experiment-share-url", className="user-select-all"),
                dcc.Clipboard(target_id="experiment-share-url", className="ms-2 d-inline"),
            ],
            color="success",
            class_name="py-2",
        )
        return shown, buttons.bump(refresh), ""

    @guard.guarded_callback(
        app,
        requires=guard.experiment(Role.owner, "experiment_id"),
        output=[
            Output(ids.share_feedback, "children"),
            Output(ids.refresh, "data", allow_duplicate=True),
        ],
        inputs={"clicks": Input({"type": ids.share_revoke, "link": ALL}, "n_clicks")},
        state={
            "experiment_id": State(ids.experiment, "data"),
            "refresh": State(ids.refresh, "data"),
        },
        prevent_initial_call=True,
    )
    def revoke_link(access: Access, clicks: Any, experiment_id: Any, refresh: Any) -> Any:
        link_id = buttons.clicked_id(clicks, "link")
        with services.database().session() as session:
            revoked = accounts.revoke_share_link(
                session, link_id, experiment_id=access.experiment_id
            )
        if not revoked:
            return components.message("No such link.", "danger"), dash.no_update
        return components.message("Link revoked.", "success"), buttons.bump(refresh)
