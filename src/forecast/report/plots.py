"""Figures, drawn headless with matplotlib's object API (no pyplot, no display needed)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from forecast.errors import UsageError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from forecast.diagnostics.diagnose import Diagnosis

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
