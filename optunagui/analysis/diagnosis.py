"""Is the search working? Best-so-far against random search, and exploration over time.

Random-search reference: what random sampling of the same space would reach is estimated by
resampling the run's own trials, each weighted by the inverse of how densely the sampler
placed trials around it (a kernel density estimate on the unit cube). An adaptive sampler
crowds its trials where scores are good; plain resampling of its values would make random
search look as good as the sampler. The expected best of k draws and its 5-95% band follow in
closed form (the best of k i.i.d. draws has quantile F^-1(q^(1/k))). The verdict also looks
at how the later half of the trials rank among random draws (about 50% for random search),
which stays meaningful where the best of many trials is an extreme value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from scipy import stats

from optunagui.analysis._sampling import pick
from optunagui.analysis.frame import TrialFrame

__all__ = [
    "ConvergenceRecord",
    "ExplorationRecord",
    "compute_convergence",
    "compute_exploration",
    "draw_convergence",
    "draw_exploration",
    "plot_convergence",
    "plot_exploration",
    "unit_matrix",
]

MAX_CURVE_POINTS = 400


def unit_matrix(frame: TrialFrame, idx: np.ndarray) -> np.ndarray:
    """(len(idx), n_params) parameters on [0, 1] (NaN where a trial lacks the parameter)."""
    if not frame.params:
        return np.zeros((idx.size, 0))
    return np.column_stack([np.clip(col.unit(col.values[idx]), 0, 1)
                            for col in frame.params.values()])


def _grid(n: int) -> np.ndarray:
    """Checkpoints 1..n (all of them for short runs, log-spaced plus linear for long ones)."""
    if n <= MAX_CURVE_POINTS:
        return np.arange(1, n + 1)
    points = np.unique(np.concatenate([
        np.geomspace(1, n, MAX_CURVE_POINTS // 2), np.linspace(1, n, MAX_CURVE_POINTS // 2)]))
    return np.unique(np.round(points).astype(int))


def _random_scores(frame: TrialFrame, idx: np.ndarray, score: np.ndarray, seed: int,
                   n_draws: int = 20_000) -> np.ndarray:
    """Scores random search would draw, by resampling the run's own trials.

    Each trial is weighted by 1 / (the density of the run's trials around it), estimated with
    a Gaussian kernel density on the unit cube: where the sampler crowded its trials, each
    counts less, so the resampled scores follow a uniform spread over the space, not the
    sampler's. Weights are capped at 20 times their median to keep a few isolated trials from
    standing in for everything.
    """
    rng = np.random.default_rng(seed)
    train = pick(idx, score, 2000, seed=seed, best_share=0.0)
    y = score[train]
    weights = np.ones(train.size)
    if train.size >= 10 and frame.params:
        X = np.nan_to_num(unit_matrix(frame, train), nan=0.5)
        X = X[:, X.std(axis=0) > 1e-9]
        if X.shape[1]:
            try:
                density = stats.gaussian_kde(X.T)(X.T)
                weights = 1.0 / np.maximum(density, 1e-12)
            except (np.linalg.LinAlgError, ValueError):
                weights = np.ones(train.size)
    weights = np.minimum(weights, 20.0 * np.median(weights))
    return rng.choice(y, size=n_draws, p=weights / weights.sum())


@dataclass(frozen=True)
class ConvergenceRecord:
    """Best-so-far (in the metric's own units) against the random-search reference.

    `k` counts complete trials; `random_mean`/`random_low`/`random_high` are the expected best
    of k random trials and its 5% and 95% quantiles. `p_random` is the chance that random
    search with as many trials would do at least as well as the run did (an extreme-value
    estimate, rough for long runs); the verdict rests on `late_rank` (about 0.5 for random
    search) together with the best against the expected random best.
    """

    metric: str
    direction: str
    k: np.ndarray
    best: np.ndarray
    random_mean: np.ndarray
    random_low: np.ndarray
    random_high: np.ndarray
    p_random: float
    late_rank: float  # mean share of random draws that the later half of the trials beat
    reached_at: int | None  # trials the run needed to reach random search's final expectation
    trend_rho: float
    trend_p: float
    verdict: str


def compute_convergence(frame: TrialFrame, *, objective: int | str = 0,
                        seed: int = 0) -> ConvergenceRecord:
    k_obj = frame.objective_index(objective)
    sign = 1.0 if frame.directions[k_obj] == "maximize" else -1.0
    score = frame.score(k_obj)
    idx = frame.complete(k_obj)
    n = int(idx.size)
    name, direction = frame.metric_names[k_obj], frame.directions[k_obj]
    if n < 5:
        empty = np.empty(0)
        return ConvergenceRecord(name, direction, empty, empty, empty, empty, empty, float("nan"),
                                 float("nan"), None, float("nan"), float("nan"),
                                 f"Too early to judge: {n} complete trial(s), need at least 5.")
    running = np.maximum.accumulate(score[idx])
    ref = np.sort(_random_scores(frame, idx, score, seed))
    k = _grid(n)
    u = (np.arange(200) + 0.5) / 200
    mean = np.quantile(ref, u[None, :] ** (1.0 / k[:, None])).mean(axis=1)
    low = np.quantile(ref, 0.05 ** (1.0 / k))
    high = np.quantile(ref, 0.95 ** (1.0 / k))
    final = float(running[-1])
    below = np.searchsorted(ref, final, side="left") / ref.size  # share of draws worse
    p_random = float(1.0 - below ** n)
    hits = np.flatnonzero(running >= mean[-1])
    reached = int(hits[0]) + 1 if hits.size else None
    rho, p_trend = stats.spearmanr(np.arange(n), score[idx])
    rho, p_trend = float(np.nan_to_num(rho)), float(np.nan_to_num(p_trend, nan=1.0))
    # The typical late trial against random draws (robust where the best of many trials is
    # an extreme value that a model of the space cannot pin down).
    late = score[idx][n // 2:]
    late_rank = float(np.mean(np.searchsorted(ref, late, side="right") / ref.size))
    show = (lambda v: sign * v)  # noqa: E731 - back to the metric's own sign
    if late_rank >= 0.65 and final >= mean[-1]:
        verdict = (f"Working: the best {name} {show(final):.4g} is at least what {n} random "
                   f"trials would reach (expected {show(mean[-1]):.4g}), and the later half of "
                   f"the trials beat {late_rank:.0%} of random ones")
        if reached is not None:
            verdict += f"; it got past random search's expectation after {reached} trials"
    elif final < low[-1]:
        verdict = (f"Worse than random search: the best {name} {show(final):.4g} is below what "
                   f"{n} random trials would reach 95% of the time ({show(low[-1]):.4g}); "
                   f"check the sampler's settings")
    else:
        verdict = (f"No better than random search so far: the best {name} {show(final):.4g} is "
                   f"about what {n} random trials would reach (expected {show(mean[-1]):.4g}), "
                   f"and the later half of the trials beat {late_rank:.0%} of random ones "
                   f"(random search: 50%)")
    if p_trend < 0.05 and rho > 0:
        verdict += f"; later trials score better (rank correlation {rho:.2f})."
    else:
        verdict += "."
    sel = k - 1
    return ConvergenceRecord(name, direction, k, sign * running[sel], sign * mean, sign * low,
                             sign * high, p_random, late_rank, reached, rho, p_trend, verdict)


def draw_convergence(record: ConvergenceRecord) -> go.Figure:
    fig = go.Figure()
    if record.k.size:
        band_x = np.concatenate([record.k, record.k[::-1]])
        band_y = np.concatenate([record.random_high, record.random_low[::-1]])
        fig.add_trace(go.Scatter(x=band_x, y=band_y, fill="toself", name="random search 5-95%",
                                 line={"width": 0}, fillcolor="rgba(150,150,150,0.3)",
                                 hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=record.k, y=record.random_mean, name="random search expected",
                                 line={"dash": "dash", "color": "grey"}))
        fig.add_trace(go.Scatter(x=record.k, y=record.best, name="this run: best so far",
                                 line={"color": "#1f77b4", "width": 3}))
    fig.update_layout(title={"text": f"Best {record.metric} so far<br><sup>{record.verdict}</sup>"},
                      xaxis={"title": "complete trials"}, yaxis={"title": record.metric})
    return fig


def plot_convergence(frame: TrialFrame, **options) -> go.Figure:
    return draw_convergence(compute_convergence(frame, **options))


@dataclass(frozen=True)
class ExplorationRecord:
    """How far each new trial lands from the best parameters found before it.

    `distance` is the mean over parameters of |difference| on [0, 1] (categorical: 0 or 1);
    `random_distance` is what a uniformly random trial would be expected to have. `ratio`
    smooths distance / random_distance over a moving window: about 1 means exploring like
    random search, near 0 means exploiting the neighbourhood of the best.
    """

    number: np.ndarray
    ratio: np.ndarray
    early_ratio: float
    late_ratio: float
    verdict: str


def compute_exploration(frame: TrialFrame, *, objective: int | str = 0) -> ExplorationRecord:
    k_obj = frame.objective_index(objective)
    idx = frame.complete(k_obj)
    n = idx.size
    if n < 8 or not frame.params:
        return ExplorationRecord(np.empty(0), np.empty(0), float("nan"), float("nan"),
                                 "Too early to judge exploration: need at least 8 trials.")
    score = frame.score(k_obj)[idx]
    units = unit_matrix(frame, idx)
    running = np.maximum.accumulate(score)
    is_new = np.concatenate([[True], score[1:] > running[:-1]])
    best_pos = np.maximum.accumulate(np.where(is_new, np.arange(n), 0))
    ref = units[best_pos[:-1]]  # the best before trial i (i = 1..n-1)
    new = units[1:]
    categorical = np.array([c.kind == "categorical" for c in frame.params.values()])
    diff = np.abs(new - ref)
    diff[:, categorical] = (diff[:, categorical] > 1e-9).astype(float)
    expected = (ref ** 2 + (1 - ref) ** 2) / 2
    sizes = np.array([max(len(c.choices), 1) for c in frame.params.values()], dtype=float)
    expected[:, categorical] = np.broadcast_to(1 - 1 / sizes[categorical],
                                               expected[:, categorical].shape)
    with np.errstate(invalid="ignore"):
        dist = np.nanmean(diff, axis=1)
        base = np.nanmean(np.where(np.isnan(diff), np.nan, expected), axis=1)
    window = max(5, (n - 1) // 50)
    kernel = np.ones(window) / window
    ratio = np.convolve(dist, kernel, "valid") / np.convolve(base, kernel, "valid")
    number = frame.number[idx][1:][window - 1:]
    quarter = max(1, (n - 1) // 4)
    early = float(np.nanmean(dist[:quarter]) / np.nanmean(base[:quarter]))
    late = float(np.nanmean(dist[-quarter:]) / np.nanmean(base[-quarter:]))
    if late < 0.5:
        verdict = (f"Exploiting: recent trials land close to the best so far ({late:.0%} of the "
                   f"distance random trials would have; {early:.0%} at the start).")
    elif late < 0.8:
        verdict = (f"Mixing exploration and exploitation: recent trials land at {late:.0%} of "
                   f"the random distance from the best ({early:.0%} at the start).")
    else:
        verdict = (f"Exploring like random search: recent trials land as far from the best as "
                   f"random ones would ({late:.0%} of the random distance).")
    if ratio.size > 2 * MAX_CURVE_POINTS:
        keep = np.unique(np.linspace(0, ratio.size - 1, 2 * MAX_CURVE_POINTS).astype(int))
        number, ratio = number[keep], ratio[keep]
    return ExplorationRecord(number, ratio, early, late, verdict)


def draw_exploration(record: ExplorationRecord) -> go.Figure:
    fig = go.Figure(go.Scatter(x=record.number, y=record.ratio, name="distance to best / random",
                               line={"color": "#ff7f0e"}))
    fig.add_hline(y=1.0, line_dash="dash", line_color="grey",
                  annotation_text="random search", annotation_position="top left")
    fig.update_layout(title={"text": f"Exploration vs exploitation<br><sup>{record.verdict}</sup>"},
                      xaxis={"title": "trial"},
                      yaxis={"title": "distance to best (1 = random)", "rangemode": "tozero"})
    return fig


def plot_exploration(frame: TrialFrame, **options) -> go.Figure:
    return draw_exploration(compute_exploration(frame, **options))
