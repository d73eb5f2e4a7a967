"""The API's endpoints, each declared once here; ``dashapp.api`` builds the blueprint and the
OpenAPI document from this list."""

from __future__ import annotations

from typing import Any

from flask import Response

from dashapp.api import (
    attach,
    control,
    datasets,
    docs,
    experiments,
    launch,
    listings,
    notes,
    run_actions,
    runs,
    similar,
    suggest,
)
from dashapp.api import schemas as s
from dashapp.api.account import ACCOUNT_ENDPOINTS
from dashapp.api.alerts import ALERT_ENDPOINTS
from dashapp.api.features import FEATURE_ENDPOINTS
from dashapp.api.openapi import build_document
from dashapp.api.registry import Call, Endpoint, Need, Scope
from dashapp.permissions import Role

__all__ = ["ENDPOINTS"]

ANYONE = Need(Scope.public)
USER = Need(Scope.user)
RUN_VIEWER, RUN_EDITOR = Need(Scope.run, Role.viewer), Need(Scope.run, Role.editor)
EXPERIMENT_VIEWER = Need(Scope.experiment, Role.viewer)
EXPERIMENT_EDITOR = Need(Scope.experiment, Role.editor)
EXPERIMENT_OWNER = Need(Scope.experiment, Role.owner)


def openapi_document(call: Call) -> dict[str, Any]:
    return build_document(ENDPOINTS)


def api_docs(call: Call) -> Response:
    return docs.render_page(build_document(ENDPOINTS))


_META = [
    Endpoint("GET", "/openapi.json", "This API's OpenAPI document.", ANYONE, openapi_document,
             "meta"),
    Endpoint("GET", "/docs", "This API's documentation, as a page.", ANYONE, api_docs, "meta",
             media="text/html"),
]
_EXPERIMENTS = [
    Endpoint("GET", "/experiments", "The experiments you may open, with your role.", USER,
             experiments.list_experiments, "experiments", response=s.ExperimentList),
    Endpoint("POST", "/experiments", "Create an experiment; you become its owner.", USER,
             experiments.create_experiment, "experiments", body=s.ExperimentNameBody,
             response=s.ExperimentAnswer, status=201),
    Endpoint("POST", "/experiments/{experiment_id}/name", "Rename the experiment.",
             EXPERIMENT_OWNER, experiments.rename_experiment, "experiments",
             body=s.ExperimentNameBody, response=s.ExperimentAnswer),
    Endpoint("GET", "/experiments/{experiment_id}/members", "The experiment's members.",
             EXPERIMENT_VIEWER, experiments.list_members, "members", response=s.MemberList),
    Endpoint("POST", "/experiments/{experiment_id}/members",
             "Give a user a role on the experiment, or change it.", EXPERIMENT_OWNER,
             experiments.add_member, "members", body=s.MemberBody, response=s.MemberList),
    Endpoint("DELETE", "/experiments/{experiment_id}/members/{user_id}",
             "Remove a member (never the last owner).", EXPERIMENT_OWNER,
             experiments.remove_member, "members", response=s.Message, errors=(409,)),
    Endpoint("POST", "/experiments/{experiment_id}/notes", "Add a note to the experiment.",
             EXPERIMENT_EDITOR, notes.add_experiment_note, "notes", body=s.NoteBody,
             response=s.NoteAnswer, status=201),
    Endpoint("GET", "/experiments/{experiment_id}/report",
             "The experiment's report (format: html or pdf).", EXPERIMENT_VIEWER,
             experiments.experiment_report, "reports", media="text/html"),
    Endpoint("POST", "/experiments/{experiment_id}/attached-studies",
             "Attach existing Optuna studies to the experiment.", EXPERIMENT_OWNER,
             attach.attach_studies_to_experiment, "runs", body=s.AttachBody, status=201),
]
_LAUNCH = [
    Endpoint("POST", "/specs/validate", "Check a spec: every problem with its path.", USER,
             launch.validate, "runs", body=s.SpecBody, response=s.SpecCheck, reads_only=True),
    Endpoint("POST", "/suggest",
             "Starting ranges for a spec from the earlier runs you may read.", USER,
             suggest.suggest, "runs", body=suggest.SuggestBody, response=suggest.SuggestAnswer,
             reads_only=True),
    Endpoint("POST", "/similar",
             "The earlier runs you may read most like a spec or a run.", USER,
             similar.similar, "runs", body=similar.SimilarBody, response=similar.SimilarAnswer,
             reads_only=True),
    Endpoint("POST", "/experiments/{experiment_id}/runs",
             "Launch a run from a spec: its id and page.", EXPERIMENT_EDITOR, launch.launch_run,
             "runs", body=launch.LaunchBody, response=s.LaunchAnswer, status=201,
             errors=(409,)),
    Endpoint("POST", "/experiments/{experiment_id}/datasets",
             "Upload a CSV or Parquet file as a dataset version.", EXPERIMENT_EDITOR,
             datasets.upload_dataset, "runs", body=s.DatasetUploadBody,
             response=s.DatasetAnswer, status=201),
    Endpoint("GET", "/runs", "The runs you may read, newest first, filtered.", USER,
             listings.list_runs, "runs", query=s.RunQuery, response=s.RunList),
]
_CONTROL = [
    Endpoint("POST", f"/runs/{{run_id}}/{action}", f"Ask the run's driver to {action}.",
             RUN_EDITOR, handler, "control", response=s.ControlAnswer, errors=(409,))
    for action, handler in (("pause", control.pause_run), ("resume", control.resume_run),
                            ("stop", control.stop_run))
] + [
    Endpoint("POST", "/runs/{run_id}/ranges", "New ranges for numeric parameters.",
             RUN_EDITOR, control.adjust_ranges, "control", body=s.RangesBody,
             response=s.RangesAnswer, errors=(409,)),
    Endpoint("POST", "/runs/{run_id}/replay", "Replay the run: a new run, same settings.",
             RUN_EDITOR, run_actions.replay_run, "runs", response=s.ReplayAnswer, status=201,
             errors=(409,)),
    Endpoint("POST", "/runs/{run_id}/train-best",
             "Train the best trial's model as the run's next model version (background).",
             RUN_EDITOR, run_actions.train_best_model, "models", response=s.TrainingAnswer,
             status=202, errors=(409,)),
    Endpoint("GET", "/runs/{run_id}/train-best", "How the run's last training went.",
             RUN_VIEWER, run_actions.training_status, "models", response=s.TrainingAnswer),
    Endpoint("POST", "/runs/{run_id}/notes", "Add a note to the run or one of its trials.",
             RUN_EDITOR, notes.add_run_note, "notes", body=s.TrialNoteBody,
             response=s.NoteAnswer, status=201),
]
_RUN_READS = [
    Endpoint("GET", "/runs/{run_id}", "The run: status, trial counts, best trial.", RUN_VIEWER,
             runs.run_summary, "runs"),
    Endpoint("GET", "/runs/{run_id}/events", "The run's events after a cursor (to stream).",
             RUN_VIEWER, listings.run_events, "runs", query=s.EventQuery,
             response=s.EventPage),
    Endpoint("GET", "/runs/{run_id}/trial-rows", "The run's trials after a cursor, as JSON.",
             RUN_VIEWER, listings.run_trial_rows, "runs", query=s.TrialQuery,
             response=s.TrialPage),
    Endpoint("GET", "/runs/{run_id}/best-params", "The best trial: number, params, metrics.",
             RUN_VIEWER, runs.run_best_params, "runs", errors=(409,)),
    Endpoint("GET", "/runs/{run_id}/spec", "The run's spec, as YAML.", RUN_VIEWER,
             runs.run_spec, "runs", media="application/yaml", errors=(409,)),
    Endpoint("GET", "/runs/{run_id}/trials", "The run's trials (format: csv or parquet).",
             RUN_VIEWER, runs.run_trials, "runs", media="text/csv"),
    Endpoint("GET", "/runs/{run_id}/report", "The run's report (format: html or pdf).",
             RUN_VIEWER, runs.run_report, "reports", media="text/html"),
    Endpoint("GET", "/runs/{run_id}/models", "The run's trained model versions.", RUN_VIEWER,
             runs.run_models, "models"),
    Endpoint("GET", "/runs/{run_id}/models/{version}/package",
             "A trained model version's package.", RUN_VIEWER, runs.run_model_package,
             "models", media="application/zip"),
]

ENDPOINTS: list[Endpoint] = (_META + _EXPERIMENTS + _LAUNCH + _CONTROL + _RUN_READS
                             + ALERT_ENDPOINTS + ACCOUNT_ENDPOINTS + FEATURE_ENDPOINTS)
