"""Packing a working directory as a code version: what goes in, its hash, limits, extraction."""

from __future__ import annotations

import io
import zipfile

import pytest

from optunagui.code.archive import (
    CodeTooLarge,
    build_archive,
    cached_code_dir,
    extract_archive,
    read_archive_file,
)
from optunagui.code.entry import entry_problems, function_parameters, parse_entry


def _project(root):
    (root / "pkg").mkdir(parents=True)
    (root / "train.py").write_text("def objective(trial):\n    return 1.0\n")
    (root / "pkg" / "model.py").write_text("WIDTH = 3\n")
    for junk in (".git", ".venv", "__pycache__", "checkpoints"):
        (root / junk).mkdir()
        (root / junk / "blob.bin").write_bytes(b"x" * 100)
    (root / "train.pyc").write_bytes(b"\0")
    (root / ".gitignore").write_text("checkpoints/\n*.log\n")
    (root / "run.log").write_text("noise")
    return root


def _paths(archive):
    return [f["path"] for f in archive.files]


def test_archive_keeps_the_code_and_leaves_out_vcs_venvs_caches_and_ignored(tmp_path):
    archive = build_archive(_project(tmp_path / "p"))
    assert _paths(archive) == [".gitignore", "pkg/model.py", "train.py"]


def test_same_files_give_the_same_hash_and_a_change_a_new_one(tmp_path):
    first = build_archive(_project(tmp_path / "a"))
    again = build_archive(_project(tmp_path / "b"))
    assert first.sha256 == again.sha256 and first.data == again.data
    (tmp_path / "b" / "train.py").write_text("def objective(trial):\n    return 2.0\n")
    assert build_archive(tmp_path / "b").sha256 != first.sha256


def test_optunaguiignore_excludes_too(tmp_path):
    root = _project(tmp_path / "p")
    (root / ".optunaguiignore").write_text("pkg/\n")
    assert "pkg/model.py" not in _paths(build_archive(root))


def test_a_folder_over_the_limit_is_refused_with_its_largest_files(tmp_path):
    root = _project(tmp_path / "p")
    (root / "weights.npy").write_bytes(bytes(range(256)) * 4000)
    with pytest.raises(CodeTooLarge) as raised:
        build_archive(root, max_bytes=50_000)
    assert "weights.npy" in str(raised.value) and ".optunaguiignore" in str(raised.value)


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="missing"):
        build_archive(tmp_path / "missing")


def test_extraction_round_trips_and_the_cache_checks_the_hash(tmp_path):
    archive = build_archive(_project(tmp_path / "p"))
    folder = cached_code_dir(archive.sha256, archive.data, tmp_path / "cache")
    assert (folder / "pkg" / "model.py").read_text() == "WIDTH = 3\n"
    assert cached_code_dir(archive.sha256, archive.data, tmp_path / "cache") == folder
    with pytest.raises(ValueError, match="hashes to"):
        cached_code_dir("0" * 64, archive.data, tmp_path / "cache")
    assert "def objective" in read_archive_file(archive.data, "train.py")
    with pytest.raises(LookupError):
        read_archive_file(archive.data, "nothere.py")


def test_an_archive_with_a_path_outside_its_folder_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as evil:
        evil.writestr("../escape.py", "x = 1\n")
    with pytest.raises(ValueError, match="unsafe path"):
        extract_archive(buffer.getvalue(), tmp_path / "out")
    assert not (tmp_path / "escape.py").exists()


def test_entry_points_are_read_without_importing(tmp_path):
    root = _project(tmp_path / "p")
    (root / "side.py").write_text("raise SystemExit('imported!')\ndef objective(t, data):\n"
                                  "    return 0\n")
    assert parse_entry("pkg.model:WIDTH").module_name == "pkg.model"
    assert entry_problems(root, "side.py:objective") == []
    assert function_parameters(root, "side.py:objective") == ["t", "data"]
    assert "no top-level function" in entry_problems(root, "pkg/model.py:nothing")[0]
    assert entry_problems(root, "train.py")  # not in file:function form
