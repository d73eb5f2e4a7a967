"""The analysis caches of one app: run frames (reloaded only when a run's trials change) and
importance results (kept under the data directory, computed in the background)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app

from dashapp import services
from optunagui.analysis import FrameCache, ImportanceCache, cache_for

if TYPE_CHECKING:
    from flask import Flask

    from optunagui.analysis import TrialFrame

__all__ = ["AnalysisState", "analysis_state", "load_run_frame"]

EXTENSION_KEY = "optunagui.analysis"


@dataclass
class AnalysisState:
    frames: FrameCache
    importance: ImportanceCache


def analysis_state(server: Flask | None = None) -> AnalysisState:
    """The app's caches, made on first use."""
    app = server if server is not None else current_app
    found = app.extensions.get(EXTENSION_KEY)
    if found is None:
        settings = app.extensions[services.EXTENSION_KEY].settings
        found = AnalysisState(FrameCache(), cache_for(settings.data_dir))
        app.extensions[EXTENSION_KEY] = found
    return found


def load_run_frame(run_id: int) -> TrialFrame:
    """The run's trials as a frame, from the cache when the run has not changed."""
    with services.database().session() as session:
        return analysis_state().frames.get(session, run_id)
