"""`optunagui serve`: migrate the database, make sure there is an admin, serve the dashboard.

When no account can sign in (no enabled user with a password; the command line's own `cli`
account has none), it creates the admin `admin` and prints the password once (or takes
OPTUNAGUI_ADMIN_PASSWORD, which then needs the same 8 characters as any password, and is
removed from the environment so that no driver or other child process inherits it).
OPTUNAGUI_SECRET_KEY signs sessions and share links; it is required, except on the embedded
SQLite default, where a key is generated once and kept in the data directory (file mode
0600), and in --debug, where a throwaway key is used.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from optunagui.accounts import CLI_USERNAME, check_password, has_password, hash_password
from optunagui.config import Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from optunagui.store import Database

__all__ = [
    "ADMIN_NAME",
    "SECRET_KEY_FILE",
    "FirstAdmin",
    "ServeError",
    "ensure_admin",
    "register",
    "resolve_secret_key",
]

ADMIN_NAME = "admin"
ADMIN_PASSWORD_VARIABLE = "OPTUNAGUI_ADMIN_PASSWORD"
SECRET_KEY_FILE = "secret_key"
MIN_SECRET_KEY_LENGTH = 16


class ServeError(RuntimeError):
    """The server cannot start; the message says what to set."""


def register(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser("serve", help="start the dashboard (migrates the database)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    serve.add_argument(
        "--debug",
        action="store_true",
        help="Flask's development server with tracebacks and reloading; never on a network",
    )
    serve.add_argument("--threads", type=int, default=16,
                       help="worker threads (default 16; viewers waiting on one shared first "
                            "render each hold a thread)")
    serve.add_argument("--no-follower", action="store_true",
                       help="do not follow attached studies in this process (run "
                            "`optunagui follow` beside it instead)")
    serve.add_argument("--no-alerts", action="store_true",
                       help="do not evaluate alert rules in this process (run "
                            "`optunagui alerts evaluate` beside it instead)")
    serve.set_defaults(handler=_serve)


def _read_key_file(path: Path) -> str | None:
    try:
        key = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return key or None


def resolve_secret_key(settings: Settings, *, debug: bool) -> str:
    """The key that signs sessions and links.

    Raises:
        ServeError: no OPTUNAGUI_SECRET_KEY on a shared database outside debug mode, or one
            that is too short.
    """
    if settings.secret_key:
        if len(settings.secret_key) < MIN_SECRET_KEY_LENGTH:
            raise ServeError(
                f"OPTUNAGUI_SECRET_KEY is too short: use at least {MIN_SECRET_KEY_LENGTH} "
                "random characters."
            )
        return settings.secret_key
    if settings.is_embedded_database:
        path = settings.data_dir / SECRET_KEY_FILE
        existing = _read_key_file(path)
        if existing:
            return existing
        key = secrets.token_urlsafe(48)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process wrote it first: use theirs
            return _read_key_file(path) or key
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(key + "\n")
        os.chmod(path, 0o600)
        return key
    if debug:
        return secrets.token_urlsafe(48)
    raise ServeError(
        "OPTUNAGUI_SECRET_KEY is required with a shared database: set it to a long random "
        "string (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`), the "
        "same on every dashboard process."
    )


@dataclass(frozen=True)
class FirstAdmin:
    """The admin made on start; ``password`` is set when it was generated. ``restored``: an
    account named `admin` existed but could not sign in, and was enabled again as admin."""

    password: str | None
    restored: bool = False


def _someone_can_sign_in(session: Session) -> bool:
    from optunagui.store import users as user_store

    return any(
        user.username != CLI_USERNAME and has_password(user.password_hash)
        for user in user_store.list_users(session, include_inactive=False)
    )


def _make_admin(session: Session, password_hash: str) -> bool:
    """Create `admin`, or enable the existing one as admin; True when it existed."""
    from optunagui.store import users as user_store

    existing = user_store.get_user_by_name(session, ADMIN_NAME)
    if existing is None:
        user_store.create_user(session, ADMIN_NAME, password_hash, is_admin=True)
        return False
    user_store.update_user(session, existing.id, is_admin=True)
    user_store.set_user_active(session, existing.id, True)
    user_store.set_password(session, existing.id, password_hash)
    return True


def ensure_admin(database: Database, environ: Mapping[str, str] | None = None) -> FirstAdmin | None:
    """Make sure someone can sign in: when no enabled account has a password, create the admin
    `admin` (or enable the account of that name again, as admin, with a new password).

    The password is OPTUNAGUI_ADMIN_PASSWORD when set, else generated (and returned, to be
    printed once).

    Returns:
        None when someone could sign in already (or another process made the admin first).

    Raises:
        ServeError: OPTUNAGUI_ADMIN_PASSWORD is needed and is too short or too long.
    """
    from optunagui.store import Conflict

    env = os.environ if environ is None else environ
    given = env.get(ADMIN_PASSWORD_VARIABLE) or None
    with database.session() as session:
        if _someone_can_sign_in(session):
            return None
    if given is not None:
        problem = check_password(given)
        if problem:
            raise ServeError(f"{ADMIN_PASSWORD_VARIABLE}: {problem} Set a longer one, or unset "
                             "it to have a password generated and printed once.")
    password = given or secrets.token_urlsafe(12)
    try:
        with database.session() as session:
            if _someone_can_sign_in(session):
                return None
            restored = _make_admin(session, hash_password(password))
    except Conflict:
        return None
    return FirstAdmin(password=None if given else password, restored=restored)


def _announce(first_admin: FirstAdmin) -> None:
    if first_admin.restored:
        what = (f"No account could sign in: enabled the account {ADMIN_NAME!r} again as an "
                "admin with a new password.")
    else:
        what = (f"No account could sign in (the command line's {CLI_USERNAME!r} account never "
                f"does): created the admin {ADMIN_NAME!r}.")
    if first_admin.password is None:
        print(f"{what} Its password is {ADMIN_PASSWORD_VARIABLE}.", flush=True)
        return
    print(
        f"{what}\nUser name: {ADMIN_NAME}  Password: {first_admin.password}\n"
        "This password is shown only now; sign in and change it under Account.",
        flush=True,
    )


def _serve(args: argparse.Namespace) -> int:
    from optunagui.store import Database, StoreError  # the store loads SQLAlchemy

    settings = load_settings()
    try:
        key = resolve_secret_key(settings, debug=args.debug)
    except ServeError as error:
        print(f"optunagui serve: {error}", file=sys.stderr)
        return 2
    # Read once, then gone: drivers and every other child process inherit this environment.
    admin_password = os.environ.pop(ADMIN_PASSWORD_VARIABLE, None)
    given = {ADMIN_PASSWORD_VARIABLE: admin_password} if admin_password else {}
    database = Database(settings.database_url)
    try:
        database.upgrade()
        first_admin = ensure_admin(database, given)
    except ServeError as error:
        print(f"optunagui serve: {error}", file=sys.stderr)
        return 2
    except StoreError as error:
        print(f"optunagui serve: {database!r}: {error}", file=sys.stderr)
        return 1
    if first_admin is not None:
        _announce(first_admin)

    from dashapp.app import create_app  # the command line reaches up into the dashboard lazily
    from dashapp.paths import path_prefix_of

    app = create_app(replace(settings, secret_key=key), database=database)
    if not args.no_follower:
        from optunagui.attach.service import FollowerLoop

        FollowerLoop(database).start()
    if not args.no_alerts:
        from optunagui.alerts import Channels, start_alert_loop

        start_alert_loop(database, channels=Channels.from_settings(settings),
                         public_url=settings.public_url)
    url = f"http://{args.host}:{args.port}{path_prefix_of(settings.public_url)}/"
    if args.debug:
        print(f"OptunaGui (debug) on {url}", flush=True)
        app.run(host=args.host, port=args.port, debug=True)
        return 0
    try:
        import waitress
    except ImportError:
        print("waitress is not installed: using Flask's server.", file=sys.stderr)
        print(f"OptunaGui on {url}", flush=True)
        app.server.run(host=args.host, port=args.port, threaded=True)
        return 0
    print(f"OptunaGui on {url}", flush=True)
    waitress.serve(app.server, host=args.host, port=args.port, threads=args.threads)
    return 0
