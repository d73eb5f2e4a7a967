"""`POST /api/v1/suggest`: starting ranges for a spec from the earlier runs the caller may read
(``optunagui.recommend.suggest_for_spec``, as the command line's ``optunagui suggest``).

The spec is checked as ``/specs/validate`` checks it; the earlier runs are those of the
experiments the caller holds a role on (every one for an admin), each run checked again with
``dashapp.access.may_read_run``, so no suggestion reveals a run the caller may not open.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dashapp import access, services
from dashapp.api import launch
from dashapp.api.registry import Call
from dashapp.api.responses import API_PREFIX, ApiProblem
from optunagui.recommend import Suggestions, apply_suggestions, suggest_for_spec
from optunagui.spec import ExperimentSpec

__all__ = ["SuggestAnswer", "SuggestBody", "suggest"]


class SuggestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    spec: dict[str, Any] = Field(description="an experiment spec, as `optunagui run` reads it")
    params: list[str] | None = Field(
        default=None, max_length=500,
        description="the parameters whose suggestions the answer's spec takes (default: all)")


class SuggestedFrom(BaseModel):
    id: int
    experiment_id: int
    name: str
    match: Literal["same dataset", "same columns", "similar data"]
    n_trials: int = Field(description="its complete trials")
    n_best: int = Field(description="how many of them counted as its best")
    api: str


class ParamSuggestionRecord(BaseModel):
    name: str
    current: dict[str, Any] = Field(description="the spec's entry (its preset's when it has none)")
    suggested: dict[str, Any] = Field(description="the suggested entry")
    change: Literal["narrow", "widen", "fix", "choices", "keep"]
    changed: bool
    reason: str


class SuggestAnswer(BaseModel):
    source: str = Field(description='e.g. "from runs 3 and 7, 412 trials (same dataset)"')
    match: Literal["same dataset", "same columns", "similar data"] | None
    n_trials: int
    runs: list[SuggestedFrom]
    params: list[ParamSuggestionRecord]
    spec: dict[str, Any] = Field(description="the spec normalised, with the suggestions taken")


def _answer(spec: ExperimentSpec, found: Suggestions, params: list[str] | None) -> SuggestAnswer:
    try:
        taken = apply_suggestions(spec, found, params)
    except ValueError as error:
        raise ApiProblem(422, str(error), [{"field": "params", "message": str(error)}]) from None
    data = found.to_dict()
    runs = [SuggestedFrom(id=r["run_id"], experiment_id=r["experiment_id"], name=r["name"],
                          match=r["match"], n_trials=r["n_trials"], n_best=r["n_best"],
                          api=f"{API_PREFIX}/runs/{r['run_id']}") for r in data["runs"]]
    return SuggestAnswer(source=found.source, match=found.match, n_trials=found.n_trials,
                         runs=runs, params=[ParamSuggestionRecord(**p) for p in data["params"]],
                         spec=taken.to_dict())


def suggest(call: Call) -> SuggestAnswer:
    """Suggested ranges for the spec, each with its reason, and where they come from."""
    check = launch.validate(call)
    if check.spec is None:
        raise ApiProblem(422, f"the spec has {len(check.problems)} problem"
                              f"{'s' if len(check.problems) != 1 else ''}",
                         [p.model_dump() for p in check.problems])
    spec = ExperimentSpec.model_validate(check.spec)
    if spec.model is None:
        message = "suggestions are for runs of a built-in model"
        raise ApiProblem(422, f"spec.model: {message}", [{"field": "spec.model",
                                                          "message": message}])
    principal = call.principal
    with services.database().session() as session:
        found = suggest_for_spec(session, spec, call.user_id,
                                 may_read_run=lambda run_id: access.may_read_run(principal,
                                                                                 run_id))
    return _answer(spec, found, call.body.params)
