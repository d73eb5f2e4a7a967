"""`optunagui models RUN_ID`: the numbered model versions `train-best` made for a run."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from optunagui.cli._runs import open_database, require_run
from optunagui.config import load_settings

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    models = subparsers.add_parser(
        "models", help="a run's model versions (made by train-best): trial, test score, path"
    )
    models.add_argument("run_id", type=int, metavar="RUN_ID")
    models.add_argument("--json", action="store_true", help="print one JSON list")
    models.set_defaults(handler=_models)


def _models(args: argparse.Namespace) -> int:
    from optunagui.store.models import list_model_versions

    settings = load_settings()
    with open_database(settings) as database:
        run = require_run(database, args.run_id)
        with database.session() as session:
            rows = list_model_versions(session, args.run_id)
            versions = [_describe(row, run["spec"]) for row in rows]
    if args.json:
        print(json.dumps(versions))
        return 0
    if not versions:
        print(f"run {args.run_id} has no model versions yet; "
              f"`optunagui train-best {args.run_id}` makes one")
        return 0
    metric = versions[0]["test_metric"] or "score"
    header = ("version", "trial", f"test {metric}", "created (UTC)", "path")
    lines = [header] + [
        (f"v{v['version']}", str(v["trial_number"]), _score(v["test_score"]),
         v["created_at"][:19].replace("T", " "),
         v["path"] + ("" if v["exists"] else "  (missing)"))
        for v in versions
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False))
              + "  " + line[-1])
    return 0


def _describe(row: Any, spec: dict[str, Any]) -> dict[str, Any]:
    scores = dict(row.metrics or {})
    metrics = spec.get("metrics") or []
    primary = metrics[0].get("name") if metrics else next(iter(scores), None)
    return {
        "version": row.version,
        "trial_number": row.trial_number,
        "test_metric": primary,
        "test_score": scores.get(primary) if primary else None,
        "test_scores": scores,
        "path": row.path,
        "exists": Path(row.path).is_dir(),
        "created_at": row.created_at.isoformat(),
    }


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"
