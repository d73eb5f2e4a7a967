"""The experiment page's Data card over HTTP: which run read which dataset version, who sees it,
and the editors' "New run with this version" link into the wizard."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from dashapp.pages import new_run
from dashapp.pages.new_run.ids import ids as wizard_ids
from dashapp.pages.new_run.wizard import data as wizard_data
from optunagui.models import list_models
from optunagui.store import create_run, get_dataset_version
from tests.dashapp.conftest import RUN_NAME, callback_key, post_callback
from tests.dashapp.test_wizard_callbacks import CSV, post

DATA = "experiment-data.children"
RESTORE = "new-run-restored.data"
CHANGED_CSV = CSV + b"".join(f"{i},{30 + i % 7},b,False\n".encode() for i in range(121, 141))
OTTO_CSV = CSV + b"999,99,a,True\n"


@pytest.fixture(autouse=True)
def _fresh_dataset_cache():
    wizard_data.clear_cache()
    yield
    wizard_data.clear_cache()


def upload(client, app, experiment_id: int, data: bytes, filename: str = "churn.csv") -> dict:
    """Upload through the wizard; the browser's ``form["upload"]``."""
    contents = "data:text/csv;base64," + base64.b64encode(data).decode()
    values = {"contents": contents, "filename": filename, "experiment_id": str(experiment_id)}
    response = post(client, app, "new-run-upload-status.children", values)
    return response.json["response"][wizard_ids.upload_data]["data"]


def without_proof(upload_data: dict) -> dict:
    """The upload as a stored version gives it back (the proof of sending it is the sender's)."""
    return {k: v for k, v in upload_data.items() if k != "proof"}


def file_spec(database, version_id: int, name: str) -> dict[str, Any]:
    with database.session() as session:
        version = get_dataset_version(session, version_id)
        dataset = {"path": version.stored_path, "version": version.sha256, "target": "churned"}
    return {"name": name, "dataset": dataset, "task": "classification", "model": "svm",
            "preset": "fast", "metrics": [{"name": "accuracy"}],
            "budget": {"n_trials": 2, "max_concurrent": 1}, "space": {}}


def add_run(database, experiment_id: int, name: str, version_id: int | None,
            spec: dict | None = None) -> int:
    spec = spec or file_spec(database, version_id, name)
    with database.session() as session:
        return create_run(session, experiment_id, name, spec, dataset_version_id=version_id).id


@dataclass
class Versions:
    old: dict
    new: dict
    otto: dict
    old_run: int
    new_run: int
    builtin_run: int
    otto_run: int

    def sha(self, database, which: dict) -> str:
        with database.session() as session:
            return get_dataset_version(session, which["version_id"]).sha256


@pytest.fixture
def versions(app, world, database, client_for) -> Versions:
    """ed uploads churn.csv to Alpha, then a changed churn.csv; a run read each. otto uploads
    his own churn.csv to Bravo and runs it there."""
    ed = client_for("ed")
    old = upload(ed, app, world.alpha, CSV)
    new = upload(ed, app, world.alpha, CHANGED_CSV)
    otto = upload(client_for("otto"), app, world.bravo, OTTO_CSV)
    old_run = add_run(database, world.alpha, "on the old data", old["version_id"])
    new_run = add_run(database, world.alpha, "on the new data", new["version_id"])
    builtin = {"name": "wine run", "dataset": {"builtin": "wine", "options": {"noise": 0.1}},
               "metrics": [{"name": "accuracy"}]}
    builtin_run = add_run(database, world.alpha, "wine run", None, builtin)
    otto_run = add_run(database, world.bravo, "otto's secret run", otto["version_id"])
    return Versions(old, new, otto, old_run, new_run, builtin_run, otto_run)


def walk(node: Any):
    if isinstance(node, list):
        for child in node:
            yield from walk(child)
    elif isinstance(node, dict) and "props" in node:
        yield node
        yield from walk(node["props"].get("children"))


def text_of(node: Any) -> str:
    if isinstance(node, str | int | float):
        return str(node)
    if isinstance(node, list):
        return "".join(text_of(child) for child in node)
    if isinstance(node, dict) and "props" in node:
        return text_of(node["props"].get("children"))
    return ""


def table_rows(children: Any) -> list[dict[str, Any]]:
    """Each body row of the card's tables: its cells' text and its links."""
    rows = []
    for node in walk(children):
        if node["type"] != "Tr" or any(n["type"] == "Th" for n in walk(node["props"]["children"])):
            continue
        cells = [n for n in walk(node["props"]["children"]) if n["type"] == "Td"]
        links = [(text_of(n), n["props"]["href"]) for n in walk(node["props"]["children"])
                 if n["type"] == "Link"]
        rows.append({"cells": [text_of(c) for c in cells], "links": links})
    return rows


def show(client, app, world) -> Any:
    values = {"experiment_id": str(world.alpha), "refresh": 0, "poll": None}
    return post_callback(client, app, callback_key(app, DATA), values)


def test_data_card_shows_which_run_read_which_version(app, world, database, client_for,
                                                      versions):
    response = show(client_for("vic"), app, world)
    assert response.status_code == 200
    rows = table_rows(response.json["response"]["experiment-data"]["children"])
    old_sha, new_sha = versions.sha(database, versions.old), versions.sha(database, versions.new)
    assert old_sha != new_sha
    by_hash = {row["cells"][0].replace("newest", ""): row for row in rows[:2]}
    assert list(by_hash) == [new_sha[:12], old_sha[:12]]  # newest first
    new_row, old_row = by_hash[new_sha[:12]], by_hash[old_sha[:12]]
    assert new_row["cells"][1:4] == ["140 × 4", f"{len(CHANGED_CSV) / 1024:.1f} KB", "ed"]
    assert old_row["cells"][1] == "120 × 4"
    assert new_row["links"] == [(f"#{versions.new_run} on the new data",
                                 f"/runs/{versions.new_run}")]
    assert old_row["links"] == [(f"#{versions.old_run} on the old data",
                                 f"/runs/{versions.old_run}")]
    builtin = rows[2]
    assert builtin["cells"][:2] == ["wine (built-in)", "noise=0.1"]
    assert builtin["links"] == [(f"#{versions.builtin_run} wine run",
                                 f"/runs/{versions.builtin_run}")]
    text = response.get_data(as_text=True)
    assert "New run with this version" not in text  # viewers read only
    otto_sha = versions.sha(database, versions.otto)
    assert otto_sha[:12] not in text and "otto" not in text and "secret run" not in text


def test_data_card_is_refused_to_outsiders_without_a_trace(app, world, database, client_for,
                                                           versions):
    for who in ("otto", "share"):
        response = show(client_for(who), app, world)
        text = response.get_data(as_text=True)
        assert response.status_code == 204, (who, text[:200])
        assert "churn" not in text and "on the old data" not in text and RUN_NAME not in text
    assert show(client_for("anonymous"), app, world).status_code == 401


def _new_run_links(rows: list[dict[str, Any]]) -> list[str]:
    return [href for row in rows for label, href in row["links"]
            if label == "New run with this version"]


def restore(client, app, experiment_id: int, href: str, stamp: int = -1,
            draft: Any = None) -> dict[str, Any]:
    """Open the wizard at ``href`` the way the browser does: its layout, then the restore."""
    path, query = href.split("?", 1) if "?" in href else (href, "")
    params = {k: v[0] for k, v in parse_qs(query).items()}
    page = new_run.layout(str(experiment_id), **params)
    stores = {n.id: n.data for n in page.children if hasattr(n, "data")}
    values = {"stamp": stamp, "experiment_id": str(experiment_id), "draft": draft,
              "restored": False, "clone": stores[wizard_ids.clone],
              "prefill": stores[wizard_ids.prefill],
              "model_ids": [(i, i) for i in ({"type": wizard_ids.model_use, "model": m.name}
                                             for m in list_models())],
              "preset_ids": [(i, i) for i in ({"type": wizard_ids.preset, "model": m.name}
                                              for m in list_models())]}
    assert urlparse(path).path == f"/experiments/{experiment_id}/new-run"
    response = post(client, app, RESTORE, values)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.json["response"]


def test_editor_new_run_with_an_earlier_version_restores_that_version(
    app, world, database, client_for, versions
):
    ed = client_for("ed")
    rows = table_rows(show(ed, app, world).json["response"]["experiment-data"]["children"])
    links = _new_run_links(rows)
    assert len(links) == 1  # only the earlier version; the newest is what a clone reads anyway
    params = parse_qs(urlparse(links[0]).query)
    assert params == {"clone": [str(versions.old_run)],
                      "version": [str(versions.old["version_id"])]}
    payload = restore(ed, app, world.alpha, links[0])
    assert payload[wizard_ids.upload_data]["data"]["version_id"] == versions.old["version_id"]
    assert payload[wizard_ids.source]["value"] == "upload"
    feedback = text_of(payload[wizard_ids.feedback]["children"])
    short = versions.sha(database, versions.old)[:12]
    assert f"Using version {short} of churn (120 rows), uploaded " in feedback
    assert f"Pre-filled from run {versions.old_run}" in feedback


def test_version_link_swaps_the_data_of_a_run_that_read_another_version(
    app, world, database, client_for, versions
):
    href = (f"/experiments/{world.alpha}/new-run?clone={versions.new_run}"
            f"&version={versions.old['version_id']}")
    payload = restore(client_for("olivia"), app, world.alpha, href)
    assert payload[wizard_ids.upload_data]["data"] == without_proof(versions.old)
    assert payload[wizard_ids.target]["value"] == "churned"  # the rest is the cloned run's


@pytest.mark.parametrize("bad", ["otto", "999999", "abc", "-1"])
def test_version_link_refuses_a_version_the_user_may_not_use(
    app, world, database, client_for, versions, bad
):
    version = str(versions.otto["version_id"]) if bad == "otto" else bad
    href = f"/experiments/{world.alpha}/new-run?clone={versions.new_run}&version={version}"
    payload = restore(client_for("ed"), app, world.alpha, href)
    assert payload[wizard_ids.upload_data]["data"]["version_id"] == versions.new["version_id"]
    feedback = text_of(payload[wizard_ids.feedback]["children"])
    assert "may not use it in this experiment" in feedback
    assert versions.sha(database, versions.otto)[:12] not in feedback


def test_reloading_a_version_link_keeps_the_edits_made_since(
    app, world, database, client_for, versions
):
    ed = client_for("ed")
    href = (f"/experiments/{world.alpha}/new-run?clone={versions.new_run}"
            f"&version={versions.old['version_id']}")
    drafts = restore(ed, app, world.alpha, href)[wizard_ids.draft]["data"]
    drafts[str(world.alpha)]["name"] = "edited after cloning"
    again = restore(ed, app, world.alpha, href, stamp=5, draft=drafts)
    assert again[wizard_ids.name]["value"] == "edited after cloning"
    assert again[wizard_ids.upload_data]["data"]["version_id"] == versions.old["version_id"]
    other = f"/experiments/{world.alpha}/new-run?clone={versions.new_run}"
    fresh = restore(ed, app, world.alpha, other, stamp=5, draft=drafts)
    assert fresh[wizard_ids.upload_data]["data"]["version_id"] == versions.new["version_id"]
