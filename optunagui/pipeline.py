"""A run's pipeline log: the whole chain that produced it, step by step, from the database.

The chain is dataset -> features -> split -> model -> search (sampler, pruner, budget) ->
trials, then the environment each driver start recorded and the control events. Each step is
a small JSON-able dict ``{"key", "title", "fields"}`` so a report, the command line or a person
can state exactly what was done.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from optunagui.datasets import load_builtin
from optunagui.features import TRANSFORM_WORDS
from optunagui.objective import QUICK_MAX_ROWS
from optunagui.store.attached import get_attached
from optunagui.store.datasets import get_dataset_version
from optunagui.store.experiments import get_experiment
from optunagui.store.runs import get_run
from optunagui.store.tables import Run, TrialEvent
from optunagui.store.trials import count_trials_by_state, get_best_trial
from optunagui.store.users import get_user

__all__ = ["dataset_facts", "pipeline_log"]

Step = dict[str, Any]


def _step(key: str, title: str, **fields: Any) -> Step:
    return {"key": key, "title": title, "fields": fields}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def dataset_facts(session: Session, run: Run) -> dict[str, Any]:
    """Where the run's data came from: source, target, version hash (sha256) and shape."""
    spec_dataset = dict((run.spec or {}).get("dataset") or {})
    facts: dict[str, Any] = {
        "source": spec_dataset.get("builtin") and f"built-in {spec_dataset['builtin']}"
        or spec_dataset.get("path"),
        "target": spec_dataset.get("target"),
        "version": spec_dataset.get("version"),
    }
    if spec_dataset.get("builtin"):
        try:
            loaded = load_builtin(spec_dataset["builtin"], **(spec_dataset.get("options") or {}))
        except (KeyError, ValueError, TypeError):
            loaded = None
        if loaded is not None:
            rows, columns = loaded.frame.shape
            facts.update(rows=rows, columns=columns, version=loaded.sha256,
                         target=loaded.target)
    if run.dataset_version_id is not None:
        version = get_dataset_version(session, run.dataset_version_id)
        if version is not None:
            facts.update(
                source=f"{version.name} ({version.original_filename or 'uploaded file'})",
                version=version.sha256, rows=version.n_rows, columns=version.n_columns,
                size_bytes=version.size_bytes,
            )
    return facts


def _username(session: Session, user_id: Any) -> str | None:
    if not isinstance(user_id, int):
        return None
    user = get_user(session, user_id)
    return user.username if user is not None else f"user {user_id}"


def _run_step(session: Session, run: Run) -> Step:
    experiment = get_experiment(session, run.experiment_id)
    return _step(
        "run", "Run", id=run.id, name=run.name,
        experiment=experiment.name if experiment is not None else None,
        status=run.status, status_reason=run.status_reason,
        created_by=_username(session, run.created_by), created_at=_iso(run.created_at),
        started_at=_iso(run.started_at), finished_at=_iso(run.finished_at),
        study_name=((run.spec or {}).get("attached") or {}).get("study") or run.study_name,
        quick=bool((run.spec or {}).get("quick")),
    )


def _dataset_step(session: Session, run: Run) -> Step:
    facts = dataset_facts(session, run)
    shape = (f"{facts['rows']} rows × {facts['columns']} columns"
             if facts.get("rows") is not None else None)
    options = ((run.spec or {}).get("dataset") or {}).get("options") or {}
    return _step("dataset", "Dataset", source=facts.get("source"), target=facts.get("target"),
                 version=facts.get("version"), shape=shape, options=dict(options) or None)


def _features_step(spec: dict[str, Any]) -> Step:
    features = spec.get("features") or {}
    applied = dict(features.get("applied") or {})
    return _step("features", "Features", excluded=list(features.get("exclude") or []),
                 transforms=dict(features.get("transforms") or {}),
                 applied={c: f"{t}: {TRANSFORM_WORDS.get(t, t)}" for c, t in applied.items()},
                 rows_without_target=features.get("rows_without_target", 0))


def _split_step(spec: dict[str, Any]) -> Step:
    split = spec.get("split") or {}
    method = split.get("method", "kfold")
    return _step(
        "split", "Split", method=method,
        folds=None if method == "holdout" else split.get("folds", 5),
        test_size=split.get("test_size", 0.2), seed=split.get("seed", 0),
        shuffle=split.get("shuffle", True), group=split.get("group"),
    )


def _control_rows(session: Session, run_id: int) -> list[tuple[datetime, dict[str, Any]]]:
    rows = session.execute(
        select(TrialEvent.created_at, TrialEvent.metrics)
        .where(TrialEvent.run_id == run_id, TrialEvent.kind == "control")
        .order_by(TrialEvent.id)
    ).all()
    return [(at, dict(metrics or {})) for at, metrics in rows]


def _model_step(run: Run, spec: dict[str, Any],
                controls: list[tuple[datetime, dict[str, Any]]]) -> Step:
    changes = [
        {"at": _iso(at), "old": event.get("old"), "new": event.get("new")}
        for at, event in controls
        if event.get("kind") == "ranges" and event.get("status") == "applied"
    ]
    final_space = dict(run.current_space or spec.get("space") or {})
    return _step(
        "model", "Model", family=spec.get("model"), preset=spec.get("preset") or "default",
        task=spec.get("task"),
        metrics=[f"{m.get('name')} ({m.get('direction') or 'maximize'})"
                 for m in spec.get("metrics") or []],
        initial_space=dict(spec.get("space") or {}), final_space=final_space,
        space_changes=changes,
    )


def _search_step(spec: dict[str, Any]) -> Step:
    sampler = spec.get("sampler") or {}
    pruner = dict(spec.get("pruner") or {"name": "none"})
    if pruner.get("name") == "none":
        pruner = {"name": "none"}
    elif pruner.get("name") == "asha":
        pruner.pop("min_samples_required", None)
    elif pruner.get("name") == "median":
        pruner.pop("reduction_factor", None)
    budget = spec.get("budget") or {}
    fields: dict[str, Any] = {
        "sampler": sampler.get("name", "tpe"), "sampler_seed": sampler.get("seed"),
        "sampler_options": dict(sampler.get("options") or {}) or None,
        "pruner": pruner, "n_trials": budget.get("n_trials"),
        "max_concurrent": budget.get("max_concurrent", 1), "timeout_s": budget.get("timeout_s"),
        "resources_per_trial": dict(spec.get("resources") or {}),
        "max_failures": spec.get("max_failures", 0), "quick": bool(spec.get("quick")),
    }
    if spec.get("quick"):
        fields["quick_subsample"] = (f"search data stratified down to at most "
                                     f"{QUICK_MAX_ROWS:,} rows")
    return _step("search", "Sampler, pruner and budget", **fields)


def _trials_step(session: Session, run: Run) -> Step:
    counts = count_trials_by_state(session, run.id)
    best = get_best_trial(session, run.id)
    return _step(
        "trials", "Trials", total=sum(counts.values()), **counts, budget=run.n_trials_budget,
        best_trial=best.number if best is not None else None,
        best_values=list(best.values or []) if best is not None else None,
        best_params=dict(best.params or {}) if best is not None else None,
    )


def _environment_steps(run: Run) -> list[Step]:
    entries = [e for e in run.environment or [] if isinstance(e, dict)]
    if not entries:
        return [_step("environment", "Environment", recorded=False,
                      note="no driver has started this run, so nothing was recorded")]
    steps = []
    for number, entry in enumerate(entries):
        cluster = entry.get("cluster") or {}
        title = "Environment at the start" if number == 0 else f"Environment at resume {number}"
        steps.append(_step("environment", title, recorded=True, at=entry.get("at"),
                           packages=dict(entry.get("packages") or {}),
                           nodes=cluster.get("nodes"),
                           resources=dict(cluster.get("resources") or {})))
    return steps


def _control_step(session: Session, run: Run,
                  controls: list[tuple[datetime, dict[str, Any]]]) -> Step:
    latest = run.control or {}
    events = []
    for at, event in controls:
        requester = event.get("requested_by")
        if requester is None and event.get("request_id") == latest.get("id"):
            requester = latest.get("requested_by")
        item: dict[str, Any] = {
            "at": _iso(at), "kind": event.get("kind"), "status": event.get("status"),
            "requested_by": _username(session, requester) or "not recorded",
        }
        if event.get("error"):
            item["error"] = event["error"]
        if event.get("kind") == "ranges" and event.get("new"):
            item["new"] = event["new"]
        events.append(item)
    pending = None
    if latest and latest.get("id") != run.control_ack_id:
        pending = {"kind": latest.get("kind"), "requested_at": latest.get("requested_at"),
                   "requested_by": _username(session, latest.get("requested_by"))}
    return _step("control", "Control events", events=events, pending=pending)


def _attached_step(session: Session, run: Run) -> Step:
    row = get_attached(session, run.id)
    if row is None:
        return _step("attached", "Attached study", recorded=False)
    return _step("attached", "Attached study (run by its own code)", study=row.study_name,
                 storage=row.storage_shown, following=row.following,
                 mirrored_trials=row.mirrored_trials, last_read=_iso(row.last_poll_at),
                 last_error=row.last_error)


def pipeline_log(session: Session, run_id: int) -> list[Step]:
    """The run's pipeline, in order: run, dataset, features, split, model, search, trials,
    environment (one step per driver start), control events; for an attached study: run,
    the study (where, how far it is mirrored), its metrics and space, trials.

    Raises:
        LookupError: no such run.
    """
    run = get_run(session, run_id)
    if run is None:
        raise LookupError(f"run {run_id} does not exist")
    spec = dict(run.spec or {})
    controls = _control_rows(session, run_id)
    if spec.get("attached"):
        return [_run_step(session, run), _attached_step(session, run),
                _model_step(run, spec, controls), _trials_step(session, run)]
    return [
        _run_step(session, run),
        _dataset_step(session, run),
        _features_step(spec),
        _split_step(spec),
        _model_step(run, spec, controls),
        _search_step(spec),
        _trials_step(session, run),
        *_environment_steps(run),
        _control_step(session, run, controls),
    ]
