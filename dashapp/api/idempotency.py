"""``Idempotency-Key`` on POST (and DELETE): the same key from the same user on the same path
answers the first answer again, and does nothing twice. The answers are kept in the database
(``optunagui.store.idempotency``), so a retry after a server restart is recognised too."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import Response, jsonify, request

from dashapp import services
from dashapp.api.responses import ApiProblem
from optunagui.store.idempotency import MAX_KEY_LENGTH, claim_key, record_answer, release_key

__all__ = ["HEADER", "REPLAY_HEADER", "once"]

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"


def _key() -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ApiProblem(400, f"{HEADER}: 1 to {MAX_KEY_LENGTH} printable characters")
    return key


def _replayed(status: int, answer: object) -> Response:
    response = jsonify(answer)
    response.status_code = status
    response.headers[REPLAY_HEADER] = "true"
    return response


def once(user_id: int, answer: Callable[[], Response]) -> Response:
    """``answer()``, unless this user already sent this request's key to this path."""
    key = _key()
    if key is None:
        return answer()
    path, digest = request.path, hashlib.sha256(request.get_data()).hexdigest()
    with services.database().session() as session:
        kept = claim_key(session, user_id, key, path, digest)
    if kept is not None:
        if kept.body_digest != digest:
            raise ApiProblem(422, f"{HEADER} {key!r} was already used on {path} with another "
                                  "body; use a new key for a new request")
        if kept.status is None:
            raise ApiProblem(409, f"{HEADER} {key!r}: the first request with this key is "
                                  "still being worked on; try again shortly")
        return _replayed(kept.status, kept.answer)
    try:
        response = answer()
    except ApiProblem as problem:
        _keep(user_id, key, path, problem.status, problem.document())
        raise
    except Exception:
        with services.database().session() as session:
            release_key(session, user_id, key, path)
        raise
    _keep(user_id, key, path, response.status_code, response.get_json(silent=True))
    return response


def _keep(user_id: int, key: str, path: str, status: int, answer: object) -> None:
    with services.database().session() as session:
        record_answer(session, user_id, key, path, status, answer)
