"""Acting on refinement advice from the analysis page: the wizard links carry exactly the
advised specs, and "Apply to the running run" writes the advised range as a "ranges" request
for an editor on a running run, says why not otherwise, and writes nothing for anyone else."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from dashapp.analysis_state import load_run_frame
from dashapp.guard import Access, Check, requirement_of
from dashapp.pages.analysis import advice as advice_page
from dashapp.pages.analysis.advice import AdviceActions, advice_actions, register_advice_callbacks
from dashapp.pages.analysis.importance import render_advice
from dashapp.pages.new_run.wizard.prefill import decode_prefill
from dashapp.permissions import Principal, Role
from optunagui import analysis
from optunagui.analysis import Advice
from optunagui.store import create_run, get_run, set_current_space, update_run_status, upsert_trials

FEEDBACK = advice_page.ids.feedback
APPLY = advice_page.ids.apply
SPACE = {
    "depth": {"type": "int", "low": 2, "high": 8},
    "lr": {"type": "float", "low": 0.01, "high": 1.0, "log": True},
    "kernel": {"type": "categorical", "choices": ["a", "b", "c"]},
}
WIDENED_DEPTH = {"type": "int", "low": 2, "high": 11}


def write_live_run(database, experiment_id: int, created_by: int, status: str) -> int:
    """40 complete trials where only ``depth`` matters (its best value is its upper bound) and
    the best trials never use kernel "c"."""
    rows = []
    for i in range(40):
        depth = 2 + i % 7
        rows.append({
            "number": i, "state": "complete", "values": [depth + 0.001 * i],
            "params": {"depth": depth, "lr": 10 ** (-2 + 2 * ((i * 7) % 40) / 39),
                       "kernel": "c" if depth <= 4 else "ab"[i % 2]},
        })
    spec = {"name": "live", "dataset": {"name": "data"}, "model": "custom", "space": SPACE,
            "metrics": [{"name": "accuracy", "direction": "maximize"}],
            "budget": {"n_trials": 100}}
    with database.session() as session:
        run = create_run(session, experiment_id, f"advised {status} run", spec,
                         created_by=created_by)
        upsert_trials(session, run.id, rows)
        for step in ("running", status) if status != "queued" else ():
            update_run_status(session, run.id, step)
        return run.id


@pytest.fixture
def advice_app(app):
    """The app with the advice callback (registered by the analysis page)."""
    if not any(FEEDBACK in key for key in app.callback_map):
        register_advice_callbacks(app)
    return app


@pytest.fixture
def running(world, database) -> int:
    return write_live_run(database, world.alpha, world.user_ids["ed"], "running")


def _advice(app, run_id: int) -> list[Advice]:
    with app.server.app_context():
        return analysis.compute_advice(load_run_frame(run_id))


def _control(database, run_id: int) -> Any:
    with database.session() as session:
        return get_run(session, run_id).control


def _apply(client, app, run_id: int, param: str, clicks: Any = 1):
    """Press the apply button of ``param`` next to a second advice item's button."""
    key = next(k for k in app.callback_map if FEEDBACK in k)
    shown = [param, "other"]
    buttons = [{"type": APPLY, "param": name} for name in shown]
    body = {
        "output": key,
        "outputs": [{"id": {"type": FEEDBACK, "param": name}, "property": "children"}
                    for name in shown],
        "inputs": [[{"id": button, "property": "n_clicks",
                     "value": clicks if button["param"] == param else None}
                    for button in buttons]],
        "state": [
            {"id": "analysis-run-id", "property": "data", "value": str(run_id)},
            {"id": "analysis-objective", "property": "value", "value": "accuracy"},
            {"id": "analysis-importance-method", "property": "value", "value": "fanova"},
        ],
        "changedPropIds": [json.dumps(buttons[0], separators=(",", ":"), sort_keys=True)
                           + ".n_clicks"],
    }
    cookie = client.get_cookie("_csrf_token")
    headers = {"X-CSRFToken": cookie.value} if cookie is not None else {}
    return client.post("/_dash-update-component", json=body, headers=headers)


def _message(response) -> str:
    """The message shown under the pressed button (the other item's slot is left alone)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    payload = response.json["response"]
    (slot, value), = payload.items()
    assert json.loads(slot)["param"] != "other"
    return json.dumps(value)


def _walk(node: Any) -> list[Any]:
    found = [node]
    children = getattr(node, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if hasattr(child, "to_plotly_json"):
            found.extend(_walk(child))
    return found


def _adjust_of(href: str) -> dict[str, Any]:
    query = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
    decoded = decode_prefill(query.get("drop"), query.get("adjust"))
    assert decoded.problems == () and decoded.drop == ()
    return decoded.adjust


def test_advice_for_the_test_run_widens_depth_and_narrows_kernel(advice_app, running):
    by_param = {item.param: item for item in _advice(advice_app, running)}
    assert (by_param["depth"].kind, by_param["depth"].proposed) == ("widen", WIDENED_DEPTH)
    assert by_param["kernel"].kind == "narrow"
    assert by_param["kernel"].proposed == {"type": "categorical", "choices": ["a", "b"]}


def test_advice_links_carry_exactly_the_advised_specs(advice_app, world, running):
    advice = _advice(advice_app, running)
    nodes = _walk(render_advice(advice, AdviceActions(world.alpha, running, live=True)))
    links = {node.id["param"]: node.href for node in nodes
             if isinstance(getattr(node, "id", None), dict)
             and node.id.get("type") == advice_page.ids.wizard}
    assert set(links) == {item.param for item in advice}
    for item in advice:
        assert urlsplit(links[item.param]).path == f"/experiments/{world.alpha}/new-run"
        assert parse_qs(urlsplit(links[item.param]).query)["clone"] == [str(running)]
        assert _adjust_of(links[item.param]) == {item.param: item.proposed}
    every = next(n for n in nodes if getattr(n, "id", None) == advice_page.ids.wizard_all)
    assert _adjust_of(every.href) == {item.param: item.proposed for item in advice}
    buttons = [n.id["param"] for n in nodes if isinstance(getattr(n, "id", None), dict)
               and n.id.get("type") == APPLY]
    assert buttons == ["depth"]  # the categorical advice cannot change mid-run
    assert advice_page.NOT_LIVE_CHOICES in str(render_advice(
        advice, AdviceActions(world.alpha, running, live=True)))


def test_advice_offers_no_apply_button_on_a_finished_run_and_nothing_to_viewers(
    advice_app, world, running
):
    advice = _advice(advice_app, running)
    finished = _walk(render_advice(advice, AdviceActions(world.alpha, running, live=False)))
    kinds = [n.id.get("type") if isinstance(n.id, dict) else n.id for n in finished
             if getattr(n, "id", None)]
    assert APPLY not in kinds and FEEDBACK not in kinds
    assert kinds.count(advice_page.ids.wizard) == len(advice)
    read_only = str(render_advice(advice))
    assert "new-run" not in read_only and APPLY not in read_only
    assert "Proposed" in read_only


@pytest.mark.parametrize(("role", "status", "expected"), [
    (Role.viewer, "running", None),
    (Role.editor, "running", True),
    (Role.owner, "paused", True),
    (Role.editor, "queued", True),
    (Role.editor, "completed", False),
    (Role.owner, "failed", False),
])
def test_advice_actions_follow_the_role_and_the_run_status(
    advice_app, world, database, role, status, expected
):
    run_id = write_live_run(database, world.alpha, world.user_ids["ed"], status)
    access = Access(Principal(user_id=world.user_ids["ed"]), world.alpha, role, run_id)
    with advice_app.server.app_context():
        actions = advice_actions(access)
        assert advice_actions(None) is None
    if expected is None:
        assert actions is None
    else:
        assert actions == AdviceActions(world.alpha, run_id, live=expected)


def test_apply_callback_requires_an_editor_on_the_run(advice_app):
    key = next(k for k in advice_app.callback_map if FEEDBACK in k)
    requirement = requirement_of(advice_app.callback_map[key]["callback"])
    assert requirement.check is Check.run and requirement.role is Role.editor


def test_apply_writes_the_advised_range_for_an_editor(advice_app, world, database, client_for,
                                                      running):
    text = _message(_apply(client_for("ed"), advice_app, running, "depth"))
    assert "New range for depth requested: [2, 11]" in text
    control = _control(database, running)
    assert control["kind"] == "ranges" and control["requested_by"] == world.user_ids["ed"]
    assert control["payload"] == {**SPACE, "depth": WIDENED_DEPTH}


def test_apply_starts_from_the_live_ranges_of_the_run(advice_app, world, database, client_for,
                                                      running):
    live = {**SPACE, "lr": {"type": "float", "low": 0.05, "high": 0.5, "log": True},
            "depth": {**SPACE["depth"], "when": {"kernel": ["a", "b"]}}}
    with database.session() as session:
        set_current_space(session, running, live)
    _apply(client_for("olivia"), advice_app, running, "depth")
    payload = _control(database, running)["payload"]
    assert payload["lr"] == live["lr"]  # changed mid-run earlier: kept
    assert payload["depth"] == {**WIDENED_DEPTH, "when": {"kernel": ["a", "b"]}}


def test_apply_follows_the_advice_for_the_live_ranges(advice_app, database, client_for,
                                                     running):
    with database.session() as session:
        set_current_space(session, running, {**SPACE, "depth": WIDENED_DEPTH})
    depth = next(item for item in _advice(advice_app, running) if item.param == "depth")
    assert depth.kind == "narrow"  # 8, the best, is no longer at the bound
    assert depth.proposed["low"] > 2 and depth.proposed["high"] <= 11
    text = _message(_apply(client_for("ed"), advice_app, running, "depth"))
    assert f"New range for depth requested: [{depth.proposed['low']}, " in text
    assert _control(database, running)["payload"]["depth"] == depth.proposed


@pytest.mark.parametrize("param", ["kernel", "lr", "no_such_param"])
def test_apply_of_advice_that_cannot_change_the_run_says_so(advice_app, database, client_for,
                                                            running, param):
    text = _message(_apply(client_for("ed"), advice_app, running, param))
    assert f"The advice for {param} no longer applies" in text
    assert _control(database, running) is None


def test_apply_on_a_finished_run_says_why(advice_app, world, database, client_for):
    finished = write_live_run(database, world.alpha, world.user_ids["ed"], "completed")
    text = _message(_apply(client_for("ed"), advice_app, finished, "depth"))
    assert "The run has finished (completed); its ranges can no longer change" in text
    assert _control(database, finished) is None


def test_apply_names_the_field_of_a_range_that_does_not_validate(
    advice_app, database, client_for, running, monkeypatch
):
    broken = Advice("widen", "depth", "", dict(SPACE["depth"]),
                    {"type": "int", "low": 2.5, "high": 11})
    monkeypatch.setattr(advice_page.analysis, "compute_advice", lambda *a, **k: [broken])
    text = _message(_apply(client_for("ed"), advice_app, running, "depth"))
    assert "Nothing was changed: depth.low: must be a whole number" in text
    assert _control(database, running) is None


def test_apply_when_the_live_parameter_changed_type_writes_nothing(
    advice_app, database, client_for, running, monkeypatch
):
    stale = Advice("widen", "depth", "", dict(SPACE["depth"]), WIDENED_DEPTH)
    monkeypatch.setattr(advice_page.analysis, "compute_advice", lambda *a, **k: [stale])
    with database.session() as session:
        set_current_space(session, running,
                          {**SPACE, "depth": {"type": "float", "low": 2.0, "high": 8.0}})
    text = _message(_apply(client_for("ed"), advice_app, running, "depth"))
    assert "The running run has no int range depth" in text
    assert _control(database, running) is None


@pytest.mark.parametrize("who", ["vic", "otto", "share", "anonymous"])
def test_apply_refuses_viewers_and_strangers(advice_app, database, client_for, running, who):
    response = _apply(client_for(who), advice_app, running, "depth")
    assert response.status_code in (204, 401)
    assert "depth" not in response.get_data(as_text=True)
    assert _control(database, running) is None


def test_apply_does_nothing_when_the_button_only_appeared(advice_app, database, client_for,
                                                          running):
    response = _apply(client_for("ed"), advice_app, running, "depth", clicks=None)
    assert response.status_code == 204
    assert _control(database, running) is None


def test_importance_view_gives_editors_the_actions_and_viewers_the_advice_only(
    advice_app, world, running
):
    from dashapp.analysis_state import analysis_state
    from dashapp.pages.analysis.importance import importance_view

    def view(role: Role | None) -> str:
        access = (Access(Principal(user_id=world.user_ids["ed"]), world.alpha, role, running)
                  if role is not None else None)
        frame = load_run_frame(running)
        cache = analysis_state().importance
        importance_view(running, frame, "accuracy", "fanova", access)
        pending = cache.pending(running, "fanova", "accuracy")
        if pending is not None:
            pending.result(timeout=60)
        figure, note, shown, done = importance_view(running, frame, "accuracy", "fanova", access)
        assert done and "fANOVA" in note
        return str(shown)

    with advice_app.server.app_context():
        try:
            editor, viewer, legacy = view(Role.editor), view(Role.viewer), view(None)
        finally:
            analysis_state().importance.close()
    assert "Open all advice in the wizard" in editor and APPLY in editor
    assert f"/experiments/{world.alpha}/new-run?clone={running}" in editor
    for read_only in (viewer, legacy):
        assert "depth" in read_only and "new-run" not in read_only and APPLY not in read_only
