"""The wizard's logic without Dash: form -> spec -> form, where each problem is shown, step by
step checks, the launch estimate, and runs of several models sharing one group key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dashapp.pages.new_run.wizard import data as wizard_data
from dashapp.pages.new_run.wizard.estimate import Capacity, estimate_launch, local_capacity
from dashapp.pages.new_run.wizard.feature_rows import merge_feature_rows
from dashapp.pages.new_run.wizard.form import (
    DatasetRef,
    default_form,
    form_to_raw_specs,
    format_choices,
    format_when,
    merge_space_rows,
    parse_space_row,
    spec_to_form,
)
from dashapp.pages.new_run.wizard.launch import launch_runs
from dashapp.pages.new_run.wizard.steps import check_form, field_step, locate
from dashapp.pages.new_run.wizard.upload import max_upload_bytes
from optunagui.store import Database, create_experiment, create_user, list_runs_in_group

IRIS = DatasetRef(spec={"builtin": "iris"})
CSV = "customer_id,age,plan,signup,churned\n" + "".join(
    f"{i},{20 + i % 50},{'abc'[i % 3]},2024-01-{1 + i % 28:02d},{i % 3 == 0}\n"
    for i in range(1, 151)
)


def _form(models: list[str] | None = None, **changes: Any) -> dict[str, Any]:
    form = default_form()
    if models is not None:
        form["models"] = models
    form.update(changes)
    form["space"] = merge_space_rows(form["models"], form["presets"], [], {})
    return form


def _check(form: dict[str, Any], ref: DatasetRef | None = IRIS):
    return check_form(form, ref, wizard_data.load_cached)


@pytest.fixture
def csv_ref(tmp_path: Path) -> DatasetRef:
    path = tmp_path / "churn.csv"
    path.write_text(CSV)
    return DatasetRef(spec={"path": str(path), "target": "churned"})


def _row(form: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in form["space"] if r["name"] == name)


def test_form_round_trip_through_the_spec_keeps_every_choice(csv_ref):
    form = _form(["svm"], metrics=["f1_macro", "accuracy"], n_trials=12, max_concurrent=3,
                 timeout_s=600, sampler="nsga2", sampler_seed=7, split_method="stratified_kfold",
                 folds=3, test_size=0.25, split_seed=4, quick=True, max_failures=2,
                 name="churn <svm>", target="churned", source="upload")
    form["presets"]["svm"] = "wide"
    form["space"] = merge_space_rows(["svm"], form["presets"], [], {})
    _row(form, "C").update(low="0.5", high="50")
    _row(form, "kernel").update(choices="rbf, poly, sigmoid")
    _row(form, "degree").update(type="fixed", value="3", when="kernel: poly")
    form["features"] = [
        {"column": "customer_id", "use": False, "transform": ""},
        {"column": "signup", "use": False, "transform": ""},
        {"column": "age", "use": True, "transform": "minmax"},
        {"column": "plan", "use": True, "transform": "ordinal"},
    ]
    first = _check(form, csv_ref)
    assert first.messages == []
    spec = first.specs["svm"]
    assert spec.features.exclude == ["customer_id", "signup"]
    assert spec.space["C"].low == 0.5 and spec.space["kernel"].choices == ["rbf", "poly", "sigmoid"]
    assert spec.space["degree"].type == "fixed" and spec.space["degree"].when == {
        "kernel": ["poly"]}

    again = spec_to_form(spec.to_dict(), upload={"version_id": 1})
    second = _check(again, csv_ref)
    assert second.messages == []
    assert second.specs["svm"].to_dict() == spec.to_dict()
    assert again["metrics"] == ["f1_macro", "accuracy"] and again["presets"]["svm"] == "wide"
    assert again["upload"] == {"version_id": 1}


def test_form_defaults_give_a_valid_spec_for_a_builtin():
    check = _check(_form())
    assert check.messages == []
    spec = check.specs["random_forest"]
    assert spec.task == "classification" and spec.metrics[0].name == "accuracy"
    assert form_to_raw_specs(_form(), IRIS).specs["random_forest"]["space"] == {}


def test_form_of_a_stored_spec_with_none_fields_reads_back():
    spec = _check(_form(["logistic_regression"])).specs["logistic_regression"]
    stored = spec.model_dump(mode="json")  # how the store keeps it: every field, None included
    check = _check(spec_to_form(stored))
    assert check.messages == [] and check.specs["logistic_regression"].to_dict() == spec.to_dict()


@pytest.mark.parametrize(
    ("changes", "field", "step", "text"),
    [
        ({"task": "banana"}, "task", 1, "classification"),
        ({"features": [{"column": c, "use": False} for c in
                       ["sepal length (cm)", "sepal width (cm)", "petal length (cm)",
                        "petal width (cm)"]]}, "features", 2, "keep at least one feature"),
        ({"features": [{"column": "sepal length (cm)", "use": True, "transform": "spline"}]},
         "features.sepal length (cm)", 2, "unknown transform"),
        ({"features": [{"column": "no such column", "use": False}]},
         "features.no such column", 2, "not in the dataset"),
        ({"models": []}, "models", 3, "at least one model"),
        ({"models": ["banana"]}, "models", 3, "unknown model"),
        ({"presets": {"random_forest": "huge"}}, "preset.random_forest", 3, "unknown preset"),
        ({"split_method": "group_kfold"}, "group", 5, "needs group"),
        ({"folds": 1}, "folds", 5, "greater than or equal to 2"),
        ({"test_size": 0.95}, "test_size", 5, "less than 0.9"),
        ({"metrics": ["rmse"]}, "metrics", 5, "regression metric"),
        ({"n_trials": 0}, "n_trials", 6, "greater than or equal to 1"),
        ({"n_trials": None}, "n_trials", 6, "whole number"),
        ({"max_concurrent": 2.5}, "max_concurrent", 6, "whole number"),
        ({"timeout_s": -5}, "timeout_s", 6, "greater than 0"),
        ({"sampler": "annealing"}, "sampler", 6, "unknown sampler"),
        ({"metrics": ["accuracy", "f1"], "pruner": "asha"}, "pruner", 6, "several metrics"),
        ({"reduction_factor": 1}, "reduction_factor", 6, "greater than or equal to 2"),
        ({"cpu": 1.5}, "cpu", 6, "whole number"),
        ({"gpu": 0.5}, "gpu", 6, "CPU only"),
        ({"max_failures": -1}, "max_failures", 6, "greater than or equal to 0"),
        ({"name": "x" * 300}, "name", 7, "at most 200"),
    ],
)
def test_step_bad_input_is_shown_at_its_field_and_step(changes, field, step, text):
    check = _check(_form(**changes))
    by_field = check.by_field()
    assert field in by_field, by_field
    assert any(text in message for message in by_field[field]), by_field[field]
    assert field_step(field) == step
    assert check.first_step_with_problems() == step
    assert check.specs == {}


def test_step_bad_dataset_choices_are_shown_on_the_data_step(csv_ref):
    missing = _check(_form(source="upload"), None).by_field()
    assert "choose a built-in dataset or upload a file" in missing["dataset"][0]
    wrong_target = DatasetRef(spec={**csv_ref.spec, "target": "nope"})
    assert "not in the file" in _check(_form(), wrong_target).by_field()["target"][0]


@pytest.mark.parametrize(
    ("row", "attr", "text"),
    [
        ({"low": "abc"}, "low", "must be a number"),
        ({"low": "900", "high": "100"}, "low", "greater than high"),
        ({"step": "0.5"}, "step", "whole number"),
        ({"when": "kernel rbf"}, "when", "parent: value"),
        ({"when": "booster: gbtree"}, "when", "not a parameter"),
        ({"type": "categorical", "choices": ""}, "choices", "non-empty"),
    ],
)
def test_step_bad_range_is_shown_in_its_row(row, attr, text):
    form = _form()
    _row(form, "n_estimators").update(row)
    check = _check(form)
    field = f"space.random_forest.n_estimators.{attr}"
    assert any(text in m for m in check.by_field()[field]), check.by_field()
    assert field_step(field) == 4 and check.first_step_with_problems() == 4


def test_step_next_is_held_only_by_problems_up_to_the_current_step():
    check = _check(_form(n_trials=0))
    assert check.first_step_with_problems(1) is None
    assert check.first_step_with_problems(5) is None
    assert check.first_step_with_problems(6) == 6
    assert list(check.by_field(5)) == [] and list(check.by_field(6)) == ["n_trials"]


def test_step_locate_maps_spec_paths_to_fields():
    assert locate("space.num_leaves.low", "lightgbm") == "space.lightgbm.num_leaves.low"
    assert locate("preset.drop_rate.when", "lightgbm") == "space.lightgbm.drop_rate.when"
    assert locate("metrics[1].direction", "svm") == "metrics"
    assert locate("features.exclude[1]", "svm", ["a", "b"]) == "features.b"
    assert locate("features.transforms.age", "svm") == "features.age"
    assert locate("dataset.target", "svm") == "target"
    assert locate("split.group", "svm") == "group"
    assert locate("budget", "svm") == "n_trials"
    assert locate("preset", "svm") == "preset.svm"
    assert locate("something.else", "svm") == "general"


def test_space_rows_write_and_read_choices_and_conditions():
    assert format_choices([None, "balanced", True, 16]) == "null, balanced, true, 16"
    assert format_when({"kernel": ["rbf", "poly"], "x": [1]}) == "kernel: rbf, poly; x: 1"
    param, problems = parse_space_row({"type": "categorical", "choices": "null, balanced",
                                       "when": "kernel: rbf, poly; x: 1"})
    assert problems == []
    assert param == {"type": "categorical", "choices": [None, "balanced"],
                     "when": {"kernel": ["rbf", "poly"], "x": [1]}}


def test_space_rows_keep_edits_until_the_preset_changes():
    form = _form(["svm", "ridge"])
    _row(form, "C").update(low="1")
    kept = merge_space_rows(["svm", "ridge"], {"svm": "default", "ridge": "default"},
                            form["space"], {"svm": "default", "ridge": "default"})
    assert next(r for r in kept if r["name"] == "C")["low"] == "1"
    changed = merge_space_rows(["svm"], {"svm": "fast"}, form["space"], {"svm": "default"})
    assert next(r for r in changed if r["name"] == "C")["low"] == "0.1"
    assert {r["model"] for r in changed} == {"svm"}


def test_feature_rows_keep_choices_and_take_the_suggestions_for_new_columns():
    fresh = [{"column": "id", "use": False, "transform": ""},
             {"column": "age", "use": True, "transform": ""}]
    merged = merge_feature_rows(fresh, [{"column": "age", "use": False, "transform": "log1p"}])
    assert merged == [{"column": "id", "use": False, "transform": ""},
                      {"column": "age", "use": False, "transform": "log1p"}]
    cloned = merge_feature_rows(fresh, [], unlisted_use=True)
    assert [r["use"] for r in cloned] == [True, True]


def test_estimate_counts_trials_and_caps_concurrency_by_capacity():
    form = _form(["random_forest", "ridge"], n_trials=20, max_concurrent=8, cpu=2,
                 timeout_s=300)
    specs = list(_check(form).specs.values())
    estimate = estimate_launch(specs, Capacity(cpu=6, gpu=0, source="test"))
    assert estimate.n_runs == 2 and estimate.total_trials == 40
    assert estimate.concurrent_per_run == [3, 3] and estimate.concurrent_total == 6
    assert any("300 s" in note for note in estimate.notes)
    unknown = estimate_launch(specs, local_capacity(8, "ray://head:10001"))
    assert unknown.concurrent_per_run == [8, 8]


def test_estimate_local_capacity_says_where_it_comes_from():
    local = local_capacity(4, None)
    assert (local.cpu, local.gpu, local.known) == (4, 0, True)
    assert "no cluster address" in local.source
    assert local_capacity(4, "ray://x:1").known is False


def test_upload_limit_reads_the_environment():
    assert max_upload_bytes({}) == 200 * 1024 * 1024
    assert max_upload_bytes({"OPTUNAGUI_MAX_UPLOAD_MB": "1.5"}) == int(1.5 * 1024 * 1024)
    with pytest.raises(ValueError, match="megabytes"):
        max_upload_bytes({"OPTUNAGUI_MAX_UPLOAD_MB": "lots"})
    with pytest.raises(ValueError, match="positive"):
        max_upload_bytes({"OPTUNAGUI_MAX_UPLOAD_MB": "0"})


def test_launch_of_several_models_makes_one_run_each_with_one_group_key(tmp_settings):
    database = Database(tmp_settings.database_url)
    database.upgrade()
    with database.session() as session:
        user = create_user(session, "ana", "x")
        experiment = create_experiment(session, "selection", user.id)
        user_id, experiment_id = user.id, experiment.id
    specs = _check(_form(["random_forest", "extra_trees", "ridge"], n_trials=3)).specs
    submitted: list[int] = []
    result = launch_runs(database, tmp_settings, experiment_id, specs, created_by=user_id,
                         submit=submitted.append)
    assert len(result.run_ids) == 3 and submitted == result.run_ids
    assert result.target_url is None and result.failures == {}
    group_key = _group(database, result)
    with database.session() as session:
        runs = list_runs_in_group(session, group_key)
        assert sorted(r.spec["model"] for r in runs) == ["extra_trees", "random_forest", "ridge"]
        assert all(r.status == "queued" and r.n_trials_budget == 3 for r in runs)
    database.dispose()


def _group(database: Database, result) -> str:
    from optunagui.store import get_run

    with database.session() as session:
        keys = {get_run(session, run_id).group_key for run_id in result.run_ids}
    assert len(keys) == 1 and None not in keys
    return keys.pop()


def test_launch_marks_a_run_failed_when_its_driver_cannot_start(tmp_settings):
    from cluster.launch.jobs import SubmitError
    from optunagui.store import get_run

    database = Database(tmp_settings.database_url)
    database.upgrade()
    with database.session() as session:
        user = create_user(session, "ana", "x")
        experiment_id = create_experiment(session, "one", user.id).id

    def refuse(run_id: int) -> None:
        raise SubmitError("the cluster at ray://nowhere cannot be reached")

    specs = _check(_form(n_trials=2)).specs
    result = launch_runs(database, tmp_settings, experiment_id, specs, created_by=None,
                         submit=refuse)
    assert result.target_url == f"/runs/{result.run_ids[0]}"
    with database.session() as session:
        run = get_run(session, result.run_ids[0])
        assert run.status == "failed" and "cannot be reached" in run.status_reason
    database.dispose()
