from __future__ import annotations

import pytest

from cluster.launch.resources import cluster_summary, plan_resources
from optunagui.spec import ResourcesSpec

CPU_ONLY = {"CPU": 8.0, "memory": 8e9, "node:10.0.0.1": 1.0, "node:__internal_head__": 1.0}
TWO_GPUS = {
    "CPU": 16.0,
    "GPU": 2.0,
    "accelerator_type:A100": 1.0,
    "node:10.0.0.1": 1.0,
    "node:10.0.0.2": 1.0,
    "node:__internal_head__": 1.0,
}


def test_plan_resources_gpu_request_on_cpu_cluster_is_a_problem():
    plan = plan_resources(ResourcesSpec(cpu=1, gpu=0.5), 4, CPU_ONLY)

    assert not plan.ok
    assert plan.max_concurrent == 0
    assert plan.problems == [
        "resources.gpu: 0.5 GPU per trial requested but the cluster has no GPU; "
        "set resources.gpu to 0 or add GPU nodes"
    ]


def test_plan_resources_fractional_gpu_caps_concurrency_at_four():
    plan = plan_resources(ResourcesSpec(cpu=1, gpu=0.5), 10, TWO_GPUS)

    assert plan.ok
    assert plan.fit == 4
    assert plan.max_concurrent == 4
    assert plan.capped


@pytest.mark.parametrize(("gpu", "expected"), [(0.3, 6), (0.25, 8), (1, 2), (2, 1), (0.1, 20)])
def test_plan_resources_gpu_share_uses_ray_fixed_point(gpu, expected):
    # 2 // 0.1 is 19.0 in floats; Ray itself counts in 1/10000 units, and so does the plan.
    plan = plan_resources({"cpu": 1, "gpu": gpu}, 100, {"CPU": 100.0, "GPU": 2.0})

    assert plan.fit == expected


def test_plan_resources_cpu_caps_concurrency():
    plan = plan_resources(ResourcesSpec(cpu=3, gpu=0), 5, CPU_ONLY)

    assert plan.ok
    assert plan.fit == 2
    assert plan.max_concurrent == 2


def test_plan_resources_cpu_and_gpu_take_the_tighter_limit():
    plan = plan_resources({"cpu": 8, "gpu": 0.25}, 50, TWO_GPUS)

    assert plan.max_concurrent == 2


def test_plan_resources_budget_smaller_than_fit_is_kept():
    plan = plan_resources(ResourcesSpec(cpu=1, gpu=0.5), 2, TWO_GPUS)

    assert plan.ok
    assert plan.fit == 4
    assert plan.max_concurrent == 2
    assert not plan.capped


def test_plan_resources_no_budget_means_as_many_as_fit():
    assert plan_resources({"cpu": 2, "gpu": 0}, None, CPU_ONLY).max_concurrent == 4


def test_plan_resources_more_cpu_than_cluster_is_a_problem():
    plan = plan_resources({"cpu": 12, "gpu": 0}, 1, CPU_ONLY)

    assert plan.max_concurrent == 0
    assert plan.problems == [
        "resources.cpu: 12 CPUs per trial requested but the cluster has only 8 CPUs in total; "
        "lower resources.cpu or add nodes"
    ]


def test_plan_resources_more_gpu_than_cluster_is_a_problem():
    plan = plan_resources({"cpu": 1, "gpu": 3}, 1, TWO_GPUS)

    assert plan.problems == [
        "resources.gpu: 3 GPUs per trial requested but the cluster has only 2 GPUs in total; "
        "lower resources.gpu or add GPU nodes"
    ]


def test_plan_resources_gpu_share_above_one_must_be_whole():
    plan = plan_resources({"cpu": 1, "gpu": 1.5}, 1, {"CPU": 8.0, "GPU": 4.0})

    assert not plan.ok
    assert "whole GPUs" in plan.problems[0]


def test_cluster_summary_counts_free_resources_nodes_and_gpu_types():
    summary = cluster_summary(TWO_GPUS, {"CPU": 10.0, "GPU": 0.5})

    assert (summary.total_cpu, summary.free_cpu) == (16.0, 10.0)
    assert (summary.total_gpu, summary.free_gpu) == (2.0, 0.5)
    assert summary.gpu_types == ["A100"]
    assert summary.n_nodes == 2
    assert summary.describe() == "10 of 16 CPUs free, 0.5 of 2 GPUs free (A100) on 2 nodes"


def test_cluster_summary_without_gpu_says_so():
    summary = cluster_summary(CPU_ONLY, {})

    assert summary.free_cpu == 0.0
    assert summary.describe() == "0 of 8 CPUs free, no GPU on 1 node"
