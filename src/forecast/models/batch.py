"""Forecasts of many series of one length at once: the vectorised panel path's model interface.

A model family that can forecast a whole block of equal-length series without a Python step per
series registers a :data:`BatchFunction` in :data:`forecast.fitting.batch.BATCH_MODELS`. It
takes the block's values ``[k, n]`` (float64, C-contiguous; every row finite and not constant,
at least the model's ``min_obs`` long) and gives a :class:`BatchForecast`: the same numbers the
per-series model gives for each row (``create(params).fit(y).predict(horizon, levels)``; exact
for the naive family, 1e-10 otherwise), and ``ok`` marking the rows it settled. A row it does
not settle (a case with a note, an error or a fallback of its own) goes through the per-series
path, which says why; the vectorised path never changes what a series gets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class BatchForecast:
    """A block's forecasts: ``mean`` ``[k, horizon]``, ``lower``/``upper`` ``[k, levels,
    horizon]`` (the levels in the order asked), ``ok`` ``[k]``: the rows these hold (the others
    are left to the per-series path; their numbers here mean nothing), and ``method``: how the
    intervals were made (the per-series forecast's ``interval_method``)."""

    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    ok: np.ndarray
    method: str = ""

    @classmethod
    def empty(cls, rows: int, horizon: int, levels: int, method: str = "") -> BatchForecast:
        """Every row left to the per-series path (to be filled in place)."""
        nan = np.full((rows, levels, horizon), np.nan)
        mean = np.full((rows, horizon), np.nan)
        return cls(mean, nan, nan.copy(), np.zeros(rows, bool), method)

    def fill_normal(
        self, take: np.ndarray, mean: np.ndarray, sd: np.ndarray, levels: tuple[float, ...]
    ) -> None:
        """Rows ``take`` settled: ``mean`` and the Gaussian bands of ``sd`` (both ``[len(take),
        horizon]``) at ``levels``, the order of the block's levels."""
        from forecast.models.base import normal_bands

        self.mean[take] = mean
        for j, (lower, upper) in enumerate(normal_bands(mean, sd, levels).values()):
            self.lower[take, j], self.upper[take, j] = lower, upper
        self.ok[take] = True

    def settled(self) -> np.ndarray:
        """``[k]`` the ``ok`` rows whose mean and bounds are all finite (a non-finite forecast
        is the per-series model's refusal)."""
        finite = np.isfinite(self.mean).all(axis=1)
        finite &= np.isfinite(self.lower).all(axis=(1, 2)) & np.isfinite(self.upper).all(
            axis=(1, 2)
        )
        return np.asarray(self.ok & finite)


def plain_rows(values: np.ndarray) -> np.ndarray:
    """``[k]`` the rows of ``values`` ``[k, n]`` a batch function takes: finite and not
    constant (a constant series gets its note on the per-series path)."""
    return np.asarray(np.isfinite(values).all(axis=1) & (np.ptp(values, axis=1) > 0))


BatchFunction = Callable[
    [np.ndarray, int, tuple[float, ...], "str | None", Mapping[str, Any]], BatchForecast
]
"""``(values [k, n], horizon, levels, freq, params) -> BatchForecast``."""
