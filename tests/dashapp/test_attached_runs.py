"""Attached studies on the dashboard: owners attach one (server files only for admins or from
the allowed folders), every page of the attached run renders for its members and nobody else,
the page says the study's own code runs it and offers no control, the follower's trouble shows
as a warning, and admins file the studies written into the product's database."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import optuna
import pytest

from dashapp.pages.run.exports import EXPORTS
from dashapp.pages.run.render import NOT_AVAILABLE
from dashapp.state import state
from optunagui.store import get_attached, get_run, record_follow_error
from optunagui.store.attached import AttachedStudy
from tests.dashapp.callback_cases import CASES
from tests.dashapp.conftest import (
    SECRET_NAME,
    callback_named,
    give_run_trials,
    iris_spec,
    post_callback,
)

optuna.logging.set_verbosity(optuna.logging.ERROR)

READS = ("show_run", "poll", "choose_axes", "show_trial", "show_code", "show_analysis",
         "show_axes", "show_all_params", "show_parallel", "show_importance", "show_diagnosis",
         "show_pareto", "download_analysis", "show_features", "show_columns", "run_show_notes",
         "show_versions", "show_experiment", "show_data", "download_report")


def _objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -4, 4)
    depth = trial.suggest_int("depth", 1, 6)
    for step in range(3):
        trial.report(x * x + step, step)
    trial.set_user_attr("note", "from the user's code")
    return (x - 1) ** 2 + depth / 10


@pytest.fixture
def study_file(tmp_path: Path) -> str:
    storage = f"sqlite:///{tmp_path / 'team_study.db'}"
    study = optuna.create_study(study_name="team-study", storage=storage,
                                sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(_objective, n_trials=12)
    return storage


def _response(response) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return json.loads(response.get_data(as_text=True))["response"]


def _post(app, client, name: str, values: dict[str, Any]):
    return post_callback(client, app, callback_named(app, name), values)


def _attach(app, client, world, storage: str, follow: bool = True) -> dict[str, Any]:
    return _response(_post(app, client, "attach_study", {
        "experiment_id": str(world.alpha), "clicks": 1, "storage": storage,
        "studies": "team-study", "follow": follow, "refresh": 0}))


@pytest.fixture
def attached(app, world, client_for, database, study_file) -> int:
    shown = _attach(app, client_for("ada"), world, study_file)
    assert "Attached: #" in json.dumps(shown)
    with database.session() as session:
        return session.query(AttachedStudy).one().run_id


def _case_values(world, name: str, run_id: int) -> dict[str, Any]:
    case = next(case for case in CASES if case.name == name)
    return case.values(replace(world, run_id=run_id))


def test_an_owner_cannot_attach_a_file_on_the_server_but_an_admin_can(
        app, world, client_for, database, study_file):
    refused = json.dumps(_attach(app, client_for("olivia"), world, study_file))
    assert "attached by an admin" in refused and "OPTUNAGUI_ATTACH_DIRS" in refused
    with database.session() as session:
        assert session.query(AttachedStudy).count() == 0
    shown = json.dumps(_attach(app, client_for("ada"), world, study_file))
    assert "Attached: #" in shown and "team-study" in shown


def test_an_owner_attaches_a_file_from_an_allowed_folder(app, world, client_for, database,
                                                         study_file, tmp_path):
    with app.server.app_context():
        current = state()
        current.settings = replace(current.settings, attach_dirs=(tmp_path.resolve(),))
    shown = json.dumps(_attach(app, client_for("olivia"), world, study_file))
    assert "Attached: #" in shown
    for who in ("ed", "vic", "otto"):  # editors and viewers do not attach: refused unseen
        response = _post(app, client_for(who), "attach_study", {
            "experiment_id": str(world.alpha), "clicks": 1, "storage": study_file,
            "studies": "team-study", "follow": True, "refresh": 0})
        assert response.status_code == 204
    with database.session() as session:
        assert session.query(AttachedStudy).count() == 1


def test_bad_storages_are_refused_with_what_would_do(app, world, client_for):
    admin = client_for("ada")
    assert "no SQLite file" in json.dumps(_attach(app, admin, world, "sqlite:///nowhere.db"))
    assert "sqlite:///" in json.dumps(_attach(app, admin, world, "ftp://host/study"))
    assert "storage:" in json.dumps(_attach(app, admin, world, "   "))


def test_every_page_of_an_attached_run_renders_for_members(app, world, client_for, attached):
    client = client_for("vic")
    for name in READS:
        text = _post(app, client, name, _case_values(world, name, attached)).get_data(
            as_text=True)
        assert "Traceback" not in text, name
    for what in EXPORTS:
        values = {"run_id": str(attached),
                  "clicks": [({"type": "run-export-item", "what": what}, 1)]}
        response = _post(app, client, "download_export", values)
        assert response.status_code == 200, (what, response.get_data(as_text=True)[:2000])
    shown = _response(_post(app, client, "show_run", {"run_id": str(attached)}))
    columns = shown["run-deferred-views"]["data"]["columns"]
    rows = _response(_post(app, client, "trial_rows", {
        "run_id": str(attached), "live": shown["run-live-state"]["data"], "columns": columns,
        "request": {"startRow": 0, "endRow": 50, "sortModel": [], "filterModel": {}}}))
    page = rows["run-trials-grid"]["getRowsResponse"]
    assert page["rowCount"] == 12 and len(page["rowData"]) == 12
    shared = client_for("share")
    page = _response(_post(app, shared, "show_shared", {"poll": None,
                                                        "token": world.share_url_token}))
    assert "team-study" in json.dumps(page)
    other = _response(_post(app, client_for("otto"), "show_run", {"run_id": str(attached)}))
    assert NOT_AVAILABLE in json.dumps(other) and "team-study" not in json.dumps(other)


def test_the_run_page_says_its_own_code_runs_it_and_offers_no_control(
        app, world, client_for, attached, database):
    shown = _response(_post(app, client_for("olivia"), "show_run", {"run_id": str(attached)}))
    header = json.dumps(shown["run-header"]["children"])
    assert "run by its own code" in header and "Followed: 12 trials mirrored" in header
    assert shown["run-controls"]["style"] == {"display": "none"}
    assert shown["run-ranges-form"]["children"] is None
    links = json.dumps(shown["run-links"]["children"])
    assert "run-replay" not in links and "run-rerun-link" not in links
    paused = json.dumps(_response(_post(app, client_for("ed"), "act", {
        "run_id": str(attached), "pause": 1, "resume": None, "stop": None})))
    assert "run by its own code" in paused
    with database.session() as session:
        assert get_run(session, attached).control is None
    replayed = _post(app, client_for("ed"), "replay", {
        "run_id": str(attached), "clicks": [({"type": "run-replay", "index": 0}, 1)]})
    assert "attached study" in replayed.get_data(as_text=True)


def test_a_storage_that_cannot_be_read_shows_as_a_warning(app, world, client_for, attached,
                                                          database):
    with database.session() as session:
        record_follow_error(session, attached, "cannot read the study from sqlite:///x: gone")
    shown = _response(_post(app, client_for("vic"), "show_run", {"run_id": str(attached)}))
    header = json.dumps(shown["run-header"]["children"])
    assert "Cannot read the study since" in header and "nothing already mirrored is lost" in header


def test_compare_with_a_built_in_run(app, world, client_for, attached, database):
    give_run_trials(database, world.run_id, iris_spec("built-in", 4), [
        {"number": n, "state": "complete", "values": [0.9 - n / 100], "params": {"C": 1.0 + n}}
        for n in range(2, 5)])
    shown = _response(_post(app, client_for("vic"), "show_comparison",
                            {"runs": f"{world.run_id},{attached}", "include": True}))
    assert "team-study" in json.dumps(shown["compare-table"]["children"])


def test_admins_file_studies_written_into_the_products_database(app, world, client_for,
                                                                database, settings):
    optuna.create_study(study_name="from-a-notebook", storage=settings.database_url)
    admin = client_for("ada")
    listed = _response(_post(app, admin, "show_studies", {"refresh": 0}))
    assert "from-a-notebook" in json.dumps(listed["admin-studies"]["children"])
    clicks = [({"type": "admin-studies-attach", "study": "from-a-notebook"}, 1)]
    missing = _response(_post(app, admin, "attach_unattached",
                              {"clicks": clicks, "experiment": None, "refresh": 0}))
    assert "experiment: choose" in json.dumps(missing)
    done = _response(_post(app, admin, "attach_unattached",
                           {"clicks": clicks, "experiment": str(world.alpha), "refresh": 0}))
    assert "as run #" in json.dumps(done)
    with database.session() as session:
        row = session.query(AttachedStudy).one()
        assert get_run(session, row.run_id).study_name == "from-a-notebook"
        assert get_attached(session, row.run_id).following
    listed = _response(_post(app, admin, "show_studies", {"refresh": 1}))
    assert "from-a-notebook" not in json.dumps(listed["admin-studies"]["children"])
    # Deleting the experiment gives the study back to the list; its trials stay in Optuna.
    _post(app, client_for("olivia"), "delete", {"experiment_id": str(world.alpha),
                                                "clicks": 1, "confirm": SECRET_NAME})
    with database.session() as session:
        assert session.query(AttachedStudy).count() == 0
    assert optuna.load_study(study_name="from-a-notebook", storage=settings.database_url)
    listed = _response(_post(app, admin, "show_studies", {"refresh": 2}))
    assert "from-a-notebook" in json.dumps(listed["admin-studies"]["children"])
