"""The MLflow calls a sync pass makes, on ``MlflowClient``, every write batched.

A tracker that is down must fail fast: MLflow's own HTTP retries (7, doubling, for minutes)
are cut to one retry and a 10 s timeout unless the environment sets them; the sync pass does
its own backoff across passes. Ending a run does not print (and fetch) its URL.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optunagui.tracking.payload import MetricPoint
from optunagui.tracking.targets import MlflowTarget

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

__all__ = ["PARENT_TAG", "RUN_ID_TAG", "TRIAL_TAG", "MlflowRuns", "mlflow_status"]

RUN_ID_TAG = "optunagui.run_id"
STUDY_TAG = "optunagui.study_name"
TRIAL_TAG = "optunagui.trial_number"
PARENT_TAG = "mlflow.parentRunId"
_STATUS = {"complete": "FINISHED", "pruned": "KILLED", "failed": "FAILED",
           "completed": "FINISHED", "stopped": "KILLED"}
_CLIENT_DEFAULTS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1",
                    "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
                    "MLFLOW_HTTP_REQUEST_TIMEOUT": "10",
                    "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true"}
_CLIENTS: dict[str, MlflowClient] = {}


def mlflow_status(state: str) -> str:
    """MLflow's run status for a trial state or a run status."""
    return _STATUS.get(state, "FINISHED")


def _client(uri: str) -> MlflowClient:
    if uri not in _CLIENTS:
        for name, value in _CLIENT_DEFAULTS.items():
            os.environ.setdefault(name, value)
        from mlflow.tracking import MlflowClient

        _CLIENTS[uri] = MlflowClient(tracking_uri=uri)
    return _CLIENTS[uri]


def local_artifact_root(tracking_uri: str) -> str | None:
    """Beside a SQLite tracking store, ``mlartifacts/`` next to its file (MLflow's own default,
    ``./mlruns``, would land wherever the driver happens to run); None for a server."""
    if not tracking_uri.startswith("sqlite:///"):
        return None
    database = tracking_uri.removeprefix("sqlite:///").split("?")[0]
    if not database or database == ":memory:":
        return None
    return (Path(database).expanduser().resolve().parent / "mlartifacts").as_uri()


class MlflowRuns:
    """One MLflow experiment's parent and child runs for the product's runs."""

    def __init__(self, target: MlflowTarget) -> None:
        self.target = target
        self.client = _client(target.tracking_uri)

    def experiment_id(self) -> str:
        experiment = self.client.get_experiment_by_name(self.target.experiment_name)
        if experiment is not None:
            return str(experiment.experiment_id)
        return str(self.client.create_experiment(
            self.target.experiment_name, artifact_location=local_artifact_root(
                self.target.tracking_uri)))

    def find_parent(self, experiment_id: str, run_id: int, study_name: str) -> str | None:
        """A parent an earlier, interrupted pass created for this run."""
        found = self.client.search_runs(
            [experiment_id], filter_string=f"tags.`{RUN_ID_TAG}` = '{run_id}' and "
            f"tags.`{STUDY_TAG}` = '{study_name}'", max_results=5)
        parents = [r for r in found if PARENT_TAG not in r.data.tags]
        return parents[0].info.run_id if parents else None

    def find_children(self, experiment_id: str, parent_id: str) -> dict[int, str]:
        """The parent's child runs already in MLflow, by trial number."""
        children: dict[int, str] = {}
        token: str | None = None
        while True:
            page = self.client.search_runs(
                [experiment_id], filter_string=f"tags.`{PARENT_TAG}` = '{parent_id}'",
                max_results=1000, page_token=token)
            for run in page:
                number = run.data.tags.get(TRIAL_TAG)
                if number is not None and number.isdigit():
                    children.setdefault(int(number), run.info.run_id)
            token = page.token
            if not token:
                return children

    def create_parent(self, experiment_id: str, run_id: int, study_name: str, name: str,
                      start_ms: int | None) -> str:
        run = self.client.create_run(experiment_id, start_time=start_ms, run_name=name,
                                     tags={RUN_ID_TAG: str(run_id), STUDY_TAG: study_name})
        return str(run.info.run_id)

    def describe_parent(self, parent_id: str, spec: Mapping[str, Any], params: Mapping[str, str],
                        tags: Mapping[str, str]) -> None:
        """The spec as params and as ``optunagui/spec.json``, and the parent's tags."""
        self.log(parent_id, params=params, tags=tags)
        self.client.log_text(parent_id, json.dumps(spec, indent=2, default=str),
                             "optunagui/spec.json")

    def create_child(self, experiment_id: str, parent_id: str, run_id: int, number: int,
                     start_ms: int | None) -> str:
        run = self.client.create_run(
            experiment_id, start_time=start_ms, run_name=f"trial-{number}",
            tags={PARENT_TAG: parent_id, RUN_ID_TAG: str(run_id), TRIAL_TAG: str(number)})
        return str(run.info.run_id)

    def log(self, mlflow_run_id: str, *, metrics: Sequence[MetricPoint] = (),
            params: Mapping[str, str] | None = None, tags: Mapping[str, str] | None = None
            ) -> None:
        """Everything in as few ``log_batch`` calls as MLflow's limits allow."""
        from mlflow.entities import Metric, Param, RunTag
        from mlflow.utils.validation import (
            MAX_ENTITIES_PER_BATCH,
            MAX_METRICS_PER_BATCH,
            MAX_PARAMS_TAGS_PER_BATCH,
        )

        metric_rows = [Metric(m.key, m.value, m.timestamp_ms, m.step) for m in metrics]
        param_rows = [Param(k, v) for k, v in (params or {}).items()]
        tag_rows = [RunTag(k, v) for k, v in (tags or {}).items()]
        while metric_rows or param_rows or tag_rows:
            batch_params = param_rows[:MAX_PARAMS_TAGS_PER_BATCH]
            batch_tags = tag_rows[:MAX_PARAMS_TAGS_PER_BATCH - len(batch_params)]
            room = min(MAX_METRICS_PER_BATCH,
                       MAX_ENTITIES_PER_BATCH - len(batch_params) - len(batch_tags))
            batch_metrics = metric_rows[:room]
            self.client.log_batch(mlflow_run_id, metrics=batch_metrics, params=batch_params,
                                  tags=batch_tags, synchronous=True)
            param_rows = param_rows[len(batch_params):]
            tag_rows = tag_rows[len(batch_tags):]
            metric_rows = metric_rows[len(batch_metrics):]

    def end(self, mlflow_run_id: str, state: str, end_ms: int | None) -> None:
        self.client.set_terminated(mlflow_run_id, status=mlflow_status(state), end_time=end_ms)
