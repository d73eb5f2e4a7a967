"""What the shared view shows for a valid link: the experiment's name, its runs (each linking
to its run page, read-only), a "Compare selected" link, and each code run's version and files.

The experiment is the one the link names (``Access.experiment_id``), never an id from the
browser; a refusal shows the link's problem and nothing of the experiment.
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, html

from dashapp import components, services
from dashapp.code_runs import list_code_runs
from dashapp.components import HIDDEN, SHOWN
from dashapp.components.code import code_facts, code_file_table, code_label
from dashapp.components.experiment_runs import read_experiment_runs
from dashapp.components.html_pages import SHARE_PROBLEMS
from dashapp.guard import Access, Denial
from dashapp.pages.shared.ids import ids
from dashapp.paths import JS_APP_PATH

__all__ = ["COMPARE_HREF", "SHARED_OUTPUTS", "compare_href_io", "denied", "show_shared"]

SHARED_OUTPUTS = {
    "problem": Output(ids.problem, "children"),
    "body": Output(ids.body, "style"),
    "title": Output(ids.title, "children"),
    "description": Output(ids.description, "children"),
    "runs": Output(ids.runs, "children"),
    "compare_options": Output(ids.compare_runs, "options"),
    "compare_box": Output(ids.compare_box, "style"),
    "code": Output(ids.code, "children"),
}

# The "Compare selected" link follows the ticked runs in the browser (no server round trip).
COMPARE_HREF = """
function(selected) {
    var appPath = """ + JS_APP_PATH + """;
    var ids = (selected || []).slice().sort(function(a, b) { return a - b; });
    var href = appPath(ids.length ? "/compare?runs=" + ids.join(",") : "/compare");
    var link = ids.length > 1 ? "btn btn-sm btn-outline-primary mt-2"
                              : "btn btn-sm btn-outline-primary disabled mt-2";
    return [href, link];
}
"""


def compare_href_io() -> list[Any]:
    """The outputs and input of ``COMPARE_HREF``."""
    return [Output(ids.compare_link, "href"), Output(ids.compare_link, "className"),
            Input(ids.compare_runs, "value")]


def denied(denial: Denial) -> dict[str, Any]:
    _code, heading, text = SHARE_PROBLEMS.get(denial.reason, SHARE_PROBLEMS["unknown"])
    problem = components.message([html.Strong(heading), html.Div(text)], "warning")
    return {"problem": problem, "body": HIDDEN, "title": "", "description": "", "runs": None,
            "compare_options": [], "compare_box": HIDDEN, "code": None}


def _code_section(found: list[Any]) -> Any:
    """Each code run's version, entry point and files (never their source)."""
    if not found:
        return None
    items = [
        html.Details(
            [html.Summary([f"#{run_id} {name}", code_label(summary.objective.function)]),
             html.Div([code_facts(summary), code_file_table(summary)], className="mt-2")],
            className="mb-2",
        )
        for run_id, name, summary in found
    ]
    return [html.H4("Code", className="mt-3"), *items]


def show_shared(access: Access, poll: Any, token: Any) -> dict[str, Any]:
    assert access.experiment_id is not None
    with services.database().session() as session:
        found = read_experiment_runs(session, access.experiment_id)
        code_runs = list_code_runs(session, access.experiment_id) if found is not None else []
    if found is None:
        return denied(Denial("unknown"))
    options = [{"label": f"#{run.id} {run.name}", "value": run.id} for run in found.runs]
    return {
        "problem": None,
        "body": SHOWN,
        "title": found.header.name,
        "description": found.header.description,
        "runs": components.runs_table(found.runs, link_runs=True, baseline_id=found.baseline_id),
        "compare_options": options,
        "compare_box": SHOWN if len(options) > 1 else HIDDEN,
        "code": _code_section(code_runs),
    }
