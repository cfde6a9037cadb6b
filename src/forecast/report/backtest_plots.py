"""Figures of a backtest: the folds over the data, forecasts against actuals, error by lead."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from forecast.backtesting.result import BacktestResult

MAX_FOLDS_DRAWN = 40
MAX_ORIGINS_DRAWN = 60  # forecast paths per model in forecasts_figure
TRAIN, TEST = "#4c78a8", "#f58518"
PATH_COLORS = ("#1f5f8b", "#d0661c")  # successive origins' forecast paths alternate


def folds_figure(result: BacktestResult) -> Figure:
    """The series above, and below it one row per fold: training observations and scored
    targets (gaps between them are the purge and the embargo)."""
    from matplotlib.figure import Figure

    y = result.y
    folds = result.folds
    shown = np.unique(np.linspace(0, len(folds) - 1, min(len(folds), MAX_FOLDS_DRAWN)).astype(int))
    fig = Figure(figsize=(10, 3 + 0.12 * len(shown)), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2, max(1.0, 0.12 * len(shown))])
    top.plot(y.index, y.to_numpy(), lw=0.9, color="black")
    top.set_title(f"{result.setup.series.get('source', 'series')}: {result.setup.scheme}")
    index = y.index
    for row, i in enumerate(shown):
        fold = folds[i]
        for start, end in fold.train_ranges():
            bottom.plot(
                [index[start], index[end - 1]], [row, row], color=TRAIN, lw=4, solid_capstyle="butt"
            )
        for start, end in fold.test_ranges():
            bottom.plot(
                [index[start], index[end - 1]], [row, row], color=TEST, lw=4, solid_capstyle="butt"
            )
    bottom.set_yticks(range(len(shown)), [str(folds[i].index) for i in shown], fontsize=6)
    bottom.invert_yaxis()
    label = "fold" if len(shown) == len(folds) else f"fold ({len(shown)} of {len(folds)} shown)"
    bottom.set_ylabel(label)
    bottom.plot([], [], color=TRAIN, lw=4, label="train")
    bottom.plot([], [], color=TEST, lw=4, label="test targets")
    bottom.legend(loc="upper right", fontsize=7, ncols=2)
    return fig


def forecasts_figure(result: BacktestResult) -> Figure:
    """Per model: the actuals over the scored span and, from each origin, its forecast path
    (every lead time of that origin, a marker at the first) as its own short line, with the
    widest interval of that origin as a band. Paths of different origins are never joined:
    a line through the lead-1 (or lead-h) forecasts of successive origins would draw forecasts
    made months apart as one zig-zag. Successive origins alternate two colours, so that
    overlapping paths (a step shorter than the horizon) can be told apart. With more than
    ``MAX_ORIGINS_DRAWN`` origins, that many evenly spaced ones are drawn (the title says so)."""
    from matplotlib.figure import Figure

    models = [mf for mf in result.forecasts if mf.origins.size]
    fig = Figure(figsize=(10, 2.4 * max(1, len(models))), layout="constrained")
    axes = np.atleast_1d(fig.subplots(max(1, len(models)), 1, sharex=True))
    gap = int(result.setup.gap)
    index = result.y.index
    level = max(result.levels) if result.levels else None
    for ax, mf in zip(axes, models, strict=False):
        h = mf.actual.shape[1]
        first, last = mf.origins + gap + 1, mf.origins + gap + h
        span = slice(int(first.min()), int(last.max()) + 1)
        ax.plot(index[span], result.y.to_numpy()[span], color="black", lw=0.9, label="actual")
        rows = drawn_origins(mf.origins)
        for k, row in enumerate(rows):
            when = index[first[row] : last[row] + 1]
            color = PATH_COLORS[k % 2]
            if level is not None:
                lo, hi = mf.bands[level]
                ax.fill_between(
                    when,
                    lo[row],
                    hi[row],
                    color=color,
                    alpha=0.15,
                    lw=0,
                    label=f"{level:g}% interval" if k == 0 else None,
                )
            ax.plot(
                when,
                mf.mean[row],
                lw=1,
                color=color,
                marker="o",
                markevery=[0],
                ms=2.5,
                label=f"forecast from each origin (leads {gap + 1}..{gap + h})" if k == 0 else None,
            )
        shown = "" if rows.size == mf.origins.size else f", {rows.size} of them drawn"
        ax.set_title(f"{mf.label}: {mf.origins.size} origins{shown}", fontsize=9, loc="left")
        ax.legend(fontsize=7, loc="upper left", ncols=3)
    return fig


def drawn_origins(origins: np.ndarray) -> np.ndarray:
    """Rows of ``origins`` to draw, in time order: all, or ``MAX_ORIGINS_DRAWN`` evenly
    spaced ones (the first and the last among them)."""
    order = np.argsort(origins, kind="stable")
    picks = np.unique(np.linspace(0, order.size - 1, min(order.size, MAX_ORIGINS_DRAWN)).round())
    return np.asarray(order[picks.astype(int)])


def error_by_step_figure(result: BacktestResult, metric: str = "mae") -> Figure:
    from matplotlib.figure import Figure

    frame = result.by_step(metric)
    fig = Figure(figsize=(7, 3.5), layout="constrained")
    ax = fig.subplots()
    for label in frame.columns:
        ax.plot(frame.index, frame[label], marker="o", ms=3, label=str(label))
    ax.set_xlabel("lead time (steps)")
    ax.set_ylabel(metric.upper())
    ax.set_title(f"{metric.upper()} by lead time")
    ax.legend(fontsize=8)
    return fig
