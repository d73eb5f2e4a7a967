"""The run page's "Model versions" card: each `train-best` version with its test score and a
zip of its deployment package; editors train the best trial again from here.

Training runs in the app's background jobs (``dashapp.state.AppState.training_jobs``, one training
per run at a time); the card polls while it goes on and reports the new version or why it
failed. A run of the user's own code has no model the product can refit: the card says so and
offers no training, and the training callback refuses such a run whatever the browser sends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html

from dashapp import components, guard, services
from dashapp.code_runs import NOT_REFITTABLE, has_builtin_model, runs_builtin_model
from dashapp.components.buttons import bump, clicked_id
from dashapp.components.downloads import file_download
from dashapp.guard import Access
from dashapp.pages.run.ids import ids
from dashapp.permissions import Role
from optunagui.jobs import describe_error
from optunagui.store import get_run
from optunagui.store.models import list_model_versions
from optunagui.training import TrainingError, package_zip, train_best

__all__ = [
    "VERSIONS_OUTPUTS",
    "download_model_version",
    "models_card",
    "register_model_callbacks",
    "show_versions",
    "train",
    "training_outcome",
]

TABLE, TRAIN, POLL, FEEDBACK, DOWNLOAD, REFRESH = (
    f"run-models-{n}" for n in ("table", "train", "poll", "feedback", "download", "refresh"))
DOWNLOAD_BUTTON = "run-model-download"  # pattern-matching type, with "version"
POLL_MS = 2000
VERSIONS_OUTPUTS = {
    "table": Output(TABLE, "children"),
    "train_style": Output(TRAIN, "style"),
    "poll_off": Output(POLL, "disabled"),
    "feedback": Output(FEEDBACK, "children"),
}


def training_outcome(run_id: int) -> tuple[str, Any]:
    """("none" | "running" | "done" | "failed", the document or the error text) of the run's
    last training on this server."""
    job = services.state().training_jobs.get(run_id)
    if job is None:
        return "none", None
    if job.status == "failed":
        return "failed", describe_error(job.error, TrainingError)
    return job.status, job.result()


def models_card() -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader("Model versions"),
            dbc.CardBody([
                dcc.Store(id=REFRESH, data=0),
                dcc.Interval(id=POLL, interval=POLL_MS, disabled=True),
                dcc.Download(id=DOWNLOAD),
                html.Div(id=TABLE),
                dbc.Button("Train the best model", id=TRAIN, color="primary", size="sm",
                           class_name="mt-2", style=components.HIDDEN),
                html.Div(id=FEEDBACK, className="mt-2"),
            ]),
        ],
        class_name="mb-3",
    )


def _versions_table(versions: list[Any], metric: str | None) -> Any:
    if not versions:
        return components.empty_note("No model version yet: train the best trial to make a "
                                     "deployment package.")
    header = html.Tr([html.Th(h) for h in ("Version", "Trial", f"Test {metric or 'score'}",
                                            "Created", "")])
    rows = []
    for row in versions:
        score = (row.metrics or {}).get(metric) if metric else None
        exists = Path(row.path).is_dir()
        rows.append(html.Tr([
            html.Td(f"v{row.version}"), html.Td(row.trial_number),
            html.Td("—" if score is None else f"{score:.6g}"),
            html.Td(components.format_time(row.created_at)),
            html.Td(dbc.Button("Download package (zip)", size="sm", color="link",
                               class_name="p-0",
                               id={"type": DOWNLOAD_BUTTON, "version": row.version})
                    if exists else html.Span("files missing", className="text-muted")),
        ]))
    return dbc.Table([html.Thead(header), html.Tbody(rows)], size="sm", class_name="w-auto")


def _status_message(status: str, outcome: Any) -> Any:
    if status == "running":
        return components.message("Training the best trial's model…", "info")
    if status == "failed":
        return components.message(f"Training failed: {outcome}", "danger")
    if status == "done":
        score = outcome.get("test_score")
        text = (f"Version {outcome['version']} trained from trial {outcome['trial_number']}: "
                f"test {outcome['test_metric']} "
                f"{'—' if score is None else format(score, '.6g')} on "
                f"{outcome['n_test_rows']} held-out rows.")
        return components.message(text, "success")
    return None


def _code_run_versions() -> dict[str, Any]:
    note = components.empty_note(f"No model versions. {NOT_REFITTABLE}")
    return {"table": html.Div(note, id="run-models-code-run"), "train_style": components.HIDDEN,
            "poll_off": True, "feedback": None}


def show_versions(access: Access, run_id: Any, refresh: Any, tick: Any) -> dict[str, Any]:
    with services.database().session() as session:
        versions = list_model_versions(session, access.run_id)
        run = get_run(session, access.run_id)
        spec = run.spec if run is not None else None
    if not has_builtin_model(spec):
        return _code_run_versions()
    metrics = (spec or {}).get("metrics")
    metric = metrics[0].get("name") if metrics else None
    status, outcome = training_outcome(access.run_id)
    editor = access.holds(Role.editor)
    return {
        "table": _versions_table(versions, metric),
        "train_style": components.SHOWN if editor else components.HIDDEN,
        "poll_off": status != "running",
        "feedback": _status_message(status, outcome) if editor else None,
    }


def train(access: Access, clicks: Any, run_id: Any, refresh: Any) -> Any:
    if not clicks or not runs_builtin_model(access.run_id):
        raise dash.exceptions.PreventUpdate
    database, settings = services.database(), services.state().settings
    user_id, target = access.principal.user_id, access.run_id
    services.state().training_jobs.start(
        target, lambda: train_best(database, settings, target, created_by=user_id), again=True)
    return bump(refresh), False


def download_model_version(access: Access, clicks: Any, run_id: Any) -> Any:
    version = clicked_id(clicks, "version")
    data = package_zip(services.database(), services.state().settings, access.run_id, version)
    if data is None:
        text = f"Version {version} of this run has no package files any more."
        return dash.no_update, components.message(text, "warning")
    return file_download(data, f"run-{access.run_id}-model-v{version}.zip",
                         "application/zip"), None


def register_model_callbacks(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=VERSIONS_OUTPUTS,
        inputs={"run_id": Input(ids.run, "data"), "refresh": Input(REFRESH, "data"),
                "tick": Input(POLL, "n_intervals")},
    )(show_versions)
    guard.guarded_callback(
        app,
        requires=guard.run(Role.editor, "run_id"),
        output=[Output(REFRESH, "data"), Output(POLL, "disabled", allow_duplicate=True)],
        inputs={"clicks": Input(TRAIN, "n_clicks")},
        state={"run_id": State(ids.run, "data"), "refresh": State(REFRESH, "data")},
        prevent_initial_call=True,
    )(train)
    guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=[Output(DOWNLOAD, "data"), Output(FEEDBACK, "children", allow_duplicate=True)],
        inputs={"clicks": Input({"type": DOWNLOAD_BUTTON, "version": ALL}, "n_clicks")},
        state={"run_id": State(ids.run, "data")},
        prevent_initial_call=True,
    )(download_model_version)
