"""`sync_run` to W&B in offline mode, no network: the runs read back from their files."""

from __future__ import annotations

import pytest

from optunagui import store
from optunagui.tracking import sync_run, tracking_warning
from tests.tracking._runs import (
    ACCURACY,
    end_run,
    new_run,
    tracked_spec,
    trial_steps,
    write_trial,
)
from tests.tracking._wandb_files import read_offline_runs

pytestmark = pytest.mark.slow


@pytest.fixture
def database(tmp_settings, monkeypatch):
    for name in ("WANDB_DIR", "WANDB_MODE", "WANDB_PROJECT", "WANDB_ENTITY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WANDB_API_KEY", "")
    db = store.Database(tmp_settings.database_url)
    db.upgrade()
    yield db
    db.dispose()


def test_wandb_offline_a_run_per_trial_in_the_run_group(database, tmp_path, monkeypatch):
    monkeypatch.setenv("OPTUNAGUI_PUBLIC_URL", "https://tuning.example.org")
    spec = tracked_spec({"wandb": {"project": "digits", "mode": "offline"}})
    run_id = new_run(database, spec)
    write_trial(database, run_id, 0)
    write_trial(database, run_id, 1, state="pruned")
    write_trial(database, run_id, 2, finish=False)
    folder = tmp_path / "wandb-files"

    assert sync_run(database, run_id, wandb_dir=folder).ok
    assert {r.name for r in read_offline_runs(folder)} == {"trial-0", "trial-1"}
    write_trial(database, run_id, 2, steps_from=4, n_steps=3)  # its completed event only
    end_run(database, run_id)
    assert sync_run(database, run_id, wandb_dir=folder).ok
    assert sync_run(database, run_id, wandb_dir=folder).logged == {}

    runs = {r.name: r for r in read_offline_runs(folder)}
    assert sorted(runs) == ["trial-0", "trial-1", "trial-2", "tuning"]
    assert {r.group for r in runs.values()} == {f"tuning (run {run_id})"}
    with database.session() as session:
        trials = {t.number: t for t in store.list_trials(session, run_id)}
    for number in range(3):
        run = runs[f"trial-{number}"]
        assert run.job_type == "trial"
        assert run.config["C"] == trials[number].params["C"]
        assert run.config["optunagui.trial_number"] == number
        assert [(h["_step"], h[ACCURACY]) for h in run.history] == list(
            enumerate(trial_steps(number), start=1))
        assert run.summary["state"] == trials[number].state
        assert run.summary["duration_s"] == trials[number].duration_s
        assert run.notes == f"https://tuning.example.org/runs/{run_id}"
        assert run.exit_code == 0
    study = runs["tuning"]
    assert study.job_type == "study" and study.config["model"] == "logistic_regression"
    assert study.summary["best_value"] == trials[2].value
    assert study.summary["best_trial"] == 2
    assert [h["best_trial"] for h in study.history] == [0, 2]
    with database.session() as session:
        assert tracking_warning(session, run_id) is None


def test_wandb_disabled_mode_logs_nothing(database, tmp_path):
    spec = tracked_spec({"wandb": {"project": "digits", "mode": "disabled"}})
    run_id = new_run(database, spec)
    write_trial(database, run_id, 0)
    result = sync_run(database, run_id, wandb_dir=tmp_path)
    assert result.ok and result.logged == {}
    assert read_offline_runs(tmp_path) == []


def test_wandb_bad_mode_in_the_environment_names_it(database, tmp_path, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "sometimes")
    run_id = new_run(database, tracked_spec({"wandb": {"project": "digits"}}))
    write_trial(database, run_id, 0)
    result = sync_run(database, run_id, wandb_dir=tmp_path)
    assert result.errors["wandb"] == ("WANDB_MODE='sometimes' is not a mode; use online, "
                                      "offline or disabled")
