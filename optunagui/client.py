"""A Python client of the OptunaGui REST API (``/api/v1``), for scripts and the command line::

    from optunagui.client import Client

    client = Client("http://tuning.example:8050", token="ogt_...")
    experiment = client.create_experiment("churn")
    run = client.launch(experiment["id"], spec)
    for event in client.iter_events(run["id"]):
        ...

Every refusal raises `ApiError` with the server's status and message (and, for a body or a
spec with problems, each problem by field).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypedDict, cast

__all__ = ["ApiError", "Client", "ControlAnswer", "EventPage", "Experiment", "LaunchedRun",
           "Member", "RunRecord", "SpecCheck", "TrialPage"]

Role = Literal["owner", "editor", "viewer"]


class ApiError(Exception):
    """The server refused a request: ``status`` (0 when it could not be reached), its
    ``message``, and ``problems`` (``[{"field", "message"}]``) when it named several."""

    def __init__(self, status: int, message: str,
                 problems: list[dict[str, str]] | None = None) -> None:
        self.status, self.message, self.problems = status, message, problems or []
        details = "".join(f"\n  {p['field']}: {p['message']}" for p in self.problems)
        super().__init__(f"{message} (HTTP {status})" + details if status else message)


class Experiment(TypedDict):
    id: int
    name: str
    role: str | None
    url: str


class Member(TypedDict):
    user_id: int
    username: str
    role: str
    is_active: bool


class LaunchedRun(TypedDict):
    id: int
    name: str
    status: str
    url: str
    api: str
    start_error: str | None


class SpecCheck(TypedDict):
    valid: bool
    problems: list[dict[str, str]]
    spec: dict[str, Any] | None


class RunRecord(TypedDict):
    id: int
    name: str
    experiment_id: int
    status: str
    model: str | None
    best_value: float | None
    created_at: str
    url: str


class EventPage(TypedDict):
    events: list[dict[str, Any]]
    cursor: int


class TrialPage(TypedDict):
    trials: list[dict[str, Any]]
    cursor: int


class ControlAnswer(TypedDict):
    action: str
    message: str


class Client:
    """Args:
        url: the server, e.g. ``http://127.0.0.1:8050`` (``/api/v1`` is added).
        token: a personal API token (Account page); read-write to change anything.
        timeout: seconds to wait for each answer.
    """

    def __init__(self, url: str, token: str, *, timeout: float = 30.0) -> None:
        self.base = url.rstrip("/") + "/api/v1"
        self.token = token
        self.timeout = timeout

    def _request(self, method: str, path: str, body: Any = None, *,
                 query: Mapping[str, Any] | None = None,
                 idempotency_key: str | None = None) -> Any:
        wanted = {k: v.isoformat() if isinstance(v, datetime) else v
                  for k, v in (query or {}).items() if v is not None}
        url = self.base + path + (f"?{urllib.parse.urlencode(wanted)}" if wanted else "")
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raise _api_error(error) from None
        except (urllib.error.URLError, OSError) as error:
            raise ApiError(0, f"cannot reach {self.base}: {error}") from None

    # experiments and members
    def experiments(self) -> list[Experiment]:
        return cast(list[Experiment], self._request("GET", "/experiments")["experiments"])

    def create_experiment(self, name: str, *, idempotency_key: str | None = None
                          ) -> Experiment:
        return cast(Experiment, self._request("POST", "/experiments", {"name": name},
                                              idempotency_key=idempotency_key))

    def rename_experiment(self, experiment_id: int, name: str) -> Experiment:
        return cast(Experiment, self._request("POST", f"/experiments/{experiment_id}/name",
                                              {"name": name}))

    def members(self, experiment_id: int) -> list[Member]:
        answer = self._request("GET", f"/experiments/{experiment_id}/members")
        return cast(list[Member], answer["members"])

    def set_member(self, experiment_id: int, username: str, role: Role) -> list[Member]:
        answer = self._request("POST", f"/experiments/{experiment_id}/members",
                               {"username": username, "role": role})
        return cast(list[Member], answer["members"])

    def remove_member(self, experiment_id: int, user_id: int) -> str:
        answer = self._request("DELETE", f"/experiments/{experiment_id}/members/{user_id}")
        return str(answer["message"])

    def add_experiment_note(self, experiment_id: int, text: str) -> dict[str, Any]:
        return dict(self._request("POST", f"/experiments/{experiment_id}/notes",
                                  {"text": text}))

    # specs and runs
    def validate_spec(self, spec: Mapping[str, Any]) -> SpecCheck:
        return cast(SpecCheck, self._request("POST", "/specs/validate", {"spec": dict(spec)}))

    def suggest(self, spec: Mapping[str, Any], *, params: list[str] | None = None,
                warm_start: int | None = None) -> dict[str, Any]:
        """Starting ranges for ``spec`` from the earlier runs you may read (all suggestions,
        and the spec with those of ``params`` taken, all by default); ``warm_start``: also the
        best that many configurations of those runs, put in the answer's spec."""
        body: dict[str, Any] = {"spec": dict(spec), "params": params}
        if warm_start is not None:
            body["warm_start"] = warm_start
        return dict(self._request("POST", "/suggest", body))

    def similar(self, spec: Mapping[str, Any] | None = None, *, run_id: int | None = None,
                limit: int | None = None) -> dict[str, Any]:
        """The earlier runs you may read most like ``spec`` (or like the run ``run_id``), its
        near-duplicates and the ranges and choices none of them searched."""
        body: dict[str, Any] = {"spec": dict(spec)} if spec is not None else {"run_id": run_id}
        if limit is not None:
            body["limit"] = limit
        return dict(self._request("POST", "/similar", body))

    def launch(self, experiment_id: int, spec: Mapping[str, Any], *,
               dataset_version_id: int | None = None, launch_anyway: bool = False,
               idempotency_key: str | None = None) -> LaunchedRun:
        """Create a run from ``spec`` and start it; raises ApiError listing every problem of
        a spec that does not validate, and (409) the earlier runs it nearly duplicates.

        Args:
            dataset_version_id: run on an uploaded dataset (`upload_dataset`); the spec's
                ``dataset`` then needs only its ``target``.
            launch_anyway: launch even when the spec nearly duplicates an earlier run.
        """
        body: dict[str, Any] = {"spec": dict(spec)}
        if dataset_version_id is not None:
            body["dataset_version_id"] = dataset_version_id
        if launch_anyway:
            body["launch_anyway"] = True
        return cast(LaunchedRun, self._request("POST", f"/experiments/{experiment_id}/runs",
                                               body, idempotency_key=idempotency_key))

    def upload_dataset(self, experiment_id: int, path: str | Path, *,
                       idempotency_key: str | None = None) -> dict[str, Any]:
        """Upload a CSV or Parquet file; the answer's ``id`` is its dataset version."""
        file = Path(path)
        body = {"filename": file.name,
                "content_base64": base64.b64encode(file.read_bytes()).decode("ascii")}
        return dict(self._request("POST", f"/experiments/{experiment_id}/datasets", body,
                                  idempotency_key=idempotency_key))

    def replay(self, run_id: int) -> LaunchedRun:
        """A new run with the run's exact settings, started at once."""
        return cast(LaunchedRun, self._request("POST", f"/runs/{run_id}/replay"))

    def train_best(self, run_id: int) -> dict[str, Any]:
        """Start training the best trial's model (see `training`)."""
        return dict(self._request("POST", f"/runs/{run_id}/train-best"))

    def training(self, run_id: int) -> dict[str, Any]:
        """How the run's last training went: ``status`` none, running, done or failed."""
        return dict(self._request("GET", f"/runs/{run_id}/train-best"))

    # feature selection: each call answers ``status`` (none, running, done, failed or busy),
    # ``message`` and, once done, ``result``
    def start_feature_recommendations(self, run_id: int) -> dict[str, Any]:
        """Start computing which input columns the run could drop (see the next method)."""
        return dict(self._request("POST", f"/runs/{run_id}/feature-recommendations"))

    def feature_recommendations(self, run_id: int) -> dict[str, Any]:
        """The run's feature recommendations, each column with its evidence, once done."""
        return dict(self._request("GET", f"/runs/{run_id}/feature-recommendations"))

    def start_experiment_feature_recommendations(self, experiment_id: int) -> dict[str, Any]:
        return dict(self._request(
            "POST", f"/experiments/{experiment_id}/feature-recommendations"))

    def experiment_feature_recommendations(self, experiment_id: int) -> dict[str, Any]:
        """The recommendations of the experiment's runs on one dataset, joined."""
        return dict(self._request(
            "GET", f"/experiments/{experiment_id}/feature-recommendations"))

    def start_feature_ablation(self, run_id: int, drop: list[str], *, n_seeds: int = 2
                               ) -> dict[str, Any]:
        """Start re-evaluating the best configuration with and without ``drop`` (e.g. the
        recommendations' ``drop`` list); see `feature_ablation`."""
        body = {"drop": list(drop), "n_seeds": n_seeds}
        return dict(self._request("POST", f"/runs/{run_id}/feature-ablation", body))

    def feature_ablation(self, run_id: int) -> dict[str, Any]:
        """The run's newest test of dropping columns: the paired comparison and its verdict."""
        return dict(self._request("GET", f"/runs/{run_id}/feature-ablation"))

    def runs(self, *, experiment_id: int | None = None, status: str | None = None,
             model: str | None = None, created_after: datetime | str | None = None,
             limit: int = 100) -> list[RunRecord]:
        query = {"experiment_id": experiment_id, "status": status, "model": model,
                 "created_after": created_after, "limit": limit}
        return cast(list[RunRecord], self._request("GET", "/runs", query=query)["runs"])

    def run(self, run_id: int) -> dict[str, Any]:
        """Status, trial counts by state and the best trial."""
        return dict(self._request("GET", f"/runs/{run_id}"))

    def best(self, run_id: int) -> dict[str, Any]:
        """The best trial: its number, parameters and metrics."""
        return dict(self._request("GET", f"/runs/{run_id}/best-params"))

    def events(self, run_id: int, *, after: int = 0, limit: int = 1000) -> EventPage:
        return cast(EventPage, self._request("GET", f"/runs/{run_id}/events",
                                             query={"after": after, "limit": limit}))

    def trials(self, run_id: int, *, after: int = -1, limit: int = 1000) -> TrialPage:
        """The run's trials numbered after ``after``, by number, as JSON."""
        return cast(TrialPage, self._request("GET", f"/runs/{run_id}/trial-rows",
                                             query={"after": after, "limit": limit}))

    def iter_events(self, run_id: int, *, after: int = 0) -> Iterator[dict[str, Any]]:
        """Every event after the cursor ``after`` that is there now, page by page."""
        while True:
            page = self.events(run_id, after=after)
            yield from page["events"]
            if not page["events"]:
                return
            after = page["cursor"]

    def pause(self, run_id: int) -> ControlAnswer:
        return cast(ControlAnswer, self._request("POST", f"/runs/{run_id}/pause"))

    def resume(self, run_id: int) -> ControlAnswer:
        return cast(ControlAnswer, self._request("POST", f"/runs/{run_id}/resume"))

    def stop(self, run_id: int) -> ControlAnswer:
        return cast(ControlAnswer, self._request("POST", f"/runs/{run_id}/stop"))

    def adjust_ranges(self, run_id: int, ranges: Mapping[str, Mapping[str, Any]]
                      ) -> dict[str, Any]:
        """New ``{"low", "high", "log", "step"}`` for numeric parameters, by name."""
        return dict(self._request("POST", f"/runs/{run_id}/ranges",
                                  {"ranges": {k: dict(v) for k, v in ranges.items()}}))

    def add_run_note(self, run_id: int, text: str, *, trial_number: int | None = None
                     ) -> dict[str, Any]:
        return dict(self._request("POST", f"/runs/{run_id}/notes",
                                  {"text": text, "trial_number": trial_number}))

    # alerts
    def alert_rules(self, experiment_id: int) -> list[dict[str, Any]]:
        answer = self._request("GET", f"/experiments/{experiment_id}/alert-rules")
        return list(answer["rules"])

    def create_alert_rule(self, experiment_id: int, name: str, kind: str,
                          params: Mapping[str, Any], *, run_id: int | None = None,
                          subscribers: list[int] | None = None,
                          webhook: Mapping[str, str] | None = None,
                          channels: list[str] | None = None,
                          idempotency_key: str | None = None) -> dict[str, Any]:
        """A rule on the experiment (or one of its runs), e.g. ``kind="metric_threshold"``,
        ``params={"metric": "roc_auc", "op": ">", "value": 0.97}``; with ``webhook={"url":
        ..., "format": "json" | "slack"}`` each alert is also posted there (the answer's
        ``webhook_secret`` signs it, given only now); ``channels`` may add ``"email"`` (to
        subscribers with an address). Raises ApiError naming each problem of a bad rule."""
        body: dict[str, Any] = {"name": name, "kind": kind, "params": dict(params)}
        if channels is not None:
            body["channels"] = channels
        if webhook is not None:
            body["webhook"] = dict(webhook)
        if run_id is not None:
            body["run_id"] = run_id
        if subscribers is not None:
            body["subscribers"] = subscribers
        return dict(self._request("POST", f"/experiments/{experiment_id}/alert-rules", body,
                                  idempotency_key=idempotency_key))

    def delete_alert_rule(self, experiment_id: int, rule_id: int) -> str:
        answer = self._request("DELETE", f"/experiments/{experiment_id}/alert-rules/{rule_id}")
        return str(answer["message"])

    def alerts(self, *, unread_only: bool = False, after: int = 0, limit: int = 50
               ) -> dict[str, Any]:
        """Your inbox: ``alerts`` (newest first, each with ``id`` and ``read``) and ``unread``."""
        query = {"unread_only": "true" if unread_only else None, "after": after,
                 "limit": limit}
        return dict(self._request("GET", "/alerts", query=query))

    def account(self) -> dict[str, Any]:
        """Your ``username``, ``is_admin`` and ``email``."""
        return dict(self._request("GET", "/account"))

    def set_email(self, email: str) -> dict[str, Any]:
        """Where your alert emails go (an empty string removes it); your account after it."""
        return dict(self._request("POST", "/account/email", {"email": email}))

    def mark_alerts_read(self, ids: list[int] | None = None, *, read: bool = True) -> int:
        """Mark inbox entries read (every one when ``ids`` is None); how many changed."""
        body: dict[str, Any] = {"all": True} if ids is None else {"ids": ids}
        body["read"] = read
        return int(self._request("POST", "/alerts/read", body)["changed"])


def _api_error(error: urllib.error.HTTPError) -> ApiError:
    try:
        document = json.loads(error.read() or b"{}")
    except ValueError:
        document = {}
    if not isinstance(document, dict):
        document = {}
    message = str(document.get("error") or error.reason or "the server refused the request")
    problems = document.get("problems")
    return ApiError(error.code, message, problems if isinstance(problems, list) else None)
