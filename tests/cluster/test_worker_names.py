"""Worker names: the host alone, or host and node where several Ray nodes share one host."""

from __future__ import annotations

from cluster.driver.keys import NODE_KEY
from cluster.driver.workers import WorkerNames


def _nodes(*pairs: tuple[str, str]):
    listed = [{"NodeID": node, "NodeManagerHostname": host, "Alive": True} for node, host in pairs]
    calls: list[int] = []

    def list_nodes():
        calls.append(1)
        return listed

    return listed, calls, list_nodes


def test_worker_names_one_node_per_host_is_the_host():
    _, _, list_nodes = _nodes(("aaaaaa11", "gpu-1"), ("bbbbbb22", "gpu-2"))
    names = WorkerNames(list_nodes)
    assert names.name(0, {"hostname": "gpu-1", NODE_KEY: "aaaaaa11"}) == "gpu-1"
    assert names.name(1, {"hostname": "gpu-2", NODE_KEY: "bbbbbb22"}) == "gpu-2"


def test_worker_names_nodes_on_one_host_are_told_apart_for_every_result_of_a_trial():
    _, calls, list_nodes = _nodes(("aaaaaa11", "vm"), ("bbbbbb22", "vm"))
    names = WorkerNames(list_nodes)
    first = names.name(0, {"hostname": "vm", NODE_KEY: "aaaaaa11"})
    other = names.name(1, {"hostname": "vm", NODE_KEY: "bbbbbb22"})
    assert (first, other) == ("vm · node aaaaaa", "vm · node bbbbbb")
    assert names.name(0, {"hostname": "vm"}) == first  # a later result carries no node id
    assert len(calls) == 1  # both nodes were known after the first listing
    names.forget(0)
    assert names.name(0, {"hostname": "vm"}) == "vm"


def test_worker_names_a_node_that_joins_later_is_listed_again():
    listed, calls, list_nodes = _nodes(("aaaaaa11", "vm"))
    names = WorkerNames(list_nodes)
    assert names.name(0, {"hostname": "vm", NODE_KEY: "aaaaaa11"}) == "vm"
    listed.append({"NodeID": "cccccc33", "NodeManagerHostname": "vm", "Alive": True})
    assert names.name(1, {"hostname": "vm", NODE_KEY: "cccccc33"}) == "vm · node cccccc"
    assert len(calls) == 2


def test_worker_names_survive_ray_failing_to_list_its_nodes():
    def broken():
        raise ConnectionError("gcs gone")

    names = WorkerNames(broken)
    assert names.name(0, {"node_ip": "10.0.0.5", NODE_KEY: "dddddd44"}) == "10.0.0.5"
    assert names.name(1, {}) is None
