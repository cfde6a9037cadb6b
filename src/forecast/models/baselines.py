"""The simple baselines: naive, seasonal naive, drift and mean, with textbook intervals.

Point forecasts and standard errors follow R's forecast package (Hyndman & Athanasopoulos,
*Forecasting: Principles and Practice*, section 5.5), with e the in-sample one-step residuals
and mse = mean(e^2) over the residuals that exist:

* naive:  y_T;                          se_h = sqrt(mse * h)
* snaive: y_{T + h - m(k+1)}, k = floor((h-1)/m);  se_h = sqrt(mse * (k + 1))
* drift:  y_T + h b, b = mean(diff(y));  se_h = sqrt(mse * h + (h * se_b)^2),
          se_b = sd(diff(y)) / sqrt(T - 1)
* mean:   mean(y);                      se = sd(y) sqrt(1 + 1/T), Student t with T-1 df

Intervals are mean +/- z se (t for the mean model): Gaussian forecast errors.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecast.diagnostics.seasonality import describe_period, resolve_period
from forecast.errors import InputError
from forecast.models.base import (
    Bands,
    BaseForecaster,
    Coefficient,
    ForecastBatch,
    ModelSummary,
    normal_bands,
    origin_values,
)
from forecast.models.batch import BatchForecast
from forecast.models.gaussian import GaussianForecaster

TEXTBOOK = "textbook Gaussian intervals from the in-sample residuals (Hyndman & Athanasopoulos 5.5)"
STUDENT = "Student t intervals, sd(y) * sqrt(1 + 1/T), T-1 degrees of freedom"


def lag_walk_estimates(
    y: np.ndarray, lag: int, drift: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The drift b, its standard error se_b and the residuals' mse of each row of ``y``
    ``[k, n]`` (n > lag; module docstring): ``[k]`` each (b and se_b 0 without drift)."""
    diffs = y[:, lag:] - y[:, :-lag]
    rows, size = diffs.shape
    b = diffs.mean(axis=1) if drift else np.zeros(rows)
    se_b = diffs.std(axis=1, ddof=1) / math.sqrt(size) if drift and size > 1 else np.zeros(rows)
    residuals = diffs - b[:, None]
    return b, se_b, np.mean(residuals**2, axis=1)


def lag_walk_moments(
    last: np.ndarray, b: np.ndarray, se_b: np.ndarray, mse: np.ndarray, horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """The point forecasts and standard errors ``[k, horizon]`` of rows whose last ``lag``
    values are ``last`` ``[k, lag]`` (module docstring)."""
    lag = last.shape[1]
    h = np.arange(1, horizon + 1)
    periods = (h - 1) // lag + 1  # full seasonal periods ahead (= h when lag is 1)
    mean = last[:, (h - 1) % lag] + periods * b[:, None]
    se = np.sqrt(mse[:, None] * periods + (periods * se_b[:, None]) ** 2)
    return mean, se


class _LagWalk(GaussianForecaster):
    """y_{t} = y_{t-lag} (+ drift): the naive, seasonal naive and drift methods."""

    gaussian_method = TEXTBOOK

    lag_: int
    drift_: float
    drift_se_: float
    mse_: float

    def _estimate(self, y: np.ndarray, lag: int, drift: bool) -> None:
        if y.size <= lag:
            raise InputError(f"{self.name} needs more than {lag} observations, got {y.size}")
        self.lag_ = lag
        b, se_b, mse = lag_walk_estimates(y[None, :], lag, drift)
        self.drift_, self.drift_se_, self.mse_ = float(b[0]), float(se_b[0]), float(mse[0])

    def _moments(self, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """The point forecasts and their standard errors (module docstring), ``[horizon]``."""
        mean, se = lag_walk_moments(
            self.y_[None, -self.lag_ :],
            np.array([self.drift_]),
            np.array([self.drift_se_]),
            np.array([self.mse_]),
            horizon,
        )
        return mean[0], se[0]

    def _sample_paths(self, horizon: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """``[n, horizon]`` paths of the error model: a random walk of period ``lag`` (one
        independent walk per seasonal position; naive and drift: lag 1) with N(0, mse) steps,
        plus, for drift, one N(0, se_b^2) error in the drift per path (the uncertainty the
        intervals hold), times the periods ahead. Each step's mean and variance are those of
        :meth:`_moments`."""
        lag = self.lag_
        j = np.arange(horizon)
        cycles = j[-1] // lag + 1
        steps = rng.standard_normal((n, cycles, lag)) * math.sqrt(self.mse_)
        walks = np.cumsum(steps, axis=1)[:, j // lag, j % lag]  # [n, horizon]
        slope = self.drift_ + self.drift_se_ * rng.standard_normal((n, 1))
        return self.y_[-lag:][j % lag] + (j // lag + 1) * slope + walks

    def forecast_from(
        self,
        history: pd.Series,
        origins: Sequence[int] | np.ndarray,
        horizon: int,
        levels: Sequence[float] = (),
        exog: pd.DataFrame | None = None,
    ) -> ForecastBatch:
        """Every origin's forecasts at the fitted drift and mse, at once: the last ``lag``
        values before each origin (the numbers :meth:`rebased` and :meth:`predict` give)."""
        horizon, levels = self._origins_args(horizon, levels, exog)
        lag = self.lag_
        why = f"each origin needs the {lag} values of a season before it"
        positions, values = origin_values(history, origins, lag - 1, self.name, why)
        last = values[positions[:, None] - lag + 1 + np.arange(lag)]
        rows = np.ones(positions.size)
        mean, se = lag_walk_moments(
            last, rows * self.drift_, rows * self.drift_se_, rows * self.mse_, horizon
        )
        return ForecastBatch(positions, mean, normal_bands(mean, se, levels), TEXTBOOK)

    def _path_method(self) -> str:
        walk = "seasonal random walk" if self.lag_ > 1 else "random walk"
        drift = ", with the drift's estimation error drawn per path" if self.drift_se_ else ""
        return f"simulated {walk}, Gaussian steps of the residual variance{drift}"

    def _update(self, new: np.ndarray) -> None:
        """Nothing to move: forecasts start from the last values of ``y_``."""

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {
            "lag": self.lag_,
            "drift": self.drift_,
            "drift_se": self.drift_se_,
            "mse": self.mse_,
        }, {}

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.lag_ = int(fitted["lag"])
        self.drift_ = float(fitted["drift"])
        if not np.isfinite(self.drift_):
            raise ValueError(f"the drift {self.drift_} is not a finite number")
        self.drift_se_ = float(fitted["drift_se"])
        self.mse_ = float(fitted["mse"])

    def _summarise(
        self, description: str, params: dict[str, Any], coefficients: tuple[Coefficient, ...] = ()
    ) -> None:
        self.summary_ = ModelSummary(
            model=self.name,
            description=description,
            params=params,
            coefficients=coefficients,
            stats={"sigma2": self.mse_, "nobs": float(self.y_.size)},
        )


class Naive(_LagWalk):
    """Naive: every forecast is the last observed value (a random walk)."""

    name = "naive"
    min_obs = 2

    def _fit(self, y: np.ndarray) -> None:
        self._estimate(y, 1, drift=False)
        self._summarise("naive (random walk)", {})


class Drift(_LagWalk):
    """Drift: the last value plus the average change per step (a random walk with drift)."""

    name = "drift"
    min_obs = 3

    def _fit(self, y: np.ndarray) -> None:
        self._estimate(y, 1, drift=True)
        self._summarise(
            "random walk with drift", {}, (Coefficient("drift", self.drift_, self.drift_se_),)
        )


class SeasonalNaive(_LagWalk):
    """Seasonal naive: the value one season ago. ``period=None`` detects it on the training data."""

    name = "snaive"
    min_obs = 4

    def __init__(self, period: int | None = None) -> None:
        self.period = period

    def min_length(self, freq: str | None = None) -> int:
        """:data:`min_obs`: without a season the training data support (a series too short to
        test the calendar's period among them) snaive is naive; a given ``period`` is checked
        against the data by its own rule
        (:func:`forecast.models.parameter_limits.check_against_data`), which names it."""
        return self.min_obs

    def _fit(self, y: np.ndarray) -> None:
        found, source = resolve_period(self.period, y, self.freq_)
        self._estimate(y, found or 1, drift=False)
        described = describe_period(found, source)
        self._summarise(f"seasonal naive, {described}", {"period": found or 1})
        if not found:
            from dataclasses import replace

            note = f"snaive: {described}: it is naive here"
            self.summary_ = replace(self.summary_, notes=(note,))

    def lookback(self, freq: str | None = None) -> int:
        from forecast.diagnostics.seasonality import calendar_period

        if hasattr(self, "lag_"):
            return self.lag_
        return int(self.period or calendar_period(freq) or 1)


class Mean(BaseForecaster):
    """Mean: every forecast is the training mean; Student-t intervals."""

    name = "mean"
    min_obs = 2

    mean_: float
    sd_: float

    def _fit(self, y: np.ndarray) -> None:
        self.mean_ = float(y.mean())
        self.sd_ = float(y.std(ddof=1))
        self.summary_ = ModelSummary(
            model=self.name,
            description="mean of the training data",
            params={},
            coefficients=(Coefficient("mean", self.mean_, self.sd_ / math.sqrt(y.size)),),
            stats={"sigma2": self.sd_**2, "nobs": float(y.size)},
        )

    def _predict(self, horizon: int, levels: tuple[float, ...]) -> tuple[np.ndarray, Bands, str]:
        n = int(self.summary_.stats["nobs"])
        mean = np.full(horizon, self.mean_)
        se = self.sd_ * math.sqrt(1 + 1 / n)
        bands: Bands = {}
        for level, q in zip(levels, _student_quantiles(n, levels), strict=True):
            bands[level] = (mean - q * se, mean + q * se)
        return mean, bands, STUDENT

    def _predict_quantiles(self, horizon: int, probs: tuple[float, ...]) -> tuple[np.ndarray, str]:
        """Student t quantiles ``mean + t_{p, T-1} sd sqrt(1 + 1/T)``."""
        from scipy.special import stdtrit

        n = int(self.summary_.stats["nobs"])
        t = np.array([float(stdtrit(n - 1, p)) for p in probs])
        se = self.sd_ * math.sqrt(1 + 1 / n)
        return np.repeat((self.mean_ + t * se)[:, None], horizon, axis=1), STUDENT

    def _sample_paths(self, horizon: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """``[n, horizon]``: per path one draw of the mean's estimation error N(0, sd^2/T),
        plus N(0, sd^2) at each step: Gaussian, with the variance sd^2 (1 + 1/T) of the
        intervals (which are Student t)."""
        size = int(self.summary_.stats["nobs"])
        level = self.mean_ + self.sd_ / math.sqrt(size) * rng.standard_normal((n, 1))
        return level + self.sd_ * rng.standard_normal((n, horizon))

    def _path_method(self) -> str:
        return "simulated: the training mean, its estimation error and N(0, sd^2) per step"

    def forecast_from(
        self,
        history: pd.Series,
        origins: Sequence[int] | np.ndarray,
        horizon: int,
        levels: Sequence[float] = (),
        exog: pd.DataFrame | None = None,
    ) -> ForecastBatch:
        """The fitted mean and its intervals from every origin (new data does not move a
        parameter: the numbers :meth:`rebased` and :meth:`predict` give at each)."""
        horizon, levels = self._origins_args(horizon, levels, exog)
        positions, _ = origin_values(history, origins, 0, self.name, "an origin is a position")
        mean, bands, method = self._predict(horizon, levels)
        tile = (positions.size, 1)
        batch = {lv: (np.tile(lo, tile), np.tile(hi, tile)) for lv, (lo, hi) in bands.items()}
        return ForecastBatch(positions, np.tile(mean, tile), batch, method)

    def _update(self, new: np.ndarray) -> None:
        """The mean is a parameter: new data does not move it (refit to re-estimate)."""

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"mean": self.mean_, "sd": self.sd_}, {}

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.mean_ = float(fitted["mean"])
        self.sd_ = float(fitted["sd"])


def _walk_batch(
    values: np.ndarray, lags: np.ndarray, horizon: int, levels: tuple[float, ...], drift: bool
) -> BatchForecast:
    """Every row of ``values`` ``[k, n]`` forecast by the lag walk of its ``lags`` entry (0:
    left to the per-series path), the rows of one lag at once (:mod:`forecast.models.batch`)."""
    rows, size = values.shape
    out = BatchForecast.empty(rows, horizon, len(levels), TEXTBOOK)
    for lag in np.unique(lags[(lags > 0) & (lags < size)]):
        take = np.flatnonzero(lags == lag)
        block = values[take]
        b, se_b, mse = lag_walk_estimates(block, int(lag), drift)
        mean, se = lag_walk_moments(block[:, -int(lag) :], b, se_b, mse, horizon)
        out.fill_normal(take, mean, se, levels)
    return out


def naive_batch(
    values: np.ndarray,
    horizon: int,
    levels: tuple[float, ...],
    freq: str | None,
    params: Mapping[str, Any],
) -> BatchForecast:
    """:class:`Naive` on every row (a :data:`~forecast.models.batch.BatchFunction`)."""
    return _walk_batch(values, np.ones(len(values), np.int64), horizon, levels, drift=False)


def drift_batch(
    values: np.ndarray,
    horizon: int,
    levels: tuple[float, ...],
    freq: str | None,
    params: Mapping[str, Any],
) -> BatchForecast:
    """:class:`Drift` on every row (a :data:`~forecast.models.batch.BatchFunction`)."""
    lags = np.full(len(values), 1 if values.shape[1] >= Drift.min_obs else 0, np.int64)
    return _walk_batch(values, lags, horizon, levels, drift=True)


def snaive_batch(
    values: np.ndarray,
    horizon: int,
    levels: tuple[float, ...],
    freq: str | None,
    params: Mapping[str, Any],
) -> BatchForecast:
    """:class:`SeasonalNaive` on every row: the given period, else the one the rule of
    :func:`~forecast.diagnostics.seasonality.resolve_period` finds, for the whole block at once
    (:func:`~forecast.diagnostics.seasonality_batch.resolve_periods`); a row without one is
    naive, as its per-series fit (whose summary notes it; forecast rows carry no summary) (a
    :data:`~forecast.models.batch.BatchFunction`)."""
    from forecast.diagnostics.seasonality_batch import resolve_periods

    period = params.get("period")
    if values.shape[1] < SeasonalNaive.min_obs:
        lags = np.zeros(len(values), np.int64)
    elif period is not None:
        lags = np.full(len(values), int(period), np.int64)
    else:
        lags = np.maximum(resolve_periods(values, freq), 1)
    return _walk_batch(values, lags, horizon, levels, drift=False)


def mean_batch(
    values: np.ndarray,
    horizon: int,
    levels: tuple[float, ...],
    freq: str | None,
    params: Mapping[str, Any],
) -> BatchForecast:
    """:class:`Mean` on every row (a :data:`~forecast.models.batch.BatchFunction`)."""
    rows, size = values.shape
    out = BatchForecast.empty(rows, horizon, len(levels), STUDENT)
    if size < Mean.min_obs:
        return out
    mean, sd = values.mean(axis=1), values.std(axis=1, ddof=1)
    se = sd * math.sqrt(1 + 1 / size)
    out.mean[:] = mean[:, None]
    for j, q in enumerate(_student_quantiles(size, levels)):
        out.lower[:, j] = (mean - q * se)[:, None]
        out.upper[:, j] = (mean + q * se)[:, None]
    out.ok[:] = True
    return out


def _student_quantiles(size: int, levels: tuple[float, ...]) -> list[float]:
    """The Student t quantiles of the mean model's intervals, T - 1 degrees of freedom."""
    from scipy.special import stdtrit  # Student t quantile; scipy.stats costs 0.5 s to import

    return [float(stdtrit(size - 1, 0.5 + level / 200)) for level in levels]
