from __future__ import annotations

import subprocess
import sys

import pytest

from optunagui.models import ModelDef, UnknownModelError, get_model, list_models

NAMES = [
    "lightgbm", "xgboost", "random_forest", "extra_trees", "hist_gradient_boosting",
    "logistic_regression", "ridge", "elastic_net", "svm", "mlp",
]


def test_list_models_returns_all_ten_families_in_order():
    assert [m.name for m in list_models()] == NAMES
    assert all(isinstance(m, ModelDef) for m in list_models())


@pytest.mark.parametrize("name", NAMES)
def test_get_model_returns_the_named_family(name):
    model = get_model(name)
    assert model.name == name
    assert model.label
    assert model.tasks and model.tasks <= {"classification", "regression"}


def test_get_model_unknown_name_lists_valid_names():
    with pytest.raises(UnknownModelError) as info:
        get_model("xgb")
    assert isinstance(info.value, KeyError)
    message = str(info.value)
    assert "'xgb'" in message
    for name in NAMES:
        assert name in message


def test_get_model_non_string_name_is_unknown():
    with pytest.raises(UnknownModelError):
        get_model(["lightgbm"])  # type: ignore[arg-type]


def test_model_def_is_immutable():
    model = get_model("ridge")
    with pytest.raises(AttributeError):
        model.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        model.presets["mine"] = {}  # type: ignore[index]
    with pytest.raises(TypeError):
        model.presets["default"]["alpha"] = {}  # type: ignore[index]


def test_logistic_regression_declares_classification_only():
    model = get_model("logistic_regression")
    assert model.tasks == frozenset({"classification"})
    assert not model.supports("regression")
    with pytest.raises(ValueError, match="does not support task 'regression'"):
        model.build({}, "regression")


@pytest.mark.parametrize("name", NAMES)
def test_build_unknown_task_is_rejected(name):
    with pytest.raises(ValueError, match="does not support task 'ranking'"):
        get_model(name).build({}, "ranking")


def test_model_flags_match_the_families():
    scaled = {m.name for m in list_models() if m.needs_scaling}
    gpu = {m.name for m in list_models() if m.gpu_capable}
    iterative = {m.name for m in list_models() if m.fit_steps is not None}
    assert scaled == {"logistic_regression", "ridge", "elastic_net", "svm", "mlp"}
    assert gpu == {"xgboost", "mlp"}
    assert iterative == {"lightgbm", "xgboost", "hist_gradient_boosting", "mlp"}


def test_models_import_does_not_load_estimator_libraries():
    code = (
        "import sys, optunagui.models as m; m.list_models(); "
        "print(sorted(k for k in ('sklearn', 'lightgbm', 'xgboost', 'torch') if k in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_package_exports_its_public_names():
    import optunagui.models as models

    for name in models.__all__:
        assert getattr(models, name) is not None
    with pytest.raises(AttributeError):
        models.NoSuchThing  # noqa: B018
