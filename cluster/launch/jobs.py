"""The Ray Jobs side of run submission: a job client with Ray's token authentication.

``RAY_ADDRESS`` names the cluster's job server, the dashboard port of the head node
(``http://<head>:8265``); a GCS address (``<head>:6380``) works too, Ray looks the job server
up from it. With token authentication on the cluster (``RAY_AUTH_MODE=token`` on its nodes),
every request carries ``Authorization: Bearer <token>``; the token comes from, in this order:

- ``RAY_AUTH_TOKEN``: the token itself;
- ``RAY_AUTH_TOKEN_PATH``: a file holding it;
- ``~/.ray/auth_token``, Ray's default file, when ``RAY_AUTH_MODE=token`` is set here.

These are the variables Ray's own CLI reads. The header is set explicitly rather than left to
Ray's client, which only sends it when this process itself runs in token mode.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from ray.exceptions import AuthenticationError
from ray.job_submission import JobStatus, JobSubmissionClient

__all__ = [
    "SubmitError",
    "auth_headers",
    "build_job_client",
    "is_local_address",
    "job_is_finished",
    "load_auth_token",
]

_DEFAULT_TOKEN_PATH = Path("~/.ray/auth_token")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


class SubmitError(RuntimeError):
    """A run could not be launched, stopped or read; the message says what to change."""


def load_auth_token(environ: Mapping[str, str]) -> str | None:
    """The Ray auth token named by the environment, or None when none is configured.

    Raises:
        SubmitError: RAY_AUTH_TOKEN_PATH names a file that cannot be read, or it is empty.
    """
    token = (environ.get("RAY_AUTH_TOKEN") or "").strip()
    if token:
        return token
    path_text = environ.get("RAY_AUTH_TOKEN_PATH")
    if path_text:
        path = Path(path_text).expanduser()
        try:
            token = path.read_text().strip()
        except OSError as error:
            raise SubmitError(
                f"RAY_AUTH_TOKEN_PATH={path_text} cannot be read ({error.strerror}); point it at "
                "the cluster's token file (`ray get-auth-token` prints the token)"
            ) from None
        if not token:
            raise SubmitError(f"RAY_AUTH_TOKEN_PATH={path_text} is empty")
        return token
    if (environ.get("RAY_AUTH_MODE") or "").lower() == "token":
        default = _DEFAULT_TOKEN_PATH.expanduser()
        if default.is_file():
            return default.read_text().strip() or None
    return None


def auth_headers(environ: Mapping[str, str]) -> dict[str, str]:
    token = load_auth_token(environ)
    return {"Authorization": f"Bearer {token}"} if token else {}


def build_job_client(address: str, environ: Mapping[str, str] | None = None) -> JobSubmissionClient:
    """A job client for the cluster at `address`, authenticated when a token is configured.

    Note that Ray lets ``RAY_ADDRESS`` (and ``RAY_API_SERVER_ADDRESS``) in this process's
    environment override `address`; Settings reads the same variable, so they agree.

    Raises:
        SubmitError: the job server cannot be reached, or it refused the token.
    """
    env = os.environ if environ is None else environ
    try:
        return JobSubmissionClient(address, headers=auth_headers(env))
    except AuthenticationError as error:
        raise SubmitError(
            f"the Ray cluster at {address} refused the request: {_first_line(error)}. Set "
            "RAY_AUTH_TOKEN (or RAY_AUTH_TOKEN_PATH) to the cluster's token"
        ) from None
    except ConnectionError as error:
        raise SubmitError(
            f"cannot reach the Ray job server at {address} ({_first_line(error)}); RAY_ADDRESS "
            "must name the head node's dashboard port, e.g. http://<head>:8265"
        ) from None


def job_is_finished(client: JobSubmissionClient, job_id: str) -> bool:
    """True once the job has succeeded, failed or been stopped (or is unknown)."""
    try:
        status = client.get_job_status(job_id)
    except RuntimeError:
        return True
    return JobStatus(status).is_terminal()


def is_local_address(address: str) -> bool:
    """True when `address` names a Ray cluster on this machine."""
    if address in ("auto", "local"):
        return True
    host = urlsplit(address if "://" in address else f"//{address}").hostname or ""
    if host in _LOCAL_HOSTS or host.startswith("127."):
        return True
    try:
        return host in {socket.gethostname(), socket.getfqdn()}
    except OSError:
        return False


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
