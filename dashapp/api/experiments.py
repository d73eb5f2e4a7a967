"""`/api/v1/experiments/<id>/...`: an experiment's report."""

from __future__ import annotations

from flask import Response

from dashapp import services
from dashapp.api.auth import readable_experiment
from dashapp.api.responses import report_format, report_response
from optunagui.reports import build_experiment_report

__all__ = ["experiment_report"]


def experiment_report(experiment_id: int) -> Response:
    readable_experiment(experiment_id)
    fmt = report_format()
    with services.database().session() as session:
        page = build_experiment_report(session, experiment_id)
    return report_response(page, fmt, f"experiment-{experiment_id}-report")
