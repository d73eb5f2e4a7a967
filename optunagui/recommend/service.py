"""The one entry point for every door (command line, API, wizard): a validated draft and a
user -> `Suggestions`; and taking all or some of them into a spec."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from optunagui.recommend.history import find_past_runs
from optunagui.recommend.mattering import Importance, fanova_shares
from optunagui.recommend.record import ParamSuggestion, Suggestions
from optunagui.recommend.suggest import suggest_from_history
from optunagui.spec.model import ParamSpec
from optunagui.spec.space import resolve_space

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from optunagui.spec.model import ExperimentSpec

__all__ = ["apply_suggestions", "chosen_suggestions", "suggest_for_spec", "suggested_space"]


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
