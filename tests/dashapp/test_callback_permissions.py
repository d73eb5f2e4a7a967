"""Callback by callback, principal by principal: who gets through, and that refusals leak nothing.

The table in callback_cases.py lists every server-side callback of the app, by the name it was
registered under, with the check it must declare. A callback added without a guard, or without
a row there, fails these tests.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from dashapp import guard
from dashapp.guard import Access, Check, Denial, requirement_of
from dashapp.permissions import Role
from optunagui.store import accounts
from optunagui.store.models import ModelVersion
from optunagui.store.notes import Note
from optunagui.store.tables import DatasetVersion, Experiment, Membership, Run, User
from tests.dashapp.callback_cases import CASES, MEMBER_REMOVE, SHARE_REVOKE, Case
from tests.dashapp.conftest import RUN_NAME, callback_named, post_callback

# Dash's own page router: it returns page layouts, which hold no data (see test_pages_hold_no_data).
DASH_ROUTER = ".._pages_content.children..._pages_store.data.."

# Least privilege first, so no allowed change happens before a refusal is checked.
PRINCIPALS = ["anonymous", "share", "otto", "vic", "ed", "olivia", "ada"]
ROLE_ON_ALPHA = {"vic": Role.viewer, "ed": Role.editor, "olivia": Role.owner, "ada": Role.owner}
SECRETS = ["Alpha", RUN_NAME, "for the client", "olivia", "bravo link"]


def expected_allowed(case: Case, who: str) -> bool:
    if who == "anonymous":
        return False
    if case.check is Check.share_link:
        return True  # the token is the credential, whoever presents it
    if who == "share":
        # A link reads its experiment's runs; it changes nothing and opens no experiment page.
        return case.check is Check.reader or (case.check is Check.run and case.role is Role.viewer)
    if case.check in (Check.signed_in, Check.reader):
        return True
    if case.check is Check.admin:
        return who == "ada"
    role = ROLE_ON_ALPHA.get(who)
    return role is not None and case.role is not None and role >= case.role


def _snapshot(database) -> tuple[Any, ...]:
    with database.session() as session:
        return (
            sorted(session.execute(
                select(Experiment.id, Experiment.name, Experiment.baseline_run_id)).all()),
            sorted(
                session.execute(
                    select(Membership.experiment_id, Membership.user_id, Membership.role)
                ).all()
            ),
            sorted(session.execute(select(User.username, User.is_active, User.is_admin)).all()),
            sorted(
                session.execute(select(accounts.ShareLink.id, accounts.ShareLink.revoked_at)).all()
            ),
            sorted(session.execute(select(accounts.ApiToken.id)).all()),
            sorted(session.execute(select(Run.id, Run.status, Run.control)).all(), key=str),
            sorted(session.execute(select(DatasetVersion.id)).all()),
            sorted(session.execute(select(Note.id, Note.body)).all()),
            sorted(session.execute(select(ModelVersion.id)).all()),
        )


def test_every_callback_declares_a_check(app, client_for):
    client_for("olivia")  # the first request lets Dash register its page router
    unguarded = []
    for key, entry in app.callback_map.items():
        if "callback" not in entry:
            continue  # clientside: runs in the browser, no server endpoint
        if key == DASH_ROUTER:
            continue
        if requirement_of(entry["callback"]) is None:
            unguarded.append(key)
    assert unguarded == []


def test_every_callback_is_in_the_permission_table(app, client_for):
    client_for("olivia")
    server_side = {key for key, entry in app.callback_map.items() if "callback" in entry} - {
        DASH_ROUTER
    }
    covered = {callback_named(app, case.name) for case in CASES}
    assert server_side - covered == set(), "add the new callback to CASES"


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_callback_declares_the_expected_check(app, case):
    requirement = requirement_of(app.callback_map[callback_named(app, case.name)]["callback"])
    assert requirement is not None
    assert requirement.check is case.check
    assert requirement.role == case.role


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_callback_permission_matrix(app, world, database, client_for, monkeypatch, case):
    outcomes: list[Access | Denial] = []
    real_authorize = guard.authorize

    def spy(requirement, values):
        outcome = real_authorize(requirement, values)
        outcomes.append(outcome)
        return outcome

    monkeypatch.setattr(guard, "authorize", spy)
    key = callback_named(app, case.name)
    clients = {who: client_for(who) for who in PRINCIPALS}
    for who in PRINCIPALS:
        outcomes.clear()
        before = _snapshot(database)
        response = post_callback(clients[who], app, key, case.values(world))
        allowed = expected_allowed(case, who)
        if who == "anonymous":
            assert response.status_code == 401
            assert outcomes == []
        else:
            assert len(outcomes) == 1, (who, response.status_code, response.get_data(as_text=True))
            assert isinstance(outcomes[0], Access) is allowed, (who, outcomes[0])
            assert response.status_code in (200, 204), (who, response.get_data(as_text=True))
        if not allowed:
            text = response.get_data(as_text=True)
            assert response.status_code in (200, 204, 401), (who, response.status_code)
            for secret in SECRETS:
                assert secret not in text, (who, secret)
            assert _snapshot(database) == before, who


def test_other_experiments_owner_cannot_revoke_a_link_through_their_own_experiment(
    app, world, database, client_for
):
    client = client_for("otto")
    key = callback_named(app, "revoke_link")
    values = {
        "experiment_id": str(world.bravo),
        "refresh": 0,
        "clicks": [({"type": SHARE_REVOKE, "link": world.share_link_id}, 1)],
    }
    response = post_callback(client, app, key, values)
    assert "No such link" in response.get_data(as_text=True)
    with database.session() as session:
        assert session.get(accounts.ShareLink, world.share_link_id).revoked_at is None


def test_other_experiments_owner_cannot_remove_a_member_through_their_own_experiment(
    app, world, database, client_for
):
    client = client_for("otto")
    key = callback_named(app, "remove_member")
    values = {
        "experiment_id": str(world.bravo),
        "refresh": 0,
        "clicks": [({"type": MEMBER_REMOVE, "user": world.user_ids["vic"]}, 1)],
    }
    post_callback(client, app, key, values)
    with database.session() as session:
        roles = session.scalars(
            select(Membership.role).where(
                Membership.experiment_id == world.alpha,
                Membership.user_id == world.user_ids["vic"],
            )
        ).all()
    assert roles == ["viewer"]


@pytest.mark.parametrize("bad_id", ["999", "0", "-1", "1 OR 1=1", "1.0", "", None, True, "x" * 40])
def test_experiment_callback_refuses_unknown_or_malformed_ids(app, world, client_for, bad_id):
    client = client_for("ada")
    key = callback_named(app, "show_experiment")
    response = post_callback(client, app, key, {"experiment_id": bad_id, "refresh": 0})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "does not exist, or you have no access" in text
    assert "Alpha" not in text
