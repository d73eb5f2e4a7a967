"""`/api/v1/experiments...`: list, create and rename experiments, their members and report.

Writes go through the same ``dashapp.queries`` functions as the experiments and experiment
pages, with the same checks of names.
"""

from __future__ import annotations

from flask import Response

from dashapp import queries, services
from dashapp.api.registry import Call
from dashapp.api.responses import ApiProblem, report_format, report_response
from dashapp.api.schemas import (
    ExperimentAnswer,
    ExperimentList,
    MemberList,
    MemberRecord,
    Message,
)
from dashapp.paths import app_path
from dashapp.permissions import Role
from optunagui.reports import build_experiment_report

__all__ = ["add_member", "create_experiment", "experiment_report", "list_experiments",
           "list_members", "remove_member", "rename_experiment"]


def _checked_name(name: str) -> str:
    problem = queries.check_name(name, "An experiment", queries.MAX_EXPERIMENT_NAME)
    if problem:
        raise ApiProblem(422, problem, [{"field": "name", "message": problem}])
    return name.strip()


def _answer(experiment_id: int, name: str, role: str | None) -> ExperimentAnswer:
    return ExperimentAnswer(id=experiment_id, name=name, role=role,
                            url=app_path(f"/experiments/{experiment_id}"))


def list_experiments(call: Call) -> ExperimentList:
    """The experiments the caller may open, with their role."""
    with services.database().session() as session:
        rows = queries.list_experiment_rows(session, call.principal)
    return ExperimentList(experiments=[_answer(r.id, r.name, r.role) for r in rows])


def create_experiment(call: Call) -> ExperimentAnswer:
    """A new experiment, owned by the caller."""
    name = _checked_name(call.body.name)
    with services.database().session() as session:
        experiment_id = queries.create_experiment(session, name, call.principal)
    return _answer(experiment_id, name, Role.owner.name)


def rename_experiment(call: Call) -> ExperimentAnswer:
    name = _checked_name(call.body.name)
    experiment_id = call.ids["experiment_id"]
    with services.database().session() as session:
        queries.rename_experiment(session, experiment_id, name)
    return _answer(experiment_id, name, call.role.name if call.role else None)


def _members(experiment_id: int) -> MemberList:
    with services.database().session() as session:
        rows = queries.list_member_rows(session, experiment_id)
    return MemberList(members=[MemberRecord(user_id=r.user_id, username=r.username,
                                            role=r.role, is_active=r.is_active) for r in rows])


def list_members(call: Call) -> MemberList:
    return _members(call.ids["experiment_id"])


def add_member(call: Call) -> MemberList:
    """Give a user a role on the experiment (or change the role they hold)."""
    experiment_id = call.ids["experiment_id"]
    role = Role.parse(call.body.role)
    assert role is not None  # the body's model allows only role names
    with services.database().session() as session:
        problem = queries.set_member(session, experiment_id, call.body.username, role)
    if problem:
        raise ApiProblem(422, problem, [{"field": "username", "message": problem}])
    return _members(experiment_id)


def remove_member(call: Call) -> Message:
    experiment_id, user_id = call.ids["experiment_id"], call.ids["user_id"]
    with services.database().session() as session:
        problem = queries.remove_member(session, experiment_id, user_id)
    if problem == "That user is not a member.":
        raise ApiProblem(404, f"member {user_id}: not a member of experiment {experiment_id}")
    if problem:
        raise ApiProblem(409, problem)
    return Message(message=f"user {user_id} is no longer a member of experiment "
                           f"{experiment_id}")


def experiment_report(call: Call) -> Response:
    """The experiment's report, as HTML or PDF (``format``)."""
    experiment_id = call.ids["experiment_id"]
    fmt = report_format()
    with services.database().session() as session:
        page = build_experiment_report(session, experiment_id, services.state().settings)
    return report_response(page, fmt, f"experiment-{experiment_id}-report")
