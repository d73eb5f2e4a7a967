"""The checks themselves, called directly for each kind of principal."""

from __future__ import annotations

import flask_login
import pytest
from dash import Input, Output

from dashapp import guard
from dashapp.auth import SignedInUser
from dashapp.guard import Access, Denial
from dashapp.permissions import Principal, Role, effective_role, parse_id
from tests.dashapp.conftest import World

ROLES = {"olivia": Role.owner, "ed": Role.editor, "vic": Role.viewer, "ada": Role.owner}


def _authorize(app, world: World, who: str, requirement, values):
    with app.server.test_request_context():
        if who != "anonymous":
            user = SignedInUser(world.user_ids[who], who, who == "ada")
            flask_login.login_user(user)
        return guard.authorize(requirement, values)


@pytest.mark.parametrize("who", ["olivia", "ed", "vic", "otto", "ada", "anonymous"])
@pytest.mark.parametrize("needed", list(Role))
def test_run_check_uses_the_role_on_the_runs_experiment(app, world, who, needed):
    outcome = _authorize(app, world, who, guard.run(needed, "run_id"), {"run_id": world.run_id})
    role = ROLES.get(who)
    if role is not None and role >= needed:
        assert isinstance(outcome, Access)
        assert (outcome.run_id, outcome.experiment_id) == (world.run_id, world.alpha)
    else:
        assert isinstance(outcome, Denial)


@pytest.mark.parametrize("run_id", [999_999, "abc", None, -3])
def test_run_check_refuses_unknown_runs(app, world, run_id):
    outcome = _authorize(app, world, "ada", guard.run(Role.viewer, "run_id"), {"run_id": run_id})
    assert outcome == Denial("not-found")


def test_missing_role_reads_as_not_found_and_too_low_as_forbidden(app, world):
    requirement = guard.experiment(Role.owner, "experiment_id")
    values = {"experiment_id": world.alpha}
    assert _authorize(app, world, "otto", requirement, values) == Denial("not-found")
    assert _authorize(app, world, "vic", requirement, values) == Denial("forbidden")
    assert _authorize(app, world, "anonymous", requirement, values) == Denial("signed-out")


def test_share_check_names_the_links_experiment_only(app, world):
    requirement = guard.share_link("token")
    outcome = _authorize(app, world, "anonymous", requirement, {"token": world.share_url_token})
    assert isinstance(outcome, Access)
    assert outcome.experiment_id == world.alpha and outcome.role is Role.viewer
    assert outcome.principal.is_share and not outcome.principal.is_user
    for bad in ["", None, 12, "x" * 1000, world.share_url_token[:-1]]:
        assert _authorize(app, world, "anonymous", requirement, {"token": bad}) == Denial("unknown")


def test_guarded_callback_needs_its_source_argument(app):
    with pytest.raises(ValueError, match="not an input or state"):
        guard.guarded_callback(
            app,
            requires=guard.experiment(Role.viewer, "experiment_id"),
            output=Output("nowhere", "children"),
            inputs={"refresh": Input("nowhere-either", "data")},
        )


def _show(access, refresh):
    return "shown"


def _register(app, output_id: str, **kwargs):
    return guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output=Output(output_id, "children"),
        inputs={"refresh": Input(f"{output_id}-refresh", "data")},
        **kwargs,
    )(_show)


def test_guarded_callback_records_the_name_and_refuses_it_twice(app):
    assert _register(app, "first-out") is _show
    assert guard.callback_name_of(app.callback_map["first-out.children"]["callback"]) == "_show"
    with pytest.raises(ValueError, match="`_show` is already registered"):
        _register(app, "second-out")
    _register(app, "third-out", name="other_show")
    assert guard.callback_name_of(app.callback_map["third-out.children"]["callback"]) == (
        "other_show")


def test_effective_role_for_share_and_admin_principals():
    share = Principal(share_link_id=1, share_experiment_id=5)
    assert effective_role(share, 5, None) is Role.viewer
    assert effective_role(share, 6, "owner") is None
    assert effective_role(Principal(user_id=1, is_admin=True), 6, None) is Role.owner
    assert effective_role(Principal(user_id=1), 6, "editor") is Role.editor
    assert effective_role(Principal(user_id=1), 6, "superuser") is None
    assert effective_role(Principal(), 6, "owner") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, 5),
        ("17", 17),
        ("0", None),
        (0, None),
        (-1, None),
        ("1e3", None),
        (True, None),
        (" 5", None),
        ("5 ", None),
        (1.0, None),
        ("9" * 19, None),
        ("2147483647", 2**31 - 1),
        ("2147483648", None),
        (2**31, None),
        (10**17, None),
        ("\u00b2", None),
        ("\u0661", None),
        (None, None),
        ([1], None),
    ],
)
def test_parse_id_accepts_only_plain_positive_ids(value, expected):
    assert parse_id(value) == expected
