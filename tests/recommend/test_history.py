"""Finding earlier runs in the database: only in experiments the user may read, the same
dataset first, then the same columns, then similar data; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from optunagui.recommend import suggest_for_spec
from optunagui.recommend.datasets import DataProfile, dataset_identity, match_of
from optunagui.store import create_experiment, create_user, set_member_role
from tests.recommend.stored import draft, store_run

IRIS = {"builtin": "iris"}
SYNTHETIC = {"builtin": "synthetic_classification"}


def no_importance(run):
    return None


@pytest.fixture
def people(db):
    with db.session() as session:
        ids = {name: create_user(session, name, "hash", is_admin=name == "root").id
               for name in ("olivia", "otto", "vic", "root")}
        ids["alpha"] = create_experiment(session, "Alpha", ids["olivia"]).id
        ids["bravo"] = create_experiment(session, "Bravo", ids["otto"]).id
        set_member_role(session, ids["alpha"], ids["vic"], "viewer")
    return ids


def _suggest(db, spec, user_id, **options):
    with db.session() as session:
        return suggest_for_spec(session, spec, user_id, importance=no_importance, **options)


def test_suggest_for_spec_reads_only_runs_the_user_may_read(db, people):
    alpha_run = store_run(db, people["alpha"], people["olivia"], IRIS, seed=1)
    bravo_run = store_run(db, people["bravo"], people["otto"], IRIS, seed=2)
    spec = draft(IRIS)
    assert [r.run_id for r in _suggest(db, spec, people["olivia"]).runs] == [alpha_run]
    assert [r.run_id for r in _suggest(db, spec, people["vic"]).runs] == [alpha_run]
    assert [r.run_id for r in _suggest(db, spec, people["otto"]).runs] == [bravo_run]
    assert [r.run_id for r in _suggest(db, spec, people["root"]).runs] == [alpha_run, bravo_run]
    with db.session() as session:
        nobody = create_user(session, "nobody", "hash").id
    assert _suggest(db, spec, nobody).runs == ()
    only_bravo = _suggest(db, spec, people["root"], may_read_run=lambda run_id: run_id == bravo_run)
    assert [r.run_id for r in only_bravo.runs] == [bravo_run]


def test_suggest_for_spec_uses_finished_trials_of_the_same_model_and_dataset(db, people):
    run_id = store_run(db, people["alpha"], people["olivia"], IRIS, n=50)
    store_run(db, people["alpha"], people["olivia"], IRIS, model="extra_trees")
    store_run(db, people["alpha"], people["olivia"], {"builtin": "wine"})
    result = _suggest(db, draft(IRIS), people["olivia"])
    assert result.source == f"from run {run_id}, 50 trials (same dataset)"
    features = {p.name: p for p in result.params}["max_features"]
    assert features.change == "narrow"
    assert 0.1 <= features.suggested["low"] < 0.4 < features.suggested["high"] < 0.9


def test_suggest_for_spec_falls_back_to_the_same_columns_then_similar_data(db, people):
    alpha, olivia = people["alpha"], people["olivia"]
    same_columns = store_run(db, alpha, olivia, {**SYNTHETIC, "options": {"seed": 1}})
    similar = store_run(db, alpha, olivia, {**SYNTHETIC, "options": {"n_features": 24}})
    # Other columns and rows too far, or other columns and another number of classes:
    store_run(db, alpha, olivia, {**SYNTHETIC, "options": {"n_features": 24, "n_samples": 2500}})
    store_run(db, alpha, olivia, {**SYNTHETIC, "options": {"n_features": 24, "n_classes": 3}})
    store_run(db, alpha, olivia, {"builtin": "synthetic_regression"}, metrics=[{"name": "r2"}])
    spec = draft(SYNTHETIC)
    first = _suggest(db, spec, olivia)
    assert (first.match, [r.run_id for r in first.runs]) == ("same columns", [same_columns])
    then = _suggest(db, spec, olivia, exclude_run_ids=(same_columns,))
    assert (then.match, [r.run_id for r in then.runs]) == ("similar data", [similar])
    same = store_run(db, alpha, olivia, {**SYNTHETIC, "options": {"seed": 0}})
    assert [r.run_id for r in _suggest(db, spec, olivia).runs] == [same]


def test_dataset_identity_is_the_content_for_files_and_the_options_for_builtins(tmp_path):
    assert dataset_identity(SYNTHETIC) == dataset_identity(
        {**SYNTHETIC, "options": {"seed": 0, "n_samples": 1000}})
    assert dataset_identity(SYNTHETIC) != dataset_identity({**SYNTHETIC, "options": {"seed": 1}})
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("x,y\n1,0\n2,1\n")
    second.write_text("x,y\n1,0\n2,1\n")
    assert dataset_identity({"path": str(first)}) == dataset_identity({"path": str(second)})
    assert dataset_identity({"path": str(first)}, "ab" * 32) == f"sha256:{'ab' * 32}"
    assert dataset_identity({"path": str(tmp_path / "gone.csv")}) is None


def test_match_of_compares_meta_features():
    base = DataProfile("classification", "y", frozenset({"a", "b", "c", "d"}), 1000, 1.0, 2, 0.5)
    renamed = DataProfile("classification", "y", frozenset({"e", "f", "g", "h"}), 1500, 0.75,
                          2, 0.45)
    assert match_of(base, base) == "same columns"
    assert match_of(base, renamed) == "similar data"
    assert match_of(base, DataProfile(**{**renamed.__dict__, "smallest_class_share": 0.2})) is None
    assert match_of(base, DataProfile(**{**renamed.__dict__, "n_rows": 2500})) is None
    assert match_of(base, DataProfile(**{**renamed.__dict__, "task": "regression"})) is None
    assert match_of(base, None) is None
