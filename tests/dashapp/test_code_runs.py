"""Runs of a user's own objective on the dashboard: every page and callback of such a run
renders, built-in-only actions say why they are not offered, the Code card shows the code
version, members read its source and nobody else does, and the web process never imports the
user's module (its import writes a marker file that must never appear).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from dashapp import access as run_access
from dashapp.code_runs import NOT_REFITTABLE, entry_file, read_code_summary
from dashapp.pages.compare.reevaluate import without_code_runs
from dashapp.pages.run.code_card import MEMBERS_ONLY
from dashapp.pages.run.exports import EXPORTS
from dashapp.permissions import ANONYMOUS, Principal
from optunagui.code.archive import build_archive
from optunagui.store import Run, get_code_version, put_code_version
from tests.dashapp.callback_cases import CASES
from tests.dashapp.conftest import callback_named, give_run_trials, iris_spec, post_callback
from tests.factories import add_run, timed

SOURCE_MARK = "SOURCE-LINE-7f3a: only members read this"
HELPER_MARK = "HELPER-LINE-19c2"
CODE_RUN_NAME = "own-code-run"
SPACE = {"x": {"type": "float", "low": -5.0, "high": 5.0}}

# The read-only callbacks of every page that shows a run (the permission table's values,
# with the code run's id); writes that start work (replay, training) are tested apart.
READS = ("show_run", "poll", "choose_axes", "show_trial", "show_code", "show_code_source",
         "show_analysis", "show_axes", "show_all_params", "show_parallel", "show_importance",
         "show_diagnosis", "show_pareto", "download_analysis", "show_features", "show_rerun_link",
         "show_columns", "pick", "run_show_notes", "show_versions", "download_model_version",
         "show_experiment", "show_data", "experiment_show_notes", "download_report",
         "show_members")


def _objective_source(marker: Path) -> str:
    return textwrap.dedent(f"""\
        import pathlib

        pathlib.Path({str(marker)!r}).write_text("imported")  # runs on import
        # {SOURCE_MARK}

        from helpers import shift


        def objective(trial):
            x = trial.suggest_float("x", -5.0, 5.0)
            return -(x - shift()) ** 2
        """)


@pytest.fixture
def marker(tmp_path) -> Path:
    return tmp_path / "imported.marker"


@pytest.fixture
def code_folder(tmp_path, marker) -> Path:
    folder = tmp_path / "user-code"
    (folder / "conf").mkdir(parents=True)
    (folder / "train.py").write_text(_objective_source(marker))
    (folder / "helpers.py").write_text(f"# {HELPER_MARK}\n\ndef shift():\n    return 1.0\n")
    (folder / "conf" / "settings.json").write_text('{"epochs": 3}\n')
    return folder


def _code_spec(sha256: str, folder: Path) -> dict[str, Any]:
    return {
        "name": CODE_RUN_NAME,
        "objective": {"function": "train.py:objective", "setup": "train.py:load_data",
                      "working_dir": str(folder), "code": sha256},
        "metrics": [{"name": "accuracy", "direction": "maximize"}],
        "sampler": {"name": "tpe", "seed": 0},
        "budget": {"n_trials": 6},
    }


@pytest.fixture
def code_run(world, database, code_folder) -> dict[str, Any]:
    """A finished code run in Alpha with four complete trials, and Alpha's built-in run with
    trials of its own (the compare page shows both)."""
    archive = build_archive(code_folder)
    trials = timed([{"number": n, "state": "complete", "values": [0.5 + n / 10],
                     "params": {"x": n - 1.5}} for n in range(4)])
    with database.session() as session:
        version = put_code_version(session, archive, entry="train.py:objective")
        run = add_run(session, world.alpha, _code_spec(version.sha256, code_folder),
                      CODE_RUN_NAME, created_by=world.user_ids["ed"], trials=trials,
                      statuses=("running", "completed"))
        run.current_space = SPACE
        run_id, sha256 = run.id, version.sha256
    give_run_trials(database, world.run_id, iris_spec("built-in", 4), [
        {"number": n, "state": "complete", "values": [0.9 - n / 100], "params": {"C": 1.0 + n}}
        for n in range(2, 5)])
    return {"run_id": run_id, "sha256": sha256, "builtin": world.run_id}


def _response(response) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return json.loads(response.get_data(as_text=True))["response"]


def _post(app, client, name: str, values: dict[str, Any]):
    return post_callback(client, app, callback_named(app, name), values)


def _case_values(world, name: str, run_id: int) -> dict[str, Any]:
    case = next(case for case in CASES if case.name == name)
    return case.values(replace(world, run_id=run_id))


def _ids(node: Any) -> list[Any]:
    """Every component id in a rendered tree."""
    if isinstance(node, list):
        return [found for child in node for found in _ids(child)]
    if not isinstance(node, dict):
        return []
    props = node.get("props") or {}
    found = [props["id"]] if "id" in props else []
    return found + [item for value in props.values() for item in _ids(value)]


def _user_modules(folder: Path) -> list[str]:
    return [name for name, module in list(sys.modules.items())
            if str(getattr(module, "__file__", "") or "").startswith(str(folder))]


def test_every_page_of_a_code_run_renders_without_importing_its_code(
        app, world, client_for, code_run, code_folder, marker):
    client = client_for("olivia")
    run_id = code_run["run_id"]
    for name in READS:
        text = _post(app, client, name, _case_values(world, name, run_id)).get_data(as_text=True)
        assert "Traceback" not in text, name
    for what in EXPORTS:
        values = {"run_id": str(run_id), "clicks": [({"type": "run-export-item", "what": what},
                                                      1)]}
        response = _post(app, client, "download_export", values)
        assert response.status_code == 200, (what, response.get_data(as_text=True)[:2000])
    runs = f"{code_run['builtin']},{run_id}"
    _response(_post(app, client, "show_comparison", {"runs": runs, "include": True}))
    _response(_post(app, client, "download_comparison", {
        "runs": runs, "include": True,
        "clicks": [({"type": "compare-download-button", "figure": "table"}, 1)]}))
    shared = client_for("share")
    _response(_post(app, shared, "show_shared", {"poll": None, "token": world.share_url_token}))
    assert not marker.exists(), "the web process imported the user's module"
    assert _user_modules(code_folder) == []
    # The marker is real: importing the module writes it.
    subprocess.run([sys.executable, "-c", "import train"], cwd=code_folder, check=True)
    assert marker.read_text() == "imported"


def test_run_page_labels_the_entry_point_and_offers_no_built_in_only_action(
        app, world, client_for, code_run):
    client = client_for("olivia")
    run_id = str(code_run["run_id"])
    shown = _response(_post(app, client, "show_run", {"run_id": run_id}))
    links = json.dumps(shown["run-links"]["children"])
    assert "run-rerun-link" not in links and "run-replay" in links
    code = _response(_post(app, client, "show_code", {"run_id": run_id}))
    assert "train.py:objective" in json.dumps(code["run-kind"]["children"])
    versions = _response(_post(app, client, "show_versions",
                               {"run_id": run_id, "refresh": 0, "tick": None}))
    assert NOT_REFITTABLE in json.dumps(versions["run-models-table"]["children"])
    assert versions["run-models-train"]["style"] == {"display": "none"}


def test_training_a_code_run_is_refused_whatever_the_browser_sends(
        app, world, client_for, code_run):
    response = _post(app, client_for("olivia"), "train",
                     {"run_id": str(code_run["run_id"]), "clicks": 1, "refresh": 0})
    assert response.status_code == 204
    with app.server.app_context():
        from dashapp.services import state

        assert state().training_jobs.get(code_run["run_id"]) is None


def test_analysis_of_a_code_run_has_no_features_tab_and_refits_nothing(
        app, world, client_for, code_run):
    client = client_for("vic")
    run_id = str(code_run["run_id"])
    header = _response(_post(app, client, "show_analysis", {"run_id": run_id}))
    assert header["analysis-features-tab"]["tab_style"] == {"display": "none"}
    assert "train.py:objective" in json.dumps(header["analysis-title"]["children"])
    assert header["analysis-x-param"]["value"] == "x"
    features = _response(_post(app, client, "show_features",
                               {"run_id": run_id, "tab": "features", "tick": None}))
    assert NOT_REFITTABLE in json.dumps(features["analysis-features-note"]["children"])
    assert features["analysis-features-poll"]["disabled"] is True
    with app.server.app_context():
        from dashapp.analysis_state import analysis_state

        assert analysis_state().features.latest(code_run["run_id"]) is None


def test_compare_shows_the_entry_point_in_the_model_row(app, world, client_for, code_run):
    shown = _response(_post(app, client_for("vic"), "show_comparison",
                            {"runs": f"{code_run['builtin']},{code_run['run_id']}",
                             "include": True}))
    table = json.dumps(shown["compare-table"]["children"])
    assert "train.py:objective" in table and "logistic_regression" in table
    assert "your code" in table


def test_reevaluation_leaves_code_runs_out_and_says_why(app, world, client_for, code_run):
    response = _post(app, client_for("olivia"), "start_reevaluation", {
        "clicks": 1, "runs": f"{code_run['builtin']},{code_run['run_id']}", "include": True,
        "seeds": 2})
    shown = _response(response)
    assert NOT_REFITTABLE in json.dumps(shown["compare-reevaluate-feedback"]["children"])
    assert shown["compare-reevaluate-job"]["data"] is None
    with app.server.app_context():
        kept, pinned, note = without_code_runs((code_run["builtin"], code_run["run_id"]),
                                               (code_run["run_id"],))
        assert (kept, pinned) == ((code_run["builtin"],), ())
        assert note is not None
        assert without_code_runs((code_run["builtin"],), ())[2] is None


def test_experiment_page_labels_code_runs_and_offers_no_clone_of_them(
        app, world, client_for, code_run):
    shown = _response(_post(app, client_for("ed"), "show_experiment",
                            {"experiment_id": str(world.alpha), "refresh": 0, "poll": None}))
    runs = shown["experiment-runs"]["children"]
    assert "train.py:objective" in json.dumps(runs)
    clones = [found["run"] for found in _ids(runs)
              if isinstance(found, dict) and found.get("type") == "experiment-clone-run"]
    assert clones == [code_run["builtin"]]


def test_code_card_shows_hash_entry_setup_and_files(app, world, client_for, code_run):
    shown = _response(_post(app, client_for("vic"), "show_code",
                            {"run_id": str(code_run["run_id"])}))
    sha256 = code_run["sha256"]
    facts = json.dumps(shown["run-code-facts"]["children"])
    assert sha256[:12] in facts and sha256 in facts  # short, and whole on hover / to copy
    assert "train.py:objective" in facts and "train.py:load_data" in facts
    assert "3 files" in facts
    files = json.dumps(shown["run-code-files"]["children"])
    for path in ("train.py", "helpers.py", "conf/settings.json"):
        assert path in files
    assert shown["run-code-card"]["style"] == {}
    assert shown["run-code-file"]["value"] == "train.py"
    assert SOURCE_MARK not in json.dumps(shown)


def test_code_card_stays_hidden_for_a_built_in_run(app, world, client_for, code_run):
    shown = _response(_post(app, client_for("vic"), "show_code",
                            {"run_id": str(code_run["builtin"])}))
    assert shown["run-code-card"]["style"] == {"display": "none"}
    assert shown["run-kind"]["children"] is None


@pytest.mark.parametrize("who", ["vic", "ed", "olivia", "ada"])
def test_members_read_the_source_of_any_file_of_the_code_version(
        app, world, client_for, code_run, who):
    client = client_for(who)
    run_id = str(code_run["run_id"])
    entry = _post(app, client, "show_code_source", {"run_id": run_id, "path": "train.py"})
    assert SOURCE_MARK in entry.get_data(as_text=True)
    helper = _post(app, client, "show_code_source", {"run_id": run_id, "path": "helpers.py"})
    assert HELPER_MARK in helper.get_data(as_text=True)


@pytest.mark.parametrize("path", ["../train.py", "/etc/passwd", "nope.py", "", None, 7,
                                  ["train.py"]])
def test_source_of_a_path_outside_the_code_version_is_not_read(
        app, world, client_for, code_run, path):
    response = _post(app, client_for("vic"), "show_code_source",
                     {"run_id": str(code_run["run_id"]), "path": path})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert SOURCE_MARK not in text and HELPER_MARK not in text
    assert "Choose one of the files" in text


@pytest.mark.parametrize("who", ["share", "otto"])
def test_share_visitors_and_outsiders_get_no_source(app, world, client_for, code_run, who):
    client = client_for(who)
    for name in ("show_code_source", "show_code"):
        response = _post(app, client, name, {"run_id": str(code_run["run_id"]),
                                             "path": "train.py"})
        text = response.get_data(as_text=True)
        assert SOURCE_MARK not in text and HELPER_MARK not in text, name
        if who == "otto":  # a share link shows the code version's hash, as its view does
            assert code_run["sha256"][:12] not in text, name
    refused = _post(app, client, "show_code_source",
                    {"run_id": str(code_run["run_id"]), "path": "train.py"})
    assert MEMBERS_ONLY in refused.get_data(as_text=True)


def test_share_link_shows_hash_entry_and_files_but_no_source(app, world, client_for, code_run):
    shown = _response(_post(app, client_for("share"), "show_shared",
                            {"poll": None, "token": world.share_url_token}))
    text = json.dumps(shown)
    assert code_run["sha256"][:12] in text and code_run["sha256"] in text
    assert "train.py:objective" in text
    for path in ("train.py", "helpers.py", "conf/settings.json"):
        assert path in json.dumps(shown["shared-code"]["children"])
    assert SOURCE_MARK not in text and HELPER_MARK not in text


def test_may_read_source_is_for_members_only(app, world, code_run):
    run_id = code_run["run_id"]
    share = Principal(share_link_id=world.share_link_id, share_experiment_id=world.alpha)
    with app.server.app_context():
        assert run_access.may_read_run(share, run_id)  # a share link reads the run ...
        assert not run_access.may_read_source(share, run_id)  # ... but not its source
        assert not run_access.may_read_source(ANONYMOUS, run_id)
        for name, allowed in (("vic", True), ("ed", True), ("otto", False)):
            user = Principal(user_id=world.user_ids[name], name=name)
            assert run_access.may_read_source(user, run_id) is allowed, name
        admin = Principal(user_id=world.user_ids["ada"], name="ada", is_admin=True)
        assert run_access.may_read_source(admin, run_id)
        assert not run_access.may_read_source(admin, 10**9)


def test_a_code_version_that_is_not_stored_is_said_so(app, world, client_for, database,
                                                       code_run, code_folder):
    missing = "0" * 64
    with database.session() as session:
        session.get(Run, code_run["run_id"]).spec = _code_spec(missing, code_folder)
    client = client_for("vic")
    shown = _response(_post(app, client, "show_code", {"run_id": str(code_run["run_id"])}))
    assert "not stored" in json.dumps(shown["run-code-facts"]["children"])
    source = _post(app, client, "show_code_source",
                   {"run_id": str(code_run["run_id"]), "path": "train.py"})
    assert "not stored in this database" in source.get_data(as_text=True)


def test_code_summary_reads_the_stored_version(database, code_run, code_folder):
    with database.session() as session:
        summary = read_code_summary(session, _code_spec(code_run["sha256"], code_folder))
        version = get_code_version(session, code_run["sha256"])
        assert summary is not None and version is not None
        assert summary.stored and summary.entry_path == "train.py"
        assert summary.size_bytes == version.size_bytes
        assert set(summary.paths) == {"train.py", "helpers.py", "conf/settings.json"}
        assert read_code_summary(session, iris_spec("built-in", 2)) is None
        assert read_code_summary(session, {"objective": {"function": ""}}) is None
        assert read_code_summary(session, None) is None


@pytest.mark.parametrize(("function", "expected"), [
    ("train.py:objective", "train.py"),
    ("pkg/train.py:objective", "pkg/train.py"),
    ("pkg.train:objective", "pkg/train.py"),
    ("pkg:objective", "pkg/__init__.py"),
    ("missing.py:objective", None),
    ("../train.py:objective", None),
    ("not an entry", None),
])
def test_entry_file_finds_the_module_among_the_files(function, expected):
    paths = ["train.py", "pkg/train.py", "pkg/__init__.py", "README.md"]
    assert entry_file(function, paths) == expected
