"""`optunagui db upgrade` and `optunagui db current`: migrate the database, show its revision."""

from __future__ import annotations

import argparse
import sys

from optunagui.config import load_settings

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="create or migrate the database, show its revision")
    commands = db.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    upgrade = commands.add_parser("upgrade", help="migrate the product's tables to the newest")
    upgrade.add_argument("revision", nargs="?", default="head", help="target (default: head)")
    upgrade.set_defaults(handler=_upgrade)
    current = commands.add_parser("current", help="print the revision the database is at")
    current.set_defaults(handler=_current)


def _database():
    from optunagui.store import Database

    settings = load_settings()
    return Database(settings.database_url)


def _upgrade(args: argparse.Namespace) -> int:
    from optunagui.store import StoreError

    database = _database()
    try:
        before = database.current_revision()
        database.upgrade(args.revision)
        after = database.current_revision()
    except StoreError as error:
        print(f"{database!r}: {error}", file=sys.stderr)
        return 1
    finally:
        database.dispose()
    if before == after:
        print(f"already at {after}")
    else:
        print(f"upgraded {before or '(empty)'} -> {after}")
    return 0


def _current(args: argparse.Namespace) -> int:
    from optunagui.store import StoreError

    database = _database()
    try:
        current = database.current_revision()
        head = database.head_revision()
    except StoreError as error:
        print(f"{database!r}: {error}", file=sys.stderr)
        return 1
    finally:
        database.dispose()
    state = "up to date" if current == head else f"behind (head is {head})"
    print(f"{current or '(empty)'}  {state}")
    return 0 if current == head else 3
