"""`optunagui run train.py:objective --mlflow-uri ... --wandb-project ...` fills `tracking`."""

from __future__ import annotations

import pytest

from optunagui.cli import build_parser, main
from optunagui.cli._code_runs import code_spec_from_args
from optunagui.cli._runs import CliError


def _spec(*flags: str) -> dict:
    args = build_parser().parse_args(["run", "train.py:objective", *flags])
    return code_spec_from_args(args)


def test_code_run_flags_fill_the_tracking_section():
    raw = _spec("--mlflow-uri", "http://mlflow.internal:5000", "--mlflow-experiment", "churn",
                "--wandb-project", "churn-team", "--wandb-mode", "offline")
    assert raw["tracking"] == {
        "mlflow": {"tracking_uri": "http://mlflow.internal:5000", "experiment_name": "churn"},
        "wandb": {"project": "churn-team", "mode": "offline"},
    }
    assert "tracking" not in _spec()


def test_code_run_bad_mlflow_uri_names_the_flag():
    with pytest.raises(CliError, match=r"--mlflow-uri: 'mlflow:5000' is not an MLflow "
                                       r"tracking URI; use http\(s\)://HOST:PORT"):
        _spec("--mlflow-uri", "mlflow:5000")


def test_tracking_flags_are_refused_with_a_spec_file(tmp_path, tmp_settings, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text("name: x\n")
    assert main(["run", str(spec), "--mlflow-uri", "http://mlflow:5000"]) == 2
    assert "--mlflow-uri: only for your own objective" in capsys.readouterr().err
