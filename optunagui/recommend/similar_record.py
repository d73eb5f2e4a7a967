"""The similar-runs record: the earlier runs most like a draft (or a run), which of them it
nearly duplicates, and the regions of its space none of them searched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from optunagui.recommend.novelty import Unexplored
from optunagui.recommend.ranges import fmt
from optunagui.recommend.similar import Similarity

__all__ = ["SimilarRun", "SimilarRuns", "day_text"]


def day_text(when: datetime | None, now: datetime | None = None) -> str:
    """"3 Nov" this year, "3 Nov 2025" in another."""
    if when is None:
        return "an unknown day"
    now = now or datetime.now(UTC)
    text = f"{when.day} {when:%b}"
    return text if when.year == now.year else f"{text} {when.year}"


@dataclass(frozen=True)
class SimilarRun:
    """An earlier run, how similar it is, and what it found."""

    run_id: int
    experiment_id: int
    experiment: str
    name: str
    model: str | None
    created_at: datetime | None
    similarity: Similarity
    n_trials: int  # complete trials
    best_value: float | None
    metric: str
    near_duplicate: bool

    @property
    def score(self) -> float:
        return self.similarity.score

    @property
    def message(self) -> str:
        """"You ran this on 3 Nov: best 0.931 after 200 trials (run 12 in experiment X)"."""
        best = (f"best {fmt(self.best_value)}" if self.best_value is not None
                else "no best value")
        trials = f"{self.n_trials} trial{'s' if self.n_trials != 1 else ''}"
        return (f"You ran this on {day_text(self.created_at)}: {best} after {trials} "
                f"(run {self.run_id} in experiment {self.experiment})")

    def to_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "experiment_id": self.experiment_id,
                "experiment": self.experiment, "name": self.name, "model": self.model,
                "created_at": self.created_at.isoformat() if self.created_at else None,
                **self.similarity.to_dict(), "n_trials": self.n_trials,
                "best_value": self.best_value, "metric": self.metric,
                "near_duplicate": self.near_duplicate, "message": self.message}


@dataclass(frozen=True)
class SimilarRuns:
    """Attributes:
        runs: the most similar earlier runs, most similar first.
        near_duplicates: the earlier runs the draft nearly duplicates, most similar first
            (also among ``runs``, whatever the limit).
        unexplored: the regions no earlier run of the same model on the same (or, lacking
            one, similar) data searched.
        compared: how many earlier runs were compared.
    """

    runs: tuple[SimilarRun, ...]
    near_duplicates: tuple[SimilarRun, ...]
    unexplored: tuple[Unexplored, ...]
    compared: int

    @property
    def verdict(self) -> str:
        if not self.near_duplicates:
            return "not a near-duplicate of an earlier run you may read"
        first = self.near_duplicates[0]
        more = len(self.near_duplicates) - 1
        return first.message + (f"; and {more} more near-duplicate" + ("s" if more > 1 else "")
                                if more else "")

    def to_dict(self) -> dict[str, Any]:
        return {"runs": [r.to_dict() for r in self.runs],
                "near_duplicates": [r.to_dict() for r in self.near_duplicates],
                "near_duplicate": bool(self.near_duplicates), "verdict": self.verdict,
                "unexplored": [u.to_dict() for u in self.unexplored],
                "compared": self.compared}
