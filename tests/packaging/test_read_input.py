"""predict.py's input reading: every schema kind converted, every bad value named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optunagui.packaging import input_schema
from optunagui.packaging._standalone_predict import InputProblem, read_input

TRAINING = pd.DataFrame({
    "height": [1.5, 2.25],
    "count": np.array([3, 4], dtype="int64"),
    "member": [True, False],
    "colour": ["red", "blue"],
    "grade": pd.Categorical(["a", "b"]),
    "seen": pd.to_datetime(["2026-01-02", "2026-03-04"]),
})
SCHEMA = input_schema(TRAINING)


def _csv(tmp_path, text: str) -> str:
    path = tmp_path / "in.csv"
    path.write_text(text)
    return str(path)


def test_schema_names_each_columns_kind():
    assert [(c["name"], c["dtype"], c["kind"]) for c in SCHEMA] == [
        ("height", "float64", "float"), ("count", "int64", "integer"),
        ("member", "bool", "boolean"), ("colour", str(TRAINING["colour"].dtype), "text"),
        ("grade", "category", "category"), ("seen", str(TRAINING["seen"].dtype), "datetime"),
    ]


def test_text_is_converted_to_the_schema_types_in_its_order(tmp_path):
    path = _csv(tmp_path, "seen,grade,colour,member,count,height\n"
                          "2026-01-02,a,red,True,3,1.5\n2026-03-04,b,,no,4.0,0.1\n")

    frame = read_input(path, SCHEMA, ignore_extra=False)

    assert list(frame.columns) == list(TRAINING.columns)
    assert frame["height"].tolist() == [1.5, 0.1] and frame["height"].dtype == "float64"
    assert frame["count"].tolist() == [3, 4] and frame["count"].dtype == "int64"
    assert frame["member"].tolist() == [True, False] and frame["member"].dtype == bool
    assert frame["colour"].iloc[0] == "red" and pd.isna(frame["colour"].iloc[1])
    assert frame["grade"].dtype == "category"
    assert frame["seen"].tolist() == TRAINING["seen"].tolist()


def test_missing_whole_numbers_become_floats_for_the_imputer(tmp_path):
    path = _csv(tmp_path, "height,count,member,colour,grade,seen\n"
                          "1,,yes,red,a,2026-01-02\n2,5,no,red,a,2026-01-02\n")

    frame = read_input(path, SCHEMA, ignore_extra=False)

    assert np.isnan(frame["count"].iloc[0]) and frame["count"].iloc[1] == 5.0


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("x,3,yes,red,a,2026-01-02", "column 'height', row 1: expected a number, got 'x'"),
        ("1,3.5,yes,red,a,2026-01-02", "column 'count', row 1: expected a whole number"),
        ("1,3,maybe,red,a,2026-01-02", "column 'member', row 1: expected true or false"),
        ("1,3,yes,red,a,someday", "column 'seen': expected dates and times"),
    ],
)
def test_a_value_that_cannot_be_converted_is_named(tmp_path, row, message):
    path = _csv(tmp_path, "height,count,member,colour,grade,seen\n" + row + "\n")

    with pytest.raises(InputProblem, match=message.replace("(", r"\(")):
        read_input(path, SCHEMA, ignore_extra=False)


def test_missing_and_extra_columns_are_all_named(tmp_path):
    path = _csv(tmp_path, "height,count,member,colour,extra_a,extra_b\n1,2,yes,red,0,0\n")

    with pytest.raises(InputProblem, match="missing column\\(s\\) 'grade', 'seen'"):
        read_input(path, SCHEMA, ignore_extra=False)
    full = _csv(tmp_path, "height,count,member,colour,grade,seen,extra_a,extra_b\n"
                          "1,2,yes,red,a,2026-01-02,0,0\n")
    with pytest.raises(InputProblem, match="unexpected column\\(s\\) 'extra_a', 'extra_b'"):
        read_input(full, SCHEMA, ignore_extra=False)
    assert list(read_input(full, SCHEMA, ignore_extra=True).columns) == list(TRAINING.columns)
