"""`optunagui --server URL runs|pause|resume ...`: list and control runs on a server through
its API (the token in OPTUNAGUI_TOKEN)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from optunagui.cli._remote import remote, remote_control, remote_runs
from optunagui.cli._runs import CliError
from optunagui.status import RUN_STATUSES

if TYPE_CHECKING:
    from optunagui.client import Client

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    runs = subparsers.add_parser("runs", help="the runs you may read on a server (--server)")
    runs.add_argument("--experiment", type=int, metavar="ID", help="only this experiment's")
    runs.add_argument("--status", choices=RUN_STATUSES, help="only runs in this status")
    runs.add_argument("--model", help="only runs of this model")
    runs.add_argument("--created-after", metavar="ISO_TIME", help="only runs created later")
    runs.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    runs.add_argument("--json", action="store_true", help="print one JSON list")
    runs.set_defaults(handler=_runs)
    for action in ("pause", "resume"):
        parser = subparsers.add_parser(action, help=f"ask a run's driver to {action} "
                                                    "(--server)")
        parser.add_argument("run_id", type=int, metavar="RUN_ID")
        parser.set_defaults(handler=_control, action=action)


def _client(args: argparse.Namespace, what: str) -> Client:
    client = remote(args)
    if client is None:
        raise CliError(f"{what} drives a server: give --server URL (and OPTUNAGUI_TOKEN); "
                       "on this machine, use the dashboard")
    return client


def _runs(args: argparse.Namespace) -> int:
    return remote_runs(_client(args, "runs"), args)


def _control(args: argparse.Namespace) -> int:
    return remote_control(_client(args, args.action), args.action, args.run_id)
