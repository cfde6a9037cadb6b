"""Window averages and simple exponential smoothing, as statsforecast defines them, with
Gaussian intervals from the in-sample one-step errors (statsforecast gives these models none
without conformal calibration).

* window-average: the mean of the last ``window`` observations (statsforecast's
  ``WindowAverage``); every step ahead gets it.
* seasonal-window-average: for each position in the season, the mean of the values at that
  position over the last ``window`` seasons (``SeasonalWindowAverage``).
* ses: simple exponential smoothing with the level started at the first observation
  (``SimpleExponentialSmoothing``); ``alpha`` None chooses it in [0.01, 0.99] by the in-sample
  sum of squared one-step errors with statsforecast's golden-section search
  (``SimpleExponentialSmoothingOptimized``).

Intervals, with e the in-sample one-step errors and sigma^2 = mean(e^2):

* ses: the ETS(A,N,N) forecast variance sigma^2 (1 + (h - 1) alpha^2);
* window averages: sigma^2 at every step ahead, the variance of the model's own one-step
  errors; an approximation (the errors h steps ahead are those of a forecast made from older
  values, which the one-step errors do not measure).

The arithmetic runs in the numba kernels of :mod:`forecast.models.window_kernels`, the same for
one series and for a block of them (:func:`window_average_batch`,
:func:`seasonal_window_average_batch`, :func:`ses_batch`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from forecast.errors import InputError
from forecast.models.base import (
    Coefficient,
    ForecastBatch,
    ModelSummary,
    normal_bands,
    origin_values,
)
from forecast.models.batch import BatchForecast
from forecast.models.gaussian import GaussianForecaster

WINDOW_METHOD = (
    "Gaussian, constant over the horizon: the standard deviation of the window average's own "
    "in-sample one-step errors (an approximation)"
)
SES_METHOD = (
    "Gaussian, ETS(A,N,N) variance sigma^2 (1 + (h-1) alpha^2), sigma^2 the mean squared "
    "in-sample one-step error"
)
DEFAULT_WINDOW = 3  # window-average
DEFAULT_SEASONS = 2  # seasonal-window-average


class _Window(GaussianForecaster):
    """The mean of the values at lags ``lag, 2 lag, ..., window * lag`` before the target."""

    gaussian_method = WINDOW_METHOD

    window: int
    window_: int  # the window used: ``window``, or fewer seasons for a detected period
    lag_: int
    mse_: float

    def _estimate(self, y: np.ndarray, lag: int, window: int) -> None:
        need = window * lag + 1
        if y.size < need:
            raise InputError(
                f"{self.name} needs at least {need} observations (window {window} x "
                f"{lag} + 1 for an in-sample error), got {y.size}; lower the window"
            )
        from forecast.models.window_kernels import window_rows

        self.lag_, self.window_ = lag, window
        _, mse = window_rows(y[None, :], window, lag)
        self.mse_ = float(mse[0])

    def _moments(self, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        from forecast.models.window_kernels import window_origins

        end = np.array([self.y_.size - 1])
        last = window_origins(self.y_, end, self.window_, self.lag_)
        mean = last[0, np.arange(horizon) % self.lag_]
        return mean, np.full(horizon, math.sqrt(self.mse_))

    def _sample_paths(self, horizon: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """``[n, horizon]``: the forecast plus independent N(0, sigma^2) errors per step (the
        intervals' distribution)."""
        mean, se = self._moments(horizon)
        return mean + se * rng.standard_normal((n, horizon))

    def _path_method(self) -> str:
        return "simulated: the window forecast plus independent N(0, sigma^2) errors per step"

    def forecast_from(
        self,
        history: pd.Series,
        origins: Sequence[int] | np.ndarray,
        horizon: int,
        levels: Sequence[float] = (),
        exog: pd.DataFrame | None = None,
    ) -> ForecastBatch:
        """Every origin's window forecasts at the fitted sigma (what :meth:`rebased` and
        :meth:`predict` give at each)."""
        from forecast.models.window_kernels import window_origins

        horizon, levels = self._origins_args(horizon, levels, exog)
        span = self.window_ * self.lag_
        why = f"each origin needs the {span} values of its window"
        positions, values = origin_values(history, origins, span - 1, self.name, why)
        last = window_origins(values, positions, self.window_, self.lag_)
        mean = last[:, np.arange(horizon) % self.lag_]
        se = np.full(mean.shape, math.sqrt(self.mse_))
        return ForecastBatch(positions, mean, normal_bands(mean, se, levels), WINDOW_METHOD)

    def _update(self, new: np.ndarray) -> None:
        """Nothing to move: forecasts start from the last values of ``y_``."""

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"lag": self.lag_, "window": self.window_, "mse": self.mse_}, {}

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.lag_, self.window_ = int(fitted["lag"]), int(fitted["window"])
        if self.lag_ < 1 or self.window_ < 1 or self.window_ * self.lag_ > self.y_.size:
            raise ValueError(
                f"the window {self.window_} x lag {self.lag_} must be >= 1 and at most the "
                f"{self.y_.size} values the forecasts start from"
            )
        self.mse_ = float(fitted["mse"])

    def _summarise(self, description: str, params: dict[str, Any]) -> None:
        self.summary_ = ModelSummary(
            model=self.name,
            description=description,
            params=params,
            stats={"sigma2": self.mse_, "nobs": float(self.y_.size)},
        )


class WindowAverage(_Window):
    """The mean of the last ``window`` observations at every step ahead."""

    name = "window-average"

    def __init__(self, window: int = DEFAULT_WINDOW) -> None:
        self.window = window

    def min_length(self, freq: str | None = None) -> int:
        return self.window + 1

    def lookback(self, freq: str | None = None) -> int:
        return self.window

    def _fit(self, y: np.ndarray) -> None:
        self._estimate(y, 1, self.window)
        self._summarise(f"mean of the last {self.window} observations", {"window": self.window})


class SeasonalWindowAverage(_Window):
    """For each position in the season, the mean of its values over the last ``window``
    seasons; ``period=None`` resolves it as snaive does (none found: the window average)."""

    name = "seasonal-window-average"
    min_obs = 3

    def __init__(self, period: int | None = None, window: int = DEFAULT_SEASONS) -> None:
        self.period = period
        self.window = window

    def min_length(self, freq: str | None = None) -> int:
        """``window * period + 1`` for a given period, else ``window + 1`` (a detected
        period's own need is refused by :meth:`fit`, which names it)."""
        return max(self.window * (self.period or 1) + 1, self.min_obs)

    def lookback(self, freq: str | None = None) -> int:
        from forecast.diagnostics.seasonality import calendar_period

        if hasattr(self, "lag_"):
            return self.window_ * self.lag_
        return self.window * int(self.period or calendar_period(freq) or 1)

    def _fit(self, y: np.ndarray) -> None:
        from forecast.diagnostics.seasonality import describe_period, resolve_period

        found, source = resolve_period(self.period, y, self.freq_)
        lag = found or 1
        notes = []
        window = self.window
        if self.period is None and y.size <= window * lag:  # a detected period: what fits
            window = max((y.size - 1) // lag, 1)
            notes.append(
                f"{self.name}: {y.size} observations hold {window} season(s) of period {lag} "
                f"and one more value, not the {self.window} asked for: averaged over {window}"
            )
        self._estimate(y, lag, window)
        described = describe_period(found, source)
        self._summarise(
            f"seasonal window average over {window} seasons, {described}",
            {"period": lag, "window": window},
        )
        if not found:
            notes.append(f"{self.name}: {described}: it is the window average here")
        if notes:
            self.summary_ = replace(self.summary_, notes=tuple(notes))


class Ses(GaussianForecaster):
    """Simple exponential smoothing; ``alpha`` None: chosen by in-sample MSE."""

    name = "ses"
    gaussian_method = SES_METHOD
    min_obs = 2

    alpha_: float
    mse_: float
    level_: float  # the forecast after y_

    def __init__(self, alpha: float | None = None) -> None:
        self.alpha = alpha

    def _fit(self, y: np.ndarray) -> None:
        from forecast.models.window_kernels import ses_rows

        alphas, forecasts, mse = ses_rows(y[None, :], -1.0 if self.alpha is None else self.alpha)
        self.alpha_, self.level_, self.mse_ = float(alphas[0]), float(forecasts[0]), float(mse[0])
        chosen = "given" if self.alpha is not None else "chosen by in-sample MSE"
        self.summary_ = ModelSummary(
            model=self.name,
            description=f"simple exponential smoothing, alpha {self.alpha_:.4g} ({chosen})",
            params={"alpha": self.alpha_},
            coefficients=(Coefficient("alpha", self.alpha_),),
            stats={"sigma2": self.mse_, "nobs": float(y.size)},
        )

    def _se(self, horizon: int) -> np.ndarray:
        return ses_sd(np.array([self.mse_]), np.array([self.alpha_]), horizon)[0]

    def _moments(self, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        return np.full(horizon, self.level_), self._se(horizon)

    def _sample_paths(self, horizon: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """``[n, horizon]`` paths of ETS(A,N,N): y = level + e, level += alpha e, e ~ N(0,
        sigma^2) (step h has the variance of the intervals)."""
        errors = rng.standard_normal((n, horizon)) * math.sqrt(self.mse_)
        moves = np.cumsum(self.alpha_ * errors, axis=1) - self.alpha_ * errors  # before step h
        return self.level_ + moves + errors

    def _path_method(self) -> str:
        return "simulated ETS(A,N,N): Gaussian errors of the in-sample variance"

    def forecast_from(
        self,
        history: pd.Series,
        origins: Sequence[int] | np.ndarray,
        horizon: int,
        levels: Sequence[float] = (),
        exog: pd.DataFrame | None = None,
    ) -> ForecastBatch:
        """The SES forecast after each origin at the fitted alpha and sigma (one pass; what
        :meth:`rebased` and :meth:`predict` give at each)."""
        from forecast.models.window_kernels import ses_prefixes

        horizon, levels = self._origins_args(horizon, levels, exog)
        positions, values = origin_values(history, origins, 0, self.name, "an origin is a position")
        level = ses_prefixes(values, self.alpha_)[positions]
        mean = np.repeat(level[:, None], horizon, axis=1)
        se = np.tile(self._se(horizon), (positions.size, 1))
        return ForecastBatch(positions, mean, normal_bands(mean, se, levels), SES_METHOD)

    def _update(self, new: np.ndarray) -> None:
        """The level moves on with the new values at the fitted alpha."""
        self.level_ = _ses_level(self.y_, self.alpha_)

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"alpha": self.alpha_, "mse": self.mse_}, {}

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.alpha_ = float(fitted["alpha"])
        if not 0.0 < self.alpha_ < 1.0:
            raise ValueError(f"the smoothing constant {self.alpha_} is not in (0, 1)")
        if self.y_.size == 0:
            raise ValueError("SES needs at least one value to start from")
        self.mse_ = float(fitted["mse"])
        self.level_ = _ses_level(self.y_, self.alpha_)


def _ses_level(y: np.ndarray, alpha: float) -> float:
    """The SES forecast after ``y`` at ``alpha``."""
    from forecast.models.window_kernels import ses_run

    return float(ses_run(y, alpha)[0])


def ses_sd(mse: np.ndarray, alpha: np.ndarray, horizon: int) -> np.ndarray:
    """``[k, horizon]`` the ETS(A,N,N) standard deviations sigma sqrt(1 + (h - 1) alpha^2) of
    rows with mean squared one-step errors ``mse`` and smoothing constants ``alpha`` ``[k]``."""
    h = np.arange(1, horizon + 1)
    return np.sqrt(mse[:, None] * (1.0 + (h[None, :] - 1) * alpha[:, None] ** 2))


def _window_batch(
    values: np.ndarray, lags: np.ndarray, window: int, horizon: int, levels: tuple[float, ...]
) -> BatchForecast:
    """Every row of ``values`` by the window average of lag ``lags[row]`` (rows too short for
    it left to the per-series path, which refuses them)."""
    from forecast.models.window_kernels import window_rows

    rows, size = values.shape
    out = BatchForecast.empty(rows, horizon, len(levels), WINDOW_METHOD)
    for lag in np.unique(lags[window * lags < size]):
        take = np.flatnonzero(lags == lag)
        last, mse = window_rows(np.ascontiguousarray(values[take]), window, int(lag))
        mean = last[:, np.arange(horizon) % int(lag)]
        out.fill_normal(take, mean, np.repeat(np.sqrt(mse)[:, None], horizon, axis=1), levels)
    return out


def window_average_batch(
    values: np.ndarray,
    horizon: int,
    levels: tuple[float, ...],
    freq: str | None,
    params: Mapping[str, Any],
) -> BatchForecast:
    """:class:`WindowAverage` on every row (a :data:`~forecast.models.batch.BatchFunction`)."""
    window = int(params.get("window", DEFAULT_WINDOW))
    return _window_batch(values, np.ones(len(values), np.int64), window, horizon, levels)


def seasonal_window_average_batch(
    values: np.ndarray,
    horizon: int,
    levels: tuple[float, ...],
    freq: str | None,
    params: Mapping[str, Any],
) -> BatchForecast:
    """:class:`SeasonalWindowAverage` on every row: the given period, else the one
    :func:`~forecast.diagnostics.seasonality_batch.resolve_periods` finds per row; a row
    without one is the window average, as its per-series fit, whose summary notes it (a
    :data:`~forecast.models.batch.BatchFunction`)."""
    from forecast.diagnostics.seasonality_batch import resolve_periods

    window = int(params.get("window", DEFAULT_SEASONS))
    period = params.get("period")
    if values.shape[1] < SeasonalWindowAverage.min_obs:
        return BatchForecast.empty(len(values), horizon, len(levels), WINDOW_METHOD)
    if period is not None:
        lags = np.full(len(values), int(period), np.int64)
    else:
        lags = np.maximum(resolve_periods(values, freq), 1)
    return _window_batch(values, lags, window, horizon, levels)


def ses_batch(
    values: np.ndarray,
    horizon: int,
    levels: tuple[float, ...],
    freq: str | None,
    params: Mapping[str, Any],
) -> BatchForecast:
    """:class:`Ses` on every row (a :data:`~forecast.models.batch.BatchFunction`)."""
    from forecast.models.window_kernels import ses_rows

    rows, size = values.shape
    if size < Ses.min_obs:
        return BatchForecast.empty(rows, horizon, len(levels), SES_METHOD)
    alpha = params.get("alpha")
    alphas, forecasts, mse = ses_rows(values, -1.0 if alpha is None else float(alpha))
    mean = np.repeat(forecasts[:, None], horizon, axis=1)
    out = BatchForecast.empty(rows, horizon, len(levels), SES_METHOD)
    out.fill_normal(np.arange(rows), mean, ses_sd(mse, alphas, horizon), levels)
    return out
