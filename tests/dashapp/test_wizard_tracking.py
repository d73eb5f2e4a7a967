"""The budget step's tracker fields: form -> spec -> form, and bad input at its field."""

from __future__ import annotations

from typing import Any

import pytest

from dashapp.pages.new_run.wizard import data as wizard_data
from dashapp.pages.new_run.wizard.form import (
    DatasetRef,
    default_form,
    form_to_raw_specs,
    spec_to_form,
)
from dashapp.pages.new_run.wizard.steps import check_form, field_step
from dashapp.pages.new_run.wizard.tracking import tracking_placeholders

IRIS = DatasetRef(spec={"builtin": "iris"})


def _check(**changes: Any):
    form = default_form()
    form.update(changes)
    return check_form(form, IRIS, wizard_data.load_cached)


def test_tracking_fields_round_trip_through_the_spec():
    check = _check(mlflow_uri="http://mlflow.internal:5000", mlflow_experiment="churn",
                   wandb_mode="offline", wandb_project="churn-team")
    assert check.messages == []
    spec = check.specs["random_forest"]
    assert spec.tracking.mlflow.tracking_uri == "http://mlflow.internal:5000"
    assert spec.tracking.mlflow.experiment_name == "churn"
    assert spec.tracking.wandb.mode == "offline" and spec.tracking.wandb.project == "churn-team"

    again = spec_to_form(spec.to_dict())
    assert (again["mlflow_uri"], again["mlflow_experiment"]) == ("http://mlflow.internal:5000",
                                                                 "churn")
    assert (again["wandb_mode"], again["wandb_project"]) == ("offline", "churn-team")
    assert _check(**again).specs["random_forest"].to_dict() == spec.to_dict()


def test_empty_tracking_fields_log_nowhere():
    raw = form_to_raw_specs(default_form(), IRIS).specs["random_forest"]
    assert "tracking" not in raw


def test_experiment_alone_takes_the_servers_tracking_uri(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow.internal:5000")
    check = _check(mlflow_experiment="churn")
    assert check.messages == []
    assert check.specs["random_forest"].tracking.mlflow.tracking_uri is None
    assert tracking_placeholders()["mlflow_uri"].startswith("http://mlflow.internal:5000")


def test_tracking_placeholder_never_shows_credentials():
    shown = tracking_placeholders({"MLFLOW_TRACKING_URI": "https://ml:s3cret@mlflow.team:443/x"})
    assert shown["mlflow_uri"] == "https://mlflow.team:443/x (MLFLOW_TRACKING_URI)"


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"mlflow_uri": "mlflow.internal:5000"}, "mlflow_uri", "is not an MLflow tracking URI"),
        ({"mlflow_uri": "http://"}, "mlflow_uri", "has no host"),
        ({"mlflow_experiment": "churn"}, "mlflow_uri", "enter the MLflow tracking URI"),
        ({"wandb_mode": "sometimes"}, "wandb_mode", "choose online or offline"),
    ],
)
def test_bad_tracking_input_is_shown_at_its_field(changes, field, text, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    check = _check(**changes)
    by_field = check.by_field()
    assert any(text in message for message in by_field[field]), by_field
    assert field_step(field) == 6 and check.first_step_with_problems() == 6
    assert check.specs == {}
