"""New run wizard (/experiments/<experiment_id>/new-run, ``?clone=<run_id>`` to pre-fill).

``version=<dataset version id>`` makes the wizard read that stored dataset version instead
(with or without ``clone``): "revert" to earlier data. The restore callback checks that the
user may use the version in this experiment, or says why not.

``drop`` and ``adjust`` next to ``clone`` carry changes to make to the cloned spec (features to
switch off, new parameter ranges: see ``dashapp.pages.new_run.wizard.prefill``); the restore
callback applies them and says what it changed.

Seven steps with Back/Next: data, features, model(s), search space, split and metric, budget,
review and launch. Each Next checks the form with the spec's own validation and shows every
message next to its field; Launch checks it all again, creates one run per model (grouped when
several) and submits them. Changing the data or the target infers the task again, and what no
longer fits the task (metrics, stratified folds, models) is changed with a sentence that says so.
The half-finished wizard is kept in the browser's local storage per experiment: a new wizard
starts fresh and offers to resume it; "Start over" goes back to the defaults at any time. Only
editors and owners get through the callbacks; the layout holds no data.

The logic lives in ``dashapp.pages.new_run.wizard`` (no Dash). Beside it, the Dash side:
``layout.py`` (the step panels), ``ids.py``, ``form_fields.py``, ``put_back.py`` and
``drafts.py`` (components to form and back, the browser's drafts), ``tables.py`` and
``messages.py`` (what callbacks draw), ``context.py`` (the check every callback declares), and
the callbacks grouped by concern: ``gate.py`` (opening the page), ``dataset_step.py`` (data,
target, task), ``upload_step.py`` (uploads and their versions), ``task_step.py`` (metrics,
split and models that follow the task), ``space_step.py`` (reset to preset),
``suggest_step.py`` with ``suggest_view.py`` (suggestions from earlier runs, taken into the
space), ``navigation.py`` (Back / Next / Launch), ``restore.py`` with ``cloning.py`` (clones,
versions and the draft's offer on page load), ``draft_choice.py`` (Resume / Discard / Start
over), ``clientside.py`` (the browser's own).
"""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from dashapp.components import HIDDEN
from dashapp.pages.new_run.clientside import register_clientside
from dashapp.pages.new_run.dataset_step import register_dataset_step
from dashapp.pages.new_run.draft_choice import register_draft_choice
from dashapp.pages.new_run.feature_advice_step import register_feature_advice_step
from dashapp.pages.new_run.gate import register_gate
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.layout import layout_body
from dashapp.pages.new_run.navigation import register_navigation
from dashapp.pages.new_run.restore import register_restore
from dashapp.pages.new_run.similar_review import register_similar_review
from dashapp.pages.new_run.space_step import register_space_step
from dashapp.pages.new_run.suggest_step import register_suggest_step
from dashapp.pages.new_run.task_step import register_task_step
from dashapp.pages.new_run.upload_step import register_upload_step
from dashapp.paths import app_path
from dashapp.permissions import parse_id

__all__ = ["ids", "layout", "register"]

def _experiment_href(experiment_id: Any) -> str:
    checked = parse_id(experiment_id)
    return app_path(f"/experiments/{checked}" if checked is not None else "/experiments")


def _token(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def layout(experiment_id: str | None = None, clone: str | None = None, drop: Any = None,
           adjust: Any = None, version: Any = None, **_query: Any) -> html.Div:
    return html.Div(
        [
            dcc.Store(id=ids.experiment, data=experiment_id),
            dcc.Store(id=ids.clone, data=clone),
            dcc.Store(id=ids.prefill, data={"drop": _token(drop), "adjust": _token(adjust),
                                            "version": _token(version)}),
            dcc.Store(id=ids.draft),
            dcc.Store(id=ids.draft_saved),
            dcc.Store(id=ids.restored, data=False),
            dcc.Store(id=ids.reloaded, data=False),
            dcc.Store(id=ids.pending, data=None),
            dcc.Store(id=ids.launched, data=None),
            dcc.Store(id=ids.described, data=None),
            dcc.Store(id=ids.step, data=1),
            dcc.Store(id=ids.options, data={}),
            dcc.Store(id=ids.upload_data, data=None),
            dcc.Store(id=ids.inferred, data=None),
            dcc.Location(id=ids.redirect, refresh=True),
            html.Div(id=ids.denied),
            html.Div(
                [
                    html.Div(
                        [
                            html.H2("New run", className="mb-1 d-inline me-3"),
                            dcc.Link("Back to the experiment", href=_experiment_href(experiment_id),
                                     id="new-run-experiment-link"),
                        ],
                        className="mb-3",
                    ),
                    *layout_body(),
                ],
                id=ids.body,
                style=HIDDEN,
            ),
        ]
    )


def register(app: dash.Dash) -> None:
    dash.register_page(
        __name__,
        path_template="/experiments/<experiment_id>/new-run",
        name="New run",
        title="New run · OptunaGui",
        layout=layout,
        # Dash matches path templates in registry order, and a template variable also matches
        # "/": "/experiments/<experiment_id>" would take this URL (experiment_id "1/new-run").
        # Pages with an order come first in the registry.
        order=0,
    )
    register_clientside(app)
    register_navigation(app)
    register_restore(app)
    register_draft_choice(app)
    register_gate(app)
    register_dataset_step(app)
    register_space_step(app)
    register_suggest_step(app)
    register_similar_review(app)
    register_task_step(app)
    register_upload_step(app)
    register_feature_advice_step(app)
