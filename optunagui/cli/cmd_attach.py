"""`optunagui attach STORAGE_URL --study NAME --experiment NAME` and `optunagui follow`.

An attached study becomes a run of kind "attached": its history is mirrored at once, and the
follower (inside `optunagui serve`, or `optunagui follow` beside a server started with
``--no-follower``) mirrors what the study's own code writes next.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from optunagui.cli._code_runs import add_tracker_arguments
from optunagui.cli._runs import CliError, open_database
from optunagui.cli.cmd_run import DEFAULT_EXPERIMENT
from optunagui.config import load_settings

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    attach = subparsers.add_parser(
        "attach", help="attach an existing Optuna study (RDB URL or journal file) as a run",
        description="Attach Optuna studies run by your own code; the product mirrors them and "
                    "follows them live. The study's storage is only read.")
    attach.add_argument("storage", nargs="?", metavar="STORAGE_URL",
                        help="sqlite:///study.db, postgresql://user@host/db, mysql://..., or "
                             "a journal file (journal:/path/journal.log)")
    attach.add_argument("--study", action="append", default=[], metavar="NAME",
                        help="the study to attach (repeat for several; default: the "
                             "storage's only study)")
    attach.add_argument("--experiment", default=DEFAULT_EXPERIMENT, metavar="NAME",
                        help=f"the experiment the runs go in (default {DEFAULT_EXPERIMENT!r})")
    attach.add_argument("--once", action="store_true",
                        help="mirror the study as it is now and do not follow it")
    attach.add_argument("--follow", action="store_true",
                        help="keep following here until Ctrl-C (without a server running)")
    attach.add_argument("--list", action="store_true",
                        help="list the storage's studies (or, without STORAGE_URL, the "
                             "studies in the product's database not attached yet)")
    attach.add_argument("--json", action="store_true", help="print JSON")
    trackers = attach.add_argument_group("log the study to a tracker as it is followed")
    add_tracker_arguments(trackers, "the study")
    attach.set_defaults(handler=_attach)

    follow = subparsers.add_parser(
        "follow", help="follow every attached study (beside `optunagui serve --no-follower`)")
    follow.add_argument("--interval", type=float, default=2.0, metavar="S",
                        help="seconds between polls (default 2)")
    follow.add_argument("--once", action="store_true", help="one pass, then exit")
    follow.set_defaults(handler=_follow)


def _list(args: argparse.Namespace, database_url: str, db: object) -> int:
    from optunagui.attach import AttachError, parse_source
    from optunagui.attach.readers import open_reader
    from optunagui.attach.unattached import list_unattached_studies

    if args.storage:
        try:
            source = parse_source(args.storage)
            reader = open_reader(source)
            studies = reader.list_studies()
            reader.close()
        except (AttachError, ValueError) as error:
            raise CliError(str(error)) from None
    else:
        studies = list_unattached_studies(db, database_url)  # type: ignore[arg-type]
    rows = [{"study": s.name, "trials": s.n_trials, "directions": s.directions}
            for s in studies]
    if args.json:
        print(json.dumps(rows))
    elif not rows:
        print("no studies" if args.storage else "every study in the product's database "
              "is a run already")
    for study in studies if not args.json else []:
        print(f"{study.name}\t{study.n_trials} trials\t{', '.join(study.directions)}")
    return 0


def _attach(args: argparse.Namespace) -> int:
    from optunagui.attach import AttachError, attach_studies
    from optunagui.cli._account import cli_user, owned_experiment
    from optunagui.cli._code_runs import tracking_from_args

    settings = load_settings()
    with open_database(settings, upgrade=True) as db:
        if args.list:
            return _list(args, settings.database_url, db)
        if not args.storage:
            raise CliError("STORAGE_URL: give the study's storage (sqlite:///study.db, "
                           "postgresql://user@host/db, journal:/path.log), or --list")
        with db.session() as session:
            user_id = cli_user(session)
            experiment_id = owned_experiment(session, args.experiment, user_id)
        try:
            attached = attach_studies(db, storage=args.storage, studies=args.study,
                                      experiment_id=experiment_id, user_id=user_id,
                                      database_url=settings.database_url,
                                      follow=not args.once,
                                      tracking=tracking_from_args(args) or None)
        except AttachError as error:
            raise CliError(str(error)) from None
        if args.json:
            print(json.dumps([{"run_id": a.run_id, "study": a.study, "mirrored": a.mirrored,
                               "error": a.error} for a in attached]))
        for run in attached if not args.json else []:
            print(f"run {run.run_id}: study {run.study!r}, {run.mirrored} trials mirrored"
                  + (f" (problem: {run.error})" if run.error else ""))
        if not args.json and not args.once:
            print("followed live by `optunagui serve` (or `optunagui follow`); the study's "
                  "storage is only read", file=sys.stderr)
        if args.follow and not args.once:
            return _follow_loop(db, 2.0, once=False)
    return 0


def _follow_loop(db: object, interval: float, *, once: bool) -> int:
    from optunagui.attach.service import FollowerLoop

    loop = FollowerLoop(db, interval_s=interval)  # type: ignore[arg-type]
    try:
        while True:
            started = time.monotonic()
            outcomes = loop.poll_all()
            for run_id, outcome in outcomes.items():
                if outcome.mirrored or outcome.error or outcome.ended:
                    print(f"run {run_id}: {outcome.mirrored} trials updated"
                          + (f", problem: {outcome.error}" if outcome.error else "")
                          + (", the study is gone; no longer followed" if outcome.ended
                             else ""), flush=True)
            if once:
                return 0
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
    except KeyboardInterrupt:
        return 0
    finally:
        loop.readers.close()


def _follow(args: argparse.Namespace) -> int:
    if args.interval <= 0:
        raise CliError("--interval: give a number of seconds above 0")
    settings = load_settings()
    with open_database(settings, upgrade=True) as db:
        return _follow_loop(db, args.interval, once=args.once)
