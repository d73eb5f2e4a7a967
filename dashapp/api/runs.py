"""`/api/v1/runs/<id>/...`: a run's summary, report, best parameters, spec, trials and models."""

from __future__ import annotations

from flask import Response, jsonify, request

from dashapp import services
from dashapp.api.auth import readable_run
from dashapp.api.registry import Call
from dashapp.api.responses import (
    API_PREFIX,
    ApiProblem,
    file_response,
    report_format,
    report_response,
)
from optunagui.exports import ExportError, best_params_document, spec_yaml, trials_bytes
from optunagui.reports import build_run_report
from optunagui.store import count_trials_by_state
from optunagui.store.models import list_model_versions
from optunagui.training import package_zip

__all__ = [
    "run_best_params",
    "run_model_package",
    "run_models",
    "run_report",
    "run_spec",
    "run_summary",
    "run_trials",
]


def run_summary(call: Call) -> Response:
    run_id = call.run_id
    run = readable_run(run_id)
    with services.database().session() as session:
        counts = count_trials_by_state(session, run_id)
        try:
            best = best_params_document(session, run_id)
        except ExportError:
            best = None
    return jsonify(id=run.id, name=run.name, experiment_id=run.experiment_id,
                   status=run.status, study_name=run.study_name, trials=counts, best=best)


def run_report(call: Call) -> Response:
    run_id = call.run_id
    readable_run(run_id)
    fmt = report_format()
    with services.database().session() as session:
        page = build_run_report(session, run_id, services.state().settings)
    return report_response(page, fmt, f"run-{run_id}-report")


def run_best_params(call: Call) -> Response:
    run_id = call.run_id
    readable_run(run_id)
    with services.database().session() as session:
        try:
            return jsonify(best_params_document(session, run_id))
        except ExportError as error:
            raise ApiProblem(409, str(error)) from None


def run_spec(call: Call) -> Response:
    run_id = call.run_id
    readable_run(run_id)
    with services.database().session() as session:
        try:
            text = spec_yaml(session, run_id, services.state().settings)
        except ExportError as error:
            raise ApiProblem(409, str(error)) from None
    return Response(text, mimetype="application/yaml")


def run_trials(call: Call) -> Response:
    run_id = call.run_id
    readable_run(run_id)
    fmt = request.args.get("format", "csv")
    with services.database().session() as session:
        try:
            data = trials_bytes(session, run_id, fmt)
        except ExportError as error:
            raise ApiProblem(400, str(error)) from None
    return file_response(data, fmt, f"run-{run_id}-trials.{fmt}")


def run_models(call: Call) -> Response:
    run_id = call.run_id
    readable_run(run_id)
    with services.database().session() as session:
        rows = list_model_versions(session, run_id)
        versions = [{"version": r.version, "trial_number": r.trial_number,
                     "test_scores": r.metrics, "created_at": r.created_at.isoformat(),
                     "package": f"{API_PREFIX}/runs/{run_id}/models/{r.version}/package"}
                    for r in rows]
    return jsonify(versions)


def run_model_package(call: Call) -> Response:
    run_id, version = call.run_id, call.ids["version"]
    readable_run(run_id)
    data = package_zip(services.database(), services.state().settings, run_id, version)
    if data is None:
        raise ApiProblem(404, f"run {run_id} has no package for model version {version}")
    return file_response(data, "zip", f"run-{run_id}-model-v{version}.zip")
