"""`optunagui user ...` and the start-up steps of `optunagui serve`."""

from __future__ import annotations

import io
import stat
from dataclasses import replace

import pytest

from optunagui.accounts import verify_password
from optunagui.cli import main
from optunagui.cli.cmd_serve import ServeError, ensure_admin, resolve_secret_key
from optunagui.cli.cmd_user import read_password
from optunagui.store import users as user_store


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_user_add_reads_the_password_from_stdin(tmp_settings, cli_db, monkeypatch, capsys):
    _stdin(monkeypatch, "a long password\n")
    assert main(["user", "add", "bob", "--admin"]) == 0
    with cli_db.session() as session:
        user = user_store.get_user_by_name(session, "bob")
        assert user.is_admin and user.is_active
        assert verify_password(user.password_hash, "a long password")
        assert "a long password" not in user.password_hash
    assert "added admin bob" in capsys.readouterr().out


def test_user_add_refuses_taken_names_bad_names_and_short_passwords(
    tmp_settings, cli_db, monkeypatch
):
    _stdin(monkeypatch, "a long password\n")
    assert main(["user", "add", "bob"]) == 0
    _stdin(monkeypatch, "a long password\n")
    assert main(["user", "add", "bob"]) == 1
    _stdin(monkeypatch, "a long password\n")
    assert main(["user", "add", "bad name!"]) == 2
    _stdin(monkeypatch, "short\n")
    assert main(["user", "add", "carol"]) == 2
    with cli_db.session() as session:
        assert [u.username for u in user_store.list_users(session)] == ["bob"]


def test_user_list_and_disable(tmp_settings, cli_db, monkeypatch, capsys):
    _stdin(monkeypatch, "a long password\n")
    main(["user", "add", "bob"])
    assert main(["user", "disable", "bob"]) == 0
    assert main(["user", "disable", "nobody"]) == 1
    capsys.readouterr()
    assert main(["user", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:3] == ["bob", "user", "disabled"]
    assert main(["user", "enable", "bob"]) == 0


def test_read_password_strips_only_the_line_end():
    assert read_password(io.StringIO("  spaced out  \r\nnext")) == "  spaced out  "
    with pytest.raises(ValueError):
        read_password(io.StringIO(""))


def test_secret_key_is_generated_once_for_the_embedded_database(tmp_settings):
    settings = replace(tmp_settings, secret_key=None)
    first = resolve_secret_key(settings, debug=False)
    path = settings.data_dir / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert resolve_secret_key(settings, debug=False) == first
    assert len(first) >= 32


def test_secret_key_is_required_on_a_shared_database(tmp_settings):
    shared = replace(
        tmp_settings, secret_key=None, database_url="postgresql+psycopg://db.example/optunagui"
    )
    with pytest.raises(ServeError, match="OPTUNAGUI_SECRET_KEY"):
        resolve_secret_key(shared, debug=False)
    assert resolve_secret_key(shared, debug=True)
    with pytest.raises(ServeError, match="too short"):
        resolve_secret_key(replace(shared, secret_key="short"), debug=False)
    assert resolve_secret_key(replace(shared, secret_key="k" * 32), debug=False) == "k" * 32


def test_serve_refuses_to_start_without_a_key_on_a_shared_database(
    tmp_settings, monkeypatch, capsys
):
    monkeypatch.setenv("OPTUNAGUI_DATABASE_URL", "postgresql+psycopg://db.example/optunagui")
    monkeypatch.delenv("OPTUNAGUI_SECRET_KEY", raising=False)
    assert main(["serve"]) == 2
    assert "OPTUNAGUI_SECRET_KEY is required" in capsys.readouterr().err


def test_first_admin_is_created_once_with_a_printed_password(cli_db):
    first = ensure_admin(cli_db, {})
    assert first is not None and first.password
    password = first.password
    assert ensure_admin(cli_db, {}) is None
    with cli_db.session() as session:
        (admin,) = user_store.list_users(session)
        assert admin.username == "admin" and admin.is_admin
        assert verify_password(admin.password_hash, password)


def test_first_admin_takes_the_password_from_the_environment(cli_db):
    first = ensure_admin(cli_db, {"OPTUNAGUI_ADMIN_PASSWORD": "from the env"})
    assert first is not None and first.password is None
    with cli_db.session() as session:
        (admin,) = user_store.list_users(session)
        assert verify_password(admin.password_hash, "from the env")
