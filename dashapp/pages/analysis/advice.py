"""Acting on refinement advice: links that open the wizard with the advice applied, and the
"Apply to the running run" button that asks the driver for the advised range.

The button sends only the parameter's name. The callback checks the editor role, computes the
advice again from the run's trials and the cached importance, merges the advised range into
the run's current space, checks it like a range typed on the run page, and writes the same
"ranges" control request. Only numeric widen/narrow advice can change mid-run: the driver keeps
each parameter's type and a categorical's choices. The wizard builds runs of built-in models, so
a run of the user's own code gets no wizard links: its ranges change on the running run only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html

from dashapp import components, guard, services
from dashapp.analysis_state import analysis_state, load_run_frame
from dashapp.code_runs import has_builtin_model, is_attached
from dashapp.components.buttons import clicked_choice
from dashapp.guard import Access
from dashapp.pages.analysis.figures import objective_name
from dashapp.pages.analysis.ids import ids as page_ids
from dashapp.pages.new_run.wizard.prefill import new_run_href
from dashapp.pages.run.ranges import check_ranges
from dashapp.permissions import Role
from optunagui import analysis
from optunagui.analysis import Advice, TrialFrame
from optunagui.status import TERMINAL_RUN_STATUSES
from optunagui.store import InvalidState, NotFound, get_run, request_control

__all__ = [
    "AdviceActions",
    "advice_actions",
    "advice_links",
    "apply_advice",
    "apply_advised_range",
    "ids",
    "item_actions",
    "live_applicable",
    "register_advice_callbacks",
]

NUMERIC = ("float", "int")
LIVE_KINDS = ("widen", "narrow")
NOT_LIVE_FIX = "Fixing a parameter needs a new run: a running run keeps its parameter types."
NOT_LIVE_CHOICES = "Choices cannot change mid-run: a running run keeps its choices."


class ids:
    apply = "analysis-advice-apply"  # pattern, with "param"
    feedback = "analysis-advice-feedback"  # pattern, with "param"
    wizard = "analysis-advice-wizard"  # pattern, with "param"
    wizard_all = "analysis-advice-wizard-all"


@dataclass(frozen=True)
class AdviceActions:
    """What an editor may do with the advice of one run.

    Attributes:
        live: the run has not finished, so numeric ranges can still change.
        wizard: the advice can open the wizard (not for a run of the user's own code).
    """

    experiment_id: int
    run_id: int
    live: bool
    wizard: bool = True


def advice_actions(access: Access | None) -> AdviceActions | None:
    """The actions for the checked user (None: read-only, for viewers and share links)."""
    if access is None or access.role is None or access.role < Role.editor:
        return None
    if access.run_id is None or access.experiment_id is None:
        return None
    with services.database().session() as session:
        run = get_run(session, access.run_id)
        status = run.status if run is not None else None
        builtin = run is not None and has_builtin_model(run.spec)
        attached = run is not None and is_attached(run.spec)
    if status is None:
        return None
    return AdviceActions(access.experiment_id, access.run_id,
                         live=status not in TERMINAL_RUN_STATUSES and not attached,
                         wizard=builtin)


def live_applicable(item: Advice) -> bool:
    """Whether the advice can change a running run: a numeric range that keeps its type."""
    kind = item.proposed.get("type")
    return item.kind in LIVE_KINDS and kind in NUMERIC and item.current.get("type") == kind


def item_actions(item: Advice, actions: AdviceActions | None) -> Any:
    """The links and button under one advice item (nothing for read-only users)."""
    if actions is None:
        return None
    parts: list[Any] = []
    if actions.wizard:
        href = new_run_href(actions.experiment_id, actions.run_id,
                            adjust={item.param: item.proposed})
        parts.append(dcc.Link("Open in the wizard", href=href, className="me-3 small",
                              id={"type": ids.wizard, "param": item.param}))
    if actions.live and live_applicable(item):
        parts.append(dbc.Button("Apply to the running run", size="sm", color="primary",
                                outline=True, id={"type": ids.apply, "param": item.param}))
    elif actions.live:
        reason = NOT_LIVE_FIX if item.kind == "fix" else NOT_LIVE_CHOICES
        parts.append(html.Span(reason, className="small text-muted"))
    if not parts:
        return None
    return html.Div(
        [
            html.Div(parts, className="d-flex align-items-center flex-wrap"),
            html.Div(id={"type": ids.feedback, "param": item.param}, className="mt-1")
            if actions.live else None,
        ],
        className="mt-2",
    )


def advice_links(advice: list[Advice], actions: AdviceActions | None) -> Any:
    """One link that opens the wizard with every advised change (nothing for read-only users)."""
    if actions is None or not advice or not actions.wizard:
        return None
    href = new_run_href(actions.experiment_id, actions.run_id,
                        adjust={item.param: item.proposed for item in advice})
    return html.Div(
        dcc.Link("Open all advice in the wizard", href=href, id=ids.wizard_all,
                 className="btn btn-sm btn-outline-primary"),
        className="mt-2",
    )


def _current_advice(run_id: int, frame: TrialFrame, objective: Any, method: Any,
                    param: str) -> Advice | None:
    """The advice for ``param`` as the Importance tab shows it now."""
    metric = objective_name(frame, objective)
    method = method if method == "ped_anova" else "fanova"
    if frame.complete(metric).size < 2 or param not in frame.params:
        return None
    record = analysis_state().importance.latest(run_id, method, metric)
    found = analysis.compute_advice(frame, record, objective=metric)
    return next((item for item in found if item.param == param), None)


def _edit_of(proposed: Mapping[str, Any]) -> dict[str, Any]:
    return {"low": proposed.get("low"), "high": proposed.get("high"),
            "log": bool(proposed.get("log")), "step": proposed.get("step")}


def apply_advised_range(access: Access, param: str, objective: Any,
                        method: Any) -> tuple[str, str]:
    """Request the advised range of ``param`` for a checked editor; returns (message, colour)."""
    run_id = access.run_id
    if run_id is None:
        return "No such run.", "danger"
    with services.database().session() as session:
        run = get_run(session, run_id)
        if run is None:
            return "No such run.", "danger"
        status = run.status
        space = dict(run.current_space or (run.spec or {}).get("space") or {})
    if status in TERMINAL_RUN_STATUSES:
        return (f"The run has finished ({status}); its ranges can no longer change. Open the "
                "advice in the wizard to start a new run with it."), "warning"
    item = _current_advice(run_id, load_run_frame(run_id), objective, method, param)
    if item is None or not live_applicable(item):
        return (f"The advice for {param} no longer applies to the running run (newer trials "
                "changed it, or it cannot change mid-run); nothing was changed."), "warning"
    current = space.get(param)
    if not isinstance(current, Mapping) or current.get("type") != item.proposed.get("type"):
        return (f"The running run has no {item.proposed.get('type')} range {param}; nothing "
                "was changed."), "warning"
    check = check_ranges(space, {param: _edit_of(item.proposed)})
    if check.problems or check.space is None:
        problems = "; ".join(f"{param}.{field}: {message}"
                             for field, message in check.problems.get(param, {}).items())
        return f"Nothing was changed: {problems or 'the advised range is not valid'}.", "danger"
    new = check.space[param]
    if not check.changed:
        return (f"The run already uses [{new.get('low')}, {new.get('high')}] for {param}."), "info"
    try:
        with services.database().session() as session:
            request_control(session, run_id, "ranges", check.space,
                            requested_by=access.principal.user_id)
    except (InvalidState, NotFound, ValueError) as error:
        return str(error), "warning"
    return (f"New range for {param} requested: [{new.get('low')}, {new.get('high')}]; trials "
            "suggested after the driver confirms use it."), "success"


def _clicked_param(clicks: Any) -> str:
    """The parameter of the pressed button (PreventUpdate when the buttons only appeared)."""
    return clicked_choice(clicks, "param")


def apply_advice(access: Access, clicks: Any, run_id: Any, objective: Any, method: Any) -> Any:
    param = _clicked_param(clicks)
    text, color = apply_advised_range(access, param, objective, method)
    slots = ctx.outputs_list if isinstance(ctx.outputs_list, list) else []
    return [components.message(text, color)
            if isinstance(slot, Mapping) and slot.get("id", {}).get("param") == param
            else dash.no_update
            for slot in slots]


def register_advice_callbacks(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.run(Role.editor, "run_id"),
        output=Output({"type": ids.feedback, "param": ALL}, "children"),
        inputs={"clicks": Input({"type": ids.apply, "param": ALL}, "n_clicks")},
        state={
            "run_id": State(page_ids.run, "data"),
            "objective": State(page_ids.objective, "value"),
            "method": State(page_ids.method, "value"),
        },
        prevent_initial_call=True,
    )(apply_advice)
