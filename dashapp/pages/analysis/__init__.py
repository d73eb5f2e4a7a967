"""Run analysis page (/runs/<run_id>/analysis): parameter space, parallel coordinates,
importance, diagnosis, Pareto and the feature impact of the best trial.

The layout (``layout.py``) holds only the id from the URL. Each tab's callback checks the
user's role on the run's experiment (viewers read), reads the run's frame from the app's
``FrameCache`` (a run that has not changed is not read again) and draws only when its tab is
open. Every figure has a "Download HTML" button (``downloads.py``): the server draws the
figure again for the checked run and sends it as one self-contained HTML page.

Callbacks by concern: ``header.py`` (the run, its counts and the choices), ``figure_tabs.py``
(parameter space, parallel coordinates, diagnosis, Pareto), ``importance.py`` with
``advice.py``, ``features.py`` and ``tradeoff.py``.
"""

from __future__ import annotations

import dash

from dashapp.pages.analysis.advice import register_advice_callbacks
from dashapp.pages.analysis.downloads import register_download_callbacks
from dashapp.pages.analysis.features import register_features_callbacks
from dashapp.pages.analysis.figure_tabs import register_figure_tab_callbacks
from dashapp.pages.analysis.header import register_header_callbacks
from dashapp.pages.analysis.ids import ids
from dashapp.pages.analysis.importance import register_importance_callbacks
from dashapp.pages.analysis.layout import layout
from dashapp.pages.analysis.tradeoff import register_tradeoff_callbacks

__all__ = ["ids", "layout", "register"]


def register(app: dash.Dash) -> None:
    dash.register_page(
        __name__,
        path_template="/runs/<run_id>/analysis",
        name="Run analysis",
        title="Run analysis · OptunaGui",
        layout=layout,
    )
    register_header_callbacks(app)
    register_figure_tab_callbacks(app)
    register_importance_callbacks(app)
    register_features_callbacks(app)
    register_download_callbacks(app)
    register_tradeoff_callbacks(app)
    register_advice_callbacks(app)
