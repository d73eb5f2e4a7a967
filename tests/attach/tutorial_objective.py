"""Optuna's tutorial objective, run by a user's script against a shared storage:
``python tutorial_objective.py STORAGE STUDY N_TRIALS [SECONDS_PER_TRIAL]``."""

from __future__ import annotations

import sys
import time

import optuna

PAUSE_S = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0


def objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -10, 10)
    for step in range(3):
        trial.report((x - 2) ** 2 + 1.0 / (step + 1), step)
        time.sleep(PAUSE_S / 3)
    return (x - 2) ** 2


if __name__ == "__main__":
    storage_url, name, n_trials = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if storage_url.startswith("journal:"):
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        storage: object = JournalStorage(JournalFileBackend(storage_url[len("journal:"):]))
    else:
        storage = optuna.storages.RDBStorage(
            storage_url, engine_kwargs={"connect_args": {"timeout": 60}}
            if storage_url.startswith("sqlite") else {})
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name=name, storage=storage, load_if_exists=True)
    study.optimize(objective, n_trials=n_trials)
