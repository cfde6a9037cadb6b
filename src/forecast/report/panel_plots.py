"""A grid of forecast plots for a panel (``fit`` / ``predict --plot FILE``): one small panel per
series, its history, the forecast mean of one model or several overlaid, and the prediction
bands, drawn headless with matplotlib's object API.

At most ``max_series`` series are drawn: those asked for (``ids``, in that order), else the first
of the forecast table (in the order its rows list them). :class:`SeriesChoice` says which, in a
sentence the caller can print (``first 16 of 40 series``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from forecast.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MAX_SERIES = 16
MAX_COLUMNS = 4
HISTORY_COLOR = "#333333"
_BAND = re.compile(r"^lower_(.+)$")


@dataclass(frozen=True)
class SeriesChoice:
    """The series a grid draws, out of those it could draw.

    Attributes
    ----------
    ids
        The ids drawn, in panel order (left to right, top to bottom).
    available
        How many series there were to choose from (the ids asked for, or every id of the
        forecast table).
    asked
        Whether ``ids`` were given (``--ids``) rather than the first series taken.
    """

    ids: tuple[str, ...]
    available: int
    asked: bool

    def describe(self) -> str:
        """The choice in words: ``first 16 of 40 series``, ``all 3 series``, ``the 2 series
        asked for``, ``the first 16 of the 20 series asked for``."""
        n = len(self.ids)
        if self.asked:
            if n == self.available:
                return f"the {n} series asked for"
            return f"the first {n} of the {self.available} series asked for"
        if n == self.available:
            return f"all {n} series" if n > 1 else "1 series"
        return f"first {n} of {self.available} series"


def choose_series(
    forecasts: pd.DataFrame, ids: Sequence[str] | None = None, max_series: int = MAX_SERIES
) -> SeriesChoice:
    """The series to draw: ``ids`` (each must have forecasts), else the table's first ids,
    at most ``max_series`` of them."""
    if isinstance(max_series, bool) or not isinstance(max_series, int) or max_series < 1:
        raise UsageError(f"--plot-max must be an integer of at least 1, got {max_series!r}")
    present = list(dict.fromkeys(str(i) for i in forecasts["id"]))
    if ids is None:
        pool = present
    else:
        pool = list(dict.fromkeys(str(i) for i in ids))
        missing = [i for i in pool if i not in set(present)]
        if missing:
            raise UsageError(
                f"--plot: no forecast for {', '.join(missing[:5])}; choose among the ids "
                "that were forecast"
            )
    return SeriesChoice(tuple(pool[:max_series]), len(pool), ids is not None)


def panel_forecast_figure(
    forecasts: pd.DataFrame,
    history: Mapping[str, pd.Series],
    choice: SeriesChoice,
    *,
    models: Sequence[str] | None = None,
    title: str | None = None,
    history_points: int | None = None,
) -> Figure:
    """A grid with one panel per chosen series: history, forecast mean and bands per model.

    Parameters
    ----------
    forecasts : pandas.DataFrame
        Long format: ``id``, ``timestamp``, ``mean`` and ``lower_XX`` / ``upper_XX`` pairs,
        with a ``model`` column when several models were fitted (without it, one model).
    history : mapping of str to pandas.Series
        Each series' observed values, indexed by timestamp.
    choice : SeriesChoice
        The series to draw (:func:`choose_series`).
    models : sequence of str, optional
        The models to draw, overlaid in this order (default: every model of the table).
    title : str, optional
        The figure's title; the choice of series is appended.
    history_points : int, optional
        Draw only the last this many observations of each history (default: all).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    frame = _with_model(forecasts)
    labels = _models(frame, models)
    levels = _levels(frame)
    n = len(choice.ids)
    columns = min(MAX_COLUMNS, max(1, math.ceil(math.sqrt(n))))
    rows = max(1, math.ceil(n / columns))
    fig = Figure(figsize=(4.2 * columns, 2.9 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    colors = [f"C{i % 10}" for i in range(len(labels))]
    by_id = {str(k): g for k, g in frame.groupby("id", sort=False)}
    for ax, sid in zip(axes, choice.ids, strict=False):
        past = history.get(sid)
        if past is not None:
            past = past if history_points is None else past.iloc[-history_points:]
            ax.plot(past.index, past.to_numpy(), lw=0.9, color=HISTORY_COLOR, label="history")
        _draw_models(ax, by_id[sid], labels, colors, levels)
        ax.set_title(sid, fontsize=9, loc="left")
        ax.tick_params(labelsize=7)
        ax.tick_params(axis="x", labelrotation=30)
    for ax in axes[n:]:
        ax.set_visible(False)
    handles, names = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, names, loc="outside lower center", ncols=min(6, len(names)), fontsize=8)
    fig.suptitle(f"{title}: {choice.describe()}" if title else choice.describe().capitalize())
    return fig


def write_panel_plot(
    path: str | Path,
    forecasts: pd.DataFrame,
    history: Mapping[str, pd.Series],
    *,
    ids: Sequence[str] | None = None,
    models: Sequence[str] | None = None,
    max_series: int = MAX_SERIES,
    title: str | None = None,
    history_points: int | None = None,
) -> SeriesChoice:
    """Draw a grid of up to ``max_series`` series' forecasts and write it, atomically, as PNG,
    SVG or PDF (by the suffix of ``path``): ``fit`` / ``predict --plot FILE``.

    Parameters
    ----------
    path : str or pathlib.Path
        The image file; its suffix (``.png``, ``.svg``, ``.pdf``) picks the format.
    forecasts : pandas.DataFrame
        Long format: ``id``, ``timestamp``, ``mean``, ``lower_XX`` / ``upper_XX``, and
        ``model`` when there are several models (see :func:`panel_forecast_figure`).
    history : mapping of str to pandas.Series
        Each series' observed values, indexed by timestamp.
    ids : sequence of str, optional
        The series to draw (``--ids``), in this order; default: the first of the table.
    models : sequence of str, optional
        The models to overlay; default: all.
    max_series : int
        The most series drawn (``--plot-max``, default 16).
    title : str, optional
        The figure's title.
    history_points : int, optional
        Draw only the last this many observations of each history.

    Returns
    -------
    SeriesChoice
        The series drawn; ``describe()`` says it in words for a ``note:``.
    """
    from forecast.io.atomic import atomic_write_bytes
    from forecast.report.plots import figure_bytes, image_format

    fmt = image_format(path)  # refused before anything is drawn
    choice = choose_series(forecasts, ids, max_series)
    fig = panel_forecast_figure(
        forecasts, history, choice, models=models, title=title, history_points=history_points
    )
    atomic_write_bytes(path, figure_bytes(fig, fmt))
    return choice


def _with_model(forecasts: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("id", "timestamp", "mean") if c not in forecasts.columns]
    if missing:
        raise UsageError(f"the forecast table has no column {', '.join(missing)}")
    if "model" in forecasts.columns:
        return forecasts
    return forecasts.assign(model="forecast")


def _models(frame: pd.DataFrame, models: Sequence[str] | None) -> list[str]:
    present = list(dict.fromkeys(str(m) for m in frame["model"]))
    if models is None:
        return present
    unknown = [m for m in models if m not in present]
    if unknown:
        raise UsageError(
            f"--plot: no forecasts of model {', '.join(unknown)}; choose among {', '.join(present)}"
        )
    return list(models)


def _levels(frame: pd.DataFrame) -> list[str]:
    """The band labels with both a ``lower_`` and an ``upper_`` column, widest first."""
    found = [m.group(1) for c in frame.columns if (m := _BAND.match(str(c)))]
    paired = [lv for lv in found if f"upper_{lv}" in frame.columns]
    return sorted(paired, key=float, reverse=True)


def _draw_models(
    ax: Axes, rows: pd.DataFrame, labels: list[str], colors: list[str], levels: list[str]
) -> None:
    """One series' forecasts: per model its bands (the widest palest) and its mean, drawn
    above all bands."""
    import pandas as pd

    for label, color in zip(labels, colors, strict=True):
        mine = rows[rows["model"].astype(str) == label].sort_values("timestamp")
        if mine.empty:
            continue
        when = mine["timestamp"]
        if not pd.api.types.is_numeric_dtype(when):  # an integer time index stays as it is
            when = pd.to_datetime(when)
        for i, lv in enumerate(levels):
            ax.fill_between(
                when,
                mine[f"lower_{lv}"].to_numpy(dtype=float),
                mine[f"upper_{lv}"].to_numpy(dtype=float),
                color=color,
                alpha=(0.12 + 0.12 * i / max(len(levels), 1)) / max(1, len(labels) ** 0.5),
                lw=0,
                label=f"{label} {lv}%" if len(labels) == 1 else None,
            )
        # the means above every model's bands (zorder 3), so that no band hides a mean
        mean = mine["mean"].to_numpy(dtype=float)
        ax.plot(when, mean, lw=1.4, color=color, label=label, zorder=3)
