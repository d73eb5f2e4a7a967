"""What the dashboard knows of a run of the user's own code, read from its stored spec and code
version only.

A code run's spec names an objective (``objective.function``, e.g. ``"train.py:objective"``) and
the code version it runs (``objective.code``, the sha256 of the packaged folder). The web
process never imports, executes or unpickles that code: the entry point, the file list and a
file's text come from the spec and the stored archive, as data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from dashapp import services
from optunagui.code.entry import parse_entry
from optunagui.store import get_run
from optunagui.store.tables import Run

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "NOT_REFITTABLE",
    "CodeObjective",
    "CodeSummary",
    "code_objective",
    "entry_file",
    "format_size",
    "has_builtin_model",
    "is_attached",
    "is_code_run",
    "list_code_runs",
    "read_code_summary",
    "run_is_attached",
    "runs_builtin_model",
    "runs_own_code",
    "short_hash",
]

NOT_REFITTABLE = ("A run of your own code or an attached study: the product does not know how "
                  "to refit it.")
HASH_SHOWN = 12


@dataclass(frozen=True)
class CodeObjective:
    """The objective section of a code run's spec, as stored (texts only)."""

    function: str
    setup: str | None
    code: str | None
    working_dir: str | None


def code_objective(spec: Any) -> CodeObjective | None:
    """The objective of a stored spec (``Run.spec``), or None for a run of a built-in model."""
    objective = spec.get("objective") if isinstance(spec, Mapping) else None
    if not isinstance(objective, Mapping):
        return None
    function = objective.get("function")
    if not isinstance(function, str) or not function:
        return None

    def text(key: str) -> str | None:
        value = objective.get(key)
        return value if isinstance(value, str) and value else None

    return CodeObjective(function, text("setup"), text("code"), text("working_dir"))


def is_code_run(spec: Any) -> bool:
    """Whether a stored spec runs the user's own objective instead of a built-in model."""
    return code_objective(spec) is not None


def is_attached(spec: Any) -> bool:
    """Whether a stored spec is an attached study's (run by its own code elsewhere)."""
    return isinstance(spec, Mapping) and isinstance(spec.get("attached"), Mapping)


def has_builtin_model(spec: Any) -> bool:
    """Whether the product knows the run's model (to refit it, clone it in the wizard, ...)."""
    return not is_code_run(spec) and not is_attached(spec)


def runs_own_code(run_id: int | None) -> bool:
    """Whether the stored run (a checked id) runs the user's own objective."""
    if run_id is None:
        return False
    with services.database().read_session() as session:
        run = get_run(session, run_id)
        return run is not None and is_code_run(run.spec)


def runs_builtin_model(run_id: int | None) -> bool:
    """Whether the stored run (a checked id) tunes one of the product's models."""
    if run_id is None:
        return False
    with services.database().read_session() as session:
        run = get_run(session, run_id)
        return run is not None and has_builtin_model(run.spec)


def run_is_attached(run_id: int | None) -> bool:
    if run_id is None:
        return False
    with services.database().read_session() as session:
        run = get_run(session, run_id)
        return run is not None and is_attached(run.spec)


def short_hash(sha256: str | None) -> str:
    """The first hex digits of a code version's hash, as shown next to it."""
    return sha256[:HASH_SHOWN] if sha256 else "—"


def format_size(n_bytes: int) -> str:
    """``812 B``, ``3.4 kB``, ``1.2 MB``."""
    if n_bytes < 1000:
        return f"{n_bytes} B"
    if n_bytes < 1_000_000:
        return f"{n_bytes / 1000:.1f} kB"
    return f"{n_bytes / 1_000_000:.1f} MB"


def entry_file(function: str, paths: Sequence[str]) -> str | None:
    """The file of the archive that holds the entry point: ``train.py:objective`` names
    ``train.py``; ``pkg.train:objective`` names ``pkg/train.py`` or ``pkg/train/__init__.py``.
    None when the entry point is malformed or the archive has no such file."""
    try:
        entry = parse_entry(function)
    except ValueError:
        return None
    candidates = [entry.module_file]
    if entry.dotted:
        candidates.append(entry.module_file.removesuffix(".py") + "/__init__.py")
    present = set(paths)
    return next((path for path in candidates if path in present), None)


@dataclass(frozen=True)
class CodeSummary:
    """A code run's objective and, when it is stored, its code version.

    Attributes:
        stored: the code version named by the spec is in the database.
        files: (path, size in bytes) of each file of the version, in archive order.
        entry_path: the file holding the entry point (None: not among the files).
    """

    objective: CodeObjective
    stored: bool = False
    size_bytes: int = 0
    files: tuple[tuple[str, int], ...] = ()
    entry_path: str | None = None

    @property
    def sha256(self) -> str | None:
        return self.objective.code

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(path for path, _size in self.files)


def _files(raw: Any) -> tuple[tuple[str, int], ...]:
    found = []
    for item in raw or ():
        if isinstance(item, Mapping) and isinstance(item.get("path"), str):
            size = item.get("size")
            found.append((item["path"], int(size) if isinstance(size, int) else 0))
    return tuple(found)


def read_code_summary(session: Session, spec: Any) -> CodeSummary | None:
    """The summary of a stored spec's code (None for a built-in model's run)."""
    objective = code_objective(spec)
    if objective is None:
        return None
    if objective.code is None:
        return CodeSummary(objective)
    from optunagui.store import get_code_version

    version = get_code_version(session, objective.code)
    if version is None:
        return CodeSummary(objective)
    files = _files(version.files)
    return CodeSummary(objective, stored=True, size_bytes=int(version.size_bytes or 0),
                       files=files, entry_path=entry_file(objective.function,
                                                          [p for p, _ in files]))


def list_code_runs(session: Session, experiment_id: int
                   ) -> list[tuple[int, str, CodeSummary]]:
    """(run id, name, code summary) of the experiment's runs of the user's own code, newest
    first."""
    rows = session.execute(
        select(Run.id, Run.name, Run.spec).where(Run.experiment_id == experiment_id)
        .order_by(Run.created_at.desc(), Run.id.desc())
    ).all()
    found = []
    for run_id, name, spec in rows:
        summary = read_code_summary(session, spec) if is_code_run(spec) else None
        if summary is not None:
            found.append((run_id, name, summary))
    return found
