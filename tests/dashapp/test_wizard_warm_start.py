"""The suggestions panel's "Start with the best K configurations of these runs" over HTTP, as
the browser posts it: the best configurations of an earlier run the person may read go into the
draft (kept by a resume), the review says how many run first and the launched spec holds them;
a run in an experiment without a role gives none, and its name never reaches the browser."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from dashapp.guard import Check, requirement_of
from dashapp.pages.new_run.ids import ids
from dashapp.pages.new_run.suggest_view import suggest_ids
from dashapp.pages.new_run.wizard import data as wizard_data
from dashapp.permissions import Role
from optunagui.store.tables import Run
from tests.dashapp.conftest import callback_key, callback_named
from tests.dashapp.test_wizard_callbacks import NAVIGATE, browser_values, post, post_to
from tests.dashapp.test_wizard_drafts import _choose
from tests.dashapp.test_wizard_suggest import MODEL, _form, _store_earlier_run

WARM = "new-run-warm-start-status.children"


@pytest.fixture(autouse=True)
def _fresh_dataset_cache():
    wizard_data.clear_cache()
    yield
    wizard_data.clear_cache()


def _warm(client, app, experiment_id: int, form: dict[str, Any], use: Any = True,
          count: Any = 3) -> tuple[Any, str]:
    values = browser_values(form, experiment_id)
    values.update(use=use, count=count)
    response = post_to(client, app, callback_key(app, WARM), values)
    assert response.status_code == 200, response.get_data(as_text=True)
    payload = response.json["response"]
    return payload.get(ids.warm_start, {}).get("data"), response.get_data(as_text=True)


def test_warm_start_callback_requires_an_editor(app, client_for):
    client_for("olivia")
    requirement = requirement_of(app.callback_map[callback_key(app, WARM)]["callback"])
    assert requirement is not None and requirement.check is Check.experiment
    assert requirement.role is Role.editor


def test_warm_start_goes_into_the_draft_the_review_and_the_launched_spec(
        app, world, database, client_for, monkeypatch):
    import cluster.launch.submit

    monkeypatch.setattr(cluster.launch.submit, "submit_run", lambda *a, **k: None)
    earlier = _store_earlier_run(database, world.alpha, world.user_ids["ed"], "alpha-tuned-run")
    ed = client_for("ed")
    form = {**_form(), "n_trials": 5}
    kept, text = _warm(ed, app, world.alpha, form)
    configs = kept[MODEL]
    assert len(configs) == 3 and all(c["class_weight"] == "balanced" for c in configs)
    assert f"3 warm-start trials first, the best 3 configurations of run {earlier}" in text
    assert text.count(f" of run {earlier}, ") >= 3
    assert _warm(ed, app, world.alpha, form, use=False)[0] == {}
    assert "from 1 to 50" in _warm(ed, app, world.alpha, form, count=0)[1]

    drafted = {**form, "warm_start": kept, "warm_start_use": True, "warm_start_count": 3}
    resumed = _choose(ed, app, world.alpha, ids.resume, {str(world.alpha): drafted})
    assert resumed[ids.warm_start]["data"] == kept
    assert resumed[ids.warm_start_use]["value"] is True

    review = post(ed, app, NAVIGATE, browser_values({**drafted, "step": 6}, world.alpha),
                  trigger=ids.next)
    assert "3 warm-start trials first" in review.get_data(as_text=True)
    launched = post(ed, app, NAVIGATE, browser_values({**drafted, "step": 7}, world.alpha),
                    trigger=ids.launch)
    assert launched.status_code == 200, launched.get_data(as_text=True)
    with database.session() as session:
        run = session.scalars(select(Run).order_by(Run.id.desc())).first()
        assert run is not None and run.id != earlier
        assert run.spec["warm_start"] == configs
    unchecked = post(ed, app, NAVIGATE, browser_values(
        {**drafted, "warm_start_use": False, "step": 6}, world.alpha), trigger=ids.next)
    assert "warm-start trials first" not in unchecked.get_data(as_text=True)


def test_warm_start_from_an_experiment_without_a_role_gives_none(
        app, world, database, client_for):
    earlier = _store_earlier_run(database, world.bravo, world.user_ids["otto"],
                                 "bravo-tuned-run")
    form = {**_form(), "n_trials": 5}
    seen, _ = _warm(client_for("otto"), app, world.bravo, form)
    assert len(seen[MODEL]) == 3
    kept, text = _warm(client_for("ed"), app, world.alpha, form)
    assert kept == {} and "no warm start: no earlier run to start from" in text
    assert "bravo-tuned-run" not in text and f"run {earlier}" not in text


def test_warm_start_needs_a_draft_that_passes_its_checks(app, world, client_for):
    kept, text = _warm(client_for("ed"), app, world.alpha, {**_form(), "folds": 1})
    assert kept == {} and "A warm start needs a draft that passes its checks" in text
    assert callback_named(app, "warm_start_configs") == callback_key(app, WARM)
    assert suggest_ids.warm_status in text
