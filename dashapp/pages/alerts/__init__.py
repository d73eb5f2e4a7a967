"""Alerts inbox (/alerts): the signed-in user's alerts, newest first, read or unread, each with
a link to its run; mark one or all read.

Every entry shown is of an experiment the user may still read (``dashapp.access``, through
``readable_entries``); the core keeps each user to their own entries.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html

from dashapp import components, guard, services
from dashapp.components import buttons
from dashapp.components.alert_toast import readable_entries
from dashapp.components.feedback import action_outputs, done, refused
from dashapp.guard import Access
from dashapp.paths import app_path
from optunagui import alerts

__all__ = ["ids", "layout", "mark_all_alerts_read", "mark_alert_read", "register", "show_inbox"]

PAGE_SIZE = 200


class ids:
    refresh = "alerts-refresh"
    unread_only = "alerts-unread-only"
    mark_all = "alerts-mark-all"
    feedback = "alerts-feedback"
    inbox = "alerts-inbox"
    heading = "alerts-heading"
    toggle = "alerts-toggle"  # pattern-matching type, with "entry"


def layout(**_query: Any) -> html.Div:
    return html.Div([
        dcc.Store(id=ids.refresh, data=0),
        html.H2("Alerts", id=ids.heading, className="mb-3"),
        html.Div([
            dbc.Switch(id=ids.unread_only, label="Unread only", value=False,
                       class_name="d-inline-block me-4"),
            dbc.Button("Mark all read", id=ids.mark_all, size="sm", color="secondary",
                       outline=True),
        ], className="mb-3"),
        html.Div(id=ids.feedback),
        html.Div(id=ids.inbox),
    ])


def _row(entry: alerts.AlertEntry) -> list[Any]:
    where: list[Any] = [dcc.Link(entry.experiment_name,
                                 href=app_path(f"/experiments/{entry.experiment_id}"))]
    if entry.run_id is not None:
        label = f"run {entry.run_id}" + (f", trial {entry.trial_number}"
                                         if entry.trial_number is not None else "")
        href = app_path(alerts.alert_path(entry.run_id, entry.trial_number))
        where += [" · ", dcc.Link(label, href=href)]
    state = dbc.Badge("read" if entry.read else "unread", pill=True,
                      color="secondary" if entry.read else "primary")
    toggle = dbc.Button("Mark unread" if entry.read else "Mark read", size="sm", color="link",
                        class_name="p-0", id={"type": ids.toggle, "entry": entry.inbox_id})
    text = entry.message if entry.read else html.Strong(entry.message)
    return [entry.created_at.strftime("%Y-%m-%d %H:%M:%S"), state, text, html.Span(where),
            toggle]


def show_inbox(access_: Access, refresh: Any, unread_only: Any) -> dict[str, Any]:
    user_id = access_.principal.user_id or 0
    with services.database().session() as session:
        entries = alerts.list_inbox(session, user_id, unread_only=unread_only is True,
                                    limit=PAGE_SIZE)
        unread = alerts.count_unread(session, user_id)
    entries = readable_entries(access_, entries)
    heading = f"Alerts ({unread} unread)" if unread else "Alerts"
    if not entries:
        return {"inbox": components.empty_note("No alerts. Rules are made on an experiment's "
                                                "page."), "heading": heading}
    table = components.table(["When", "", "Alert", "Where", ""], [_row(e) for e in entries])
    return {"inbox": table, "heading": heading}


def mark_alert_read(access_: Access, clicks: Any, refresh: Any) -> Any:
    inbox_id = buttons.clicked_id(clicks, "entry")
    user_id = access_.principal.user_id or 0
    with services.database().session() as session:
        entry = alerts.get_inbox_entry(session, user_id, inbox_id)
        if entry is None:
            return refused("No such alert in your inbox.")
        alerts.mark_read(session, user_id, [inbox_id], read=not entry.read)
    return done("Marked unread." if entry.read else "Marked read.", refresh)


def mark_all_alerts_read(access_: Access, clicks: Any, refresh: Any) -> Any:
    with services.database().session() as session:
        changed = alerts.mark_read(session, access_.principal.user_id or 0)
    return done(f"{changed} alert(s) marked read.", refresh)


def register(app: dash.Dash) -> None:
    dash.register_page(__name__, path="/alerts", name="Alerts", title="Alerts · OptunaGui",
                       layout=layout, nav_label="Alerts", nav_order=30)
    guard.guarded_callback(
        app, requires=guard.signed_in(),
        output={"inbox": Output(ids.inbox, "children"),
                "heading": Output(ids.heading, "children")},
        inputs={"refresh": Input(ids.refresh, "data"),
                "unread_only": Input(ids.unread_only, "value")},
    )(show_inbox)
    guard.guarded_callback(
        app, requires=guard.signed_in(),
        output=action_outputs(ids.feedback, ids.refresh),
        inputs={"clicks": Input({"type": ids.toggle, "entry": ALL}, "n_clicks")},
        state={"refresh": State(ids.refresh, "data")},
        prevent_initial_call=True,
    )(mark_alert_read)
    guard.guarded_callback(
        app, requires=guard.signed_in(),
        output=action_outputs(ids.feedback, ids.refresh, duplicate=True),
        inputs={"clicks": Input(ids.mark_all, "n_clicks")},
        state={"refresh": State(ids.refresh, "data")},
        prevent_initial_call=True,
    )(mark_all_alerts_read)
