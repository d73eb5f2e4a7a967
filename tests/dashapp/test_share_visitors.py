"""A share link over HTTP: the visitor reads the linked experiment's run pages, analysis,
comparisons and reports, read-only; nothing of another experiment; nothing that changes
anything; a revoked or expired link stops on the next request; a signed-in user who opens a
link keeps their own roles."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import flask_login
import pytest
from sqlalchemy import update

from dashapp import access, guard, services
from dashapp.auth import SignedInUser
from dashapp.guard import Access, Check, Denial
from dashapp.permissions import Role
from optunagui.store import accounts
from tests.dashapp.analysis_data import write_run
from tests.dashapp.callback_cases import CASES
from tests.dashapp.conftest import callback_named, post_callback
from tests.dashapp.test_callback_permissions import _snapshot

NOT_AVAILABLE = "This run does not exist, or you have no access to it."
BRAVO_RUN = "bravo-secret-run"


@pytest.fixture
def runs(world, database) -> dict[str, int]:
    """Two finished Alpha runs and one Bravo run."""
    ed, otto = world.user_ids["ed"], world.user_ids["otto"]
    return {
        "first": write_run(database, world.alpha, "first", ed, seed=1,
                           model="logistic_regression"),
        "second": write_run(database, world.alpha, "second", ed, seed=2, shift=0.05),
        "bravo": write_run(database, world.bravo, BRAVO_RUN, otto, seed=3),
    }


def _post(app, client, name: str, values: dict[str, Any]):
    return post_callback(client, app, callback_named(app, name), values)


def _body(response) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))["response"]


def _show_run(app, client, run_id: Any):
    return _post(app, client, "show_run", {"run_id": str(run_id)})


def _export(app, client, run_id: int, what: str = "report-html"):
    return _post(app, client, "download_export",
                 {"run_id": str(run_id), "clicks": [({"type": "run-export-item", "what": what},
                                                     1)]})


def _compare(app, client, run_ids: list[int]):
    return _post(app, client, "show_comparison",
                 {"runs": ",".join(map(str, run_ids)), "include": True})


def test_share_visitor_opens_the_run_pages_of_the_links_experiment(app, world, client_for, runs):
    client = client_for("share")
    for path in (f"/runs/{runs['first']}", f"/runs/{runs['first']}/analysis",
                 f"/compare?runs={runs['first']},{runs['second']}"):
        assert client.get(path).status_code == 200, path
    body = _body(_show_run(app, client, runs["first"]))
    assert body["run-title"]["children"] == "first"
    assert body["run-history-graph"]["figure"]["data"]
    assert body["run-controls"]["style"] == {"display": "none"}
    assert body["run-ranges-form"]["children"] is None
    links = json.dumps(body["run-links"]["children"])
    assert f"/s/{world.share_url_token}" in links  # "Experiment" leads back to the shared view
    assert "/new-run" not in links and "run-replay" not in links


def test_share_visitor_reads_analysis_compare_and_reports(app, world, client_for, runs):
    client = client_for("share")
    analysis = _body(_post(app, client, "show_analysis", {"run_id": str(runs["first"])}))
    assert analysis["analysis-body"]["style"] == {}
    compared = _body(_compare(app, client, [runs["first"], runs["second"]]))
    assert compared["compare-body"]["style"] == {}
    assert compared["compare-reevaluate-card"]["style"] == {"display": "none"}
    report = _body(_export(app, client, runs["first"]))["run-export-download"]["data"]
    assert report["filename"] == f"run-{runs['first']}-report.html"
    shared_report = _body(_post(app, client, "download_shared_report", {
        "token": world.share_url_token,
        "clicks": [({"type": "shared-report-item", "format": "html"}, 1)]}))
    assert "Alpha" in shared_report["shared-report-download"]["data"]["content"]
    assert BRAVO_RUN not in json.dumps(shared_report)


def test_share_visitor_sees_no_editor_controls(app, client_for, runs):
    client = client_for("share")
    values = {"run_id": str(runs["first"]), "refresh": 0}
    notes = _body(_post(app, client, "run_show_notes", values))
    assert notes["run-notes-form"]["style"] == {"display": "none"}
    versions = _body(_post(app, client, "show_versions", {**values, "tick": None}))
    assert versions["run-models-train"]["style"] == {"display": "none"}


def test_shared_view_links_each_run_and_offers_a_comparison(app, world, client_for, runs):
    body = _body(_post(app, client_for("share"), "show_shared",
                       {"poll": None, "token": world.share_url_token}))
    table = json.dumps(body["shared-runs"]["children"])
    assert f"/runs/{runs['first']}" in table and f"/runs/{runs['second']}" in table
    assert f"/runs/{runs['bravo']}" not in table and BRAVO_RUN not in table
    values = {option["value"] for option in body["shared-compare-runs"]["options"]}
    assert {runs["first"], runs["second"]} <= values and runs["bravo"] not in values
    assert body["shared-compare-box"]["style"] == {}


def test_share_visitor_gets_nothing_of_another_experiment(app, client_for, runs):
    client = client_for("share")
    other = _show_run(app, client, runs["bravo"]).get_data(as_text=True)
    unknown = _show_run(app, client, 999_999).get_data(as_text=True)
    assert other == unknown and NOT_AVAILABLE in other
    analysis = _post(app, client, "show_analysis", {"run_id": str(runs["bravo"])})
    assert BRAVO_RUN not in analysis.get_data(as_text=True)
    assert _export(app, client, runs["bravo"]).status_code == 204
    compared = json.dumps(_body(_compare(app, client, [runs["first"], runs["bravo"]])))
    assert f"Run {runs['bravo']}: not shown" in compared
    assert BRAVO_RUN not in compared and "Bravo" not in compared


def _changes_or_needs_an_account(case) -> bool:
    if case.check is Check.share_link or case.check is Check.reader:
        return False
    return not (case.check is Check.run and case.role is Role.viewer)


def test_share_visitor_is_refused_every_editor_owner_and_account_callback(
    app, world, database, client_for, monkeypatch, runs
):
    outcomes: list[Access | Denial] = []
    real_authorize = guard.authorize

    def spy(requirement, values):
        outcome = real_authorize(requirement, values)
        outcomes.append(outcome)
        return outcome

    monkeypatch.setattr(guard, "authorize", spy)
    client = client_for("share")
    refused = [case for case in CASES if _changes_or_needs_an_account(case)]
    assert {"act", "apply_ranges", "run_save_note", "train", "replay", "create_link",
            "save_member", "start_reevaluation", "show_experiment"} <= {c.name for c in refused}
    for case in refused:
        outcomes.clear()
        before = _snapshot(database)
        response = _post(app, client, case.name, case.values(world))
        assert response.status_code in (200, 204), case.name
        assert len(outcomes) == 1 and isinstance(outcomes[0], Denial), case.name
        assert _snapshot(database) == before, case.name


def _revoke(database, world) -> None:
    with database.session() as session:
        accounts.revoke_share_link(session, world.share_link_id, experiment_id=world.alpha)


def _expire(database, world) -> None:
    with database.session() as session:
        session.execute(
            update(accounts.ShareLink)
            .where(accounts.ShareLink.id == world.share_link_id)
            .values(expires_at=accounts._now() - timedelta(seconds=1))
        )


@pytest.mark.parametrize(("end", "status"), [(_revoke, 410), (_expire, 410)])
def test_an_ended_link_stops_on_the_next_callback_and_page(
    app, world, database, client_for, runs, end, status
):
    client = client_for("share")
    assert _body(_show_run(app, client, runs["first"]))["run-title"]["children"] == "first"
    end(database, world)
    text = _show_run(app, client, runs["first"]).get_data(as_text=True)
    assert NOT_AVAILABLE in text and '"first"' not in text
    assert _export(app, client, runs["first"]).status_code == 204
    compared = _body(_compare(app, client, [runs["first"], runs["second"]]))
    assert compared["compare-body"]["style"] == {"display": "none"}
    assert "Sign in to compare runs." in json.dumps(compared)
    response = client.get(f"/runs/{runs['first']}")
    assert response.status_code == status
    assert client.get(f"/runs/{runs['first']}").status_code == 302  # the link is forgotten
    assert client.get("/_dash-layout").status_code == 401


def test_pages_for_accounts_still_ask_a_share_visitor_to_sign_in(world, client_for):
    client = client_for("share")
    for path in ("/", "/experiments", f"/experiments/{world.alpha}",
                 f"/experiments/{world.alpha}/new-run", "/admin", "/account"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login"), path


def _as(app, world, who: str, check):
    """``check()`` in a request of ``who`` who has opened Alpha's share link."""
    with app.server.test_request_context():
        user = SignedInUser(world.user_ids[who], who, who == "ada")
        flask_login.login_user(user)
        services.remember_share_link(world.share_url_token)
        return check(services.current_principal())


def test_a_signed_in_member_keeps_their_own_roles_after_opening_a_link(app, world, runs):
    for who, role in (("ed", Role.editor), ("olivia", Role.owner), ("ada", Role.owner),
                      ("vic", Role.viewer)):
        found = _as(app, world, who, lambda p: access.role_on_run(p, runs["first"]))
        assert found is not None and found.role is role, who
    assert _as(app, world, "vic", lambda p: access.may_read_source(p, runs["first"]))
    assert _as(app, world, "ada", lambda p: access.role_on_run(p, runs["bravo"])).role is Role.owner


def test_a_signed_in_outsider_gets_viewer_on_the_linked_experiment_only(app, world, runs):
    def checks(principal):
        return (access.role_on_run(principal, runs["first"]),
                access.role_on_run(principal, runs["bravo"]),
                access.may_read_source(principal, runs["first"]))

    on_alpha, on_bravo, source = _as(app, world, "otto", checks)
    assert on_alpha is not None and on_alpha.role is Role.viewer
    assert on_bravo is not None and on_bravo.role is Role.owner  # otto's own experiment
    assert not source  # a link never shows source, whoever holds it
    with app.server.test_request_context():
        flask_login.login_user(SignedInUser(world.user_ids["otto"], "otto", False))
        services.remember_share_link(world.share_url_token)
        experiment_page = guard.authorize(guard.experiment(Role.viewer, "experiment_id"),
                                          {"experiment_id": world.alpha})
        editing = guard.authorize(guard.run(Role.editor, "run_id"), {"run_id": runs["first"]})
    assert experiment_page == Denial("not-found") and editing == Denial("forbidden")


def test_a_signed_in_users_pages_are_unchanged_after_opening_a_link(
    app, world, client_for, runs
):
    client = client_for("ed")
    assert client.get(f"/s/{world.share_url_token}").status_code == 200
    body = _body(_show_run(app, client, runs["first"]))
    assert body["run-ranges-form"]["children"] is not None  # still an editor
    assert f"/experiments/{world.alpha}" in json.dumps(body["run-links"]["children"])
    user = _body(_post(app, client, "show_user", {"pathname": "/"}))
    assert user["shell-user-name"]["children"] == "ed"
    experiment = _post(app, client, "show_experiment",
                       {"experiment_id": str(world.alpha), "refresh": 0})
    assert "Alpha" in experiment.get_data(as_text=True)
