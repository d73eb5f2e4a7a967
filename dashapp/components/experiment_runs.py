"""One experiment's header and runs, as the experiment page and the shared view read them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dashapp import queries
from optunagui.store import experiments as experiment_store

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["ExperimentRuns", "read_experiment_runs"]


@dataclass(frozen=True)
class ExperimentRuns:
    """The experiment's name and description, its runs (newest first) and its baseline run."""

    header: queries.ExperimentHeader
    runs: list[queries.RunRow]
    baseline_id: int | None


def read_experiment_runs(session: Session, experiment_id: int) -> ExperimentRuns | None:
    """The experiment's header and runs, or None when it does not exist."""
    experiment = experiment_store.get_experiment(session, experiment_id)
    header = queries.get_experiment_header(session, experiment_id)
    if experiment is None or header is None:
        return None
    runs = queries.list_run_rows(session, experiment_id)
    return ExperimentRuns(header, runs, experiment.baseline_run_id)
