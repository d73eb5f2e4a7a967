"""`POST /api/v1/similar`: the earlier runs most like a spec, or like a run, that the caller may
read (``optunagui.recommend.similar_runs``, as the command line's ``optunagui similar``).

The earlier runs are those of the experiments the caller holds a role on (every one for an
admin), each checked again with ``dashapp.access.may_read_run``, so no answer names a run the
caller may not open; a ``run_id`` the caller may not read is answered 404, as a missing one.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dashapp import access, services
from dashapp.api import launch
from dashapp.api.registry import Call
from dashapp.api.responses import API_PREFIX, ApiProblem
from dashapp.api.schemas import MAX_ID, SpecBody
from dashapp.paths import app_path
from optunagui.recommend import RunNotReadable, SimilarRuns, similar_runs
from optunagui.spec import ExperimentSpec

__all__ = ["SimilarAnswer", "SimilarBody", "similar"]


class SimilarBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    spec: dict[str, Any] | None = Field(
        default=None, description="an experiment spec, as `optunagui run` reads it")
    run_id: int | None = Field(default=None, ge=1, le=MAX_ID,
                               description="a run, compared with the runs created before it")
    limit: int = Field(default=5, ge=0, le=100, description="how many similar runs to list")

    @model_validator(mode="after")
    def _one_target(self) -> SimilarBody:
        if (self.spec is None) == (self.run_id is None):
            raise ValueError("give spec or run_id (one of them)")
        return self


class SimilarRunRecord(BaseModel):
    run_id: int
    experiment_id: int
    experiment: str
    name: str
    model: str | None
    created_at: str | None
    score: float = Field(description="in [0, 1]: the weighted mean of the parts")
    parts: dict[str, float] = Field(
        description="dataset, model, space, split, metric, task: each in [0, 1]")
    params: dict[str, float] = Field(description="each parameter's range overlap")
    data_match: Literal["same dataset", "same columns", "similar data"] | None
    n_trials: int = Field(description="its complete trials")
    best_value: float | None
    metric: str
    near_duplicate: bool
    message: str = Field(description='e.g. "You ran this on 3 Nov: best 0.931 after 200 '
                                     'trials (run 12 in experiment X)"')
    url: str = Field(description="the run's page in the dashboard")
    api: str


class UnexploredRecord(BaseModel):
    name: str
    kind: Literal["range", "choice"]
    low: float | None
    high: float | None
    choice: Any = None
    current: dict[str, Any] = Field(description="the spec's entry")
    suggested: dict[str, Any] = Field(description="the entry widened to reach it")
    in_draft: bool = Field(description="the spec searches it already")
    text: str


class SimilarAnswer(BaseModel):
    runs: list[SimilarRunRecord]
    near_duplicate: bool
    near_duplicates: list[SimilarRunRecord]
    verdict: str
    unexplored: list[UnexploredRecord]
    compared: int = Field(description="how many earlier runs were compared")


def run_record(entry: dict[str, Any]) -> SimilarRunRecord:
    return SimilarRunRecord(**entry, url=app_path(f"/runs/{entry['run_id']}"),
                            api=app_path(f"{API_PREFIX}/runs/{entry['run_id']}"))


def answer(found: SimilarRuns) -> SimilarAnswer:
    data = found.to_dict()
    return SimilarAnswer(runs=[run_record(r) for r in data["runs"]],
                         near_duplicate=data["near_duplicate"],
                         near_duplicates=[run_record(r) for r in data["near_duplicates"]],
                         verdict=data["verdict"],
                         unexplored=[UnexploredRecord(**u) for u in data["unexplored"]],
                         compared=data["compared"])


def _spec(call: Call) -> ExperimentSpec:
    return launch.builtin_spec(Call(principal=call.principal, ids=call.ids,
                                    body=SpecBody(spec=call.body.spec)), "similar runs")


def similar(call: Call) -> SimilarAnswer:
    """The most similar earlier runs, near-duplicates and unexplored regions."""
    target: ExperimentSpec | int = call.body.run_id if call.body.spec is None else _spec(call)
    principal = call.principal
    with services.database().session() as session:
        try:
            found = similar_runs(session, call.user_id, target, limit=call.body.limit,
                                 may_read_run=lambda run_id: access.may_read_run(principal,
                                                                                 run_id))
        except RunNotReadable as error:
            raise ApiProblem(404, f"run_id: {error}") from None
        except ValueError as error:
            raise ApiProblem(422, str(error)) from None
    return answer(found)
