"""Warm-start configurations for a draft: the best distinct configurations of the earlier runs
the range suggestions read (the closest tier, ``history.find_past_runs``), adapted to the
draft's space (pure: no database).

The rule:

- candidates are the complete trials with a finite first value of the source runs. When some
  source runs measure the draft's metric, only theirs count, ranked by value in the draft's
  direction; otherwise each run's trials are ranked by its own metric and direction and the
  runs take turns (a first of each, then a second of each, ...);
- a candidate is adapted to the draft: parameters the draft does not have are dropped, so are
  those its own values make inactive and those the draft fixes (the draft's value applies:
  fixing a parameter is the draft's decision); parameters the draft searches and the trial
  lacks are left to the sampler;
- a candidate with a value the draft's space does not hold (outside a range, off a step, a
  choice it no longer has) is skipped, never clipped: the record says how many better
  candidates were skipped;
- the same configuration twice counts once (its best trial is its source).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from optunagui.recommend.past_runs import PastRun
from optunagui.recommend.ranges import fmt
from optunagui.spec.model import ParamSpec
from optunagui.spec.warm_start import MAX_WARM_START, inactive_names, value_problem

__all__ = ["DEFAULT_WARM_START", "WarmStart", "WarmStartConfig", "adapt_config",
           "warm_start_from_history"]

DEFAULT_WARM_START = 5


@dataclass(frozen=True)
class WarmStartConfig:
    """One configuration to evaluate first, and the earlier trial it comes from."""

    params: dict[str, Any]
    run_id: int
    trial_number: int
    value: float
    metric: str
    sampled: tuple[str, ...] = ()  # the draft's parameters the sampler chooses

    @property
    def source(self) -> str:
        """E.g. "trial 12 of run 3, 0.953"."""
        return f"trial {self.trial_number} of run {self.run_id}, {fmt(float(self.value))}"


@dataclass(frozen=True)
class WarmStart:
    """The configurations found for one draft (best first) and what was left out."""

    configs: tuple[WarmStartConfig, ...] = ()
    asked: int = DEFAULT_WARM_START
    skipped: int = 0  # better candidates whose values the draft's space does not hold
    ranked_by: str = "value"
    runs: tuple[int, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def summary(self) -> str:
        """E.g. "the best 5 configurations of runs 3 and 7 (2 better ones skipped: outside
        the draft's space)"."""
        if not self.runs:
            return "no earlier run to start from"
        ids = [str(run) for run in self.runs]
        listed = ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " and " + ids[-1]
        noun = "run" if len(ids) == 1 else "runs"
        found = len(self.configs)
        text = (f"the best {found} configuration{'s' if found != 1 else ''} of {noun} {listed}"
                if found else f"no configuration of {noun} {listed} fits the draft's space")
        if self.skipped:
            text += (f" ({self.skipped} better one{'s' if self.skipped != 1 else ''} skipped: "
                     "values outside the draft's space)")
        return text

    def params(self) -> list[dict[str, Any]]:
        """The configurations as a spec's ``warm_start``."""
        return [dict(config.params) for config in self.configs]

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary, "asked": self.asked, "skipped": self.skipped,
                "ranked_by": self.ranked_by, "runs": list(self.runs),
                "notes": list(self.notes),
                "configs": [{"params": dict(c.params), "source": c.source, "run_id": c.run_id,
                             "trial_number": c.trial_number, "value": c.value,
                             "metric": c.metric, "sampled": list(c.sampled)}
                            for c in self.configs]}


def adapt_config(params: Mapping[str, Any], space: Mapping[str, ParamSpec]
                 ) -> tuple[dict[str, Any], tuple[str, ...]] | None:
    """An earlier trial's parameters as a configuration of ``space`` and the names left to the
    sampler; None when one of its values does not fit the space (see the module doc)."""
    kept: dict[str, Any] = {}
    for name, value in params.items():
        param = space.get(name)
        if param is None or param.type == "fixed":
            continue
        kept[name] = value_problem(param, value)
    config = {name: value for name, (value, _) in kept.items()}
    for name in inactive_names(config, space):
        del kept[name]
    if any(problem is not None for _, problem in kept.values()):
        return None
    config = {name: value for name, (value, _) in kept.items()}
    known = {**{n: p.value for n, p in space.items() if p.type == "fixed"}, **config}
    sampled = tuple(name for name, param in space.items()
                    if param.type != "fixed" and name not in known
                    and name not in inactive_names({**known, name: None}, space))
    return (config, sampled) if config else None


def _ranked(runs: Sequence[PastRun], metric: str | None, direction: str
            ) -> tuple[list[tuple[PastRun, Any]], str]:
    """(run, trial) candidates, best first, and what ranked them."""
    same = [run for run in runs if metric is not None and run.metric == metric]
    if same:
        sign = -1.0 if direction == "maximize" else 1.0
        pairs = [(run, t) for run in same for t in run.finished()]
        pairs.sort(key=lambda p: (sign * float(p[1].value), p[0].run_id, p[1].number))  # type: ignore[arg-type]
        return pairs, f"{metric} ({direction})"
    per_run = []
    for run in runs:
        sign = -1.0 if run.direction == "maximize" else 1.0
        per_run.append([(run, t) for t in sorted(
            run.finished(), key=lambda t: (sign * float(t.value), t.number))])  # type: ignore[arg-type]
    turns = [pair for rank in range(max((len(r) for r in per_run), default=0))
             for ranked in per_run if rank < len(ranked) for pair in [ranked[rank]]]
    return turns, "each run's own metric, the runs taking turns"


def warm_start_from_history(space: Mapping[str, ParamSpec], runs: Sequence[PastRun], *,
                            k: int = DEFAULT_WARM_START, metric: str | None = None,
                            direction: str = "maximize") -> WarmStart:
    """The best ``k`` distinct configurations of ``runs`` that fit ``space``.

    Args:
        space: the draft's resolved space.
        metric, direction: the draft's first metric (see the module doc for the ranking).
    """
    k = max(0, min(int(k), MAX_WARM_START))
    usable = [run for run in runs if run.usable]
    if not usable or k == 0:
        return WarmStart(asked=k)
    candidates, ranked_by = _ranked(usable, metric, direction)
    chosen: list[WarmStartConfig] = []
    seen: set[str] = set()
    skipped = 0
    for run, trial in candidates:
        if len(chosen) >= k:
            break
        adapted = adapt_config(trial.params or {}, space)
        if adapted is None:
            skipped += 1
            continue
        config, sampled = adapted
        key = json.dumps(config, sort_keys=True, default=str)
        if key in seen:
            continue
        seen.add(key)
        value = float(trial.value)
        if not math.isfinite(value):
            continue
        chosen.append(WarmStartConfig(config, run.run_id, trial.number, value, run.metric,
                                      sampled))
    notes = []
    if any(config.sampled for config in chosen):
        names = sorted({n for config in chosen for n in config.sampled})
        notes.append(f"the earlier runs did not search {', '.join(names)}: the sampler chooses "
                     "them in these trials")
    return WarmStart(tuple(chosen), k, skipped, ranked_by,
                     tuple(sorted({run.run_id for run in usable})), tuple(notes))
