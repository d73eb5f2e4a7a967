from __future__ import annotations

from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
import pytest

from optunagui.analysis import (
    TrialFrame,
    compute_contour,
    compute_history,
    compute_parallel,
    compute_scatter,
    compute_slice,
    draw_parallel,
    plot_contour,
    plot_history,
    plot_parallel,
    plot_scatter,
    plot_slice,
    to_html,
)

from .conftest import StoreRun, make_spec, rng, trial_rows
from .html_figures import html_traces

SPACE = {
    "x": {"type": "float", "low": 0.0, "high": 1.0},
    "lr": {"type": "float", "low": 0.001, "high": 1.0, "log": True},
    "kind": {"type": "categorical", "choices": ["a", "b"]},
}


def _frame(store_run: StoreRun, load: Callable[[int], TrialFrame], n: int,
           direction: str = "maximize") -> TrialFrame:
    r = rng(1)
    x = r.random(n)
    lr = 10 ** (-3 * r.random(n))
    kind = r.choice(["a", "b"], n)
    value = x + (kind == "b")
    states = ["complete"] * n
    states[-1] = "pruned"
    rows = trial_rows({"x": x.tolist(), "lr": lr.tolist(), "kind": kind.tolist()},
                      value.tolist(), states=states)
    spec = make_spec(SPACE, [{"name": "acc", "direction": direction}])
    return load(store_run(spec, rows))


def test_scatter_shows_complete_trials_with_their_values(store_run: StoreRun, load) -> None:
    frame = _frame(store_run, load, 40)
    record = compute_scatter(frame, "x", "kind")
    assert record.n_total == 39 and record.note == ""  # the pruned trial is left out
    assert record.number.tolist() == list(range(39))
    np.testing.assert_allclose(record.value, record.x.values + record.y.values)
    assert record.y.ticktext == ("a", "b")
    fig = plot_scatter(frame, "x", "kind")
    assert isinstance(fig.data[0], go.Scatter)
    assert fig.layout.yaxis.ticktext == ("a", "b")


def test_big_runs_are_sampled_keeping_the_best(store_run: StoreRun, load) -> None:
    frame = _frame(store_run, load, 3_001, direction="minimize")
    record = compute_scatter(frame, "x", "lr", max_points=500)
    assert record.value.size == 500 and "showing 500 of 3,000" in record.note
    best = int(frame.best_index())
    assert frame.number[best] in record.number  # the best trial is always shown
    smallest = np.sort(frame.values[frame.complete(), 0])[:50]  # best 10% under "minimize"
    assert set(smallest) <= set(record.value)
    assert np.array_equal(record.number, np.sort(record.number))
    # By default every view draws few enough points for SVG, and says how many it shows.
    assert "showing 2,000 of 3,000" in compute_scatter(frame, "x", "lr").note
    assert isinstance(plot_scatter(frame, "x", "lr").data[0], go.Scatter)
    for record in (compute_slice(frame), compute_history(frame)):
        assert record.value.size == 500 and "showing 500 of 3,000" in record.note
    for fig in (plot_slice(frame), plot_history(frame)):
        assert len(fig.data) == 3 and all(type(t) is go.Scatter for t in fig.data)
    contour = compute_contour(frame, "x", "lr")
    assert contour.points[0].size == 1_000 and contour.count.sum() == 3_000  # grid: every trial
    assert "showing 1,000 of 3,000" in contour.note
    assert type(plot_contour(frame, "x", "lr").data[1]) is go.Scatter
    # A caller asking for more points than WEBGL_FROM gets WebGL.
    assert isinstance(plot_scatter(frame, "x", "lr", max_points=3_000).data[0], go.Scattergl)
    assert isinstance(plot_slice(frame, max_points=3_000).data[0], go.Scattergl)


def test_parallel_coordinates_axes(store_run: StoreRun, load) -> None:
    frame = _frame(store_run, load, 30)
    record = compute_parallel(frame)
    assert [a.name for a in record.axes] == ["x", "lr", "kind"]
    dims = draw_parallel(record).data[0].dimensions
    assert [d.label for d in dims] == ["x", "lr (log)", "kind", "acc"]
    np.testing.assert_allclose(dims[1].values, np.log10(record.axes[1].values))
    assert dims[1].range == (-3.0, 0.0) and dims[2].ticktext == ("a", "b")
    np.testing.assert_allclose(dims[3].values, record.value)
    assert plot_parallel(frame, ["x"]).data[0].dimensions[0].label == "x"


def test_contour_grid_holds_cell_means(store_run: StoreRun, load) -> None:
    frame = _frame(store_run, load, 200)
    record = compute_contour(frame, "x", "kind", bins=4)
    assert record.z.shape == (2, 4) and record.count.sum() == 199
    idx = frame.complete()
    x, kind = frame.params["x"].values[idx], frame.params["kind"].values[idx]
    cell = (x >= 0.25) & (x < 0.5) & (kind == 1)
    assert record.count[1, 1] == cell.sum()
    assert record.z[1, 1] == pytest.approx(frame.values[idx[cell], 0].mean())
    np.testing.assert_allclose(record.x.values, [0.125, 0.375, 0.625, 0.875])
    fig = plot_contour(frame, "x", "lr", bins=5)
    assert fig.layout.yaxis.type == "log" and fig.data[0].z is not None


def test_slice_and_history_panels(store_run: StoreRun, load) -> None:
    frame = _frame(store_run, load, 30)
    record = compute_slice(frame)
    assert [a.name for a in record.axes] == ["x", "lr", "kind"]
    np.testing.assert_allclose(record.axes[0].values + record.axes[2].values, record.value)
    fig = plot_slice(frame)
    assert len(fig.data) == 3 and fig.layout.xaxis2.type == "log"
    history = compute_history(frame, ["lr"])
    assert history.number.tolist() == list(range(29))
    np.testing.assert_allclose(history.axes[0].values, frame.params["lr"].values[:29])
    fig = plot_history(frame)
    assert len(fig.data) == 3 and list(fig.data[0].x) == list(range(29))


def test_html_download_is_self_contained_and_holds_the_data(store_run: StoreRun, load,
                                                           tmp_path) -> None:
    frame = _frame(store_run, load, 25)
    fig = plot_scatter(frame, "x", "lr")
    path = tmp_path / "scatter.html"
    html = to_html(fig, path, title="Run 1 <scatter>")
    assert path.read_text(encoding="utf-8") == html
    assert "<title>Run 1 &lt;scatter&gt;</title>" in html
    assert '<script src="https://cdn.plot.ly' not in html
    assert len(html) > 1_000_000  # plotly.js is inlined: the page opens offline
    trace = html_traces(html)[0]
    idx = frame.complete()
    assert trace["customdata"].tolist() == frame.number[idx].tolist()
    np.testing.assert_allclose(trace["x"], frame.params["x"].values[idx])
    np.testing.assert_allclose(trace["marker"]["color"], frame.values[idx, 0])
