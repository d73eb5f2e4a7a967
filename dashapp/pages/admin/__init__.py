"""Admin (/admin): users. Create, disable and enable, make and unmake admin. Admins only; an
admin cannot disable or demote themselves, so the team never locks itself out."""

from __future__ import annotations

import secrets
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html

from dashapp import components, guard, queries, services
from dashapp.auth import hash_password
from dashapp.components import buttons
from dashapp.guard import Access, Denial

__all__ = ["ACTIONS", "ids", "layout", "register"]

ACTIONS = ("disable", "enable", "make-admin", "remove-admin")
MIN_PASSWORD_LENGTH = 8


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
            html.Div(id=ids.users),
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
        buttons = []
        if user.id != me:
            if user.is_active:
                buttons.append(_button("Disable", user.id, "disable", "danger"))
            else:
                buttons.append(_button("Enable", user.id, "enable", "success"))
            if user.is_admin:
                buttons.append(_button("Remove admin", user.id, "remove-admin", "secondary"))
            else:
                buttons.append(_button("Make admin", user.id, "make-admin", "secondary"))
        rows.append(
            [
                user.username,
                "admin" if user.is_admin else "user",
                "active" if user.is_active else "disabled",
                components.format_time(user.created_at),
                html.Div(buttons),
            ]
        )
    return components.table(["User", "Kind", "State", "Created", ""], rows, id="admin-users-table")


def _denied(_denial: Denial) -> tuple[Any, Any]:
    return components.message("Only admins can manage users.", "warning"), None


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

    @guard.guarded_callback(
        app,
        requires=guard.admin(),
        output=[Output(ids.denied, "children"), Output(ids.users, "children")],
        inputs={"refresh": Input(ids.refresh, "data")},
        on_denied=_denied,
    )
    def show_users(access: Access, refresh: Any) -> Any:
        with services.database().session() as session:
            users = queries.list_user_rows(session)
        return None, _users_table(users, access.principal.user_id)

    @guard.guarded_callback(
        app,
        requires=guard.admin(),
        output=[
            Output(ids.create_feedback, "children"),
            Output(ids.refresh, "data", allow_duplicate=True),
            Output(ids.name, "value"),
            Output(ids.password, "value"),
        ],
        inputs={"clicks": Input(ids.create, "n_clicks")},
        state={
            "name": State(ids.name, "value"),
            "password": State(ids.password, "value"),
            "is_admin": State(ids.is_admin, "value"),
            "refresh": State(ids.refresh, "data"),
        },
        prevent_initial_call=True,
    )
    def create_user(
        access: Access, clicks: Any, name: Any, password: Any, is_admin: Any, refresh: Any
    ) -> Any:
        keep = dash.no_update
        problem = queries.check_username(name)
        if problem:
            return components.message(problem, "danger"), keep, keep, keep
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        if not isinstance(password, str) or not MIN_PASSWORD_LENGTH <= len(password) <= 1024:
            text = f"A password needs {MIN_PASSWORD_LENGTH} to 1024 characters."
            return components.message(text, "danger"), keep, keep, keep
        with services.database().session() as session:
            problem = queries.create_user(session, name, hash_password(password), is_admin is True)
        if problem:
            return components.message(problem, "danger"), keep, keep, keep
        text: list[Any] = [f"Created {name.strip()}."]
        if generated:
            text += [" Password (shown once): ", html.Code(password, id="admin-new-password-shown")]
        return components.message(text, "success"), buttons.bump(refresh), "", ""

    @guard.guarded_callback(
        app,
        requires=guard.admin(),
        output=[
            Output(ids.action_feedback, "children"),
            Output(ids.refresh, "data", allow_duplicate=True),
        ],
        inputs={"clicks": Input({"type": ids.action, "user": ALL, "action": ALL}, "n_clicks")},
        state={"refresh": State(ids.refresh, "data")},
        prevent_initial_call=True,
    )
    def change_user(access: Access, clicks: Any, refresh: Any) -> Any:
        user_id = buttons.clicked_id(clicks, "user")
        action = ctx.triggered_id.get("action")
        if action not in ACTIONS:
            raise dash.exceptions.PreventUpdate
        if user_id == access.principal.user_id:
            text = "You cannot disable or demote yourself."
            return components.message(text, "danger"), dash.no_update
        with services.database().session() as session:
            problem = queries.change_user(session, user_id, action)
        if problem:
            return components.message(problem, "danger"), dash.no_update
        return components.message("Saved.", "success"), buttons.bump(refresh)
