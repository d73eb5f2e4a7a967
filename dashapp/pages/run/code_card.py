"""The run page's "Code" card, for a run of the user's own objective: the code version (its
hash), the entry point and setup, the files, and one file's source, read-only.

Everything comes from the stored spec and code version as data; the web process never imports
the user's code. The source is for members of the experiment (viewer and up): its callback
asks ``dashapp.access.may_read_source``, which refuses share-link visitors, and reads only a
file of the code version the run's own spec names (never a hash or a path the browser made
up). A share link shows the hash, entry point and files (``dashapp.pages.shared``), no source.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from dashapp import access as run_access
from dashapp import components, guard, services
from dashapp.code_runs import CodeSummary, read_code_summary
from dashapp.components import HIDDEN, SHOWN
from dashapp.components.code import code_facts, code_file_table, code_label
from dashapp.guard import Access, Denial
from dashapp.pages.run.ids import ids
from dashapp.permissions import Role
from optunagui.store import get_run

__all__ = [
    "CODE_OUTPUTS",
    "MEMBERS_ONLY",
    "code_card",
    "load_source",
    "read_run_code",
    "register_code_callbacks",
    "show_code",
    "show_code_source",
]

MEMBERS_ONLY = "The source of a run's code is shown to members of its experiment only."
CODE_OUTPUTS = {
    "card": Output(ids.code_card, "style"),
    "kind": Output(ids.kind, "children"),
    "facts": Output(ids.code_facts, "children"),
    "files": Output(ids.code_files, "children"),
    "file_options": Output(ids.code_file, "options"),
    "file": Output(ids.code_file, "value"),
}


def code_card() -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader("Code"),
            dbc.CardBody([
                html.Div(id=ids.code_facts),
                html.Details([html.Summary("Files"), html.Div(id=ids.code_files,
                                                              className="mt-2")],
                             className="mb-3"),
                dbc.Label("Source (read-only)", html_for=ids.code_file, class_name="small mb-0"),
                dcc.Dropdown(id=ids.code_file, options=[], clearable=False,
                             style={"maxWidth": "32rem"}, className="mb-2"),
                dcc.Loading(html.Div(id=ids.code_source)),
            ]),
        ],
        id=ids.code_card,
        class_name="mb-3",
        style=HIDDEN,
    )


def read_run_code(run_id: int) -> CodeSummary | None:
    """The code of the run (None: no such run, or a run of a built-in model)."""
    with services.database().session() as session:
        run = get_run(session, run_id)
        if run is None:
            return None
        return read_code_summary(session, run.spec)


def _nothing() -> dict[str, Any]:
    return {"card": HIDDEN, "kind": None, "facts": None, "files": None, "file_options": [],
            "file": None}


def show_code(access: Access, run_id: Any) -> dict[str, Any]:
    summary = read_run_code(access.run_id) if access.run_id is not None else None
    if summary is None:
        return _nothing()
    first = summary.entry_path or (summary.paths[0] if summary.paths else None)
    return {
        "card": SHOWN,
        "kind": code_label(summary.objective.function, id="run-code-label"),
        "facts": code_facts(summary),
        "files": code_file_table(summary),
        "file_options": [{"label": path, "value": path} for path in summary.paths],
        "file": first,
    }


def load_source(run_id: int, path: Any) -> Any:
    """One file of the run's own code version, as read-only text (or why it is not shown)."""
    summary = read_run_code(run_id)
    if summary is None or summary.sha256 is None:
        return None
    if not summary.stored:
        return components.message("This run's code version is not stored in this database.",
                                  "warning")
    if not isinstance(path, str) or path not in summary.paths:
        return components.empty_note("Choose one of the files above.")
    from optunagui.store import read_code_file

    try:
        with services.database().session() as session:
            text = read_code_file(session, summary.sha256, path)
    except LookupError:
        return components.message(f"{path} is not in this code version.", "warning")
    except (UnicodeDecodeError, ValueError) as error:
        return components.message(f"{path} cannot be shown as text: {error}", "info")
    return html.Pre(html.Code(text), id="run-code-source-text",
                    className="border rounded bg-light p-2 small mb-0",
                    style={"maxHeight": "32rem", "overflow": "auto"})


def _source_denied(_denial: Denial) -> Any:
    return components.message(MEMBERS_ONLY, "warning", id="run-code-source-refused")


def show_code_source(access: Access, path: Any, run_id: Any) -> Any:
    if access.run_id is None or not run_access.may_read_source(access.principal, access.run_id):
        return _source_denied(Denial("forbidden"))
    return load_source(access.run_id, path)


def register_code_callbacks(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=CODE_OUTPUTS,
        inputs={"run_id": Input(ids.run, "data")},
    )(show_code)
    guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=Output(ids.code_source, "children"),
        inputs={"path": Input(ids.code_file, "value")},
        state={"run_id": State(ids.run, "data")},
        on_denied=_source_denied,
    )(show_code_source)
