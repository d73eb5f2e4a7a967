"""The earlier runs most like a draft or a run, from the database: only runs the user may read.

The earlier runs are those of the experiments ``user_id`` holds a role on (every experiment
for an admin: ``list_experiments_for_user``, as for suggestions), each checked again with the
caller's ``may_read_run`` when given; runs of a study attached from elsewhere or of one's own
code are left out (no preset space to compare). For a run, "earlier" means created before it.
The score and the near-duplicate rule are ``recommend.similar``'s; the unexplored regions are
``recommend.novelty``'s, against the runs of the same model on the closest data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from optunagui.recommend.datasets import dataset_identity, load_profile, match_of
from optunagui.recommend.history import version_hashes
from optunagui.recommend.novelty import Unexplored, unexplored_regions
from optunagui.recommend.past_runs import space_of_spec
from optunagui.recommend.record import MATCHES
from optunagui.recommend.similar import (
    Comparable,
    Similarity,
    is_near_duplicate,
    same_setup,
    score_similarity,
)
from optunagui.recommend.similar_record import SimilarRun, SimilarRuns
from optunagui.spec.model import ExperimentSpec, MetricSpec, SplitSpec
from optunagui.spec.space import resolve_space
from optunagui.store.experiments import list_experiments_for_user
from optunagui.store.tables import Run
from optunagui.store.trials import count_trials_by_state, get_best_trial

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["DEFAULT_LIMIT", "RunNotReadable", "closest_in_experiment", "near_duplicates",
           "similar_runs"]

DEFAULT_LIMIT = 5

_Scored = tuple[Run, Comparable, Similarity]


class RunNotReadable(LookupError):
    """The run asked about does not exist, or the user may not read it."""


def _metrics(raw: Any) -> tuple[tuple[str, str], ...]:
    found = []
    for entry in raw or []:
        try:
            metric = MetricSpec.model_validate(entry)
        except ValueError:
            continue
        found.append((metric.name, metric.direction or ""))
    return tuple(found)


def _split(raw: Any) -> dict[str, Any]:
    try:
        return SplitSpec.model_validate(raw or {}).model_dump(mode="json")
    except ValueError:
        return dict(raw) if isinstance(raw, Mapping) else {}


def comparable_of_spec(spec: ExperimentSpec) -> Comparable:
    data = spec.dataset.model_dump(mode="json", exclude_none=True) if spec.dataset else {}
    return Comparable(model=spec.model, task=spec.task, identity=dataset_identity(data),
                      split=_split(spec.split.model_dump(mode="json")),
                      metrics=_metrics([m.model_dump(mode="json") for m in spec.metrics]),
                      space=resolve_space(spec))


def comparable_of_run(run: Run, version_hash: str | None) -> Comparable:
    spec: Mapping[str, Any] = run.spec
    return Comparable(model=spec.get("model"), task=spec.get("task"),
                      identity=dataset_identity(spec.get("dataset") or {}, version_hash),
                      split=_split(spec.get("split")), metrics=_metrics(spec.get("metrics")),
                      space=space_of_spec(spec, run.current_space))


def _readable_runs(session: Session, user_id: int, may_read_run: Callable[[int], bool] | None,
                   before: int | None) -> tuple[list[Run], dict[int, str]]:
    """The runs to compare, oldest first, and their experiments' names."""
    names = {access.experiment.id: access.experiment.name
             for access in list_experiments_for_user(session, user_id)}
    if not names:
        return [], {}
    query = select(Run).where(Run.experiment_id.in_(list(names))).order_by(Run.id)
    if before is not None:
        query = query.where(Run.id < before)
    runs = [run for run in session.scalars(query)
            if isinstance(run.spec, dict) and run.spec.get("model")
            and not run.spec.get("attached") and not run.spec.get("objective")
            and (may_read_run is None or may_read_run(run.id))]
    return runs, names


def _data_match(draft_data: Mapping[str, Any], draft: Comparable, run: Run,
                past: Comparable) -> str | None:
    if draft.identity is not None and draft.identity == past.identity:
        return "same dataset"
    if draft.task != past.task:
        return None
    return match_of(load_profile(draft_data, draft.identity),
                    load_profile(run.spec.get("dataset") or {}, past.identity))


def _similar_run(session: Session, run: Run, experiment: str, similarity: Similarity,
                 ) -> SimilarRun:
    metrics = _metrics(run.spec.get("metrics"))
    best = get_best_trial(session, run.id)
    n_complete = count_trials_by_state(session, run.id).get("complete", 0)
    return SimilarRun(run_id=run.id, experiment_id=run.experiment_id, experiment=experiment,
                      name=run.name, model=run.spec.get("model"), created_at=run.created_at,
                      similarity=similarity, n_trials=n_complete,
                      best_value=best.value if best is not None else None,
                      metric=metrics[0][0] if metrics else "value",
                      near_duplicate=is_near_duplicate(similarity, n_complete))


def _draft(session: Session, user_id: int, spec_or_run: ExperimentSpec | int,
           may_read_run: Callable[[int], bool] | None
           ) -> tuple[Comparable, dict[str, Any], int | None]:
    if isinstance(spec_or_run, ExperimentSpec):
        if spec_or_run.model is None:
            raise ValueError("model: similar runs are for runs of a built-in model; a run of "
                             "your own code has no preset space to compare")
        data = (spec_or_run.dataset.model_dump(mode="json", exclude_none=True)
                if spec_or_run.dataset else {})
        return comparable_of_spec(spec_or_run), data, None
    run = session.get(Run, spec_or_run)
    readable = {a.experiment.id for a in list_experiments_for_user(session, user_id)}
    if (run is None or run.experiment_id not in readable
            or (may_read_run is not None and not may_read_run(run.id))):
        raise RunNotReadable(f"run {spec_or_run}: no such run, or not one you may read")
    if not isinstance(run.spec, dict) or not run.spec.get("model"):
        raise ValueError(f"run {run.id}: similar runs are for runs of a built-in model")
    hashes = version_hashes(session, [run])
    return (comparable_of_run(run, hashes.get(run.dataset_version_id or 0)),
            dict(run.spec.get("dataset") or {}), run.id)


def _scored(session: Session, user_id: int, draft: Comparable, draft_data: Mapping[str, Any],
            before: int | None, may_read_run: Callable[[int], bool] | None, *,
            other_data: bool = True) -> tuple[list[_Scored], dict[int, str]]:
    """Every readable earlier run with its similarity, most similar first (``other_data``:
    compare the data of runs on another dataset too, which reads their files)."""
    runs, experiments = _readable_runs(session, user_id, may_read_run, before)
    hashes = version_hashes(session, runs)
    scored = []
    for run in runs:
        past = comparable_of_run(run, hashes.get(run.dataset_version_id or 0))
        same = draft.identity is not None and draft.identity == past.identity
        match = (_data_match(draft_data, draft, run, past) if other_data and not same
                 else "same dataset" if same else None)
        scored.append((run, past, score_similarity(draft, past, match)))
    scored.sort(key=lambda item: (-item[2].score, -item[0].id))
    return scored, experiments


def similar_runs(session: Session, user_id: int, spec_or_run: ExperimentSpec | int, *,
                 limit: int = DEFAULT_LIMIT,
                 may_read_run: Callable[[int], bool] | None = None) -> SimilarRuns:
    """The ``limit`` earlier runs most similar to a validated draft (or to the run of that id),
    its near-duplicates and the regions of its space none of them searched.

    Raises:
        RunNotReadable: a run id that does not exist or that ``user_id`` may not read.
        ValueError: a draft or run of one's own code or of an attached study.
    """
    draft, draft_data, before = _draft(session, user_id, spec_or_run, may_read_run)
    scored, experiments = _scored(session, user_id, draft, draft_data, before, may_read_run)
    shown = {run.id: _similar_run(session, run, experiments[run.experiment_id], similarity)
             for run, _, similarity in scored[:limit]}
    return SimilarRuns(runs=tuple(shown.values()),
                       near_duplicates=_duplicates(session, scored, experiments, shown),
                       unexplored=tuple(_unexplored(draft, scored)), compared=len(scored))


def _duplicates(session: Session, scored: list[_Scored], experiments: dict[int, str],
                known: Mapping[int, SimilarRun]) -> tuple[SimilarRun, ...]:
    found = []
    for run, _, similarity in scored:
        if not same_setup(similarity):
            continue
        entry = known.get(run.id) or _similar_run(session, run, experiments[run.experiment_id],
                                                  similarity)
        if entry.near_duplicate:
            found.append(entry)
    return tuple(found)


def _unexplored(draft: Comparable, scored: list[_Scored]) -> list[Unexplored]:
    """The regions none of the runs of the same model on the closest data tier searched."""
    same_model = [(past, s.data_match) for _, past, s in scored
                  if past.model == draft.model and s.data_match in MATCHES]
    for match in MATCHES:
        spaces = [past.space for past, found in same_model if found == match]
        if spaces:
            return unexplored_regions(str(draft.model), draft.space, spaces)
    return []


def near_duplicates(session: Session, user_id: int, spec: ExperimentSpec, *,
                    may_read_run: Callable[[int], bool] | None = None
                    ) -> tuple[SimilarRun, ...]:
    """The earlier runs ``spec`` nearly duplicates (none for a run of one's own code)."""
    if spec.model is None:
        return ()
    draft, draft_data, _ = _draft(session, user_id, spec, may_read_run)
    scored, experiments = _scored(session, user_id, draft, draft_data, None, may_read_run,
                                  other_data=False)
    return _duplicates(session, scored, experiments, {})


def closest_in_experiment(session: Session, user_id: int, experiment_id: int, *,
                          max_runs: int = 10,
                          may_read_run: Callable[[int], bool] | None = None
                          ) -> list[tuple[Run, SimilarRun | None]]:
    """The experiment's latest ``max_runs`` runs of a built-in model, each with the earlier
    run most like it that ``user_id`` may read (None: none to compare with), newest first.

    Raises:
        RunNotReadable: ``user_id`` may not read the experiment.
    """
    readable = {a.experiment.id for a in list_experiments_for_user(session, user_id)}
    if experiment_id not in readable:
        raise RunNotReadable(f"experiment {experiment_id}: no such experiment, or not one you "
                             "may read")
    runs = session.scalars(select(Run).where(Run.experiment_id == experiment_id)
                           .order_by(Run.id.desc()))
    found: list[tuple[Run, SimilarRun | None]] = []
    for run in runs:
        if len(found) >= max_runs:
            break
        if (not isinstance(run.spec, dict) or not run.spec.get("model")
                or run.spec.get("attached") or run.spec.get("objective")
                or (may_read_run is not None and not may_read_run(run.id))):
            continue
        closest = similar_runs(session, user_id, run.id, limit=1, may_read_run=may_read_run)
        found.append((run, closest.runs[0] if closest.runs else None))
    return found
