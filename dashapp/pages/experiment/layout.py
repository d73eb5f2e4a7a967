"""The experiment page's layout: only the experiment id from the URL, and empty cards the
callbacks fill (those for owners and editors start hidden)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.components import HIDDEN
from dashapp.components.notes import notes_card
from dashapp.pages.experiment.alert_rules import alert_ids, alert_rules_body
from dashapp.pages.experiment.attach import attach_body
from dashapp.pages.experiment.data import data_card
from dashapp.pages.experiment.feature_advice import experiment_advice_card
from dashapp.pages.experiment.ids import NOTE_IDS, ids
from dashapp.pages.experiment.members import members_body
from dashapp.pages.experiment.next_run_card import experiment_next_run_card
from dashapp.pages.experiment.report import report_menu
from dashapp.pages.experiment.settings import settings_body
from dashapp.pages.experiment.sharing import share_body
from dashapp.pages.experiment.similar_card import experiment_similar_card
from dashapp.paths import app_path
from dashapp.permissions import parse_id

__all__ = ["layout"]


def layout(experiment_id: str | None = None, **_query: Any) -> html.Div:
    return html.Div(
        [
            dcc.Store(id=ids.experiment, data=experiment_id),
            dcc.Store(id=ids.refresh, data=0),
            dcc.Interval(id=ids.poll, interval=15_000),
            dcc.Location(id=ids.redirect, refresh=True),
            html.Div(id=ids.denied),
            html.Div(
                [
                    _header(),
                    _card("Runs", _runs_body(experiment_id), ids.runs_card),
                    data_card(),
                    experiment_advice_card(),
                    experiment_similar_card(),
                    experiment_next_run_card(),
                    notes_card(NOTE_IDS, trials=False),
                    _card("Alerts", alert_rules_body(), alert_ids.card),
                    _card("Members", members_body(), ids.members_card),
                    _card("Share links", share_body(), ids.share_card, hidden=True),
                    _card("Attach a study", attach_body(), ids.attach_card, hidden=True),
                    _card("Settings", settings_body(), ids.settings_card, hidden=True),
                ],
                id=ids.body,
                style=HIDDEN,
            ),
        ]
    )


def _card(title: str, body: list[Any], card_id: str, hidden: bool = False) -> dbc.Card:
    return dbc.Card(
        [dbc.CardHeader(title), dbc.CardBody(body)],
        id=card_id,
        class_name="mb-3",
        style=HIDDEN if hidden else None,
    )


def _header() -> html.Div:
    return html.Div(
        [
            html.H2(id=ids.title, className="mb-1"),
            html.Span(id=ids.role, className="me-2"),
            html.Span(id=ids.description, className="text-muted"),
            report_menu(),
        ],
        className="mb-3",
    )


def _runs_body(experiment_id: str | None) -> list[Any]:
    return [
        dcc.Link(
            dbc.Button("New run", color="primary", size="sm"),
            href=app_path(f"/experiments/{parse_id(experiment_id) or ''}/new-run"),
            id=ids.new_run,
            className="mb-2 d-inline-block",
            style=HIDDEN,
        ),
        html.Div(id=ids.baseline_feedback),
        html.Div(id=ids.runs),
        _compare_box(),
    ]


def _compare_box() -> html.Div:
    return html.Div(
        [
            html.Span("Compare: ", className="small text-muted me-2"),
            dcc.Checklist(
                id=ids.compare_runs,
                options=[],
                value=[],
                inline=True,
                className="d-inline small",
                inputClassName="me-1",
                labelClassName="me-3",
            ),
            dcc.Link("Compare selected", href=app_path("/compare"), id=ids.compare_link,
                     className="btn btn-sm btn-outline-primary disabled"),
        ],
        id=ids.compare_box,
        className="mt-2",
        style=HIDDEN,
    )
