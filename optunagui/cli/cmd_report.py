"""`optunagui report RUN_ID` (or `--experiment ID`): the report as HTML or PDF."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from optunagui.cli._runs import CliError, open_database
from optunagui.config import load_settings

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    report = subparsers.add_parser(
        "report", help="a run's (or an experiment's) report: one HTML page or a PDF"
    )
    report.add_argument("run_id", type=int, nargs="?", metavar="RUN_ID")
    report.add_argument("--experiment", type=int, metavar="ID",
                        help="report on an experiment's runs instead of one run")
    report.add_argument("--format", choices=("html", "pdf"), default="html")
    report.add_argument("-o", "--output", metavar="FILE",
                        help="where to write it (default: run-<id>-report.<format> here)")
    report.add_argument("--no-feature-impact", action="store_true",
                        help="skip refitting the best model for its feature impact")
    report.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    from optunagui.reports import (
        PdfError,
        ReportOptions,
        build_experiment_report,
        build_run_report,
        html_to_pdf,
    )

    if (args.run_id is None) == (args.experiment is None):
        raise CliError("give a RUN_ID or --experiment ID (one of them)", exit_code=2)
    settings = load_settings()
    options = ReportOptions(feature_impact=not args.no_feature_impact)
    with open_database(settings) as database, database.session() as session:
        try:
            if args.experiment is not None:
                page = build_experiment_report(session, args.experiment, settings)
                stem = f"experiment-{args.experiment}-report"
            else:
                page = build_run_report(session, args.run_id, settings, options)
                stem = f"run-{args.run_id}-report"
        except LookupError as error:
            raise CliError(str(error).strip("'\"")) from None
    data = page.encode("utf-8")
    if args.format == "pdf":
        try:
            data = html_to_pdf(page)
        except PdfError as error:
            raise CliError(str(error)) from None
    path = Path(args.output or f"{stem}.{args.format}")
    try:
        path.write_bytes(data)
    except OSError as error:
        raise CliError(f"--output: cannot write {path}: {error.strerror}") from None
    print(f"written to {path} ({len(data) / 1e6:.1f} MB)", file=sys.stderr)
    return 0
