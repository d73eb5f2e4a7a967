"""The wizard's Back / Next / Launch and its restore on page load.

Next checks the whole form with the spec's own validation and moves on only when the steps up
to the current one are clean; the messages go next to their fields. Launch checks everything
again on the server, creates the run(s) and submits them. Both save the form as the browser's
draft for this experiment, and the restore callback puts a draft (or a cloned run's spec)
back into the components after a reload.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dash
from dash import ALL, Input, Output, State, ctx, html

from dashapp import components, guard, services
from dashapp.guard import Access
from dashapp.pages.new_run import render
from dashapp.pages.new_run.form_view import (
    draft_form,
    field_outputs,
    field_values,
    form_states,
    read_form,
    save_draft,
)
from dashapp.pages.new_run.ids import SPACE_ATTRS, ids
from dashapp.pages.new_run.wizard import data as wizard_data
from dashapp.pages.new_run.wizard.estimate import estimate_launch, local_capacity
from dashapp.pages.new_run.wizard.form import (
    chosen_models,
    default_form,
    feature_rows,
    merge_feature_rows,
    merge_space_rows,
    spec_to_form,
)
from dashapp.pages.new_run.wizard.launch import launch_runs
from dashapp.pages.new_run.wizard.prefill import (
    Prefill,
    apply_prefill,
    decode_prefill,
    describe_changes,
)
from dashapp.pages.new_run.wizard.steps import LAST_STEP, Check, check_form
from dashapp.permissions import Role, effective_role, parse_id
from optunagui.store import get_dataset_version, get_run

__all__ = ["register_navigation"]


def _clamp_step(step: Any) -> int:
    return step if isinstance(step, int) and 1 <= step <= LAST_STEP else 1


def _refresh_tables(form: dict[str, Any], dataset_ref: Any) -> None:
    """Rebuild the features rows when the data's columns changed, and the space rows for the
    chosen models and presets (keeping what was edited)."""
    from optunagui.datasets import DatasetError, column_summary

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


def _slots(outputs_list: Any) -> list[dict[str, Any]]:
    """The ids of the message slots, as the browser listed them."""
    listed = outputs_list[2] if isinstance(outputs_list, list) and len(outputs_list) > 2 else []
    if not isinstance(listed, list):
        return []
    return [o["id"] for o in listed if isinstance(o, dict) and isinstance(o.get("id"), dict)]


def _no_updates(outputs_list: Any) -> list[Any]:
    """``no_update`` for each output (a list of them for a wildcard output)."""
    return [[dash.no_update] * len(o) if isinstance(o, list) else dash.no_update
            for o in outputs_list or []]


def _table_fields(form: dict[str, Any]) -> set[str]:
    fields = {f"features.{r.get('column')}" for r in form.get("features") or []}
    for row in form.get("space") or []:
        prefix = f"space.{row.get('model')}.{row.get('name')}"
        fields.add(f"space.{row.get('model')}")
        fields.add(prefix)
        fields.update(f"{prefix}.{attr}" for attr in SPACE_ATTRS)
    return fields


def _review(check: Check) -> tuple[Any, Any]:
    import os

    from optunagui.spec.io import dump_spec

    specs = list(check.specs.values())
    if not specs:
        return "", None
    text = "\n---\n".join(dump_spec(spec) for spec in specs)
    capacity = local_capacity(os.cpu_count(), services.state().settings.ray_address)
    estimate = estimate_launch(specs, capacity)
    lines = [estimate.describe(), *estimate.notes]
    color = "info"
    if estimate.problems:
        lines.extend(estimate.problems)
        color = "warning"
    return text, components.message([components.empty_note(line) for line in lines], color,
                                    id="new-run-estimate-text")


def _principal_can_read(access: Access, experiment_id: int) -> bool:
    if experiment_id == access.experiment_id:
        return True
    member_role = services.experiment_member_role(access.principal, experiment_id)
    if member_role is services.NO_EXPERIMENT:
        return False
    return effective_role(access.principal, experiment_id, member_role) is not None


@dataclass(frozen=True)
class ClonedForm:
    """A cloned run's form, what the link's changes did to it, and what could not be done."""

    form: dict[str, Any]
    changes: list[str]
    notes: list[str]


def _clone_form(access: Access, run_id: int, prefill: Prefill | None = None) -> ClonedForm | None:
    """The form of an earlier run the user may read, with the link's changes applied, or None."""
    with services.database().session() as session:
        run = get_run(session, run_id)
        if run is None:
            return None
        experiment_id, spec, version_id = run.experiment_id, dict(run.spec), run.dataset_version_id
        upload = None
        if version_id is not None:
            version = get_dataset_version(session, version_id)
            if version is not None:
                upload = {"version_id": version.id, "name": version.name,
                          "filename": version.original_filename or version.name,
                          "n_rows": version.n_rows, "n_columns": version.n_columns}
    if not _principal_can_read(access, experiment_id):
        return None
    prefill = prefill or Prefill()
    changed, notes = apply_prefill(spec, prefill)
    try:
        form = spec_to_form(changed, upload=upload)
    except (ValueError, TypeError, KeyError, AttributeError):
        if prefill.empty:
            return None
        try:  # the changes do not fit this run: clone it as it was and say so
            form = spec_to_form(spec, upload=upload)
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
        changed = spec
        notes.append("the link's changes do not fit this run and were left out")
    form["name"] = f"{form.get('name') or 'run'} (copy)"[:160]
    form["space_presets"] = dict(form["presets"])
    form["cloned_from"] = run_id
    form["prefill_key"] = prefill.key()
    return ClonedForm(form, describe_changes(spec, changed), notes)


def _clone_feedback(clone_id: int, cloned: ClonedForm | None) -> Any:
    if cloned is None:
        return components.message("That run does not exist, or you have no access to it; "
                                  "starting from a fresh wizard.", "warning")
    if cloned.changes:
        text = (f"Pre-filled from run {clone_id} with the advice applied: "
                f"{'; '.join(cloned.changes)}. Change what you need and launch.")
    else:
        text = f"Pre-filled from run {clone_id}: change what you need and launch."
    if not cloned.notes:
        return components.message(text, "info", id="new-run-prefill-text")
    body = [html.P(text, className="mb-1"), html.P("Not applied:", className="mb-0"),
            html.Ul([html.Li(note) for note in cloned.notes], className="mb-0")]
    return components.message(body, "warning", id="new-run-prefill-text")


def _with_version(access: Access, form: dict[str, Any], version: str,
                  link_key: str) -> tuple[dict[str, Any], Any]:
    """The form switched to the dataset version the link names (``?version=``), and the note
    that says which version it reads now, or why it could not."""
    with services.database().session() as session:
        swap = wizard_data.swap_version(session, form, parse_id(version),
                                        user_id=access.principal.user_id,
                                        experiment_id=access.experiment_id)
    swapped = {**swap.form, "prefill_key": link_key}
    color = "info" if swap.applied else "warning"
    return swapped, components.message(swap.text, color, id="new-run-version-text")


def register_navigation(app: dash.Dash) -> None:
    error_slots = Output({"type": ids.error, "field": ALL}, "children")

    @guard.guarded_callback(
        app,
        requires=guard.experiment(Role.editor, "experiment_id"),
        output=[
            Output(ids.step, "data", allow_duplicate=True),
            Output(ids.draft, "data", allow_duplicate=True),
            error_slots,
            Output(ids.features, "children", allow_duplicate=True),
            Output(ids.space, "children", allow_duplicate=True),
            Output(ids.yaml, "children"),
            Output(ids.estimate, "children"),
            Output(ids.feedback, "children", allow_duplicate=True),
            Output(ids.redirect, "href"),
            Output(ids.launch, "disabled"),
        ],
        inputs={
            "back": Input(ids.back, "n_clicks"),
            "forward": Input(ids.next, "n_clicks"),
            "launch": Input(ids.launch, "n_clicks"),
        },
        state={
            "experiment_id": State(ids.experiment, "data"),
            "draft": State(ids.draft, "data"),
            "step": State(ids.step, "data"),
            **form_states(),
        },
        prevent_initial_call=True,
    )
    def navigate(access: Access, back: Any, forward: Any, launch: Any, experiment_id: Any,
                 draft: Any, step: Any, **values: Any) -> Any:
        trigger = ctx.triggered_id
        experiment = access.experiment_id
        step = _clamp_step(step)
        form = read_form(draft_form(draft, experiment), values)
        slots = _slots(ctx.outputs_list)
        user_id = access.principal.user_id
        with services.database().session() as session:
            dataset_ref = wizard_data.resolve_dataset(
                session, form, user_id=user_id, experiment_id=experiment,
                secret=services.state().settings.secret_key)
        _refresh_tables(form, dataset_ref)
        if trigger == ids.back:
            form["step"] = max(1, step - 1)
            return (form["step"], save_draft(draft, experiment, form),
                    render.error_children(slots, {}),
                    render.features_table(form["features"], {}),
                    render.space_table(form["space"], {}, chosen_models(form)),
                    dash.no_update, dash.no_update, None, dash.no_update, False)
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
        form["step"] = new_step
        slot_names = {str(slot.get("field")) for slot in slots}
        unplaced = render.unplaced_messages(by_field, slot_names, _table_fields(form))
        feedback = None
        if bad_step is not None:
            texts = [f"Step {bad_step} needs a change before going on."] + unplaced
            feedback = components.message([components.empty_note(t) for t in texts], "danger",
                                          id="new-run-problems")
        yaml_text, estimate = ("", None)
        if bad_step is None and new_step == LAST_STEP:
            yaml_text, estimate = _review(check)
        tables = (render.features_table(form["features"], by_field),
                  render.space_table(form["space"], by_field, chosen_models(form)))
        if trigger == ids.launch and bad_step is None and check.specs:
            result = launch_runs(
                services.database(), services.state().settings, experiment, check.specs,
                created_by=user_id,
                dataset_version_id=dataset_ref.version_id if dataset_ref else None,
            )
            target = result.target_url or f"/experiments/{experiment}"
            # Tables unchanged: a re-render would make the browser save the draft again.
            return (new_step, save_draft(draft, experiment, None),
                    render.error_children(slots, {}), dash.no_update, dash.no_update,
                    yaml_text, estimate, components.message("Launched.", "success"), target,
                    True)
        return (new_step, save_draft(draft, experiment, form),
                render.error_children(slots, by_field), *tables, yaml_text, estimate,
                feedback, dash.no_update, False)

    @guard.guarded_callback(
        app,
        requires=guard.experiment(Role.editor, "experiment_id"),
        output=[
            *field_outputs(duplicate=False),
            Output(ids.features, "children"),
            Output(ids.space, "children"),
            Output(ids.step, "data"),
            Output(ids.restored, "data"),
            Output(ids.feedback, "children"),
            Output(ids.draft, "data"),
        ],
        inputs={"stamp": Input(ids.draft, "modified_timestamp")},
        state={
            "experiment_id": State(ids.experiment, "data"),
            "draft": State(ids.draft, "data"),
            "restored": State(ids.restored, "data"),
            "clone": State(ids.clone, "data"),
            "prefill": State(ids.prefill, "data"),
            "model_ids": State({"type": ids.model_use, "model": ALL}, "id"),
            "preset_ids": State({"type": ids.preset, "model": ALL}, "id"),
        },
    )
    def restore(access: Access, stamp: Any, experiment_id: Any, draft: Any, restored: Any,
                clone: Any, prefill: Any, model_ids: Any, preset_ids: Any) -> Any:
        if restored:
            raise dash.exceptions.PreventUpdate
        feedback: Any = None
        form = None
        clone_id = parse_id(clone)
        saved = draft_form(draft, access.experiment_id)
        tokens = prefill if isinstance(prefill, dict) else {}
        changes = decode_prefill(tokens.get("drop"), tokens.get("adjust"))
        version = tokens.get("version") if isinstance(tokens.get("version"), str) else None
        link_key = changes.key() + (f";version={version}" if version else "")
        same_link = (saved is not None and saved.get("cloned_from") == clone_id
                     and saved.get("prefill_key", Prefill().key()) == link_key)
        fresh = False
        if clone_id is not None and same_link:
            form, clone_id = saved, None  # a reload after cloning: keep the edits made since
        elif clone_id is not None:
            cloned = _clone_form(access, clone_id, changes)
            form = cloned.form if cloned is not None else None
            feedback = _clone_feedback(clone_id, cloned)
            if form is not None and version:
                form, note = _with_version(access, form, version, link_key)
                feedback = html.Div([feedback, note])
        elif not (isinstance(stamp, int | float) and stamp > 0):
            raise dash.exceptions.PreventUpdate  # the browser's storage has not been read yet
        elif version and not same_link:
            form, feedback = _with_version(access, saved or default_form(), version, link_key)
            fresh = True
        else:
            form = saved
        if form is None:
            unchanged = _no_updates(ctx.outputs_list)
            return (*unchanged[: len(field_outputs()) + 3], True, feedback, dash.no_update)
        form = read_form(form, {})
        models = chosen_models(form)
        new_draft = (save_draft(draft, access.experiment_id, form) if clone_id or fresh
                     else dash.no_update)
        return (
            *field_values(form, model_ids or [], preset_ids or []),
            render.features_table(form["features"], {}),
            render.space_table(form["space"], {}, models),
            _clamp_step(form.get("step")),
            True,
            feedback,
            new_draft,
        )
