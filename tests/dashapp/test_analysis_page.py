"""The run analysis page over HTTP: its tabs compute from the checked run, importance ranks a
planted parameter first, downloads are self-contained HTML with the run's data, and outsiders
get nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dashapp.analysis_state import analysis_state
from tests.analysis.html_figures import html_traces
from tests.dashapp.analysis_data import write_run
from tests.dashapp.conftest import callback_key, post_callback

SHOW = "analysis-denied.children"
PARAMS = "analysis-scatter-graph.figure@"  # the callback of the pickers (the header draws first)
ALL_PARAMS = "analysis-slice-graph.figure@"
PARALLEL = "analysis-parallel-graph.figure"
IMPORTANCE = "analysis-importance-graph.figure"
DIAGNOSIS = "analysis-convergence-graph.figure"
PARETO = "analysis-pareto-graph.figure"
DOWNLOAD = "analysis-download.data"
BUTTON = "analysis-download-button"
RUN = "analysed-run-secret"


@pytest.fixture
def analysed(world, database) -> int:
    return write_run(database, world.alpha, RUN, world.user_ids["ed"], n_trials=40)


def _body(response) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))["response"]


def _values(run_id: int, **extra: Any) -> dict[str, Any]:
    return {"run_id": str(run_id), **extra}


def test_analysis_page_shows_the_run_and_its_parameters(app, client_for, analysed):
    body = _body(post_callback(client_for("vic"), app, callback_key(app, SHOW), _values(analysed)))
    assert body["analysis-body"]["style"] == {}
    assert body["analysis-title"]["children"] == f"{RUN} · analysis"
    assert body["analysis-summary"]["children"].startswith("40 trials: 40 complete")
    names = [o["value"] for o in body["analysis-x-param"]["options"]]
    assert names == ["planted", "noise_a", "noise_b"]
    assert body["analysis-objective"]["value"] == "accuracy"
    assert body["analysis-pareto-tab"]["tab_style"] == {"display": "none"}


def test_analysis_page_opens_with_its_first_tab_drawn_and_redraws_only_for_new_choices(
        app, client_for, analysed):
    client = client_for("vic")
    show = _body(post_callback(client, app, callback_key(app, SHOW), _values(analysed)))
    for name in ("scatter", "contour", "slice", "history"):
        assert show[f"analysis-{name}-graph"]["figure"]["data"], name
    drawn = show["analysis-drawn-axes"]["data"]
    assert drawn == ["accuracy", "planted", "noise_a"]
    assert show["analysis-drawn-params"]["data"] == ["accuracy"]
    # The header setting the pickers, or coming back to the tab, draws nothing again ...
    same = _values(analysed, tab="params", objective="accuracy", x_param="planted",
                   y_param="noise_a", drawn=drawn)
    assert post_callback(client, app, callback_key(app, PARAMS), same).status_code == 204
    same_params = _values(analysed, tab="params", objective="accuracy", drawn=["accuracy"])
    assert post_callback(client, app, callback_key(app, ALL_PARAMS),
                         same_params).status_code == 204
    # ... another axis does, and notes what it drew.
    other = {**same, "y_param": "noise_b"}
    body = _body(post_callback(client, app, callback_key(app, PARAMS), other))
    assert body["analysis-drawn-axes"]["data"] == ["accuracy", "planted", "noise_b"]
    assert body["analysis-scatter-graph"]["figure"]["layout"]["yaxis"]["title"]["text"] == (
        "noise_b")


def test_analysis_parameter_space_draws_the_chosen_axes(app, client_for, analysed):
    values = _values(analysed, tab="params", objective="accuracy", x_param="planted",
                     y_param="noise_b")
    body = _body(post_callback(client_for("vic"), app, callback_key(app, PARAMS), values))
    scatter = body["analysis-scatter-graph"]["figure"]
    assert scatter["layout"]["xaxis"]["title"]["text"] == "planted"
    assert scatter["layout"]["yaxis"]["title"]["text"] == "noise_b"
    assert len(scatter["data"][0]["x"]["bdata"] if isinstance(scatter["data"][0]["x"], dict)
               else scatter["data"][0]["x"]) > 0
    assert body["analysis-contour-graph"]["figure"]["data"][0]["type"] == "contour"
    values = _values(analysed, tab="params", objective="accuracy")
    body = _body(post_callback(client_for("vic"), app, callback_key(app, ALL_PARAMS), values))
    assert set(body) == {"analysis-slice-graph", "analysis-history-graph",  # parallel: own tab
                         "analysis-drawn-params"}
    for name in ("slice", "history"):
        assert body[f"analysis-{name}-graph"]["figure"]["data"], name


def test_analysis_parallel_coordinates_draw_only_on_their_tab(app, client_for, analysed):
    client, key = client_for("vic"), callback_key(app, PARALLEL)
    for closed in ("params", "importance"):
        values = _values(analysed, tab=closed, objective="accuracy")
        assert post_callback(client, app, key, values).status_code == 204, closed
    body = _body(post_callback(client, app, key, _values(analysed, tab="parallel",
                                                         objective="accuracy")))
    dimensions = body["analysis-parallel-graph"]["figure"]["data"][0]["dimensions"]
    assert [d["label"] for d in dimensions] == ["planted", "noise_a", "noise_b", "accuracy"]
    values = _values(analysed, clicks=[({"type": BUTTON, "figure": "parallel"}, 1)],
                     objective="accuracy", x_param=None, y_param=None, method="fanova")
    data = _body(post_callback(client, app, callback_key(app, DOWNLOAD), values))
    assert data["analysis-download"]["data"]["filename"] == f"run-{analysed}-parallel.html"
    assert html_traces(data["analysis-download"]["data"]["content"])[0]["type"] == "parcoords"


def test_analysis_tabs_compute_nothing_while_closed(app, client_for, analysed):
    values = _values(analysed, tab="importance", objective="accuracy", x_param="planted",
                     y_param="noise_b")
    response = post_callback(client_for("vic"), app, callback_key(app, PARAMS), values)
    assert response.status_code == 204


def test_analysis_importance_ranks_the_planted_parameter_first(app, client_for, analysed):
    client = client_for("vic")
    key = callback_key(app, IMPORTANCE)
    values = _values(analysed, tab="importance", objective="accuracy", method="fanova", tick=None)
    first = _body(post_callback(client, app, key, values))
    cache = analysis_state(app.server).importance
    pending = cache.pending(analysed, "fanova", "accuracy")
    if pending is not None:  # computed in the background: the page polls until it lands
        assert first["analysis-importance-poll"]["disabled"] is False
        pending.result(timeout=60)
    body = _body(post_callback(client, app, key, values))
    assert body["analysis-importance-poll"]["disabled"] is True
    bars = body["analysis-importance-graph"]["figure"]["data"][0]
    assert bars["y"][-1] == "planted"  # drawn bottom-up: the largest bar is the last
    assert "fANOVA on all 40 complete trials" in body["analysis-importance-note"]["children"]
    cache.close()


def test_analysis_diagnosis_gives_a_verdict_per_view(app, client_for, analysed):
    values = _values(analysed, tab="diagnosis", objective="accuracy")
    body = _body(post_callback(client_for("vic"), app, callback_key(app, DIAGNOSIS), values))
    for name in ("convergence", "exploration", "pruning", "workers"):
        verdict = body[f"analysis-{name}-verdict"]["children"]
        assert isinstance(verdict, str) and len(verdict) > 10, name
    assert "node-0" in json.dumps(body["analysis-workers-graph"]["figure"])


def test_analysis_pareto_for_a_run_with_two_metrics(app, client_for, world, database):
    run_id = write_run(database, world.alpha, "two metrics", world.user_ids["ed"],
                       metrics=("accuracy", "fit_time_s"))
    client = client_for("vic")
    show = _body(post_callback(client, app, callback_key(app, SHOW), _values(run_id)))
    assert show["analysis-pareto-tab"]["tab_style"] == {}
    body = _body(post_callback(client, app, callback_key(app, PARETO), _values(run_id,
                                                                               tab="pareto")))
    assert body["analysis-pareto-graph"]["figure"]["data"]


def test_analysis_download_is_a_self_contained_page_with_the_data(app, client_for, analysed):
    values = _values(analysed, clicks=[({"type": BUTTON, "figure": "history"}, 1)],
                     objective="accuracy", x_param=None, y_param=None, method="fanova")
    body = _body(post_callback(client_for("vic"), app, callback_key(app, DOWNLOAD), values))
    data = body["analysis-download"]["data"]
    assert data["filename"] == f"run-{analysed}-history.html"
    html = data["content"]
    assert html.lower().startswith("<!doctype html>")
    assert "<script src=" not in html and "plotly.js v" in html  # inlined: opens offline
    traces = html_traces(html)
    assert len(traces) == 3  # one panel per parameter
    assert sorted(int(n) for n in traces[0]["x"]) == list(range(40))


@pytest.mark.parametrize("fragment", [SHOW, PARAMS, ALL_PARAMS, PARALLEL, IMPORTANCE, DIAGNOSIS,
                                      DOWNLOAD])
def test_analysis_refuses_outsiders_without_leaking(app, client_for, analysed, fragment):
    tabs = {PARAMS: "params", ALL_PARAMS: "params", PARALLEL: "parallel",
            IMPORTANCE: "importance", DIAGNOSIS: "diagnosis"}
    values = _values(analysed, tab=tabs.get(fragment), objective="accuracy",
                     method="fanova", x_param="planted", y_param="noise_a",
                     clicks=[({"type": BUTTON, "figure": "scatter"}, 1)])
    response = post_callback(client_for("otto"), app, callback_key(app, fragment), values)
    text = response.get_data(as_text=True)
    assert response.status_code in (200, 204)
    assert RUN not in text and "planted" not in text and "noise_a" not in text


def test_analysis_of_a_run_without_trials_says_so_in_every_tab(app, client_for, world, database):
    from optunagui.store import create_run

    with database.session() as session:
        run_id = create_run(session, world.alpha, "queued run", {"metrics": [
            {"name": "accuracy", "direction": "maximize"}]}, created_by=world.user_ids["ed"]).id
    client = client_for("vic")
    show = _body(post_callback(client, app, callback_key(app, SHOW), _values(run_id)))
    assert show["analysis-summary"]["children"].startswith("0 trials")
    for fragment, tab in ((PARAMS, "params"), (PARALLEL, "parallel"), (IMPORTANCE, "importance"),
                          (DIAGNOSIS, "diagnosis")):
        values = _values(run_id, tab=tab, objective="accuracy", x_param=None, y_param=None,
                         method="fanova", tick=None)
        text = post_callback(client, app, callback_key(app, fragment), values).get_data(
            as_text=True)
        assert "No complete trials yet" in text, fragment
    compare = post_callback(client, app, callback_key(app, "compare-problem.children"),
                            {"runs": f"{run_id},{world.run_id}"})
    assert compare.status_code == 200
    assert "has no complete trial yet" in compare.get_data(as_text=True)
