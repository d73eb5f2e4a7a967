"""Re-evaluating the compared runs' best configurations over several seeds, off the request path.

A re-evaluation trains every best configuration ``n_seeds x folds`` times: seconds to minutes.
The compare page's Re-evaluate button only starts it in the app's ``reevaluation_jobs``
(``optunagui.jobs.JobRunner``) and a timer polls for the result. Results are kept per app,
keyed by the runs, their best trials and the number of seeds, so the same request is answered
from memory; while one re-evaluation runs, a different one is refused.

Both callbacks need only a signed-in user; every run id they touch goes through
``dashapp.access``: the button's through ``selection.compared_runs``, the timer's (sent back
by the browser) through ``access.readable_runs``. Runs of the user's own code are left out, with
one line saying why: the product cannot refit them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import dash
from dash import Input, Output, State, html

from dashapp import access as run_access
from dashapp import components, guard, services
from dashapp.code_runs import NOT_REFITTABLE, runs_builtin_model
from dashapp.guard import Access
from dashapp.pages.compare.ids import ids
from dashapp.pages.compare.selection import MAX_RUNS, compared_runs
from dashapp.pages.compare.views import format_seconds, read_run, run_label, stats_table
from dashapp.permissions import parse_id
from optunagui.analysis.reevaluate import (
    ConfigurationToCheck,
    Reevaluation,
    check_seed_count,
    compare_reevaluated,
    reevaluate,
)
from optunagui.jobs import Job, describe_error

__all__ = [
    "JobKey",
    "JobRequest",
    "job_for",
    "poll_reevaluation",
    "reevaluation_view",
    "register_reevaluation_callbacks",
    "start_job",
    "start_reevaluation",
    "without_code_runs",
]

JobKey = tuple[tuple[int, ...], tuple[int, ...], int]  # run ids, their best trials, seeds


@dataclass(frozen=True)
class JobRequest:
    """What the page keeps in the browser to poll for a job: the runs (added baselines first),
    the pinned baselines among them, the one the tests compare against, and the seeds."""

    run_ids: tuple[int, ...]
    baselines: tuple[int, ...]
    reference: int | None
    n_seeds: int

    def to_data(self) -> dict[str, Any]:
        return {"runs": list(self.run_ids), "baselines": list(self.baselines),
                "reference": self.reference, "seeds": self.n_seeds}

    @classmethod
    def from_data(cls, data: Any, max_runs: int) -> JobRequest | None:
        """The request as the browser sent it back, or None when its shape is wrong (the
        caller still checks that the user may read every run)."""
        if not isinstance(data, dict):
            return None
        runs, pinned = data.get("runs"), data.get("baselines") or []
        if not isinstance(runs, list) or not isinstance(pinned, list) or len(runs) > max_runs:
            return None
        run_ids = [parse_id(run_id) for run_id in runs]
        baselines = [parse_id(run_id) for run_id in pinned]
        n_seeds, _ = check_seed_count(data.get("seeds"))
        reference = parse_id(data.get("reference"))
        checked = [run_id for run_id in run_ids if run_id is not None]
        kept = [run_id for run_id in baselines if run_id is not None]
        if (n_seeds is None or len(checked) < len(run_ids) or len(kept) < len(baselines)
                or not set(kept) <= set(checked)
                or (reference is not None and reference not in kept)):
            return None
        return cls(tuple(checked), tuple(kept), reference, n_seeds)


def _configuration(run_id: int, is_baseline: bool) -> tuple[ConfigurationToCheck, int] | None:
    found = read_run(run_id)
    if found is None:
        return None
    name, spec, frame = found
    best = frame.best_index(0)
    params = frame.best_params(0) if best is not None else {}
    number = int(frame.number[best]) if best is not None else -1
    return ConfigurationToCheck(run_label(run_id, name, is_baseline), spec, params), number


def job_for(run_ids: tuple[int, ...], baselines: tuple[int, ...],
            n_seeds: int) -> tuple[JobKey, dict[int, ConfigurationToCheck]]:
    """The key and the best configurations of readable runs, by run id, in the order given
    (the first one's split is shared by all)."""
    found = [(run_id, _configuration(run_id, run_id in baselines)) for run_id in run_ids]
    kept = sorted((run_id, item) for run_id, item in found if item is not None)
    key = (tuple(run_id for run_id, _ in kept), tuple(item[1] for _, item in kept), n_seeds)
    return key, {run_id: item[0] for run_id, item in found if item is not None}


def start_job(key: JobKey, configurations: dict[int, ConfigurationToCheck]
              ) -> tuple[Job[Reevaluation] | None, str | None]:
    """The job for ``key``: the known one (running or done), or a new one.

    Returns:
        (job, None), or (None, why) when a different re-evaluation is running already.
    """
    state = services.state()
    jobs = state.reevaluation_jobs
    settings = state.settings
    ordered = list(configurations.values())
    job = jobs.start_if_free(key, lambda: reevaluate(ordered, key[2], settings=settings),
                             max_running=jobs.workers)
    if job is None:
        return None, ("Another re-evaluation is running on this server: try again when it has "
                      "finished.")
    return job, None


def reevaluation_view(job: Job[Reevaluation], baseline: str | None) -> Any:
    """Where the job stands, or its pooled statistics with the runs that were left out."""
    if job.running:
        waited = format_seconds(time.monotonic() - job.started)
        return components.message(f"Re-evaluating… ({waited} so far)", "info",
                                  id="compare-reevaluate-pending")
    result = job.result()
    if job.status == "failed" or result is None:
        return components.message(f"The re-evaluation failed: {describe_error(job.error)}",
                                  "danger", id="compare-reevaluate-failed")
    parts: list[Any] = [_label(result)]
    parts += [components.message(f"{label} was not re-evaluated: {why}.", "warning")
              for label, why in result.refused.items()]
    comparisons = tuple(compare_reevaluated(result, baseline=baseline))
    if comparisons:
        parts.append(stats_table(comparisons))
    else:
        parts.append(components.message(
            "Fewer than two runs could be re-evaluated together: nothing to compare.", "info"))
    return parts


def _label(result: Reevaluation) -> Any:
    return html.P(
        f"Re-evaluated over {result.n_seeds} seeds × {result.folds_per_seed} folds "
        f"({result.n_pairs} paired {result.metric} scores per run) in "
        f"{format_seconds(result.seconds)}.", className="mb-2", id="compare-reevaluate-label")


START_OUTPUTS = {
    "feedback": Output(ids.reevaluate_feedback, "children"),
    "job": Output(ids.reevaluate_job, "data"),
    "done": Output(ids.reevaluate_poll, "disabled"),
    "result": Output(ids.reevaluate_result, "children"),
}


def _refuse(text: str, color: str = "warning") -> dict[str, Any]:
    return {"feedback": components.message(text, color, id="compare-reevaluate-refused"),
            "job": None, "done": True, "result": None}


def without_code_runs(run_ids: tuple[int, ...], pinned: tuple[int, ...]
                      ) -> tuple[tuple[int, ...], tuple[int, ...], Any]:
    """(runs, pinned baselines) with the runs of the user's own code taken out, and the note
    that says which were left out (None when none were)."""
    code = tuple(run_id for run_id in run_ids if not runs_builtin_model(run_id))
    if not code:
        return run_ids, pinned, None
    names = ", ".join(f"#{run_id}" for run_id in code)
    text = (f"Run {names} is not re-evaluated." if len(code) == 1
            else f"Runs {names} are not re-evaluated.")
    note = components.message(f"{text} {NOT_REFITTABLE}", "info", id="compare-reevaluate-code")
    return (tuple(run_id for run_id in run_ids if run_id not in code),
            tuple(run_id for run_id in pinned if run_id not in code), note)


def start_reevaluation(access: Access, clicks: Any, runs: Any, include: Any,
                       seeds: Any) -> dict[str, Any]:
    if not clicks:
        raise dash.exceptions.PreventUpdate
    compared = compared_runs(access.principal, runs, include)
    if compared.selection.problem or compared.selection.refused:
        return _refuse("Re-evaluation needs every listed run to be one you may read.")
    n_seeds, problem = check_seed_count(seeds)
    if n_seeds is None:
        return _refuse(problem or "Number of seeds: invalid.", "danger")
    run_ids, pinned, left_out = without_code_runs(compared.run_ids, compared.used.pinned)
    if len(run_ids) < 2:
        if left_out is not None:
            return _refuse("Re-evaluation needs at least two runs of built-in models. "
                           + NOT_REFITTABLE, "info")
        return _refuse("Re-evaluation needs at least two runs to compare.")
    key, configurations = job_for(run_ids, pinned, n_seeds)
    job, why = start_job(key, configurations)
    if job is None:
        return _refuse(why or "The re-evaluation could not start.")
    first = pinned[0] if pinned else None
    reference = configurations.get(first) if first is not None else None
    request = JobRequest(run_ids, pinned, first if reference else None, n_seeds)
    return {"feedback": left_out, "job": request.to_data(), "done": not job.running,
            "result": reevaluation_view(job, reference.label if reference else None)}


def poll_reevaluation(access: Access, tick: Any, job: Any) -> tuple[Any, bool]:
    request = JobRequest.from_data(job, 2 * MAX_RUNS)
    if request is None:
        return None, True
    _readable, refused = run_access.readable_runs(access.principal, request.run_ids)
    if refused:
        return None, True
    key, configurations = job_for(request.run_ids, request.baselines, request.n_seeds)
    found = services.state().reevaluation_jobs.get(key)
    if found is None:
        return components.message(
            "The runs changed since this re-evaluation started, or the server restarted: "
            "press Re-evaluate again.", "warning", id="compare-reevaluate-lost"), True
    reference = request.reference
    label = configurations[reference].label if reference in configurations else None
    return reevaluation_view(found, label), not found.running


def register_reevaluation_callbacks(app: dash.Dash) -> None:
    guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output=START_OUTPUTS,
        inputs={"clicks": Input(ids.reevaluate, "n_clicks")},
        state={"runs": State(ids.runs, "data"),
               "include": State(ids.include_baseline, "value"),
               "seeds": State(ids.seeds, "value")},
        prevent_initial_call=True,
    )(start_reevaluation)
    guard.guarded_callback(
        app,
        requires=guard.signed_in(),
        output=[
            Output(ids.reevaluate_result, "children", allow_duplicate=True),
            Output(ids.reevaluate_poll, "disabled", allow_duplicate=True),
        ],
        inputs={"tick": Input(ids.reevaluate_poll, "n_intervals")},
        state={"job": State(ids.reevaluate_job, "data")},
        prevent_initial_call=True,
    )(poll_reevaluation)
