"""Which of the runs named in a compare URL the user may read, and the baselines they add.

Every id, the URL's and the pinned baselines' alike, goes through ``dashapp.access`` (the
user's role on the run's experiment, as a run page callback checks it). A run that does not
exist and a run the user may not read get the same answer, so the page tells nothing about
runs outside the user's experiments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashapp import access, services
from dashapp.permissions import Principal, parse_id
from optunagui.store import experiments as experiment_store
from optunagui.store import get_run

__all__ = ["MAX_RUNS", "Baselines", "Compared", "Selection", "compared_runs", "find_baselines",
           "include_baseline", "select_runs"]

MAX_RUNS = 8


@dataclass(frozen=True)
class Selection:
    readable: tuple[int, ...]
    refused: tuple[str, ...]  # the ids as written, in the URL's order
    problem: str | None = None


def select_runs(principal: Principal, raw: Any) -> Selection:
    """Parse ``runs`` ("3,7,9") and check each id; duplicates count once."""
    if not isinstance(raw, str) or not raw.strip():
        return Selection((), (), "Choose runs to compare: open /compare?runs=3,7 or tick runs "
                                 "on an experiment's page and press “Compare selected”.")
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    bad = [part for part in parts if parse_id(part) is None]
    if bad:
        shown = bad[0] if len(bad[0]) <= 20 else bad[0][:20] + "…"
        return Selection((), (), f"runs: “{shown}” is not a run id (use numbers, e.g. runs=3,7).")
    unique = list(dict.fromkeys(int(part) for part in parts))
    if len(unique) > MAX_RUNS:
        return Selection((), (), f"runs: at most {MAX_RUNS} runs can be compared at once "
                                 f"({len(unique)} given).")
    readable, refused = access.readable_runs(principal, unique)
    return Selection(readable, tuple(str(run_id) for run_id in refused))


@dataclass(frozen=True)
class Baselines:
    """The pinned baselines of the selected runs' experiments that the user may read.

    Attributes:
        pinned: every such baseline, in the order of the runs' experiments; the first is the
            one the statistics compare the other runs against.
        added: those not in the selection, which the comparison adds.
    """

    pinned: tuple[int, ...] = ()
    added: tuple[int, ...] = ()
    unlike: tuple[str, ...] = ()  # baselines left out: set up for another task or metric

    @property
    def reference(self) -> int | None:
        return self.pinned[0] if self.pinned else None


def include_baseline(raw: Any) -> bool:
    """The "Include the baseline" switch, or the URL's ``baseline=0`` (off); on by default."""
    if isinstance(raw, str):
        return raw.strip().lower() not in ("0", "false", "off", "no")
    return raw is None or bool(raw)


def _task_and_metric(session: Any, run_id: int) -> tuple[str | None, str | None]:
    run = get_run(session, run_id)
    spec = run.spec if run is not None and isinstance(run.spec, dict) else {}
    metrics = spec.get("metrics") or []
    first = metrics[0] if metrics and isinstance(metrics[0], dict) else {}
    return spec.get("task"), first.get("name")


def _setup_text(task: str | None, metric: str | None) -> str:
    return f"{task or 'unknown task'} on {metric or 'no metric'}"


def find_baselines(principal: Principal, run_ids: tuple[int, ...]) -> Baselines:
    """The baselines pinned in the experiments of ``run_ids`` (already checked readable) that
    share the first selected run's task and metric; the others are named in ``unlike``."""
    experiment_ids = list(dict.fromkeys(
        found for found in (access.experiment_of_run(run_id) for run_id in run_ids)
        if found is not None))
    pinned: list[int] = []
    with services.database().session() as session:
        for experiment_id in experiment_ids:
            experiment = experiment_store.get_experiment(session, experiment_id)
            if experiment is not None and experiment.baseline_run_id is not None:
                pinned.append(experiment.baseline_run_id)
    readable, _refused = access.readable_runs(principal, pinned)
    alike, unlike = [], []
    with services.database().session() as session:
        wanted = _task_and_metric(session, run_ids[0]) if run_ids else (None, None)
        for run_id in readable:
            setup = _task_and_metric(session, run_id)
            if run_id in run_ids or setup == wanted:
                alike.append(run_id)
            else:
                unlike.append(f"#{run_id}: {_setup_text(*setup)}, the runs: "
                              f"{_setup_text(*wanted)}")
    return Baselines(tuple(alike), tuple(run_id for run_id in alike if run_id not in run_ids),
                     tuple(unlike))


@dataclass(frozen=True)
class Compared:
    """What a compare callback works on; every id in it passed ``dashapp.access``.

    Attributes:
        found: the pinned baselines of the selected runs' experiments.
        used: those the comparison includes (none when the switch is off).
    """

    selection: Selection
    found: Baselines
    used: Baselines

    @property
    def run_ids(self) -> tuple[int, ...]:
        """The runs to show: added baselines first, then the readable selection."""
        return self.used.added + self.selection.readable


def compared_runs(principal: Principal, runs: Any, include: Any) -> Compared:
    """The runs of the ``runs`` text that ``principal`` may read, with their baselines in use
    as the switch (or the URL's ``baseline``) says."""
    selection = select_runs(principal, runs)
    found = find_baselines(principal, selection.readable) if selection.readable else Baselines()
    used = found if include_baseline(include) else Baselines()
    return Compared(selection, found, used)
