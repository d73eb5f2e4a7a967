from __future__ import annotations

from pathlib import Path

import pytest

from optunagui.datasets import DatasetError, file_sha256, store_dataset_file


def test_store_dataset_file_content_addressed(tmp_path: Path) -> None:
    src = tmp_path / "in" / "iris.CSV"
    src.parent.mkdir()
    src.write_text("a,y\n1,0\n2,1\n")
    sha, stored = store_dataset_file(tmp_path / "data", src)
    assert sha == file_sha256(src)
    assert stored == tmp_path / "data" / "datasets" / f"{sha}.csv"
    assert stored.read_bytes() == src.read_bytes()


def test_store_dataset_file_same_content_twice_is_one_copy(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("a,y\n1,0\n2,1\n")
    b.write_text("a,y\n1,0\n2,1\n")
    first = store_dataset_file(tmp_path / "data", a)
    second = store_dataset_file(tmp_path / "data", b)
    assert first == second
    assert [p.name for p in (tmp_path / "data" / "datasets").iterdir()] == [first[1].name]


def test_store_dataset_file_changed_content_is_new_version(tmp_path: Path) -> None:
    src = tmp_path / "a.csv"
    src.write_text("a,y\n1,0\n2,1\n")
    sha1, path1 = store_dataset_file(tmp_path, src)
    src.write_text("a,y\n1,0\n2,1\n3,0\n")
    sha2, path2 = store_dataset_file(tmp_path, src)
    assert sha1 != sha2 and path1 != path2
    assert path1.exists() and path2.exists()
    assert path1.read_text() == "a,y\n1,0\n2,1\n"


def test_store_dataset_file_repairs_truncated_copy(tmp_path: Path) -> None:
    src = tmp_path / "a.csv"
    src.write_text("a,y\n1,0\n2,1\n")
    sha, stored = store_dataset_file(tmp_path, src)
    stored.write_text("a,")
    assert store_dataset_file(tmp_path, src) == (sha, stored)
    assert stored.read_bytes() == src.read_bytes()


def test_store_dataset_file_rejects_missing_and_unsupported(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="file not found"):
        store_dataset_file(tmp_path, tmp_path / "none.csv")
    odd = tmp_path / "x.json"
    odd.write_text("{}")
    with pytest.raises(DatasetError, match="unsupported file type '.json'"):
        store_dataset_file(tmp_path, odd)
