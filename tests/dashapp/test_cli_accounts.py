"""Passwords from the command line (`optunagui user set-password`, `reset-password`) and the
admin that `optunagui serve` makes whenever nobody can sign in."""

from __future__ import annotations

import io
import os
from datetime import timedelta

import pytest

from optunagui.accounts import hash_password, verify_password
from optunagui.cli import main
from optunagui.cli._account import cli_user
from optunagui.cli.cmd_serve import ServeError, ensure_admin
from optunagui.store import Database
from optunagui.store import users as user_store
from optunagui.store.user_sessions import count_user_sessions, create_user_session

OLD = "the old password"
NEW = "a better password"


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def _user(database: Database, name: str, password: str = OLD, **flags) -> int:
    with database.session() as session:
        user = user_store.create_user(session, name, hash_password(password),
                                      is_admin=flags.get("is_admin", False))
        if flags.get("disabled"):
            user_store.set_user_active(session, user.id, False)
        create_user_session(session, user.id, timedelta(days=1))
        return user.id


def _sessions(database: Database, user_id: int) -> int:
    with database.session() as session:
        return count_user_sessions(session, user_id)


def test_set_password_gives_a_new_password_and_signs_the_user_out(
    tmp_settings, cli_db, monkeypatch, capsys
):
    bob = _user(cli_db, "bob")
    _stdin(monkeypatch, NEW + "\n")
    assert main(["user", "set-password", "bob"]) == 0
    assert "new password set for bob" in capsys.readouterr().out
    with cli_db.session() as session:
        user = user_store.get_user(session, bob)
        assert verify_password(user.password_hash, NEW) and not user.must_change_password
    assert _sessions(cli_db, bob) == 0


def test_set_password_refuses_short_passwords_unknown_names_and_the_cli_account(
    tmp_settings, cli_db, monkeypatch, capsys
):
    bob = _user(cli_db, "bob")
    with cli_db.session() as session:
        cli_user(session)
    _stdin(monkeypatch, "short\n")
    assert main(["user", "set-password", "bob"]) == 2
    assert "8 to 1024 characters" in capsys.readouterr().err
    _stdin(monkeypatch, NEW + "\n")
    assert main(["user", "set-password", "nobody"]) == 1
    assert "no user named 'nobody'" in capsys.readouterr().err
    _stdin(monkeypatch, NEW + "\n")
    assert main(["user", "set-password", "cli"]) == 1
    assert "belongs to the command line" in capsys.readouterr().err
    with cli_db.session() as session:
        assert verify_password(user_store.get_user(session, bob).password_hash, OLD)
        assert user_store.get_user_by_name(session, "cli").password_hash == "!"


def test_reset_password_prints_a_temporary_password_to_replace(
    tmp_settings, cli_db, capsys
):
    bob = _user(cli_db, "bob")
    assert main(["user", "reset-password", "bob"]) == 0
    out = capsys.readouterr().out
    temporary = out.split("Temporary password for bob: ", 1)[1].split()[0]
    with cli_db.session() as session:
        user = user_store.get_user(session, bob)
        assert user.must_change_password and verify_password(user.password_hash, temporary)
    assert _sessions(cli_db, bob) == 0
    assert main(["user", "reset-password", "nobody"]) == 1


def test_the_admin_is_made_after_a_first_run_left_only_the_cli_account(cli_db):
    with cli_db.session() as session:
        cli_user(session)  # what `optunagui run spec.yaml` leaves behind
    first = ensure_admin(cli_db, {})
    assert first is not None and first.password and not first.restored
    with cli_db.session() as session:
        admin = user_store.get_user_by_name(session, "admin")
        assert admin.is_admin and verify_password(admin.password_hash, first.password)
    assert ensure_admin(cli_db, {}) is None


def test_the_admin_is_made_when_every_user_is_disabled(cli_db):
    _user(cli_db, "bob", disabled=True)
    assert ensure_admin(cli_db, {}) is not None


def test_a_disabled_admin_account_is_enabled_again_with_a_new_password(cli_db):
    admin = _user(cli_db, "admin", disabled=True)
    with cli_db.session() as session:
        user_store.update_user(session, admin, is_admin=False)
    first = ensure_admin(cli_db, {"OPTUNAGUI_ADMIN_PASSWORD": NEW})
    assert first is not None and first.restored and first.password is None
    with cli_db.session() as session:
        user = user_store.get_user(session, admin)
        assert user.is_active and user.is_admin and verify_password(user.password_hash, NEW)


def test_no_admin_is_made_while_someone_can_sign_in(cli_db):
    with cli_db.session() as session:
        cli_user(session)
    _user(cli_db, "bob")
    assert ensure_admin(cli_db, {}) is None
    with cli_db.session() as session:
        assert user_store.get_user_by_name(session, "admin") is None


@pytest.mark.parametrize("password", ["short", "1234567"])
def test_a_too_short_bootstrap_password_is_refused(cli_db, password):
    with pytest.raises(ServeError, match="OPTUNAGUI_ADMIN_PASSWORD: A password needs 8"):
        ensure_admin(cli_db, {"OPTUNAGUI_ADMIN_PASSWORD": password})
    with cli_db.session() as session:
        assert user_store.list_users(session) == []


@pytest.fixture
def served(monkeypatch):
    """What `optunagui serve` would serve, and the environment at that moment."""
    import waitress

    seen: dict[str, object] = {}

    def fake_serve(app, **options):
        seen["environ"] = dict(os.environ)
        seen["options"] = options

    monkeypatch.setattr(waitress, "serve", fake_serve)
    return seen


def test_serve_makes_the_admin_says_so_and_keeps_the_password_from_children(
    tmp_settings, cli_db, monkeypatch, capsys, served
):
    with cli_db.session() as session:
        cli_user(session)
    monkeypatch.setenv("OPTUNAGUI_ADMIN_PASSWORD", NEW)
    assert main(["serve", "--no-follower", "--no-alerts"]) == 0
    out = capsys.readouterr().out
    assert "No account could sign in" in out and "created the admin 'admin'" in out
    assert NEW not in out
    assert "OPTUNAGUI_ADMIN_PASSWORD" not in served["environ"]
    assert "OPTUNAGUI_ADMIN_PASSWORD" not in os.environ
    with cli_db.session() as session:
        admin = user_store.get_user_by_name(session, "admin")
        assert verify_password(admin.password_hash, NEW)


def test_serve_refuses_a_too_short_admin_password(
    tmp_settings, cli_db, monkeypatch, capsys, served
):
    monkeypatch.setenv("OPTUNAGUI_ADMIN_PASSWORD", "short")
    assert main(["serve", "--no-follower", "--no-alerts"]) == 2
    assert "OPTUNAGUI_ADMIN_PASSWORD: A password needs 8 to 1024 characters" in (
        capsys.readouterr().err)
    assert "environ" not in served


def test_serve_prints_a_generated_admin_password_once(
    tmp_settings, cli_db, monkeypatch, capsys, served
):
    monkeypatch.delenv("OPTUNAGUI_ADMIN_PASSWORD", raising=False)
    assert main(["serve", "--no-follower", "--no-alerts"]) == 0
    out = capsys.readouterr().out
    password = out.split("Password: ", 1)[1].split()[0]
    with cli_db.session() as session:
        assert verify_password(user_store.get_user_by_name(session, "admin").password_hash,
                               password)
    assert main(["serve", "--no-follower", "--no-alerts"]) == 0
    assert "Password: " not in capsys.readouterr().out


def test_set_email_saves_and_clears_the_address_and_names_a_bad_one(tmp_settings, cli_db,
                                                                    capsys):
    bob = _user(cli_db, "bob")
    assert main(["user", "set-email", "bob", "bob@example.com"]) == 0
    assert "email of bob: bob@example.com" in capsys.readouterr().out
    assert main(["user", "set-email", "bob", "bob at example"]) == 2
    assert "Email:" in capsys.readouterr().err
    with cli_db.session() as session:
        assert user_store.get_user(session, bob).email == "bob@example.com"
    assert main(["user", "set-email", "nobody", "x@example.com"]) == 1
    assert main(["user", "set-email", "bob", ""]) == 0
    with cli_db.session() as session:
        assert user_store.get_user(session, bob).email is None
