"""`POST /api/v1/experiments/<id>/attached-studies`: attach Optuna studies, as on the
experiment page (owners; files on the server for admins or from the allowed folders).

Body: ``{"storage": "postgresql://...", "studies": ["name", ...], "follow": true}``;
answers 201 with the new runs ``{"runs": [{"id", "study", "url"}]}``. The registry checks
the owner role and the body (``AttachBody``) before this runs.
"""

from __future__ import annotations

from flask import Response, jsonify

from dashapp import services
from dashapp.api.auth import api_principal
from dashapp.api.registry import Call
from dashapp.api.responses import API_PREFIX, ApiProblem
from dashapp.paths import app_path
from optunagui.attach import AttachError, ReaderCache, attach_studies, parse_source, poll_run
from optunagui.attach.policy import refusal

__all__ = ["attach_studies_to_experiment"]


def attach_studies_to_experiment(call: Call) -> tuple[Response, int]:
    """Attach Optuna studies to the experiment (owners; server files for admins or from the
    allowed folders)."""
    experiment_id = call.ids["experiment_id"]
    storage, studies, follow = call.body.storage, call.body.studies, call.body.follow
    settings = services.state().settings
    try:
        source = parse_source(storage)
    except ValueError as error:
        raise ApiProblem(400, str(error)) from None
    principal = api_principal()
    problem = refusal(source, is_admin=principal.is_admin, attach_dirs=settings.attach_dirs)
    if problem is not None:
        raise ApiProblem(403, problem)
    db = services.database()
    try:
        attached = attach_studies(db, storage=storage, studies=studies,
                                  experiment_id=experiment_id, user_id=principal.user_id,
                                  database_url=settings.database_url, follow=follow,
                                  mirror_now=not follow)
    except AttachError as error:
        raise ApiProblem(400, str(error)) from None
    readers = ReaderCache()
    try:
        for run in attached if follow else []:
            poll_run(db, run.run_id, readers, max_chunks=1)
    finally:
        readers.close()
    runs = [{"id": run.run_id, "study": run.study, "url": app_path(f"/runs/{run.run_id}"),
             "api": app_path(f"{API_PREFIX}/runs/{run.run_id}")} for run in attached]
    return jsonify(runs=runs), 201
