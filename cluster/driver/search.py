"""The run's Optuna search inside Ray Tune: one study per run on the shared database.

`RunSearch` is Ray's `OptunaSearch` with the gaps of the plain integration closed:
- the Tune trial id is written on the Optuna trial (user attr ``tune_trial_id``) and the
  Optuna trial number travels in the trial's config, so either side finds the other;
- intermediate values use the trial's own step counter, and the final result (which Tune
  hides from the searcher when a scheduler stops the trial on it) is stored too;
- a trial that a scheduler (ASHA, median) or a stop request ended before its final report
  is told to Optuna as PRUNED, with the reason in the user attr ``pruned_by``, instead of
  arriving as COMPLETE;
- the define-by-run space is read from the run's ``current_space`` in the database at every
  ask (`StoredSpace`), so new ranges written mid-run apply to the trials suggested after;
- a stop or pause request (the run's `RunState`) makes the searcher stop suggesting, so the
  experiment drains and ends;
- the spec's ``warm_start`` configurations are enqueued when the study is new (it holds no
  trial yet), so they are its first trials, each with the user attr ``warm_start`` (its
  index in the spec); a resumed or restarted run finds trials in its study and enqueues
  nothing again.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

import optuna
from ray.tune.search import Searcher, SearchGenerator
from ray.tune.search.optuna import OptunaSearch
from sqlalchemy import event, text

from cluster.driver.context import RunState, get_context
from cluster.driver.keys import FINAL_KEY, NUMBER_KEY, STEP_KEY, TRIAL_ID_KEY
from cluster.driver.retry import wait_for_server_on_connect
from optunagui.spec.space import param_from_distribution, space_from_dict, suggest
from optunagui.store import Database, get_run, set_current_space

if TYPE_CHECKING:
    from optunagui.spec import ExperimentSpec, ParamSpec, SamplerSpec

__all__ = [
    "SAMPLERS",
    "CodeSpace",
    "FixedSpace",
    "ResumableSearchGenerator",
    "RunSearch",
    "StoredSpace",
    "WARM_START_ATTR",
    "build_sampler",
    "build_storage",
    "grid_from_space",
]

logger = logging.getLogger(__name__)

#: The user attr of a trial that evaluates a warm-start configuration: its index in the spec.
WARM_START_ATTR = "warm_start"

SAMPLERS = ("tpe", "random", "cmaes", "qmc", "gp", "nsga2", "grid")


class PicklableNSGAIISampler(optuna.samplers.NSGAIISampler):
    """NSGA-II that Tune can pickle with the experiment: Optuna's GA samplers hold a thread
    lock, dropped here on pickling and made anew on loading."""

    def __getstate__(self) -> dict[str, Any]:
        return {key: value for key, value in self.__dict__.items() if key != "_thread_lock"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._thread_lock = threading.Lock()


def build_sampler(
    spec: SamplerSpec, space: Mapping[str, ParamSpec] | None = None
) -> optuna.samplers.BaseSampler:
    """The Optuna sampler a spec names, seeded, with the spec's extra options.

    Args:
        spec: the spec's ``sampler`` section (name, seed, options).
        space: the run's space; the grid sampler enumerates it.
    """
    options = dict(spec.options)
    seed = spec.seed
    name = spec.name
    samplers = optuna.samplers
    if name == "tpe":
        return samplers.TPESampler(seed=seed, **options)
    if name == "random":
        return samplers.RandomSampler(seed=seed, **options)
    if name == "cmaes":
        return samplers.CmaEsSampler(seed=seed, **options)
    if name == "qmc":
        return samplers.QMCSampler(seed=seed, **options)
    if name == "gp":
        return samplers.GPSampler(seed=seed, **options)
    if name == "nsga2":
        return PicklableNSGAIISampler(seed=seed, **options)
    if name == "grid":
        return samplers.GridSampler(grid_from_space(space or {}), seed=seed, **options)
    raise ValueError(f"sampler.name: unknown sampler {name!r}; choose one of {', '.join(SAMPLERS)}")


# Any constant of ours: PostgreSQL advisory locks are keyed by one 64-bit integer.
_OPTUNA_SCHEMA_LOCK = 0x6F70_7475_6E61


@contextmanager
def _schema_lock(db: Database) -> Iterator[None]:
    """On PostgreSQL, one process at a time creates Optuna's storage: its first creation
    makes Optuna's tables and enum types, and two drivers starting at once on a fresh
    database would both create them (the second fails: the type already exists)."""
    if db.engine.dialect.name != "postgresql":
        yield
        return
    with db.engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _OPTUNA_SCHEMA_LOCK})
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                               {"key": _OPTUNA_SCHEMA_LOCK})


def build_storage(db: Database) -> optuna.storages.RDBStorage:
    """The run's Optuna storage on the shared database.

    On SQLite, Optuna's connections get the same settings as the product's own (WAL with
    ``synchronous = NORMAL``): a commit then no longer waits for the disk, which is most of
    the cost of the study's per-step writes; a killed driver loses nothing committed. On a
    database server, new connections wait for a server that is restarting.
    """
    with _schema_lock(db):
        storage = db.optuna_storage()
    engine = wait_for_server_on_connect(storage.engine)
    if engine.dialect.name == "sqlite":

        def set_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
            finally:
                cursor.close()

        event.listen(engine, "connect", set_pragmas)
        engine.dispose()  # connections opened before the listener get replaced
    return storage


def grid_from_space(space: Mapping[str, ParamSpec]) -> dict[str, list[Any]]:
    """Every value a grid search tries per parameter (fixed parameters are left out)."""
    grid: dict[str, list[Any]] = {}
    for name, param in space.items():
        if param.type == "categorical":
            grid[name] = list(param.choices or [])
        elif param.type in ("int", "float"):
            if param.step is None and param.type == "float":
                raise ValueError(f"space.{name}: a grid search needs a step for a float range")
            step = param.step or 1
            count = int(math.floor((param.high - param.low) / step + 1e-9)) + 1  # type: ignore[operator]
            values = [param.low + i * step for i in range(count)]  # type: ignore[operator]
            grid[name] = [int(v) for v in values] if param.type == "int" else values
    return grid


class FixedSpace:
    """Define-by-run function over a space that never changes (tests, benchmarks)."""

    def __init__(self, space: Mapping[str, ParamSpec]) -> None:
        self.space = dict(space)

    def __call__(self, trial: optuna.Trial) -> dict[str, Any]:
        return suggest(trial, self.space)


class StoredSpace:
    """Define-by-run function: suggest from the run's ``current_space`` as stored right now.

    Holds only the database URL and run id, so Tune can pickle it with the searcher.
    """

    def __init__(self, database_url: str, run_id: int) -> None:
        self.database_url = database_url
        self.run_id = run_id
        self._db: Database | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"database_url": self.database_url, "run_id": self.run_id, "_db": None}

    def read(self) -> dict[str, ParamSpec]:
        if self._db is None:
            self._db = Database(self.database_url)
            wait_for_server_on_connect(self._db.engine)
        with self._db.session() as session:
            run = get_run(session, self.run_id)
            raw = dict(run.current_space or {}) if run is not None else {}
        return space_from_dict(raw)

    def __call__(self, trial: optuna.Trial) -> dict[str, Any]:
        return suggest(trial, self.read())


class CodeSpace(StoredSpace):
    """A code run's searcher asks nothing: the user's objective suggests its parameters in
    the worker. What it suggested is added to the run's ``current_space`` (names not there
    yet), so the run page shows the ranges and a range change can override them."""

    def __call__(self, trial: optuna.Trial) -> dict[str, Any]:
        return {}

    def observe(self, distributions: Mapping[str, Any]) -> None:
        if self._db is None:
            self._db = Database(self.database_url)
            wait_for_server_on_connect(self._db.engine)
        with self._db.session() as session:
            run = get_run(session, self.run_id)
            if run is None:
                return
            current = dict(run.current_space or {})
            missing = {name: param_from_distribution(dist).to_dict()
                       for name, dist in distributions.items() if name not in current}
            if missing:
                set_current_space(session, self.run_id, {**current, **missing})


class RunSearch(OptunaSearch):
    """`OptunaSearch` on the run's study, with the product's bookkeeping (see the module doc).

    Args:
        spec: the run's spec (metrics, directions, sampler, pruner).
        study_name: the run's study name.
        storage: an Optuna storage; the shared database's RDBStorage in the product.
        space: the define-by-run function (`StoredSpace` in the product).
        sampler: the Optuna sampler (`build_sampler`); TPE when None.
        run_id: the run; a restored searcher registers itself in the run's live context.
        state: the run's requests (its live context's); a state of its own when None.
    """

    def __init__(
        self,
        spec: ExperimentSpec,
        study_name: str,
        storage: optuna.storages.BaseStorage | None,
        space: Callable[[optuna.Trial], dict[str, Any]],
        sampler: optuna.samplers.BaseSampler | None = None,
        run_id: int | None = None,
        state: RunState | None = None,
    ) -> None:
        self.run_id = run_id
        self.state = state or RunState()
        names = [m.name for m in spec.metrics]
        modes = ["max" if d == "maximize" else "min" for d in spec.directions]
        multi = len(names) > 1
        self.pruner_name = spec.pruner.name
        self._reported: dict[str, set[int]] = {}
        self._warm_start = [dict(config) for config in spec.warm_start or []]
        super().__init__(
            space=space,
            metric=names if multi else names[0],
            mode=modes if multi else modes[0],
            sampler=sampler,
            study_name=study_name,
            storage=storage,
        )

    def _setup_study(self, mode: str | list) -> None:
        super()._setup_study(mode)
        study = self._ot_study
        if not self._warm_start or study is None or study.get_trials(deepcopy=False):
            return
        for index, config in enumerate(self._warm_start):
            study.enqueue_trial(config, user_attrs={WARM_START_ATTR: index})

    def warm_start_index(self, trial_id: str) -> int | None:
        """The index in the spec's ``warm_start`` of the configuration a trial evaluates
        (None: the sampler chose its parameters)."""
        ot_trial = self._ot_trials.get(trial_id)
        if ot_trial is None or not self._warm_start:
            return None
        index = ot_trial.user_attrs.get(WARM_START_ATTR)
        return index if isinstance(index, int) else None

    @property
    def study(self) -> optuna.Study:
        study: optuna.Study | None = self._ot_study
        if study is None:
            raise RuntimeError("the searcher has no study: it was given no space")
        return study

    @property
    def is_multi_objective(self) -> bool:
        return isinstance(self.metric, list)

    def suggest(self, trial_id: str) -> dict | None:
        if self.state.stop_requested or self.state.pause_requested:
            # Tune's signature leaves out the FINISHED answer that it documents and handles.
            return cast(dict, Searcher.FINISHED)
        config = super().suggest(trial_id)
        ot_trial = self._ot_trials[trial_id]
        ot_trial.set_user_attr("tune_trial_id", trial_id)
        return {**(config or {}), NUMBER_KEY: ot_trial.number, TRIAL_ID_KEY: ot_trial._trial_id}

    def is_open(self, trial_id: str) -> bool:
        """True for a trial asked from the study and not yet told."""
        return trial_id in self._ot_trials and trial_id not in self._completed_trials

    def trial_number(self, trial_id: str) -> int | None:
        ot_trial = self._ot_trials.get(trial_id)
        return None if ot_trial is None else ot_trial.number

    def on_trial_result(self, trial_id: str, result: dict) -> None:
        if trial_id not in self._completed_trials:
            if isinstance(self._space, CodeSpace) and trial_id not in self._reported:
                self._observe_suggested(trial_id)
            self._report(trial_id, result)

    def _observe_suggested(self, trial_id: str) -> None:
        """At a code trial's first report, the ranges its code asked for so far join the run's
        space, so the run page can offer them while the trial still runs."""
        ot_trial = self._ot_trials.get(trial_id)
        storage, space = self._storage, self._space
        if (ot_trial is None or not isinstance(storage, optuna.storages.RDBStorage)
                or not isinstance(space, CodeSpace)):
            return
        try:  # the RDB storage itself: the study's cache has not seen the worker's params
            distributions = storage.get_trial(ot_trial._trial_id).distributions
            if distributions:
                space.observe(distributions)
        except Exception:  # the ranges shown are a view; the trial goes on
            logger.exception("could not record the ranges of trial %s", ot_trial.number)

    def on_trial_complete(
        self, trial_id: str, result: dict | None = None, error: bool = False
    ) -> None:
        ot_trial = self._ot_trials.get(trial_id)
        if ot_trial is None or trial_id in self._completed_trials:
            return
        self._completed_trials.add(trial_id)
        if result:
            self._report(trial_id, result)
        values: Sequence[float] | float | None = None
        if error:
            state = optuna.trial.TrialState.FAIL
        elif result and result.get(FINAL_KEY):
            state, values = self._final_values(ot_trial, result)
        else:
            state = optuna.trial.TrialState.PRUNED
            reason = "stop" if self.state.stop_requested else self.pruner_name
            ot_trial.set_user_attr("pruned_by", reason)
        try:
            frozen = self.study.tell(ot_trial, values, state=state)
        except Exception:  # e.g. a NaN value: never leave the trial RUNNING
            logger.exception("could not tell trial %s; recording it as failed", ot_trial.number)
            frozen = self.study.tell(ot_trial, state=optuna.trial.TrialState.FAIL)
        self._reported.pop(trial_id, None)
        if isinstance(self._space, CodeSpace) and frozen.distributions:
            try:
                self._space.observe(frozen.distributions)
            except Exception:  # the ranges shown are a view; the trial is told already
                logger.exception("could not record the ranges of trial %s", ot_trial.number)

    def _final_values(
        self, ot_trial: optuna.Trial, result: Mapping[str, Any]
    ) -> tuple[optuna.trial.TrialState, Sequence[float] | float | None]:
        names = self.metric if isinstance(self.metric, list) else [self.metric]
        values = [result.get(name) for name in names]
        if any(v is None or not math.isfinite(float(v)) for v in values):
            ot_trial.set_user_attr("fail_reason", f"non-finite objective value(s): {values}")
            return optuna.trial.TrialState.FAIL, None
        floats = [float(v) for v in values]  # type: ignore[arg-type]
        return optuna.trial.TrialState.COMPLETE, floats if len(floats) > 1 else floats[0]

    def _report(self, trial_id: str, result: Mapping[str, Any]) -> None:
        """Store one step's value as an intermediate value (single objective only)."""
        if self.is_multi_objective:
            return
        step, value = result.get(STEP_KEY), result.get(self.metric)
        ot_trial = self._ot_trials.get(trial_id)
        if step is None or value is None or ot_trial is None:
            return
        seen = self._reported.setdefault(trial_id, set())
        if int(step) in seen or not math.isfinite(float(value)):
            return
        seen.add(int(step))
        ot_trial.report(float(value), int(step))

    def restore(self, checkpoint_path: str) -> None:
        super().restore(checkpoint_path)
        # A paused run is resumed from this state: it must suggest again, so the requests
        # saved with it give way to those of the run's live context.
        context = get_context(self.run_id) if self.run_id is not None else None
        self.state = context.state if context is not None else RunState()
        if context is not None:
            context.searcher = self


class ResumableSearchGenerator(SearchGenerator):
    """Tune's SearchGenerator that forgets a pause's "finished" flag when restored.

    A pause makes `RunSearch.suggest` answer FINISHED so the experiment drains; the saved
    state then says "finished", which would end the resumed run at once. The trial counter
    still bounds the run's budget.
    """

    def set_state(self, state: dict) -> None:
        super().set_state(state)
        self._finished = False
