"""`optunagui suggest SPEC`: starting ranges for a spec from earlier runs, as a diff against the
spec's ranges with where they come from; `--write OUT.yaml` writes the spec with them taken.

`--warm-start K` adds the best K distinct configurations of the same earlier runs, as they
fit the spec with the suggestions taken, each with its source trial; `--write` puts them in the
spec's ``warm_start`` (the run evaluates them first).

Locally the earlier runs are those the command line's account may read (the runs it
launched); with `--server URL` they are those the token's user may read on that server
(`POST /api/v1/suggest`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from optunagui.cli._runs import CliError, spec_problems
from optunagui.spec.warm_start import MAX_WARM_START

__all__ = ["register"]


def _warm_count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_WARM_START:
        raise argparse.ArgumentTypeError(
            f"expected a whole number from 1 to {MAX_WARM_START}, got {text!r}")
    return int(text)


def register(subparsers: argparse._SubParsersAction) -> None:
    suggest = subparsers.add_parser(
        "suggest", help="starting ranges for a spec from earlier runs on the same or similar "
                        "data, as a diff against the spec's ranges")
    suggest.add_argument("spec", help="a YAML or JSON spec file")
    suggest.add_argument("--write", metavar="OUT.yaml",
                         help="write the spec with the suggestions taken to this file")
    suggest.add_argument("--only", metavar="NAME", action="append",
                         help="take only this parameter's suggestion (repeat for several)")
    suggest.add_argument("--warm-start", metavar="K", type=_warm_count, default=None,
                         help="also the best K configurations of the earlier runs, to evaluate "
                              f"first (1..{MAX_WARM_START}; --write puts them in warm_start)")
    suggest.add_argument("--json", action="store_true", help="print one JSON object")
    suggest.set_defaults(handler=_suggest)


def _entry(entry: dict[str, Any]) -> str:
    kind = entry.get("type")
    if kind == "fixed":
        return f"fixed at {entry.get('value')!r}"
    if kind == "categorical":
        return "one of " + ", ".join(repr(c) for c in entry.get("choices") or [])
    text = f"{kind} {entry.get('low')} .. {entry.get('high')}"
    if entry.get("log"):
        text += " (log)"
    if entry.get("step") is not None:
        text += f" step {entry['step']}"
    return text


def _print_diff(path: str, data: dict[str, Any]) -> None:
    print(f"{path}: suggestions {data['source']}")
    changed = [p for p in data["params"] if p["changed"]]
    width = max([len(p["name"]) for p in changed] + [4])
    for param in changed:
        print(f"  {param['name']:<{width}}  {_entry(param['current'])}  ->  "
              f"{_entry(param['suggested'])}  [{param['change']}]")
        print(f"  {'':<{width}}  {param['reason']}")
    kept = [p["name"] for p in data["params"] if not p["changed"]]
    if kept:
        print(f"  unchanged: {', '.join(kept)}")
    if data["params"] and not changed:
        print("  no change to suggest")
    warm = data.get("warm_start")
    if warm is not None:
        print(f"  warm start: {warm['summary']}")
        for index, config in enumerate(warm["configs"]):
            shown = ", ".join(f"{name}={value!r}" for name, value in config["params"].items())
            print(f"    [{index}] {shown}  ({config['source']})")
        for note in warm.get("notes") or []:
            print(f"    {note}")


def _local(args: argparse.Namespace, spec: Any) -> dict[str, Any]:
    from optunagui.cli._account import cli_user
    from optunagui.cli._runs import open_database
    from optunagui.config import load_settings
    from optunagui.recommend import (
        apply_suggestions,
        chosen_suggestions,
        suggest_for_spec,
        warm_start_for_spec,
    )

    with open_database(load_settings(), upgrade=True) as database:
        with database.session() as session:
            user = cli_user(session)
            found = suggest_for_spec(session, spec, user)
            try:
                chosen_suggestions(found, args.only)
            except ValueError as error:
                raise CliError(f"--only: {str(error).removeprefix('params: ')}") from None
            data = found.to_dict()
            if args.warm_start is not None:
                taken = apply_suggestions(spec, found, args.only)
                data["warm_start"] = warm_start_for_spec(session, taken, user,
                                                         k=args.warm_start).to_dict()
    return data


def _remote(args: argparse.Namespace, client: Any, raw: dict[str, Any]) -> dict[str, Any]:
    from optunagui.client import ApiError

    try:
        return dict(client.suggest(raw, params=args.only, warm_start=args.warm_start))
    except ApiError as error:
        raise CliError(str(error)) from None


def _written(raw: dict[str, Any], data: dict[str, Any], only: list[str] | None,
             source: Path, out: Path) -> dict[str, Any]:
    """The spec file's fields with the chosen suggestions as its space entries; a relative
    dataset path made to point at the same file from the new spec's folder."""
    entries = {p["name"]: p["suggested"] for p in data["params"]
               if p["changed"] and (only is None or p["name"] in only)}
    written = {**raw, "space": {**dict(raw.get("space") or {}), **entries}}
    warm = data.get("warm_start")
    if warm and warm["configs"]:
        written["warm_start"] = [dict(config["params"]) for config in warm["configs"]]
    dataset = written.get("dataset")
    if isinstance(dataset, dict) and dataset.get("path"):
        path = Path(str(dataset["path"])).expanduser()
        if not path.is_absolute() and source.resolve().parent != out.resolve().parent:
            written["dataset"] = {**dataset, "path": str(source.resolve().parent / path)}
    return written


def _check_written(client: Any, written: dict[str, Any], out: Path) -> None:
    """The spec about to be written checked where it will run (the server, or here)."""
    from optunagui.spec.validation import SpecError, validate_spec

    if client is not None:
        problems = [f"{p['field']}: {p['message']}"
                    for p in _remote_check(client, written)]
    else:
        try:
            validate_spec(written, base_dir=out.resolve().parent)
            problems = []
        except SpecError as error:
            problems = [str(p) for p in error.problems]
    if problems:
        raise CliError("--write: the spec with the suggestions taken has problems: "
                       + "; ".join(problems))


def _remote_check(client: Any, written: dict[str, Any]) -> list[dict[str, str]]:
    from optunagui.client import ApiError

    try:
        check = client.validate_spec(written)
    except ApiError as error:
        raise CliError(str(error)) from None
    return [] if check["valid"] else list(check["problems"])


def _suggest(args: argparse.Namespace) -> int:
    import yaml

    from optunagui.cli._remote import remote
    from optunagui.spec.io import load_spec_file, read_spec_file
    from optunagui.spec.validation import SpecError

    client = remote(args)
    try:
        raw = read_spec_file(args.spec)
        data = (_remote(args, client, raw) if client is not None
                else _local(args, load_spec_file(args.spec)))
    except SpecError as error:
        raise spec_problems(args.spec, error) from None
    except ValueError as error:
        raise CliError(f"{args.spec}: {error}") from None
    if args.json:
        print(json.dumps(data, default=str))
    else:
        _print_diff(args.spec, data)
    if args.write:
        out = Path(args.write)
        written = _written(raw, data, args.only, Path(args.spec), out)
        _check_written(client, written, out)
        out.write_text(yaml.safe_dump(written, sort_keys=False, default_flow_style=None,
                                      width=100), encoding="utf-8")
        if not args.json:
            print(f"wrote {out}")
    return 0
