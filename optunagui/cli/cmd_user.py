"""`optunagui user add NAME [--admin]`, `user list`, `user disable NAME`, `user enable NAME`,
`user set-password NAME`, `user reset-password NAME`, `user set-email NAME ADDRESS`.

The password of `user add` and `user set-password` is read from standard input when it is not
a terminal (first line), else asked for twice at a prompt; it is never taken from the command
line. `reset-password` prints a temporary password the user replaces at the next sign-in. A
new password (either way, as on the dashboard) signs the user out everywhere.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO, TypeVar

from optunagui.accounts import (
    change_password,
    check_password,
    check_username,
    hash_password,
    reset_password,
    set_email,
)
from optunagui.config import load_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from optunagui.store import Database
__all__ = ["read_password", "register"]

T = TypeVar("T")


def register(subparsers: argparse._SubParsersAction) -> None:
    user = subparsers.add_parser("user", help="manage dashboard users")
    commands = user.add_subparsers(dest="user_command", metavar="USER_COMMAND", required=True)
    add = commands.add_parser("add", help="add a user (password from stdin or a prompt)")
    add.add_argument("name")
    add.add_argument("--admin", action="store_true", help="the user manages users")
    add.set_defaults(handler=_add)
    listing = commands.add_parser("list", help="list users")
    listing.set_defaults(handler=_list)
    disable = commands.add_parser("disable", help="stop a user from signing in")
    disable.add_argument("name")
    disable.set_defaults(handler=_set_active, active=False)
    enable = commands.add_parser("enable", help="let a disabled user sign in again")
    enable.add_argument("name")
    enable.set_defaults(handler=_set_active, active=True)
    set_password = commands.add_parser(
        "set-password", help="give a user a new password (from stdin or a prompt); signs them out"
    )
    set_password.add_argument("name")
    set_password.set_defaults(handler=_set_password)
    reset = commands.add_parser(
        "reset-password",
        help="print a temporary password the user must replace at the next sign-in",
    )
    reset.add_argument("name")
    reset.set_defaults(handler=_reset_password)
    email = commands.add_parser(
        "set-email", help="where the user's alert emails go (an empty ADDRESS removes it)")
    email.add_argument("name")
    email.add_argument("address")
    email.set_defaults(handler=_set_email)


def read_password(stdin: TextIO | None = None) -> str:
    """The new password: the first line of a piped stdin, or typed twice at a prompt.

    Raises:
        ValueError: the password is too short or too long, or the two entries differ.
    """
    stream = stdin or sys.stdin
    if stream.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            raise ValueError("the passwords differ")
    else:
        password = stream.readline().rstrip("\r\n")
    problem = check_password(password)
    if problem:
        raise ValueError(problem)
    return password


def _database() -> Database:
    from optunagui.store import Database  # the store loads SQLAlchemy: only for these commands

    database = Database(load_settings().database_url)
    database.upgrade()
    return database


def _add(args: argparse.Namespace) -> int:
    from optunagui.store import Conflict
    from optunagui.store import users as user_store

    problem = check_username(args.name)
    if problem:
        print(f"optunagui user add: {problem}", file=sys.stderr)
        return 2
    try:
        password = read_password()
    except ValueError as error:
        print(f"optunagui user add: {error}", file=sys.stderr)
        return 2
    database = _database()
    try:
        with database.session() as session:
            user_store.create_user(
                session, args.name.strip(), hash_password(password), is_admin=args.admin
            )
    except Conflict:
        print(f"optunagui user add: the name {args.name!r} is taken", file=sys.stderr)
        return 1
    finally:
        database.dispose()
    print(f"added {'admin' if args.admin else 'user'} {args.name.strip()}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from optunagui.store import users as user_store

    database = _database()
    try:
        with database.session() as session:
            users = user_store.list_users(session)
    finally:
        database.dispose()
    print(f"{'NAME':<24} {'KIND':<6} {'STATE':<9} CREATED")
    for user in users:
        kind = "admin" if user.is_admin else "user"
        state = "active" if user.is_active else "disabled"
        created = user.created_at.strftime("%Y-%m-%d %H:%M") if user.created_at else ""
        print(f"{user.username:<24} {kind:<6} {state:<9} {created}")
    return 0


def _set_active(args: argparse.Namespace) -> int:
    from optunagui.store import users as user_store

    database = _database()
    try:
        with database.session() as session:
            user = user_store.get_user_by_name(session, args.name)
            if user is None:
                print(f"optunagui user: no user named {args.name!r}", file=sys.stderr)
                return 1
            user_store.set_user_active(session, user.id, args.active)
    finally:
        database.dispose()
    print(f"{'enabled' if args.active else 'disabled'} {args.name}")
    return 0


def _user_id(session: Session, command: str, name: str) -> int | None:
    from optunagui.store import users as user_store

    user = user_store.get_user_by_name(session, name)
    if user is None:
        print(f"optunagui user {command}: no user named {name!r}", file=sys.stderr)
        return None
    return user.id


def _with_user(command: str, name: str, change: Callable[[Session, int], T]
               ) -> tuple[bool, T | None]:
    """``change(session, user_id)`` in one transaction: (True, what it answered), or (False,
    None) once it is said that no user has the name."""
    database = _database()
    try:
        with database.session() as session:
            user_id = _user_id(session, command, name)
            return (False, None) if user_id is None else (True, change(session, user_id))
    finally:
        database.dispose()


def _set_password(args: argparse.Namespace) -> int:
    try:
        password = read_password()
    except ValueError as error:
        print(f"optunagui user set-password: {error}", file=sys.stderr)
        return 2
    found, problem = _with_user("set-password", args.name,
                                lambda session, user_id: change_password(session, user_id,
                                                                         password))
    if not found:
        return 1
    if problem:
        print(f"optunagui user set-password: {problem}", file=sys.stderr)
        return 1
    print(f"new password set for {args.name}; their sessions are signed out")
    return 0


def _reset_password(args: argparse.Namespace) -> int:
    found, answer = _with_user("reset-password", args.name, reset_password)
    if not found or answer is None:
        return 1
    temporary, problem = answer
    if temporary is None:
        print(f"optunagui user reset-password: {problem}", file=sys.stderr)
        return 1
    print(f"Temporary password for {args.name}: {temporary}\n"
          "They choose a new one when they next sign in; their sessions are signed out.")
    return 0


def _set_email(args: argparse.Namespace) -> int:
    found, problem = _with_user("set-email", args.name,
                                lambda session, user_id: set_email(session, user_id,
                                                                   args.address))
    if not found:
        return 1
    if problem:
        print(f"optunagui user set-email: {problem}", file=sys.stderr)
        return 2
    address = args.address.strip()
    print(f"email of {args.name}: {address}" if address else f"email of {args.name} removed")
    return 0
