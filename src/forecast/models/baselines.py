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
from typing import Any

import numpy as np

from forecast.diagnostics.seasonality import describe_period, resolve_period
from forecast.errors import InputError
from forecast.models.base import Bands, BaseForecaster, Coefficient, ModelSummary, normal_bands

TEXTBOOK = "textbook Gaussian intervals from the in-sample residuals (Hyndman & Athanasopoulos 5.5)"
STUDENT = "Student t intervals, sd(y) * sqrt(1 + 1/T), T-1 degrees of freedom"


class _LagWalk(BaseForecaster):
    """y_{t} = y_{t-lag} (+ drift): the naive, seasonal naive and drift methods."""

    lag_: int
    drift_: float
    drift_se_: float
    mse_: float

    def _estimate(self, y: np.ndarray, lag: int, drift: bool) -> None:
        if y.size <= lag:
            raise InputError(f"{self.name} needs more than {lag} observations, got {y.size}")
        diffs = y[lag:] - y[:-lag]
        self.lag_ = lag
        self.drift_ = float(diffs.mean()) if drift else 0.0
        self.drift_se_ = (
            float(diffs.std(ddof=1) / math.sqrt(diffs.size)) if drift and diffs.size > 1 else 0.0
        )
        residuals = diffs - self.drift_
        self.mse_ = float(np.mean(residuals**2))

    def _moments(self, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """The point forecasts and their standard errors (module docstring), ``[horizon]``."""
        lag = self.lag_
        h = np.arange(1, horizon + 1)
        periods = (h - 1) // lag + 1  # full seasonal periods ahead (= h when lag is 1)
        last = self.y_[-lag:]
        mean = last[(h - 1) % lag] + periods * self.drift_
        se = np.sqrt(self.mse_ * periods + (periods * self.drift_se_) ** 2)
        return mean, se

    def _predict(self, horizon: int, levels: tuple[float, ...]) -> tuple[np.ndarray, Bands, str]:
        mean, se = self._moments(horizon)
        return mean, normal_bands(mean, se, levels), TEXTBOOK

    def _predict_quantiles(self, horizon: int, probs: tuple[float, ...]) -> tuple[np.ndarray, str]:
        """Gaussian quantiles ``mean + z_p se`` (:mod:`forecast.models.quantiles`)."""
        from forecast.models.quantiles import normal_quantiles

        mean, se = self._moments(horizon)
        return normal_quantiles(mean, se, probs), TEXTBOOK

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
        from scipy.special import stdtrit  # Student t quantile; scipy.stats costs 0.5 s to import

        n = int(self.summary_.stats["nobs"])
        mean = np.full(horizon, self.mean_)
        se = self.sd_ * math.sqrt(1 + 1 / n)
        bands: Bands = {}
        for level in levels:
            q = float(stdtrit(n - 1, 0.5 + level / 200))
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

    def _update(self, new: np.ndarray) -> None:
        """The mean is a parameter: new data does not move it (refit to re-estimate)."""

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"mean": self.mean_, "sd": self.sd_}, {}

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.mean_ = float(fitted["mean"])
        self.sd_ = float(fitted["sd"])
