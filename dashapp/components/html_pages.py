"""The few plain HTML pages served by Flask outside Dash: sign-in, sign-out, the new password
after an admin's reset, share-link problems.

Rendered with Jinja's autoescaping, so whatever a user typed is shown as text.
"""

from __future__ import annotations

from flask import Response, make_response, render_template_string
from markupsafe import Markup

from dashapp.paths import app_path

__all__ = [
    "SHARE_PROBLEMS",
    "login_page",
    "logout_page",
    "password_change_page",
    "share_problem_page",
]

_BASE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{{ title }} · OptunaGui</title>
  <link rel="stylesheet" href="{{ app_path('/assets/00-bootstrap.min.css') }}">
  <link rel="stylesheet" href="{{ app_path('/assets/optunagui.css') }}">
</head>
<body class="og-plain-page">
  <main class="container" style="max-width: 28rem; margin-top: 10vh;">
    <h1 class="h3 mb-4">OptunaGui</h1>
    {{ body }}
  </main>
</body>
</html>
"""

_LOGIN = """
<form method="post" action="{{ app_path('/login') }}" class="card card-body" id="login-form">
  <h2 class="h5 mb-3">Sign in</h2>
  {% if error %}
  <div class="alert alert-danger" role="alert" id="login-error">{{ error }}</div>
  {% endif %}
  <input type="hidden" name="csrf_token" value="{{ csrf_token }}">
  <input type="hidden" name="next" value="{{ next_target }}">
  <label class="form-label" for="login-username">User name</label>
  <input class="form-control mb-3" id="login-username" name="username" value="{{ username }}"
         autocomplete="username" maxlength="64" required autofocus>
  <label class="form-label" for="login-password">Password</label>
  <input class="form-control mb-3" id="login-password" name="password" type="password"
         autocomplete="current-password" required>
  <button class="btn btn-primary" type="submit" id="login-submit">Sign in</button>
</form>
"""

_LOGOUT = """
<form method="post" action="{{ app_path('/logout') }}" class="card card-body">
  <p>Sign out of OptunaGui?</p>
  <input type="hidden" name="csrf_token" value="{{ csrf_token }}">
  <button class="btn btn-primary" type="submit" id="logout-submit">Sign out</button>
</form>
"""

_PASSWORD_CHANGE = """
<form method="post" action="{{ app_path('/login/password') }}" class="card card-body"
      id="password-change-form">
  <h2 class="h5 mb-3">Choose a new password</h2>
  <p>An admin reset the password of <strong>{{ username }}</strong>. Choose your own to
  continue.</p>
  {% if error %}
  <div class="alert alert-danger" role="alert" id="password-change-error">{{ error }}</div>
  {% endif %}
  <input type="hidden" name="csrf_token" value="{{ csrf_token }}">
  <input type="hidden" name="next" value="{{ next_target }}">
  <label class="form-label" for="password-change-new">New password</label>
  <input class="form-control mb-3" id="password-change-new" name="new_password" type="password"
         autocomplete="new-password" minlength="{{ min_length }}" required autofocus>
  <label class="form-label" for="password-change-repeat">New password again</label>
  <input class="form-control mb-3" id="password-change-repeat" name="repeat_password"
         type="password" autocomplete="new-password" required>
  <button class="btn btn-primary" type="submit" id="password-change-submit">Save and sign in
  </button>
</form>
"""

_SHARE = """
<div class="card card-body" id="share-problem" data-status="{{ status }}">
  <h2 class="h5">{{ heading }}</h2>
  <p class="mb-0">{{ message }}</p>
</div>
"""

SHARE_PROBLEMS: dict[str, tuple[int, str, str]] = {
    "revoked": (
        410,
        "This link has been revoked",
        "Its owner withdrew it. Ask them for a new link if you still need access.",
    ),
    "expired": (
        410,
        "This link has expired",
        "Share links work for a limited time. Ask the experiment's owner for a new one.",
    ),
    "unknown": (
        404,
        "This link is not valid",
        "Check that you copied the whole link, or ask the experiment's owner for a new one.",
    ),
}


def _page(title: str, body_template: str, code: int = 200, **context: object) -> Response:
    body = render_template_string(body_template, app_path=app_path, **context)
    html = render_template_string(_BASE, app_path=app_path, title=title, body=Markup(body))
    response = make_response(html, code)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    return response


def login_page(
    csrf_token: str,
    next_target: str,
    *,
    error: str | None = None,
    status: int = 200,
    username: str = "",
) -> Response:
    return _page(
        "Sign in",
        _LOGIN,
        status,
        csrf_token=csrf_token,
        next_target=next_target,
        error=error,
        username=username,
    )


def logout_page(csrf_token: str) -> Response:
    return _page("Sign out", _LOGOUT, csrf_token=csrf_token)


def password_change_page(
    csrf_token: str,
    next_target: str,
    username: str,
    min_length: int,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return _page(
        "New password",
        _PASSWORD_CHANGE,
        status,
        csrf_token=csrf_token,
        next_target=next_target,
        username=username,
        min_length=min_length,
        error=error,
    )


def share_problem_page(status: str) -> Response:
    code, heading, message = SHARE_PROBLEMS.get(status, SHARE_PROBLEMS["unknown"])
    return _page(heading, _SHARE, code, status=status, heading=heading, message=message)
