"""Fails when pyproject.toml, the lock (.ci/constraints.txt) and the installed venv disagree.

- every dependency of pyproject.toml (and of its dev extra) is pinned in the lock, at a version
  its specifier admits;
- every distribution installed in this interpreter's environment is in the lock at that exact
  version (a package missing from the lock would be installed unpinned); a pin without a local
  label (``torch==2.13.0``) admits any build of that release (``2.13.0+cpu``).

Run with the venv's interpreter after `.ci/setup`: `.venv/bin/python .ci/check_lock.py`.
Fix a failure by regenerating the lock: `bash .ci/lock`.
"""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / ".ci" / "constraints.txt"
PROJECT = "optunagui"


def read_lock(path: Path) -> tuple[dict[str, Version], list[str]]:
    pins: dict[str, Version] = {}
    problems: list[str] = []
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        if not sep or not version or any(c in name for c in "<>=!~[;@ "):
            problems.append(f"{path.name}:{number}: {raw!r} is not an exact pin 'name==version'")
            continue
        key = canonicalize_name(name)
        if key in pins:
            problems.append(f"{path.name}:{number}: {name} is pinned twice")
        pins[key] = Version(version)
    return pins, problems


def project_requirements(pyproject: Path) -> list[Requirement]:
    project = tomllib.loads(pyproject.read_text())["project"]
    listed = list(project["dependencies"]) + list(project["optional-dependencies"]["dev"])
    return [Requirement(text) for text in listed]


def check_project(pins: dict[str, Version], requirements: list[Requirement]) -> list[str]:
    problems = []
    for requirement in requirements:
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"pyproject.toml needs {requirement}, which the lock does not pin")
        elif not requirement.specifier.contains(pinned, prereleases=True):
            problems.append(
                f"pyproject.toml needs {requirement}, the lock pins {requirement.name}=={pinned}"
            )
    return problems


def check_installed(pins: dict[str, Version]) -> list[str]:
    problems = []
    for dist in metadata.distributions():
        key = canonicalize_name(dist.metadata["Name"])
        if key in (PROJECT, "pip", "setuptools", "wheel"):
            continue
        pinned = pins.get(key)
        installed = Version(dist.version)
        if pinned is None:
            problems.append(f"{dist.metadata['Name']}=={installed} is installed but not locked")
        elif pinned != installed and (pinned.local or pinned.public != installed.public):
            problems.append(
                f"{dist.metadata['Name']}=={installed} is installed, the lock pins {pinned}"
            )
    return problems


def main() -> int:
    pins, problems = read_lock(LOCK)
    problems += check_project(pins, project_requirements(ROOT / "pyproject.toml"))
    problems += check_installed(pins)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("The lock disagrees with pyproject.toml or the venv: regenerate it with "
              "`bash .ci/lock`.", file=sys.stderr)
        return 1
    print(f"Lock OK: {len(pins)} pins agree with pyproject.toml and the installed venv.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
