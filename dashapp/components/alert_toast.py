"""The in-app pop-up: on any page, the shell polls the signed-in user's inbox every 1.5 s
and shows what arrived since the last poll, with a link to the run and to the inbox.

The first poll of a browser tab only remembers the newest entry (nothing old pops up); the
newest id shown is kept in the tab's session storage, so moving between pages shows nothing
twice. A share-link visitor or a signed-out browser gets nothing.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from dashapp import access, guard, services
from dashapp.guard import Access, Denial
from dashapp.paths import app_path
from optunagui import alerts

__all__ = ["POLL_MS", "alert_toast_parts", "poll_alert_toast", "register_alert_toast",
           "readable_entries", "toast_ids"]

POLL_MS = 1500
SHOWN_AT_ONCE = 3


class toast_ids:
    poll = "shell-alerts-poll"
    seen = "shell-alerts-seen"
    toast = "shell-alert-toast"
    body = "shell-alert-toast-body"


def alert_toast_parts() -> list[Any]:
    return [
        dcc.Interval(id=toast_ids.poll, interval=POLL_MS),
        dcc.Store(id=toast_ids.seen, storage_type="session"),
        dbc.Toast(id=toast_ids.toast, header="New alert", icon="warning", is_open=False,
                  dismissable=True, duration=15_000, children=html.Div(id=toast_ids.body),
                  style={"position": "fixed", "top": 70, "right": 16, "width": 380,
                         "backgroundColor": "#fff",
                         "zIndex": 1080}),
    ]


def readable_entries(access_: Access, entries: list[alerts.AlertEntry]
                     ) -> list[alerts.AlertEntry]:
    """The entries of experiments the user may read, asked of ``dashapp.access`` once each."""
    allowed: dict[int, bool] = {}
    for entry in entries:
        if entry.experiment_id not in allowed:
            allowed[entry.experiment_id] = access.role_on_experiment(
                access_.principal, entry.experiment_id) is not None
    return [entry for entry in entries if allowed[entry.experiment_id]]


def _entry_view(entry: alerts.AlertEntry) -> html.Div:
    links: list[Any] = []
    if entry.run_id is not None:
        label = "Open run" + (f" (trial {entry.trial_number})"
                              if entry.trial_number is not None else "")
        href = app_path(alerts.alert_path(entry.run_id, entry.trial_number))
        links.append(dcc.Link(label, href=href, className="me-3"))
    links.append(dcc.Link("Inbox", href=app_path("/alerts")))
    return html.Div([html.Div(entry.message), html.Small(links)], className="mb-2")


def poll_alert_toast(access: Access, n_intervals: Any, seen: Any) -> dict[str, Any]:
    user_id = access.principal.user_id or 0
    newest_seen = seen if isinstance(seen, int) and not isinstance(seen, bool) else None
    with services.database().session() as session:
        if newest_seen is None:
            latest = alerts.list_inbox(session, user_id, limit=1)
            return {"seen": latest[0].inbox_id if latest else 0, "open": dash.no_update,
                    "header": dash.no_update, "body": dash.no_update}
        fresh = alerts.list_inbox(session, user_id, after_id=newest_seen, unread_only=True,
                                  limit=50)
    fresh = readable_entries(access, fresh)
    if not fresh:
        return {"seen": dash.no_update, "open": dash.no_update, "header": dash.no_update,
                "body": dash.no_update}
    header = "New alert" if len(fresh) == 1 else f"{len(fresh)} new alerts"
    return {"seen": max(e.inbox_id or 0 for e in fresh), "open": True, "header": header,
            "body": [_entry_view(entry) for entry in fresh[:SHOWN_AT_ONCE]]}


def _nothing(_denial: Denial) -> dict[str, Any]:
    return {"seen": dash.no_update, "open": False, "header": dash.no_update,
            "body": dash.no_update}


def register_alert_toast(app: dash.Dash) -> None:
    guard.guarded_callback(
        app, requires=guard.signed_in(),
        output={"seen": Output(toast_ids.seen, "data"),
                "open": Output(toast_ids.toast, "is_open"),
                "header": Output(toast_ids.toast, "header"),
                "body": Output(toast_ids.body, "children")},
        inputs={"n_intervals": Input(toast_ids.poll, "n_intervals")},
        state={"seen": State(toast_ids.seen, "data")},
        on_denied=_nothing,
    )(poll_alert_toast)
