"""Figures, drawn headless with matplotlib's object API (no pyplot, no display needed)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from forecast.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from forecast.diagnostics.diagnose import Diagnosis
    from forecast.models.base import Forecast

IMAGE_FORMATS = ("png", "svg", "pdf")


def image_format(path: str | Path) -> str:
    """The format a plot path asks for, from its extension."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in IMAGE_FORMATS:
        raise UsageError(f"--plot {path}: the file must end in .png, .svg or .pdf")
    return suffix


def figure_bytes(fig: Figure, fmt: str = "png") -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=110, bbox_inches="tight", metadata=_metadata(fmt))
    return buffer.getvalue()


def _metadata(fmt: str) -> dict[str, str | None]:
    # Fixed metadata so that the same data always gives the same file bytes.
    if fmt == "png":
        return {"Software": "forecast"}
    if fmt == "pdf":
        return {"Creator": "forecast", "Producer": None, "CreationDate": None}
    return {"Creator": "forecast", "Date": None}


def diagnosis_figure(d: Diagnosis) -> Figure:
    """The series, its ACF and its PACF with their confidence bands."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 7.5), layout="constrained")
    top, left, right = fig.subplot_mosaic([["series", "series"], ["acf", "pacf"]]).values()
    top.plot(d.y.index, d.y.to_numpy(), lw=1, color="#1f5f8b")
    title = f"{d.series.value_col} ({d.series.source})"
    top.set_title(title if d.transform == "none" else f"{title}, {d.transform}")
    c = d.correlogram
    lags = np.arange(1, c.nlags + 1)
    for ax, values, band, name in (
        (left, c.acf, c.acf_band, f"ACF ({c.acf_method}), Bartlett band"),
        (right, c.pacf, np.full(c.nlags, c.pacf_band), f"PACF ({c.pacf_method}), ±z/√n band"),
    ):
        ax.vlines(lags, 0, values, color="#1f5f8b")
        ax.plot(lags, values, "o", ms=3, color="#1f5f8b")
        ax.fill_between(lags, -band, band, color="#8fb3d9", alpha=0.35, step="mid", lw=0)
        ax.axhline(0, color="black", lw=0.6)
        ax.set_title(f"{name}, {1 - c.alpha:.0%}")
        ax.set_xlabel("lag")
    return fig


def forecast_figure(history: pd.Series, forecast: Forecast, title: str) -> Figure:
    """The history, the point forecast and its prediction bands (the widest palest)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.5), layout="constrained")
    ax = fig.subplots()
    ax.plot(history.index, history.to_numpy(), lw=1, color="#1f5f8b", label="history")
    levels = sorted(forecast.levels, reverse=True)
    for i, level in enumerate(levels):
        ax.fill_between(
            forecast.index,
            forecast.lower(level),
            forecast.upper(level),
            color="#e08a3c",
            alpha=0.2 + 0.25 * i / max(len(levels), 1),
            lw=0,
            label=f"{level:g}% interval",
        )
    ax.plot(forecast.index, forecast.mean, lw=1.5, color="#c4501b", label="forecast")
    ax.set_title(title)
    ax.legend(loc="upper left", frameon=False)
    return fig


def write_forecast_plot(
    path: str | Path, history: pd.Series, forecast: Forecast, title: str
) -> None:
    """``--plot FILE`` of fit and predict, written atomically."""
    from forecast.io.atomic import atomic_write_bytes

    fig = forecast_figure(history, forecast, title)
    atomic_write_bytes(path, figure_bytes(fig, image_format(path)))
