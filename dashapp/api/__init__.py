"""The REST API for scripts: `/api/v1/...`, authenticated by a personal API token.

Send ``Authorization: Bearer ogt_...`` (tokens are made under *Account*). The token's user
gets the same role on each experiment as in the dashboard: viewers read runs, their reports
and exports; owners attach Optuna studies (``POST .../attached-studies``). A run or
experiment the user may not read is answered 404, the same as one that does not exist.
Errors are JSON ``{"error": "..."}`` naming what is wrong.

The token check is in ``auth``, the routes in ``runs`` and ``experiments``, errors and files
in ``responses``; this module puts them on one blueprint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint

from dashapp.api import attach, experiments, runs
from dashapp.api.auth import authenticate
from dashapp.api.responses import API_PREFIX, ApiProblem, problem_response

__all__ = ["API_PREFIX", "ROUTES", "WRITES", "blueprint"]

ROUTES: tuple[tuple[str, Callable[..., Any]], ...] = (
    ("/runs/<int:run_id>", runs.run_summary),
    ("/runs/<int:run_id>/report", runs.run_report),
    ("/runs/<int:run_id>/best-params", runs.run_best_params),
    ("/runs/<int:run_id>/spec", runs.run_spec),
    ("/runs/<int:run_id>/trials", runs.run_trials),
    ("/runs/<int:run_id>/models", runs.run_models),
    ("/runs/<int:run_id>/models/<int:version>/package", runs.run_model_package),
    ("/experiments/<int:experiment_id>/report", experiments.experiment_report),
)
WRITES: tuple[tuple[str, Callable[..., Any]], ...] = (
    ("/experiments/<int:experiment_id>/attached-studies", attach.attach_to_experiment),
)



def _build_blueprint() -> Blueprint:
    built = Blueprint("api", __name__, url_prefix=API_PREFIX)
    built.register_error_handler(ApiProblem, problem_response)
    built.before_request(authenticate)
    for rule, view in ROUTES:
        built.add_url_rule(rule, view_func=view, methods=["GET"])
    for rule, view in WRITES:
        # GET too, so that it is answered here (405, after the token check) and never falls
        # through to the dashboard's catch-all page.
        built.add_url_rule(rule, view_func=view, methods=["GET", "POST"])
    return built


blueprint = _build_blueprint()
