"""Reading and writing run specs as YAML or JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from optunagui.spec.model import ExperimentSpec
from optunagui.spec.validation import Problem, SpecError, validate_spec

__all__ = ["dump_spec", "load_spec_file", "read_spec_file"]


def read_spec_file(path: str | Path) -> dict[str, Any]:
    """The raw mapping in a YAML or JSON spec file.

    Raises:
        SpecError: when the file is missing or is not a YAML/JSON mapping.
    """
    file = Path(path)
    if not file.is_file():
        raise SpecError([Problem("", f"spec file {str(file)!r} does not exist")])
    text = file.read_text(encoding="utf-8")
    try:
        raw = json.loads(text) if file.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise SpecError([Problem("", f"{file.name} is not valid YAML/JSON: {error}")]) from None
    if not isinstance(raw, dict):
        raise SpecError([Problem("", f"{file.name} must hold a mapping of spec fields")])
    return raw


def load_spec_file(path: str | Path, **overrides: Any) -> ExperimentSpec:
    """Read and validate a spec file; relative dataset paths are taken from the file's folder."""
    raw = read_spec_file(path)
    raw.update(overrides)
    return validate_spec(raw, base_dir=Path(path).resolve().parent)


def dump_spec(spec: ExperimentSpec, fmt: str = "yaml") -> str:
    data = spec.to_dict()
    if fmt == "json":
        return json.dumps(data, indent=2)
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=100)
