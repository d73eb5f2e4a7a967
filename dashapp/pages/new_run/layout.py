"""The wizard's step panels: seven of them, each field with its message slot beside it.

The layout holds no data of any experiment (Dash sends it to every browser): only the choices
every user sees anyway (built-in datasets, models and presets, samplers, transforms).
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.components import HIDDEN
from dashapp.pages.new_run.feature_advice_view import feature_advice_panel
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.similar_review import similar_review_controls
from dashapp.pages.new_run.suggest_view import suggest_controls
from dashapp.pages.new_run.wizard.form import DEFAULT_MODEL, default_form
from dashapp.pages.new_run.wizard.steps import STEPS
from dashapp.pages.new_run.wizard.tracking import WANDB_MODES, tracking_placeholders
from dashapp.pages.new_run.wizard.upload import DEFAULT_MAX_UPLOAD_MB, max_upload_bytes
from optunagui.datasets import BUILTIN_DATASETS
from optunagui.models import list_models
from optunagui.spec.checks import SAMPLERS

__all__ = ["error", "layout_body", "panel_id"]

SPLIT_METHODS = ["kfold", "stratified_kfold", "holdout", "time_series", "group_kfold"]
SAMPLER_LABELS = {
    "tpe": "TPE (default)", "random": "Random", "cmaes": "CMA-ES", "qmc": "Quasi-Monte Carlo",
    "gp": "Gaussian process", "nsga2": "NSGA-II (several metrics)", "grid": "Grid",
}


def panel_id(step: int) -> str:
    return f"{ids.panel}-{step}"


def error(field: str) -> html.Div:
    """The slot where the messages about ``field`` appear, right under it."""
    return html.Div(id={"type": ids.error, "field": field}, className="text-danger small mt-1")


def _field(label: str, component: Any, field: str, help_text: str | None = None) -> dbc.Col:
    parts = [dbc.Label(label, html_for=getattr(component, "id", None)), component]
    if help_text:
        parts.append(dbc.FormText(help_text))
    parts.append(error(field))
    return dbc.Col(parts, md=4, class_name="mb-3")


def _number(component_id: str, value: Any, **kwargs: Any) -> dbc.Input:
    return dbc.Input(id=component_id, type="number", value=value, **kwargs)


def _upload_limit() -> int:
    try:
        return max_upload_bytes()
    except ValueError:
        return DEFAULT_MAX_UPLOAD_MB * 1024 * 1024  # the server refuses the bad setting itself


def _data_panel(form: dict[str, Any]) -> list[Any]:
    limit = _upload_limit()
    limit_mb = limit / (1024 * 1024)
    builtin_options = [
        {"label": f"{info.label} — {info.task}, {info.n_rows} rows, {info.n_features} features",
         "value": info.name}
        for info in BUILTIN_DATASETS.values()
    ]
    return [
        dbc.RadioItems(
            id=ids.source, value=form["source"], inline=True, class_name="mb-2",
            options=[{"label": "Built-in dataset", "value": "builtin"},
                     {"label": "Upload CSV or Parquet", "value": "upload"}],
        ),
        dbc.Row([
            dbc.Col([
                dbc.Label("Built-in dataset", html_for=ids.builtin),
                dbc.Select(id=ids.builtin, options=builtin_options, value=form["builtin"]),
            ], id=ids.builtin_box, md=6, class_name="mb-2"),
            dbc.Col([
                dbc.Label("File"),
                dcc.Upload(
                    id=ids.upload,
                    children=html.Div([f"Drop a CSV or Parquet file here (up to {limit_mb:g} "
                                       "MB), or ", html.A("choose one")]),
                    className="border rounded p-2 text-center",
                    multiple=False,
                    max_size=limit,
                ),
                html.Div(id=ids.upload_status, className="small mt-1"),
                html.Div([
                    dbc.Label("Version of this dataset", html_for=ids.upload_version,
                              class_name="small mb-0"),
                    dbc.Select(id=ids.upload_version, options=[], size="sm"),
                ], id=ids.upload_versions, className="mt-1", style=HIDDEN),
            ], id=ids.upload_box, md=6, class_name="mb-2", style=HIDDEN),
        ]),
        error("dataset"),
        html.Div(id=ids.dataset_status, className="small text-muted mb-2"),
        dbc.Row([
            _field("Target (the column to predict)",
                   dbc.Select(id=ids.target, options=[{"label": "target", "value": "target"}],
                              value=form["target"]), "target"),
            _field("Task", dbc.RadioItems(
                id=ids.task, value=form["task"],
                options=[{"label": "Inferred from the target", "value": "auto"},
                         {"label": "Classification", "value": "classification"},
                         {"label": "Regression", "value": "regression"}],
            ), "task"),
        ]),
        html.Div(id=ids.task_notes, className="small mb-2"),
        html.Div(id=ids.metric_notes, className="small mb-2"),
        html.H6("First rows"),
        html.Div(id=ids.preview, className="mb-2"),
    ]


def _features_panel() -> list[Any]:
    return [
        html.P("Switch off the columns that should not be features. The suggested exclusions "
               "(id-like, constant, ...) start switched off. A transform left on 'default' "
               "follows the model: numbers standardised where the model needs it, categories "
               "one-hot encoded.", className="text-muted small"),
        error("features"),
        html.Div(id=ids.features),
        feature_advice_panel(),
    ]


def _models_panel(form: dict[str, Any]) -> list[Any]:
    rows = []
    for model in list_models():
        presets = [{"label": name, "value": name} for name in model.presets]
        notes = [", ".join(sorted(model.tasks))]
        notes.append("GPU or CPU" if model.gpu_capable else "CPU only")
        rows.append(dbc.Row([
            dbc.Col(dbc.Checkbox(id={"type": ids.model_use, "model": model.name},
                                 label=model.label, value=model.name in form["models"]), md=4),
            dbc.Col(html.Span(" · ".join(notes), className="text-muted small"), md=4),
            dbc.Col([
                dbc.Select(id={"type": ids.preset, "model": model.name}, options=presets,
                           value=form["presets"].get(model.name, "default"), size="sm"),
                error(f"preset.{model.name}"),
            ], md=4),
        ], class_name="mb-1 align-items-center"))
    return [
        html.P("Choose one model, or several to compare them: each model becomes its own run, "
               "and the runs are grouped so the best model can be picked.",
               className="text-muted small"),
        error("models"),
        *rows,
        dbc.Alert("LightGBM trains on the CPU only here; for GPU trials choose XGBoost or the "
                  "neural network and give each trial a GPU share in the budget step.",
                  color="light", class_name="small mt-2 py-2"),
    ]


def _space_panel() -> list[Any]:
    return [
        html.P("The preset's ranges. Edit type, low, high, log, step, choices (comma separated)"
               " or the condition (parent: values; e.g. kernel: rbf) of any parameter.",
               className="text-muted small"),
        html.Div([
            dbc.Button("Reset to preset", id=ids.space_reset, color="secondary", size="sm",
                       class_name="me-2"),
            html.Span(id=ids.space_status, className="small text-muted"),
        ], className="mb-2"),
        html.Div(id=ids.space),
        *suggest_controls(),
    ]


def _split_panel(form: dict[str, Any]) -> list[Any]:
    return [
        dbc.Row([
            _field("Split method", dbc.Select(
                id=ids.split_method, value=form["split_method"],
                options=[{"label": m, "value": m} for m in SPLIT_METHODS]), "split_method",
                "A hold-out test set is always kept apart; this splits the rest for search."),
            _field("Folds", _number(ids.folds, form["folds"], step=1), "folds"),
            _field("Test size (fraction)", _number(ids.test_size, form["test_size"], step=0.05),
                   "test_size"),
        ]),
        dbc.Row([
            _field("Seed", _number(ids.split_seed, form["split_seed"], step=1), "split_seed"),
            _field("Group column (group_kfold)", dbc.Select(id=ids.group, options=[],
                                                            value=None), "group"),
            _field("Shuffle", dbc.Checkbox(id=ids.shuffle, label="Shuffle before splitting",
                                           value=form["shuffle"]), "shuffle"),
        ]),
        dbc.Label("Metrics (the first is optimised; several = multi-objective)"),
        dbc.Checklist(id=ids.metrics, options=[], value=form["metrics"]),
        html.Div(id=ids.directions, className="small text-muted"),
        error("metrics"),
    ]


def _budget_panel(form: dict[str, Any]) -> list[Any]:
    return [
        dbc.Row([
            _field("Trials", _number(ids.n_trials, form["n_trials"], step=1), "n_trials"),
            _field("Timeout (seconds, empty: none)", _number(ids.timeout_s, form["timeout_s"]),
                   "timeout_s"),
            _field("Trials at once", _number(ids.max_concurrent, form["max_concurrent"], step=1),
                   "max_concurrent"),
        ]),
        dbc.Row([
            _field("Sampler", dbc.Select(
                id=ids.sampler, value=form["sampler"],
                options=[{"label": SAMPLER_LABELS.get(s, s), "value": s} for s in SAMPLERS]),
                "sampler"),
            _field("Sampler seed (empty: random)", _number(ids.sampler_seed, None, step=1),
                   "sampler_seed"),
            _field("Pruner", dbc.RadioItems(
                id=ids.pruner, value=form["pruner"], inline=True,
                options=[{"label": "ASHA", "value": "asha"}, {"label": "Median", "value": "median"},
                         {"label": "None", "value": "none"}]), "pruner"),
        ]),
        dbc.Row([
            _field("Grace period (steps)", _number(ids.grace_period, form["grace_period"],
                                                   step=1), "grace_period"),
            _field("Reduction factor (ASHA)", _number(ids.reduction_factor,
                                                      form["reduction_factor"], step=1),
                   "reduction_factor"),
            _field("Minimum trials before pruning (median)",
                   _number(ids.min_samples_required, form["min_samples_required"], step=1),
                   "min_samples_required"),
        ]),
        dbc.Row([
            _field("CPUs per trial", _number(ids.cpu, form["cpu"], step=1), "cpu"),
            _field("GPU share per trial", _number(ids.gpu, form["gpu"], step=0.25), "gpu",
                   "0.5 puts two trials on one GPU."),
            _field("Failed trials allowed", _number(ids.max_failures, form["max_failures"],
                                                    step=1), "max_failures"),
        ]),
        html.Div(id=ids.resources, className="small text-muted mb-2"),
        *_tracking_rows(form),
        dbc.Checkbox(id=ids.quick, value=form["quick"],
                     label="Quick mode (at most 20 trials, aggressive pruning, a stratified "
                           "sample of 2,000 rows: a first look)"),
        error("quick"),
    ]


def _tracking_rows(form: dict[str, Any]) -> list[Any]:
    """Optional trackers: the run as a parent MLflow run / a W&B group, a child per trial."""
    hint = tracking_placeholders()
    return [
        html.H6("Log to a tracker (optional)", className="mt-2"),
        dbc.Row([
            _field("MLflow tracking URI", dbc.Input(
                id=ids.mlflow_uri, value=form["mlflow_uri"], placeholder=hint["mlflow_uri"],
                maxLength=4096), "mlflow_uri", "Empty with no experiment: no MLflow."),
            _field("MLflow experiment", dbc.Input(
                id=ids.mlflow_experiment, value=form["mlflow_experiment"],
                placeholder=hint["mlflow_experiment"], maxLength=500), "mlflow_experiment"),
        ]),
        dbc.Row([
            _field("W&B mode", dbc.Select(
                id=ids.wandb_mode, value=form["wandb_mode"],
                options=[{"label": "No W&B", "value": ""}]
                + [{"label": mode.capitalize(), "value": mode} for mode in WANDB_MODES]),
                "wandb_mode", "Offline writes the W&B files in the run's folder."),
            _field("W&B project", dbc.Input(
                id=ids.wandb_project, value=form["wandb_project"],
                placeholder=hint["wandb_project"], maxLength=128), "wandb_project"),
        ]),
    ]


def _review_panel(form: dict[str, Any]) -> list[Any]:
    return [
        dbc.Row([_field("Run name (empty: from the dataset)",
                        dbc.Input(id=ids.name, value=form["name"], maxLength=160), "name")]),
        html.Div(id=ids.estimate, className="mb-2"),
        html.Div([html.H6("Spec", className="d-inline me-2"),
                  dcc.Clipboard(target_id=ids.yaml, id=ids.copy, title="Copy the spec",
                                className="d-inline")]),
        html.Pre(id=ids.yaml, className="border rounded p-2 bg-light small",
                 style={"maxHeight": "28rem", "overflow": "auto"}),
        error("general"),
        *similar_review_controls(),
        dbc.Button("Launch", id=ids.launch, color="success"),
    ]


def layout_body() -> list[Any]:
    form = default_form()
    form["models"] = [DEFAULT_MODEL]
    panels = [
        _data_panel(form), _features_panel(), _models_panel(form), _space_panel(),
        _split_panel(form), _budget_panel(form), _review_panel(form),
    ]
    return [
        _draft_notice(),
        html.Div(f"Step 1 of {len(STEPS)}: {STEPS[0]}", id=ids.progress, className="mb-3"),
        html.Div(id=ids.feedback),
        *[
            dbc.Card(
                [dbc.CardHeader(f"{step}. {title}"), dbc.CardBody(body)],
                id=panel_id(step), class_name="mb-3", style=None if step == 1 else HIDDEN,
            )
            for step, (title, body) in enumerate(zip(STEPS, panels, strict=True), start=1)
        ],
        html.Div([
            dbc.Button("Back", id=ids.back, color="secondary", class_name="me-2", disabled=True),
            dbc.Button("Next", id=ids.next, color="primary", class_name="me-2"),
            dbc.Button("Start over", id=ids.start_over, color="link", class_name="float-end",
                       title="Back to a fresh wizard: every field to its default, the draft "
                             "cleared"),
        ], className="mb-4"),
    ]


def _draft_notice() -> html.Div:
    """The offer to resume the draft saved in this browser (text and shown by ``restore``)."""
    return html.Div(dbc.Alert([
        html.Span(id=ids.draft_notice_text, className="me-2"),
        dbc.Button("Resume it", id=ids.resume, color="primary", size="sm", class_name="me-2"),
        dbc.Button("Discard", id=ids.discard, color="secondary", size="sm", outline=True),
    ], color="info", class_name="py-2"), id=ids.draft_notice, style=HIDDEN)
