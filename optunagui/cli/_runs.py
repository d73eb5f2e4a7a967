"""Shared by the run commands: the database, a run looked up by id, and a run's summary."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from optunagui.config import Settings
    from optunagui.spec.validation import SpecError
    from optunagui.store import Database

__all__ = [
    "CliError",
    "RunSummary",
    "best_params_path",
    "format_summary",
    "open_database",
    "print_error",
    "spec_problems",
    "require_run",
    "summarize_run",
    "write_best_params",
]


class CliError(Exception):
    """A problem the person at the command line can fix; printed without a traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def spec_problems(source: object, error: SpecError) -> CliError:
    """The error to raise for a spec with problems: how many, then one per line."""
    problems = "\n".join(f"  {p}" for p in error.problems)
    return CliError(f"{source}: {len(error.problems)} problem(s)\n{problems}")


def print_error(message: str) -> None:
    print(f"optunagui: {message}", file=sys.stderr)


@contextmanager
def open_database(settings: Settings, *, upgrade: bool = False) -> Iterator[Database]:
    """The settings' database (migrated first when `upgrade`), disposed afterwards."""
    from optunagui.store import Database, StoreError

    try:
        database = Database(settings.database_url)
    except (StoreError, ValueError) as error:
        raise CliError(f"cannot open the database {settings.database_url!r}: {error}") from None
    try:
        if upgrade:
            try:
                database.upgrade()
            except StoreError as error:
                raise CliError(f"{database!r}: {error}") from None
        yield database
    finally:
        database.dispose()


def require_run(database: Database, run_id: int) -> dict[str, Any]:
    """The run's row as a plain dict; CliError naming the id when there is no such run."""
    from optunagui.store import StoreError, get_run

    try:
        with database.session() as session:
            run = get_run(session, run_id)
            if run is None:
                raise CliError(f"run {run_id} does not exist")
            return {
                "id": run.id,
                "name": run.name,
                "status": run.status,
                "status_reason": run.status_reason,
                "study_name": run.study_name,
                "spec": dict(run.spec or {}),
                "n_trials_budget": run.n_trials_budget,
                "ray_job_id": run.ray_job_id,
                "driver_pid": run.driver_pid,
                "started_at": run.started_at,
                "finished_at": run.finished_at,
            }
    except StoreError as error:  # e.g. tables not created yet
        raise CliError(
            f"cannot read run {run_id} from {database!r}: {error} "
            "(`optunagui db upgrade` creates the tables)"
        ) from None


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    study_name: str
    status: str
    status_reason: str | None
    best_value: float | list[float] | None
    best_params: dict[str, Any] | None
    best_trial: int | None
    n_complete: int
    n_pruned: int
    n_failed: int
    n_running: int
    n_budget: int | None
    quick: bool = False

    def to_json(self) -> dict[str, Any]:
        """The fields `optunagui run --json` prints."""
        return {
            "run_id": self.run_id,
            "study_name": self.study_name,
            "best_value": self.best_value,
            "best_params": self.best_params,
            "n_complete": self.n_complete,
            "n_pruned": self.n_pruned,
            "n_failed": self.n_failed,
            "status": self.status,
        }

    @property
    def n_finished(self) -> int:
        return self.n_complete + self.n_pruned + self.n_failed


def summarize_run(database: Database, run_id: int) -> RunSummary:
    """Status, trial counts and the best trial (on the primary metric) of one run."""
    from optunagui.store import count_trials_by_state, get_best_trial, get_run

    with database.session() as session:
        run = get_run(session, run_id)
        if run is None:
            raise CliError(f"run {run_id} does not exist")
        counts = count_trials_by_state(session, run_id)
        best = get_best_trial(session, run_id)
        metrics = (run.spec or {}).get("metrics") or []
        best_value: float | list[float] | None = None
        if best is not None and best.values:
            best_value = best.values[0] if len(metrics) <= 1 else list(best.values)
        return RunSummary(
            run_id=run.id,
            study_name=run.study_name,
            status=run.status,
            status_reason=run.status_reason,
            best_value=best_value,
            best_params=dict(best.params or {}) if best is not None else None,
            best_trial=best.number if best is not None else None,
            n_complete=counts.get("complete", 0),
            n_pruned=counts.get("pruned", 0),
            n_failed=counts.get("failed", 0),
            n_running=counts.get("running", 0),
            n_budget=run.n_trials_budget,
            quick=bool((run.spec or {}).get("quick")),
        )


def best_params_path(settings: Settings, run_id: int) -> Path:
    return settings.runs_dir / str(run_id) / "best_params.json"


def write_best_params(settings: Settings, database: Database, run_id: int) -> Path | None:
    """Write ``<data dir>/runs/<run id>/best_params.json`` (the document the run page's
    download and the driver's end-of-run files hold); None when no trial completed."""
    from optunagui.exports import ExportError, best_params_json

    try:
        with database.session() as session:
            text = best_params_json(session, run_id)
    except ExportError:
        return None
    path = best_params_path(settings, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


QUICK_LINE = ("quick: a quick-mode run (few trials, aggressive pruning, a stratified "
              "subsample of the data): a first look, not a final result")


def format_summary(summary: RunSummary) -> str:
    """The human-readable end of a run."""
    lines = [
        f"run {summary.run_id} ({summary.study_name}): {summary.status}"
        + (f" - {summary.status_reason}" if summary.status_reason else ""),
        *([QUICK_LINE] if summary.quick else []),
        f"trials: {summary.n_complete} complete, {summary.n_pruned} pruned, "
        f"{summary.n_failed} failed"
        + (f", {summary.n_running} running" if summary.n_running else "")
        + (f" (budget {summary.n_budget})" if summary.n_budget else ""),
    ]
    if summary.best_params is None:
        lines.append("best: no complete trial yet")
    else:
        lines.append(f"best value: {_fmt_value(summary.best_value)} (trial {summary.best_trial})")
        lines.append("best params:")
        lines.extend(f"  {name} = {value!r}" for name, value in summary.best_params.items())
    return "\n".join(lines)


def _fmt_value(value: float | list[float] | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return "[" + ", ".join(f"{v:.6g}" for v in value) + "]"
    return f"{value:.6g}"
