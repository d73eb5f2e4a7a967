"""`optunagui datasets list|add|versions`: the bundled datasets, the registered dataset versions,
and one name's versions with the runs that used each."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optunagui.config import load_settings
from optunagui.formatting import format_time, human_size

if TYPE_CHECKING:
    from optunagui.datasets import LoadedDataset

__all__ = ["register"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\- ]{0,199}$")
VERSION_PREFIX = 12


def register(subparsers: argparse._SubParsersAction) -> None:
    datasets = subparsers.add_parser("datasets", help="list and register datasets")
    commands = datasets.add_subparsers(dest="datasets_command", metavar="COMMAND")
    datasets.set_defaults(handler=lambda _args: _usage(datasets))

    listing = commands.add_parser(
        "list", help="bundled datasets, and registered datasets with their versions"
    )
    listing.set_defaults(handler=_list)

    add = commands.add_parser(
        "add", help="check a CSV/TSV/Parquet file, copy it into the data dir and register it"
    )
    add.add_argument("file", help="a .csv, .tsv, .txt, .parquet or .pq file")
    add.add_argument("--name", required=True, help="the dataset's name (versions share it)")
    add.add_argument(
        "--target", help="the column to predict (default: 'target' if present, else the last)"
    )
    add.set_defaults(handler=_add)

    versions = commands.add_parser(
        "versions", help="one dataset name's versions, newest first, and the runs that used each"
    )
    versions.add_argument("name", help="the dataset's name")
    versions.add_argument("--json", action="store_true", help="print JSON instead of a table")
    versions.set_defaults(handler=_versions)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def _open_database() -> tuple[Any, Any]:
    from optunagui.store import Database

    settings = load_settings()
    database = Database(settings.database_url)
    database.upgrade()
    return settings, database


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]], right: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  " + "  ".join(cells).rstrip())
    return lines


def _list(_args: argparse.Namespace) -> int:
    from optunagui.datasets import BUILTIN_DATASETS
    from optunagui.store import StoreError, list_dataset_versions

    builtin_rows = [
        (info.name, info.task, str(info.n_rows), str(info.n_features + 1))
        for info in BUILTIN_DATASETS.values()
    ]
    print("Builtin datasets")
    print("\n".join(_table(("NAME", "TASK", "ROWS", "COLUMNS"), builtin_rows, {2, 3})))
    try:
        _settings, database = _open_database()
        with database.session() as session:
            versions = list_dataset_versions(session)
            rows = [
                (
                    v.name,
                    v.sha256[:VERSION_PREFIX],
                    str(v.n_rows),
                    str(v.n_columns),
                    human_size(v.size_bytes),
                    format_time(v.created_at, missing="-"),
                )
                for v in versions
            ]
    except StoreError as error:
        return _error(str(error))
    print("\nRegistered datasets")
    if not rows:
        print("  none yet; register one with: optunagui datasets add FILE --name NAME")
        return 0
    header = ("NAME", "VERSION", "ROWS", "COLUMNS", "SIZE", "ADDED")
    print("\n".join(_table(header, rows, {2, 3, 4})))
    return 0


def _columns_record(dataset: LoadedDataset) -> list[dict[str, Any]]:
    from optunagui.datasets import column_summary

    return [
        {**asdict(info), "is_target": info.name == dataset.target}
        for info in column_summary(dataset.frame, target=dataset.target)
    ]


def _add(args: argparse.Namespace) -> int:
    from optunagui.datasets import DatasetError, load_file, store_dataset_file
    from optunagui.store import (
        StoreError,
        add_dataset_version,
        get_dataset_version_by_hash,
        list_dataset_versions,
    )

    name = args.name.strip()
    if not _NAME.match(name):
        return _error(
            f"dataset name {args.name!r} is not valid; valid: 1-200 letters, digits, "
            "spaces, '_', '-' or '.', starting with a letter or digit"
        )
    source = Path(args.file).expanduser()
    try:
        dataset = load_file(source, target=args.target)
    except DatasetError as error:
        return _error(str(error))
    try:
        settings, database = _open_database()
        with database.session() as session:
            same = get_dataset_version_by_hash(session, name, dataset.sha256)
            if same is not None:
                store_dataset_file(settings.data_dir, source)  # puts back a deleted copy
                print(
                    f"{name}: already registered as version {same.sha256[:VERSION_PREFIX]} "
                    f"(added {format_time(same.created_at, missing='-')}); nothing changed"
                )
                print(f"sha256:  {same.sha256}")
                return 0
            known = list_dataset_versions(session, name=name)
            sha256, stored = store_dataset_file(settings.data_dir, source)
            add_dataset_version(
                session,
                name=name,
                sha256=sha256,
                stored_path=str(stored),
                original_filename=source.name,
                n_rows=len(dataset.frame),
                n_columns=len(dataset.frame.columns),
                columns=_columns_record(dataset),
                size_bytes=stored.stat().st_size,
            )
    except DatasetError as error:
        return _error(str(error))
    except StoreError as error:
        return _error(str(error))
    what = f"new version of {name}" if known else f"registered {name}"
    print(f"{what}: version {sha256[:VERSION_PREFIX]} ({len(known) + 1} version(s))")
    print(f"name:    {name}")
    print(f"sha256:  {sha256}")
    print(f"rows:    {len(dataset.frame)}")
    print(f"columns: {len(dataset.frame.columns)} (target {dataset.target}, {dataset.task})")
    print(f"stored:  {stored}")
    return 0


def _version_record(version: Any) -> dict[str, Any]:
    return {
        "id": version.id,
        "name": version.name,
        "sha256": version.sha256,
        "original_filename": version.original_filename,
        "rows": version.n_rows,
        "columns": version.n_columns,
        "size_bytes": version.size_bytes,
        "added_by": version.added_by_name,
        "added_at": version.created_at.isoformat() if version.created_at else None,
        "runs": [
            {"id": run.run_id, "name": run.name, "experiment_id": run.experiment_id,
             "status": run.status}
            for run in version.runs
        ],
    }


def _versions(args: argparse.Namespace) -> int:
    from optunagui.store import StoreError
    from optunagui.store.datasets import list_versions_by_name

    name = args.name.strip()
    try:
        _settings, database = _open_database()
        with database.session() as session:
            versions = list_versions_by_name(session, name)
            records = [_version_record(v) for v in versions]
    except StoreError as error:
        return _error(str(error))
    if not records:
        return _error(f"no dataset named {name!r}; 'optunagui datasets list' shows the names")
    if args.json:
        print(json.dumps(records, indent=2))
        return 0
    rows = [
        (
            r["sha256"][:VERSION_PREFIX],
            str(r["rows"]),
            str(r["columns"]),
            human_size(r["size_bytes"]),
            r["added_by"] or "-",
            format_time(v.created_at, missing="-"),
            ", ".join(f"#{run['id']} {run['name']} ({run['status']}, experiment "
                      f"{run['experiment_id']})" for run in r["runs"]) or "-",
        )
        for r, v in zip(records, versions, strict=True)
    ]
    print(f"{name}: {len(rows)} version(s), newest first")
    header = ("VERSION", "ROWS", "COLUMNS", "SIZE", "ADDED BY", "ADDED", "RUNS")
    print("\n".join(_table(header, rows, {1, 2, 3})))
    return 0
