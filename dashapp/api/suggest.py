"""`POST /api/v1/suggest`: starting ranges for a spec from the earlier runs the caller may read
(``optunagui.recommend.suggest_for_spec``, as the command line's ``optunagui suggest``).

The spec is checked as ``/specs/validate`` checks it; the earlier runs are those of the
experiments the caller holds a role on (every one for an admin), each run checked again with
``dashapp.access.may_read_run``, so no suggestion reveals a run the caller may not open.
``warm_start: K`` adds the best K configurations of the same runs
(``optunagui.recommend.warm_start_for_spec``), fitted to the spec with the suggestions taken,
and puts them in the answer's spec; launching that spec evaluates them first.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dashapp import access, services
from dashapp.api import launch
from dashapp.api.registry import Call
from dashapp.api.responses import API_PREFIX, ApiProblem
from optunagui.recommend import (
    Suggestions,
    WarmStart,
    apply_suggestions,
    apply_warm_start,
    suggest_for_spec,
    warm_start_for_spec,
)
from optunagui.spec import ExperimentSpec
from optunagui.spec.warm_start import MAX_WARM_START

__all__ = ["SuggestAnswer", "SuggestBody", "suggest"]


class SuggestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    spec: dict[str, Any] = Field(description="an experiment spec, as `optunagui run` reads it")
    params: list[str] | None = Field(
        default=None, max_length=500,
        description="the parameters whose suggestions the answer's spec takes (default: all)")
    warm_start: int | None = Field(
        default=None, ge=1, le=MAX_WARM_START,
        description="also the best this many configurations of the earlier runs, in the "
                    "answer's spec as its warm_start (evaluated first)")


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


class WarmStartConfigRecord(BaseModel):
    params: dict[str, Any] = Field(description="the configuration, as the spec's warm_start "
                                               "holds it")
    source: str = Field(description='e.g. "trial 12 of run 3, 0.953"')
    run_id: int
    trial_number: int
    value: float
    metric: str
    sampled: list[str] = Field(description="the spec's parameters the sampler chooses")


class WarmStartRecord(BaseModel):
    summary: str = Field(description='e.g. "the best 5 configurations of runs 3 and 7"')
    asked: int
    skipped: int = Field(description="better configurations left out: values outside the "
                                     "spec's space")
    ranked_by: str
    runs: list[int]
    notes: list[str]
    configs: list[WarmStartConfigRecord]


class SuggestAnswer(BaseModel):
    source: str = Field(description='e.g. "from runs 3 and 7, 412 trials (same dataset)"')
    match: Literal["same dataset", "same columns", "similar data"] | None
    n_trials: int
    runs: list[SuggestedFrom]
    params: list[ParamSuggestionRecord]
    spec: dict[str, Any] = Field(description="the spec normalised, with the suggestions taken "
                                             "(and the warm start, when asked)")
    warm_start: WarmStartRecord | None = Field(
        default=None, description="the configurations to evaluate first (when asked)")


def _taken(spec: ExperimentSpec, found: Suggestions, params: list[str] | None) -> ExperimentSpec:
    try:
        taken: ExperimentSpec = apply_suggestions(spec, found, params)
    except ValueError as error:
        raise ApiProblem(422, str(error), [{"field": "params", "message": str(error)}]) from None
    return taken


def _answer(taken: ExperimentSpec, found: Suggestions, warm: WarmStart | None) -> SuggestAnswer:
    data = found.to_dict()
    runs = [SuggestedFrom(id=r["run_id"], experiment_id=r["experiment_id"], name=r["name"],
                          match=r["match"], n_trials=r["n_trials"], n_best=r["n_best"],
                          api=f"{API_PREFIX}/runs/{r['run_id']}") for r in data["runs"]]
    if warm is not None:
        taken = apply_warm_start(taken, warm)
    return SuggestAnswer(source=found.source, match=found.match, n_trials=found.n_trials,
                         runs=runs, params=[ParamSuggestionRecord(**p) for p in data["params"]],
                         spec=taken.to_dict(),
                         warm_start=None if warm is None else WarmStartRecord(**warm.to_dict()))


def suggest(call: Call) -> SuggestAnswer:
    """Suggested ranges for the spec, each with its reason, and where they come from."""
    spec = launch.builtin_spec(call, "suggestions")
    principal = call.principal

    def may_read(run_id: int) -> bool:
        return access.may_read_run(principal, run_id)

    with services.database().session() as session:
        found = suggest_for_spec(session, spec, call.user_id, may_read_run=may_read)
        taken = _taken(spec, found, call.body.params)
        warm = None if call.body.warm_start is None else warm_start_for_spec(
            session, taken, call.user_id, k=call.body.warm_start, may_read_run=may_read)
    return _answer(taken, found, warm)
