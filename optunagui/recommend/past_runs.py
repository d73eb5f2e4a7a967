"""An earlier run as the suggestions read it, and the best of its finished trials."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from optunagui.spec.model import ParamSpec

if TYPE_CHECKING:
    from optunagui.store.trials import TrialRow

__all__ = ["BEST_SHARE", "MIN_BEST", "MIN_TRIALS", "PastRun", "space_of_spec"]

#: A run counts as a source once it has this many complete trials with a value.
MIN_TRIALS = 10
#: Its best trials: this share of its complete trials by its first metric ...
BEST_SHARE = 0.2
#: ... and never fewer than this many.
MIN_BEST = 3


def _parsed(raw: Mapping[str, Any] | None) -> dict[str, ParamSpec]:
    found: dict[str, ParamSpec] = {}
    for name, entry in (raw or {}).items():
        try:
            found[str(name)] = ParamSpec.model_validate(entry)
        except ValueError:
            continue  # an entry that no longer parses says nothing
    return found


def space_of_spec(spec: Mapping[str, Any], current_space: Mapping[str, Any] | None = None
                  ) -> dict[str, ParamSpec]:
    """The space a run searched: its spec's (a validated spec holds it whole), each numeric
    range joined with the run's live range (``Run.current_space``) when it was changed."""
    found = _parsed(spec.get("space"))
    for name, live in _parsed(current_space).items():
        stored = found.get(name)
        if stored is None or stored.type != live.type or live.type not in ("int", "float"):
            continue
        low = min(stored.low, live.low)  # type: ignore[type-var]
        high = max(stored.high, live.high)  # type: ignore[type-var]
        found[name] = stored.model_copy(update={"low": low, "high": high})
    return found


@dataclass(frozen=True)
class PastRun:
    """An earlier run: its searched space, its first metric's direction and its trials.

    Attributes:
        trials: the run's trials (any state); only complete ones with a finite first value
            are read.
        match: how its data relates to the draft's (one of ``record.MATCHES``).
    """

    run_id: int
    experiment_id: int
    name: str
    space: Mapping[str, ParamSpec]
    direction: str
    trials: Sequence[TrialRow]
    match: str = "same dataset"
    metric: str = "value"

    def finished(self) -> list[TrialRow]:
        return list(self._finished)

    @property
    def usable(self) -> bool:
        return len(self._finished) >= MIN_TRIALS

    def best(self) -> list[TrialRow]:
        """Its best complete trials, best first: ``BEST_SHARE`` of them, at least ``MIN_BEST``."""
        return list(self._best)

    @cached_property
    def _finished(self) -> tuple[TrialRow, ...]:
        return tuple(t for t in self.trials if t.state == "complete" and t.value is not None
                     and math.isfinite(t.value))

    @cached_property
    def _best(self) -> tuple[TrialRow, ...]:
        sign = -1.0 if self.direction == "maximize" else 1.0
        ordered = sorted(self._finished, key=lambda t: (sign * float(t.value), t.number))  # type: ignore[arg-type]
        n_best = max(MIN_BEST, math.ceil(BEST_SHARE * len(ordered)))
        return tuple(ordered[:n_best])
