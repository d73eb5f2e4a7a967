"""The search-space step's suggestions from earlier runs: "Suggest from history" checks the
draft as Next does and asks ``optunagui.recommend.suggest_for_spec`` (as the command line and
``POST /api/v1/suggest`` do) for each chosen model, among the runs the person may read;
"Take all" or a parameter's "Take" writes the suggested entries into the space table, which the
browser then saves with the draft like any edit. "Start with the best K configurations of
these runs" asks ``optunagui.recommend.warm_start_for_spec`` for each chosen model (the same
runs) and keeps the configurations in the draft's ``warm_start`` field, which the launched
specs take. Checked like every wizard callback: an editor (or owner) of the experiment in the
URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash
from dash import ALL, Input, Output, State, ctx, html

from dashapp import access as access_rules
from dashapp import guard, services
from dashapp.components import HIDDEN
from dashapp.guard import Access
from dashapp.pages.new_run import tables
from dashapp.pages.new_run.context import EDITOR, EXPERIMENT, resolve_choice
from dashapp.pages.new_run.drafts import draft_form
from dashapp.pages.new_run.form_fields import form_states, read_form
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.suggest_view import suggest_ids, suggestions_panel, warm_start_status
from dashapp.pages.new_run.wizard import data as wizard_data
from dashapp.pages.new_run.wizard.form import chosen_models
from dashapp.pages.new_run.wizard.space_table import space_rows
from dashapp.pages.new_run.wizard.steps import check_form
from optunagui.recommend import Suggestions, suggest_for_spec, suggested_space, warm_start_for_spec
from optunagui.spec import ExperimentSpec, ParamSpec
from optunagui.spec.warm_start import MAX_WARM_START

__all__ = ["register_suggest_step", "suggest_ranges", "take_suggestions", "taken_rows",
           "warm_start_configs"]

_WARM_KEYS = ("warm_start", "warm_start_use", "warm_start_count")


def _suggestions(access: Access, specs: Mapping[str, ExperimentSpec]
                 ) -> list[tuple[str, Suggestions]]:
    principal = access.principal
    found = []
    with services.database().session() as session:
        for model, spec in specs.items():
            found.append((model, suggest_for_spec(
                session, spec, principal.user_id,
                may_read_run=lambda run_id: access_rules.may_read_run(principal, run_id))))
    return found


def _not_ready(text: str) -> tuple[Any, Any, Any, Any]:
    return [html.P(text, className="text-danger small mb-1")], None, HIDDEN, None


def suggest_ranges(access: Access, clicks: Any, experiment_id: Any, draft: Any,
                   **values: Any) -> tuple[Any, Any, Any, Any]:
    """The panel for the draft as it stands, the suggested entries kept for "Take", whether
    "Take all" shows, and the status (cleared)."""
    if not clicks:
        return dash.no_update, dash.no_update, dash.no_update, dash.no_update
    form = read_form(draft_form(draft, access.experiment_id), values)
    if not chosen_models(form):
        return _not_ready("Choose a model first: suggestions are per model.")
    check = check_form(form, resolve_choice(access, form), wizard_data.load_cached)
    if not check.specs:
        first = check.messages[0] if check.messages else None
        where = f" (step {first.step}, {first.field}: {first.message})" if first else ""
        return _not_ready(f"Suggestions need a draft that passes its checks{where}.")
    found = _suggestions(access, check.specs)
    kept = {model: suggested_space(suggestions) for model, suggestions in found}
    any_change = any(kept.values())
    return (suggestions_panel(found),
            {"experiment": access.experiment_id, "models": kept},
            {} if any_change else HIDDEN, None)


def _entries(suggested: Any, experiment_id: int | None) -> dict[tuple[str, str], ParamSpec]:
    """The kept suggestions, read for what they are worth (they come back from the browser)."""
    if not isinstance(suggested, Mapping) or suggested.get("experiment") != experiment_id:
        return {}
    models = suggested.get("models")
    found: dict[tuple[str, str], ParamSpec] = {}
    for model, entries in (models.items() if isinstance(models, Mapping) else ()):
        for name, entry in (entries.items() if isinstance(entries, Mapping) else ()):
            try:
                found[(str(model), str(name))] = ParamSpec.model_validate(entry)
            except ValueError:
                continue
    return found


def taken_rows(rows: list[dict[str, Any]], entries: Mapping[tuple[str, str], ParamSpec]
               ) -> tuple[list[dict[str, Any]], list[str]]:
    """The space table's rows with the entries written over the rows they name (a row the
    table lacks is left out), and the names taken."""
    taken: list[str] = []
    out: list[dict[str, Any]] = []
    for row in rows:
        key = (str(row.get("model")), str(row.get("name")))
        if key in entries:
            out.extend(space_rows(key[0], {key[1]: entries[key]}))
            taken.append(key[1])
        else:
            out.append(row)
    return out, taken


def take_suggestions(access: Access, take_all: Any, take: Any, experiment_id: Any, draft: Any,
                     suggested: Any, **values: Any) -> tuple[Any, Any]:
    """The space table with all the suggestions, or the clicked one, taken; and what was."""
    clicked = ctx.triggered[0].get("value") if ctx.triggered else None
    if not clicked:
        return dash.no_update, dash.no_update
    entries = _entries(suggested, access.experiment_id)
    trigger = ctx.triggered_id
    if isinstance(trigger, Mapping):
        wanted = str(trigger.get("row"))
        entries = {k: v for k, v in entries.items() if tables.space_row_key(*k) == wanted}
    form = read_form(draft_form(draft, access.experiment_id), values)
    rows, taken = taken_rows(list(form.get("space") or []), entries)
    if not taken:
        return dash.no_update, "Nothing to take: ask for suggestions again."
    table = tables.space_table(rows, {}, chosen_models(form))
    return table, f"Took the suggestion for {', '.join(taken)}."


def _warm_count(count: Any) -> int | None:
    if isinstance(count, bool) or not isinstance(count, int | float) or count != int(count):
        return None
    return int(count) if 1 <= count <= MAX_WARM_START else None


def warm_start_configs(access: Access, use: Any, count: Any, experiment_id: Any, draft: Any,
                       **values: Any) -> tuple[Any, Any]:
    """The draft's warm start ({model: configurations}) and what it says: checked, the best
    ``count`` configurations per chosen model of the runs the person may read; unchecked,
    none."""
    if not use:
        return {}, None
    k = _warm_count(count)
    if k is None:
        return dash.no_update, _not_ready(f"Give a whole number of configurations from 1 to "
                                          f"{MAX_WARM_START}.")[0]
    form = read_form(draft_form(draft, access.experiment_id), values)
    form.update(warm_start={}, warm_start_use=False)  # the draft as it is, without them
    if not chosen_models(form):
        return {}, _not_ready("Choose a model first: configurations are per model.")[0]
    check = check_form(form, resolve_choice(access, form), wizard_data.load_cached)
    if not check.specs:
        first = check.messages[0] if check.messages else None
        where = f" (step {first.step}, {first.field}: {first.message})" if first else ""
        return {}, _not_ready(f"A warm start needs a draft that passes its checks{where}.")[0]
    principal = access.principal
    with services.database().session() as session:
        found = {model: warm_start_for_spec(
            session, spec, principal.user_id, k=k,
            may_read_run=lambda run_id: access_rules.may_read_run(principal, run_id))
            for model, spec in check.specs.items()}
    return ({model: warm.params() for model, warm in found.items() if warm.configs},
            warm_start_status(found))


def register_suggest_step(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=EDITOR,
        output=[
            Output(suggest_ids.panel, "children"),
            Output(suggest_ids.store, "data"),
            Output(suggest_ids.take_all, "style"),
            Output(suggest_ids.status, "children"),
        ],
        inputs={"clicks": Input(suggest_ids.button, "n_clicks")},
        state={"experiment_id": EXPERIMENT, "draft": State(ids.draft, "data"), **form_states()},
        prevent_initial_call=True,
    )(suggest_ranges)
    guard.guarded_callback(
        app,
        requires=EDITOR,
        output=[
            Output(ids.space, "children", allow_duplicate=True),
            Output(suggest_ids.status, "children", allow_duplicate=True),
        ],
        inputs={"take_all": Input(suggest_ids.take_all, "n_clicks"),
                "take": Input({"type": suggest_ids.take, "row": ALL}, "n_clicks")},
        state={"experiment_id": EXPERIMENT, "draft": State(ids.draft, "data"),
               "suggested": State(suggest_ids.store, "data"), **form_states()},
        prevent_initial_call=True,
    )(take_suggestions)
    guard.guarded_callback(
        app,
        requires=EDITOR,
        output=[Output(ids.warm_start, "data"), Output(suggest_ids.warm_status, "children")],
        inputs={"use": Input(ids.warm_start_use, "value"),
                "count": Input(ids.warm_start_count, "value")},
        state={"experiment_id": EXPERIMENT, "draft": State(ids.draft, "data"),
               **{k: v for k, v in form_states().items() if k not in _WARM_KEYS}},
        prevent_initial_call=True,
    )(warm_start_configs)
