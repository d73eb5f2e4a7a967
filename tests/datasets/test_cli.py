from __future__ import annotations

from pathlib import Path

import pytest

from optunagui.cli import main
from tests.factories import add_experiment, add_run


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "data"
    monkeypatch.setenv("OPTUNAGUI_DATA_DIR", str(directory))
    monkeypatch.delenv("OPTUNAGUI_DATABASE_URL", raising=False)
    return directory


def write_csv(path: Path, extra_rows: int = 0) -> Path:
    rows = ["1.5,red,0", "2.5,blue,1", "3.5,red,0", "4.5,blue,1"]
    rows += [f"{i}.25,red,{i % 2}" for i in range(extra_rows)]
    path.write_text("size,colour,label\n" + "\n".join(rows) + "\n")
    return path


def stored_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "datasets").iterdir())


def test_datasets_add_registers_and_copies(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from optunagui.datasets import file_sha256

    source = write_csv(tmp_path / "shop.csv")
    assert main(["datasets", "add", str(source), "--name", "shop", "--target", "label"]) == 0
    out = capsys.readouterr().out
    sha = file_sha256(source)
    assert "registered shop" in out
    assert f"sha256:  {sha}" in out
    assert "rows:    4" in out
    assert "columns: 3 (target label, classification)" in out
    assert stored_files(data_dir) == [data_dir / "datasets" / f"{sha}.csv"]


def test_datasets_add_same_file_twice_is_one_version(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(tmp_path / "shop.csv")
    assert main(["datasets", "add", str(source), "--name", "shop"]) == 0
    capsys.readouterr()
    copy = tmp_path / "copy-of-shop.csv"
    copy.write_bytes(source.read_bytes())
    assert main(["datasets", "add", str(copy), "--name", "shop"]) == 0
    out = capsys.readouterr().out
    assert "already registered" in out and "nothing changed" in out
    assert len(stored_files(data_dir)) == 1
    assert main(["datasets", "list"]) == 0
    listing = capsys.readouterr().out.split("Registered datasets")[1]
    assert listing.count("shop") == 1


def test_datasets_add_changed_file_is_new_version(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from optunagui.datasets import file_sha256

    source = write_csv(tmp_path / "shop.csv")
    assert main(["datasets", "add", str(source), "--name", "shop"]) == 0
    first = file_sha256(source)
    write_csv(source, extra_rows=3)
    second = file_sha256(source)
    capsys.readouterr()
    assert main(["datasets", "add", str(source), "--name", "shop"]) == 0
    out = capsys.readouterr().out
    assert "new version of shop" in out and "(2 version(s))" in out
    assert "rows:    7" in out
    assert len(stored_files(data_dir)) == 2
    assert main(["datasets", "list"]) == 0
    listing = capsys.readouterr().out.split("Registered datasets")[1]
    assert first[:12] in listing and second[:12] in listing
    assert listing.count("shop") == 2


def test_datasets_list_shows_builtins_and_versions(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["datasets", "list"]) == 0
    out = capsys.readouterr().out
    builtins, registered = out.split("Registered datasets")
    for name, rows, columns in [("iris", 150, 5), ("digits", 1797, 65), ("diabetes", 442, 11)]:
        line = next(line for line in builtins.splitlines() if line.split()[:1] == [name])
        assert line.split()[2:] == [str(rows), str(columns)]
    assert "none yet" in registered

    source = write_csv(tmp_path / "shop.csv")
    assert main(["datasets", "add", str(source), "--name", "shop"]) == 0
    capsys.readouterr()
    assert main(["datasets", "list"]) == 0
    registered = capsys.readouterr().out.split("Registered datasets")[1]
    line = next(line for line in registered.splitlines() if line.split()[:1] == ["shop"])
    cells = line.split()
    assert cells[2:4] == ["4", "3"]  # rows, columns
    assert cells[4:6] == [str(source.stat().st_size), "B"]
    assert line.rstrip().endswith("UTC")


def test_datasets_add_bad_file_fails_with_message(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,3\n4,5,6\n")
    assert main(["datasets", "add", str(bad), "--name", "bad"]) == 1
    captured = capsys.readouterr()
    assert "bad.csv" in captured.err and "no header row" in captured.err
    assert captured.out == ""
    assert not (data_dir / "datasets").exists()


def test_datasets_add_missing_target_lists_columns(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(tmp_path / "shop.csv")
    assert main(["datasets", "add", str(source), "--name", "shop", "--target", "price"]) == 1
    err = capsys.readouterr().err
    assert "'price' is not in the file" in err and "size, colour, label" in err


def test_datasets_add_rejects_bad_name(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write_csv(tmp_path / "shop.csv")
    assert main(["datasets", "add", str(source), "--name", "../etc"]) == 1
    assert "dataset name '../etc' is not valid" in capsys.readouterr().err


def test_human_size_units() -> None:
    from optunagui.formatting import human_size

    assert human_size(512) == "512 B"
    assert human_size(2048) == "2.0 KB"
    assert human_size(5 * 1024**3) == "5.0 GB"


def _run_on_each_version(name: str) -> dict[str, int]:
    """A run on each version of the dataset name (oldest first); run ids by version hash."""
    from optunagui.config import load_settings
    from optunagui.store import Database, list_dataset_versions

    database = Database(load_settings().database_url)
    try:
        with database.session() as session:
            _user, experiment = add_experiment(session, "shop study", password_hash="hash-ada")
            runs = {}
            for version in reversed(list_dataset_versions(session, name)):
                run = add_run(session, experiment.id, {"name": "r"},
                              f"run on {version.sha256[:6]}", dataset_version_id=version.id)
                runs[version.sha256] = run.id
            return runs
    finally:
        database.dispose()


def test_datasets_versions_lists_versions_with_their_runs(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from optunagui.datasets import file_sha256

    source = write_csv(tmp_path / "shop.csv")
    assert main(["datasets", "add", str(source), "--name", "shop"]) == 0
    first = file_sha256(source)
    write_csv(source, extra_rows=3)
    second = file_sha256(source)
    assert main(["datasets", "add", str(source), "--name", "shop"]) == 0
    runs = _run_on_each_version("shop")
    capsys.readouterr()
    assert main(["datasets", "versions", "shop"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "shop: 2 version(s), newest first"
    newest, oldest = lines[2], lines[3]
    assert newest.split()[:3] == [second[:12], "7", "3"]
    assert oldest.split()[:3] == [first[:12], "4", "3"]
    assert f"#{runs[second]} run on {second[:6]} (queued, experiment 1)" in newest
    assert f"#{runs[first]} run on {first[:6]}" in oldest and f"#{runs[second]} " not in oldest

    assert main(["datasets", "versions", "shop", "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["sha256"] for r in records] == [second, first]
    assert [r["rows"] for r in records] == [7, 4]
    assert records[1]["runs"] == [{"id": runs[first], "name": f"run on {first[:6]}",
                                   "experiment_id": 1, "status": "queued"}]


def test_datasets_versions_of_an_unknown_name_fails_with_message(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["datasets", "versions", "nothing-here"]) == 1
    err = capsys.readouterr().err
    assert "no dataset named 'nothing-here'" in err and "datasets list" in err
    assert main(["datasets", "versions", "nothing-here", "--json"]) == 1
    with pytest.raises(SystemExit):
        main(["datasets", "versions"])
