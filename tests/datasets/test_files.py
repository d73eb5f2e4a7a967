from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optunagui.datasets import DatasetError, file_sha256, load_file, read_header


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_file_csv_types_target_and_hash(tmp_path: Path) -> None:
    path = write(tmp_path, "churn.csv", "age,plan,score,churned\n31,basic,0.5,yes\n45,pro,1.5,no\n")
    data = load_file(path, target="churned")
    assert data.name == "churn" and data.source == "file" and data.path == str(path)
    assert data.target == "churned" and data.task == "classification"
    assert data.frame.shape == (2, 4)
    assert pd.api.types.is_integer_dtype(data.frame["age"])
    assert pd.api.types.is_float_dtype(data.frame["score"])
    assert pd.api.types.is_string_dtype(data.frame["plan"])
    assert data.sha256 == file_sha256(path)
    assert len(data.sha256) == 64


def test_load_file_default_target_is_target_column_else_last(tmp_path: Path) -> None:
    named = write(tmp_path, "a.csv", "target,x,y\n1,2,3.5\n0,5,6.25\n1,1,0.5\n")
    assert load_file(named).target == "target"
    last = write(tmp_path, "b.csv", "x,price\n1,3.5\n2,4.25\n3,9.75\n4,1.5\n")
    data = load_file(last)
    assert data.target == "price" and data.task == "regression"


def test_load_file_semicolon_with_decimal_comma(tmp_path: Path) -> None:
    path = write(tmp_path, "eu.csv", "laenge;farbe;klasse\n1,5;rot;a\n2,25;blau;b\n-3;rot;a\n")
    frame = load_file(path).frame
    assert list(frame.columns) == ["laenge", "farbe", "klasse"]
    assert frame["laenge"].tolist() == [1.5, 2.25, -3.0]


@pytest.mark.parametrize("suffix", [".tsv", ".csv", ".txt"])
def test_load_file_tab_separated(tmp_path: Path, suffix: str) -> None:
    path = write(tmp_path, f"t{suffix}", "a b\tc\ty\n1\tx y\t3.5\n4\tz\t6.1\n7\tz\t0.2\n")
    data = load_file(path)
    assert list(data.frame.columns) == ["a b", "c", "y"]
    assert data.frame["c"].tolist() == ["x y", "z", "z"]
    assert data.task == "regression"


def test_load_file_quoted_commas_and_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_bytes('\ufeffname,city,y\n"Smith, J",Zürich,1\n"Ng, A",Köln,0\n'.encode())
    frame = load_file(path).frame
    assert list(frame.columns) == ["name", "city", "y"]
    assert frame["name"].tolist() == ["Smith, J", "Ng, A"]
    assert frame["city"].tolist() == ["Zürich", "Köln"]


def test_load_file_latin1_text(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_bytes("city,y\nZürich,1\nKöln,0\n".encode("latin-1"))
    assert load_file(path).frame["city"].tolist() == ["Zürich", "Köln"]


def test_load_file_parses_iso_dates(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", "day,other,y\n2024-01-01,2024-01,1\n2024-02-03,x,0\n")
    frame = load_file(path).frame
    assert pd.api.types.is_datetime64_any_dtype(frame["day"])
    assert pd.api.types.is_string_dtype(frame["other"])


def test_load_file_parquet_round_trip(tmp_path: Path) -> None:
    original = pd.DataFrame(
        {
            "x": np.arange(6, dtype=np.int64),
            "f": np.linspace(0.0, 1.0, 6),
            "cat": ["a", "b", None, "a", "b", "a"],
            "flag": [True, False, True, True, False, False],
            "label": ["u", "v", "u", "v", "u", "v"],
        }
    )
    for suffix in (".parquet", ".pq"):
        path = tmp_path / f"data{suffix}"
        original.to_parquet(path)
        data = load_file(path, target="label")
        pd.testing.assert_frame_equal(data.frame, original)
        assert data.task == "classification"
        assert data.sha256 == file_sha256(path)
        assert read_header(path) == list(original.columns)


def test_load_file_parquet_drops_written_index(tmp_path: Path) -> None:
    path = tmp_path / "i.parquet"
    pd.DataFrame({"a": [1.5, 2.5, 3.5], "y": [0, 1, 0]}, index=[10, 20, 30]).to_parquet(path)
    data = load_file(path)
    assert list(data.frame.columns) == ["a", "y"]
    assert list(data.frame.index) == [0, 1, 2]


def test_load_file_csv_round_trip_from_pandas(tmp_path: Path) -> None:
    original = pd.DataFrame({"a": [1.25, -2.5, 3.0], "b": ["x", "y", "x"], "y": [1, 0, 1]})
    path = tmp_path / "rt.csv"
    original.to_csv(path, index=False)
    pd.testing.assert_frame_equal(load_file(path).frame, original)


def test_read_header_csv_reads_names_only(tmp_path: Path) -> None:
    path = write(tmp_path, "h.csv", "a;b;c\n1;2;3\n")
    assert read_header(path) == ["a", "b", "c"]


def test_read_header_rejects_no_header(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no header row"):
        read_header(write(tmp_path, "n.csv", "1,2,3\n4,5,6\n"))


# --- files that cannot be used: each error names the file, the problem and what is valid ---


def assert_error(path: Path, *fragments: str, target: str | None = None) -> str:
    with pytest.raises(DatasetError) as info:
        load_file(path, target=target)
    message = str(info.value)
    assert str(path.name) in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_load_file_missing(tmp_path: Path) -> None:
    assert_error(tmp_path / "absent.csv", "file not found")


def test_load_file_unsupported_suffix(tmp_path: Path) -> None:
    assert_error(
        write(tmp_path, "d.xlsx", "a,b\n1,2\n"), "unsupported file type '.xlsx'", ".parquet"
    )


def test_load_file_directory(tmp_path: Path) -> None:
    (tmp_path / "dir.csv").mkdir()
    assert_error(tmp_path / "dir.csv", "not a file")


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_load_file_empty(tmp_path: Path, text: str) -> None:
    assert_error(write(tmp_path, "e.csv", text), "the file is empty", "header row")


def test_load_file_header_only(tmp_path: Path) -> None:
    assert_error(
        write(tmp_path, "h.csv", "a,b,target\n"), "header only, no data rows", "a, b, target"
    )


def test_load_file_parquet_without_rows(tmp_path: Path) -> None:
    path = tmp_path / "z.parquet"
    pd.DataFrame(
        {"a": pd.Series([], dtype="float64"), "y": pd.Series([], dtype="int64")}
    ).to_parquet(path)
    assert_error(path, "header only, no data rows")


def test_load_file_no_header(tmp_path: Path) -> None:
    assert_error(
        write(tmp_path, "n.csv", "5.1,3.5,1.4,0\n4.9,3.0,1.4,0\n"),
        "no header row",
        "5.1, 3.5, 1.4, 0",
        "valid: a first line naming the columns",
    )


def test_load_file_binary_junk(tmp_path: Path) -> None:
    path = tmp_path / "junk.csv"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    assert_error(path, "unparseable", "binary content", "valid:")


def test_load_file_parquet_bytes_with_csv_suffix(tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    pd.DataFrame({"a": [1, 2], "y": [0, 1]}).to_parquet(path)
    assert_error(path, "Parquet file with a .csv suffix", "rename it to .parquet")


def test_load_file_corrupt_parquet(tmp_path: Path) -> None:
    assert_error(write(tmp_path, "bad.parquet", "a,b\n1,2\n"), "unparseable", "Parquet")


@pytest.mark.parametrize(
    ("text", "line", "fields"),
    [("a,b,c\n1,2,3\n4,5,6,7\n", 3, 4), ("a,b,c\n1,2,3\n4,5,6\n7,8\n", 4, 2)],
)
def test_load_file_ragged_rows(tmp_path: Path, text: str, line: int, fields: int) -> None:
    assert_error(
        write(tmp_path, "r.csv", text),
        "ragged rows",
        f"line {line} has {fields} fields, the header has 3",
        "same number of fields",
    )


def test_load_file_unclosed_quote(tmp_path: Path) -> None:
    assert_error(write(tmp_path, "q.csv", 'a,b,y\n1,"open,0\n2,3,1\n'), "ragged rows", "quote")


def test_load_file_duplicate_columns(tmp_path: Path) -> None:
    assert_error(
        write(tmp_path, "d.csv", "a,b,a,y\n1,2,3,0\n4,5,6,1\n"), "duplicate column names: a"
    )


def test_load_file_empty_column_name(tmp_path: Path) -> None:
    assert_error(write(tmp_path, "e.csv", "a,,y\n1,2,0\n3,4,1\n"), "empty column names", "[2]")


def test_load_file_target_not_in_file(tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "sepal,petal,species\n1,2,a\n3,4,b\n")
    assert_error(
        path, "'label' is not in the file", "columns: sepal, petal, species", target="label"
    )


def test_load_file_target_one_class(tmp_path: Path) -> None:
    path = write(tmp_path, "o.csv", "x,y\n1,spam\n2,spam\n3,\n")
    assert_error(path, "'y' has one class only ('spam')", "at least 2 classes")


def test_load_file_target_all_missing(tmp_path: Path) -> None:
    path = write(tmp_path, "m.csv", "x,y\n1,\n2,\n")
    assert_error(path, "'y' is all missing")


def test_load_file_target_only_column(tmp_path: Path) -> None:
    assert_error(write(tmp_path, "s.csv", "y\n1\n2\n"), "only the target column", "feature column")


def test_load_file_datetime_target(tmp_path: Path) -> None:
    path = write(tmp_path, "dt.csv", "x,when\n1,2024-01-01\n2,2024-01-02\n")
    assert_error(path, "'when' holds dates/times", target="when")
