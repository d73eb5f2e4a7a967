"""The Dash app factory: one Flask server, sign-in in front of it, pages and guarded callbacks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import dash
import dash._pages
from flask import Flask

import optunagui.store.accounts  # noqa: F401  (its tables join the store's metadata)
from dashapp import api, shell
from dashapp.analysis_state import AnalysisState
from dashapp.auth import init_auth
from dashapp.pages import page_modules
from dashapp.state import AppState, install_state
from dashapp.throttle import LoginThrottle
from optunagui.store import Database

if TYPE_CHECKING:
    from optunagui.config import Settings

__all__ = ["ASSETS_DIR", "create_app"]

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"


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
    install_state(server, AppState(
        settings=settings,
        database=database or Database(settings.database_url),
        analysis=AnalysisState.for_data_dir(settings.data_dir),
        throttle=throttle or LoginThrottle(),
    ))
    init_auth(server)
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
    )
    for module in page_modules():
        module.register(app)
    app.layout = shell.layout()
    shell.register(app)
    return app
