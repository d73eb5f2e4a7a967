"""Alembic migrations for the product's tables, runnable from the installed package.

`Database.upgrade()` builds the Alembic configuration in code (`build_config`); developers can
also use the bundled ini, e.g.
``alembic -c optunagui/migrations/alembic.ini revision --autogenerate -m "..."``
(the URL comes from OPTUNAGUI_DATABASE_URL / the settings).
"""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy.engine import URL, make_url

__all__ = ["MIGRATIONS_DIR", "VERSION_TABLE", "build_config"]

MIGRATIONS_DIR = Path(__file__).resolve().parent
# Optuna keeps its own "alembic_version" table in the same database.
VERSION_TABLE = "optunagui_alembic_version"


def build_config(url: str | URL | None = None) -> Config:
    """An Alembic Config pointing at this package's scripts (and at `url` when given)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_table", VERSION_TABLE)
    if url is not None:
        rendered = make_url(url).render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config
