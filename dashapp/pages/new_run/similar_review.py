"""The review step's earlier runs: whether the draft nearly duplicates one the person may read
(with "Open it" and "Launch anyway", Launch held back meanwhile), its most similar runs, and
the ranges and choices no earlier similar run searched, each with "Add to draft".

The panel is drawn each time the review's spec changes (``ids.yaml``), from
``optunagui.recommend.similar_runs`` on the checked specs, among the runs the person may read
(``dashapp.access.may_read_run`` on each). "Add to draft" writes the widened entry into the
space table and the review's spec, which draws the panel again. "Launch anyway" checks the
whole form again and launches as Launch does. Every callback: an editor (or owner) of the
experiment in the URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html

from dashapp import access as access_rules
from dashapp import components, guard, services
from dashapp.components import HIDDEN
from dashapp.guard import Access
from dashapp.pages.new_run import tables
from dashapp.pages.new_run.context import EDITOR, EXPERIMENT, resolve_choice
from dashapp.pages.new_run.drafts import draft_form, save_draft
from dashapp.pages.new_run.form_fields import form_states, read_form
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.wizard import data as wizard_data
from dashapp.pages.new_run.wizard.form import chosen_models
from dashapp.pages.new_run.wizard.launch import launch_runs
from dashapp.pages.new_run.wizard.review_similar import kept_regions, review_findings, with_region
from dashapp.pages.new_run.wizard.steps import LAST_STEP, Check, check_form
from dashapp.paths import app_path
from optunagui.recommend import SimilarRuns
from optunagui.spec.io import dump_spec

__all__ = ["add_region", "launch_anyway", "register_similar_review", "review_similar",
           "similar_ids", "similar_review_controls"]


class similar_ids:
    panel = "new-run-similar-panel"
    store = "new-run-similar-regions"  # {"experiment": id, "regions": {key: {...}}}
    launch_anyway = "new-run-launch-anyway"
    launched = "new-run-launched-anyway"  # handed on to ids.launched in the browser
    duplicate = "new-run-near-duplicate"
    add = "new-run-unexplored-add"  # pattern, with "region" (model/name/index)
    status = "new-run-unexplored-status"


def similar_review_controls() -> list[Any]:
    """The review step's panel (drawn by the callback), "Launch anyway" and what it keeps."""
    return [
        dcc.Loading(html.Div(id=similar_ids.panel, className="mb-2"), type="dot"),
        html.Div(id=similar_ids.status, className="small text-muted mb-2"),
        dbc.Button("Launch anyway", id=similar_ids.launch_anyway, color="warning",
                   class_name="me-2 mb-2", style=HIDDEN),
        dcc.Store(id=similar_ids.store, data=None),
        dcc.Store(id=similar_ids.launched, data=None),
    ]


def _duplicate_alert(found: list[Any]) -> Any:
    rows = [html.Div([html.Span(d.message),
                      dcc.Link("Open it", href=app_path(f"/runs/{d.run_id}"), className="ms-2",
                               id={"type": f"{similar_ids.duplicate}-open", "run": d.run_id})],
                     className="mb-1") for d in found]
    return dbc.Alert([html.H6("This draft nearly duplicates an earlier run", className="mb-2"),
                      *rows,
                      html.P("Same dataset version, model, split and metric, and nearly the "
                             "same ranges. Change the draft, or launch it anyway.",
                             className="small mb-0")],
                     color="warning", id=similar_ids.duplicate, class_name="py-2 mb-2")


def _similar_list(model: str, found: SimilarRuns) -> Any:
    if not found.runs:
        return components.empty_note(f"{model}: no earlier run you may read to compare with.")
    items = [html.Li([dcc.Link(f"run {r.run_id}", href=app_path(f"/runs/{r.run_id}")),
                      f" ({r.experiment}): similarity {r.score:.2f}, "
                      + (f"best {r.best_value:.4g}" if r.best_value is not None
                         else "no best value") + f" after {r.n_trials} trials"])
             for r in found.runs]
    return html.Div([html.Span(f"Most similar earlier runs of {model}:", className="small"),
                     html.Ul(items, className="small mb-1")])


def _unexplored_list(model: str, found: SimilarRuns) -> Any:
    if not found.unexplored:
        return None
    items = []
    for index, region in enumerate(found.unexplored):
        action: Any = html.Span(" (in the draft)", className="text-muted")
        if not region.in_draft:
            action = dbc.Button("Add to draft", size="sm", color="secondary", outline=True,
                                class_name="ms-2 py-0",
                                id={"type": similar_ids.add,
                                    "region": f"{model}/{region.name}/{index}"})
        items.append(html.Li([region.text, action], className="mb-1"))
    return html.Div([html.H6(f"Unexplored ({model})", className="mb-1"),
                     html.Ul(items, className="small mb-1", id=f"new-run-unexplored-{model}")])


def _panel(findings: Mapping[str, SimilarRuns]) -> list[Any]:
    duplicates = [d for found in findings.values() for d in found.near_duplicates]
    children: list[Any] = [_duplicate_alert(duplicates)] if duplicates else []
    for model, found in findings.items():
        children.append(_similar_list(model, found))
        children.append(_unexplored_list(model, found))
    return [child for child in children if child is not None]


def _checked(access: Access, draft: Any, values: dict[str, Any]) -> tuple[dict[str, Any], Check]:
    form = read_form(draft_form(draft, access.experiment_id), values)
    return form, check_form(form, resolve_choice(access, form), wizard_data.load_cached)


def _findings(access: Access, check: Check) -> dict[str, SimilarRuns]:
    principal = access.principal
    return review_findings(services.database(), check.specs, user_id=principal.user_id,
                           may_read_run=lambda run_id: access_rules.may_read_run(principal,
                                                                                 run_id))


def review_similar(access: Access, spec_text: Any, experiment_id: Any, draft: Any,
                   **values: Any) -> dict[str, Any]:
    """The panel for the spec under review; Launch held back while it nearly duplicates an
    earlier run, "Launch anyway" shown instead."""
    cleared = {"panel": None, "store": None, "launch_disabled": dash.no_update,
               "anyway_style": HIDDEN, "status": None}
    if not spec_text:
        return cleared
    _, check = _checked(access, draft, values)
    if not check.specs or check.first_step_with_problems(LAST_STEP) is not None:
        return cleared
    findings = _findings(access, check)
    duplicate = any(found.near_duplicates for found in findings.values())
    return {"panel": _panel(findings),
            "store": {"experiment": access.experiment_id, "regions": kept_regions(findings)},
            "launch_disabled": duplicate, "anyway_style": {} if duplicate else HIDDEN,
            "status": None}


def add_region(access: Access, clicks: Any, experiment_id: Any, draft: Any, kept: Any,
               **values: Any) -> dict[str, Any]:
    """The space table and the review's spec with the clicked region taken into the draft."""
    trigger = ctx.triggered_id
    clicked = ctx.triggered[0].get("value") if ctx.triggered else None
    nothing = {"space": dash.no_update, "yaml": dash.no_update}
    if not clicked or not isinstance(trigger, Mapping):
        return {**nothing, "status": dash.no_update}
    regions = (kept.get("regions") if isinstance(kept, Mapping)
               and kept.get("experiment") == access.experiment_id else None)
    form = read_form(draft_form(draft, access.experiment_id), values)
    rows, name = with_region(list(form.get("space") or []), regions, str(trigger.get("region")))
    if name is None:
        return {**nothing, "status": "Nothing to add: go back a step and return to review."}
    form["space"] = rows
    check = check_form(form, resolve_choice(access, form), wizard_data.load_cached)
    text = "\n---\n".join(dump_spec(spec) for spec in check.specs.values())
    return {"space": tables.space_table(rows, {}, chosen_models(form)),
            "yaml": text or dash.no_update, "status": f"Added to the draft: {name}."}


def launch_anyway(access: Access, clicks: Any, experiment_id: Any, draft: Any,
                  **values: Any) -> dict[str, Any]:
    """Checks the whole form again and launches it although it nearly duplicates a run."""
    if not clicks:
        return {"launched": dash.no_update, "draft": dash.no_update,
                "feedback": dash.no_update, "disabled": dash.no_update}
    form, check = _checked(access, draft, values)
    if check.first_step_with_problems(LAST_STEP) is not None or not check.specs:
        note = components.message("The draft has problems: press Launch to see them.", "danger")
        return {"launched": dash.no_update, "draft": dash.no_update, "feedback": note,
                "disabled": False}
    dataset_ref = resolve_choice(access, form)
    result = launch_runs(services.database(), services.state().settings, access.experiment_id,
                         check.specs, created_by=access.principal.user_id,
                         dataset_version_id=dataset_ref.version_id if dataset_ref else None)
    href = app_path(result.target_url or f"/experiments/{access.experiment_id}")
    return {"launched": {"href": href, "experiment": access.experiment_id},
            "draft": save_draft(draft, access.experiment_id, None),
            "feedback": components.message("Launched.", "success"), "disabled": True}


def register_similar_review(app: dash.Dash) -> None:
    state = {"experiment_id": EXPERIMENT, "draft": State(ids.draft, "data"), **form_states()}
    guard.guarded_callback(
        app, requires=EDITOR,
        output={"panel": Output(similar_ids.panel, "children"),
                "store": Output(similar_ids.store, "data"),
                "launch_disabled": Output(ids.launch, "disabled", allow_duplicate=True),
                "anyway_style": Output(similar_ids.launch_anyway, "style"),
                "status": Output(similar_ids.status, "children")},
        inputs={"spec_text": Input(ids.yaml, "children")}, state=state,
        prevent_initial_call=True,
    )(review_similar)
    guard.guarded_callback(
        app, requires=EDITOR,
        output={"space": Output(ids.space, "children", allow_duplicate=True),
                "yaml": Output(ids.yaml, "children", allow_duplicate=True),
                "status": Output(similar_ids.status, "children", allow_duplicate=True)},
        inputs={"clicks": Input({"type": similar_ids.add, "region": ALL}, "n_clicks")},
        state={**state, "kept": State(similar_ids.store, "data")},
        prevent_initial_call=True,
    )(add_region)
    guard.guarded_callback(
        app, requires=EDITOR,
        output={"launched": Output(similar_ids.launched, "data"),
                "draft": Output(ids.draft, "data", allow_duplicate=True),
                "feedback": Output(ids.feedback, "children", allow_duplicate=True),
                "disabled": Output(similar_ids.launch_anyway, "disabled")},
        inputs={"clicks": Input(similar_ids.launch_anyway, "n_clicks")}, state=state,
        prevent_initial_call=True,
    )(launch_anyway)
    # The launch goes on as Launch's does: the draft leaves the browser, then the page goes.
    app.clientside_callback(
        "function(launched) { return launched || window.dash_clientside.no_update; }",
        Output(ids.launched, "data", allow_duplicate=True),
        Input(similar_ids.launched, "data"), prevent_initial_call=True)
