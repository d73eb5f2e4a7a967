"""`POST /api/v1/experiments/<id>/attached-studies`: attach Optuna studies, as on the
experiment page (owners; files on the server for admins or from the allowed folders).

Body: ``{"storage": "postgresql://...", "studies": ["name", ...], "follow": true}``;
answers 201 with the new runs ``{"runs": [{"id", "study", "url"}]}``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from dashapp import services
from dashapp.api.auth import api_principal, owned_experiment
from dashapp.api.registry import Call
from dashapp.api.responses import API_PREFIX, ApiProblem
from optunagui.attach import AttachError, ReaderCache, attach_studies, parse_source, poll_run
from optunagui.attach.policy import refusal

__all__ = ["attach_studies_to_experiment"]


def _body() -> tuple[str, list[str], bool]:
    body: Any = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiProblem(400, 'send a JSON object: {"storage": "...", "studies": ["..."], '
                              '"follow": true}')
    storage, studies, follow = body.get("storage"), body.get("studies", []), body.get("follow",
                                                                                       True)
    if not isinstance(storage, str) or not storage.strip():
        raise ApiProblem(400, "storage: the study's storage URL or journal file, as a string")
    if not isinstance(studies, list) or not all(isinstance(s, str) for s in studies):
        raise ApiProblem(400, "studies: a list of study names (empty: the storage's only one)")
    if not isinstance(follow, bool):
        raise ApiProblem(400, "follow: true or false")
    return storage, studies, follow


def attach_studies_to_experiment(call: Call) -> tuple[Response, int]:
    """Attach Optuna studies to the experiment (owners; server files for admins or from the
    allowed folders)."""
    experiment_id = call.ids["experiment_id"]
    owned_experiment(experiment_id)
    storage, studies, follow = _body()
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
    runs = [{"id": run.run_id, "study": run.study, "url": f"/runs/{run.run_id}",
             "api": f"{API_PREFIX}/runs/{run.run_id}"} for run in attached]
    return jsonify(runs=runs), 201
