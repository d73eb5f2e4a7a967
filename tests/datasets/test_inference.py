from __future__ import annotations

import json
import uuid

import numpy as np
import pandas as pd
import pytest

from optunagui.datasets import DatasetError, column_summary, infer_task, json_safe, preview

RNG = np.random.default_rng(0)


@pytest.mark.parametrize(
    ("values", "task"),
    [
        (pd.Series([True, False] * 10), "classification"),
        (pd.Series(["cat", "dog", "cat"]), "classification"),
        (pd.Series(["a", "b", "c"] * 5, dtype="category"), "classification"),
        (pd.Series(["x", "y"], dtype=object), "classification"),
        (pd.Series([0, 1] * 3), "classification"),
        (pd.Series([0.5, 1.5, 0.5]), "classification"),  # two values: a binary label
        (pd.Series(RNG.integers(0, 10, 1000)), "classification"),  # 10 values, 1% of rows
        (pd.Series([1, 2, 3, 4, 5] * 6), "classification"),  # label codes 1..k on few rows
        (pd.Series([0.0, 1.0, 2.0, np.nan] * 10), "classification"),  # ints read as floats
        (pd.Series(RNG.integers(0, 100, 1000)), "regression"),  # too many classes
        (pd.Series([3, 17, 42, 8, 99, 23] * 5), "regression"),  # few values, not codes, 20%
        (pd.Series(RNG.normal(size=200)), "regression"),
        (pd.Series([1.5, 2.25, 3.0, 4.75]), "regression"),
        # Penguins' body mass: grams in steps of 25, 95 distinct values on 342 rows, 2 missing.
        (pd.Series([*range(3000, 5375, 25), *RNG.choice(np.arange(3000, 5375, 25), 245),
                    np.nan, np.nan]), "regression"),
    ],
)
def test_infer_task_cases(values: pd.Series, task: str) -> None:
    assert infer_task(values) == task


def test_infer_task_all_missing_raises() -> None:
    with pytest.raises(DatasetError, match="'y' has no values"):
        infer_task(pd.Series([np.nan, np.nan], name="y"))


def test_infer_task_datetime_raises() -> None:
    with pytest.raises(DatasetError, match="dates/times"):
        infer_task(pd.Series(pd.to_datetime(["2024-01-01", "2024-02-01"]), name="when"))


def _frame() -> pd.DataFrame:
    n = 120
    return pd.DataFrame(
        {
            "customer_id": np.arange(1000, 1000 + n),
            "Unnamed: 0": np.arange(n),
            "token": [str(uuid.UUID(int=i + 1)) for i in range(n)],
            "rowNumber": np.arange(1, n + 1),
            "age": RNG.integers(18, 90, n),
            "income": RNG.normal(50_000, 10_000, n),
            "plan": RNG.choice(["basic", "pro", "team"], n),
            "comment": [f"free text comment number {i}" for i in range(n)],
            "country": ["NL"] * n,
            "empty": [np.nan] * n,
            "signup": pd.date_range("2024-01-01", periods=n, freq="D"),
            "active": RNG.choice([True, False], n),
            "target": RNG.integers(0, 2, n),
        }
    )


def test_column_summary_kinds_counts_and_suggestions() -> None:
    frame = _frame()
    frame.loc[[0, 5], "income"] = np.nan
    infos = {info.name: info for info in column_summary(frame)}
    assert list(infos) == list(frame.columns)
    kinds = {name: info.kind for name, info in infos.items()}
    assert kinds == {
        "customer_id": "numeric",
        "Unnamed: 0": "numeric",
        "token": "text",
        "rowNumber": "numeric",
        "age": "numeric",
        "income": "numeric",
        "plan": "categorical",
        "comment": "text",
        "country": "categorical",
        "empty": "numeric",
        "signup": "datetime",
        "active": "boolean",
        "target": "numeric",
    }
    reasons = {name: info.suggested_exclude_reason for name, info in infos.items()}
    assert reasons["customer_id"] == "id-like (unique per row)"
    assert reasons["Unnamed: 0"] == "id-like (unique per row)"
    assert reasons["token"] == "id-like (unique per row)"
    assert reasons["rowNumber"] == "id-like (unique per row)"
    assert reasons["country"] == "constant (one value)"
    assert reasons["empty"] == "all values missing"
    assert reasons["signup"].startswith("datetime")
    assert reasons["comment"] == "high-cardinality text (120 distinct values)"
    for useful in ("age", "income", "plan", "active", "target"):
        assert reasons[useful] is None, useful
    assert infos["income"].n_missing == 2 and infos["income"].n_unique == 118
    assert infos["plan"].n_unique == 3 and infos["empty"].n_unique == 0


def test_column_summary_unique_floats_and_unnamed_ints_are_not_id_like() -> None:
    frame = pd.DataFrame(
        {"weight": RNG.normal(size=50), "code": RNG.permutation(np.arange(500, 550))}
    )
    assert [info.suggested_exclude_reason for info in column_summary(frame)] == [None, None]


def test_column_summary_id_name_needs_unique_values() -> None:
    frame = pd.DataFrame({"store_id": [1, 2, 1, 3], "paid": [10, 20, 30, 40]})
    assert [info.suggested_exclude_reason for info in column_summary(frame)] == [None, None]


def test_column_summary_long_text_is_text() -> None:
    frame = pd.DataFrame({"review": ["a long review " * 10, "another long review " * 5] * 20})
    info = column_summary(frame)[0]
    assert info.kind == "text"
    assert info.suggested_exclude_reason == "high-cardinality text (2 distinct values)"


def test_column_summary_target_gets_no_suggestion() -> None:
    frame = pd.DataFrame({"x": [1, 2, 3], "label_id": [0, 1, 2]})
    assert column_summary(frame)[1].suggested_exclude_reason is not None
    assert column_summary(frame, target="label_id")[1].suggested_exclude_reason is None


def test_preview_is_json_safe() -> None:
    frame = pd.DataFrame(
        {
            "i": np.array([1, 2, 3], dtype=np.int64),
            "f": [1.5, np.nan, np.inf],
            "s": pd.Series(["a", None, "c"]),
            "b": [True, False, True],
            "t": pd.to_datetime(["2024-01-01", None, "2024-01-03"]),
            "c": pd.Categorical(["x", None, "y"]),
        }
    )
    rows = preview(frame, n=2)
    assert rows == [
        {"i": 1, "f": 1.5, "s": "a", "b": True, "t": "2024-01-01T00:00:00", "c": "x"},
        {"i": 2, "f": None, "s": None, "b": False, "t": None, "c": None},
    ]
    assert type(rows[0]["i"]) is int and type(rows[0]["b"]) is bool
    json.dumps(preview(frame), allow_nan=False)
    assert preview(frame)[2]["f"] is None


def test_preview_n_larger_than_frame_and_zero() -> None:
    frame = pd.DataFrame({"a": [1, 2]})
    assert len(preview(frame, n=10)) == 2
    assert preview(frame, n=0) == []


def test_json_safe_scalars() -> None:
    assert json_safe(np.float32(0.5)) == 0.5
    assert json_safe(pd.NA) is None
    assert json_safe(pd.Timedelta(seconds=90)) == "0 days 00:01:30"
    assert json_safe(b"\xffok") == "\ufffdok"
