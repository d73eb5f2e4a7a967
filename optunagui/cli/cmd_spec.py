"""`optunagui validate` and `optunagui presets`: check a spec, list models and their ranges."""

from __future__ import annotations

import argparse
import sys

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    validate = subparsers.add_parser(
        "validate", help="check a run spec and print it normalised, or every problem in it"
    )
    validate.add_argument("spec", help="a YAML or JSON spec file")
    validate.add_argument("--format", choices=("yaml", "json"), default="yaml")
    validate.set_defaults(handler=_validate)

    presets = subparsers.add_parser("presets", help="list models, their presets and ranges")
    presets.add_argument("model", nargs="?", help="show one model's presets in full")
    presets.set_defaults(handler=_presets)


def _validate(args: argparse.Namespace) -> int:
    from optunagui.spec.io import dump_spec, load_spec_file
    from optunagui.spec.validation import SpecError

    try:
        spec = load_spec_file(args.spec)
    except SpecError as error:
        print(f"{args.spec}: {len(error.problems)} problem(s)", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    sys.stdout.write(dump_spec(spec, args.format))
    return 0


def _describe(entry: dict) -> str:
    kind = entry["type"]
    if kind == "categorical":
        text = "one of " + ", ".join(str(c) for c in entry["choices"])
    elif kind == "fixed":
        text = f"fixed at {entry['value']}"
    else:
        text = f"{kind} {entry['low']} .. {entry['high']}"
        if entry.get("log"):
            text += " (log)"
        if entry.get("step") is not None:
            text += f" step {entry['step']}"
    if entry.get("when"):
        text += "  when " + ", ".join(f"{k} in {v}" for k, v in entry["when"].items())
    return text


def _presets(args: argparse.Namespace) -> int:
    from optunagui.models import get_model, list_models

    if args.model is None:
        for model in list_models():
            tasks = "/".join(sorted(model.tasks))
            print(f"{model.name:<24} {model.label:<28} {tasks:<26} presets: "
                  + ", ".join(model.presets))
        print("\noptunagui presets MODEL shows a model's ranges.")
        return 0
    try:
        model = get_model(args.model)
    except KeyError as error:
        print(str(error).strip("'\""), file=sys.stderr)
        return 1
    print(f"{model.name} ({model.label}); tasks: {', '.join(sorted(model.tasks))}")
    for preset, space in model.presets.items():
        print(f"\n  preset {preset}:")
        for name, entry in space.items():
            print(f"    {name:<22} {_describe(dict(entry))}")
    return 0
