"""The wizard says what the data gets: each column's missing values and what "default" does to
it in the features table, and the rows left out for a missing target in the status line."""

from __future__ import annotations

import pandas as pd

from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.tables import default_words, features_table
from dashapp.pages.new_run.wizard.feature_rows import feature_rows
from optunagui.datasets import column_summary
from tests.dashapp.test_wizard_callbacks import _upload
from tests.dashapp.test_wizard_follow import _describe

GAPS = b"island,flipper,mass\n" + b"".join(
    (f"{'' if i % 5 == 0 else 'Biscoe'},{'' if i % 4 == 0 else 180 + i},"
     f"{'' if i % 10 == 3 else 3000 + 25 * i}\n").encode() for i in range(40))


def test_feature_rows_carry_each_columns_missing_values():
    frame = pd.DataFrame({"island": ["a", None, "b", None], "flipper": [1.0, 2.0, None, 4.0],
                          "mass": [1.0, 2.0, 3.0, 4.0]})
    rows = feature_rows(column_summary(frame, "mass"), "mass")
    assert [(r["column"], r["missing"]) for r in rows] == [("island", 2), ("flipper", 1)]


def test_the_features_table_shows_missing_counts_and_what_default_does():
    rows = [{"column": "flipper", "kind": "numeric", "use": True, "transform": "",
             "reason": None, "missing": 1234},
            {"column": "island", "kind": "categorical", "use": True, "transform": "",
             "reason": None, "missing": None}]
    text = repr(features_table(rows, {}))
    assert "'Missing'" in text and "'1,234'" in text
    assert "missing values → median, otherwise as is" in text and "svm" in text
    assert "one 0/1 column per value" in text
    assert default_words("") == "" and "standard deviation" in default_words("numeric")


def test_the_status_line_counts_the_rows_without_a_target(app, world, client_for):
    client = client_for("ed")
    upload = _upload(client, app, world, world.alpha, "gaps.csv",
                     GAPS).json["response"][ids.upload_data]["data"]
    status = _describe(client, app, world, source="upload", upload=upload,
                       target="mass")[ids.dataset_status]["children"]
    assert "4 rows without a value for mass: left out of the run." in status
    other = _describe(client, app, world, source="upload", upload=upload,
                      target="flipper")[ids.dataset_status]["children"]
    assert "10 rows without a value for flipper" in other
