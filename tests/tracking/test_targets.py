"""Where a run is logged: the spec's tracking section, the environment's defaults, and the
messages for what cannot be used."""

from __future__ import annotations

import pytest

from optunagui.spec.validation import SpecError, validate_spec
from optunagui.tracking import (
    TrackingConfigError,
    check_tracking_uri,
    mlflow_target,
    run_url,
    tracks_anything,
    wandb_target,
)
from tests.tracking._runs import tracked_spec


def test_mlflow_target_fields_from_the_spec_then_the_environment():
    spec = tracked_spec({"mlflow": {"experiment_name": "churn"}})
    env = {"MLFLOW_TRACKING_URI": "http://mlflow:5000", "MLFLOW_EXPERIMENT_NAME": "ignored"}
    target = mlflow_target(spec, "team experiment", env)
    assert (target.tracking_uri, target.experiment_name) == ("http://mlflow:5000", "churn")
    bare = mlflow_target(tracked_spec({"mlflow": {"tracking_uri": "sqlite:///m.db"}}),
                         "team experiment", {})
    assert (bare.tracking_uri, bare.experiment_name) == ("sqlite:///m.db", "team experiment")
    assert mlflow_target(tracked_spec({}), "e", env) is None


def test_wandb_target_defaults_and_disabled_mode():
    target = wandb_target(tracked_spec({"wandb": {}}), {"WANDB_ENTITY": "team"}, "/runs/3")
    assert (target.project, target.entity, target.mode, target.directory) == (
        "optunagui", "team", "online", "/runs/3")
    offline = wandb_target(tracked_spec({"wandb": {"project": "p"}}),
                           {"WANDB_MODE": "offline", "WANDB_DIR": "/w"})
    assert (offline.mode, offline.directory) == ("offline", "/w")
    assert wandb_target(tracked_spec({"wandb": {"mode": "disabled"}}), {}) is None
    assert not tracks_anything(tracked_spec({"wandb": {"mode": "disabled"}}))
    assert tracks_anything(tracked_spec({"mlflow": {}}))


def test_a_target_is_described_without_its_credentials():
    target = mlflow_target(tracked_spec({"mlflow": {"tracking_uri": "https://ml:pw@mlflow:443"}}),
                           "e", {})
    assert target.describe() == "MLflow at https://mlflow:443"


def test_run_url_uses_the_public_url():
    assert run_url(7, {}) == "http://127.0.0.1:8050/runs/7"
    assert run_url(7, {"OPTUNAGUI_PUBLIC_URL": "https://og.example.org/"}) == \
        "https://og.example.org/runs/7"


@pytest.mark.parametrize(("uri", "ok"), [
    ("http://mlflow:5000", True), ("https://mlflow.example.org", True),
    ("sqlite:///m.db", True), ("postgresql+psycopg://u@h/db", True), ("/srv/mlruns", True),
    ("file:///srv/mlruns", True), ("databricks", True), ("mlflow:5000", False),
    ("http://", False), ("127.0.0.1:5000", False),
])
def test_check_tracking_uri(uri, ok):
    assert (check_tracking_uri(uri) is None) == ok


def test_bad_tracking_uri_in_a_target_names_the_field():
    with pytest.raises(TrackingConfigError, match=r"^tracking.mlflow.tracking_uri: "
                                                  r"'mlflow:5000' is not an MLflow"):
        mlflow_target(tracked_spec({"mlflow": {"tracking_uri": "mlflow:5000"}}), "e", {})


def test_validate_spec_refuses_a_bad_tracking_uri_at_its_path():
    spec = tracked_spec({"mlflow": {"tracking_uri": "mlflow.internal:5000"}})
    with pytest.raises(SpecError) as caught:
        validate_spec(spec)
    assert [str(p) for p in caught.value.problems] == [
        "tracking.mlflow.tracking_uri: 'mlflow.internal:5000' is not an MLflow tracking URI; "
        "use http(s)://HOST:PORT, sqlite:///PATH, file:///PATH or an absolute path"]
    assert validate_spec(tracked_spec({"mlflow": {"tracking_uri": "http://mlflow:5000"}})
                         ).tracking.mlflow.tracking_uri == "http://mlflow:5000"
