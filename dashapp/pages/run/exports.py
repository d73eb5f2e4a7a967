"""The run page's "Export" menu: the report (HTML, PDF), best parameters (JSON), spec (YAML),
trials (CSV, Parquet).

Readers of the run may download; the file is made on the server for the checked run. The report
of a run of the user's own code leaves feature impact out: the product cannot refit that code.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State, html

from dashapp import components, guard, services
from dashapp.analysis_state import analysis_state
from dashapp.code_runs import runs_builtin_model
from dashapp.components.buttons import clicked_choice
from dashapp.components.downloads import download_menu, file_download
from dashapp.guard import Access
from dashapp.pages.run.ids import ids
from dashapp.permissions import Role
from optunagui.exports import ExportError, best_params_json, spec_yaml, trials_bytes
from optunagui.reports import PdfError, ReportOptions, build_run_report, html_to_pdf

__all__ = ["EXPORTS", "download_export", "export_file", "exports_menu", "register_export_callbacks"]

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
    return download_menu("Export", EXPORTS, item_type=MENU_ITEM, key="what",
                         menu_id="run-export-menu", download_id=DOWNLOAD, feedback_id=FEEDBACK)


def export_file(run_id: int, what: str) -> dict[str, Any]:
    """What ``dcc.Download.data`` takes for one export of the run.

    Raises:
        ExportError: no such run, no complete trial yet, unknown export.
    """
    if what in ("report-html", "report-pdf"):
        return _report(run_id, what)
    with services.database().session() as session:
        if what == "params":
            return file_download(best_params_json(session, run_id),
                                 f"run-{run_id}-best-params.json", "application/json")
        if what == "spec":
            return file_download(spec_yaml(session, run_id, services.state().settings),
                                 f"run-{run_id}-spec.yaml", "application/yaml")
        if what in ("trials-csv", "trials-parquet"):
            fmt = what.removeprefix("trials-")
            return file_download(trials_bytes(session, run_id, fmt),
                                 f"run-{run_id}-trials.{fmt}",
                                 "text/csv" if fmt == "csv" else "application/vnd.apache.parquet")
    raise ExportError(f"export: expected one of {', '.join(EXPORTS)}, got {what!r}")


def _report(run_id: int, what: str) -> dict[str, Any]:
    if not runs_builtin_model(run_id):
        options = ReportOptions(feature_impact=False)
    else:
        # The Features tab may have refitted the best model already: no second refit.
        options = ReportOptions(known_feature_impact=analysis_state().features.latest(run_id))
    with services.database().session() as session:
        try:
            page = build_run_report(session, run_id, services.state().settings, options)
        except LookupError as error:
            raise ExportError(str(error)) from None
    if what == "report-html":
        return file_download(page, f"run-{run_id}-report.html", "text/html")
    try:
        pdf = html_to_pdf(page)
    except PdfError as error:
        raise ExportError(str(error)) from None
    return file_download(pdf, f"run-{run_id}-report.pdf", "application/pdf")


def download_export(access: Access, clicks: Any, run_id: Any) -> Any:
    what = clicked_choice(clicks, "what", EXPORTS)
    try:
        return export_file(access.run_id, what), None
    except ExportError as error:
        return dash.no_update, components.message(f"Cannot export: {error}", "warning")


def register_export_callbacks(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.run(Role.viewer, "run_id"),
        output=[Output(DOWNLOAD, "data"), Output(FEEDBACK, "children")],
        inputs={"clicks": Input({"type": MENU_ITEM, "what": ALL}, "n_clicks")},
        state={"run_id": State(ids.run, "data")},
        prevent_initial_call=True,
    )(download_export)
