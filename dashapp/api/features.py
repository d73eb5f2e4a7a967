"""Feature recommendations and "test dropping them" through the API, in the server's
background jobs (``dashapp.feature_jobs``, as the Analysis and experiment pages): a POST starts
the work (202) and the GET of the same path says how it stands, with the result once done.

- ``/runs/{id}/feature-recommendations``: which input columns the run's best trials could do
  without, each with its evidence (``optunagui.analysis.recommend_features``);
- ``/runs/{id}/feature-ablation``: the best configuration re-evaluated with and without the
  columns in the body, a paired test and its verdict (``ablate_features``); editors only;
- ``/experiments/{id}/feature-recommendations``: the experiment's runs on one dataset joined.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dashapp import feature_jobs
from dashapp.api.registry import Call, Endpoint, Need, Scope
from dashapp.api.responses import ApiProblem
from dashapp.permissions import Role
from optunagui.analysis import FeatureSelectionError
from optunagui.analysis.feature_ablation import ABLATION_SEEDS, AblationInputError
from optunagui.analysis.feature_evidence import MAX_COLUMNS
from optunagui.analysis.reevaluate import MAX_SEEDS, MIN_SEEDS

__all__ = ["FEATURE_ENDPOINTS", "AblationBody", "FeatureJobAnswer"]


class AblationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    drop: list[str] = Field(min_length=1, max_length=MAX_COLUMNS,
                            description="the input columns to leave out (e.g. the "
                                        "recommendations' drop list)")
    n_seeds: int = Field(default=ABLATION_SEEDS, ge=MIN_SEEDS, le=MAX_SEEDS,
                         description="seeds of the run's split; every one scores both variants")


class FeatureJobAnswer(BaseModel):
    status: Literal["none", "running", "done", "failed", "busy"] = Field(
        description="busy: another feature-selection job runs on the server; ask again later")
    message: str
    result: dict[str, Any] | None = Field(default=None, description="the outcome, when done")


_MESSAGES = {"none": "not started on this server: POST to the same path starts it",
             "running": "computing in the background: GET this path again in a few seconds",
             "done": "done"}


def _answer(view: feature_jobs.JobView) -> FeatureJobAnswer:
    result = view.result.to_dict() if view.result is not None else None
    if result is not None:
        message = str(result.get("verdict") or result.get("summary") or "done")
    else:
        message = view.message or _MESSAGES.get(view.status, view.status)
    return FeatureJobAnswer(status=view.status, message=message, result=result)


def _refused(error: FeatureSelectionError) -> ApiProblem:
    if isinstance(error, AblationInputError):
        field = str(error).split(":", 1)[0]
        return ApiProblem(422, str(error), [{"field": field, "message": str(error)}])
    return ApiProblem(409, str(error))


def run_feature_recommendations(call: Call) -> FeatureJobAnswer:
    """How the recommendations on the run's current best trials stand."""
    try:
        return _answer(feature_jobs.run_view(call.run_id))
    except FeatureSelectionError as error:
        raise _refused(error) from None


def start_feature_recommendations(call: Call) -> tuple[FeatureJobAnswer, int]:
    """Refit the run's best trials per fold and judge every input column, in the background."""
    try:
        return _answer(feature_jobs.start_run(call.run_id)), 202
    except FeatureSelectionError as error:
        raise _refused(error) from None


def start_feature_ablation(call: Call) -> tuple[FeatureJobAnswer, int]:
    """Re-evaluate the best configuration with and without the columns, in the background."""
    body: AblationBody = call.body
    try:
        return _answer(feature_jobs.start_ablation(call.run_id, body.drop,
                                                   n_seeds=body.n_seeds)), 202
    except FeatureSelectionError as error:
        raise _refused(error) from None


def run_feature_ablation(call: Call) -> FeatureJobAnswer:
    """The run's newest "test dropping them" on this server."""
    return _answer(feature_jobs.ablation_view(call.run_id))


def experiment_feature_recommendations(call: Call) -> FeatureJobAnswer:
    """How the experiment's joined recommendations stand."""
    return _answer(feature_jobs.experiment_view(call.ids["experiment_id"]))


def start_experiment_feature_recommendations(call: Call) -> tuple[FeatureJobAnswer, int]:
    """Recommendations of the experiment's runs on one dataset, joined, in the background."""
    return _answer(feature_jobs.start_experiment(call.ids["experiment_id"])), 202


_RUN_VIEWER, _RUN_EDITOR = Need(Scope.run, Role.viewer), Need(Scope.run, Role.editor)
_EXPERIMENT_VIEWER = Need(Scope.experiment, Role.viewer)
_RUN = "/runs/{run_id}"
_EXPERIMENT = "/experiments/{experiment_id}/feature-recommendations"

FEATURE_ENDPOINTS = [
    Endpoint("GET", _RUN + "/feature-recommendations",
             "Which input columns the run could drop, with the evidence, once computed.",
             _RUN_VIEWER, run_feature_recommendations, "features", response=FeatureJobAnswer,
             errors=(409,)),
    Endpoint("POST", _RUN + "/feature-recommendations",
             "Compute the run's feature recommendations (background).", _RUN_VIEWER,
             start_feature_recommendations, "features", response=FeatureJobAnswer, status=202,
             errors=(409,)),
    Endpoint("GET", _RUN + "/feature-ablation",
             "The run's newest test of dropping columns: paired comparison and verdict.",
             _RUN_VIEWER, run_feature_ablation, "features", response=FeatureJobAnswer),
    Endpoint("POST", _RUN + "/feature-ablation",
             "Test dropping columns: the best configuration with and without them "
             "(background).", _RUN_EDITOR, start_feature_ablation, "features",
             body=AblationBody, response=FeatureJobAnswer, status=202, errors=(409,)),
    Endpoint("GET", _EXPERIMENT, "The experiment's joined feature recommendations.",
             _EXPERIMENT_VIEWER, experiment_feature_recommendations, "features",
             response=FeatureJobAnswer),
    Endpoint("POST", _EXPERIMENT,
             "Compute the experiment's joined feature recommendations (background).",
             _EXPERIMENT_VIEWER, start_experiment_feature_recommendations, "features",
             response=FeatureJobAnswer, status=202),
]
