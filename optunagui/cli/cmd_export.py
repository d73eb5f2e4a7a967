"""`optunagui export RUN_ID params|spec|trials`: a run's best parameters, spec or trials table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from optunagui.cli._runs import CliError, open_database
from optunagui.config import load_settings

__all__ = ["register"]

WHAT = ("params", "spec", "trials")


def register(subparsers: argparse._SubParsersAction) -> None:
    export = subparsers.add_parser(
        "export",
        help="a run's best parameters (JSON), spec (YAML, re-runnable) or trials (CSV/Parquet)",
    )
    export.add_argument("run_id", type=int, metavar="RUN_ID")
    export.add_argument("what", choices=WHAT, help="what to export")
    export.add_argument("--format", choices=("csv", "parquet"), default="csv",
                        help="trials only: the table's format (default csv)")
    export.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE instead of standard output (Parquet needs a file)")
    export.set_defaults(handler=_export)


def _export(args: argparse.Namespace) -> int:
    from optunagui.exports import ExportError, best_params_json, spec_yaml, trials_bytes

    if args.what == "trials" and args.format == "parquet" and not args.output:
        raise CliError("--output: Parquet is binary; give a file, e.g. -o trials.parquet")
    settings = load_settings()
    with open_database(settings) as database, database.session() as session:
        try:
            if args.what == "params":
                data = best_params_json(session, args.run_id).encode("utf-8")
            elif args.what == "spec":
                data = spec_yaml(session, args.run_id, settings).encode("utf-8")
            else:
                data = trials_bytes(session, args.run_id, args.format)
        except ExportError as error:
            raise CliError(str(error)) from None
    if args.output:
        path = Path(args.output)
        try:
            path.write_bytes(data)
        except OSError as error:
            raise CliError(f"--output: cannot write {path}: {error.strerror}") from None
        print(f"written to {path}", file=sys.stderr)
    else:
        sys.stdout.write(data.decode("utf-8"))
        sys.stdout.flush()
    return 0
