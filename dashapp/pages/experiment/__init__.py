"""Experiment page (/experiments/<experiment_id>): runs, data, notes, members, share links,
settings.

The layout (``layout.py``) carries only the id from the URL; every callback checks the user's
role on that id (viewers read, editors start runs and pin the baseline, owners manage). The
callbacks are grouped by card: the header and runs (``overview.py``, ``runs.py``), the data
(``data.py``), the report (``report.py``), the members (``members.py``), the alert rules
(``alert_rules.py``), the share links (``sharing.py``) and the settings (``settings.py``); the
notes card is ``dashapp.components.notes``.
"""

from __future__ import annotations

import dash

from dashapp.components.notes import register_notes
from dashapp.pages.experiment.alert_rules import register_alert_rules
from dashapp.pages.experiment.attach import register_attach
from dashapp.pages.experiment.data import register_data_card
from dashapp.pages.experiment.feature_advice import register_experiment_advice
from dashapp.pages.experiment.ids import NOTE_IDS, ids
from dashapp.pages.experiment.layout import layout
from dashapp.pages.experiment.members import register_members
from dashapp.pages.experiment.next_run_card import register_experiment_next_run
from dashapp.pages.experiment.overview import register_overview
from dashapp.pages.experiment.report import register_report_menu
from dashapp.pages.experiment.runs import register_runs_card
from dashapp.pages.experiment.settings import register_settings
from dashapp.pages.experiment.sharing import register_share_links
from dashapp.pages.experiment.similar_card import register_experiment_similar

__all__ = ["ids", "layout", "register"]


def register(app: dash.Dash) -> None:
    dash.register_page(
        __name__,
        path_template="/experiments/<experiment_id>",
        name="Experiment",
        title="Experiment · OptunaGui",
        layout=layout,
    )
    register_overview(app)
    register_attach(app)
    register_settings(app)
    register_runs_card(app)
    register_members(app)
    register_alert_rules(app)
    register_share_links(app)
    register_report_menu(app)
    register_data_card(app)
    register_experiment_advice(app)
    register_experiment_similar(app)
    register_experiment_next_run(app)
    register_notes(app, NOTE_IDS, scope="experiment", source_id=ids.experiment)
