"""The suggestion record: per parameter the draft's range, the suggested one and why, with the
earlier runs it came from."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["CHANGES", "MATCHES", "ParamSuggestion", "SourceRun", "Suggestions"]

#: How a suggestion changes a parameter: "keep" leaves the draft's entry as it is.
CHANGES = ("narrow", "widen", "fix", "choices", "keep")
#: How the earlier runs' data relates to the draft's, closest first.
MATCHES = ("same dataset", "same columns", "similar data")


@dataclass(frozen=True)
class ParamSuggestion:
    """One parameter: the draft's entry and the suggested one (both ParamSpec dicts)."""

    name: str
    current: dict[str, Any]
    suggested: dict[str, Any]
    change: str
    reason: str

    @property
    def changed(self) -> bool:
        return self.change != "keep"


@dataclass(frozen=True)
class SourceRun:
    """An earlier run the suggestions were computed from."""

    run_id: int
    experiment_id: int
    name: str
    match: str
    n_trials: int  # finished (complete) trials with a value
    n_best: int  # how many of them count as its best


@dataclass(frozen=True)
class Suggestions:
    """Everything suggested for one draft, with where it came from."""

    model: str
    match: str | None
    runs: tuple[SourceRun, ...] = ()
    params: tuple[ParamSuggestion, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def n_trials(self) -> int:
        return sum(run.n_trials for run in self.runs)

    @property
    def source(self) -> str:
        """Where the suggestions come from, e.g. "from runs 3 and 7, 412 trials (same dataset)"."""
        if not self.runs:
            return (f"no earlier run of {self.model} you may read, on the same or similar data, "
                    "has enough finished trials")
        ids = [str(run.run_id) for run in self.runs]
        listed = ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " and " + ids[-1]
        noun = "run" if len(ids) == 1 else "runs"
        return f"from {noun} {listed}, {self.n_trials:,} trials ({self.match})"

    def changed(self) -> list[ParamSuggestion]:
        return [param for param in self.params if param.changed]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(source=self.source, n_trials=self.n_trials)
        data["runs"] = list(data["runs"])
        data["params"] = [dict(p, changed=p["change"] != "keep") for p in data["params"]]
        data["notes"] = list(data["notes"])
        return data
