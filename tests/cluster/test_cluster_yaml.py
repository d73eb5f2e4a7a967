"""ray_cluster.yaml passes the validation `ray up` runs, for both the on-premise config and
the commented AWS variant at its end."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from ray.autoscaler._private.commands import _bootstrap_config
from ray.autoscaler._private.util import prepare_config, validate_config

CLUSTER_YAML = Path(__file__).resolve().parents[2] / "ray_cluster.yaml"
AWS_BEGIN = "# ==== BEGIN AWS VARIANT ===="
AWS_END = "# ==== END AWS VARIANT ===="


def _on_premise() -> dict:
    return yaml.safe_load(CLUSTER_YAML.read_text())


def _aws_variant() -> dict:
    """The commented AWS block, uncommented the way its header tells a person to."""
    text = CLUSTER_YAML.read_text()
    block = text[text.index(AWS_BEGIN) + len(AWS_BEGIN) : text.index(AWS_END)]
    lines = []
    for line in block.strip("\n").splitlines():
        assert line.startswith("#"), f"uncommented line inside the AWS variant: {line!r}"
        lines.append(line[2:] if line.startswith("# ") else line[1:])
    return yaml.safe_load("\n".join(lines))


def _head_port(command: str) -> int:
    return int(re.search(r"--port=(\d+)", command).group(1))


def _worker_port(command: str) -> int:
    return int(re.search(r"--address=\$RAY_HEAD_IP:(\d+)", command).group(1))


def test_cluster_yaml_on_premise_passes_ray_up_validation():
    # _bootstrap_config is what `ray up` runs before touching any machine: merge the
    # provider defaults, expand the local provider's node types, validate against
    # ray-schema.json plus the cross-field checks.
    resolved = _bootstrap_config(_on_premise(), no_config_cache=True)

    validate_config(resolved)
    assert resolved["provider"]["type"] == "local"
    node_type = resolved["available_node_types"][resolved["head_node_type"]]
    assert node_type["max_workers"] == len(resolved["provider"]["worker_ips"])


def test_cluster_yaml_aws_variant_passes_ray_validation():
    config = _aws_variant()
    # The AWS provider class needs boto3 and credentials; the schema and cross-field
    # checks do not.
    prepared = prepare_config(config)

    validate_config(prepared)
    node_types = prepared["available_node_types"]
    assert node_types[prepared["head_node_type"]]["resources"] == {"CPU": 0}
    gpu_types = [name for name, spec in node_types.items() if spec["resources"].get("GPU")]
    assert gpu_types == ["gpu_worker"]
    assert node_types["gpu_worker"]["min_workers"] >= 1


@pytest.mark.parametrize("load", [_on_premise, _aws_variant], ids=["on_premise", "aws"])
def test_cluster_yaml_head_avoids_redis_port_and_workers_join_it(load):
    config = load()
    head = " ".join(config["head_start_ray_commands"])
    workers = " ".join(config["worker_start_ray_commands"])

    assert _head_port(head) != 6379
    assert _worker_port(workers) == _head_port(head)
    assert "--dashboard-port=8265" in head


@pytest.mark.parametrize("load", [_on_premise, _aws_variant], ids=["on_premise", "aws"])
def test_cluster_yaml_installs_project_with_constraints_and_token_auth(load):
    config = load()
    setup = config["setup_commands"]

    assert any("pip install -c .ci/constraints.txt ." in command for command in setup)
    assert config["file_mounts"]["~/optunagui"] == "."
    assert "~/.ray/auth_token" in config["file_mounts"]
    for command in config["head_start_ray_commands"] + config["worker_start_ray_commands"]:
        if "ray start" in command:
            assert "RAY_AUTH_MODE=token" in command


def test_cluster_yaml_validation_rejects_an_unknown_field():
    # The checks above are only worth something if Ray's validation rejects mistakes.
    config = copy.deepcopy(_aws_variant())
    config["available_node_types"]["gpu_worker"]["gpus"] = 1

    with pytest.raises(jsonschema.ValidationError):
        validate_config(prepare_config(config))
