"""The features step's "Columns worth dropping": when the draft's dataset (built-in with its
options, or uploaded file with its version, and target) is the one an earlier run of a
built-in model in this experiment used, the panel shows. "Check earlier runs' features" starts
the experiment's feature recommendations (``optunagui.analysis.recommend_for_experiment``) in
the app's feature-selection jobs, or reads the finished outcome the experiment page and the
REST API share (``dashapp.feature_jobs``); the panel polls until it is done, then lists the
flagged columns with their evidence. "Switch these off" unticks those columns in the features
table; the browser saves the draft as after any edit. Checked like every wizard callback: an
editor (or owner) of the experiment in the URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash
from dash import Input, Output, State

from dashapp import access as access_rules
from dashapp import components, feature_jobs, guard, services
from dashapp.components import HIDDEN
from dashapp.guard import Access
from dashapp.pages.new_run import tables
from dashapp.pages.new_run.context import EDITOR, EXPERIMENT, resolve_choice
from dashapp.pages.new_run.drafts import draft_form
from dashapp.pages.new_run.feature_advice_view import advice_lines, feature_advice_ids
from dashapp.pages.new_run.form_fields import form_states, read_form
from dashapp.pages.new_run.ids import ids
from optunagui.analysis import ExperimentFeatureAdvice, FeatureSelectionError, list_runs_to_check
from optunagui.analysis.feature_evidence import read_spec
from optunagui.spec.model import DatasetSpec

__all__ = ["register_feature_advice_step", "runs_on_draft_dataset", "show_step_feature_advice",
           "switch_off_flagged"]

_NOTHING = (HIDDEN, None, True, HIDDEN)


def _key(source: DatasetSpec) -> tuple[Any, ...]:
    return (source.builtin, source.path, source.target, source.version,
            tuple(sorted(source.options.items())))


def _draft_key(access: Access, form: Mapping[str, Any]) -> tuple[Any, ...] | None:
    ref = resolve_choice(access, form)
    if ref is None:
        return None
    try:
        return _key(DatasetSpec.model_validate(ref.spec))
    except ValueError:
        return None


def runs_on_draft_dataset(access: Access, form: Mapping[str, Any]) -> set[int]:
    """Ids of the experiment's checkable runs (built-in model, a complete trial) the caller may
    read whose dataset is the draft's."""
    wanted = _draft_key(access, form)
    if wanted is None or access.experiment_id is None:
        return set()
    with services.database().session() as session:
        runs, _left_out = list_runs_to_check(session, access.experiment_id)
    found = set()
    for run in runs:
        try:
            same = _key(read_spec(run.spec).data) == wanted
        except FeatureSelectionError:
            continue
        if same and access_rules.may_read_run(access.principal, run.run_id):
            found.add(run.run_id)
    return found


def _columns(form: Mapping[str, Any]) -> list[str]:
    return [str(r.get("column")) for r in form.get("features") or [] if isinstance(r, Mapping)]


def _drop(advice: ExperimentFeatureAdvice, runs: set[int], form: Mapping[str, Any]
          ) -> list[str] | None:
    """The flagged columns the draft's table holds, or None when the advice is another
    dataset's (most of the experiment's runs use another one)."""
    if not set(advice.runs) <= runs:
        return None
    columns = _columns(form)
    return [c for c in advice.drop if c in columns]


def show_step_feature_advice(access: Access, step: Any, clicks: Any, tick: Any,
                             experiment_id: Any, draft: Any, **values: Any
                             ) -> tuple[Any, Any, bool, Any]:
    """The panel's style, what it says, whether polling stops, the "Switch these off" row."""
    assert access.experiment_id is not None
    form = read_form(draft_form(draft, access.experiment_id), values)
    runs = runs_on_draft_dataset(access, form)
    if not runs:
        return _NOTHING
    if dash.ctx.triggered_id == feature_advice_ids.start and clicks:
        view = feature_jobs.start_experiment(access.experiment_id)
    else:
        view = feature_jobs.experiment_view(access.experiment_id)
    if view.status == "none":
        return {}, None, True, HIDDEN
    if view.status in ("running", "busy"):
        return {}, components.message(view.message or "Refitting earlier runs' best trials…",
                                      "info"), False, HIDDEN
    if view.status == "failed":
        return {}, components.message(str(view.message), "warning"), True, HIDDEN
    advice: ExperimentFeatureAdvice = view.result
    drop = _drop(advice, runs, form)
    if drop is None:
        return {}, components.message(
            f"The experiment's recommendation comes from its runs on dataset {advice.dataset}, "
            "not on this draft's data.", "secondary"), True, HIDDEN
    return {}, advice_lines(advice, _columns(form)), True, {} if drop else HIDDEN


def switch_off_flagged(access: Access, clicks: Any, experiment_id: Any, draft: Any,
                       **values: Any) -> tuple[Any, Any]:
    """The features table with the finished recommendation's flagged columns unticked."""
    if not clicks:
        return dash.no_update, dash.no_update
    assert access.experiment_id is not None
    form = read_form(draft_form(draft, access.experiment_id), values)
    view = feature_jobs.experiment_view(access.experiment_id)
    runs = runs_on_draft_dataset(access, form)
    drop = _drop(view.result, runs, form) if view.status == "done" and runs else None
    if not drop:
        return dash.no_update, "Nothing to switch off: check earlier runs' features again."
    rows = [{**row, "use": False} if row.get("column") in drop else row
            for row in form.get("features") or []]
    return tables.features_table(rows, {}), f"Switched off {', '.join(drop)}."


def register_feature_advice_step(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=EDITOR,
        output=[Output(feature_advice_ids.panel, "style"),
                Output(feature_advice_ids.result, "children"),
                Output(feature_advice_ids.poll, "disabled"),
                Output(f"{feature_advice_ids.switch_off}-row", "style")],
        inputs={"step": Input(ids.step, "data"),
                "clicks": Input(feature_advice_ids.start, "n_clicks"),
                "tick": Input(feature_advice_ids.poll, "n_intervals")},
        state={"experiment_id": EXPERIMENT, "draft": State(ids.draft, "data"), **form_states()},
        prevent_initial_call=True,
    )(show_step_feature_advice)
    guard.guarded_callback(
        app,
        requires=EDITOR,
        output=[Output(ids.features, "children", allow_duplicate=True),
                Output(feature_advice_ids.status, "children")],
        inputs={"clicks": Input(feature_advice_ids.switch_off, "n_clicks")},
        state={"experiment_id": EXPERIMENT, "draft": State(ids.draft, "data"), **form_states()},
        prevent_initial_call=True,
    )(switch_off_flagged)
