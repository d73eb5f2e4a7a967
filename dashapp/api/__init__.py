"""The REST API for scripts: `/api/v1/...`, authenticated by a personal API token.

Send ``Authorization: Bearer ogt_...`` (tokens are made under *Account*). The token's user
gets the same role on each experiment as in the dashboard: viewers read runs, their reports
and exports. A run or experiment the user may not read is answered 404, the same as one that
does not exist. Errors are JSON ``{"error": "..."}`` naming what is wrong.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, Response, g, jsonify, request, send_file

from dashapp import access, services
from dashapp.permissions import Principal, Role
from optunagui.exports import ExportError, best_params_document, spec_yaml, trials_bytes
from optunagui.reports import (
    PdfError,
    build_experiment_report,
    build_run_report,
    html_to_pdf,
)
from optunagui.store import accounts, count_trials_by_state, get_run, get_user
from optunagui.store.models import list_model_versions
from optunagui.training import package_zip

__all__ = ["API_PREFIX", "blueprint"]

API_PREFIX = "/api/v1"
blueprint = Blueprint("api", __name__, url_prefix=API_PREFIX)
REPORT_FORMATS = ("html", "pdf")
MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf",
         "csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


class ApiProblem(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@blueprint.errorhandler(ApiProblem)
def _problem(error: ApiProblem) -> tuple[Response, int]:
    return jsonify(error=str(error)), error.status


@blueprint.before_request
def _authenticate() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise ApiProblem(401, "Send a personal API token: 'Authorization: Bearer <token>' "
                              "(create one under Account).")
    with services.database().session() as session:
        token = accounts.resolve_api_token(session, raw.strip())
        user = get_user(session, token.user_id) if token is not None else None
        if token is None or user is None:
            raise ApiProblem(401, "The API token is unknown, expired or revoked.")
        g.api_principal = Principal(user_id=user.id, name=user.username,
                                    is_admin=user.is_admin)


def _role_on(experiment_id: int) -> Role | None:
    return access.role_on_experiment(g.api_principal, experiment_id)


def _readable_run(run_id: int) -> Any:
    if access.role_on_run(g.api_principal, run_id) is None:
        raise ApiProblem(404, f"run {run_id}: no such run, or no access to it")
    with services.database().session() as session:
        return get_run(session, run_id)


def _report_format() -> str:
    fmt = request.args.get("format", "html")
    if fmt not in REPORT_FORMATS:
        raise ApiProblem(400, f"format: expected one of {', '.join(REPORT_FORMATS)}, got {fmt!r}")
    return fmt


def _report_response(page: str, fmt: str, name: str) -> Response:
    if fmt == "html":
        data = page.encode("utf-8")
    else:
        try:
            data = html_to_pdf(page)
        except PdfError as error:
            raise ApiProblem(503, str(error)) from None
    return send_file(io.BytesIO(data), mimetype=MEDIA[fmt], as_attachment=True,
                     download_name=f"{name}.{fmt}")


@blueprint.get("/runs/<int:run_id>")
def run_summary(run_id: int) -> Response:
    run = _readable_run(run_id)
    with services.database().session() as session:
        counts = count_trials_by_state(session, run_id)
        try:
            best = best_params_document(session, run_id)
        except ExportError:
            best = None
    return jsonify(id=run.id, name=run.name, experiment_id=run.experiment_id,
                   status=run.status, study_name=run.study_name, trials=counts, best=best)


@blueprint.get("/runs/<int:run_id>/report")
def run_report(run_id: int) -> Response:
    _readable_run(run_id)
    fmt = _report_format()
    with services.database().session() as session:
        page = build_run_report(session, run_id, services.state().settings)
    return _report_response(page, fmt, f"run-{run_id}-report")


@blueprint.get("/runs/<int:run_id>/best-params")
def run_best_params(run_id: int) -> Response:
    _readable_run(run_id)
    with services.database().session() as session:
        try:
            return jsonify(best_params_document(session, run_id))
        except ExportError as error:
            raise ApiProblem(409, str(error)) from None


@blueprint.get("/runs/<int:run_id>/spec")
def run_spec(run_id: int) -> Response:
    _readable_run(run_id)
    with services.database().session() as session:
        try:
            text = spec_yaml(session, run_id, services.state().settings)
        except ExportError as error:
            raise ApiProblem(409, str(error)) from None
    return Response(text, mimetype="application/yaml")


@blueprint.get("/runs/<int:run_id>/trials")
def run_trials(run_id: int) -> Response:
    _readable_run(run_id)
    fmt = request.args.get("format", "csv")
    with services.database().session() as session:
        try:
            data = trials_bytes(session, run_id, fmt)
        except ExportError as error:
            raise ApiProblem(400, str(error)) from None
    return send_file(io.BytesIO(data), mimetype=MEDIA[fmt], as_attachment=True,
                     download_name=f"run-{run_id}-trials.{fmt}")


@blueprint.get("/runs/<int:run_id>/models")
def run_models(run_id: int) -> Response:
    _readable_run(run_id)
    with services.database().session() as session:
        rows = list_model_versions(session, run_id)
        versions = [{"version": r.version, "trial_number": r.trial_number,
                     "test_scores": r.metrics, "created_at": r.created_at.isoformat(),
                     "package": f"{API_PREFIX}/runs/{run_id}/models/{r.version}/package"}
                    for r in rows]
    return jsonify(versions)


@blueprint.get("/runs/<int:run_id>/models/<int:version>/package")
def run_model_package(run_id: int, version: int) -> Response:
    _readable_run(run_id)
    data = package_zip(services.database(), services.state().settings, run_id, version)
    if data is None:
        raise ApiProblem(404, f"run {run_id} has no package for model version {version}")
    return send_file(io.BytesIO(data), mimetype="application/zip",
                     as_attachment=True, download_name=f"run-{run_id}-model-v{version}.zip")


@blueprint.get("/experiments/<int:experiment_id>/report")
def experiment_report(experiment_id: int) -> Response:
    if _role_on(experiment_id) is None:
        raise ApiProblem(404, f"experiment {experiment_id}: no such experiment, or no access "
                              "to it")
    fmt = _report_format()
    with services.database().session() as session:
        page = build_experiment_report(session, experiment_id)
    return _report_response(page, fmt, f"experiment-{experiment_id}-report")
