"""`optunagui --server URL ...` drives a real server through its API (token from
OPTUNAGUI_TOKEN): runs, status, best, pause, resume and stop."""

from __future__ import annotations

import json

from optunagui.cli import main
from optunagui.store import accounts, get_run
from tests.dashapp.conftest import give_run_trials, iris_spec
from tests.dashapp.test_api_client import server_url  # noqa: F401  (a fixture)


def _token(database, user_id: int) -> str:
    with database.session() as session:
        return accounts.create_api_token(session, user_id)[1]


def test_the_command_line_reads_and_controls_runs_on_a_server(
        world, database, server_url, monkeypatch, capsys):  # noqa: F811
    give_run_trials(database, world.run_id, iris_spec("cli", 3), [
        {"number": 0, "state": "complete", "values": [0.93], "params": {"C": 2.0}}])
    monkeypatch.setenv("OPTUNAGUI_TOKEN", _token(database, world.user_ids["ed"]))
    assert main(["--server", server_url, "runs", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [run["id"] for run in listed] == [world.run_id]
    assert main(["--server", server_url, "status", str(world.run_id)]) == 0
    assert "1 complete" in capsys.readouterr().out
    assert main(["--server", server_url, "best", str(world.run_id)]) == 0
    assert "C = 2.0" in capsys.readouterr().out
    assert main(["--server", server_url, "pause", str(world.run_id)]) == 0
    assert "Pause requested" in capsys.readouterr().out
    with database.session() as session:
        assert get_run(session, world.run_id).control["kind"] == "pause"
    assert main(["--server", server_url, "status", "987654"]) == 1
    assert "no such run" in capsys.readouterr().err


def test_the_server_commands_name_what_is_missing(world, database, server_url,  # noqa: F811
                                                  monkeypatch, capsys):
    monkeypatch.delenv("OPTUNAGUI_TOKEN", raising=False)
    assert main(["--server", server_url, "runs"]) == 1
    assert "OPTUNAGUI_TOKEN" in capsys.readouterr().err
    assert main(["pause", "1"]) == 1
    assert "--server" in capsys.readouterr().err
    monkeypatch.setenv("OPTUNAGUI_TOKEN", _token(database, world.user_ids["vic"]))
    assert main(["--server", server_url, "resume", str(world.run_id)]) == 1
    assert "editor" in capsys.readouterr().err
