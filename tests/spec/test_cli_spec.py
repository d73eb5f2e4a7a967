from __future__ import annotations

import yaml

from optunagui.cli import main

GOOD = """
name: first
dataset: {builtin: iris}
model: random_forest
preset: fast
metrics: [{name: accuracy}]
budget: {n_trials: 5}
"""


def test_validate_prints_the_normalised_spec(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("OPTUNAGUI_DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "spec.yaml"
    path.write_text(GOOD)
    assert main(["validate", str(path)]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["task"] == "classification"
    assert printed["metrics"] == [{"name": "accuracy", "direction": "maximize"}]
    assert "n_estimators" in printed["space"]


def test_validate_lists_every_problem_and_exits_1(tmp_path, capsys):
    path = tmp_path / "spec.yaml"
    path.write_text(GOOD.replace("random_forest", "forest").replace("accuracy", "rmse")
                    + "resources: {cpu: 0.5}\n")
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "3 problem(s)" in err
    assert "model: unknown model 'forest'" in err
    assert "resources.cpu" in err and "metrics[0].name" in err


def test_validate_explains_a_missing_or_broken_file(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 1
    assert "does not exist" in capsys.readouterr().err
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    assert main(["validate", str(broken)]) == 1
    assert "not valid YAML" in capsys.readouterr().err


def test_presets_lists_models_and_one_models_ranges(capsys):
    assert main(["presets"]) == 0
    listing = capsys.readouterr().out
    for name in ("lightgbm", "xgboost", "mlp", "svm", "elastic_net"):
        assert name in listing
    assert main(["presets", "mlp"]) == 0
    detail = capsys.readouterr().out
    assert "preset default" in detail and "momentum" in detail and "when optimizer" in detail
    assert main(["presets", "gbm"]) == 1
    assert "lightgbm" in capsys.readouterr().err
