"""Reading an Optuna journal file through Optuna's own journal storage, for reading only.

Optuna replays the log incrementally: each poll reads only the lines appended since the last
one. The journal's trial ids grow as trials are created, like an RDB storage's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from optunagui.attach.trial import ExternalTrial, StudyHead, as_utc

__all__ = ["JournalStudyReader"]


def _external(trial: Any) -> ExternalTrial:
    from optuna.distributions import distribution_to_json

    values = list(trial.values) if trial.values is not None else None
    reason = trial.system_attrs.get("fail_reason")
    return ExternalTrial(
        trial._trial_id, trial.number, trial.state.name, as_utc(trial.datetime_start),
        as_utc(trial.datetime_complete), dict(trial.params),
        {name: distribution_to_json(d) for name, d in trial.distributions.items()},
        values, {int(step): value for step, value in trial.intermediate_values.items()},
        dict(trial.user_attrs), str(reason) if reason is not None else None)


class JournalStudyReader:
    def __init__(self, path: str) -> None:
        from optuna.storages import JournalStorage
        from optuna.storages.journal import JournalFileBackend

        self.path = path
        self.storage = JournalStorage(JournalFileBackend(path))

    def close(self) -> None:
        pass

    def list_studies(self) -> list[StudyHead]:
        return [StudyHead(study._study_id, study.study_name,
                          [d.name.lower() for d in study.directions],
                          n_trials=len(self.storage.get_all_trials(study._study_id,
                                                                   deepcopy=False)))
                for study in self.storage.get_all_studies()]

    def study(self, name: str) -> StudyHead | None:
        try:
            study_id = self.storage.get_study_id_from_name(name)
        except KeyError:
            return None
        system = self.storage.get_study_system_attrs(study_id)
        names = system.get("study:metric_names")
        return StudyHead(study_id, name,
                         [d.name.lower() for d in self.storage.get_study_directions(study_id)],
                         list(names) if isinstance(names, list) else None,
                         dict(self.storage.get_study_user_attrs(study_id)), dict(system))

    def product_run_studies(self) -> set[str]:
        return set()

    def study_exists(self, study_id: int, name: str) -> bool:
        try:
            return self.storage.get_study_id_from_name(name) == study_id
        except KeyError:
            return False

    def visible_trial_ids(self, low: int, high: int, ids: Sequence[int] = ()) -> set[int]:
        """Every id is visible: a journal is written one line at a time, in order."""
        return set(range(low + 1, high + 1)) | set(ids)

    def changes(self, study_id: int, after_trial_id: int, open_ids: Sequence[int],
                limit: int) -> list[ExternalTrial]:
        wanted = set(open_ids)
        trials = self.storage.get_all_trials(study_id, deepcopy=False)
        new = [t for t in trials if t._trial_id > after_trial_id]
        new.sort(key=lambda t: t._trial_id)
        chosen = {t._trial_id: t for t in new[:limit]}
        chosen.update({t._trial_id: t for t in trials if t._trial_id in wanted})
        return [_external(t) for _, t in sorted(chosen.items())]
