"""The wizard's callbacks over HTTP, as the browser posts them: who may launch, what a launch
stores, bad input that launches nothing, uploads, clones, and reading other experiments' data.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from dashapp.guard import Check, requirement_of
from dashapp.pages import new_run
from dashapp.pages.new_run.ids import FIELDS, SPACE_ATTRS, ids
from dashapp.pages.new_run.wizard import data as wizard_data
from dashapp.pages.new_run.wizard.form import default_form, merge_space_rows
from dashapp.permissions import Role
from optunagui.models import list_models
from optunagui.store import create_run
from optunagui.store.tables import DatasetVersion, Run
from tests.dashapp.conftest import RUN_NAME, callback_body, callback_key

NAVIGATE = "new-run-launched.data"
RESTORE = "new-run-restored.data"
DESCRIBE = "new-run-preview.children"
UPLOAD = "new-run-upload-status.children"
RESET = "new-run-space-status.children"
RESOURCES = "new-run-resources.children"
METRICS = "new-run-metrics.options"
WIZARD_CALLBACKS = [NAVIGATE, RESTORE, DESCRIBE, UPLOAD, RESET, RESOURCES, METRICS]
CSV = b"customer_id,age,plan,churned\n" + b"".join(
    f"{i},{20 + i % 50},{'ab'[i % 2]},{i % 3 == 0}\n".encode() for i in range(1, 121)
)


@pytest.fixture(autouse=True)
def _fresh_dataset_cache():
    wizard_data.clear_cache()
    yield
    wizard_data.clear_cache()


@pytest.fixture
def submitted(monkeypatch) -> list[int]:
    """Runs handed to the cluster (recorded instead of starting a driver)."""
    import cluster.launch.submit

    calls: list[int] = []
    monkeypatch.setattr(cluster.launch.submit, "submit_run",
                        lambda run_id, *a, **k: calls.append(run_id))
    return calls


def _error_slots() -> list[dict[str, str]]:
    found: list[dict[str, str]] = []

    def walk(node: Any) -> None:
        node_id = getattr(node, "id", None)
        if isinstance(node_id, dict) and node_id.get("type") == ids.error:
            found.append(node_id)
        children = getattr(node, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if hasattr(child, "to_plotly_json"):
                walk(child)

    walk(new_run.layout("1"))
    return found


def browser_values(form: dict[str, Any], experiment_id: Any, **extra: Any) -> dict[str, Any]:
    """What the browser holds for ``form``: plain fields, and pattern ids with their values."""
    values: dict[str, Any] = {key: form.get(key) for key in FIELDS}
    models = [m.name for m in list_models()]
    model_ids = [{"type": ids.model_use, "model": m} for m in models]
    preset_ids = [{"type": ids.preset, "model": m} for m in models]
    values["model_use"] = [(i, i["model"] in form["models"]) for i in model_ids]
    values["model_ids"] = [(i, i) for i in model_ids]
    values["preset_values"] = [(i, form["presets"].get(i["model"], "default")) for i in preset_ids]
    values["preset_ids"] = [(i, i) for i in preset_ids]
    use_ids = [{"type": ids.feature_use, "column": r["column"]} for r in form["features"]]
    values["feature_use"] = [(i, r["use"]) for i, r in zip(use_ids, form["features"], strict=True)]
    values["feature_ids"] = [(i, i) for i in use_ids]
    values["feature_transform"] = [
        ({"type": ids.feature_transform, "column": r["column"]}, r["transform"] or "default")
        for r in form["features"]
    ]
    for attr in SPACE_ATTRS:
        values[f"space_{attr}"] = [
            ({"type": f"{ids.space_cell}-{attr}", "row": f"{r['model']}/{r['name']}"}, r[attr])
            for r in form["space"]
        ]
    values["space_ids"] = [(i, i) for i, _ in values["space_type"]]
    values.update(experiment_id=str(experiment_id), draft=None, step=form.get("step", 1))
    values.update(extra)
    return values


def post(client, app, fragment: str, values: dict[str, Any], trigger: str | None = None):
    return post_to(client, app, callback_key(app, fragment), values, trigger)


def post_to(client, app, key: str, values: dict[str, Any], trigger: str | None = None):
    """Posts to callback ``key`` as the browser does, with the page's pattern-id outputs."""
    changed = [f"{trigger}.n_clicks"] if trigger else None
    body = callback_body(app, key, values, changed=changed)
    slots = _error_slots()
    outputs = body["outputs"]
    if isinstance(outputs, list):
        for index, part in enumerate(key[2:-2].split("...")):
            component, prop = part.rsplit(".", 1)
            if component.startswith("{") and ids.error in component:
                outputs[index] = [{"id": s, "property": "children"} for s in slots]
            elif component.startswith("{"):
                kind = json.loads(component)["type"]
                outputs[index] = [
                    {"id": {"type": kind, "model": m.name}, "property": prop.split("@")[0]}
                    for m in list_models()
                ]
    cookie = client.get_cookie("_csrf_token")
    headers = {"X-CSRFToken": cookie.value} if cookie is not None else {}
    return client.post("/_dash-update-component", json=body, headers=headers)


def messages_of(response) -> dict[str, Any]:
    """The children of each message slot in a navigate response, by field."""
    found = {}
    for key, value in response.json["response"].items():
        if key.startswith("{") and ids.error in key:
            found[json.loads(key)["field"]] = value["children"]
    return found


def small_form(**changes: Any) -> dict[str, Any]:
    form = default_form()
    form.update({"n_trials": 2, "folds": 2, **changes})
    form["space"] = merge_space_rows(form["models"], form["presets"], [], {})
    return form


def _runs(database) -> list[Run]:
    with database.session() as session:
        runs = list(session.scalars(select(Run).order_by(Run.id)))
        session.expunge_all()
        return runs


def _launch(client, app, world, form, experiment=None):
    values = browser_values(form, experiment or world.alpha, step=7)
    return post(client, app, NAVIGATE, values, trigger=ids.launch)


def test_wizard_callbacks_all_require_an_editor(app, client_for):
    client_for("olivia")
    for fragment in WIZARD_CALLBACKS:
        requirement = requirement_of(app.callback_map[callback_key(app, fragment)]["callback"])
        assert requirement is not None and requirement.check is Check.experiment, fragment
        assert requirement.role is Role.editor, fragment


def test_wizard_launch_by_editor_creates_and_submits_one_run(
    app, world, database, client_for, submitted
):
    before = len(_runs(database))
    response = _launch(client_for("ed"), app, world, small_form(name="iris forest"))
    assert response.status_code == 200, response.get_data(as_text=True)
    runs = _runs(database)[before:]
    assert [r.name for r in runs] == ["iris forest"]
    run = runs[0]
    assert submitted == [run.id]
    assert run.spec["model"] == "random_forest" and run.spec["budget"]["n_trials"] == 2
    assert run.spec["dataset"] == {"builtin": "iris", "options": {}}
    assert run.created_by == world.user_ids["ed"] and run.group_key is None
    assert response.json["response"][ids.launched]["data"] == {"href": f"/runs/{run.id}",
                                                               "experiment": world.alpha}


def test_wizard_launch_of_several_models_groups_the_runs(
    app, world, database, client_for, submitted
):
    form = small_form(models=["random_forest", "logistic_regression", "ridge"])
    form["space"] = merge_space_rows(form["models"], form["presets"], [], {})
    before = len(_runs(database))
    response = _launch(client_for("olivia"), app, world, form)
    runs = _runs(database)[before:]
    assert sorted(r.spec["model"] for r in runs) == ["logistic_regression", "random_forest",
                                                     "ridge"]
    assert len({r.group_key for r in runs}) == 1 and runs[0].group_key
    assert submitted == [r.id for r in runs]
    assert response.json["response"][ids.launched]["data"]["href"] == f"/experiments/{world.alpha}"


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"n_trials": 0}, "n_trials", "greater than or equal to 1"),
        ({"metrics": ["rmse"]}, "metrics", "regression metric"),
        ({"split_method": "group_kfold"}, "group", "group_kfold needs group"),
        ({"models": []}, "models", "choose at least one model"),
        ({"gpu": 0.5}, "gpu", "CPU only"),
    ],
)
def test_wizard_bad_input_launches_nothing_and_says_why_next_to_the_field(
    app, world, database, client_for, submitted, changes, field, text
):
    before = len(_runs(database))
    response = _launch(client_for("ed"), app, world, small_form(**changes))
    assert response.status_code == 200
    assert text in json.dumps(messages_of(response)[field])
    assert len(_runs(database)) == before and submitted == []


@pytest.mark.parametrize("who", ["vic", "otto", "share", "anonymous"])
def test_wizard_launch_is_refused_to_viewers_and_outsiders(
    app, world, database, client_for, submitted, who
):
    before = len(_runs(database))
    response = _launch(client_for(who), app, world, small_form())
    assert response.status_code in (204, 401), response.status_code
    assert len(_runs(database)) == before and submitted == []


def test_wizard_clone_of_another_experiments_run_reveals_nothing(app, world, client_for):
    client = client_for("otto")  # owner of Bravo, not a member of Alpha
    values = {"stamp": -1, "experiment_id": str(world.bravo), "draft": None,
              "restored": False, "clone": str(world.run_id), "model_ids": [], "preset_ids": []}
    response = post(client, app, RESTORE, values, trigger=None)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "no access" in text and RUN_NAME not in text and "accuracy" not in text


def test_wizard_clone_prefills_from_a_readable_run(app, world, database, client_for):
    spec = small_form()
    with database.session() as session:
        run = create_run(session, world.alpha, "to clone", {
            "name": "to clone", "dataset": {"builtin": "wine"}, "task": "classification",
            "model": "svm", "preset": "fast", "metrics": [{"name": "f1_macro"}],
            "budget": {"n_trials": 7, "max_concurrent": 2}, "space": {},
        })
        run_id = run.id
    values = {"stamp": -1, "experiment_id": str(world.alpha), "draft": None,
              "restored": False, "clone": str(run_id),
              "model_ids": [(i, i) for i in ({"type": ids.model_use, "model": m.name}
                                             for m in list_models())],
              "preset_ids": [(i, i) for i in ({"type": ids.preset, "model": m.name}
                                              for m in list_models())]}
    response = post(client_for("ed"), app, RESTORE, values)
    payload = response.json["response"]
    assert payload[ids.builtin]["value"] == "wine"
    assert payload[ids.n_trials]["value"] == 7
    assert payload[ids.metrics]["value"] == ["f1_macro"]
    assert spec  # the default form is untouched by cloning


def _upload(client, app, world, experiment, filename="churn.csv", data=CSV):
    contents = "data:text/csv;base64," + base64.b64encode(data).decode()
    values = {"contents": contents, "filename": filename, "experiment_id": str(experiment)}
    return post(client, app, UPLOAD, values)


def test_wizard_upload_is_stored_by_content_and_recorded_once(app, world, database, client_for,
                                                               settings):
    client = client_for("ed")
    first = _upload(client, app, world, world.alpha).json["response"]
    second = _upload(client, app, world, world.alpha).json["response"]
    stored = first[ids.upload_data]["data"]
    assert stored["n_rows"] == 120 and stored["n_columns"] == 4
    assert second[ids.upload_data]["data"]["version_id"] == stored["version_id"]
    with database.session() as session:
        version = session.get(DatasetVersion, stored["version_id"])
        assert version.added_by == world.user_ids["ed"]
        assert version.stored_path.startswith(str(settings.data_dir / "datasets"))
        assert session.scalar(select(func.count()).select_from(DatasetVersion)) == 1


def test_wizard_upload_over_the_limit_or_not_a_table_is_refused(
    app, world, database, client_for, monkeypatch
):
    client = client_for("ed")
    monkeypatch.setenv("OPTUNAGUI_MAX_UPLOAD_MB", "0.001")
    text = _upload(client, app, world, world.alpha).get_data(as_text=True)
    assert "larger than the limit" in text
    monkeypatch.delenv("OPTUNAGUI_MAX_UPLOAD_MB")
    text = _upload(client, app, world, world.alpha, filename="notes.docx").get_data(as_text=True)
    assert "not a CSV or Parquet file" in text
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(DatasetVersion)) == 0


def test_wizard_someone_elses_upload_cannot_be_read_or_launched(
    app, world, database, client_for, submitted
):
    uploaded = _upload(client_for("ed"), app, world, world.alpha).json["response"]
    upload = uploaded[ids.upload_data]["data"]
    otto = client_for("otto")
    values = {"source": "upload", "builtin": None, "upload": upload, "target": "churned",
              "experiment_id": str(world.bravo), "options": {}}
    text = post(otto, app, DESCRIBE, values).get_data(as_text=True)
    assert "customer_id" not in text and "Upload a file first" in text
    form = small_form(source="upload", upload=upload, target="churned")
    before = len(_runs(database))
    launched = _launch(otto, app, world, form, experiment=world.bravo).get_data(as_text=True)
    assert "choose a built-in dataset or upload a file" in launched
    assert len(_runs(database)) == before and submitted == []


def test_wizard_uploaded_file_launches_with_its_version(
    app, world, database, client_for, submitted
):
    client = client_for("ed")
    upload = _upload(client, app, world, world.alpha).json["response"][ids.upload_data]["data"]
    preview = post(client, app, DESCRIBE, {
        "source": "upload", "builtin": None, "upload": upload, "target": "churned",
        "experiment_id": str(world.alpha), "options": {},
    }).get_data(as_text=True)
    assert "customer_id" in preview and "id-like" not in preview
    form = small_form(source="upload", upload=upload, target="churned")
    form["features"] = [
        {"column": "customer_id", "use": False, "transform": "", "kind": "", "reason": None},
        {"column": "age", "use": True, "transform": "standardize", "kind": "", "reason": None},
        {"column": "plan", "use": True, "transform": "one_hot", "kind": "", "reason": None},
    ]
    before = len(_runs(database))
    _launch(client, app, world, form)
    run = _runs(database)[before]
    assert run.dataset_version_id == upload["version_id"]
    features = run.spec["features"]
    assert (features["exclude"], features["transforms"]) == (
        ["customer_id"], {"age": "standardize", "plan": "one_hot"})
    assert features["applied"] == {"age": "standardize", "plan": "one_hot"}
    assert run.spec["dataset"]["target"] == "churned"


DENIED_CASES = {
    RESOURCES: lambda w: {},
    RESTORE: lambda w: {"stamp": -1, "draft": None, "restored": False, "clone": str(w.run_id)},
    DESCRIBE: lambda w: {"source": "builtin", "builtin": "iris", "target": "target",
                         "options": {}},
    METRICS: lambda w: {"task": "auto", "inferred": {"columns": ["x"], "task": None},
                        "metrics": []},
    UPLOAD: lambda w: {"contents": "data:text/csv;base64," + base64.b64encode(CSV).decode(),
                       "filename": "churn.csv"},
    RESET: lambda w: {"clicks": 1, "draft": None},
    NAVIGATE: lambda w: browser_values(small_form(), w.alpha, step=7),
}


def _counts(database) -> tuple[int, int]:
    with database.session() as session:
        return (session.scalar(select(func.count()).select_from(Run)),
                session.scalar(select(func.count()).select_from(DatasetVersion)))


@pytest.mark.parametrize("fragment", list(DENIED_CASES))
@pytest.mark.parametrize("who", ["anonymous", "share", "otto", "vic"])
def test_wizard_callbacks_refuse_viewers_and_outsiders_without_a_trace(
    app, world, database, client_for, submitted, fragment, who
):
    values = {"experiment_id": str(world.alpha), **DENIED_CASES[fragment](world)}
    before = _counts(database)
    trigger = ids.launch if fragment == NAVIGATE else None
    response = post(client_for(who), app, fragment, values, trigger=trigger)
    text = response.get_data(as_text=True)
    if who == "anonymous":
        assert response.status_code == 401
    elif fragment == RESOURCES:
        expected = "Only the experiment's editors" if who == "vic" else "does not exist"
        assert response.status_code == 200 and expected in text
    else:
        assert response.status_code == 204, (response.status_code, text[:300])
    for secret in ("Alpha", RUN_NAME, "sepal", "accuracy", "Stored churn.csv", "CPUs"):
        assert secret not in text, secret
    assert _counts(database) == before and submitted == []
