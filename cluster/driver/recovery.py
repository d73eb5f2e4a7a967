"""What a resumed run does first: make the product's tables agree with the study again.

A driver that died (killed, out of memory, machine lost) leaves two kinds of loose ends:

- trials still RUNNING in the study and in our tables: they are marked failed, in both, with
  `ORPHAN_MESSAGE` (and the user attr ``orphaned`` on the Optuna trial, so they do not count
  against the budget);
- trials the study finished but whose last batch of events never reached our tables (the
  event sink writes in batches): their rows are written from the study, which is the record
  of what finished, with the state, values and parameters it holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import optuna

from optunagui import store

if TYPE_CHECKING:
    from optunagui.store import Database

__all__ = ["ORPHAN_MESSAGE", "mark_orphans"]

ORPHAN_MESSAGE = "the driver stopped before this trial finished"

_STATES = {
    optuna.trial.TrialState.COMPLETE: ("complete", "completed"),
    optuna.trial.TrialState.PRUNED: ("pruned", "pruned"),
    optuna.trial.TrialState.FAIL: ("failed", "failed"),
}


def mark_orphans(
    db: Database, run_id: int, storage: optuna.storages.BaseStorage, study_name: str
) -> list[int]:
    """Fail the trials a dead driver left running; record finished ones our tables missed.

    Returns:
        The numbers of the trials marked failed.
    """
    try:
        study = optuna.load_study(study_name=study_name, storage=storage)
        study_trials = study.get_trials(deepcopy=False)
    except KeyError:
        study_trials = []
    with db.session() as session:
        rows = {row.number: row for row in store.list_trials(session, run_id)}
        run = store.get_run(session, run_id)
        current_space = dict(run.current_space or {}) if run is not None else {}
        fixed = {
            name: entry.get("value")
            for name, entry in current_space.items()
            if entry.get("type") == "fixed" and not entry.get("when")
        }
    orphans: set[int] = set()
    recovered: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for trial in study_trials:
        row = rows.get(trial.number)
        if trial.state == optuna.trial.TrialState.RUNNING:
            storage.set_trial_user_attr(trial._trial_id, "fail_reason", ORPHAN_MESSAGE)
            storage.set_trial_user_attr(trial._trial_id, "orphaned", True)
            storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)
            orphans.add(trial.number)
        elif trial.state in _STATES and (row is None or row.state == "running"):
            recovered.append(_row_from_study(trial, row, fixed))
            state, kind = _STATES[trial.state]
            events.append({"kind": kind, "trial_number": trial.number,
                           "step": recovered[-1].get("last_step"),
                           "metrics": {"recovered_from_study": True}})
    orphans.update(
        number for number, row in rows.items()
        if row.state == "running" and number not in {r["number"] for r in recovered}
    )
    with db.session() as session:
        rows_out = recovered + [
            {"number": n, "state": "failed", "error": ORPHAN_MESSAGE} for n in sorted(orphans)
        ]
        if rows_out:
            store.upsert_trials(session, run_id, rows_out)
        events += [
            {"kind": "failed", "trial_number": n, "metrics": {"message": ORPHAN_MESSAGE}}
            for n in sorted(orphans)
        ]
        if events:
            store.append_events(session, run_id, events)
        if recovered:
            store.refresh_run_best(session, run_id)
    return sorted(orphans)


def _row_from_study(
    trial: optuna.trial.FrozenTrial, row: Any, fixed: dict[str, Any]
) -> dict[str, Any]:
    state, _ = _STATES[trial.state]
    out: dict[str, Any] = {"number": trial.number, "state": state, "values": trial.values}
    if trial.intermediate_values:
        out["last_step"] = int(max(trial.intermediate_values))
    if row is None:  # never recorded: take what the study knows
        out["params"] = {**fixed, **trial.params}
        out["tune_trial_id"] = trial.user_attrs.get("tune_trial_id")
    if state == "failed":
        out["error"] = str(trial.user_attrs.get("fail_reason") or "the trial failed")
    return out
