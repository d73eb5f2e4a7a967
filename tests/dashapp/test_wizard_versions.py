"""Dataset versions in the wizard: uploading the same name again, the version dropdown under the
upload ("revert"), and a link that names a version without a run to clone."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.wizard import data as wizard_data
from optunagui.store.tables import DatasetVersion
from tests.dashapp.conftest import callback_key, post_callback
from tests.dashapp.test_experiment_data import (
    CHANGED_CSV,
    OTTO_CSV,
    restore,
    text_of,
    upload,
    without_proof,
)
from tests.dashapp.test_wizard_callbacks import CSV, post

CHOOSE = "new-run-upload-version.options"
DESCRIBE = "new-run-preview.children"


@pytest.fixture(autouse=True)
def _fresh_dataset_cache():
    wizard_data.clear_cache()
    yield
    wizard_data.clear_cache()


def _versions(database) -> list[tuple[str, int, int | None]]:
    with database.session() as session:
        rows = session.execute(select(DatasetVersion.name, DatasetVersion.n_rows,
                                      DatasetVersion.added_by).order_by(DatasetVersion.id))
        return [tuple(row) for row in rows]


def choose(client, app, world, upload_data, chosen, *, picked: bool = False):
    values = {"upload": upload_data, "chosen": chosen, "experiment_id": str(world.alpha)}
    changed = [f"{ids.upload_version}.value"] if picked else [f"{ids.upload_data}.data"]
    return post_callback(client, app, callback_key(app, CHOOSE), values, changed=changed)


def test_upload_same_content_is_one_version_changed_content_a_second(
    app, world, database, client_for
):
    ed = client_for("ed")
    first = upload(ed, app, world.alpha, CSV)
    again = upload(ed, app, world.alpha, CSV, filename="C:\\exports\\churn.csv")
    changed = upload(ed, app, world.alpha, CHANGED_CSV)
    assert again["version_id"] == first["version_id"]
    assert changed["version_id"] != first["version_id"]
    assert (changed["name"], changed["n_rows"], first["n_rows"]) == ("churn", 140, 120)
    ed_id = world.user_ids["ed"]
    assert _versions(database) == [("churn", 120, ed_id), ("churn", 140, ed_id)]
    preview = post(ed, app, DESCRIBE, {
        "source": "upload", "builtin": None, "upload": first, "target": "churned",
        "experiment_id": str(world.alpha), "options": {},
    }).json["response"]
    assert preview[ids.dataset_status]["children"].startswith("120 rows, 4 columns.")  # readable


def test_version_dropdown_lists_the_names_versions_the_user_may_use(
    app, world, database, client_for
):
    ed = client_for("ed")
    old = upload(ed, app, world.alpha, CSV)
    new = upload(ed, app, world.alpha, CHANGED_CSV)
    upload(ed, app, world.alpha, CSV, filename="other.csv")
    upload(client_for("otto"), app, world.bravo, OTTO_CSV)  # same name, someone else's
    response = choose(ed, app, world, new, None).json["response"]
    listed = response[ids.upload_version]
    assert [o["value"] for o in listed["options"]] == [str(new["version_id"]),
                                                        str(old["version_id"])]
    assert listed["value"] == str(new["version_id"])
    assert response[ids.upload_versions]["style"] == {}
    newest, older = (o["label"] for o in listed["options"])
    assert "140 rows × 4 columns" in newest and "added by ed" in newest
    assert newest.endswith("(newest)") and "120 rows × 4 columns" in older
    assert not older.endswith("(newest)")
    empty = choose(ed, app, world, None, None).json["response"]
    assert empty[ids.upload_versions]["style"] == {"display": "none"}


def test_choosing_an_earlier_version_makes_the_wizard_read_it(app, world, database, client_for):
    ed = client_for("ed")
    old = upload(ed, app, world.alpha, CSV)
    new = upload(ed, app, world.alpha, CHANGED_CSV)
    response = choose(ed, app, world, new, old["version_id"], picked=True).json["response"]
    assert response[ids.upload_data]["data"] == without_proof(old)
    assert choose(ed, app, world, old, old["version_id"], picked=True).status_code == 204


def test_choosing_a_version_the_user_may_not_use_changes_nothing(
    app, world, database, client_for
):
    ed = client_for("ed")
    mine = upload(ed, app, world.alpha, CSV)
    ottos = upload(client_for("otto"), app, world.bravo, OTTO_CSV)
    response = choose(ed, app, world, mine, ottos["version_id"], picked=True)
    payload = response.json["response"]
    assert ids.upload_data not in payload
    assert [o["value"] for o in payload[ids.upload_version]["options"]] == \
        [str(mine["version_id"])]
    assert payload[ids.upload_version]["value"] == str(mine["version_id"])
    for who in ("vic", "otto"):
        refused = choose(client_for(who), app, world, mine, mine["version_id"], picked=True)
        assert refused.status_code == 204 and "churn" not in refused.get_data(as_text=True)


def test_version_link_without_a_run_to_clone_starts_from_that_version(
    app, world, database, client_for
):
    ed = client_for("ed")
    old = upload(ed, app, world.alpha, CSV)
    upload(ed, app, world.alpha, CHANGED_CSV)
    href = f"/experiments/{world.alpha}/new-run?version={old['version_id']}"
    payload = restore(ed, app, world.alpha, href, stamp=1)
    assert payload[ids.upload_data]["data"] == without_proof(old)
    assert payload[ids.source]["value"] == "upload"
    assert "Using version " in text_of(payload[ids.feedback]["children"])
    saved = payload[ids.draft]["data"][str(world.alpha)]
    assert saved["upload"] == without_proof(old)
    assert saved["prefill_key"].endswith(f"version={old['version_id']}")


def _describe(client, app, experiment_id: int, upload_data: dict) -> dict:
    return post(client, app, DESCRIBE, {
        "source": "upload", "builtin": None, "upload": upload_data, "target": "churned",
        "experiment_id": str(experiment_id), "options": {},
    }).json["response"]


def test_same_file_uploaded_by_someone_else_is_the_same_version_and_usable_by_them(
    app, world, database, client_for
):
    ed, otto = client_for("ed"), client_for("otto")
    eds = upload(ed, app, world.alpha, CSV)
    upload(ed, app, world.alpha, CHANGED_CSV)
    ottos = upload(otto, app, world.bravo, CSV)
    assert ottos["version_id"] == eds["version_id"]
    assert [row[0] for row in _versions(database)] == ["churn", "churn"]
    status = _describe(otto, app, world.bravo, ottos)[ids.dataset_status]["children"]
    assert status.startswith("120 rows, 4 columns. Target: churned")
    listed = choose(otto, app, world, ottos, None)
    assert listed.status_code == 204  # otto is no editor of Alpha
    values = {"upload": ottos, "chosen": None, "experiment_id": str(world.bravo)}
    response = post_callback(otto, app, callback_key(app, CHOOSE), values,
                             changed=[f"{ids.upload_data}.data"]).json["response"]
    assert [o["value"] for o in response[ids.upload_version]["options"]] == \
        [str(ottos["version_id"])]


@pytest.mark.parametrize("forgery", ["eds proof", "other version", "no proof", "garbage"])
def test_a_forged_upload_proof_reads_nothing(app, world, database, client_for, forgery):
    ed, otto = client_for("ed"), client_for("otto")
    eds = upload(ed, app, world.alpha, CSV)
    changed = upload(ed, app, world.alpha, CHANGED_CSV)
    ottos = upload(otto, app, world.bravo, CSV)
    forged = {
        "eds proof": {**ottos, "proof": eds["proof"]},
        "other version": {**changed, "proof": ottos["proof"]},
        "no proof": {k: v for k, v in ottos.items() if k != "proof"},
        "garbage": {**ottos, "proof": ["not", "text"]},
    }[forgery]
    payload = _describe(otto, app, world.bravo, forged)
    text = str(payload)
    assert "customer_id" not in text and "Upload a file first" in text
