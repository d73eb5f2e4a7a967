"""Share links and API tokens in the store, on SQLite and PostgreSQL (the shared ``db`` fixture)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from optunagui.migrations import VERSION_TABLE, build_config
from optunagui.store import Base, Database, accounts
from optunagui.store import experiments as experiment_store
from optunagui.store import users as user_store

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def team(db: Database) -> dict[str, int]:
    with db.session() as session:
        owner = user_store.create_user(session, "owner", "scrypt:fake")
        other = user_store.create_user(session, "other", "scrypt:fake")
        experiment = experiment_store.create_experiment(session, "exp", owner.id)
        second = experiment_store.create_experiment(session, "exp2", other.id)
        return {
            "owner": owner.id,
            "other": other.id,
            "experiment": experiment.id,
            "second": second.id,
        }


def test_accounts_migration_matches_the_tables(db: Database) -> None:
    assert {"share_links", "api_tokens"} <= set(inspect(db.engine).get_table_names())
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "version_table": VERSION_TABLE,
                "compare_type": True,
                "include_name": lambda name, type_, _p: (
                    type_ != "table" or name in Base.metadata.tables
                ),
            },
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_accounts_migration_downgrades_to_core(db: Database) -> None:
    command.downgrade(build_config(db.url), "0001_core")
    tables = set(inspect(db.engine).get_table_names())
    assert "share_links" not in tables and "api_tokens" not in tables
    assert "users" in tables


def test_share_link_raw_token_is_never_stored(db: Database, team) -> None:
    with db.session() as session:
        link, raw = accounts.create_share_link(
            session, team["experiment"], created_by_id=team["owner"], label="client", now=NOW
        )
    with db.engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash FROM share_links")).scalar_one()
    assert raw not in stored
    assert stored == hashlib.sha256(raw.encode()).hexdigest()
    assert link.expires_at == NOW + timedelta(days=7)


def test_share_link_resolves_valid_expired_revoked_unknown(db: Database, team) -> None:
    with db.session() as session:
        link, raw = accounts.create_share_link(
            session, team["experiment"], created_by_id=team["owner"], now=NOW
        )
    with db.session() as session:
        valid = accounts.resolve_share_link(session, raw, now=NOW + timedelta(days=6))
        expired = accounts.resolve_share_link(session, raw, now=NOW + timedelta(days=7))
        tampered = accounts.resolve_share_link(session, raw[:-1] + ("A" if raw[-1] != "A" else "B"))
        empty = accounts.resolve_share_link(session, "")
        huge = accounts.resolve_share_link(session, "x" * 10_000)
    assert valid.status == "valid" and valid.link is not None
    assert valid.link.experiment_id == team["experiment"]
    assert (expired.status, expired.link) == ("expired", None)
    assert tampered.status == empty.status == huge.status == "unknown"
    with db.session() as session:
        assert accounts.revoke_share_link(session, link.id, experiment_id=team["experiment"])
    with db.session() as session:
        revoked = accounts.resolve_share_link(session, raw, now=NOW)
        listed = accounts.list_share_links(session, team["experiment"], now=NOW)
    assert (revoked.status, revoked.link) == ("revoked", None)
    assert [item.status for item in listed] == ["revoked"]


def test_share_link_revoke_is_scoped_to_its_experiment(db: Database, team) -> None:
    with db.session() as session:
        link, raw = accounts.create_share_link(
            session, team["experiment"], created_by_id=team["owner"]
        )
    with db.session() as session:
        assert not accounts.revoke_share_link(session, link.id, experiment_id=team["second"])
        assert not accounts.revoke_share_link(session, 999_999, experiment_id=team["experiment"])
    with db.session() as session:
        assert accounts.resolve_share_link(session, raw).status == "valid"


@pytest.mark.parametrize(
    ("label", "lifetime"),
    [
        ("x" * 101, timedelta(days=1)),
        ("ok", timedelta(0)),
        ("ok", timedelta(days=-1)),
        ("ok", timedelta(days=400)),
    ],
)
def test_share_link_rejects_bad_label_or_lifetime(db: Database, team, label, lifetime) -> None:
    with db.session() as session, pytest.raises(accounts.AccountsError):
        accounts.create_share_link(
            session,
            team["experiment"],
            created_by_id=team["owner"],
            label=label,
            lifetime=lifetime,
        )


def test_share_links_go_with_their_experiment(db: Database, team) -> None:
    with db.session() as session:
        accounts.create_share_link(session, team["experiment"], created_by_id=team["owner"])
    with db.session() as session:
        experiment_store.delete_experiment(session, team["experiment"])
    with db.session() as session:
        assert session.scalars(select(accounts.ShareLink)).all() == []


def test_api_token_lifecycle(db: Database, team) -> None:
    with db.session() as session:
        info, raw = accounts.create_api_token(session, team["owner"], label="ci", now=NOW)
    assert raw.startswith(accounts.API_TOKEN_PREFIX)
    assert info.prefix == raw[: len(info.prefix)]
    with db.engine.connect() as connection:
        stored = connection.execute(text("SELECT token_hash FROM api_tokens")).scalar_one()
    assert raw not in stored
    with db.session() as session:
        resolved = accounts.resolve_api_token(session, raw, now=NOW + timedelta(hours=1))
    assert resolved is not None and resolved.user_id == team["owner"]
    assert resolved.last_used_at == NOW + timedelta(hours=1)
    with db.session() as session:
        assert not accounts.revoke_api_token(session, info.id, user_id=team["other"])
        assert accounts.resolve_api_token(session, raw) is not None
        assert accounts.revoke_api_token(session, info.id, user_id=team["owner"])
    with db.session() as session:
        assert accounts.resolve_api_token(session, raw) is None
        assert [
            t.revoked_at is not None for t in accounts.list_api_tokens(session, team["owner"])
        ] == [True]
        assert accounts.list_api_tokens(session, team["other"]) == []


def test_api_token_expires_and_dies_with_a_disabled_user(db: Database, team) -> None:
    with db.session() as session:
        _short, short_raw = accounts.create_api_token(
            session, team["owner"], lifetime=timedelta(days=1), now=NOW
        )
        _long, long_raw = accounts.create_api_token(session, team["owner"], now=NOW)
    with db.session() as session:
        assert accounts.resolve_api_token(session, short_raw, now=NOW + timedelta(days=2)) is None
        assert accounts.resolve_api_token(session, long_raw, now=NOW + timedelta(days=2))
        user_store.set_user_active(session, team["owner"], False)
    with db.session() as session:
        assert accounts.resolve_api_token(session, long_raw) is None
        assert accounts.resolve_api_token(session, "ogt_" + "x" * 43) is None
        assert accounts.resolve_api_token(session, "not-a-token") is None
