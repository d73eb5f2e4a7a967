"""`POST /api/v1/runs/<id>/replay` and `POST /api/v1/runs/<id>/train-best` (with
`GET .../train-best` for how it went): what the run page's Replay and "Train the best model"
buttons do, through the same functions (``create_replay`` then ``start_runs``; ``train_best``
in the server's training jobs)."""

from __future__ import annotations

from dashapp import services
from dashapp.api.registry import Call
from dashapp.api.responses import API_PREFIX, ApiProblem
from dashapp.api.schemas import ReplayAnswer, TrainingAnswer
from dashapp.code_runs import runs_builtin_model
from dashapp.paths import app_path
from optunagui.replay import ReplayError, create_replay
from optunagui.store import get_run
from optunagui.training import train_best

__all__ = ["replay_run", "train_best_model", "training_status"]


def replay_run(call: Call) -> ReplayAnswer:
    """A new run with this run's exact settings, started at once."""
    # Ray loads with the cluster package: the dashboard imports it only to start runs.
    from cluster.launch.start import start_runs

    try:
        with services.database().session() as session:
            made = create_replay(session, call.run_id, created_by=call.user_id)
            replayed = get_run(session, made.run_id)
            name = replayed.name if replayed is not None else ""
    except ReplayError as error:
        raise ApiProblem(409, str(error)) from None
    started = start_runs([made.run_id], services.state().settings, db=services.database())
    failure = started.failures.get(made.run_id)
    return ReplayAnswer(id=made.run_id, name=name, status="failed" if failure else "queued",
                        url=app_path(f"/runs/{made.run_id}"),
                        api=app_path(f"{API_PREFIX}/runs/{made.run_id}"),
                        start_error=failure, of_run_id=made.of_run_id,
                        warnings=list(made.warnings))


def _outcome(run_id: int) -> TrainingAnswer:
    from dashapp.pages.run.model_versions import training_outcome

    status, outcome = training_outcome(run_id)
    if status == "failed":
        return TrainingAnswer(status="failed", message=str(outcome))
    if status == "done":
        return TrainingAnswer(status="done", message="the new model version is ready",
                              result=outcome if isinstance(outcome, dict) else None)
    if status == "running":
        return TrainingAnswer(status="running", message="training the best trial's model")
    return TrainingAnswer(status="none", message="no training on this server since it started")


def train_best_model(call: Call) -> tuple[TrainingAnswer, int]:
    """Refit the best trial's pipeline on all training data, in the background; the run's
    models list the new version when it is done."""
    if not runs_builtin_model(call.run_id):
        raise ApiProblem(409, f"run {call.run_id} does not tune one of the product's models: "
                              "there is no pipeline to refit")
    database, settings = services.database(), services.state().settings
    user_id, target = call.user_id, call.run_id
    services.state().training_jobs.start(
        target, lambda: train_best(database, settings, target, created_by=user_id), again=True)
    return _outcome(call.run_id), 202


def training_status(call: Call) -> TrainingAnswer:
    """How the run's last training on this server went."""
    return _outcome(call.run_id)
