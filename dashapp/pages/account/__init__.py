"""Account page (/account): the signed-in user's personal API tokens. A new token is shown once;
only its digest is stored. Users see and revoke only their own tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html

from dashapp import components, guard, services
from dashapp.components import buttons
from dashapp.guard import Access
from optunagui.store import accounts

__all__ = ["ids", "layout", "register"]

MAX_DAYS = 365


class ids:
    refresh = "account-refresh"
    heading = "account-heading"
    label = "account-token-label"
    days = "account-token-days"
    create = "account-token-create"
    new_token = "account-token-new"
    tokens = "account-tokens"
    revoke = "account-token-revoke"  # pattern-matching type, with "token"
    feedback = "account-token-feedback"


def layout(**_query: Any) -> html.Div:
    return html.Div(
        [
            dcc.Store(id=ids.refresh, data=0),
            html.H2(id=ids.heading, className="mb-3"),
            dbc.Card(
                [
                    dbc.CardHeader("API tokens"),
                    dbc.CardBody(
                        [
                            dbc.InputGroup(
                                [
                                    dbc.Input(id=ids.label, placeholder="Label", maxLength=100),
                                    dbc.Input(
                                        id=ids.days,
                                        type="number",
                                        min=1,
                                        max=MAX_DAYS,
                                        step=1,
                                        placeholder="Days (empty: no expiry)",
                                    ),
                                    dbc.Button("Create token", id=ids.create, color="primary"),
                                ],
                                class_name="mb-2",
                            ),
                            html.Div(id=ids.new_token),
                            html.Div(id=ids.feedback),
                            html.Div(id=ids.tokens),
                        ]
                    ),
                ]
            ),
        ]
    )


def _tokens_table(tokens: list[accounts.ApiTokenInfo]) -> Any:
    if not tokens:
        return components.empty_note("No API tokens.")
    rows = []
    for token in tokens:
        if token.revoked_at is not None:
            state: Any = "revoked"
        elif token.is_active():
            state = dbc.Button(
                "Revoke",
                id={"type": ids.revoke, "token": token.id},
                size="sm",
                color="link",
                class_name="p-0",
            )
        else:
            state = "expired"
        rows.append(
            [
                token.label,
                html.Code(token.prefix + "…"),
                components.format_time(token.created_at),
                components.format_time(token.expires_at) if token.expires_at else "never",
                components.format_time(token.last_used_at),
                state,
            ]
        )
    return components.table(
        ["Label", "Token", "Created", "Expires", "Last used", ""], rows, id="account-token-table"
    )


def _parse_days(value: Any) -> tuple[bool, int | None]:
    """(ok, days): empty means no expiry."""
    if value is None or value == "":
        return True, None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_DAYS:
        return True, value
    return False, None


def register(app: dash.Dash) -> None:
    dash.register_page(
        __name__, path="/account", name="Account", title="Account · OptunaGui", layout=layout
    )

    @guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output=[Output(ids.heading, "children"), Output(ids.tokens, "children")],
        inputs={"refresh": Input(ids.refresh, "data")},
    )
    def show_tokens(access: Access, refresh: Any) -> Any:
        user_id = access.principal.user_id
        assert user_id is not None
        with services.database().session() as session:
            tokens = accounts.list_api_tokens(session, user_id)
        return access.principal.name, _tokens_table(tokens)

    @guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output=[
            Output(ids.new_token, "children"),
            Output(ids.refresh, "data", allow_duplicate=True),
            Output(ids.label, "value"),
        ],
        inputs={"clicks": Input(ids.create, "n_clicks")},
        state={
            "label": State(ids.label, "value"),
            "days": State(ids.days, "value"),
            "refresh": State(ids.refresh, "data"),
        },
        prevent_initial_call=True,
    )
    def create_token(access: Access, clicks: Any, label: Any, days: Any, refresh: Any) -> Any:
        keep = dash.no_update
        ok, lifetime_days = _parse_days(days)
        if not ok:
            text = f"Choose an expiry between 1 and {MAX_DAYS} days, or leave it empty."
            return components.message(text, "danger"), keep, keep
        if label is not None and (not isinstance(label, str) or len(label) > 100):
            return components.message("The label is too long.", "danger"), keep, keep
        user_id = access.principal.user_id
        assert user_id is not None
        lifetime = timedelta(days=lifetime_days) if lifetime_days else None
        with services.database().session() as session:
            _info, raw_token = accounts.create_api_token(
                session, user_id, label=label, lifetime=lifetime
            )
        shown = dbc.Alert(
            [
                html.Div("Copy this token now; it will not be shown again."),
                html.Code(raw_token, id="account-token-value", className="user-select-all"),
            ],
            color="success",
            class_name="py-2",
        )
        return shown, buttons.bump(refresh), ""

    @guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output=[
            Output(ids.feedback, "children"),
            Output(ids.refresh, "data", allow_duplicate=True),
        ],
        inputs={"clicks": Input({"type": ids.revoke, "token": ALL}, "n_clicks")},
        state={"refresh": State(ids.refresh, "data")},
        prevent_initial_call=True,
    )
    def revoke_token(access: Access, clicks: Any, refresh: Any) -> Any:
        token_id = buttons.clicked_id(clicks, "token")
        user_id = access.principal.user_id
        if user_id is None:
            raise dash.exceptions.PreventUpdate
        with services.database().session() as session:
            revoked = accounts.revoke_api_token(session, token_id, user_id=user_id)
        if not revoked:
            return components.message("No such token.", "danger"), dash.no_update
        return components.message("Token revoked.", "success"), buttons.bump(refresh)
