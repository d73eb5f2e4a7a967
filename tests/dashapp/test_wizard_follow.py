"""What follows the data and the task in the wizard: the target a new file gets, the task
inferred again when the data or target changes, and the metrics, split and models that no
longer fit the task taken away with a sentence that says so; a chosen task the target
disagrees with is warned about. The rules first, then the callbacks over HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.wizard import data as wizard_data
from dashapp.pages.new_run.wizard.follow import (
    data_key,
    default_target,
    effective_task,
    follow_metrics,
    follow_models,
    follow_split,
    task_warning,
)
from optunagui.models import list_models
from tests.dashapp.test_wizard_callbacks import _upload, post

DESCRIBE = "new-run-preview.children"
METRICS = "new-run-metrics.options"
FOLLOW = "new-run-task-notes.children"
PENGUINS = b"species,bill_length_mm,flipper_length_mm,body_mass_g\n" + b"".join(
    (f"{'ACG'[i % 3]}species,{'' if i % 11 == 0 else 32 + i % 17},"
     f"{'' if i % 13 == 0 else 170 + i % 40},{3000 + 37 * i}\n").encode()
    for i in range(90)
)


@pytest.fixture(autouse=True)
def _fresh_dataset_cache():
    wizard_data.clear_cache()
    yield
    wizard_data.clear_cache()


# --- the rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(("columns", "expected"), [
    (["a", "b", "Label"], ("Label", "its name says it is the target")),
    (["y", "x", "z"], ("y", "its name says it is the target")),
    (["class", "target", "z"], ("target", "its name says it is the target")),
    (["species", "bill", "body_mass_g"], ("body_mass_g", "the last column")),
    (["ylabel", "x"], ("x", "the last column")),
    ([], (None, "the file has no columns")),
])
def test_follow_default_target_prefers_a_target_like_name(columns, expected):
    assert default_target(columns) == expected


def test_follow_metrics_that_do_not_fit_are_removed_with_why():
    followed = follow_metrics(["f1_macro", "rmse", "accuracy"], "regression")
    assert followed.kept == ["rmse"] and followed.removed == ["f1_macro", "accuracy"]
    assert followed.note == ("Removed f1_macro, accuracy: classification metrics, and the task "
                             "is regression.")
    one = follow_metrics(["r2"], "classification")
    assert one.note == "Removed r2: a regression metric, and the task is classification."
    assert follow_metrics(["accuracy"], "classification").note is None
    assert follow_metrics(["accuracy"], None).kept == ["accuracy"]  # no task known: kept
    for bad in (None, "accuracy", 3, {"a": 1}, [None, 4]):
        assert follow_metrics(bad, "regression").kept == []
    assert follow_metrics(["no_such"], "regression").kept == ["no_such"]  # the check says why


def test_follow_split_and_models_for_the_task():
    split = follow_split("stratified_kfold", "regression")
    assert split.kept == ["kfold"] and "stratified_kfold is for classification" in split.note
    assert follow_split("stratified_kfold", "classification").removed == []
    assert follow_split("holdout", "regression").kept == ["holdout"]
    assert follow_split(None, "regression").kept == []
    models = follow_models(["logistic_regression", "ridge"], "regression")
    assert models.kept == ["ridge"]
    assert models.note == "Unselected logistic_regression: does not do regression."
    alone = follow_models(["logistic_regression"], "regression")
    assert alone.kept == [] and alone.note.endswith("Choose another model in step 3.")
    assert follow_models(["no_such_model"], "regression").kept == ["no_such_model"]


def test_follow_task_warning_and_effective_task():
    assert "looks like regression, but classification is chosen" in task_warning(
        "classification", "regression")
    assert task_warning("auto", "regression") is None
    assert task_warning("regression", "regression") is None
    assert task_warning("classification", None) is None
    key = data_key("builtin", "iris", None, "target")
    inferred = {"task": "classification", "key": key}
    assert effective_task("auto", inferred, key) == "classification"
    assert effective_task("auto", inferred, "builtin:diabetes:target") is None  # not redone yet
    assert effective_task("regression", inferred, "other") == "regression"
    assert effective_task("auto", "junk", key) is None
    assert effective_task("nonsense", {"task": "nonsense", "key": key}, key) is None
    assert data_key("upload", None, {"version_id": 3}, "y") == "upload:3:y"
    assert data_key("upload", None, "junk", "y") == "upload:None:y"


# --- the callbacks ----------------------------------------------------------------------------


def _describe(client, app, world, *, task="auto", described=None, **data: Any) -> dict:
    values = {"source": "builtin", "builtin": "iris", "upload": None, "target": "target",
              "experiment_id": str(world.alpha), "options": {}, "task": task,
              "described": described, **data}
    response = post(client, app, DESCRIBE, values)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.json["response"]


def test_describe_infers_the_task_again_when_the_data_changes(app, world, client_for):
    client = client_for("ed")
    changed = _describe(client, app, world, builtin="diabetes", task="classification",
                        described="builtin:iris:target")
    assert changed[ids.task]["value"] == "auto"
    assert "inferred from the target again" in changed[ids.dataset_status]["children"]
    assert changed[ids.described]["data"] == "builtin:diabetes:target"
    assert changed[ids.inferred]["data"]["task"] == "regression"
    same = _describe(client, app, world, builtin="diabetes", task="classification",
                     described="builtin:diabetes:target")
    assert "value" not in same[ids.task] and ids.described not in same  # a restored task stays
    first = _describe(client, app, world, task="regression", described=None)
    assert "value" not in first[ids.task]
    assert first[ids.described]["data"] == "builtin:iris:target"


def test_describe_of_a_new_file_picks_and_names_its_target(app, world, client_for):
    client = client_for("ed")
    labelled = b"a,label,b\n" + b"".join(f"{i},{i % 2},{i * 3}\n".encode() for i in range(40))
    upload = _upload(client, app, world, world.alpha, "labelled.csv",
                     labelled).json["response"][ids.upload_data]["data"]
    payload = _describe(client, app, world, source="upload", upload=upload, target="target")
    assert payload[ids.target]["value"] == "label"
    assert payload[ids.dataset_status]["children"] == (
        "40 rows, 3 columns. Target: label (its name says it is the target; choose another "
        "above if that is not what to predict).")
    penguins = _upload(client, app, world, world.alpha, "penguins.csv",
                       PENGUINS).json["response"][ids.upload_data]["data"]
    last = _describe(client, app, world, source="upload", upload=penguins, target="label",
                     described=payload[ids.described]["data"])
    assert last[ids.target]["value"] == "body_mass_g"
    assert "Target: body_mass_g (the last column" in last[ids.dataset_status]["children"]
    assert last[ids.inferred]["data"]["task"] == "regression"
    chosen = _describe(client, app, world, source="upload", upload=penguins, target="species")
    assert "value" not in chosen[ids.target]
    assert chosen[ids.dataset_status]["children"] == "90 rows, 4 columns. Target: species."
    assert chosen[ids.inferred]["data"]["task"] == "classification"


def test_describe_says_the_file_name_never_the_stored_path(app, world, client_for, settings):
    client = client_for("ed")
    empty_target = b"a,b,empty\n" + b"".join(f"{i},{i * 2},\n".encode() for i in range(30))
    upload = _upload(client, app, world, world.alpha, "holes.csv",
                     empty_target).json["response"][ids.upload_data]["data"]
    text = json.dumps(_describe(client, app, world, source="upload", upload=upload,
                                target="empty")[ids.dataset_status])
    assert "all missing" in text and "holes.csv" in text
    assert str(settings.data_dir) not in text and "datasets/" not in text


def _metrics(client, app, world, task, metrics, inferred, trigger=None) -> dict:
    values = {"task": task, "inferred": inferred, "metrics": metrics,
              "experiment_id": str(world.alpha), "source": "builtin", "builtin": "diabetes",
              "upload": None, "target": "target"}
    response = post(client, app, METRICS, values, trigger=trigger)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.json["response"]


REGRESSION = {"columns": ["age", "bmi"], "task": "regression", "key": "builtin:diabetes:target"}


def test_metric_choices_remove_what_no_longer_fits_and_say_why(app, world, client_for):
    client = client_for("ed")
    payload = _metrics(client, app, world, "auto", ["f1_macro", "rmse"], REGRESSION)
    assert payload[ids.metrics]["value"] == ["rmse"]
    assert [o["value"] for o in payload[ids.metrics]["options"]] == ["rmse", "mae", "r2"]
    note = "Removed f1_macro: a classification metric, and the task is regression."
    assert payload[ids.metric_notes]["children"] == note
    assert note in json.dumps(payload[ids.directions]["children"])
    assert "rmse: minimize" in json.dumps(payload[ids.directions]["children"])
    emptied = _metrics(client, app, world, "auto", ["accuracy"], REGRESSION)
    assert emptied[ids.metrics]["value"] == []
    assert "None chosen: rmse (minimize) is used." in json.dumps(emptied[ids.directions])


def test_metric_choices_wait_for_the_inference_of_the_data_shown(app, world, client_for):
    client = client_for("ed")
    stale = {**REGRESSION, "key": "builtin:iris:target"}
    payload = _metrics(client, app, world, "auto", ["accuracy"], stale)
    assert ids.metrics not in payload or "value" not in payload[ids.metrics]
    explicit = _metrics(client, app, world, "classification", ["rmse", "accuracy"], stale)
    assert explicit[ids.metrics]["value"] == ["accuracy"]
    ticked = _metrics(client, app, world, "auto", ["rmse"], REGRESSION, trigger=ids.metrics)
    assert ids.metric_notes not in ticked  # a person's own tick changes no note


@pytest.mark.parametrize("bad", [
    {"task": "junk", "inferred": "junk", "metrics": "rmse"},
    {"task": None, "inferred": {"columns": "x", "task": 5, "key": []}, "metrics": [None, 3]},
    {"task": ["regression"], "inferred": None, "metrics": {"a": 1}},
])
def test_metric_choices_take_bad_input_for_what_it_is_worth(app, world, client_for, bad):
    payload = _metrics(client_for("ed"), app, world, bad["task"], bad["metrics"],
                       bad["inferred"])
    assert len(payload[ids.metrics]["options"]) == 10  # no task known: every metric


def _follow(client, app, world, task, inferred, split="kfold", models=("random_forest",)):
    model_ids = [{"type": ids.model_use, "model": m.name} for m in list_models()]
    values = {"task": task, "inferred": inferred, "experiment_id": str(world.alpha),
              "split_method": split,
              "model_use": [(i, i["model"] in models) for i in model_ids],
              "model_ids": [(i, i) for i in model_ids], "source": "builtin",
              "builtin": "diabetes", "upload": None, "target": "target"}
    response = post(client, app, FOLLOW, values)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.json["response"]


def _chosen_models(payload: dict) -> list[str]:
    return [json.loads(k)["model"] for k, v in payload.items()
            if ids.model_use in k and v["value"] is True]


def test_follow_task_turns_stratified_folds_and_models_to_the_task(app, world, client_for):
    payload = _follow(client_for("ed"), app, world, "auto", REGRESSION, split="stratified_kfold",
                      models=("logistic_regression", "ridge"))
    assert payload[ids.split_method]["value"] == "kfold"
    assert _chosen_models(payload) == ["ridge"]
    notes = json.dumps(payload[ids.task_notes]["children"])
    assert "it is kfold now" in notes
    assert "Unselected logistic_regression: does not do regression." in notes


def test_follow_task_leaves_what_fits_and_warns_on_a_disagreeing_task(app, world, client_for):
    client = client_for("ed")
    fits = _follow(client, app, world, "auto", REGRESSION, split="holdout")
    assert ids.split_method not in fits and _chosen_models(fits) == []
    assert fits[ids.task_notes]["children"] is None
    warned = _follow(client, app, world, "classification", REGRESSION)
    assert "looks like regression, but classification is chosen" in json.dumps(
        warned[ids.task_notes]["children"])
    stale = _follow(client, app, world, "auto", {**REGRESSION, "key": "builtin:iris:target"},
                    split="stratified_kfold", models=("logistic_regression",))
    assert ids.split_method not in stale and stale[ids.task_notes]["children"] is None


@pytest.mark.parametrize("inferred", [None, "junk", {"task": 3}, {"key": None, "task": None}])
def test_follow_task_with_no_task_known_changes_nothing(app, world, client_for, inferred):
    payload = _follow(client_for("ed"), app, world, "auto", inferred, split="stratified_kfold",
                      models=("logistic_regression",))
    assert ids.split_method not in payload and _chosen_models(payload) == []
