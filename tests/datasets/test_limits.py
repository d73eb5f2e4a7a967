"""Bounds on a dataset's size: a synthetic set's rows × columns, a file's columns, a CSV line
the reader cannot take, and the preview's cells; each refusal names what was asked, the
limit and what would be valid."""

from __future__ import annotations

import pandas as pd
import pytest

from optunagui.datasets import DatasetError, load_builtin, load_file, preview, read_header
from optunagui.datasets import builtin as builtin_module
from optunagui.datasets.inference import PREVIEW_CHARS
from optunagui.datasets.limits import MAX_COLUMNS
from optunagui.spec.validation import SpecError, validate_spec

SYNTHETIC = ("synthetic_classification", "synthetic_regression")


@pytest.mark.parametrize("name", SYNTHETIC)
def test_a_synthetic_matrix_past_the_size_limit_is_refused_before_it_is_made(name):
    # Each option within its own range: 5,000,000 rows and 1,999 features (74.5 GiB).
    with pytest.raises(DatasetError) as caught:
        load_builtin(name, n_samples=5_000_000, n_features=1_999, n_informative=5)
    message = str(caught.value)
    assert message.startswith(f"builtin dataset {name!r}: n_samples=5000000 with "
                              "n_features=1999 would hold 74.51 GiB (5,000,000 rows × 2,000 "
                              "columns × 8 bytes)")
    assert message.endswith("valid: n_samples × (n_features + 1) × 8 at most 1.00 GiB, "
                            "e.g. n_samples up to 67,108 with n_features=1999")


@pytest.mark.parametrize("name", SYNTHETIC)
def test_synthetic_features_are_bounded_by_the_column_limit(name):
    with pytest.raises(DatasetError, match=r"option n_features=2000 is out of range; "
                                           r"valid: 1 to 1999"):
        load_builtin(name, n_features=MAX_COLUMNS)


def test_the_size_limit_counts_the_target_column(monkeypatch):
    monkeypatch.setattr(builtin_module, "MAX_SYNTHETIC_BYTES", 100 * 6 * 8)
    frame = load_builtin("synthetic_regression", n_samples=100, n_features=5,
                         n_informative=2).frame
    assert frame.shape == (100, 6)
    with pytest.raises(DatasetError, match=r"n_samples=101 with n_features=5 would hold "
                                           r"4.73 KiB .*e.g. n_samples up to 100 with"):
        load_builtin("synthetic_regression", n_samples=101, n_features=5, n_informative=2)


def test_a_spec_with_an_oversized_synthetic_dataset_names_the_options():
    spec = {"name": "huge", "dataset": {"builtin": "synthetic_classification",
                                        "options": {"n_samples": 4_000_000,
                                                    "n_features": 1_000}},
            "model": "logistic_regression",
            "metrics": [{"name": "accuracy", "direction": "maximize"}]}
    with pytest.raises(SpecError) as caught:
        validate_spec(spec)
    (problem,) = [p for p in caught.value.problems if "n_samples" in str(p)]
    assert "dataset.builtin" in str(problem) and "n_features=1000 would hold 29.83 GiB" in str(
        problem)


def _wide_csv(tmp_path, n_columns: int, delimiter: str = ",", suffix: str = ".csv"):
    path = tmp_path / f"wide{suffix}"
    header = delimiter.join(f"column_{i}" for i in range(n_columns))
    rows = [delimiter.join(str(value) for _ in range(n_columns)) for value in (1, 2)]
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


@pytest.mark.parametrize(("n_columns", "delimiter", "suffix"),
                         [(100_000, ",", ".csv"), (100_000, ";", ".csv"),
                          (MAX_COLUMNS + 1, "\t", ".tsv"), (30_000, ";", ".txt")])
def test_a_file_wider_than_the_column_limit_is_refused_from_its_header(tmp_path, n_columns,
                                                                       delimiter, suffix):
    path = _wide_csv(tmp_path, n_columns, delimiter, suffix)
    expected = (f"{path}: {n_columns:,} columns is too many; valid: at most 2,000 columns, the "
                "target included")
    for read in (read_header, load_file):
        with pytest.raises(DatasetError, match=expected):
            read(path)


def test_a_file_at_the_column_limit_loads(tmp_path):
    loaded = load_file(_wide_csv(tmp_path, MAX_COLUMNS))
    assert loaded.frame.shape == (2, MAX_COLUMNS)


def test_a_parquet_file_wider_than_the_column_limit_is_refused(tmp_path):
    path = tmp_path / "wide.parquet"
    pd.DataFrame({f"c{i}": [1.0, 2.0] for i in range(MAX_COLUMNS + 1)}).to_parquet(path)
    with pytest.raises(DatasetError, match=r"2,001 columns is too many; valid: at most 2,000"):
        load_file(path)


@pytest.mark.parametrize(("text", "line"), [
    ("x" * 200_000 + "\n1\n", 1),  # one header field longer than the reader takes
    ('a,b\n1,"' + "y" * 200_000 + "\n2,3\n", 2),  # a quote never closed, running on
])
def test_a_line_the_csv_reader_cannot_take_is_a_data_error(tmp_path, text, line):
    path = tmp_path / "long.csv"
    path.write_text(text)
    with pytest.raises(DatasetError, match=rf"{path}: unparseable: line {line}\d* cannot be "
                                           r"read as comma-separated text \(field larger than "
                                           r"field limit \(131072\)\); valid: fields of at most "
                                           r"131,072 characters, each quote closed"):
        load_file(path)


def test_the_preview_shortens_long_cells_and_caps_its_rows():
    frame = pd.DataFrame({"text": ["z" * 50_000, "short"] * 300, "n": range(600)})
    rows = preview(frame, n=1_000)
    assert len(rows) == 100
    assert rows[0]["text"] == "z" * (PREVIEW_CHARS - 1) + "…"
    assert rows[1] == {"text": "short", "n": 1}
