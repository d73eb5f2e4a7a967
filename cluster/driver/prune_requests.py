"""Pruning a code run's trials the way Optuna users expect: ``should_prune()`` says so first.

`AskBeforeStopping` wraps the run's Tune scheduler (ASHA, median). When the scheduler
would stop a code trial, the trial is marked in the study (system attr `PRUNE_ATTR`) and
goes on: the objective's next ``should_prune()`` is True, its clean-up runs and it raises
``optuna.TrialPruned``. A trial that reports again without asking is stopped at that
report, as a built-in model's trial would have been one report earlier.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ray.tune.schedulers import TrialScheduler

from cluster.driver.keys import PRUNE_ATTR, TRIAL_ID_KEY

if TYPE_CHECKING:
    import optuna
    from ray.tune.experiment import Trial

__all__ = ["AskBeforeStopping"]

logger = logging.getLogger(__name__)


class AskBeforeStopping(TrialScheduler):
    """A scheduler that turns the inner scheduler's STOP into a prune request.

    Args:
        inner: the run's scheduler (`build_scheduler`).
        database_url: where the run's study is (the storage is opened lazily: Tune pickles
            its scheduler with the experiment).
    """

    def __init__(self, inner: TrialScheduler, database_url: str) -> None:
        super().__init__()
        self.inner = inner
        self.database_url = database_url
        self._storage: optuna.storages.BaseStorage | None = None
        self._asked: set[str] = set()

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_storage": None}

    def _mark(self, trial: Trial) -> bool:
        trial_id = trial.config.get(TRIAL_ID_KEY)
        if trial_id is None:
            return False
        if self._storage is None:
            from cluster.driver.search import build_storage
            from optunagui.store import Database

            self._storage = build_storage(Database(self.database_url))
        self._storage.set_trial_system_attr(int(trial_id), PRUNE_ATTR, True)
        return True

    # -- the scheduler interface, passed on ------------------------------------------------

    def set_search_properties(self, metric: str | None, mode: str | None, **spec: Any) -> bool:
        return self.inner.set_search_properties(metric, mode, **spec)

    @property
    def metric(self) -> str | None:
        return self.inner.metric

    @property
    def supports_buffered_results(self) -> bool:
        return self.inner.supports_buffered_results

    def on_trial_add(self, tune_controller: Any, trial: Trial) -> None:
        self.inner.on_trial_add(tune_controller, trial)

    def on_trial_error(self, tune_controller: Any, trial: Trial) -> None:
        self._asked.discard(trial.trial_id)
        self.inner.on_trial_error(tune_controller, trial)

    def on_trial_result(self, tune_controller: Any, trial: Trial, result: dict) -> str:
        if trial.trial_id in self._asked:
            return TrialScheduler.STOP
        decision = self.inner.on_trial_result(tune_controller, trial, result)
        if decision != TrialScheduler.STOP:
            return decision
        try:
            marked = self._mark(trial)
        except Exception:  # the study cannot be written: stop the trial as Tune would
            logger.exception("could not mark trial %s for pruning", trial.trial_id)
            return TrialScheduler.STOP
        if not marked:
            return TrialScheduler.STOP
        self._asked.add(trial.trial_id)
        return TrialScheduler.CONTINUE

    def on_trial_complete(self, tune_controller: Any, trial: Trial, result: dict) -> None:
        self._asked.discard(trial.trial_id)
        self.inner.on_trial_complete(tune_controller, trial, result)

    def on_trial_remove(self, tune_controller: Any, trial: Trial) -> None:
        self._asked.discard(trial.trial_id)
        self.inner.on_trial_remove(tune_controller, trial)

    def choose_trial_to_run(self, tune_controller: Any) -> Trial | None:
        return self.inner.choose_trial_to_run(tune_controller)

    def debug_string(self) -> str:
        return self.inner.debug_string()

    def save(self, checkpoint_path: str) -> None:
        self.inner.save(checkpoint_path)

    def restore(self, checkpoint_path: str) -> None:
        self.inner.restore(checkpoint_path)
