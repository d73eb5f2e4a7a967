"""`optunagui similar SPEC` or `optunagui similar --run RUN_ID`: the earlier runs most like a
spec (or a run), whether it nearly duplicates one, and the ranges and choices none of them
searched (``optunagui.recommend.similar_runs``).

Locally the earlier runs are those the command line's account may read (the runs it
launched); with `--server URL` they are those the token's user may read on that server
(`POST /api/v1/similar`).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from optunagui.cli._runs import CliError, spec_problems

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    similar = subparsers.add_parser(
        "similar", help="the earlier runs most like a spec or a run, near-duplicates, and "
                        "the ranges none of them searched")
    similar.add_argument("spec", nargs="?", help="a YAML or JSON spec file")
    similar.add_argument("--run", type=int, metavar="RUN_ID",
                         help="compare this run with the runs before it, instead of a spec")
    similar.add_argument("--limit", type=int, default=5, metavar="N",
                         help="how many similar runs to list (default 5)")
    similar.add_argument("--json", action="store_true", help="print one JSON object")
    similar.set_defaults(handler=_similar)


def _local(args: argparse.Namespace) -> dict[str, Any]:
    from optunagui.cli._account import cli_user
    from optunagui.cli._runs import open_database
    from optunagui.config import load_settings
    from optunagui.recommend import RunNotReadable, similar_runs
    from optunagui.spec.io import load_spec_file

    target = args.run if args.run is not None else load_spec_file(args.spec)
    with open_database(load_settings(), upgrade=True) as database:
        with database.session() as session:
            try:
                found = similar_runs(session, cli_user(session), target, limit=args.limit)
            except RunNotReadable as error:
                raise CliError(f"--run: {error}") from None
    return found.to_dict()


def _remote(args: argparse.Namespace, client: Any) -> dict[str, Any]:
    from optunagui.client import ApiError
    from optunagui.spec.io import read_spec_file

    try:
        if args.run is not None:
            return dict(client.similar(run_id=args.run, limit=args.limit))
        return dict(client.similar(read_spec_file(args.spec), limit=args.limit))
    except ApiError as error:
        raise CliError(str(error)) from None


def _print(title: str, data: dict[str, Any]) -> None:
    runs = data["runs"]
    print(f"{title}: {len(runs)} similar run{'s' if len(runs) != 1 else ''} of "
          f"{data['compared']} compared")
    for run in runs:
        parts = ", ".join(f"{name} {value:.2f}" for name, value in run["parts"].items())
        best = "-" if run["best_value"] is None else f"{run['best_value']:.4g}"
        mark = "  near-duplicate" if run["near_duplicate"] else ""
        print(f"  run {run['run_id']:<5} score {run['score']:.2f}  best {run['metric']} "
              f"{best} after {run['n_trials']} trials  {run['experiment']} / "
              f"{run['name']}  ({parts}){mark}")
    print(("near-duplicate: " if data["near_duplicate"] else "") + data["verdict"])
    unexplored = data["unexplored"]
    if unexplored:
        print("unexplored:")
        for region in unexplored:
            note = " (the spec searches it)" if region["in_draft"] else ""
            print(f"  {region['text']}{note}")
    elif runs:
        print("unexplored: nothing; earlier runs of the model searched all of it")


def _similar(args: argparse.Namespace) -> int:
    from optunagui.cli._remote import remote
    from optunagui.spec.validation import SpecError

    if (args.spec is None) == (args.run is None):
        raise CliError("give a spec file, or --run RUN_ID (not both)", 2)
    if not 0 <= args.limit <= 100:
        raise CliError(f"--limit: expected 0 to 100, got {args.limit}", 2)
    client = remote(args)
    try:
        data = _remote(args, client) if client is not None else _local(args)
    except SpecError as error:
        raise spec_problems(args.spec, error) from None
    except ValueError as error:
        raise CliError(f"{args.spec or f'run {args.run}'}: {error}") from None
    if args.json:
        print(json.dumps(data, default=str))
    else:
        _print(args.spec or f"run {args.run}", data)
    return 0
