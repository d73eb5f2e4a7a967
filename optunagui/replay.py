"""Replay: a new run with a finished run's exact settings (spec, dataset version, seeds).

With a seeded sampler and one trial at a time, the replay suggests the same parameters in the
same order. The original's live range changes are not replayed: the replay starts from the
spec's ranges, as the original did.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from optunagui.spec import ExperimentSpec, ParamSpec
from optunagui.spec.space import resolve_space, space_to_dict
from optunagui.store import create_run, get_run

__all__ = ["Replay", "ReplayError", "create_replay"]

MAX_NAME = 200


class ReplayError(ValueError):
    """The run cannot be replayed (it does not exist, or its stored spec is not valid)."""


@dataclass(frozen=True)
class Replay:
    run_id: int
    of_run_id: int
    warnings: tuple[str, ...]


def _normal(space: dict[str, Any]) -> dict[str, Any]:
    normal = {}
    for name, raw in space.items():
        try:
            normal[name] = ParamSpec.model_validate(raw).to_dict()
        except (ValidationError, TypeError):
            normal[name] = raw
    return normal


def _start_space(spec: dict[str, Any]) -> dict[str, Any]:
    """The space a run starts from: its spec's ranges over the model preset's."""
    try:
        return space_to_dict(resolve_space(ExperimentSpec.model_validate(spec)))
    except (ValidationError, KeyError, ValueError, TypeError):
        return dict(spec.get("space") or {})


def create_replay(session: Session, run_id: int, *, created_by: int | None) -> Replay:
    """Add a queued run in the same experiment with the run's spec and dataset version.

    The returned warnings say what keeps the replay from repeating the suggestions exactly.
    """
    run = get_run(session, run_id)
    if run is None:
        raise ReplayError(f"run {run_id} does not exist")
    spec = dict(run.spec or {})
    if spec.get("attached"):
        raise ReplayError(f"run {run_id} is an attached study, run by its own code: the "
                          "product cannot run it again (run that code again instead)")
    try:
        ExperimentSpec.model_validate(spec)
    except ValidationError as error:
        problem: Mapping[str, Any] = error.errors()[0] if error.errors() else {}
        where = ".".join(str(p) for p in problem.get("loc", ())) or "spec"
        raise ReplayError(f"run {run_id}'s stored spec cannot run again "
                          f"({where}: {problem.get('msg', 'invalid')})") from None
    warnings = []
    sampler = spec.get("sampler") or {}
    if sampler.get("seed") is None:
        warnings.append("the run's sampler has no seed, so the replay suggests other parameters")
    budget = spec.get("budget") or {}
    if int(budget.get("max_concurrent") or 1) > 1:
        warnings.append(f"{budget['max_concurrent']} trials ran at a time: the order in which they "
                        "finished, and so later suggestions, can differ")
    if run.current_space and _normal(run.current_space) != _normal(_start_space(spec)):
        warnings.append("the ranges changed while the run went on; the replay uses the spec's "
                        "original ranges")
    name = f"{run.name} (replay of #{run.id})"[:MAX_NAME]
    replay = create_run(session, run.experiment_id, name, spec, created_by=created_by,
                        dataset_version_id=run.dataset_version_id)
    return Replay(replay.id, run.id, tuple(warnings))
