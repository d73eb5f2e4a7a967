"""Wizard links that carry changes to a cloned run: the URL tokens survive any name, bad tokens
become problems, and the restore callback fills the form with the changes applied (new range,
fixed parameter, features switched off), checks them like any edit, and reveals nothing of a
run the user may not read."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.wizard.prefill import (
    MAX_TOKEN_CHARS,
    Prefill,
    apply_prefill,
    decode_prefill,
    describe_changes,
    new_run_href,
)
from optunagui.models import list_models
from optunagui.spec.space import preset_space
from optunagui.store import create_run
from tests.dashapp.test_wizard_callbacks import (
    NAVIGATE,
    RESTORE,
    _runs,
    browser_values,
    post,
    submitted,  # noqa: F401  (fixture)
)

ODD_NAMES = ["n_estimators", "a b&c=d?e#f/g", "ünïcödé 🎯", "quote\"'`", "%2F..%00", ""]
SPACE = {name: param.to_dict() for name, param in preset_space("random_forest", "default").items()}
RUN_NAME = "forest to refine"


def _query(href: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}


def _token(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_prefill_round_trip_keeps_odd_names_and_ranges():
    adjust = {name or "empty": {"type": "int", "low": 1, "high": 9, "step": 2}
              for name in ODD_NAMES}
    adjust["fixed one"] = {"type": "fixed", "value": "gini"}
    href = new_run_href(3, 17, drop=ODD_NAMES, adjust=adjust)
    assert href.startswith("/experiments/3/new-run?")
    query = _query(href)
    assert query["clone"] == "17"
    decoded = decode_prefill(query["drop"], query["adjust"])
    assert decoded.problems == ()
    assert decoded.drop == tuple(ODD_NAMES)
    assert decoded.adjust == adjust
    assert decoded.key() == Prefill(tuple(ODD_NAMES), adjust).key()


def test_prefill_without_changes_is_a_plain_clone_link():
    href = new_run_href(3, 17)
    assert _query(href) == {"clone": "17"}
    empty = decode_prefill(None, None)
    assert empty.empty and empty.problems == () and empty.key() == Prefill().key()


@pytest.mark.parametrize(
    ("drop", "adjust", "expected"),
    [
        ("!!not base64!!", None, "drop: the list of features to switch off is not readable"),
        (_token("not json"), None, "drop: the list of features to switch off is not readable"),
        (_token('{"a": 1}'), None, "drop: expected a list of column names"),
        (_token("[1, 2]"), None, "drop: expected a list of column names"),
        ("A" * (MAX_TOKEN_CHARS + 1), None, "drop: the list of features to switch off is too long"),
        (_token("[" * 5000), None, "drop: the list of features to switch off is not readable"),
        (None, _token("[1]"), "adjust: expected a mapping of parameter names to ranges"),
        (None, _token("\xff\xfe"), "adjust: the parameter changes are not readable"),
        (None, _token('{"depth": {"type": "int", "low": 9, "high": 2}}'),
         "adjust.depth: not a valid parameter range"),
        (None, _token('{"depth": "wide"}'), "adjust.depth: not a valid parameter range"),
        (None, _token('{"depth": {"type": "int", "low": 1, "high": 2, "evil": 1}}'),
         "adjust.depth: not a valid parameter range"),
    ],
)
def test_prefill_bad_tokens_become_problems_not_errors(drop, adjust, expected):
    decoded = decode_prefill(drop, adjust)
    assert decoded.empty
    assert len(decoded.problems) == 1 and decoded.problems[0].startswith(expected)


def test_prefill_keeps_the_good_changes_next_to_a_bad_one():
    href = new_run_href(1, 2, adjust={"good": {"type": "float", "low": 0.1, "high": 0.5},
                                      "bad": {"type": "float", "low": 1, "high": 0}})
    decoded = decode_prefill(None, _query(href)["adjust"])
    assert decoded.adjust == {"good": {"type": "float", "low": 0.1, "high": 0.5}}
    assert [p.split(":")[0] for p in decoded.problems] == ["adjust.bad"]


def test_apply_prefill_changes_the_spec_and_names_what_it_could_not_do():
    spec = {"dataset": {"builtin": "wine", "target": "target"},
            "features": {"exclude": ["ash"]},
            "space": {"n_estimators": {"type": "int", "low": 50, "high": 500, "step": 10},
                      "max_depth": {"type": "int", "low": 2, "high": 32, "when": {"a": [1]}},
                      "max_features": {"type": "float", "low": 0.1, "high": 1.0}}}
    prefill = Prefill(("alcohol", "target", "ash"), {
        "n_estimators": {"type": "int", "low": 50, "high": 750, "step": 10},
        "max_depth": {"type": "fixed", "value": 7},
        "max_features": {"type": "float", "low": 0.3, "high": 0.6},
        "unknown": {"type": "int", "low": 1, "high": 2},
    })
    changed, notes = apply_prefill(spec, prefill)
    assert changed["features"]["exclude"] == ["ash", "alcohol"]
    assert changed["space"]["max_depth"] == {"type": "fixed", "value": 7, "when": {"a": [1]}}
    assert changed["space"]["n_estimators"]["high"] == 750
    assert notes == ["drop: 'target' is the target column and stays in",
                     "adjust.unknown: the run has no such parameter"]
    assert spec["features"]["exclude"] == ["ash"]  # the stored spec is left alone
    assert describe_changes(spec, changed) == [
        "widened n_estimators to [50, 750]",
        "fixed max_depth at 7",
        "narrowed max_features to [0.3, 0.6]",
        "switched off feature alcohol",
    ]


# --- the restore callback ---------------------------------------------------------------------


@pytest.fixture
def forest_run(world, database) -> int:
    with database.session() as session:
        run = create_run(session, world.alpha, RUN_NAME, {
            "name": RUN_NAME, "dataset": {"builtin": "wine", "target": "target"},
            "task": "classification", "model": "random_forest", "preset": "default",
            "features": {"exclude": ["ash"], "transforms": {}},
            "metrics": [{"name": "accuracy"}], "split": {"method": "kfold", "folds": 2},
            "budget": {"n_trials": 3, "max_concurrent": 1}, "space": dict(SPACE),
        }, created_by=world.user_ids["ed"])
        return run.id


ADVICE = {
    "n_estimators": {"type": "int", "low": 50, "high": 750, "step": 10},
    "max_depth": {"type": "fixed", "value": 7},
}


def _restore_values(experiment: int, run_id: int, href: str, draft: Any = None) -> dict:
    query = _query(href)
    model_ids = [{"type": ids.model_use, "model": m.name} for m in list_models()]
    preset_ids = [{"type": ids.preset, "model": m.name} for m in list_models()]
    return {"stamp": -1, "experiment_id": str(experiment), "draft": draft, "restored": False,
            "clone": query.get("clone"),
            "prefill": {"drop": query.get("drop"), "adjust": query.get("adjust")},
            "model_ids": [(i, i) for i in model_ids], "preset_ids": [(i, i) for i in preset_ids]}


def _restore(client, app, values) -> dict[str, Any]:
    response = post(client, app, RESTORE, values)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["response"]


def _space_row(form: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in form["space"] if r["name"] == name)


def test_wizard_restore_applies_the_advice_to_the_cloned_run(app, world, client_for, forest_run):
    href = new_run_href(world.alpha, forest_run, drop=["alcohol", "hue"], adjust=ADVICE)
    payload = _restore(client_for("ed"), app, _restore_values(world.alpha, forest_run, href))
    form = payload[ids.draft]["data"][str(world.alpha)]
    assert _space_row(form, "n_estimators") == {
        "model": "random_forest", "name": "n_estimators", "type": "int", "low": "50",
        "high": "750", "log": False, "step": "10", "choices": "", "value": "", "when": ""}
    depth = _space_row(form, "max_depth")
    assert (depth["type"], depth["value"]) == ("fixed", "7")
    assert _space_row(form, "min_samples_split")["high"] == "20"  # untouched
    use = {row["column"]: row["use"] for row in form["features"]}
    assert use == {"ash": False, "alcohol": False, "hue": False}
    assert form["cloned_from"] == forest_run
    feedback = str(payload[ids.feedback]["children"])
    assert f"Pre-filled from run {forest_run} with the advice applied" in feedback
    assert "widened n_estimators to [50, 750]" in feedback
    assert "fixed max_depth at 7" in feedback and "switched off features alcohol, hue" in feedback
    assert "Not applied" not in feedback


def test_wizard_restore_says_what_it_could_not_apply(app, world, client_for, forest_run):
    href = new_run_href(world.alpha, forest_run, drop=["target"],
                        adjust={"gamma": {"type": "float", "low": 0.1, "high": 1.0}})
    values = _restore_values(world.alpha, forest_run, href)
    values["prefill"]["drop"] = "%%%"
    payload = _restore(client_for("ed"), app, values)
    feedback = str(payload[ids.feedback]["children"])
    assert "Not applied" in feedback
    assert "drop: the list of features to switch off is not readable" in feedback
    assert "adjust.gamma: the run has no such parameter" in feedback
    form = payload[ids.draft]["data"][str(world.alpha)]
    assert _space_row(form, "n_estimators")["high"] == "500"


def test_wizard_cloned_advice_launches_through_the_normal_checks(
    app, world, database, client_for, forest_run, submitted  # noqa: F811
):
    client = client_for("ed")
    href = new_run_href(world.alpha, forest_run, drop=["alcohol"], adjust=ADVICE)
    payload = _restore(client, app, _restore_values(world.alpha, forest_run, href))
    form = payload[ids.draft]["data"][str(world.alpha)]
    before = len(_runs(database))
    values = browser_values(form, world.alpha, step=7, draft=payload[ids.draft]["data"])
    response = post(client, app, NAVIGATE, values, trigger=ids.launch)
    assert response.status_code == 200, response.get_data(as_text=True)
    runs = _runs(database)[before:]
    assert len(runs) == 1, response.get_data(as_text=True)
    spec = runs[0].spec
    assert spec["space"]["n_estimators"] == ADVICE["n_estimators"]
    assert spec["space"]["max_depth"] == {"type": "fixed", "value": 7}
    assert sorted(spec["features"]["exclude"]) == ["alcohol", "ash"]
    assert submitted == [runs[0].id]


def test_wizard_advice_that_breaks_the_spec_is_refused_by_the_wizard_checks(
    app, world, database, client_for, forest_run, submitted  # noqa: F811
):
    from sklearn.datasets import load_wine

    client = client_for("ed")
    every_column = list(load_wine().feature_names)
    href = new_run_href(world.alpha, forest_run, drop=every_column)
    payload = _restore(client, app, _restore_values(world.alpha, forest_run, href))
    form = payload[ids.draft]["data"][str(world.alpha)]
    assert not any(row["use"] for row in form["features"])
    before = len(_runs(database))
    values = browser_values(form, world.alpha, step=7, draft=payload[ids.draft]["data"])
    text = post(client, app, NAVIGATE, values, trigger=ids.launch).get_data(as_text=True)
    assert len(_runs(database)) == before and submitted == []
    assert "every column is excluded" in text


def test_wizard_reload_keeps_edits_but_a_new_advice_link_clones_again(
    app, world, client_for, forest_run
):
    client = client_for("ed")
    href = new_run_href(world.alpha, forest_run, adjust=ADVICE)
    first = _restore(client, app, _restore_values(world.alpha, forest_run, href))
    draft = first[ids.draft]["data"]
    draft[str(world.alpha)]["name"] = "my edited name"
    again = _restore(client, app, _restore_values(world.alpha, forest_run, href, draft=draft))
    assert again[ids.name]["value"] == "my edited name"  # the same link: the edits stay
    assert again[ids.feedback]["children"] is None
    other = new_run_href(world.alpha, forest_run,
                         adjust={"n_estimators": {"type": "int", "low": 100, "high": 300}})
    fresh = _restore(client, app, _restore_values(world.alpha, forest_run, other, draft=draft))
    form = fresh[ids.draft]["data"][str(world.alpha)]
    assert fresh[ids.name]["value"] == f"{RUN_NAME} (copy)"
    assert (_space_row(form, "n_estimators")["high"], _space_row(form, "max_depth")["type"]) == (
        "300", "int")
    assert "narrowed n_estimators to [100, 300]" in str(fresh[ids.feedback]["children"])


@pytest.mark.parametrize("who", ["otto", "vic"])
def test_wizard_advice_link_to_an_unreadable_run_reveals_nothing(
    app, world, client_for, forest_run, who
):
    experiment = world.bravo if who == "otto" else world.alpha
    href = new_run_href(world.alpha, forest_run, drop=["alcohol"], adjust=ADVICE)
    response = post(client_for(who), app, RESTORE,
                    _restore_values(experiment, forest_run, href))
    text = response.get_data(as_text=True)
    if who == "vic":  # a viewer may not use the wizard at all
        assert response.status_code == 204
        return
    assert response.status_code == 200
    assert "no access" in text
    assert RUN_NAME not in text and "n_estimators" not in text and "alcohol" not in text
