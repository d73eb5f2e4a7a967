"""A real Ray cluster of two nodes on this one machine, for tests: a head and a second raylet.

Each node is a `ray start --block` process in a session of its own, with its own --temp-dir
(so neither writes /tmp/ray, where other Rays of this machine live), its own free ports, one
CPU and a small object store. Both, and every client of the cluster (drivers, probes), use
token authentication with one token made for this cluster: Ray turns token authentication on
for a head when ~/.ray/auth_token exists, and a node or client without the same token is
refused.

A node is ended without `ray stop`, which would kill every Ray on the machine (the test
session's own, other people's): every process a node starts inherits a marker variable from
its `ray start`, and the processes carrying that marker are the node. SIGKILL to them is a
node that crashed; SIGTERM to `ray start` is a node that shuts down.

What the nodes printed and the tails of their Ray logs are kept for assertion messages.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["RayCluster", "RayNode", "start_two_nodes"]

VENV_BIN = Path(sys.executable).parent
MARKER_VAR = "OPTUNAGUI_TEST_RAY_NODE"
OBJECT_STORE_BYTES = 100 * 1024 * 1024  # Ray's floor is 75 MiB; the default is 30% of RAM
START_TIMEOUT_S = 90.0
REDIS_PORT = 6379
LOG_TAIL_LINES = 40
_LOG_PATTERNS = ("raylet.out", "raylet.err", "gcs_server.out", "python-core-worker-*.log",
                 "worker-*.err", "python-core-driver-*.log")

_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A free port, never Redis's and never one handed out already in this process (the OS
    may give one port to two binds in a row; Ray refuses two components on one port)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("", 0))
            port = int(sock.getsockname()[1])
        if port != REDIS_PORT and port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last lines of a log, without the raylet's periodic state dumps."""
    try:
        text = path.read_text(errors="replace")
    except OSError as error:
        return f"({error})"
    kept = [line for line in text.splitlines() if not line.startswith("[state-dump]")]
    return "\n".join(kept[-lines:])


def _processes_with(marker: str) -> list[int]:
    needle = f"{MARKER_VAR}={marker}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "environ").read_bytes().split(b"\0"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@dataclass
class RayNode:
    """One `ray start --block` node and the processes it started (found by its marker)."""

    name: str
    root: Path  # holds the node's output file and its Ray temp dir
    marker: str
    node_manager_port: int
    process: subprocess.Popen[bytes]
    node_id: str = ""  # Ray's id of the node, once the cluster has listed it

    @property
    def temp_dir(self) -> Path:
        return self.root / "ray"

    @property
    def output_path(self) -> Path:
        return self.root / "output.log"

    def output(self) -> str:
        return _tail(self.output_path, 200)

    def started(self) -> bool:
        return "Ray runtime started" in self.output()

    def pids(self) -> list[int]:
        return _processes_with(self.marker)

    def crash(self) -> None:
        """SIGKILL to every process of the node, `ray start` first: no drain, no goodbye."""
        for pid in [self.process.pid, *self.pids()]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """A shutdown: SIGTERM to `ray start`, which ends what it started; then SIGKILL to
        anything of the node still there."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        self.crash()

    def report(self) -> str:
        """What the node printed and the tails of its Ray logs."""
        parts = [f"===== {self.name}: output of ray start =====\n{self.output()}"]
        logs = self.temp_dir / "session_latest" / "logs"
        for pattern in _LOG_PATTERNS:
            for path in sorted(logs.glob(pattern))[-3:]:
                parts.append(f"----- {self.name}: {path.name} (tail) -----\n{_tail(path)}")
        return "\n".join(parts)


@dataclass
class RayCluster:
    """The two nodes, the address of the head's GCS and the environment a client needs."""

    head: RayNode
    worker: RayNode
    address: str
    environ: dict[str, str] = field(repr=False)
    nodes: list[RayNode] = field(default_factory=list)

    def client_environ(self, **extra: str) -> dict[str, str]:
        """The environment of a driver or probe of this cluster: the address and the token."""
        return {**self.environ, "RAY_ADDRESS": self.address, **extra}

    def report(self) -> str:
        return "\n".join(node.report() for node in self.nodes)

    def alive_nodes(self, timeout_s: float = 60.0) -> list[dict[str, object]]:
        """The cluster's alive nodes, as a client sees them (a probe process of its own)."""
        probe = subprocess.run(
            [sys.executable, "-c", _NODES_PROBE], env=self.client_environ(),
            capture_output=True, text=True, timeout=timeout_s,
        )
        if probe.returncode != 0:
            raise RuntimeError(f"the probe of {self.address} failed:\n{probe.stdout}\n"
                               f"{probe.stderr}")
        import json

        return list(json.loads(probe.stdout.strip().splitlines()[-1]))


# Lists the alive nodes and starts one task on each, so each node has shown it can start a
# worker process (what a trial needs) before a test relies on it.
_NODES_PROBE = """
import json, ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
ray.init(log_to_driver=False, configure_logging=False)
nodes = [n for n in ray.nodes() if n["Alive"]]
@ray.remote(num_cpus=0)
def where():
    return ray.get_runtime_context().get_node_id()
answers = ray.get([where.options(scheduling_strategy=NodeAffinitySchedulingStrategy(
    n["NodeID"], soft=False)).remote() for n in nodes], timeout=120)
assert answers == [n["NodeID"] for n in nodes], answers
print(json.dumps([{"NodeID": n["NodeID"], "NodeManagerPort": n["NodeManagerPort"],
                   "CPU": n["Resources"].get("CPU", 0)} for n in nodes]))
"""


def _base_environ(token: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env.update(
        {
            "PATH": f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
            "RAY_AUTH_MODE": "token",
            "RAY_AUTH_TOKEN": token,
            "RAY_USAGE_STATS_ENABLED": "0",
        }
    )
    return env


def _start_node(name: str, base: Path, env: Mapping[str, str], args: list[str]) -> RayNode:
    root = base / name
    root.mkdir()
    marker = uuid.uuid4().hex
    node_manager_port = free_port()
    ports = {
        "--node-manager-port": node_manager_port,
        "--object-manager-port": free_port(),
        "--dashboard-agent-listen-port": free_port(),
        "--dashboard-agent-grpc-port": free_port(),
        "--metrics-export-port": free_port(),
        "--runtime-env-agent-port": free_port(),
    }
    command = [
        str(VENV_BIN / "ray"), "start", "--block", *args,
        "--num-cpus=1", "--num-gpus=0", f"--object-store-memory={OBJECT_STORE_BYTES}",
        f"--temp-dir={root / 'ray'}", "--disable-usage-stats",
        "--min-worker-port=0", "--max-worker-port=0",  # OS-chosen: no clash with other Rays
        *(f"{flag}={port}" for flag, port in ports.items()),
    ]  # fmt: skip
    with (root / "output.log").open("wb") as output:
        process = subprocess.Popen(
            command, env={**env, MARKER_VAR: marker}, stdin=subprocess.DEVNULL,
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    return RayNode(name=name, root=root, marker=marker, node_manager_port=node_manager_port,
                   process=process)


def _wait_started(node: RayNode, cluster_report: object, deadline: float) -> None:
    while not node.started():
        if node.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"Ray node {node.name} did not start "
                               f"(exit code {node.process.poll()}):\n{cluster_report}")
        time.sleep(0.3)


def _head_address(head: RayNode, deadline: float) -> str:
    """The GCS address the head announces in its temp dir (its node IP and port)."""
    path = head.temp_dir / "ray_current_cluster"
    while not path.exists() or not path.read_text().strip():
        if time.monotonic() > deadline:
            raise RuntimeError(f"the head wrote no address:\n{head.report()}")
        time.sleep(0.2)
    return path.read_text().strip().splitlines()[0]


@contextmanager
def start_two_nodes() -> Iterator[RayCluster]:
    """A head and a worker node, one CPU each, both alive and each able to run a task.

    Both are stopped when the block ends, however it ends.
    """
    base = Path(tempfile.mkdtemp(prefix="og2n", dir="/tmp"))  # short: Ray's socket paths
    env = _base_environ(secrets.token_hex(32))
    nodes: list[RayNode] = []
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        head = _start_node("head", base, env, [
            "--head", f"--port={free_port()}", "--include-dashboard=false",
            f"--ray-client-server-port={free_port()}",
        ])
        nodes.append(head)
        _wait_started(head, head.report(), deadline)
        address = _head_address(head, deadline)
        worker = _start_node("worker", base, env, [f"--address={address}"])
        nodes.append(worker)
        cluster = RayCluster(head=head, worker=worker, address=address, environ=env,
                             nodes=nodes)
        _wait_started(worker, cluster.report(), deadline)
        _wait_for_nodes(cluster, 2, deadline)
        yield cluster
    finally:
        for node in reversed(nodes):
            node.stop()
        shutil.rmtree(base, ignore_errors=True)


def _wait_for_nodes(cluster: RayCluster, count: int, deadline: float) -> None:
    seen: object = None
    while time.monotonic() < deadline:
        try:
            seen = cluster.alive_nodes(timeout_s=max(5.0, deadline - time.monotonic()))
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            seen = error
        else:
            ids = {int(str(n["NodeManagerPort"])): str(n["NodeID"]) for n in seen}
            if all(node.node_manager_port in ids for node in cluster.nodes[:count]):
                for node in cluster.nodes:
                    node.node_id = ids.get(node.node_manager_port, "")
                return
        time.sleep(0.5)
    raise RuntimeError(f"the cluster at {cluster.address} did not reach {count} alive nodes "
                       f"(last seen: {seen}):\n{cluster.report()}")
