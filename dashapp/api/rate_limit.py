"""Each API token may send so many requests per period (``limits``' moving window, kept in
memory per server process); one more is answered 429 with when to try again."""

from __future__ import annotations

import time

from flask import current_app
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from dashapp.api.responses import ApiProblem

__all__ = ["CONFIG_KEY", "DEFAULT_LIMIT", "count_request"]

CONFIG_KEY = "OPTUNAGUI_API_RATE_LIMIT"
DEFAULT_LIMIT = "600 per minute"
_EXTENSION = "optunagui_api_limiter"


def _limiter() -> MovingWindowRateLimiter:
    limiter = current_app.extensions.get(_EXTENSION)
    if limiter is None:
        limiter = current_app.extensions[_EXTENSION] = MovingWindowRateLimiter(MemoryStorage())
    return limiter


def count_request(token_id: int) -> None:
    """Count one request of the token; refuse it (429) past the limit."""
    limit = parse(current_app.config.get(CONFIG_KEY, DEFAULT_LIMIT))
    limiter = _limiter()
    if limiter.hit(limit, "token", str(token_id)):
        return
    reset_at = limiter.get_window_stats(limit, "token", str(token_id)).reset_time
    wait = max(1, int(reset_at - time.time()) + 1)
    raise ApiProblem(429, f"too many requests with this token (at most {limit}); try again "
                          f"in {wait} s", retry_after=wait)
