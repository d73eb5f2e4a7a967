"""Members and roles on the experiment page: everyone with a role sees the list; owners add,
change and remove members (an experiment always keeps at least one owner)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, html

from dashapp import components, guard, queries, services
from dashapp.components import HIDDEN, buttons
from dashapp.components.feedback import action_outputs, done, refused
from dashapp.guard import Access
from dashapp.pages.experiment.ids import ids
from dashapp.permissions import Role

__all__ = ["members_body", "register_members", "remove_member", "save_member", "show_members"]

ROLE_OPTIONS = [{"label": role.name, "value": role.name} for role in reversed(Role)]
MAX_USERNAME = 64


def members_body() -> list[Any]:
    return [
        html.Div(id=ids.members, className="mb-3"),
        html.Div(
            [
                dbc.InputGroup(
                    [
                        dbc.Input(id=ids.member_name, placeholder="User name",
                                  maxLength=MAX_USERNAME),
                        dbc.Select(id=ids.member_role, options=ROLE_OPTIONS, value="viewer"),
                        dbc.Button("Add or change role", id=ids.member_save, color="primary"),
                    ],
                    class_name="mb-2",
                ),
                html.Div(id=ids.member_feedback),
            ],
            id=ids.manage_members,
            style=HIDDEN,
        ),
    ]


def _members_table(members: list[queries.MemberRow], can_manage: bool) -> Any:
    if not members:
        return components.empty_note("No members.")
    owners = sum(1 for member in members if member.role == Role.owner.name)
    rows = []
    for member in members:
        action: Any = ""
        last_owner = member.role == Role.owner.name and owners <= 1
        if can_manage and not last_owner:
            action = dbc.Button(
                "Remove",
                id={"type": ids.member_remove, "user": member.user_id},
                size="sm",
                color="link",
                class_name="p-0",
            )
        name = member.username if member.is_active else f"{member.username} (disabled)"
        rows.append([name, components.role_badge(member.role), action])
    return components.table(["User", "Role", ""], rows, id=ids.members_table)


def show_members(access: Access, refresh: Any, experiment_id: Any) -> Any:
    with services.database().session() as session:
        members = queries.list_member_rows(session, access.experiment_id)
    can_manage = access.role is not None and access.role >= Role.owner
    return _members_table(members, can_manage)


def save_member(
    access: Access, clicks: Any, experiment_id: Any, username: Any, role: Any, refresh: Any
) -> Any:
    parsed_role = Role.parse(role)
    if parsed_role is None:
        return refused("Choose owner, editor or viewer.")
    if not isinstance(username, str) or not username.strip() or len(username) > MAX_USERNAME:
        return refused("Enter a user name.")
    with services.database().session() as session:
        problem = queries.set_member(session, access.experiment_id, username, parsed_role)
    if problem:
        return refused(problem)
    return done(f"{username.strip()} is now {parsed_role.name}.", refresh)


def remove_member(access: Access, clicks: Any, experiment_id: Any, refresh: Any) -> Any:
    user_id = buttons.clicked_id(clicks, "user")
    with services.database().session() as session:
        problem = queries.remove_member(session, access.experiment_id, user_id)
    if problem:
        return refused(problem)
    return done("Member removed.", refresh)


def register_members(app: dash.Dash) -> None:
    """Readers see the members; owners change them."""
    experiment = {"experiment_id": State(ids.experiment, "data")}
    guard.guarded_callback(
        app,
        requires=guard.experiment(Role.viewer, "experiment_id"),
        output=Output(ids.members, "children"),
        inputs={"refresh": Input(ids.refresh, "data")},
        state=experiment,
    )(show_members)
    guard.guarded_callback(
        app,
        requires=guard.experiment(Role.owner, "experiment_id"),
        output=action_outputs(ids.member_feedback, ids.refresh),
        inputs={"clicks": Input(ids.member_save, "n_clicks")},
        state={
            **experiment,
            "username": State(ids.member_name, "value"),
            "role": State(ids.member_role, "value"),
            "refresh": State(ids.refresh, "data"),
        },
        prevent_initial_call=True,
    )(save_member)
    guard.guarded_callback(
        app,
        requires=guard.experiment(Role.owner, "experiment_id"),
        output=action_outputs(ids.member_feedback, ids.refresh, duplicate=True),
        inputs={"clicks": Input({"type": ids.member_remove, "user": ALL}, "n_clicks")},
        state={**experiment, "refresh": State(ids.refresh, "data")},
        prevent_initial_call=True,
    )(remove_member)
