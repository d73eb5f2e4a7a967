"""Where the product keeps its data, and how it reaches the database and Ray."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from optunagui.smtp import SmtpError, SmtpSettings, load_smtp_settings

DEFAULT_DATA_DIR = Path("~/.optunagui")
#: The data directory holds password hashes, datasets and models: its user's alone.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
PRIVATE_UMASK = 0o077


class SettingsError(ValueError):
    """An environment variable the product cannot use; the message names it and what works."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str | None
    ray_address: str | None
    attach_dirs: tuple[Path, ...] = ()
    #: Draw images from other addresses in notes (dashboard, HTML reports); never in PDFs.
    allow_remote_images: bool = False
    #: The address people open (``https://tuning.example.com``, or with a path prefix
    #: ``https://example.org/optunagui``): links the product hands out are built from it, the
    #: dashboard is served under its path, and an https one makes every cookie Secure.
    public_url: str | None = None
    #: How many reverse proxies in front of the server set X-Forwarded-For/-Proto/-Host.
    trusted_proxies: int = 0
    #: Alert webhooks may post to loopback and private networks (an admin's choice).
    allow_private_webhooks: bool = False
    #: Where alert emails are sent through (``OPTUNAGUI_SMTP_*``); None: no email.
    smtp: SmtpSettings | None = None

    @property
    def is_embedded_database(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def datasets_dir(self) -> Path:
        return self.data_dir / "datasets"

    @property
    def runs_dir(self) -> Path:
        return self.data_dir / "runs"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from the environment and make sure the data directory exists."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("OPTUNAGUI_DATA_DIR") or DEFAULT_DATA_DIR).expanduser().resolve()
    make_private_dir(data_dir)
    database_url = env.get("OPTUNAGUI_DATABASE_URL") or f"sqlite:///{data_dir / 'optunagui.db'}"
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=env.get("OPTUNAGUI_SECRET_KEY") or None,
        ray_address=env.get("RAY_ADDRESS") or None,
        attach_dirs=tuple(Path(p).expanduser().resolve() for p in
                          (env.get("OPTUNAGUI_ATTACH_DIRS") or "").split(os.pathsep) if p),
        allow_remote_images=_flag(env, "OPTUNAGUI_ALLOW_REMOTE_IMAGES"),
        public_url=_public_url(env.get("OPTUNAGUI_PUBLIC_URL", "")),
        trusted_proxies=_proxy_count(env.get("OPTUNAGUI_TRUSTED_PROXIES", "")),
        allow_private_webhooks=_flag(env, "OPTUNAGUI_ALLOW_PRIVATE_WEBHOOKS"),
        smtp=_smtp(env),
    )


def _smtp(env: Mapping[str, str]) -> SmtpSettings | None:
    try:
        return load_smtp_settings(env)
    except SmtpError as error:
        raise SettingsError(str(error)) from None


MAX_TRUSTED_PROXIES = 5
_PATH_PREFIX = re.compile(r"(/(?!\.\.?(/|$))[A-Za-z0-9._~-]+)+")


def _public_url(text: str) -> str | None:
    """``OPTUNAGUI_PUBLIC_URL``: scheme and host (and port), then at most a path prefix."""
    value = text.strip()
    if not value:
        return None
    parts = urlsplit(value)
    prefix = parts.path.rstrip("/")
    problem = None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problem = "it must start with http:// or https:// and name a host"
    elif prefix and not _PATH_PREFIX.fullmatch(prefix):
        problem = ("its path prefix must be segments of letters, digits, '.', '_', '~' or '-' "
                   "(e.g. /optunagui)")
    elif parts.query or parts.fragment or parts.username or parts.password:
        problem = "it must hold no query, fragment or credentials"
    if problem:
        raise SettingsError(f"OPTUNAGUI_PUBLIC_URL={value!r}: {problem} "
                         "(e.g. https://tuning.example.com or https://example.org/optunagui)")
    return f"{parts.scheme}://{parts.netloc}{prefix}"


def _proxy_count(text: str) -> int:
    value = text.strip() or "0"
    if not value.isdigit() or int(value) > MAX_TRUSTED_PROXIES:
        raise SettingsError(f"OPTUNAGUI_TRUSTED_PROXIES: expected a number of proxies from 0 to "
                         f"{MAX_TRUSTED_PROXIES}, got {text!r}")
    return int(value)


def make_private_dir(path: Path) -> None:
    """Create ``path`` readable by its user only (0700); a folder that already exists keeps
    the mode its owner gave it."""
    if path.is_dir():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=PRIVATE_DIR_MODE)
    except FileExistsError:
        return  # another process made it at the same moment
    path.chmod(PRIVATE_DIR_MODE)


@contextmanager
def private_files() -> Iterator[None]:
    """While inside, every file and folder this process creates is its user's alone (umask
    077): the commands, the dashboard and the run driver work inside it."""
    previous = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(previous)


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def _flag(env: Mapping[str, str], name: str) -> bool:
    """An on/off variable, read strictly: anything else is refused, naming the variable."""
    value = env.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name}: expected one of {', '.join(_TRUE + _FALSE[1:])}, "
                     f"or unset; got {value!r}")
