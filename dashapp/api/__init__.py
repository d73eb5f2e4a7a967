"""The REST API for scripts: `/api/v1/...`, authenticated by a personal API token.

Send ``Authorization: Bearer ogt_...`` (tokens are made under *Account*, read-only or
read-write). The token's user gets the same role on each experiment as in the dashboard. A run
or experiment the user may not read is answered 404, the same as one that does not exist.
Errors are JSON ``{"error": "...", "problems": [{"field", "message"}]}`` naming what is wrong.

Every endpoint is declared once in ``endpoints`` (``registry`` says what a declaration holds);
``dispatch`` builds the blueprint from them and ``openapi`` the document served at
``/api/v1/openapi.json`` (drawn as a page at ``/api/v1/docs``).
"""

from __future__ import annotations

from dashapp.api.dispatch import build_blueprint
from dashapp.api.endpoints import ENDPOINTS
from dashapp.api.responses import API_PREFIX

__all__ = ["API_PREFIX", "ENDPOINTS", "blueprint"]

blueprint = build_blueprint(ENDPOINTS)
