"""The mirror of an attached run compared with the study as `optuna.load_study` reads it."""

from __future__ import annotations

import math
from typing import Any

import optuna

from optunagui.store import Database, get_best_trial, get_run, list_events_after, list_trials

_STATES = {"RUNNING": "running", "COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed"}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b)) or math.isclose(a, b)
    return a == b


def mirror_problems(db: Database, run_id: int, storage: Any, study_name: str) -> list[str]:
    """Every difference between the run's trials and events and the study; [] when equal."""
    study = optuna.load_study(study_name=study_name, storage=storage)
    expected = {t.number: t for t in study.get_trials(deepcopy=False)
                if t.state.name != "WAITING"}
    with db.session() as session:
        rows = {t.number: t for t in list_trials(session, run_id)}
        events = list_events_after(session, run_id, 0, limit=10_000_000)
        run = get_run(session, run_id)
        best = get_best_trial(session, run_id)
        kept = (run.best_trial_number, run.best_value)
    problems = []
    if kept != ((best.number, best.value) if best is not None else (None, None)):
        problems.append(f"the run's best {kept} is not its best trial {best}")
    if set(rows) != set(expected):
        problems.append(f"numbers differ: missing {sorted(set(expected) - set(rows))[:10]}, "
                        f"extra {sorted(set(rows) - set(expected))[:10]}")
    steps: dict[int, dict[int, float | None]] = {}
    kinds: dict[int, list[str]] = {}
    for event in events:
        kinds.setdefault(event.trial_number, []).append(event.kind)
        if event.kind == "result":
            if event.step in steps.setdefault(event.trial_number, {}):
                problems.append(f"trial {event.trial_number}: step {event.step} twice")
            steps[event.trial_number][event.step] = next(iter(event.metrics.values()))
    for number, trial in expected.items():
        row = rows.get(number)
        if row is None:
            continue
        state = _STATES[trial.state.name]
        if row.state != state:
            problems.append(f"trial {number}: state {row.state}, study says {state}")
        if row.params != trial.params:
            problems.append(f"trial {number}: params {row.params} != {trial.params}")
        if state == "complete" and not all(
                _same(a, b) for a, b in zip(row.values or [], trial.values, strict=True)):
            problems.append(f"trial {number}: values {row.values} != {trial.values}")
        mirrored = steps.get(number, {})
        if set(mirrored) != set(trial.intermediate_values) or not all(
                _same(mirrored[s], v) for s, v in trial.intermediate_values.items()):
            problems.append(f"trial {number}: steps {mirrored} != {trial.intermediate_values}")
        if trial.user_attrs and (row.user_attrs or {}).get("user") != trial.user_attrs:
            problems.append(f"trial {number}: user attrs {row.user_attrs} != "
                            f"{trial.user_attrs}")
        terminal = [k for k in kinds.get(number, []) if k in ("completed", "pruned", "failed")]
        if kinds.get(number, [])[:1] != ["started"] or kinds[number].count("started") != 1:
            problems.append(f"trial {number}: events {kinds.get(number)}")
        if len(terminal) != (0 if state == "running" else 1):
            problems.append(f"trial {number}: final events {terminal} for state {state}")
    return problems
