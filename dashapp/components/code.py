"""How a run of the user's own code is shown: the "your code" label with its entry point, the
code version's hash (first digits, the whole hash on hover and to copy), and its files.

Nothing here shows a file's source: the run page's Code card loads that for members only
(``dashapp.pages.run.code_card``).
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.code_runs import CodeSummary, format_size, short_hash

__all__ = ["code_facts", "code_file_table", "code_hash", "code_label"]


def code_label(function: str, **kwargs: Any) -> html.Span:
    """"your code" and the entry point, where a built-in run shows its model."""
    return html.Span(
        [dbc.Badge("your code", color="dark", pill=True, class_name="me-1"),
         html.Code(function)],
        className="ms-2 run-code-label small",
        title="A run of your own objective function",
        **kwargs,
    )


def code_hash(sha256: str | None) -> html.Span:
    """The first digits of the hash; the whole hash in the tooltip and the copy button."""
    if not sha256:
        return html.Span("not stored", className="text-muted")
    return html.Span(
        [html.Code(short_hash(sha256), title=sha256, className="code-version-hash"),
         dcc.Clipboard(content=sha256, title="Copy the whole hash",
                       className="d-inline-block ms-1 small")],
    )


def code_file_table(summary: CodeSummary) -> Any:
    """The code version's files with their sizes; the entry point's file marked."""
    if not summary.files:
        return html.P("No files stored for this code version.", className="text-muted mb-0")
    rows = [
        html.Tr([
            html.Td([html.Code(path)]
                    + ([dbc.Badge("entry", color="info", pill=True, class_name="ms-2")]
                       if path == summary.entry_path else [])),
            html.Td(format_size(size), className="text-end"),
        ])
        for path, size in summary.files
    ]
    return dbc.Table(
        [html.Thead(html.Tr([html.Th("File"), html.Th("Size", className="text-end")])),
         html.Tbody(rows)],
        size="sm", class_name="w-auto mb-0 code-file-table",
    )


def code_facts(summary: CodeSummary) -> html.Dl:
    """Code version, entry point, setup, and the number and size of the files."""
    objective = summary.objective
    if summary.stored:
        files = (f"{len(summary.files)} file{'s' if len(summary.files) != 1 else ''}, "
                 f"{format_size(summary.size_bytes)} packaged")
    else:
        files = "the code version is not stored in this database"
    facts = [
        ("Code version", code_hash(summary.sha256)),
        ("Entry point", html.Code(objective.function)),
        ("Setup", html.Code(objective.setup) if objective.setup
         else html.Span("none", className="text-muted")),
        ("Files", files),
    ]
    items: list[Any] = []
    for term, value in facts:
        items += [html.Dt(term, className="col-sm-3"), html.Dd(value, className="col-sm-9 mb-1")]
    return html.Dl(items, className="row mb-2 code-facts")
