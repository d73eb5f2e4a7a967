"""The bodies the API accepts and the answers it gives, as pydantic models: the dispatcher
validates with them and the OpenAPI document takes their JSON schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dashapp.permissions import MAX_ID
from optunagui.status import RunStatus

__all__ = [
    "MAX_ID",
    "AttachBody",
    "ControlAnswer",
    "DatasetAnswer",
    "DatasetUploadBody",
    "EventPage",
    "EventQuery",
    "EventRecord",
    "ExperimentAnswer",
    "ExperimentList",
    "ExperimentNameBody",
    "LaunchAnswer",
    "LaunchBody",
    "MemberBody",
    "MemberList",
    "MemberRecord",
    "Message",
    "NoteAnswer",
    "NoteBody",
    "Problem",
    "ProblemAnswer",
    "RangeEdit",
    "RangesAnswer",
    "RangesBody",
    "ReplayAnswer",
    "RunList",
    "RunQuery",
    "RunRecord",
    "SpecBody",
    "SpecCheck",
    "TrainingAnswer",
    "TrialNoteBody",
    "TrialPage",
    "TrialQuery",
    "TrialRecord",
]


MAX_CURSOR = 2**63 - 1  # event ids are 64-bit


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(BaseModel):
    field: str
    message: str


class ProblemAnswer(BaseModel):
    """Every error: what was wrong, and each problem by field when there are several."""

    error: str
    problems: list[Problem] = Field(default_factory=list)


class Message(BaseModel):
    message: str


class ExperimentNameBody(_Body):
    name: str = Field(min_length=1, max_length=200)


class ExperimentAnswer(BaseModel):
    id: int
    name: str
    role: str | None = None
    url: str


class ExperimentList(BaseModel):
    experiments: list[ExperimentAnswer]


class MemberBody(_Body):
    username: str = Field(min_length=1, max_length=64)
    role: Literal["owner", "editor", "viewer"]


class MemberRecord(BaseModel):
    user_id: int
    username: str
    role: str
    is_active: bool


class MemberList(BaseModel):
    members: list[MemberRecord]


class SpecBody(_Body):
    spec: dict[str, Any] = Field(description="an experiment spec, as `optunagui run` reads it")


class LaunchBody(SpecBody):
    dataset_version_id: int | None = Field(
        default=None, ge=1, le=MAX_ID,
        description="an uploaded dataset version (POST .../datasets) to run on; the spec's "
                    "dataset then needs only its target")


class TrainingAnswer(BaseModel):
    status: Literal["none", "running", "done", "failed"]
    message: str
    result: dict[str, Any] | None = Field(default=None,
                                          description="the new model version, when done")


class DatasetUploadBody(_Body):
    filename: str = Field(min_length=1, max_length=255, description="ending .csv or .parquet")
    content_base64: str = Field(min_length=1, description="the file's bytes, base64-encoded")


class DatasetAnswer(BaseModel):
    id: int = Field(description="the dataset version, to launch with as dataset_version_id")
    name: str
    filename: str
    sha256: str
    n_rows: int
    n_columns: int


class SpecCheck(BaseModel):
    valid: bool
    problems: list[Problem]
    spec: dict[str, Any] | None = Field(default=None, description="the spec normalised, when valid")


class LaunchAnswer(BaseModel):
    id: int
    name: str
    status: str
    url: str = Field(description="the run's page in the dashboard")
    api: str
    start_error: str | None = Field(default=None, description="why its driver could not start")


class ReplayAnswer(LaunchAnswer):
    of_run_id: int
    warnings: list[str]


class RunQuery(_Body):
    experiment_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    status: RunStatus | None = None
    model: str | None = None
    created_after: datetime | None = None
    limit: int = Field(default=100, ge=1, le=1000)


class RunRecord(BaseModel):
    id: int
    name: str
    experiment_id: int
    status: str
    model: str | None
    best_value: float | None
    created_at: datetime
    url: str


class RunList(BaseModel):
    runs: list[RunRecord]


class ControlAnswer(BaseModel):
    action: str
    message: str


class RangeEdit(_Body):
    low: int | float | None = None
    high: int | float | None = None
    log: bool | None = None
    step: int | float | None = None


class RangesBody(_Body):
    ranges: dict[str, RangeEdit] = Field(min_length=1,
                                         description="parameter name -> what changes")


class RangesAnswer(BaseModel):
    changed: list[str]
    message: str


class NoteBody(_Body):
    text: str = Field(min_length=1)


class TrialNoteBody(NoteBody):
    trial_number: int | None = Field(default=None, ge=0, le=MAX_ID)


class NoteAnswer(BaseModel):
    id: int
    experiment_id: int
    run_id: int | None
    trial_number: int | None
    text: str


class EventQuery(_Body):
    after: int = Field(default=0, ge=0, le=MAX_CURSOR,
                       description="the cursor: the last event id already read")
    limit: int = Field(default=1000, ge=1, le=10000)


class TrialQuery(_Body):
    after: int = Field(default=-1, ge=-1, le=MAX_ID,
                       description="the cursor: the last trial number already read")
    limit: int = Field(default=1000, ge=1, le=10000)


class TrialRecord(BaseModel):
    number: int
    state: str
    values: list[float] | None
    params: dict[str, Any] | None
    user_attrs: dict[str, Any] | None
    started_at: datetime | None
    finished_at: datetime | None
    duration_s: float | None


class TrialPage(BaseModel):
    trials: list[TrialRecord]
    cursor: int = Field(description="pass as `after` to read the trials numbered after these")


class EventRecord(BaseModel):
    id: int
    trial_number: int | None
    kind: str
    step: int | None
    metrics: dict[str, Any] | None
    worker: str | None
    created_at: datetime


class EventPage(BaseModel):
    events: list[EventRecord]
    cursor: int = Field(description="pass as `after` to read what comes next")


class AttachBody(_Body):
    storage: str = Field(min_length=1)
    studies: list[str] = Field(default_factory=list)
    follow: bool = True
