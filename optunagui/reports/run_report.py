"""The report of one run: one self-contained HTML page (interactive figures, works offline).

Sections: what was run, results, convergence, importance, feature impact, pruning and
diagnosis, notes, control timeline, environment and timings. Views that cannot be drawn
(no complete trial yet, a dataset that is gone) say why in place of their figure.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from optunagui import analysis
from optunagui.config import Settings
from optunagui.reports.facts import RunFacts, collect_run_facts
from optunagui.reports.page import Page, esc, fmt, table

__all__ = ["ReportOptions", "build_run_report", "render_run_report"]


class ReportOptions:
    """What a report computes beyond the database: feature impact refits the best model,
    unless ``known_feature_impact`` already explains the run's best trial."""

    def __init__(self, *, feature_impact: bool = True, importance_method: str = "auto",
                 known_feature_impact: analysis.FeatureImpactRecord | None = None) -> None:
        self.feature_impact = feature_impact
        self.importance_method = importance_method
        self.known_feature_impact = known_feature_impact


def _range(spec: dict[str, Any]) -> str:
    kind = spec.get("type")
    if kind == "categorical":
        return ", ".join(fmt(c) for c in spec.get("choices") or [])
    if kind == "fixed":
        return f"fixed at {fmt(spec.get('value'))}"
    text = f"[{fmt(spec.get('low'))}, {fmt(spec.get('high'))}]"
    if spec.get("log"):
        text += " log"
    if spec.get("step"):
        text += f" step {fmt(spec.get('step'))}"
    return text


def _has_builtin_model(spec: dict[str, Any]) -> bool:
    return not spec.get("objective") and not spec.get("attached")


def _metrics_text(spec: dict[str, Any]) -> str:
    return ", ".join(f"{m.get('name')} ({m.get('direction') or 'maximize'})"
                     for m in spec.get("metrics") or [])


def _own_code_rows(spec: dict[str, Any]) -> list[tuple[str, Any]]:
    """What was run for an attached study or a run of the user's objective."""
    attached = spec.get("attached")
    if isinstance(attached, dict):
        return [("Study", attached.get("study")), ("Storage", attached.get("storage")),
                ("Run by", "its own code (an attached study: the product only reads it)"),
                ("Metrics", _metrics_text(spec))]
    objective = spec.get("objective") or {}
    sampler, pruner = spec.get("sampler") or {}, spec.get("pruner") or {}
    budget = spec.get("budget") or {}
    return [("Objective", objective.get("function")), ("Setup", objective.get("setup")),
            ("Code version (sha256)", objective.get("code")),
            ("Metrics", _metrics_text(spec)),
            ("Sampler", f"{sampler.get('name', 'tpe')}, seed {fmt(sampler.get('seed'))}"),
            ("Pruner", pruner.get("name", "none")),
            ("Budget", f"{budget.get('n_trials', '—')} trials, "
                       f"{budget.get('max_concurrent', 1)} at a time"),
            ("Resources per trial", spec.get("resources") or {"cpu": 1})]



def _preprocessing(features: dict) -> str:
    """Each feature column's transform as the run applied it (runs validated before this was
    recorded: the transforms their spec chose, the rest by default)."""
    applied = features.get("applied") or {}
    if not applied:
        chosen = features.get("transforms") or {}
        return ("; ".join(f"{c}: {t}" for c, t in chosen.items()) + "; " if chosen else "") + (
            "other columns: the defaults for the model")
    return "; ".join(f"{column}: {transform}" for column, transform in applied.items())


def _setup(page: Page, facts: RunFacts) -> None:
    spec = facts.spec
    page.heading("What was run")
    if not _has_builtin_model(spec):
        page.raw(table(["Setting", "Value"], _own_code_rows(spec)))
        _space_table(page, facts)
        return
    split = spec.get("split") or {}
    sampler = spec.get("sampler") or {}
    pruner = spec.get("pruner") or {}
    budget = spec.get("budget") or {}
    features = spec.get("features") or {}
    dataset = facts.dataset
    shape = (f"{dataset['rows']} rows × {dataset['columns']} columns"
             if dataset.get("rows") is not None else None)
    rows = [
        ("Dataset", dataset.get("source")),
        ("Dataset version (sha256)", dataset.get("version")),
        ("Shape", shape),
        ("Target", dataset.get("target") or "the bundled target"),
        ("Task", spec.get("task") or "inferred from the target"),
        ("Excluded columns", ", ".join(features.get("exclude") or []) or "none"),
        ("Preprocessing", _preprocessing(features)),
        ("Rows without a target (left out)", features.get("rows_without_target", 0)),
        ("Split", f"{split.get('method', 'kfold')}, {split.get('folds', 5)} folds, "
                  f"test share {split.get('test_size', 0.2)}, seed {split.get('seed', 0)}"),
        ("Model", f"{spec.get('model')} (preset {spec.get('preset') or 'default'})"),
        ("Metrics", ", ".join(f"{m.get('name')} ({m.get('direction') or 'maximize'})"
                              for m in spec.get("metrics") or [])),
        ("Sampler", f"{sampler.get('name', 'tpe')}, seed {fmt(sampler.get('seed'))}"),
        ("Pruner", pruner.get("name", "none")),
        ("Budget", f"{budget.get('n_trials', '—')} trials, {budget.get('max_concurrent', 1)} "
                   f"at a time, timeout {fmt(budget.get('timeout_s'))} s"),
        ("Resources per trial", spec.get("resources") or {"cpu": 1}),
        ("Quick mode", bool(spec.get("quick"))),
    ]
    page.raw(table(["Setting", "Value"], rows))
    _space_table(page, facts)


def _space_table(page: Page, facts: RunFacts) -> None:
    page.heading("Search space", 3)
    current = facts.current_space or {}
    space_rows = []
    space = facts.space or (current if not _has_builtin_model(facts.spec) else {})
    for name, param in space.items():
        param = param if isinstance(param, dict) else {}
        changed = current.get(name)
        during = _range(changed) if isinstance(changed, dict) and changed != param else ""
        space_rows.append((name, param.get("type"), _range(param), during or "—"))
    page.raw(table(["Parameter", "Type", "Range", "Changed during the run to"], space_rows))


def _results(page: Page, facts: RunFacts) -> None:
    page.heading("Results")
    counts = facts.counts
    page.paragraph(
        f"{sum(counts.values())} trials: {counts.get('complete', 0)} complete, "
        f"{counts.get('pruned', 0)} pruned, {counts.get('failed', 0)} failed, "
        f"{counts.get('running', 0)} running. Status: {facts.status}"
        + (f" ({facts.status_reason})" if facts.status_reason else "") + "."
    )
    if facts.best_trial is None:
        page.paragraph("No trial has completed, so there is no best result yet.", "verdict")
        return
    page.heading(f"Best trial: {facts.best_trial}", 3)
    page.raw(table(["Metric", "Validation value"], facts.best_values.items()))
    page.raw(table(["Parameter", "Value"], facts.best_params.items()))
    if facts.fold_spread:
        page.heading("Validation metrics per fold", 3)
        page.raw(table(
            ["Metric", "Mean", "Std. dev.", "Min", "Max", "Folds"],
            [(s.metric, s.mean, s.sd, min(s.scores), max(s.scores), len(s.scores))
             for s in facts.fold_spread],
        ))
    extra = {k: v for k, v in facts.best_metrics.items() if k not in facts.best_values}
    if extra:
        page.raw(table(["Other measurements of the best trial", "Value"], extra.items()))
    test = facts.test_result
    if test:
        page.heading("Held-out test score", 3)
        scores = test.get("test_scores") or {}
        page.paragraph(f"Trial {test.get('trial_number')}'s pipeline refitted on the search "
                       f"data and scored on {test.get('n_test_rows')} held-out rows.")
        page.raw(table(["Metric", "Test value"], scores.items()))
    elif _has_builtin_model(facts.spec):
        page.paragraph("No held-out test score yet: train the best model "
                       f"(optunagui train-best {facts.run_id}) to get one.", "muted")


def _importance(session: Session, settings: Settings | None, facts: RunFacts, frame: Any,
                options: ReportOptions) -> tuple[Any, str] | None:
    metric = frame.metric_names[0]
    if frame.complete(metric).size < 2 or not frame.params:
        return None
    if settings is not None and options.importance_method in ("auto", "fanova"):
        cached = analysis.cache_for(settings.data_dir).latest(facts.run_id, "fanova", metric)
        if cached is not None:
            return analysis.draw_importance(cached), cached.note
    method = "fanova" if options.importance_method == "fanova" else "ped_anova"
    record = analysis.compute_importance(frame, objective=metric, method=method,
                                         run_id=facts.run_id)
    return analysis.draw_importance(record), record.note


def _analysis_sections(page: Page, session: Session, settings: Settings | None,
                       facts: RunFacts, options: ReportOptions) -> None:
    frame = analysis.load_frame(session, facts.run_id)
    metric = frame.metric_names[0]
    complete = frame.complete(metric).size
    page.heading("Convergence")
    if complete:
        record = analysis.compute_convergence(frame, objective=metric)
        page.raw(f'<p class="verdict">{esc(record.verdict)}</p>')
        page.figure(analysis.draw_convergence(record), "Best so far against what random search "
                                                       "of the same space would reach.")
        page.figure(analysis.plot_history(frame, objective=metric), "Each parameter's value "
                                                                    "against trial number.")
    else:
        page.paragraph("No complete trial yet.", "muted")
    page.heading("Hyperparameter importance")
    importance = _importance(session, settings, facts, frame, options)
    if importance is None:
        page.paragraph("Importance needs at least two complete trials and a tuned parameter.",
                       "muted")
    else:
        page.figure(importance[0], importance[1])
    page.heading("Feature impact of the best trial")
    _feature_impact(page, settings, facts, options)
    page.heading("Pruning and diagnosis")
    if complete:
        exploration = analysis.compute_exploration(frame, objective=metric)
        values = analysis.load_pruning_values(session, facts.run_id, frame, objective=metric)
        pruning = analysis.compute_pruning(frame, values, objective=metric)
        workers = analysis.compute_workers(frame)
        page.raw(table(["View", "Verdict"], [("Exploration", exploration.verdict),
                                             ("Pruning", pruning.verdict),
                                             ("Workers", workers.verdict)]))
        if pruning.step is not None:
            page.figure(analysis.draw_pruning(pruning), "Early against final scores of the "
                                                        "trials that ran to the end.")
        page.figure(analysis.draw_workers(workers), "Trials per worker over time.")
    else:
        page.paragraph("No complete trial yet.", "muted")


def _feature_impact(page: Page, settings: Settings | None, facts: RunFacts,
                    options: ReportOptions) -> None:
    if facts.best_trial is None:
        page.paragraph("No complete trial yet.", "muted")
        return
    if not _has_builtin_model(facts.spec):
        page.paragraph("Not computed: the product does not know how to refit the model of "
                       "your own code or an attached study.", "muted")
        return
    if not options.feature_impact:
        page.paragraph("Not computed for this report (it refits the best model).", "muted")
        return
    record = options.known_feature_impact
    if record is None or (record.run_id, record.trial_number) != (facts.run_id,
                                                                  facts.best_trial):
        try:
            record = analysis.compute_feature_impact(
                facts.spec, facts.best_params, settings, run_id=facts.run_id,
                trial_number=facts.best_trial)
        except analysis.FeatureImpactError as error:
            page.paragraph(f"Feature impact could not be computed: {error}", "verdict")
            return
    page.paragraph(record.note, "muted")
    if record.importances:
        page.figure(analysis.draw_model_importance(record), "The model's own importances.")
    page.figure(analysis.draw_shap_bar(record), "Mean |SHAP value| per input column.")


def _notes(page: Page, facts: RunFacts) -> None:
    page.heading("Notes")
    if not facts.notes:
        page.paragraph("No notes.", "muted")
        return
    for note in facts.notes:
        about = ("the experiment" if note.run_id is None else
                 f"trial {note.trial_number}" if note.trial_number is not None else "the run")
        edited = f", edited {fmt(note.updated_at)}" if note.updated_at else ""
        page.raw(
            f'<div class="note"><p class="muted">{esc(note.author or "a former user")} on '
            f"{esc(about)}, {esc(fmt(note.created_at))}{esc(edited)}</p>"
            f"{page.markdown(note.body)}</div>"
        )


def _timeline_and_environment(page: Page, facts: RunFacts, started: float) -> None:
    page.heading("Run timeline")
    events = [("created", facts.created_at, f"by {facts.created_by or 'unknown'}"),
              ("started", facts.started_at, ""), ("finished", facts.finished_at, facts.status)]
    events += [(f"control: {e.get('kind')}", e.get("at"),
                e.get("status") or e.get("error") or fmt(e.get("payload") or ""))
               for e in facts.control_events]
    page.raw(table(["Event", "When", "Detail"], [e for e in events if e[1] is not None]))
    page.heading("Environment")
    cluster = [("Workers seen", ", ".join(facts.workers) or "—"),
               ("GPUs used", ", ".join(facts.gpu_ids) or "none")]
    cluster += _recorded_cluster(facts)
    page.raw(table(["Cluster", "Value"], cluster))
    recorded = ("when the run started" if facts.environment_recorded
                else "when this report was made")
    page.raw(table(["Package", "Version"], [("Recorded", recorded), *facts.environment.items()]))
    page.heading("Timings")
    seconds = facts.trial_seconds
    rows = [
        ("Wall time of the run (s)", facts.wall_seconds),
        ("Trial time, summed (s)", sum(seconds) if seconds else None),
        ("Trial time, median (s)", statistics.median(seconds) if seconds else None),
        ("Trial time, longest (s)", max(seconds) if seconds else None),
        ("This report took (s)", round(time.perf_counter() - started, 2)),
    ]
    page.raw(table(["Timing", "Value"], rows))


def _recorded_cluster(facts: RunFacts) -> list[tuple[str, Any]]:
    """The Ray cluster's resources as the driver saw them at the start, and at each resume."""
    rows: list[tuple[str, Any]] = []
    for number, entry in enumerate(facts.environment_entries):
        cluster = entry.get("cluster") if isinstance(entry.get("cluster"), dict) else {}
        if not cluster:
            continue
        when = "at the start" if number == 0 else f"at resume {number} ({fmt(entry.get('at'))})"
        resources = cluster.get("resources") or {}
        rows.append((f"Nodes {when}", cluster.get("nodes")))
        rows.append((f"Resources {when}", ", ".join(
            f"{name} {_amount(name, amount)}" for name, amount in sorted(resources.items()))))
    return rows


def _amount(name: str, amount: Any) -> str:
    if "memory" in name and isinstance(amount, int | float):
        return f"{amount / 2**30:.1f} GiB"
    return fmt(amount)


def render_run_report(session: Session, facts: RunFacts, settings: Settings | None = None,
                      options: ReportOptions | None = None) -> str:
    options = options or ReportOptions()
    started = time.perf_counter()
    page = Page(f"Run {facts.run_id}: {facts.name} · report",
                remote_images=settings is not None and settings.allow_remote_images)
    quick = ' <span class="badge">quick</span>' if facts.quick else ""
    page.raw(f"<h1>{esc(facts.name)}{quick}</h1>")
    page.paragraph(f"Run {facts.run_id} of experiment “{facts.experiment_name}”, "
                   f"{facts.status}. Report made {fmt(_now())}.", "muted")
    _setup(page, facts)
    _results(page, facts)
    _analysis_sections(page, session, settings, facts, options)
    _notes(page, facts)
    _timeline_and_environment(page, facts, started)
    return page.render()


def build_run_report(session: Session, run_id: int, settings: Settings | None = None,
                     options: ReportOptions | None = None) -> str:
    """The run's report as one HTML page.

    Raises:
        LookupError: no such run.
    """
    facts = collect_run_facts(session, run_id, settings)
    return render_run_report(session, facts, settings, options)


def _now() -> Any:
    return datetime.now(UTC)
