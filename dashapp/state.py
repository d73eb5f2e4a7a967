"""The state of one dashboard: made once by ``create_app`` and kept on its Flask server.

Everything a request may need beyond the request itself hangs off this one object: the
settings, the database, the sign-in throttle, the analysis caches and the background jobs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flask import current_app

from dashapp.throttle import LoginThrottle
from optunagui.jobs import JobRunner

if TYPE_CHECKING:
    from flask import Flask

    from dashapp.analysis_state import AnalysisState
    from optunagui.config import Settings
    from optunagui.store import Database

__all__ = ["AppState", "install_state", "state"]

_EXTENSION_KEY = "optunagui"


def _training_jobs() -> JobRunner:
    return JobRunner("train-best")


def _reevaluation_jobs() -> JobRunner:
    return JobRunner("reevaluate", max_kept=16)


def _feature_selection_jobs() -> JobRunner:
    return JobRunner("feature-selection", max_kept=32)


@dataclass
class AppState:
    """The app's handles.

    Attributes:
        settings: the product settings the app was built with.
        database: the one database of runs, users and studies.
        analysis: the analysis page's caches (run frames, importance, feature impact).
        throttle: slows down repeated failed sign-ins.
        training_jobs: model versions being trained for the run page.
        reevaluation_jobs: the compare page's re-evaluations.
        feature_selection_jobs: feature recommendations and "test dropping them" ablations.
    """

    settings: Settings
    database: Database
    analysis: AnalysisState
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    training_jobs: JobRunner = field(default_factory=_training_jobs)
    reevaluation_jobs: JobRunner = field(default_factory=_reevaluation_jobs)
    feature_selection_jobs: JobRunner = field(default_factory=_feature_selection_jobs)


def install_state(server: Flask, app_state: AppState) -> None:
    server.extensions[_EXTENSION_KEY] = app_state


def state(server: Flask | None = None) -> AppState:
    """The state of ``server``, by default of the app serving the current request."""
    app = server if server is not None else current_app
    return app.extensions[_EXTENSION_KEY]
