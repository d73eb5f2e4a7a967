"""The Dash app factory: one Flask server, sign-in in front of it, pages and guarded callbacks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import dash
import dash._pages
from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import RequestEntityTooLarge

import optunagui.store.accounts  # noqa: F401  (its tables join the store's metadata)
from dashapp import api, shell
from dashapp.analysis_state import AnalysisState
from dashapp.api.responses import API_PREFIX
from dashapp.auth import init_auth
from dashapp.pages import page_modules
from dashapp.paths import path_prefix_of, requests_pathname_prefix
from dashapp.public_url import install_public_url
from dashapp.state import AppState, install_state
from dashapp.throttle import LoginThrottle
from optunagui.store import Database

if TYPE_CHECKING:
    from optunagui.config import Settings

__all__ = ["ASSETS_DIR", "create_app", "max_request_bytes"]

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
_REQUEST_OVERHEAD_BYTES = 1024 * 1024


def max_request_bytes() -> int:
    """The largest request body read at all: an upload at the size limit, as the base64 text a
    callback carries it in, plus room for the callback's other inputs. Anything larger is
    answered 413 before it is parsed."""
    from dashapp.pages.new_run.wizard.upload import max_upload_bytes  # a page: loads late

    return max_upload_bytes() * 4 // 3 + _REQUEST_OVERHEAD_BYTES


def _too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    limit = f"{max_request_bytes() / (1024 * 1024):.0f} MB"
    message = (f"The request is larger than the server accepts ({limit}; uploads are limited by "
               "OPTUNAGUI_MAX_UPLOAD_MB).")
    if request.path.startswith(API_PREFIX):
        return jsonify({"error": message}), 413
    return message, 413, {"Content-Type": "text/plain; charset=utf-8"}


def create_app(
    settings: Settings,
    *,
    database: Database | None = None,
    throttle: LoginThrottle | None = None,
) -> dash.Dash:
    """Build the dashboard.

    Args:
        settings: the product settings; ``secret_key`` must be set (it signs sessions and links).
        database: the database to use (default: one on ``settings.database_url``; the caller
            migrates it, e.g. ``optunagui serve``).
        throttle: the sign-in throttle (tests pass one with a fake clock).

    Returns:
        The Dash app; ``app.server`` is the Flask server to serve.
    """
    if not settings.secret_key:
        raise ValueError("A secret key is needed to sign sessions (set OPTUNAGUI_SECRET_KEY).")
    server = Flask(__name__, static_folder=None)
    server.secret_key = settings.secret_key
    server.config["MAX_CONTENT_LENGTH"] = max_request_bytes()
    install_state(server, AppState(
        settings=settings,
        database=database or Database(settings.database_url),
        analysis=AnalysisState.for_data_dir(settings.data_dir),
        throttle=throttle or LoginThrottle(),
    ))
    server.register_error_handler(RequestEntityTooLarge, _too_large)
    init_auth(server)
    install_public_url(server, settings)
    server.register_blueprint(api.blueprint)

    # Pages register into Dash's module-level registry: start each app from an empty one.
    dash._pages.PAGE_REGISTRY.clear()
    app = dash.Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ASSETS_DIR),
        title="OptunaGui",
        update_title=None,
        include_pages_meta=False,
        suppress_callback_exceptions=False,
        enable_mcp=False,
        serve_locally=True,
        compress=True,
        # The server sees paths without the prefix (dashapp.paths); the browser asks with it.
        routes_pathname_prefix="/",
        requests_pathname_prefix=requests_pathname_prefix(path_prefix_of(settings.public_url)),
    )
    # Plotly.js loads with the page's other scripts instead of after the first graph mounts
    # (dcc.Graph takes window.Plotly when it is there): a page's first figure is drawn a
    # round trip sooner. The other components' lazy parts stay lazy.
    app.scripts.append_script({"relative_package_path": "package_data/plotly.min.js",
                               "namespace": "plotly"})
    for module in page_modules():
        module.register(app)
    with server.app_context():  # the shell's links are written under the path prefix
        app.layout = shell.layout()
    shell.register(app)
    return app
