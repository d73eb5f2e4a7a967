"""The lock (.ci/constraints.txt) pins every dependency pyproject.toml names, at a version its
specifier admits; its checker finds each kind of disagreement."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("check_lock", ROOT / ".ci" / "check_lock.py")
assert _spec and _spec.loader
check_lock = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_lock)


def test_the_repository_lock_pins_every_project_dependency():
    pins, problems = check_lock.read_lock(ROOT / ".ci" / "constraints.txt")
    assert problems == []
    requirements = check_lock.project_requirements(ROOT / "pyproject.toml")
    assert check_lock.check_project(pins, requirements) == []
    assert pins["torch"] == Version("2.13.0")


def test_a_dependency_the_lock_lacks_or_excludes_is_named(tmp_path):
    pins = {"dash": Version("4.4.1")}
    problems = check_lock.check_project(
        pins, [Requirement("dash>=5"), Requirement("flask-login>=0.6")])
    assert problems == [
        "pyproject.toml needs dash>=5, the lock pins dash==4.4.1",
        "pyproject.toml needs flask-login>=0.6, which the lock does not pin",
    ]


def test_a_line_that_is_not_an_exact_pin_is_refused(tmp_path):
    lock = tmp_path / "constraints.txt"
    lock.write_text("# comment\ndash==4.4.1\nflask>=3\nray[tune]==2.60.0\ndash==4.4.0\n")
    pins, problems = check_lock.read_lock(lock)
    assert pins["dash"] == Version("4.4.0")
    assert [p.split(": ", 1)[0] for p in problems] == [
        "constraints.txt:3", "constraints.txt:4", "constraints.txt:5"]


def test_an_installed_version_other_than_the_pin_is_named():
    pins, _ = check_lock.read_lock(ROOT / ".ci" / "constraints.txt")
    pins["dash"] = Version("0.1")
    problems = check_lock.check_installed(pins)
    assert any(p.startswith("dash==") and p.endswith("the lock pins 0.1") for p in problems)
    del pins["dash"]
    unlocked = check_lock.check_installed(pins)
    assert any(p.startswith("dash==") and "not locked" in p for p in unlocked)
