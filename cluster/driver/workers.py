"""The name a trial's worker goes by in the product: its host name, and the Ray node as well
where several nodes of the cluster share one host (a head and a worker raylet on one machine,
several containers with one host name), so the worker timeline tells them apart."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from cluster.driver.keys import NODE_KEY

__all__ = ["WorkerNames", "alive_nodes"]

NODE_ID_SHOWN = 6


def alive_nodes() -> list[dict[str, Any]]:
    import ray

    return [node for node in ray.nodes() if node.get("Alive")]


class WorkerNames:
    """Names workers from Tune results; asks Ray for its nodes again when a result comes from
    a node it has not seen (a node that joined during the run). Only a trial's first result
    says its node: later ones of the same trial get the name that one gave."""

    def __init__(self, list_nodes: Callable[[], list[dict[str, Any]]] = alive_nodes) -> None:
        self._list_nodes = list_nodes
        self._hosts_by_node: dict[str, str] = {}
        self._shared_hosts: set[str] = set()
        self._by_trial: dict[int, str | None] = {}

    def name(self, trial_number: int, result: Mapping[str, Any]) -> str | None:
        node_id = str(result.get(NODE_KEY) or "")
        if not node_id and trial_number in self._by_trial:
            return self._by_trial[trial_number]
        named = self._name(node_id, result.get("hostname") or result.get("node_ip"))
        if node_id:
            self._by_trial[trial_number] = named
        return named

    def forget(self, trial_number: int) -> None:
        self._by_trial.pop(trial_number, None)

    def _name(self, node_id: str, host: str | None) -> str | None:
        if not node_id:
            return host
        if node_id not in self._hosts_by_node:
            self._refresh(node_id, host)
        if host in self._shared_hosts:
            return f"{host} · node {node_id[:NODE_ID_SHOWN]}"
        return host

    def _refresh(self, node_id: str, host: str | None) -> None:
        try:
            nodes = self._list_nodes()
        except Exception:  # noqa: BLE001  (naming must never stop the run)
            nodes = []
        for node in nodes:
            known = node.get("NodeManagerHostname") or node.get("NodeManagerAddress")
            if node.get("NodeID") and known:
                self._hosts_by_node[str(node["NodeID"])] = str(known)
        self._hosts_by_node.setdefault(node_id, str(host))
        counts = Counter(self._hosts_by_node.values())
        self._shared_hosts = {name for name, count in counts.items() if count > 1}
