"""The one entry point for every door (command line, API, wizard): a validated draft and a
user -> `Suggestions` (ranges) and `WarmStart` (configurations to evaluate first); and taking
them into a spec."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from optunagui.recommend.history import find_past_runs
from optunagui.recommend.mattering import Importance, fanova_shares
from optunagui.recommend.record import ParamSuggestion, Suggestions
from optunagui.recommend.suggest import suggest_from_history
from optunagui.recommend.warm_start import DEFAULT_WARM_START, WarmStart, warm_start_from_history
from optunagui.spec.model import QUICK_MAX_TRIALS, ParamSpec
from optunagui.spec.space import resolve_space

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from optunagui.spec.model import ExperimentSpec

__all__ = ["apply_suggestions", "apply_warm_start", "chosen_suggestions", "suggest_for_spec",
           "suggested_space", "warm_start_for_spec"]


def suggest_for_spec(session: Session, spec: ExperimentSpec, user_id: int, *,
                     exclude_run_ids: tuple[int, ...] = (),
                     may_read_run: Callable[[int], bool] | None = None,
                     importance: Importance = fanova_shares) -> Suggestions:
    """Suggestions for a validated draft of a built-in model, from the earlier runs
    ``user_id`` may read (``may_read_run``: a caller's own check of each run on top).

    Raises:
        ValueError: the spec runs the user's own code or an attached study (no preset to
            suggest against).
    """
    if spec.model is None:
        raise ValueError("model: suggestions are for runs of a built-in model; a run of your "
                         "own code has no preset ranges to compare with")
    runs = find_past_runs(session, spec, user_id, exclude_run_ids=exclude_run_ids,
                          may_read_run=may_read_run)
    return suggest_from_history(spec.model, resolve_space(spec), runs, importance=importance)


def chosen_suggestions(suggestions: Suggestions, names: Iterable[str] | None = None
                       ) -> list[ParamSuggestion]:
    """The changed suggestions to take: all of them, or those of ``names``.

    Raises:
        ValueError: a name with no suggested change; the message lists those with one.
    """
    changed = {param.name: param for param in suggestions.changed()}
    if names is None:
        return list(changed.values())
    wanted = list(dict.fromkeys(names))
    unknown = [name for name in wanted if name not in changed]
    if unknown:
        valid = ", ".join(changed) or "none"
        raise ValueError(f"params: no suggested change for {', '.join(unknown)}; "
                         f"parameters with one: {valid}")
    return [changed[name] for name in wanted]


def suggested_space(suggestions: Suggestions, names: Iterable[str] | None = None
                    ) -> dict[str, dict[str, Any]]:
    """Parameter -> its suggested spec entry, for the chosen suggestions."""
    return {param.name: dict(param.suggested) for param in chosen_suggestions(suggestions, names)}


def apply_suggestions(spec: ExperimentSpec | Mapping[str, Any], suggestions: Suggestions,
                      names: Iterable[str] | None = None) -> Any:
    """The spec with the chosen suggestions as its own ``space`` entries.

    Takes an ``ExperimentSpec`` (returns one) or a raw spec mapping as read from a file
    (returns a new mapping, every other field as it was).
    """
    entries = suggested_space(suggestions, names)
    if isinstance(spec, Mapping):
        raw = dict(spec)
        raw["space"] = {**dict(raw.get("space") or {}), **entries}
        return raw
    space = dict(spec.space)
    space.update({name: ParamSpec.model_validate(entry) for name, entry in entries.items()})
    return spec.model_copy(update={"space": space})


def warm_start_for_spec(session: Session, spec: ExperimentSpec, user_id: int, *,
                        k: int = DEFAULT_WARM_START, exclude_run_ids: tuple[int, ...] = (),
                        may_read_run: Callable[[int], bool] | None = None) -> WarmStart:
    """The best ``k`` distinct configurations of the earlier runs the range suggestions read
    (the same runs ``user_id`` may read), adapted to the validated draft's space; at most its
    trial budget.

    Raises:
        ValueError: the spec runs the user's own code (its space is the code's own).
    """
    if spec.model is None:
        raise ValueError("model: a warm start from history is for runs of a built-in model")
    runs = find_past_runs(session, spec, user_id, exclude_run_ids=exclude_run_ids,
                          may_read_run=may_read_run)
    budget = min(spec.budget.n_trials, QUICK_MAX_TRIALS) if spec.quick else spec.budget.n_trials
    metric = spec.metrics[0] if spec.metrics else None
    return warm_start_from_history(
        resolve_space(spec), runs, k=min(k, budget),
        metric=metric.name if metric else None,
        direction=(metric.direction if metric else None) or "maximize")


def apply_warm_start(spec: ExperimentSpec | Mapping[str, Any], warm: WarmStart) -> Any:
    """The spec with the warm start's configurations as its ``warm_start`` (replacing any it
    had; none found: the spec's own is kept). Takes and returns an ``ExperimentSpec`` or a raw
    spec mapping, as ``apply_suggestions``."""
    configs = warm.params()
    if isinstance(spec, Mapping):
        return {**dict(spec), "warm_start": configs} if configs else dict(spec)
    return spec.model_copy(update={"warm_start": configs}) if configs else spec
