"""`optunagui serve`: migrate the database, make sure there is an admin, serve the dashboard.

On first start with no users it creates the admin `admin` and prints the password once
(or takes OPTUNAGUI_ADMIN_PASSWORD). OPTUNAGUI_SECRET_KEY signs sessions and share links; it is
required, except on the embedded SQLite default, where a key is generated once and kept in the
data directory (file mode 0600), and in --debug, where a throwaway key is used.
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

from optunagui.accounts import hash_password
from optunagui.config import Settings, load_settings

if TYPE_CHECKING:
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
    serve.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    serve.add_argument("--no-follower", action="store_true",
                       help="do not follow attached studies in this process (run "
                            "`optunagui follow` beside it instead)")
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
    """The admin created on first start; ``password`` is set when it was generated."""

    password: str | None


def ensure_admin(database: Database, environ: Mapping[str, str] | None = None) -> FirstAdmin | None:
    """Create the admin `admin` when the database has no users.

    The password is OPTUNAGUI_ADMIN_PASSWORD when set, else generated (and returned, to be
    printed once).

    Returns:
        None when there were users already (or another process created the admin first).
    """
    from optunagui.store import Conflict
    from optunagui.store import users as user_store

    env = os.environ if environ is None else environ
    given = env.get("OPTUNAGUI_ADMIN_PASSWORD") or None
    with database.session() as session:
        if user_store.list_users(session):
            return None
    password = given or secrets.token_urlsafe(12)
    try:
        with database.session() as session:
            user_store.create_user(session, ADMIN_NAME, hash_password(password), is_admin=True)
    except Conflict:
        return None
    return FirstAdmin(password=None if given else password)


def _serve(args: argparse.Namespace) -> int:
    from optunagui.store import Database, StoreError  # the store loads SQLAlchemy

    settings = load_settings()
    try:
        key = resolve_secret_key(settings, debug=args.debug)
    except ServeError as error:
        print(f"optunagui serve: {error}", file=sys.stderr)
        return 2
    database = Database(settings.database_url)
    try:
        database.upgrade()
        first_admin = ensure_admin(database)
    except StoreError as error:
        print(f"optunagui serve: {database!r}: {error}", file=sys.stderr)
        return 1
    if first_admin is not None and first_admin.password is not None:
        print(
            f"Created the first admin. User name: {ADMIN_NAME}  Password: {first_admin.password}\n"
            "This password is shown only now; sign in and keep it somewhere safe.",
            flush=True,
        )
    elif first_admin is not None:
        print(f"Created the first admin {ADMIN_NAME!r} with OPTUNAGUI_ADMIN_PASSWORD.", flush=True)

    from dashapp.app import create_app  # the command line reaches up into the dashboard lazily

    app = create_app(replace(settings, secret_key=key), database=database)
    if not args.no_follower:
        from optunagui.attach.service import FollowerLoop

        FollowerLoop(database).start()
    url = f"http://{args.host}:{args.port}/"
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
