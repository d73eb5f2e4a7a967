"""A real two-node Ray cluster on this machine (tests/cluster/ray_nodes.py): a head and a
second raylet joined to it, one CPU each. One run's trials land on both nodes and the worker
names tell the nodes apart; two submitters at once on PostgreSQL both finish; a worker node
that crashes mid-run costs no finished trial.

The cluster is this module's own, not the session's local Ray. Each driver runs as its own
process (`python -m cluster.driver RUN_ID`, as `optunagui run` starts it) against the
cluster's address; runs are stopped through the product's stop path (`stop_run`). The
crash test comes last: it ends the worker node.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
import pytest

from cluster.launch.submit import stop_run
from optunagui import store
from optunagui.config import Settings
from optunagui.spec import ExperimentSpec
from optunagui.store import Database
from tests.cluster._runs import make_run, make_spec
from tests.cluster.ray_nodes import RayCluster, RayNode, start_two_nodes

pytestmark = [pytest.mark.ray, pytest.mark.slow]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FINISHED = ("complete", "pruned", "failed")
TERMINAL_EVENTS = ("completed", "pruned", "failed")
PLACEMENT_TIMEOUT_S = 120.0
DRIVER_TIMEOUT_S = 120.0


@pytest.fixture(scope="module")
def two_nodes() -> Iterator[RayCluster]:
    with start_two_nodes() as cluster:
        yield cluster


def _spec(n_trials: int, max_concurrent: int = 2, trees: tuple[int, int] = (300, 500)
          ) -> ExperimentSpec:
    # With the default forests a trial takes a few seconds: longer than a trial actor takes
    # to start on the second node. Shorter trials never reach it: Tune gives the next trial
    # the head's warm actor and drops the one still starting there (reuse_actors).
    return make_spec(
        dataset={"builtin": "breast_cancer"},
        model="random_forest",
        space={"n_estimators": {"type": "int", "low": trees[0], "high": trees[1]},
               "max_depth": {"type": "int", "low": 2, "high": 6}},
        sampler={"name": "random", "seed": 1},
        pruner={"name": "none"},
        split={"method": "stratified_kfold", "folds": 3},
        budget={"n_trials": n_trials, "max_concurrent": max_concurrent},
        resources={"cpu": 1, "gpu": 0},
    )


@dataclass
class Driver:
    run_id: int
    process: subprocess.Popen[bytes]
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-20_000:]

    def wait(self, timeout_s: float = DRIVER_TIMEOUT_S) -> int | None:
        try:
            return self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


@pytest.fixture
def drivers() -> Iterator[Callable[..., Driver]]:
    """Starts drivers against the cluster; kills any still running when the test ends."""
    started: list[Driver] = []

    def start(cluster: RayCluster, settings: Settings, run_id: int,
              database_url: str) -> Driver:
        log_path = settings.data_dir / f"driver-{run_id}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        env = cluster.client_environ(
            OPTUNAGUI_DATA_DIR=str(settings.data_dir), OPTUNAGUI_DATABASE_URL=database_url,
            OPTUNAGUI_SECRET_KEY=settings.secret_key or "",
        )
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "cluster.driver", str(run_id)], cwd=PROJECT_ROOT,
                env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )
        started.append(Driver(run_id, process, log_path))
        return started[-1]

    yield start
    for driver in started:
        driver.kill()


def _trials(database: Database, run_id: int) -> list[Any]:
    with database.session() as session:
        return list(store.list_trials(session, run_id))


def _events(database: Database, run_id: int) -> list[Any]:
    with database.session() as session:
        return list(store.list_events_after(session, run_id, 0, limit=100_000))


def _run(database: Database, run_id: int) -> Any:
    with database.session() as session:
        run = store.get_run(session, run_id)
        assert run is not None
        return run


def _on(node: RayNode, worker: str | None) -> bool:
    """Whether a worker name is the given node's: host and node id, as the product writes it
    where two nodes share a host (cluster/driver/workers.py)."""
    assert node.node_id, f"node {node.name} has no node id yet"
    return (worker or "").endswith(f" · node {node.node_id[:6]}")


def _complete_on(rows: list[Any], node: RayNode) -> list[Any]:
    return [row for row in rows if row.state == "complete" and _on(node, row.worker)]


def _failure(cluster: RayCluster, *drivers: Driver) -> str:
    parts = [f"===== driver of run {d.run_id} =====\n{d.output()}" for d in drivers]
    return "\n".join([*parts, cluster.report()])


def _wait_until(condition: Callable[[], bool], timeout_s: float, what: str,
                cluster: RayCluster, *drivers: Driver) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        for driver in drivers:
            if driver.process.poll() is not None:
                pytest.fail(f"while waiting for {what}, the driver of run {driver.run_id} "
                            f"exited ({driver.process.returncode}):\n"
                            f"{_failure(cluster, *drivers)}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {timeout_s:g} s:\n{_failure(cluster, *drivers)}")
        time.sleep(0.3)


def _stop(database: Database, settings: Settings, cluster: RayCluster, driver: Driver) -> None:
    """Stop the run the way the dashboard, CLI and API do, and wait for its driver."""
    outcome = stop_run(driver.run_id, settings, timeout_s=60, db=database)
    assert outcome.acknowledged, _failure(cluster, driver)
    assert driver.wait() == 0, _failure(cluster, driver)
    assert _run(database, driver.run_id).status == "stopped", _failure(cluster, driver)


def _assert_no_duplicate_events(events: list[Any]) -> None:
    terminal = Counter(e.trial_number for e in events
                       if e.kind in TERMINAL_EVENTS and not (e.metrics or {}).get("retrying"))
    assert [n for n, count in terminal.items() if count > 1] == [], terminal
    starts = Counter((e.trial_number, (e.metrics or {}).get("attempt", 1))
                     for e in events if e.kind == "started")
    assert [key for key, count in starts.items() if count > 1] == [], starts


def test_two_nodes_a_run_places_trials_on_both(two_nodes, tmp_settings, sqlite_db, drivers):
    run_id, _ = make_run(sqlite_db, _spec(n_trials=500))
    driver = drivers(two_nodes, tmp_settings, run_id, tmp_settings.database_url)

    def on_both() -> bool:
        rows = _trials(sqlite_db, run_id)
        return all(_complete_on(rows, node) for node in (two_nodes.head, two_nodes.worker))

    _wait_until(on_both, PLACEMENT_TIMEOUT_S, "completed trials on both nodes", two_nodes,
                driver)
    _stop(sqlite_db, tmp_settings, two_nodes, driver)

    rows = _trials(sqlite_db, run_id)
    assert not [row for row in rows if row.state == "running"]
    placed = [row for row in rows if row.worker]
    assert all(_on(two_nodes.head, r.worker) or _on(two_nodes.worker, r.worker)
               for r in placed), {r.worker for r in placed}
    completed = {e.trial_number: e.worker for e in _events(sqlite_db, run_id)
                 if e.kind == "completed"}
    assert completed == {r.number: r.worker for r in rows if r.state == "complete"}
    _assert_no_duplicate_events(_events(sqlite_db, run_id))


@pytest.mark.postgres
def test_two_nodes_two_submitters_at_once_on_postgres(
    two_nodes, tmp_settings, postgres_database_url, drivers
):
    database = Database(postgres_database_url)
    database.upgrade()
    try:
        spec = _spec(n_trials=2, max_concurrent=1, trees=(20, 40))
        runs = [make_run(database, spec, name=f"submitter {i}") for i in (1, 2)]
        started = [drivers(two_nodes, tmp_settings, run_id, postgres_database_url)
                   for run_id, _ in runs]
        codes = [driver.wait() for driver in started]
        assert codes == [0, 0], _failure(two_nodes, *started)
        for driver in started:
            run = _run(database, driver.run_id)
            assert run.status == "completed", (run.status_reason, _failure(two_nodes, driver))
            rows = _trials(database, driver.run_id)
            assert [row.state for row in rows] == ["complete"] * 2
            _assert_no_duplicate_events(_events(database, driver.run_id))
    finally:
        database.dispose()


def test_two_nodes_a_worker_node_that_crashes_mid_run_costs_no_finished_trial(
    two_nodes, tmp_settings, sqlite_db, drivers
):
    run_id, study_name = make_run(sqlite_db, _spec(n_trials=500))
    driver = drivers(two_nodes, tmp_settings, run_id, tmp_settings.database_url)
    head, worker = two_nodes.head, two_nodes.worker

    def mid_run() -> bool:
        rows = _trials(sqlite_db, run_id)
        running_there = [r for r in rows if r.state == "running" and _on(worker, r.worker)]
        return bool(_complete_on(rows, head) and _complete_on(rows, worker) and running_there)

    _wait_until(mid_run, PLACEMENT_TIMEOUT_S, "trials completed on both nodes and one "
                "running on the worker node", two_nodes, driver)
    rows = _trials(sqlite_db, run_id)
    before = {row.number: (row.state, row.values, row.worker)
              for row in rows if row.state in FINISHED}
    cut_off = [row.number for row in rows if row.state == "running" and _on(worker, row.worker)]
    worker.crash()

    def carried_on() -> bool:
        # The driver learns of the lost node (its trial failed) and the head goes on.
        rows = {row.number: row for row in _trials(sqlite_db, run_id)}
        settled = all(rows[n].state != "running" for n in cut_off)
        return settled and any(n not in before for n in
                               (r.number for r in _complete_on(list(rows.values()), head)))

    _wait_until(carried_on, PLACEMENT_TIMEOUT_S, "end of the cut-off trial and a trial "
                "completed on the head after the worker node crashed", two_nodes, driver)
    _stop(sqlite_db, tmp_settings, two_nodes, driver)

    after = {row.number: row for row in _trials(sqlite_db, run_id)}
    assert {n: (after[n].state, after[n].values, after[n].worker) for n in before} == before
    assert not [row.number for row in after.values() if row.state == "running"]
    # The trial the crash cut off failed (it had no retries left), unless it finished first.
    assert {after[n].state for n in cut_off} <= {"failed", "complete"}, cut_off
    _assert_no_duplicate_events(_events(sqlite_db, run_id))
    study = optuna.load_study(study_name=study_name, storage=sqlite_db.optuna_storage())
    assert not [t.number for t in study.trials if t.state == optuna.trial.TrialState.RUNNING]
