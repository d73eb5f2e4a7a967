"""The follower mirrors an external study exactly, poll after poll, on SQLite and PostgreSQL,
while several writers change it at once; it survives its database going away, a deleted
study and a restart, and never writes to the study's storage."""

from __future__ import annotations

import os
import random
import threading
from typing import Any

import optuna
import pytest

from optunagui.attach import ReaderCache, attach_studies, poll_run
from optunagui.store import create_user, get_attached, get_run, list_events_after
from optunagui.store.experiments import create_experiment
from tests.attach.conftest import Pair
from tests.attach.mirror_check import mirror_problems

optuna.logging.set_verbosity(optuna.logging.ERROR)


def _storage(url: str) -> optuna.storages.RDBStorage:
    kwargs: dict[str, Any] = {"connect_args": {"timeout": 30}} if url.startswith("sqlite") else {}
    return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)


def _experiment(pair: Pair) -> int:
    with pair.db.session() as session:
        user = create_user(session, "ada", "!")
        return create_experiment(session, "attached", user.id).id


def _attach(pair: Pair, study: str, **kwargs: Any) -> int:
    [attached] = attach_studies(pair.db, storage=pair.external_url, studies=[study],
                                experiment_id=_experiment(pair), user_id=None,
                                database_url=pair.database_url, **kwargs)
    return attached.run_id


# On SQLite (no row locks) two writers' ask() can pop the same enqueued trial, and both then
# report into it, one after it finished: Optuna's race, not the follower's. The writers take
# turns to ask; everything else they write at once.
ASKING = threading.Lock()


class Writer:
    """Trials of one study written the ways Optuna's users write them: steps reported,
    pruned, failed, user attrs, trials left running into the next round, enqueued ones."""

    def __init__(self, url: str, study: str, seed: int) -> None:
        self.study = optuna.load_study(study_name=study, storage=_storage(url))
        self.rng = random.Random(seed)
        self.open: list[optuna.Trial] = []

    def _step(self, trial: optuna.Trial) -> None:
        step = len(trial.storage.get_trial(trial._trial_id).intermediate_values)
        trial.report(self.rng.uniform(0, 1), step)

    def _finish(self, trial: optuna.Trial) -> None:
        roll = self.rng.random()
        if roll < 0.6:
            self.study.tell(trial, trial.params["x"] ** 2 + self.rng.random())
        elif roll < 0.8:
            self.study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            self.study.tell(trial, state=optuna.trial.TrialState.FAIL)

    def round(self, n: int) -> None:
        self._round(n)

    def _round(self, n: int) -> None:
        for trial in self.open:
            self._step(trial)
            self._finish(trial)
        self.open = []
        for _ in range(n):
            with ASKING:
                if self.rng.random() < 0.1:
                    self.study.enqueue_trial({"x": 0.5, "k": "b"})
                trial = self.study.ask()
            trial.suggest_float("x", -2, 2)
            trial.suggest_categorical("k", ["a", "b", "c"])
            if self.rng.random() < 0.5:
                trial.suggest_int("depth", 1, 8, log=True)
            trial.set_user_attr("writer_seed", self.rng.randint(0, 9))
            for _ in range(self.rng.randint(0, 4)):
                self._step(trial)
            if self.rng.random() < 0.25:
                self.open.append(trial)
            else:
                self._finish(trial)


def _create(url: str, name: str = "shared") -> None:
    optuna.create_study(study_name=name, storage=_storage(url), direction="minimize")


def test_mirror_equals_the_study_after_every_poll_under_concurrent_writers(pair: Pair) -> None:
    _create(pair.external_url)
    run_id = _attach(pair, "shared")
    writers = [Writer(pair.external_url, "shared", seed) for seed in range(3)]
    readers = ReaderCache()
    storage = _storage(pair.external_url)
    for _round in range(4):
        stop = threading.Event()

        def follow(stop: threading.Event = stop) -> None:
            while not stop.is_set():
                poll_run(pair.db, run_id, readers, chunk=7)

        follower = threading.Thread(target=follow)
        follower.start()
        threads = [threading.Thread(target=w.round, args=(12,)) for w in writers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stop.set()
        follower.join()
        outcome = poll_run(pair.db, run_id, readers, chunk=7)
        assert outcome.error is None
        assert mirror_problems(pair.db, run_id, storage, "shared") == []
    with pair.db.session() as session:
        run = get_run(session, run_id)
        assert run.status == "running"
        assert set(run.current_space) == {"x", "k", "depth"}
        assert run.current_space["depth"]["log"] is True
        assert run.best_value is not None
    readers.close()


def test_a_restart_goes_on_from_the_cursor_with_nothing_twice(pair: Pair) -> None:
    _create(pair.external_url)
    writer = Writer(pair.external_url, "shared", 1)
    writer.round(20)
    run_id = _attach(pair, "shared")
    writer.round(15)
    poll_run(pair.db, run_id, ReaderCache(), chunk=4, max_chunks=2)  # stopped halfway
    restarted = type(pair.db)(pair.database_url)  # a new server process: new connections
    try:
        poll_run(restarted, run_id, ReaderCache(), chunk=4)
        writer.round(5)
        poll_run(restarted, run_id, ReaderCache())
        poll_run(restarted, run_id, ReaderCache())
    finally:
        restarted.dispose()
    assert mirror_problems(pair.db, run_id, _storage(pair.external_url), "shared") == []


def test_the_database_going_away_and_coming_back(pair: Pair, tmp_path: Any) -> None:
    _create(pair.external_url)
    writer = Writer(pair.external_url, "shared", 2)
    writer.round(5)
    run_id = _attach(pair, "shared")
    readers = ReaderCache()
    if pair.backend == "sqlite":
        path = pair.external_url.removeprefix("sqlite:///")
        moved = tmp_path / "away.db"
        os.rename(path, moved)
    else:
        pair.close_external()
    outcome = poll_run(pair.db, run_id, readers)
    assert outcome.error is not None and "cannot read the study" in outcome.error
    with pair.db.session() as session:
        row = get_attached(session, run_id)
        assert row.last_error == outcome.error and row.error_since is not None
        assert get_run(session, run_id).status == "running"
    if pair.backend == "sqlite":
        os.rename(moved, path)
    else:
        pair.open_external()
    writer = Writer(pair.external_url, "shared", 3)
    writer.round(6)
    assert poll_run(pair.db, run_id, readers).error is None
    with pair.db.session() as session:
        assert get_attached(session, run_id).last_error is None
    assert mirror_problems(pair.db, run_id, _storage(pair.external_url), "shared") == []


def test_a_study_deleted_under_the_follower_ends_the_run_and_keeps_the_mirror(pair: Pair) -> None:
    _create(pair.external_url)
    Writer(pair.external_url, "shared", 4).round(6)
    run_id = _attach(pair, "shared")
    with pair.db.session() as session:
        before = len(list_events_after(session, run_id, 0, 10_000))
    optuna.delete_study(study_name="shared", storage=_storage(pair.external_url))
    outcome = poll_run(pair.db, run_id, ReaderCache())
    assert outcome.ended
    with pair.db.session() as session:
        run = get_run(session, run_id)
        assert run.status == "stopped" and "no longer in" in run.status_reason
        assert not get_attached(session, run_id).following
        assert len(list_events_after(session, run_id, 0, 10_000)) == before


def test_the_follower_never_writes_to_the_storage(pair: Pair) -> None:
    _create(pair.external_url)
    Writer(pair.external_url, "shared", 5).round(8)
    from sqlalchemy import text

    from optunagui.attach.rdb_reader import read_only_engine

    engine = read_only_engine(pair.external_url)
    try:
        with pytest.raises(Exception, match="(?i)read.only|readonly"), engine.begin() as c:
            c.execute(text("DELETE FROM trials"))
    finally:
        engine.dispose()
