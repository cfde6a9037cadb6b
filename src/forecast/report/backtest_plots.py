"""Figures of a backtest: the folds over the data, forecasts against actuals, error by lead."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from forecast.backtesting.result import BacktestResult

MAX_FOLDS_DRAWN = 40
TRAIN, TEST = "#4c78a8", "#f58518"


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
    """Per model: the actuals over the scored span, the forecasts at the first and last lead
    time, and the widest interval of the first lead time."""
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
        order = np.argsort(first)
        ax.plot(index[first[order]], mf.mean[order, 0], lw=0.9, label=f"lead {gap + 1}")
        if h > 1:
            ax.plot(
                index[last[order]], mf.mean[order, -1], lw=0.9, alpha=0.8, label=f"lead {gap + h}"
            )
        if level is not None:
            lo, hi = mf.bands[level]
            ax.fill_between(
                index[first[order]],
                lo[order, 0],
                hi[order, 0],
                alpha=0.2,
                label=f"{level:g}% interval, lead {gap + 1}",
            )
        ax.set_title(mf.label, fontsize=9, loc="left")
        ax.legend(fontsize=7, loc="upper left", ncols=4)
    return fig


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
