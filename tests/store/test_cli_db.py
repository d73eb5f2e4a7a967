from __future__ import annotations

import pytest

from optunagui.cli import main
from optunagui.config import Settings
from optunagui.store import Database


def test_cmd_db_current_reports_empty_then_head(
    tmp_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "current"]) == 3
    assert "(empty)" in capsys.readouterr().out

    assert main(["db", "upgrade"]) == 0
    head = Database(tmp_settings.database_url).head_revision()
    assert f"(empty) -> {head}" in capsys.readouterr().out
    assert (tmp_settings.data_dir / "optunagui.db").exists()

    assert main(["db", "upgrade"]) == 0
    assert "already at" in capsys.readouterr().out
    assert main(["db", "current"]) == 0
    assert "up to date" in capsys.readouterr().out
