"""`optunagui pipeline RUN_ID [--json]`: the whole chain that produced a run."""

from __future__ import annotations

import argparse
import json
from typing import Any

from optunagui.cli._runs import CliError, open_database
from optunagui.config import load_settings

__all__ = ["format_pipeline", "register"]

INDENT = "  "


def register(subparsers: argparse._SubParsersAction) -> None:
    pipeline = subparsers.add_parser(
        "pipeline",
        help="a run's pipeline: dataset version, features, split, model and ranges, sampler "
             "and pruner, trials, recorded environment and control events",
    )
    pipeline.add_argument("run_id", type=int, metavar="RUN_ID")
    pipeline.add_argument("--json", action="store_true", help="print the steps as JSON")
    pipeline.set_defaults(handler=_pipeline)


def _pipeline(args: argparse.Namespace) -> int:
    from optunagui.pipeline import pipeline_log

    with open_database(load_settings()) as database, database.session() as session:
        try:
            steps = pipeline_log(session, args.run_id)
        except LookupError as error:
            raise CliError(str(error).strip("'\"")) from None
    print(json.dumps(steps, indent=2) if args.json else format_pipeline(steps))
    return 0


def _scalar(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _lines(name: str, value: Any, depth: int) -> list[str]:
    pad = INDENT * depth
    if isinstance(value, dict):
        if not value:
            return [f"{pad}{name}: none"]
        if all(not isinstance(v, dict | list) for v in value.values()):
            text = ", ".join(f"{k}={_scalar(v)}" for k, v in value.items())
            return [f"{pad}{name}: {text}"]
        lines = [f"{pad}{name}:"]
        for key, item in value.items():
            lines += _lines(str(key), item, depth + 1)
        return lines
    if isinstance(value, list):
        if not value:
            return [f"{pad}{name}: none"]
        if all(not isinstance(v, dict | list) for v in value):
            return [f"{pad}{name}: " + ", ".join(_scalar(v) for v in value)]
        lines = [f"{pad}{name}:"]
        for number, item in enumerate(value, start=1):
            lines += _lines(str(number), item, depth + 1)
        return lines
    return [f"{pad}{name}: {_scalar(value)}"]


def format_pipeline(steps: list[dict[str, Any]]) -> str:
    """The steps as text: one numbered heading per step, its fields indented below."""
    lines: list[str] = []
    for number, step in enumerate(steps, start=1):
        lines.append(f"{number}. {step['title']}")
        for name, value in step["fields"].items():
            lines += _lines(name, value, 1)
    return "\n".join(lines)
