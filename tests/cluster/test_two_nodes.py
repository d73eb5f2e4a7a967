"""A real two-node Ray cluster on this machine: a head and a second raylet joined to it, each
with its own CPU and a declared GPU. One run's trials land on both nodes and the worker names
tell them apart; stopping the worker node mid-run costs no finished trial and leaves none
running.

The driver runs as its own process (as `optunagui run` starts it) against the cluster's
address, since the test session's own local Ray lives in the test process.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from optunagui import store
from optunagui.spec import ExperimentSpec
from tests.cluster._runs import make_run, make_spec

pytestmark = [pytest.mark.ray, pytest.mark.slow]

RAY = Path(sys.executable).with_name("ray")
OBJECT_STORE_BYTES = str(200 * 1024 * 1024)
FINISHED = ("complete", "pruned", "fail")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(node: subprocess.Popen) -> None:
    """Ends a `ray start --block` node and the Ray processes it started (its session), and
    nothing else: other Ray clusters on this machine go on."""
    if node.poll() is None:
        os.killpg(node.pid, signal.SIGTERM)
        try:
            node.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(node.pid, signal.SIGKILL)
            node.wait(timeout=30)


class TwoNodes:
    def __init__(self, address: str, worker: subprocess.Popen, env: dict[str, str]) -> None:
        self.address = address
        self.worker = worker
        self.env = env

    def stop_worker(self) -> None:
        _stop(self.worker)


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([str(RAY), "start", *args, "--block", "--disable-usage-stats",
                             f"--object-store-memory={OBJECT_STORE_BYTES}"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


_PROBE = """
import sys, time
import ray
for attempt in range(120):
    try:
        ray.init(address=sys.argv[1], log_to_driver=False)
        break
    except ConnectionError:
        time.sleep(1)
for attempt in range(120):
    alive = [n for n in ray.nodes() if n["Alive"] and n["Resources"].get("CPU")]
    if len(alive) >= 2:
        sys.exit(0)
    time.sleep(0.5)
sys.exit(1)
"""


def _wait_for_two_nodes(address: str, env: dict[str, str]) -> None:
    probe = subprocess.run([sys.executable, "-c", _PROBE, address], env=env,
                           capture_output=True, text=True, timeout=240)
    assert probe.returncode == 0, f"the cluster at {address} did not reach 2 nodes"


@pytest.fixture(scope="module")
def two_nodes() -> Iterator[TwoNodes]:
    """Started once for this module; the last test stops its worker node."""
    temp_dir = tempfile.mkdtemp(prefix="r2n-", dir="/tmp")  # short: Ray's socket paths
    env = {**os.environ, "RAY_ADDRESS": ""}
    env.pop("RAY_ADDRESS")
    port = _free_port()
    address = f"127.0.0.1:{port}"
    head = _start(["--head", f"--port={port}", "--num-cpus=1", "--num-gpus=1",
                   "--include-dashboard=false", f"--temp-dir={temp_dir}"], env)
    worker = None
    try:
        worker = _start([f"--address={address}", "--num-cpus=1", "--num-gpus=1"], env)
        _wait_for_two_nodes(address, env)
        yield TwoNodes(address, worker, env)
    finally:
        if worker is not None:
            _stop(worker)
        _stop(head)
        shutil.rmtree(temp_dir, ignore_errors=True)


def _spec(n_trials: int) -> ExperimentSpec:
    return make_spec(
        dataset={"builtin": "breast_cancer"},
        model="random_forest",
        space={"n_estimators": {"type": "int", "low": 200, "high": 400},
               "max_depth": {"type": "int", "low": 2, "high": 8}},
        sampler={"name": "random", "seed": 1},
        pruner={"name": "none"},
        split={"method": "stratified_kfold", "folds": 3},
        budget={"n_trials": n_trials, "max_concurrent": 2},
        resources={"cpu": 1, "gpu": 0},
    )


def _driver(cluster: TwoNodes, settings, run_id: int, database_url: str | None = None
            ) -> subprocess.Popen:
    env = {**cluster.env, "RAY_ADDRESS": cluster.address,
           "OPTUNAGUI_DATA_DIR": str(settings.data_dir),
           "OPTUNAGUI_DATABASE_URL": database_url or settings.database_url}
    return subprocess.Popen([sys.executable, "-m", "cluster.driver", str(run_id)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _trials(database, run_id: int):
    with database.session() as session:
        return store.list_trials(session, run_id)


def _run_status(database, run_id: int) -> str:
    with database.session() as session:
        run = store.get_run(session, run_id)
        assert run is not None
        return str(run.status)


def test_two_nodes_a_run_places_trials_on_both(two_nodes, tmp_settings, sqlite_db):
    run_id, _ = make_run(sqlite_db, _spec(10))
    driver = _driver(two_nodes, tmp_settings, run_id)
    output, _ = driver.communicate(timeout=240)
    assert driver.returncode == 0, output

    rows = _trials(sqlite_db, run_id)
    assert len(rows) == 10 and {row.state for row in rows} == {"complete"}
    workers = {row.worker for row in rows}
    assert len(workers) == 2, workers
    assert all(" · node " in (worker or "") for worker in workers), workers
    with sqlite_db.session() as session:
        events = store.list_events_after(session, run_id, 0, limit=10_000)
    assert {e.worker for e in events if e.kind == "completed"} == workers


@pytest.mark.postgres
def test_two_nodes_two_submitters_at_once_on_postgres(two_nodes, tmp_settings,
                                                      postgres_database_url):
    from optunagui.store import Database

    database = Database(postgres_database_url)
    database.upgrade()
    try:
        runs = [make_run(database, _spec(4).model_copy(
                    update={"budget": _spec(4).budget.model_copy(update={"max_concurrent": 1})}),
                    name=f"submitter {i}")[0] for i in (1, 2)]
        drivers = [_driver(two_nodes, tmp_settings, run_id, postgres_database_url)
                   for run_id in runs]
        outputs = [driver.communicate(timeout=300)[0] for driver in drivers]
        assert [driver.returncode for driver in drivers] == [0, 0], outputs
        for run_id in runs:
            rows = _trials(database, run_id)
            assert len(rows) == 4 and {row.state for row in rows} == {"complete"}
            assert _run_status(database, run_id) == "completed"
        with database.session() as session:
            creators = {store.get_run(session, run_id).created_by for run_id in runs}
        assert len(creators) == 2
    finally:
        database.dispose()


def test_two_nodes_a_worker_node_stopped_mid_run_costs_no_finished_trial(
    two_nodes, tmp_settings, sqlite_db
):
    run_id, _ = make_run(sqlite_db, _spec(16))
    driver = _driver(two_nodes, tmp_settings, run_id)
    deadline = time.monotonic() + 180
    finished_before: dict[int, tuple] = {}
    while time.monotonic() < deadline:
        rows = _trials(sqlite_db, run_id)
        on_both = {row.worker for row in rows if row.state == "complete"}
        if len(on_both) == 2 and any(row.state == "running" for row in rows):
            finished_before = {row.number: (row.state, row.values)
                               for row in rows if row.state in FINISHED}
            break
        time.sleep(0.2)
    assert finished_before, "no moment with finished trials on both nodes and one running"
    two_nodes.stop_worker()

    output, _ = driver.communicate(timeout=300)
    assert _run_status(sqlite_db, run_id) == "completed", output
    rows = {row.number: row for row in _trials(sqlite_db, run_id)}
    for number, (state, values) in finished_before.items():
        assert (rows[number].state, rows[number].values) == (state, values)
    assert not [row for row in rows.values() if row.state == "running"]
    assert sum(row.state == "complete" for row in rows.values()) >= len(finished_before)
    assert len(rows) >= 16
