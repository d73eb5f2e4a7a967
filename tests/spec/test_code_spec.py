"""Specs that run the user's own objective: what validation accepts and every problem it names."""

from __future__ import annotations

from pathlib import Path

import pytest

from optunagui.spec.validation import SpecError, validate_spec

GOOD = ("def objective(trial):\n    return trial.suggest_float('x', 0, 1)\n\n"
        "def load():\n    return 1\n")


def _folder(tmp_path: Path, source: str = GOOD) -> Path:
    (tmp_path / "train.py").write_text(source)
    return tmp_path


def _raw(**overrides):
    raw = {"name": "mine", "objective": {"function": "train.py:objective"},
           "metrics": [{"name": "accuracy", "direction": "maximize"}]}
    raw.update(overrides)
    return raw


def _problems(raw, base_dir) -> dict[str, str]:
    with pytest.raises(SpecError) as caught:
        validate_spec(raw, base_dir=base_dir)
    return {p.path: p.message for p in caught.value.problems}


def test_code_spec_is_normalised(tmp_path):
    spec = validate_spec(_raw(quick=True), base_dir=_folder(tmp_path))
    assert spec.is_code_run and spec.model is None and spec.dataset is None
    assert spec.objective.working_dir == str(tmp_path.resolve())
    assert spec.budget.n_trials == 20 and spec.pruner.name == "median"


def test_code_spec_never_imports_the_users_module(tmp_path):
    marker = tmp_path / "imported"
    source = f"from pathlib import Path\nPath({str(marker)!r}).write_text('x')\n" + GOOD
    validate_spec(_raw(objective={"function": "train.py:objective", "setup": "train.py:load"}),
                  base_dir=_folder(tmp_path, source))
    assert not marker.exists()


def test_code_spec_names_every_problem_with_its_path(tmp_path):
    raw = _raw(objective={"function": "train.py:objectve", "setup": "no colon here"},
               metrics=[{"name": "acc"}, {"name": "acc", "direction": "minimize"}],
               sampler={"name": "grid"}, pruner={"name": "median"})
    problems = _problems(raw, _folder(tmp_path))
    assert "objectve" in problems["objective.function"]
    assert "objective" in problems["objective.function"]  # lists the functions there
    assert "module:function" in problems["objective.setup"] or ":" in problems["objective.setup"]
    assert "maximize" in problems["metrics[0].direction"]
    assert "twice" in problems["metrics[1].name"]
    assert "grid" in problems["sampler.name"]
    assert "several metrics" in problems["pruner.name"]


def test_code_spec_missing_file_and_folder(tmp_path):
    problems = _problems(_raw(objective={"function": "other.py:objective"}), _folder(tmp_path))
    assert "other.py" in problems["objective.function"]
    problems = _problems(_raw(objective={"function": "train.py:objective",
                                         "working_dir": "nowhere"}), tmp_path)
    assert "not a folder" in problems["objective.working_dir"]


def test_code_spec_needs_metrics_and_not_both_model_and_objective(tmp_path):
    problems = _problems(_raw(metrics=[]), _folder(tmp_path))
    assert "direction" in problems["metrics"]
    problems = _problems(_raw(model="ridge", dataset={"builtin": "diabetes"}), tmp_path)
    assert "not both" in problems["model"]


def test_a_spec_without_model_or_objective_says_what_to_give(tmp_path):
    problems = _problems({"name": "x", "dataset": {"builtin": "iris"}}, tmp_path)
    assert "objective.function" in problems["model"]


def test_code_spec_with_a_stored_code_version_skips_the_folder(tmp_path):
    raw = _raw(objective={"function": "train.py:objective", "working_dir": "/gone",
                          "code": "a" * 64})
    spec = validate_spec(raw, base_dir=tmp_path)
    assert spec.objective.code == "a" * 64


def test_code_spec_with_a_dataset_infers_the_task(tmp_path):
    spec = validate_spec(_raw(dataset={"builtin": "iris"}), base_dir=_folder(tmp_path))
    assert spec.task == "classification"
