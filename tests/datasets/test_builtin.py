from __future__ import annotations

import numpy as np
import pytest

from optunagui.datasets import BUILTIN_DATASETS, DatasetError, infer_task, load_builtin

EXPECTED = {
    "iris": ("classification", (150, 5), 3),
    "wine": ("classification", (178, 14), 3),
    "breast_cancer": ("classification", (569, 31), 2),
    "digits": ("classification", (1797, 65), 10),
    "diabetes": ("regression", (442, 11), None),
    "synthetic_classification": ("classification", (1000, 21), 2),
    "synthetic_regression": ("regression", (1000, 21), None),
}


def test_builtin_registry_lists_every_dataset() -> None:
    assert set(BUILTIN_DATASETS) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_load_builtin_task_shape_and_target(name: str) -> None:
    task, shape, n_classes = EXPECTED[name]
    data = load_builtin(name)
    info = BUILTIN_DATASETS[name]
    assert data.name == name
    assert data.source == "builtin" and data.path is None
    assert data.task == task == info.task
    assert data.frame.shape == shape == (info.n_rows, info.n_features + 1)
    assert data.target == "target" and data.frame.columns[-1] == "target"
    assert infer_task(data.frame["target"]) == task
    assert not data.frame.isna().any().any()
    assert len(set(data.frame.columns)) == shape[1]
    assert all(isinstance(c, str) and c for c in data.frame.columns)
    assert len(data.sha256) == 64
    if n_classes is not None:
        assert data.frame["target"].nunique() == n_classes
    assert data.feature_columns == list(data.frame.columns[:-1])


def test_load_builtin_readable_column_names() -> None:
    assert "petal length (cm)" in load_builtin("iris").frame.columns
    assert {"age", "bmi", "s1"} <= set(load_builtin("diabetes").frame.columns)
    assert load_builtin("synthetic_regression", n_features=12).frame.columns[0] == "feature_00"


@pytest.mark.parametrize("name", ["iris", "synthetic_classification", "synthetic_regression"])
def test_load_builtin_hash_is_stable(name: str) -> None:
    first, second = load_builtin(name), load_builtin(name)
    assert first.sha256 == second.sha256
    assert first.frame.equals(second.frame)


def test_load_builtin_hashes_differ_between_datasets() -> None:
    hashes = {load_builtin(name).sha256 for name in BUILTIN_DATASETS}
    assert len(hashes) == len(BUILTIN_DATASETS)


def test_load_builtin_synthetic_classification_knobs() -> None:
    data = load_builtin(
        "synthetic_classification",
        n_samples=300,
        n_features=8,
        n_informative=4,
        n_classes=4,
        class_sep=2.0,
        noise=0.0,
        seed=7,
    )
    assert data.frame.shape == (300, 9)
    assert sorted(data.frame["target"].unique()) == [0, 1, 2, 3]
    assert data.task == "classification"


def test_load_builtin_synthetic_regression_knobs() -> None:
    data = load_builtin(
        "synthetic_regression", n_samples=200, n_features=5, n_informative=2, noise=0.0, seed=3
    )
    assert data.frame.shape == (200, 6)
    assert data.task == "regression"
    # noise 0: the target is an exact linear function of the features
    x = data.frame.drop(columns="target").to_numpy()
    coef, residuals, *_ = np.linalg.lstsq(x, data.frame["target"].to_numpy(), rcond=None)
    assert np.count_nonzero(np.abs(coef) > 1e-8) == 2
    assert float(residuals[0]) < 1e-12


def test_load_builtin_seed_changes_data_and_hash() -> None:
    a = load_builtin("synthetic_classification", seed=1)
    b = load_builtin("synthetic_classification", seed=2)
    assert a.sha256 != b.sha256
    assert not a.frame.equals(b.frame)


def _linear_residual_std(frame) -> float:
    x = np.column_stack([frame.drop(columns="target").to_numpy(), np.ones(len(frame))])
    y = frame["target"].to_numpy()
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    return float(np.std(y - x @ coef))


def test_load_builtin_noise_sets_regression_target_noise() -> None:
    quiet = load_builtin("synthetic_regression", noise=0.0)
    loud = load_builtin("synthetic_regression", noise=50.0)
    assert quiet.sha256 != loud.sha256
    assert _linear_residual_std(quiet.frame) < 1e-6
    assert 40 < _linear_residual_std(loud.frame) < 60


def test_load_builtin_equal_options_hash_alike_whatever_their_type() -> None:
    a = load_builtin("synthetic_regression", noise=10, seed=np.int64(0))
    b = load_builtin("synthetic_regression")
    assert a.sha256 == b.sha256


def test_load_builtin_class_sep_makes_classes_easier() -> None:
    from sklearn.linear_model import LogisticRegression

    def accuracy(sep: float) -> float:
        data = load_builtin("synthetic_classification", class_sep=sep, noise=0.0, n_samples=400)
        x, y = data.frame.drop(columns="target"), data.frame["target"]
        return LogisticRegression(max_iter=500).fit(x, y).score(x, y)

    assert accuracy(3.0) > accuracy(0.1)


def test_load_builtin_unknown_name_lists_valid_names() -> None:
    with pytest.raises(DatasetError, match="unknown builtin dataset 'mnist'.*iris.*diabetes"):
        load_builtin("mnist")


def test_load_builtin_rejects_options_for_bundled_sets() -> None:
    with pytest.raises(DatasetError, match="'iris' has no option seed.*takes no options"):
        load_builtin("iris", seed=1)


def test_load_builtin_rejects_unknown_synthetic_option() -> None:
    with pytest.raises(DatasetError, match="no option class_sep.*n_samples"):
        load_builtin("synthetic_regression", class_sep=1.0)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n_samples": 2}, "n_samples=2 is out of range; valid: 10 to"),
        ({"n_samples": "many"}, "n_samples must be an integer"),
        ({"n_features": 5, "n_informative": 6}, "n_informative=6 is out of range; valid: 1 to 5"),
        ({"noise": 1.5}, "noise=1.5 is out of range; valid: 0 to 1"),
        ({"n_classes": 9, "n_informative": 3}, "n_classes=9 needs n_informative >= 4"),
        ({"seed": True}, "seed must be an integer"),
    ],
)
def test_load_builtin_rejects_bad_synthetic_options(options: dict, message: str) -> None:
    with pytest.raises(DatasetError, match=message):
        load_builtin("synthetic_classification", **options)
