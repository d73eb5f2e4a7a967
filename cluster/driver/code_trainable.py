"""The Tune trainable of a code run: one trial = the user's objective on a `ProductTrial`.

Runs in Ray workers only. The run's code version (a zip stored by its hash) travels in
Ray's object store with the trainable and is extracted once per machine; its module is
imported in the worker, and its ``setup`` (when the spec names one) runs once per worker
process, its result handed to every trial that process runs.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import optuna
import ray
from ray import tune

from cluster.driver.code_trial import ProductTrial
from cluster.driver.keys import (
    CUDA_DEVICES_KEY,
    DEVICE_KEY,
    FINAL_KEY,
    FIT_TIME_KEY,
    FOLD_SCORES_KEY,
    GPU_IDS_KEY,
    NODE_KEY,
    NUMBER_KEY,
    PARAMS_KEY,
    STEP_KEY,
    TRIAL_ID_KEY,
    USER_ATTRS_KEY,
)
from cluster.driver.search import StoredSpace, build_sampler, build_storage
from optunagui.code.archive import cached_code_dir
from optunagui.code.entry import parse_entry
from optunagui.run_data import providing
from optunagui.store import Database

if TYPE_CHECKING:
    from optunagui.objective import PreparedData
    from optunagui.spec import ExperimentSpec

__all__ = ["CodeJob", "build_code_trainable", "code_root", "objective_values", "run_code_trial"]


@dataclass(frozen=True)
class CodeJob:
    """What every trial of a code run needs, put in Ray's object store once."""

    spec: ExperimentSpec
    code_sha: str
    code: bytes
    database_url: str
    study_name: str
    run_id: int
    cache_dir: str = ""  # where workers extract the code; empty: their own code_root()


def code_root() -> Path:
    """Where workers extract code versions (one folder per hash, shared by runs)."""
    configured = os.environ.get("OPTUNAGUI_CODE_CACHE")
    return Path(configured) if configured else Path(tempfile.gettempdir()) / "optunagui-code"


# Per worker process: what was imported and set up, and the open databases.
_active_dir: list[Path] = []
_setups: dict[tuple[str, str], Any] = {}
_storages: dict[str, optuna.storages.BaseStorage] = {}
_spaces: dict[tuple[str, int], StoredSpace] = {}
_studies: dict[tuple[str, str], optuna.Study] = {}


def _activate(workdir: Path) -> None:
    """Put one code version on the import path, forgetting modules of another one."""
    if _active_dir and _active_dir[0] == workdir:
        return
    if _active_dir:
        old = str(_active_dir[0])
        for name, module in list(sys.modules.items()):
            if str(getattr(module, "__file__", "") or "").startswith(old):
                del sys.modules[name]
        if old in sys.path:
            sys.path.remove(old)
        _active_dir.clear()
    sys.path.insert(0, str(workdir))
    importlib.invalidate_caches()
    _active_dir.append(workdir)


def _load(workdir: Path, text: str) -> Callable[..., Any]:
    entry = parse_entry(text)
    module = importlib.import_module(entry.module_name)
    function = getattr(module, entry.function, None)
    if not callable(function):
        raise TypeError(f"{text}: {entry.function} in {entry.module_file} is not callable")
    return function


def _setup_result(job: CodeJob, workdir: Path) -> tuple[bool, Any]:
    setup = job.spec.objective.setup if job.spec.objective else None
    if not setup:
        return False, None
    key = (job.code_sha, setup)
    if key not in _setups:
        _setups[key] = _load(workdir, setup)()
    return True, _setups[key]


def _storage(url: str) -> optuna.storages.BaseStorage:
    if url not in _storages:
        _storages[url] = build_storage(Database(url))
    return _storages[url]


def _study(job: CodeJob, number: int) -> optuna.Study:
    """The run's study with the run's sampler, seeded per trial (workers must not share a
    random stream: each would draw the same first points).

    One study per worker process: its storage cache is brought up to date here, so it knows
    the trial the driver has just asked for, and reads only what changed since the last trial.
    """
    key = (job.database_url, job.study_name)
    if key not in _studies:
        _studies[key] = optuna.load_study(study_name=job.study_name,
                                          storage=_storage(job.database_url))
    study = _studies[key]
    sampler_spec = job.spec.sampler
    if sampler_spec.seed is not None:
        sampler_spec = sampler_spec.model_copy(update={"seed": sampler_spec.seed + number})
    study.sampler = build_sampler(sampler_spec)
    study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))
    return study


def _ranges(job: CodeJob) -> dict[str, Any]:
    key = (job.database_url, job.run_id)
    if key not in _spaces:
        _spaces[key] = StoredSpace(job.database_url, job.run_id)
    return _spaces[key].read()


def objective_values(returned: Any, names: Sequence[str]) -> list[float]:
    """The returned value(s) as floats, one per metric of the spec.

    Raises:
        TypeError / ValueError: with a message naming what was returned and what the spec says.
    """
    if isinstance(returned, Sequence) and not isinstance(returned, str):
        values = list(returned)
    else:
        values = [returned]
    if len(values) != len(names):
        raise ValueError(f"the objective returned {len(values)} value(s) but the spec names "
                         f"{len(names)} metric(s) ({', '.join(names)})")
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError):
        raise TypeError(f"the objective must return numbers for {', '.join(names)}; "
                        f"it returned {returned!r}") from None


def _placement() -> dict[str, Any]:
    gpu_ids = [str(g) for g in ray.get_gpu_ids()]
    device = "cpu"
    if gpu_ids:
        try:
            import torch

            device = "cuda" if torch.cuda.is_available() else "cpu"
        except ImportError:
            device = "cpu"
    return {DEVICE_KEY: device, GPU_IDS_KEY: ",".join(gpu_ids),
            CUDA_DEVICES_KEY: os.environ.get("CUDA_VISIBLE_DEVICES", ""),
            NODE_KEY: ray.get_runtime_context().get_node_id()}


def run_code_trial(config: dict[str, Any], job: CodeJob, data: PreparedData | None = None
                   ) -> None:
    """One trial of a code run inside a Tune worker."""
    spec = job.spec
    assert spec.objective is not None
    workdir = cached_code_dir(job.code_sha, job.code,
                              Path(job.cache_dir) if job.cache_dir else code_root())
    _activate(workdir)
    os.chdir(workdir)  # the code's relative paths mean what they mean in its own folder
    objective = _load(workdir, spec.objective.function)
    has_setup, setup_data = _setup_result(job, workdir)
    names = [m.name for m in spec.metrics]
    trial = ProductTrial(
        _study(job, int(config[NUMBER_KEY])), int(config[TRIAL_ID_KEY]),
        ranges=_ranges(job), metric=names[0], send=tune.report,
        prunes=spec.pruner.name != "none" and len(names) == 1,
    )
    placement = _placement()
    trial.with_first_report(placement)
    started = time.perf_counter()
    with providing(data):
        try:
            returned = objective(trial, setup_data) if has_setup else objective(trial)
        except optuna.TrialPruned:
            return  # ended before a final report: recorded as pruned, its steps kept
    values = objective_values(returned, names)
    final: dict[str, Any] = dict(zip(names, values, strict=True))
    final.update({
        STEP_KEY: trial.last_step,
        FINAL_KEY: True,
        FIT_TIME_KEY: time.perf_counter() - started,
        FOLD_SCORES_KEY: json.dumps({}),
        PARAMS_KEY: trial.params_json(),
        USER_ATTRS_KEY: json.dumps(trial.user_attrs, default=str),
    })
    if not trial.reported:
        final.update(placement)
    tune.report(final)


def build_code_trainable(job: CodeJob, data: PreparedData | None = None) -> Any:
    """The code run's trainable, with the spec's CPUs and GPU share per trial."""
    trainable = tune.with_parameters(run_code_trial, job=job, data=data)
    resources: dict[str, float] = {"cpu": float(job.spec.resources.cpu)}
    if job.spec.resources.gpu:
        resources["gpu"] = float(job.spec.resources.gpu)
    return tune.with_resources(trainable, resources)
