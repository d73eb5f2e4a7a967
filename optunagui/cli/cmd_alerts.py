"""`optunagui alerts evaluate`: evaluate the alert rules on the local database.

`optunagui serve` evaluates them in the background already; this is for scripts, tests and a
server started without it. ``--once`` reads every new event, fires what they trigger, prints
what fired and exits; without it the command keeps evaluating every ``--interval`` seconds.
"""

from __future__ import annotations

import argparse
import json
import time

from optunagui.cli._runs import CliError, open_database
from optunagui.config import load_settings

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    alerts = subparsers.add_parser("alerts", help="evaluate alert rules")
    commands = alerts.add_subparsers(dest="alerts_command", metavar="ALERTS_COMMAND",
                                     required=True)
    evaluate = commands.add_parser("evaluate", help="fire the rules the new events trigger")
    evaluate.add_argument("--once", action="store_true", help="one evaluation, then exit")
    evaluate.add_argument("--interval", type=float, default=0.5,
                          help="seconds between evaluations without --once (default 0.5)")
    evaluate.add_argument("--json", action="store_true", help="print what fired as JSON")
    evaluate.set_defaults(handler=_evaluate)


def _print(result, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"events": result.events, "fired": [
            {"rule_id": f.rule_id, "key": f.key, "run_id": f.run_id,
             "trial_number": f.trial_number, "value": f.value, "message": f.message}
            for f in result.fired]}))
        return
    for firing in result.fired:
        print(firing.message)
    print(f"{result.events} new event(s), {len(result.fired)} alert(s) fired", flush=True)


def _evaluate(args: argparse.Namespace) -> int:
    from optunagui.alerts import AlertEvaluator
    from optunagui.alerts.channels import Channels
    from optunagui.alerts.delivery import deliver_due
    from optunagui.store import StoreError

    if args.interval <= 0:
        raise CliError(f"--interval: a positive number of seconds, got {args.interval}")
    settings = load_settings()
    with open_database(settings, upgrade=True) as database:
        evaluator = AlertEvaluator(database)
        while True:
            try:
                result = evaluator.evaluate()
                for sent in deliver_due(database, Channels.from_settings(settings),
                                        public_url=settings.public_url):
                    print(f"{sent.channel} {sent.target}: {sent.status} ({sent.last_answer})",
                          flush=True)
            except StoreError as error:
                raise CliError(f"{database!r}: {error}") from None
            if args.once or result.fired or result.events:
                _print(result, args.json)
            if args.once:
                return 0
            time.sleep(args.interval)
