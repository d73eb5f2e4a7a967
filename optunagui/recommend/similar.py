"""How similar an earlier run is to a draft (pure: no database), and when it is a near-duplicate.

The score is a weighted mean of parts, each in [0, 1] (``WEIGHTS``):

- ``dataset``: 1 for the same dataset version (content hash, or a built-in's name with its
  options), ``DATA_PARTS`` for the same columns or similar data (``recommend.datasets``), else 0;
- ``model``: 1 for the same model family, else 0;
- ``space``: the search spaces' overlap (``recommend.overlap``);
- ``split``: 1 for the same split settings, 0.5 for the same method with other settings, else 0;
- ``metric``: 1 for the same metrics and directions, 0.5 when only the first is the same, else 0;
- ``task``: 1 for the same task, else 0.

A draft is a **near-duplicate** of an earlier run when the dataset version, model, split and
metrics are all the same and the spaces overlap by at least ``NEAR_DUPLICATE`` (0.9), and that
run has at least one complete trial (a run that never finished a trial taught nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from optunagui.recommend.overlap import space_overlap
from optunagui.spec.model import ParamSpec

__all__ = ["DATA_PARTS", "NEAR_DUPLICATE", "WEIGHTS", "Comparable", "Similarity",
           "is_near_duplicate", "same_setup", "score_similarity"]

NEAR_DUPLICATE = 0.9
WEIGHTS = {"dataset": 0.30, "model": 0.20, "space": 0.25, "split": 0.10, "metric": 0.10,
           "task": 0.05}
DATA_PARTS = {"same dataset": 1.0, "same columns": 0.6, "similar data": 0.3}


@dataclass(frozen=True)
class Comparable:
    """What the score compares of a draft or a run.

    Attributes:
        identity: the dataset's identity (``datasets.dataset_identity``), None when unknown.
        split: the spec's ``split`` section, defaults filled in.
        metrics: (name, direction) of each metric, the optimised one first.
    """

    model: str | None
    task: str | None
    identity: str | None
    split: Mapping[str, Any]
    metrics: tuple[tuple[str, str], ...]
    space: Mapping[str, ParamSpec] = field(default_factory=dict)


@dataclass(frozen=True)
class Similarity:
    score: float
    parts: dict[str, float]
    params: dict[str, float]
    data_match: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"score": round(self.score, 4),
                "parts": {k: round(v, 4) for k, v in self.parts.items()},
                "params": {k: round(v, 4) for k, v in self.params.items()},
                "data_match": self.data_match}


def _split_part(a: Mapping[str, Any], b: Mapping[str, Any]) -> float:
    if dict(a) == dict(b):
        return 1.0
    return 0.5 if a.get("method") == b.get("method") else 0.0


def _metric_part(a: tuple[tuple[str, str], ...], b: tuple[tuple[str, str], ...]) -> float:
    if a == b:
        return 1.0
    return 0.5 if a and b and a[0] == b[0] else 0.0


def score_similarity(draft: Comparable, past: Comparable, data_match: str | None = None
                     ) -> Similarity:
    """The similarity of an earlier run ``past`` to ``draft``.

    Args:
        data_match: how ``past``'s data relates to the draft's when the identities differ
            ("same columns", "similar data" or None; see ``recommend.datasets.match_of``).
    """
    same_data = draft.identity is not None and draft.identity == past.identity
    match = "same dataset" if same_data else data_match if data_match != "same dataset" else None
    overlap, params = space_overlap(draft.space, past.space)
    parts = {
        "dataset": DATA_PARTS.get(match or "", 0.0),
        "model": 1.0 if draft.model is not None and draft.model == past.model else 0.0,
        "space": overlap,
        "split": _split_part(draft.split, past.split),
        "metric": _metric_part(draft.metrics, past.metrics),
        "task": 1.0 if draft.task == past.task else 0.0,
    }
    score = sum(WEIGHTS[name] * value for name, value in parts.items())
    return Similarity(score=score, parts=parts, params=params, data_match=match)


def same_setup(similarity: Similarity) -> bool:
    """The near-duplicate rule without the trials: the same dataset version, model, split and
    metrics, and spaces overlapping by ``NEAR_DUPLICATE`` or more."""
    parts = similarity.parts
    return (parts["space"] >= NEAR_DUPLICATE
            and all(parts[name] == 1.0 for name in ("dataset", "model", "split", "metric")))


def is_near_duplicate(similarity: Similarity, n_complete: int) -> bool:
    """The near-duplicate rule of the module doc (``n_complete``: the run's complete trials)."""
    return n_complete >= 1 and same_setup(similarity)
