"""Pinning a run as its experiment's baseline, and comparisons that include it by default."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dashapp.pages import compare
from optunagui.store import experiments as experiment_store
from optunagui.store.tables import Experiment
from tests.dashapp.analysis_data import write_run
from tests.dashapp.conftest import callback_key, post_callback

PIN = "experiment-baseline-feedback.children"
EXPERIMENT = "experiment-denied.children"
SHOW = "compare-problem.children"
BUTTON = "experiment-baseline"
FOLDS = [0.0, -0.01, 0.005, -0.004, 0.002]


@pytest.fixture
def runs(world, database) -> dict[str, int]:
    ed, otto = world.user_ids["ed"], world.user_ids["otto"]
    return {
        "base": write_run(database, world.alpha, "reference", ed, seed=1, folds=FOLDS),
        "better": write_run(database, world.alpha, "tuned", ed, seed=2, shift=0.05,
                            folds=[f + 0.001 * i for i, f in enumerate(FOLDS)]),
        "worse": write_run(database, world.alpha, "worse", ed, seed=3, shift=-0.05,
                           folds=[f - 0.002 * i for i, f in enumerate(FOLDS)]),
        "bravo": write_run(database, world.bravo, "bravo-secret-run", otto, seed=4, folds=FOLDS),
    }


def _body(response) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))["response"]


def _baseline_of(database, experiment_id: int) -> int | None:
    with database.session() as session:
        return experiment_store.get_experiment(session, experiment_id).baseline_run_id


def _pin(app, client, world, run_id: int, action: str = "pin", experiment: int | None = None):
    values = {"experiment_id": str(experiment or world.alpha), "refresh": 0,
              "clicks": [({"type": BUTTON, "run": run_id, "action": action}, 1)]}
    return post_callback(client, app, callback_key(app, PIN), values)


def _runs_table(app, client, world) -> str:
    values = {"experiment_id": str(world.alpha), "refresh": 0, "poll": None}
    body = _body(post_callback(client, app, callback_key(app, EXPERIMENT), values))
    return json.dumps(body["experiment-runs"]["children"])


def _show(app, client, runs: str, include: Any = None) -> dict[str, Any]:
    values = {"runs": runs, "include": include}
    return _body(post_callback(client, app, callback_key(app, SHOW), values))


def _set_baseline(database, experiment_id: int, run_id: int | None) -> None:
    with database.session() as session:
        experiment_store.set_baseline_run(session, experiment_id, run_id)


@pytest.mark.parametrize("who", ["ed", "olivia"])
def test_an_editor_or_owner_pins_and_unpins_the_baseline(app, client_for, world, database,
                                                        runs, who):
    client = client_for(who)
    body = _body(_pin(app, client, world, runs["base"]))
    assert f"Run #{runs['base']} is now the baseline" in json.dumps(body)
    assert body["experiment-refresh"]["data"] == 1
    assert _baseline_of(database, world.alpha) == runs["base"]
    body = _body(_pin(app, client, world, runs["better"]))  # pinning another replaces it
    assert _baseline_of(database, world.alpha) == runs["better"]
    body = _body(_pin(app, client, world, runs["base"], "unpin"))
    assert f"Run #{runs['base']} is not the baseline" in json.dumps(body)
    assert _baseline_of(database, world.alpha) == runs["better"]
    body = _body(_pin(app, client, world, runs["better"], "unpin"))
    assert "is no longer the baseline" in json.dumps(body)
    assert _baseline_of(database, world.alpha) is None


@pytest.mark.parametrize("who", ["vic", "otto", "share"])
def test_viewers_and_strangers_cannot_pin(app, client_for, world, database, runs, who):
    _set_baseline(database, world.alpha, runs["better"])
    for action, run_id in (("pin", runs["base"]), ("unpin", runs["better"])):
        response = _pin(app, client_for(who), world, run_id, action)
        assert response.status_code in (204, 401)
        assert "baseline" not in response.get_data(as_text=True)
    assert _baseline_of(database, world.alpha) == runs["better"]


def test_a_run_of_another_experiment_cannot_be_pinned(app, client_for, world, database, runs):
    body = _body(_pin(app, client_for("ed"), world, runs["bravo"]))
    assert f"Run #{runs['bravo']} is not a run of this experiment." in json.dumps(body)
    assert _baseline_of(database, world.alpha) is None
    assert _baseline_of(database, world.bravo) is None


def test_a_forged_action_changes_nothing(app, client_for, world, database, runs):
    response = _pin(app, client_for("ed"), world, runs["base"], action="drop")
    assert response.status_code == 204
    assert _baseline_of(database, world.alpha) is None


def test_the_runs_table_marks_the_baseline_for_everyone(app, client_for, world, database, runs):
    _set_baseline(database, world.alpha, runs["base"])
    for who in ("vic", "ed"):
        table = _runs_table(app, client_for(who), world)
        assert table.count('"baseline"') == 1 and "run-baseline-badge" in table
        assert f'"/compare?runs={runs["base"]},{runs["better"]}"' in table
        assert f'"/compare?runs={runs["base"]},{runs["base"]}"' not in table
    viewer = _runs_table(app, client_for("vic"), world)
    editor = _runs_table(app, client_for("ed"), world)
    assert BUTTON not in viewer and "Pin as baseline" not in viewer
    assert editor.count("Pin as baseline") == 3 and editor.count('"Unpin"') == 1
    assert json.dumps({"type": BUTTON, "run": runs["base"], "action": "unpin"})[1:-1] in editor


def test_without_a_baseline_the_table_has_no_baseline_links(app, client_for, world, runs):
    table = _runs_table(app, client_for("vic"), world)
    assert "Compare with baseline" not in table and "run-baseline-badge" not in table


def test_compare_adds_the_baseline_and_tests_each_run_against_it(app, client_for, world,
                                                                 database, runs):
    _set_baseline(database, world.alpha, runs["base"])
    body = _show(app, client_for("vic"), f"{runs['better']},{runs['worse']}")
    base = f"#{runs['base']} reference (baseline)"
    traces = body["compare-overlay-number-graph"]["figure"]["data"]
    assert [t["name"] for t in traces] == [base, f"#{runs['better']} tuned",
                                           f"#{runs['worse']} worse"]
    stats = json.dumps(body["compare-stats-table"]["children"])
    assert stats.count(" vs ") == 2
    assert f"#{runs['better']} tuned vs {base}" in stats
    assert f"#{runs['worse']} worse vs {base}" in stats
    assert f"#{runs['better']} tuned beats {base}" in stats
    assert body["compare-baseline-box"]["style"] == {}
    note = body["compare-baseline-note"]["children"]
    assert note == f"The tests compare each run against {base}."


def test_a_selected_baseline_is_marked_and_used_as_the_reference(app, client_for, world,
                                                                database, runs):
    _set_baseline(database, world.alpha, runs["worse"])
    body = _show(app, client_for("vic"), f"{runs['base']},{runs['better']},{runs['worse']}")
    traces = body["compare-overlay-number-graph"]["figure"]["data"]
    assert [t["name"] for t in traces][2] == f"#{runs['worse']} worse (baseline)"
    stats = json.dumps(body["compare-stats-table"]["children"])
    assert stats.count(" vs ") == 2 and stats.count(f"vs #{runs['worse']} worse (baseline)") == 2


@pytest.mark.parametrize("include", [False, "0"])
def test_switching_the_baseline_off_leaves_it_out(app, client_for, world, database, runs,
                                                  include):
    _set_baseline(database, world.alpha, runs["base"])
    body = _show(app, client_for("vic"), f"{runs['better']},{runs['worse']}", include)
    raw = json.dumps(body)
    assert "(baseline)" not in raw and "reference" not in raw
    assert json.dumps(body["compare-stats-table"]["children"]).count(" vs ") == 1
    assert body["compare-baseline-box"]["style"] == {}  # the switch stays, to turn it back on
    assert "left out" in body["compare-baseline-note"]["children"]


def test_the_url_can_turn_the_baseline_off():
    def switch_value(node: Any) -> Any:
        if getattr(node, "id", None) == compare.ids.include_baseline:
            return node.value
        for child in getattr(node, "children", None) or []:
            if not isinstance(child, str) and (found := switch_value(child)) is not None:
                return found
        return None

    assert switch_value(compare.layout(runs="1,2", baseline="0")) is False
    assert switch_value(compare.layout(runs="1,2")) is True


def test_a_baseline_the_user_cannot_read_is_never_shown(app, client_for, world, database, runs):
    """Alpha's baseline row points at a Bravo run (not possible through the store, which
    checks the run's experiment): vic, who cannot read Bravo, never sees it."""
    with database.session() as session:
        session.get(Experiment, world.alpha).baseline_run_id = runs["bravo"]
    body = _show(app, client_for("vic"), f"{runs['base']},{runs['better']}")
    raw = json.dumps(body)
    assert "bravo-secret-run" not in raw and "(baseline)" not in raw
    assert body["compare-baseline-box"]["style"] == {"display": "none"}
    assert json.dumps(body["compare-stats-table"]["children"]).count(" vs ") == 1


def test_another_experiments_baseline_is_not_added(app, client_for, world, database, runs):
    _set_baseline(database, world.alpha, runs["base"])
    body = _show(app, client_for("otto"), str(runs["bravo"]))
    raw = json.dumps(body)
    assert "reference" not in raw and "(baseline)" not in raw
    assert [t["name"] for t in body["compare-overlay-number-graph"]["figure"]["data"]] == [
        f"#{runs['bravo']} bravo-secret-run"]


def test_a_table_without_links_marks_the_baseline_without_a_compare_link(world, database,
                                                                          runs):
    from dashapp import components, queries

    with database.session() as session:
        rows = queries.list_run_rows(session, world.alpha)
    table = json.dumps(components.runs_table(rows, link_runs=False,
                                             baseline_id=runs["base"]).to_plotly_json(),
                       default=lambda node: node.to_plotly_json())
    assert table.count("run-baseline-badge") == 1
    assert "Compare with baseline" not in table and BUTTON not in table


def test_a_baseline_scored_by_another_metric_is_left_out_and_named(app, client_for, world,
                                                                   database, runs):
    other = write_run(database, world.alpha, "regression", world.user_ids["ed"], seed=5,
                      metrics=("rmse",))
    _set_baseline(database, world.alpha, other)
    body = _show(app, client_for("vic"), f"{runs['better']},{runs['worse']}")
    raw = json.dumps(body["compare-overlay-number-graph"]["figure"]["data"])
    assert "(baseline)" not in raw and "regression" not in raw
    note = body["compare-baseline-note"]["children"]
    assert "another task or metric" in note and f"#{other}:" in note and "rmse" in note
    assert body["compare-baseline-box"]["style"] == {}


def test_the_setup_differences_head_the_comparison(app, client_for, world, database, runs):
    boosted = write_run(database, world.alpha, "boosted", world.user_ids["ed"], seed=6,
                        model="lightgbm")
    body = _show(app, client_for("vic"), f"{runs['better']},{boosted}")
    table = json.dumps(body["compare-table"]["children"])
    assert "Setup differs" in table and "lightgbm" in table
    same = json.dumps(_show(app, client_for("vic"),
                            f"{runs['better']},{runs['worse']}")["compare-table"]["children"])
    assert "Same setup" in same and "Setup differs" not in same
