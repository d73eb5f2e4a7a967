"""Account page (/account): the signed-in user's password, email address (where alert emails
go) and personal API tokens.

A new password needs the current one and ends the user's other sessions (this one stays
signed in). A new token is shown once; only its digest is stored. Users see and revoke only
their own tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html

from dashapp import guard, services
from dashapp.components import buttons
from dashapp.components.credentials import (
    MAX_DAYS,
    MAX_LABEL,
    api_tokens_table,
    parse_days,
    shown_once,
)
from dashapp.components.feedback import action_outputs, done, refused
from dashapp.guard import Access
from dashapp.sessions import current_session_key
from optunagui.accounts import MIN_PASSWORD_LENGTH, change_password, set_email
from optunagui.email_address import MAX_EMAIL_CHARS
from optunagui.store import accounts, users

__all__ = ["change_own_password", "create_token", "ids", "layout", "register", "revoke_token",
           "save_own_email", "show_tokens"]


class ids:
    refresh = "account-refresh"
    heading = "account-heading"
    label = "account-token-label"
    days = "account-token-days"
    scope = "account-token-scope"
    create = "account-token-create"
    new_token = "account-token-new"
    token_value = "account-token-value"
    tokens = "account-tokens"
    token_table = "account-token-table"
    revoke = "account-token-revoke"  # pattern-matching type, with "token"
    feedback = "account-token-feedback"
    current_password = "account-password-current"
    new_password = "account-password-new"
    repeat_password = "account-password-repeat"
    change_password = "account-password-change"
    password_feedback = "account-password-feedback"
    email = "account-email"
    save_email = "account-email-save"
    email_feedback = "account-email-feedback"


def layout(**_query: Any) -> html.Div:
    return html.Div(
        [
            dcc.Store(id=ids.refresh, data=0),
            html.H2(id=ids.heading, className="mb-3"),
            dbc.Card([dbc.CardHeader("Password"), dbc.CardBody(_password_body())],
                     class_name="mb-3"),
            dbc.Card([dbc.CardHeader("Email"), dbc.CardBody(_email_body())], class_name="mb-3"),
            dbc.Card([dbc.CardHeader("API tokens"), dbc.CardBody(_tokens_body())]),
        ]
    )


def _password_input(component_id: str, placeholder: str, autocomplete: str) -> dbc.Input:
    return dbc.Input(id=component_id, type="password", placeholder=placeholder,
                     autoComplete=autocomplete, maxLength=1024)


def _password_body() -> list[Any]:
    return [
        dbc.Row(
            [
                dbc.Col(_password_input(ids.current_password, "Current password",
                                        "current-password"), md=3),
                dbc.Col(_password_input(ids.new_password,
                                        f"New password ({MIN_PASSWORD_LENGTH}+ characters)",
                                        "new-password"), md=3),
                dbc.Col(_password_input(ids.repeat_password, "New password again",
                                        "new-password"), md=3),
                dbc.Col(dbc.Button("Change password", id=ids.change_password,
                                   color="primary"), md=3),
            ],
            class_name="g-2 mb-2",
        ),
        html.Div(id=ids.password_feedback),
    ]


def _email_body() -> list[Any]:
    return [
        html.P("Alerts with the email channel reach you here; leave it empty for none.",
               className="small text-muted mb-2"),
        dbc.InputGroup([
            dbc.Input(id=ids.email, type="email", placeholder="ana@example.com",
                      maxLength=MAX_EMAIL_CHARS, autoComplete="email"),
            dbc.Button("Save email", id=ids.save_email, color="primary"),
        ], class_name="mb-2"),
        html.Div(id=ids.email_feedback),
    ]


def _tokens_body() -> list[Any]:
    return [
        dbc.InputGroup(
            [
                dbc.Input(id=ids.label, placeholder="Label", maxLength=MAX_LABEL),
                dbc.Input(
                    id=ids.days,
                    type="number",
                    min=1,
                    max=MAX_DAYS,
                    step=1,
                    placeholder="Days (empty: no expiry)",
                ),
                dbc.Select(id=ids.scope, value="read", options=[
                    {"label": "Read only", "value": "read"},
                    {"label": "Read and write", "value": "read-write"},
                ]),
                dbc.Button("Create token", id=ids.create, color="primary"),
            ],
            class_name="mb-2",
        ),
        html.Div(id=ids.new_token),
        html.Div(id=ids.feedback),
        html.Div(id=ids.tokens),
    ]


def show_tokens(access: Access, refresh: Any) -> Any:
    user_id = access.principal.user_id
    assert user_id is not None
    with services.database().session() as session:
        tokens = accounts.list_api_tokens(session, user_id)
        user = users.get_user(session, user_id)
        email = user.email if user is not None else None
    return access.principal.name, api_tokens_table(tokens, revoke_type=ids.revoke,
                                                   table_id=ids.token_table), email or ""


def save_own_email(access: Access, clicks: Any, email: Any, refresh: Any) -> Any:
    user_id = access.principal.user_id
    assert user_id is not None
    with services.database().session() as session:
        problem = set_email(session, user_id, email)
    if problem:
        return refused(problem)
    cleared = not (isinstance(email, str) and email.strip())
    return done("Email removed." if cleared else "Email saved.", refresh)


def create_token(access: Access, clicks: Any, label: Any, days: Any, refresh: Any,
                 scope: Any = None) -> Any:
    scope = "read" if scope is None else scope
    if scope not in accounts.API_TOKEN_SCOPES:
        return refused("Choose whether the token may only read, or read and write.", 3)
    no_expiry = days is None or days == ""
    lifetime_days = None if no_expiry else parse_days(days)
    if lifetime_days is None and not no_expiry:
        return refused(f"Choose an expiry between 1 and {MAX_DAYS} days, or leave it empty.", 3)
    if label is not None and (not isinstance(label, str) or len(label) > MAX_LABEL):
        return refused("The label is too long.", 3)
    user_id = access.principal.user_id
    assert user_id is not None
    lifetime = None if lifetime_days is None else timedelta(days=lifetime_days)
    with services.database().session() as session:
        _info, raw_token = accounts.create_api_token(
            session, user_id, label=label, lifetime=lifetime, scope=scope
        )
    return shown_once("token", raw_token, ids.token_value), buttons.bump(refresh), ""


def revoke_token(access: Access, clicks: Any, refresh: Any) -> Any:
    token_id = buttons.clicked_id(clicks, "token")
    user_id = access.principal.user_id
    if user_id is None:
        raise dash.exceptions.PreventUpdate
    with services.database().session() as session:
        revoked = accounts.revoke_api_token(session, token_id, user_id=user_id)
    if not revoked:
        return refused("No such token.")
    return done("Token revoked.", refresh)


def change_own_password(access: Access, clicks: Any, current: Any, new: Any, repeat: Any,
                        refresh: Any) -> Any:
    """A new password for the signed-in user; their other sessions end, this one stays."""
    if not current:
        return refused("Current password: enter the password you signed in with.", 5)
    if new != repeat:
        return refused("New password again: the two new passwords differ.", 5)
    user_id = access.principal.user_id
    assert user_id is not None
    with services.database().session() as session:
        problem = change_password(session, user_id, new, current_password=current,
                                  keep_session=current_session_key())
    if problem:
        return refused(problem, 5)
    return done("Password changed. Your other sessions are signed out.", refresh, "", "", "")


def register(app: dash.Dash) -> None:
    dash.register_page(
        __name__, path="/account", name="Account", title="Account · OptunaGui", layout=layout
    )
    guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output=[Output(ids.heading, "children"), Output(ids.tokens, "children"),
                Output(ids.email, "value")],
        inputs={"refresh": Input(ids.refresh, "data")},
    )(show_tokens)
    guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output=action_outputs(ids.new_token, ids.refresh, ids.label),
        inputs={"clicks": Input(ids.create, "n_clicks")},
        state={
            "label": State(ids.label, "value"),
            "days": State(ids.days, "value"),
            "scope": State(ids.scope, "value"),
            "refresh": State(ids.refresh, "data"),
        },
        prevent_initial_call=True,
    )(create_token)
    guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output=action_outputs(ids.feedback, ids.refresh),
        inputs={"clicks": Input({"type": ids.revoke, "token": ALL}, "n_clicks")},
        state={"refresh": State(ids.refresh, "data")},
        prevent_initial_call=True,
    )(revoke_token)
    guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output=action_outputs(ids.password_feedback, ids.refresh, ids.current_password,
                              ids.new_password, ids.repeat_password),
        inputs={"clicks": Input(ids.change_password, "n_clicks")},
        state={
            "current": State(ids.current_password, "value"),
            "new": State(ids.new_password, "value"),
            "repeat": State(ids.repeat_password, "value"),
            "refresh": State(ids.refresh, "data"),
        },
        prevent_initial_call=True,
    )(change_own_password)
    guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output=action_outputs(ids.email_feedback, ids.refresh),
        inputs={"clicks": Input(ids.save_email, "n_clicks")},
        state={"email": State(ids.email, "value"), "refresh": State(ids.refresh, "data")},
        prevent_initial_call=True,
    )(save_own_email)
