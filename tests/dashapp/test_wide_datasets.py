"""Over HTTP, a file too wide for the product and synthetic options too large for memory are
refused with the reason (422, the field named), never a server error."""

from __future__ import annotations

import base64

import pytest

from optunagui.store import accounts


@pytest.fixture
def ed(world, database) -> dict[str, str]:
    with database.session() as session:
        _info, raw = accounts.create_api_token(session, world.user_ids["ed"], label="t",
                                               scope="read-write")
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def submitted(monkeypatch) -> list[int]:
    import cluster.launch.submit

    calls: list[int] = []
    monkeypatch.setattr(cluster.launch.submit, "submit_run",
                        lambda run_id, *a, **k: calls.append(run_id))
    return calls


def _post(app, path, headers, body):
    return app.server.test_client().post(f"/api/v1{path}", headers=headers, json=body)


def _wide_csv_base64(n_columns: int) -> str:
    header = ",".join(f"c{i}" for i in range(n_columns))
    rows = [",".join(str(v) for _ in range(n_columns)) for v in (0, 1)]
    return base64.b64encode("\n".join([header, *rows]).encode()).decode()


def test_an_upload_wider_than_the_column_limit_is_refused_with_the_reason(app, world, ed):
    # A header line past the CSV reader's 131,072-character field limit once split wrongly
    # (30,000 columns): it used to answer 500.
    answer = _post(app, f"/experiments/{world.alpha}/datasets", ed,
                   {"filename": "wide.csv", "content_base64": _wide_csv_base64(30_000)})
    assert answer.status_code == 422, answer.get_data(as_text=True)[:300]
    assert answer.get_json()["error"].endswith(
        "wide.csv: 30,000 columns is too many; valid: at most 2,000 columns, the target "
        "included (drop or aggregate columns before uploading)")


def test_a_launch_on_an_oversized_synthetic_dataset_names_the_options(app, world, ed,
                                                                     submitted):
    spec = {"name": "huge", "model": "logistic_regression",
            "dataset": {"builtin": "synthetic_regression",
                        "options": {"n_samples": 5_000_000, "n_features": 1_000}},
            "metrics": [{"name": "r2", "direction": "maximize"}], "budget": {"n_trials": 2}}
    answer = _post(app, f"/experiments/{world.alpha}/runs", ed, {"spec": spec})
    assert answer.status_code == 422, answer.get_json()
    (problem,) = answer.get_json()["problems"]
    assert problem["field"] == "spec.dataset.builtin"
    assert "n_samples=5000000 with n_features=1000 would hold 37.29 GiB" in problem["message"]
    assert "valid: n_samples × (n_features + 1) × 8 at most 1.00 GiB" in problem["message"]
    assert submitted == []
