"""The admin page's "Studies not attached yet": Optuna studies users' scripts wrote into the
product's own database (their storage= is the product's URL), one click to file one under an
experiment as an attached run."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, html
from sqlalchemy import select

from dashapp import components, guard, services
from dashapp.components import buttons
from dashapp.components.feedback import action_outputs, done, refused
from dashapp.guard import Access
from dashapp.state import state
from optunagui.attach import AttachError, ReaderCache, attach_studies, poll_run
from optunagui.attach.unattached import list_unattached_studies
from optunagui.store.tables import Experiment

__all__ = ["attach_unattached", "register_studies", "show_studies", "studies_card"]


class ids:
    list = "admin-studies"
    experiment = "admin-studies-experiment"
    attach = "admin-studies-attach"  # pattern-matching type, with "study"
    feedback = "admin-studies-feedback"
    table = "admin-studies-table"


def studies_card() -> dbc.Card:
    return dbc.Card([
        dbc.CardHeader("Studies not attached yet"),
        dbc.CardBody([
            html.P("Optuna studies in the product's database that no run holds: written by "
                   "scripts whose storage= is this database.", className="text-muted small"),
            dbc.Select(id=ids.experiment, placeholder="Experiment to file them under",
                       class_name="mb-2", style={"maxWidth": "24rem"}),
            html.Div(id=ids.feedback),
            html.Div(id=ids.list),
        ]),
    ], class_name="mb-3")


def show_studies(access: Access, refresh: Any) -> Any:
    settings = state().settings
    db = services.database()
    studies = list_unattached_studies(db, settings.database_url)
    with db.session() as session:
        experiments = session.execute(select(Experiment.id, Experiment.name)
                                      .order_by(Experiment.name)).all()
    options = [{"label": f"#{e_id} {name}", "value": str(e_id)} for e_id, name in experiments]
    if not studies:
        return components.empty_note("Every study in the database is a run."), options
    rows = [[study.name, str(study.n_trials), ", ".join(study.directions),
             dbc.Button("Attach", id={"type": ids.attach, "study": study.name}, size="sm",
                        color="primary", outline=True)] for study in studies]
    table = components.table(["Study", "Trials", "Directions", ""], rows, id=ids.table)
    return table, options


def attach_unattached(access: Access, clicks: Any, experiment: Any, refresh: Any) -> Any:
    name = buttons.clicked_choice(clicks, "study")
    try:
        experiment_id = int(experiment)
    except (TypeError, ValueError):
        return refused("experiment: choose the experiment to file the study under.")
    settings = state().settings
    db = services.database()
    try:
        [run] = attach_studies(db, storage=settings.database_url, studies=[name],
                               experiment_id=experiment_id, user_id=access.principal.user_id,
                               database_url=settings.database_url, mirror_now=False)
    except AttachError as error:
        return refused(str(error))
    readers = ReaderCache()
    try:
        poll_run(db, run.run_id, readers, max_chunks=1)
    finally:
        readers.close()
    return done(f"Attached {name!r} as run #{run.run_id}.", refresh)


def register_studies(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.admin(),
        output=[Output(ids.list, "children"), Output(ids.experiment, "options")],
        inputs={"refresh": Input("admin-refresh", "data")},
    )(show_studies)
    guard.guarded_callback(
        app,
        requires=guard.admin(),
        output=action_outputs(ids.feedback, "admin-refresh"),
        inputs={"clicks": Input({"type": ids.attach, "study": ALL}, "n_clicks")},
        state={"experiment": State(ids.experiment, "value"),
               "refresh": State("admin-refresh", "data")},
        prevent_initial_call=True,
    )(attach_unattached)
