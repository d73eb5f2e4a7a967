"""Starting the wizard from an earlier run (``?clone=``), with the link's changes applied
(``drop``, ``adjust``) or another dataset version (``version``), and the note that says what
was done. A run the user may not read gives the same answer as one that does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dash import html

from dashapp import components, services
from dashapp.access import role_on_experiment
from dashapp.guard import Access
from dashapp.pages.new_run.wizard import data as wizard_data
from dashapp.pages.new_run.wizard.form import spec_to_form
from dashapp.pages.new_run.wizard.prefill import Prefill, apply_prefill, describe_changes
from dashapp.permissions import parse_id
from optunagui.store import get_dataset_version, get_run

__all__ = ["ClonedForm", "clone_feedback", "clone_form", "with_version"]


@dataclass(frozen=True)
class ClonedForm:
    """A cloned run's form, what the link's changes did to it, and what could not be done."""

    form: dict[str, Any]
    changes: list[str]
    notes: list[str]


def _may_read(access: Access, experiment_id: int) -> bool:
    if experiment_id == access.experiment_id:
        return True
    return role_on_experiment(access.principal, experiment_id) is not None


def _stored_run(run_id: int) -> tuple[int, dict[str, Any], dict[str, Any] | None] | None:
    """The run's experiment, its spec and the upload it read (None: a built-in dataset)."""
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
    return experiment_id, spec, upload


def clone_form(access: Access, run_id: int, prefill: Prefill | None = None) -> ClonedForm | None:
    """The form of an earlier run the user may read, with the link's changes applied, or None."""
    stored = _stored_run(run_id)
    if stored is None:
        return None
    experiment_id, spec, upload = stored
    if not _may_read(access, experiment_id):
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


def clone_feedback(clone_id: int, cloned: ClonedForm | None) -> Any:
    """What the wizard says about the clone: from which run, what changed, what did not."""
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


def with_version(access: Access, form: dict[str, Any], version: str,
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
