"""What the review step says about earlier runs (no Dash): for each checked spec, the similar
runs the person may read, the ones it nearly duplicates and the unexplored regions; and taking
one region into the space table's rows."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dashapp.pages.new_run.wizard.space_table import space_rows
from optunagui.recommend import similar_runs
from optunagui.spec import ParamSpec

if TYPE_CHECKING:
    from optunagui.recommend import SimilarRuns
    from optunagui.spec import ExperimentSpec
    from optunagui.store import Database

__all__ = ["REVIEW_LIMIT", "kept_regions", "region_key", "review_findings", "with_region"]

#: How many similar runs the review lists per model.
REVIEW_LIMIT = 3


def review_findings(database: Database, specs: Mapping[str, ExperimentSpec], *, user_id: int,
                    may_read_run: Callable[[int], bool] | None = None
                    ) -> dict[str, SimilarRuns]:
    """Model -> what ``similar_runs`` found for its spec (built-in models only)."""
    found: dict[str, SimilarRuns] = {}
    with database.session() as session:
        for model, spec in specs.items():
            if spec.model is None:
                continue
            found[model] = similar_runs(session, user_id, spec, limit=REVIEW_LIMIT,
                                        may_read_run=may_read_run)
    return found


def region_key(model: str, name: str, index: int) -> str:
    return f"{model}/{name}/{index}"


def kept_regions(findings: Mapping[str, SimilarRuns]) -> dict[str, dict[str, Any]]:
    """Key -> {model, name, suggested} of each region not in the draft yet (for "Add to
    draft"; the browser keeps it)."""
    kept: dict[str, dict[str, Any]] = {}
    for model, found in findings.items():
        for index, region in enumerate(found.unexplored):
            if not region.in_draft:
                kept[region_key(model, region.name, index)] = {
                    "model": model, "name": region.name, "suggested": region.suggested}
    return kept


def with_region(rows: Sequence[Mapping[str, Any]], kept: Any, key: str
                ) -> tuple[list[dict[str, Any]], str | None]:
    """The space table's rows with the kept region ``key`` written over its row, and the
    parameter's name (None: no such region, or its row is gone)."""
    entry = kept.get(key) if isinstance(kept, Mapping) else None
    if not isinstance(entry, Mapping):
        return [dict(row) for row in rows], None
    try:
        param = ParamSpec.model_validate(entry.get("suggested"))
    except ValueError:
        return [dict(row) for row in rows], None
    model, name = str(entry.get("model")), str(entry.get("name"))
    out: list[dict[str, Any]] = []
    taken = None
    for row in rows:
        if (str(row.get("model")), str(row.get("name"))) == (model, name):
            out.extend(space_rows(model, {name: param}))
            taken = name
        else:
            out.append(dict(row))
    return out, taken
