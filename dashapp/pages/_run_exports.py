"""The run page's "Export" menu: the report (HTML, PDF), best parameters (JSON), spec (YAML),
trials (CSV, Parquet).

Readers of the run may download; the file is made on the server for the checked run.
"""

from __future__ import annotations

import base64
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html

from dashapp import components, guard, services
from dashapp.buttons import clicked_choice
from dashapp.guard import Access
from dashapp.pages._run_ids import ids
from dashapp.permissions import Role
from optunagui.exports import ExportError, best_params_json, spec_yaml, trials_bytes
from optunagui.reports import PdfError, build_run_report, html_to_pdf

__all__ = ["EXPORTS", "export_file", "exports_menu", "register_export_callbacks"]

MENU_ITEM = "run-export-item"  # pattern-matching type, with "what"
DOWNLOAD = "run-export-download"
FEEDBACK = "run-export-feedback"
EXPORTS = {
    "report-html": "Report (HTML)",
    "report-pdf": "Report (PDF)",
    "params": "Best parameters (JSON)",
    "spec": "Spec (YAML, re-runnable)",
    "trials-csv": "Trials (CSV)",
    "trials-parquet": "Trials (Parquet)",
}


def exports_menu() -> html.Span:
    items = [dbc.DropdownMenuItem(label, id={"type": MENU_ITEM, "what": what})
             for what, label in EXPORTS.items()]
    return html.Span(
        [
            dbc.DropdownMenu(items, label="Export", size="sm", color="secondary",
                             class_name="d-inline-block", id="run-export-menu"),
            dcc.Download(id=DOWNLOAD),
            html.Div(id=FEEDBACK, className="mt-2"),
        ],
        className="ms-3",
    )


def export_file(run_id: int, what: str) -> dict[str, Any]:
    """What ``dcc.Download.data`` takes for one export of the run.

    Raises:
        ExportError: no such run, no complete trial yet, unknown export.
    """
    if what in ("report-html", "report-pdf"):
        return _report(run_id, what)
    with services.database().session() as session:
        if what == "params":
            text = best_params_json(session, run_id)
            return {"content": text, "filename": f"run-{run_id}-best-params.json",
                    "type": "application/json", "base64": False}
        if what == "spec":
            text = spec_yaml(session, run_id, services.state().settings)
            return {"content": text, "filename": f"run-{run_id}-spec.yaml",
                    "type": "application/yaml", "base64": False}
        if what in ("trials-csv", "trials-parquet"):
            fmt = what.removeprefix("trials-")
            data = trials_bytes(session, run_id, fmt)
    if what not in ("trials-csv", "trials-parquet"):
        raise ExportError(f"export: expected one of {', '.join(EXPORTS)}, got {what!r}")
    return {"content": base64.b64encode(data).decode("ascii"),
            "filename": f"run-{run_id}-trials.{fmt}", "base64": True,
            "type": "text/csv" if fmt == "csv" else "application/vnd.apache.parquet"}


def _report(run_id: int, what: str) -> dict[str, Any]:
    with services.database().session() as session:
        try:
            page = build_run_report(session, run_id, services.state().settings)
        except LookupError as error:
            raise ExportError(str(error)) from None
    if what == "report-html":
        return {"content": page, "filename": f"run-{run_id}-report.html", "type": "text/html",
                "base64": False}
    try:
        pdf = html_to_pdf(page)
    except PdfError as error:
        raise ExportError(str(error)) from None
    return {"content": base64.b64encode(pdf).decode("ascii"), "base64": True,
            "filename": f"run-{run_id}-report.pdf", "type": "application/pdf"}


def register_export_callbacks(app: dash.Dash) -> None:
    @guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=[Output(DOWNLOAD, "data"), Output(FEEDBACK, "children")],
        inputs={"clicks": Input({"type": MENU_ITEM, "what": ALL}, "n_clicks")},
        state={"run_id": State(ids.run, "data")},
        prevent_initial_call=True,
    )
    def download_export(access: Access, clicks: Any, run_id: Any) -> Any:
        what = clicked_choice(clicks, "what", EXPORTS)
        try:
            return export_file(access.run_id, what), None
        except ExportError as error:
            return dash.no_update, components.message(f"Cannot export: {error}", "warning")
