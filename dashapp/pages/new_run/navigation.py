"""The wizard's Back / Next / Launch.

Next checks the whole form with the spec's own validation and moves on only when the steps up
to the current one are clean; the messages go next to their fields. Launch checks everything
again on the server, creates the run(s) and submits them. Back and Next save the form as the
browser's draft for this experiment (not while an earlier draft waits for the person's choice);
Launch drops the draft and hands the browser the address to go to (``clientside.py``).
"""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State, ctx

from dashapp import access as access_rules
from dashapp import components, guard, services
from dashapp.guard import Access
from dashapp.pages.new_run import tables
from dashapp.pages.new_run.context import EDITOR, EXPERIMENT, capacity, resolve_choice
from dashapp.pages.new_run.drafts import draft_form, save_draft
from dashapp.pages.new_run.form_fields import clamp_step, form_states, read_form
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.messages import error_children, unplaced_messages
from dashapp.pages.new_run.wizard import data as wizard_data
from dashapp.pages.new_run.wizard.estimate import estimate_launch
from dashapp.pages.new_run.wizard.feature_rows import feature_rows, merge_feature_rows
from dashapp.pages.new_run.wizard.form import (
    DatasetRef,
    chosen_models,
    merge_space_rows,
)
from dashapp.pages.new_run.wizard.launch import find_near_duplicates, launch_runs
from dashapp.pages.new_run.wizard.steps import LAST_STEP, Check, check_form
from dashapp.paths import app_path
from optunagui.datasets import DatasetError, column_summary
from optunagui.spec.io import dump_spec

__all__ = ["navigate", "register_navigation"]


def _refresh_tables(form: dict[str, Any], dataset_ref: DatasetRef | None) -> None:
    """Rebuild the features rows when the data's columns changed, and the space rows for the
    chosen models and presets (keeping what was edited)."""
    if dataset_ref is not None:
        try:
            loaded = wizard_data.load_cached(dataset_ref.spec)
        except (DatasetError, KeyError, TypeError, ValueError):
            loaded = None
        if loaded is not None:
            fresh = feature_rows(column_summary(loaded.frame, loaded.target), loaded.target)
            from_spec = bool(form.pop("features_from_spec", False))
            form["features"] = merge_feature_rows(fresh, form.get("features"),
                                                  unlisted_use=True if from_spec else None)
    models = chosen_models(form)
    presets = {m: (form.get("presets") or {}).get(m, "default") for m in models}
    form["space"] = merge_space_rows(models, presets, form.get("space"),
                                     form.get("space_presets"))
    form["space_presets"] = presets


def _slots(outputs: Any) -> list[dict[str, Any]]:
    """The ids of the message slots, as the browser listed them."""
    listed = outputs.get("errors") if isinstance(outputs, dict) else None
    if not isinstance(listed, list):
        return []
    return [o["id"] for o in listed if isinstance(o, dict) and isinstance(o.get("id"), dict)]


def _tables(form: dict[str, Any], by_field: dict[str, list[str]]) -> dict[str, Any]:
    return {"features": tables.features_table(form["features"], by_field),
            "space": tables.space_table(form["space"], by_field, chosen_models(form))}


def _review(check: Check) -> tuple[Any, Any]:
    """The specs as YAML, and what launching them will do."""
    specs = list(check.specs.values())
    if not specs:
        return "", None
    text = "\n---\n".join(dump_spec(spec) for spec in specs)
    estimate = estimate_launch(specs, capacity())
    lines = [estimate.describe(), *estimate.notes]
    several = len(specs) > 1
    lines += [f"{len(spec.warm_start)} warm-start trials first"
              + (f" ({spec.model})" if several else "") for spec in specs if spec.warm_start]
    color = "info"
    if estimate.problems:
        lines.extend(estimate.problems)
        color = "warning"
    return text, components.message([components.empty_note(line) for line in lines], color,
                                    id="new-run-estimate-text")


def _saved(access: Access, draft: Any, form: dict[str, Any], pending: Any) -> Any:
    """The drafts with this form saved; left alone while an earlier draft waits for the
    person's choice (resume or discard)."""
    return dash.no_update if pending else save_draft(draft, access.experiment_id, form)


def _step_back(access: Access, draft: Any, form: dict[str, Any], step: int,
               slots: list[dict[str, Any]], pending: Any) -> dict[str, Any]:
    form["step"] = max(1, step - 1)
    return {"step": form["step"], "draft": _saved(access, draft, form, pending),
            "errors": error_children(slots, {}), **_tables(form, {}),
            "yaml": dash.no_update, "estimate": dash.no_update, "feedback": None,
            "launched": dash.no_update, "launch_disabled": False}


def _launch(access: Access, draft: Any, check: Check, dataset_ref: DatasetRef | None,
            slots: list[dict[str, Any]], step: int) -> dict[str, Any]:
    """Creates and submits the checked runs; the browser drops the draft and goes to the run
    (or the group)."""
    experiment = access.experiment_id
    yaml_text, estimate = _review(check)
    principal = access.principal
    duplicates = find_near_duplicates(
        services.database(), check.specs, user_id=principal.user_id,
        may_read_run=lambda run_id: access_rules.may_read_run(principal, run_id))
    if duplicates:  # a click before the review's panel held Launch back
        note = components.message(
            [components.empty_note(d.message) for d in duplicates]
            + [components.empty_note("Open it, or press Launch anyway.")], "warning")
        return {"step": step, "draft": dash.no_update, "errors": error_children(slots, {}),
                "features": dash.no_update, "space": dash.no_update, "yaml": yaml_text,
                "estimate": estimate, "feedback": note, "launched": dash.no_update,
                "launch_disabled": True}
    result = launch_runs(
        services.database(), services.state().settings, experiment, check.specs,
        created_by=access.principal.user_id,
        dataset_version_id=dataset_ref.version_id if dataset_ref else None,
    )
    # Tables unchanged: the page is about to go, and nothing may save the draft again.
    href = app_path(result.target_url or f"/experiments/{experiment}")
    return {"step": step, "draft": save_draft(draft, experiment, None),
            "errors": error_children(slots, {}), "features": dash.no_update,
            "space": dash.no_update, "yaml": yaml_text, "estimate": estimate,
            "feedback": components.message("Launched.", "success"),
            "launched": {"href": href, "experiment": experiment},
            "launch_disabled": True}


def _problems_note(bad_step: int, unplaced: list[str]) -> Any:
    texts = [f"Step {bad_step} needs a change before going on."] + unplaced
    return components.message([components.empty_note(t) for t in texts], "danger",
                              id="new-run-problems")


def navigate(access: Access, back: Any, forward: Any, launch: Any, experiment_id: Any,
             draft: Any, step: Any, pending: Any = None, **values: Any) -> dict[str, Any]:
    """Back, Next or Launch: the new step, the saved draft, and the messages by field."""
    trigger = ctx.triggered_id
    step = clamp_step(step)
    form = read_form(draft_form(draft, access.experiment_id), values)
    slots = _slots(ctx.outputs_grouping)
    dataset_ref = resolve_choice(access, form)
    _refresh_tables(form, dataset_ref)
    if trigger == ids.back:
        return _step_back(access, draft, form, step, slots, pending)
    check = check_form(form, dataset_ref, wizard_data.load_cached)
    upto = LAST_STEP if trigger == ids.launch else step
    bad_step = check.first_step_with_problems(upto)
    by_field = check.by_field(upto)
    if bad_step is not None:
        new_step = bad_step
    elif trigger == ids.next:
        new_step = min(step + 1, LAST_STEP)
    else:
        new_step = LAST_STEP
    if trigger == ids.launch and bad_step is None and check.specs:
        return _launch(access, draft, check, dataset_ref, slots, new_step)
    form["step"] = new_step
    feedback = None
    if bad_step is not None:
        slot_names = {str(slot.get("field")) for slot in slots}
        unplaced = unplaced_messages(by_field, slot_names, tables.table_fields(form))
        feedback = _problems_note(bad_step, unplaced)
    yaml_text, estimate = ("", None)
    if bad_step is None and new_step == LAST_STEP:
        yaml_text, estimate = _review(check)
    return {"step": new_step, "draft": _saved(access, draft, form, pending),
            "errors": error_children(slots, by_field), **_tables(form, by_field),
            "yaml": yaml_text, "estimate": estimate, "feedback": feedback,
            "launched": dash.no_update, "launch_disabled": False}


def register_navigation(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=EDITOR,
        output={
            "step": Output(ids.step, "data", allow_duplicate=True),
            "draft": Output(ids.draft, "data", allow_duplicate=True),
            "errors": Output({"type": ids.error, "field": ALL}, "children"),
            "features": Output(ids.features, "children", allow_duplicate=True),
            "space": Output(ids.space, "children", allow_duplicate=True),
            "yaml": Output(ids.yaml, "children"),
            "estimate": Output(ids.estimate, "children"),
            "feedback": Output(ids.feedback, "children", allow_duplicate=True),
            "launched": Output(ids.launched, "data"),
            "launch_disabled": Output(ids.launch, "disabled"),
        },
        inputs={
            "back": Input(ids.back, "n_clicks"),
            "forward": Input(ids.next, "n_clicks"),
            "launch": Input(ids.launch, "n_clicks"),
        },
        state={
            "experiment_id": EXPERIMENT,
            "draft": State(ids.draft, "data"),
            "step": State(ids.step, "data"),
            "pending": State(ids.pending, "data"),
            **form_states(),
        },
        prevent_initial_call=True,
    )(navigate)
