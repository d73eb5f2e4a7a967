"""Admin (/admin): users. Create, disable and enable, make and unmake admin, reset a password
(a temporary one, shown once, that the user replaces at the next sign-in; their sessions end).
Admins only; an admin cannot disable, demote or reset themselves, so the team never locks
itself out (their own password is changed under Account). Below them,
the studies in the product's database not attached yet (``studies.py``)."""

from __future__ import annotations

import secrets
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html

from dashapp import components, guard, queries, services
from dashapp.components import buttons
from dashapp.components.feedback import action_outputs, done, refused
from dashapp.guard import Access, Denial
from dashapp.pages.admin.studies import register_studies, studies_card
from optunagui.accounts import (
    CLI_USERNAME,
    check_password,
    check_username,
    hash_password,
    reset_password,
)

__all__ = ["ACTIONS", "CREATE_OUTPUTS", "change_user", "create_user", "ids", "layout", "register",
           "show_users"]

ACTIONS = ("disable", "enable", "make-admin", "remove-admin", "reset-password")


class ids:
    refresh = "admin-refresh"
    denied = "admin-denied"
    users = "admin-users"
    name = "admin-new-name"
    password = "admin-new-password"
    is_admin = "admin-new-is-admin"
    create = "admin-create"
    create_feedback = "admin-create-feedback"
    action = "admin-user-action"  # pattern-matching type, with "user" and "action"
    action_feedback = "admin-action-feedback"
    users_table = "admin-users-table"
    password_shown = "admin-new-password-shown"
    temporary_password = "admin-temporary-password"


def layout(**_query: Any) -> html.Div:
    return html.Div(
        [
            dcc.Store(id=ids.refresh, data=0),
            html.H2("Users", className="mb-3"),
            html.Div(id=ids.denied),
            dbc.Card(
                dbc.CardBody(
                    [
                        dbc.Row(
                            [
                                dbc.Col(
                                    dbc.Input(id=ids.name, placeholder="User name", maxLength=64),
                                    md=3,
                                ),
                                dbc.Col(
                                    dbc.Input(
                                        id=ids.password,
                                        type="password",
                                        placeholder="Password (empty: generate one)",
                                        autoComplete="new-password",
                                    ),
                                    md=4,
                                ),
                                dbc.Col(
                                    dbc.Checkbox(id=ids.is_admin, label="Admin", value=False),
                                    md=2,
                                    class_name="pt-2",
                                ),
                                dbc.Col(dbc.Button("Create user", id=ids.create), md=3),
                            ],
                            class_name="g-2",
                        ),
                        html.Div(id=ids.create_feedback, className="mt-2"),
                    ]
                ),
                class_name="mb-3",
            ),
            html.Div(id=ids.action_feedback),
            html.Div(id=ids.users, className="mb-3"),
            studies_card(),
        ]
    )


def _button(label: str, user_id: int, action: str, color: str) -> dbc.Button:
    return dbc.Button(
        label,
        id={"type": ids.action, "user": user_id, "action": action},
        size="sm",
        color=color,
        outline=True,
        class_name="me-1",
    )


def _users_table(users: list[queries.UserRow], me: int | None) -> Any:
    rows = []
    for user in users:
        actions = []
        if user.id != me:
            if user.is_active:
                actions.append(_button("Disable", user.id, "disable", "danger"))
            else:
                actions.append(_button("Enable", user.id, "enable", "success"))
            if user.is_admin:
                actions.append(_button("Remove admin", user.id, "remove-admin", "secondary"))
            else:
                actions.append(_button("Make admin", user.id, "make-admin", "secondary"))
            if user.username != CLI_USERNAME:
                actions.append(_button("Reset password", user.id, "reset-password", "warning"))
        rows.append(
            [
                user.username,
                "admin" if user.is_admin else "user",
                "active" if user.is_active else "disabled",
                components.format_time(user.created_at),
                html.Div(actions),
            ]
        )
    return components.table(["User", "Kind", "State", "Created", ""], rows, id=ids.users_table)


CREATE_OUTPUTS = {
    "feedback": Output(ids.create_feedback, "children"),
    "refresh": Output(ids.refresh, "data", allow_duplicate=True),
    "name": Output(ids.name, "value"),
    "password": Output(ids.password, "value"),
}


def _denied(_denial: Denial) -> tuple[Any, Any]:
    return components.message("Only admins can manage users.", "warning"), None


def show_users(access: Access, refresh: Any) -> Any:
    with services.database().session() as session:
        users = queries.list_user_rows(session)
    return None, _users_table(users, access.principal.user_id)


def _not_created(problem: str) -> dict[str, Any]:
    """The reason, with the form left as it was."""
    shown: dict[str, Any] = dict.fromkeys(CREATE_OUTPUTS, dash.no_update)
    shown["feedback"] = components.message(problem, "danger")
    return shown


def create_user(
    access: Access, clicks: Any, name: Any, password: Any, is_admin: Any, refresh: Any
) -> dict[str, Any]:
    problem = check_username(name)
    if problem:
        return _not_created(problem)
    generated = not password
    if generated:
        password = secrets.token_urlsafe(12)
    problem = check_password(password)
    if problem:
        return _not_created(problem)
    with services.database().session() as session:
        problem = queries.create_user(session, name, hash_password(password), is_admin is True)
    if problem:
        return _not_created(problem)
    text: list[Any] = [f"Created {name.strip()}."]
    if generated:
        text += [" Password (shown once): ", html.Code(password, id=ids.password_shown)]
    return {"feedback": components.message(text, "success"), "refresh": buttons.bump(refresh),
            "name": "", "password": ""}


def change_user(access: Access, clicks: Any, refresh: Any) -> Any:
    user_id = buttons.clicked_id(clicks, "user")
    action = ctx.triggered_id.get("action")
    if action not in ACTIONS:
        raise dash.exceptions.PreventUpdate
    if user_id == access.principal.user_id:
        if action == "reset-password":
            return refused("Change your own password under Account.")
        return refused("You cannot disable or demote yourself.")
    if action == "reset-password":
        return _reset_password(user_id, refresh)
    with services.database().session() as session:
        problem = queries.change_user(session, user_id, action)
    if problem:
        return refused(problem)
    return done("Saved.", refresh)


def _reset_password(user_id: int, refresh: Any) -> Any:
    with services.database().session() as session:
        temporary, problem = reset_password(session, user_id)
    if temporary is None:
        return refused(problem or "No such user.")
    text = ["Password reset; the user chooses a new one at the next sign-in and is signed out "
            "everywhere. Temporary password (shown once): ",
            html.Code(temporary, id=ids.temporary_password)]
    return done(text, refresh)


def register(app: dash.Dash) -> None:
    dash.register_page(
        __name__,
        path="/admin",
        name="Admin",
        title="Admin · OptunaGui",
        layout=layout,
        nav_label="Admin",
        nav_order=90,
        admin_only=True,
    )
    guard.guarded_callback(
        app,
        requires=guard.admin(),
        output=[Output(ids.denied, "children"), Output(ids.users, "children")],
        inputs={"refresh": Input(ids.refresh, "data")},
        on_denied=_denied,
    )(show_users)
    guard.guarded_callback(
        app,
        requires=guard.admin(),
        output=CREATE_OUTPUTS,
        inputs={"clicks": Input(ids.create, "n_clicks")},
        state={
            "name": State(ids.name, "value"),
            "password": State(ids.password, "value"),
            "is_admin": State(ids.is_admin, "value"),
            "refresh": State(ids.refresh, "data"),
        },
        prevent_initial_call=True,
    )(create_user)
    guard.guarded_callback(
        app,
        requires=guard.admin(),
        output=action_outputs(ids.action_feedback, ids.refresh),
        inputs={"clicks": Input({"type": ids.action, "user": ALL, "action": ALL}, "n_clicks")},
        state={"refresh": State(ids.refresh, "data")},
        prevent_initial_call=True,
    )(change_user)
    register_studies(app)
