"""Live run page (/runs/<run_id>): header, live views, trials table and controls.

The first render (``render``) reads the run once and builds every view; then a
``dcc.Interval`` polls about once a second (``poll``): each poll reads only the events after
the cursor kept in the browser (``run-live-state``) and appends them to the views with
``dash.Patch``; the trials table (``trials_table``) is served a page at a time and refreshed
after each poll that brought something. Polling stops once the run has finished and
every event is shown. The layout (``layout``) holds only the id from the URL; every callback
checks the user's role on the run's experiment (viewers read; editors and owners control).

Beside them: ``progress`` (the header and elapsed time), ``views`` (scatter axes, trial
detail), ``controls`` and ``ranges`` (pause, resume, stop, new ranges), ``exports``,
``model_versions``, ``replay``, ``code_card`` (a code run's code version and source); ``live``
computes and draws the views.
"""

from __future__ import annotations

import dash

from dashapp.components.notes import register_notes
from dashapp.pages.run.code_card import register_code_callbacks
from dashapp.pages.run.controls import register_control_callbacks
from dashapp.pages.run.exports import register_export_callbacks
from dashapp.pages.run.ids import NOTE_IDS, ids
from dashapp.pages.run.layout import layout
from dashapp.pages.run.model_versions import register_model_callbacks
from dashapp.pages.run.next_run_card import register_next_run_card
from dashapp.pages.run.poll import register_poll_callbacks
from dashapp.pages.run.progress import register_progress_callbacks
from dashapp.pages.run.render import register_render_callbacks
from dashapp.pages.run.replay import register_replay_callbacks
from dashapp.pages.run.similar_card import register_similar_card
from dashapp.pages.run.trials_table import register_trials_table_callbacks
from dashapp.pages.run.views import register_view_callbacks

__all__ = ["ids", "layout", "register"]


def register(app: dash.Dash) -> None:
    dash.register_page(
        __name__,
        path_template="/runs/<run_id>",
        name="Run",
        title="Run · OptunaGui",
        layout=layout,
    )
    register_progress_callbacks(app)
    register_render_callbacks(app)
    register_poll_callbacks(app)
    register_view_callbacks(app)
    register_trials_table_callbacks(app)
    register_control_callbacks(app)
    register_export_callbacks(app)
    register_model_callbacks(app)
    register_replay_callbacks(app)
    register_code_callbacks(app)
    register_similar_card(app)
    register_next_run_card(app)
    register_notes(app, NOTE_IDS, scope="run", source_id=ids.run)
