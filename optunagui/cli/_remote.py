"""`optunagui --server URL ...`: the run commands drive a remote server through its API
(`optunagui.client`) instead of a local database; the token comes from OPTUNAGUI_TOKEN."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from typing import Any

from optunagui.cli._runs import CliError
from optunagui.client import ApiError, Client

__all__ = ["TOKEN_VARIABLE", "remote", "remote_best", "remote_control", "remote_runs",
           "remote_status"]

TOKEN_VARIABLE = "OPTUNAGUI_TOKEN"


def remote(args: argparse.Namespace) -> Client | None:
    """The API client for ``--server``, or None when the command works on the local database."""
    server = getattr(args, "server", None)
    if not server:
        return None
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise CliError(f"--server needs a personal API token in {TOKEN_VARIABLE} (create one "
                       "under Account on that server)")
    return Client(server, token)


def _asking(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except ApiError as error:
        raise CliError(str(error)) from None


def remote_status(client: Client, args: argparse.Namespace) -> int:
    summary = _asking(lambda: client.run(args.run_id))
    if args.json:
        print(json.dumps(summary))
        return 0
    counts = summary.get("trials") or {}
    print(f"run {summary['id']} ({summary['name']}): {summary['status']}")
    print(f"trials: {counts.get('complete', 0)} complete, {counts.get('pruned', 0)} pruned, "
          f"{counts.get('failed', 0)} failed")
    best = summary.get("best")
    if best:
        print(f"best: trial {best.get('trial_number')}, {best.get('metrics')}")
    return 0


def remote_best(client: Client, args: argparse.Namespace) -> int:
    best = _asking(lambda: client.best(args.run_id))
    if args.json:
        print(json.dumps(best))
        return 0
    print(f"best trial: {best.get('trial_number')} {best.get('metrics')}")
    for name, value in (best.get("params") or {}).items():
        print(f"  {name} = {value!r}")
    return 0


def remote_control(client: Client, action: str, run_id: int) -> int:
    answer = _asking(lambda: getattr(client, action)(run_id))
    print(f"run {run_id}: {answer['message']}")
    return 0


def remote_runs(client: Client, args: argparse.Namespace) -> int:
    runs = _asking(lambda: client.runs(experiment_id=args.experiment, status=args.status,
                                       model=args.model, created_after=args.created_after,
                                       limit=args.limit))
    if args.json:
        print(json.dumps(runs))
        return 0
    for run in runs:
        best = "" if run["best_value"] is None else f"  best {run['best_value']:.6g}"
        print(f"{run['id']:>6}  {run['status']:<9} {run['model'] or '-':<22} {run['name']}"
              f"{best}")
    if not runs:
        print("no runs")
    return 0
