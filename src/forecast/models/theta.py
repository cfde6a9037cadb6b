"""The Theta method (Assimakopoulos & Nikolopoulos 2000), as simple exponential smoothing with
drift (Hyndman & Billah 2003), estimated by statsmodels' ``ThetaModel``.

Estimation (statsmodels, two-step, as R's ``forecast::thetaf``):

1. with a seasonal period m, test for seasonality (squared lag-m autocorrelation against
   chi2(1), 90 %) and, if found, divide by the classical multiplicative decomposition's seasonal
   indices (additive ones when the data are not strictly positive);
2. b0: OLS slope of the deseasonalised data on time; alpha: SES by least squares, started at
   the first observation; sigma^2: the innovation variance of ARIMA(0,1,1) with drift.

Forecast, with ``x~`` the SES one-step forecast after T observations:

    x_{T+h} = x~ + (1 - 1/theta) b0 (h - 1 + 1/alpha - (1 - alpha)^T / alpha)

reseasonalised; theta = 2 is the classical method. Intervals: Gaussian with variance
sigma^2 (1 + (h - 1)(1 + (alpha - 1)^2)) (statsmodels).

statsmodels fits the series divided by a power of two near its RMS
(:func:`forecast.models.optimum.data_scale`; b0, sigma^2 and additive seasonal indices are
scaled back): its sigma^2 comes from a state-space ARIMA(0,1,1) whose approximate diffuse
start has a variance of 1e6 in the data's units, so on the raw series the intervals depended
on the units (at 1e-12 times AirPassengers they were 1e6 times too wide, at 1e12 the start was
no longer diffuse). sigma^2 is the exact likelihood's optimum (:func:`innovation_variance`)
and alpha statsmodels' least squares polished (:func:`ses_alpha`), so that both agree across
scales and BLAS kernels to 1e-8.

The forecast is computed here from (b0, alpha, the seasonal indices) and the SES level, so
``update`` moves the level on with new data at fixed parameters; the tests check it against
``ThetaModelResults.forecast``.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from forecast.errors import ComputeError
from forecast.models.base import Bands, BaseForecaster, Coefficient, ModelSummary, normal_bands
from forecast.models.optimum import data_scale

INTERVALS = "Gaussian intervals, variance sigma^2 (1 + (h-1)(1 + (alpha-1)^2)) (statsmodels)"


def ses_level(x: np.ndarray, alpha: float) -> float:
    """The SES one-step forecast after ``x``, started at ``x[0]`` (statsmodels' 'known' start)."""
    level = float(x[0])
    for value in x:
        level = alpha * float(value) + (1 - alpha) * level
    return level


def ses_alpha(x: np.ndarray, start: float) -> float:
    """The SES smoothing constant in [0, 1] that minimises the one-step squared errors of
    ``x`` with the level started at ``x[0]`` (statsmodels' "known" start), polished
    (:func:`forecast.models.optimum.polish`) from statsmodels' estimate ``start``: its fit
    stops up to 1e-5 (relative) from the minimum, differently for ``x`` and ``c * x``."""
    from scipy.signal import lfilter

    from forecast.models.optimum import polish

    def sse(a: np.ndarray) -> float:
        alpha = float(a[0])
        # level after each observation: l_t = alpha x_t + (1 - alpha) l_{t-1}, l_{-1} = x[0]
        levels = lfilter([alpha], [1.0, alpha - 1.0], x, zi=[(1.0 - alpha) * x[0]])[0]
        errors = x[1:] - levels[:-1]
        return float(errors @ errors)

    unit = sse(np.array([start])) or 1.0  # the objective of order one: gtol then means ~1e-9

    def relative(a: np.ndarray) -> float:
        return sse(a) / unit

    return float(polish(relative, np.array([start]), bounds=[(0.0, 1.0)]).x[0])


def innovation_variance(x: np.ndarray) -> float:
    """sigma^2 of ARIMA(0,1,1) with drift on ``x`` by exact maximum likelihood, the model
    statsmodels' ``ThetaModelResults.sigma2`` fits with SARIMAX (whose approximate diffuse
    start, variance 1e6 in the data's units, makes its estimate depend on the units at the
    1e-6 level even on data of order one, and whose default stop leaves another 1e-6).

    forecast's compiled core gives a start; the optimum is then polished with the MA
    coefficient itself bounded to [-1, 1]. On an over-differenced series (a stationary one
    with a drift term: the Nile less its mean) the likelihood is largest at theta = -1, on the
    boundary the core's transformed parameters only approach (theta = -0.99997 or -0.9999992,
    depending on the path): sigma^2 moved by 3e-5 between the series and 1e12 times it. With
    the bound it stops on the boundary itself."""
    from forecast.models.arima import estimation
    from forecast.models.arima.spec import SarimaxSpec
    from forecast.models.optimum import polish

    spec = SarimaxSpec(0, 1, 1, trend="t", exact_diffuse=True)
    fit = estimation.fit(spec, x)
    if not fit.converged:
        raise ValueError(f"the ARIMA(0,1,1) for sigma^2 did not converge: {fit.message}")
    prob = estimation.Problem(spec, x)
    k = prob.k  # the drift, scaled as the core's optimiser scales it

    def objective(v: np.ndarray) -> float:
        value = -prob.loglik(v[k:], v[:k])[0] / prob.w.size
        return float(value) if math.isfinite(value) else 1e10

    start = np.r_[(fit.params[:k] - prob.beta0) / prob.beta_scale, fit.params[k:-1]]
    best = polish(objective, start, bounds=[(None, None)] * k + [(-1.0, 1.0)]).x
    return float(prob.loglik(best[k:], best[:k])[1])


class Theta(BaseForecaster):
    """Theta method: SES with drift on the deseasonalised series (statsmodels ThetaModel).

    Parameters
    ----------
    period : int or None
        Seasonal period for the seasonality test and decomposition; None detects it.
    theta : float
        Weight of the trend line, >= 1: forecast = SES + (1 - 1/theta) x drift; 2 is the
        classical method, 1 plain SES.
    """

    name = "theta"
    min_obs = 5  # the exact ARIMA(0,1,1)+drift likelihood needs 4 differences

    b0_: float
    alpha_: float
    sigma2_: float
    seasonal_: np.ndarray  # [m] seasonal indices by position modulo m from the start; [0]: none
    method_: str  # "mul" or "add" reseasonalisation

    def __init__(self, period: int | None = None, theta: float = 2.0) -> None:
        self.period = period
        self.theta = theta

    def _fit(self, y: np.ndarray) -> None:
        from statsmodels.tsa.forecasting.theta import ThetaModel

        from forecast.diagnostics.seasonality import resolve_period

        if self.theta < 1:
            from forecast.errors import UsageError

            raise UsageError(f"theta: theta must be >= 1, got {self.theta:g}")
        period, source = resolve_period(self.period, y, self.freq_)
        seasonal = period is not None and period >= 2 and y.size >= 2 * period
        scale = data_scale(y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                model = ThetaModel(
                    y / scale, period=period if seasonal else 1, deseasonalize=seasonal
                )
                result = model.fit()
                sigma2 = innovation_variance(y / scale) * scale**2
            except (ValueError, np.linalg.LinAlgError) as exc:
                raise ComputeError(f"theta: statsmodels could not fit the model: {exc}") from None
        b0, alpha = (float(v) for v in result.params)
        self.b0_ = b0 * scale
        self.sigma2_ = sigma2
        found = seasonal and model._has_seasonality  # the seasonality test's verdict
        indices = np.asarray(result._seasonal, dtype="float64") if found else np.zeros(0)
        self.method_ = model.method if found else "none"
        self.seasonal_ = indices * scale if self.method_ == "add" else indices
        self.alpha_ = ses_alpha(self._adjusted() / scale, alpha)
        if not (math.isfinite(self.alpha_) and math.isfinite(self.b0_) and math.isfinite(sigma2)):
            raise ComputeError("theta: the estimates are not finite; try another model")
        season = (
            f"deseasonalised ({'multiplicative' if self.method_ == 'mul' else 'additive'}), "
            f"period {period} ({source})"
            if found
            else (
                f"no seasonality found at period {period} ({source})"
                if seasonal
                else "not seasonal"
            )
        )
        self.summary_ = ModelSummary(
            model=self.name,
            description=f"Theta method, theta = {self.theta:g}; {season}",
            params={"period": period, "theta": self.theta},
            coefficients=(
                Coefficient("b0", self.b0_),
                Coefficient("alpha", self.alpha_),
                *(Coefficient(f"season.{i}", float(v)) for i, v in enumerate(indices)),
            ),
            stats={"sigma2": sigma2, "nobs": float(y.size)},
        )

    def _adjusted(self) -> np.ndarray:
        """``y_`` with the seasonal indices taken out (positions counted from the start)."""
        if self.seasonal_.size == 0:
            return self.y_
        season = self.seasonal_[np.arange(self.y_.size) % self.seasonal_.size]
        return self.y_ / season if self.method_ == "mul" else self.y_ - season

    def _predict(self, horizon: int, levels: tuple[float, ...]) -> tuple[np.ndarray, Bands, str]:
        n, a = self.y_.size, self.alpha_
        h = np.arange(horizon, dtype="float64")  # h - 1
        if a > 0:
            h = h + 1 / a - (1 - a) ** n / a
        weight = 1 - 1 / self.theta
        mean = ses_level(self._adjusted(), a) + weight * self.b0_ * h
        if self.seasonal_.size:
            season = self.seasonal_[(n + np.arange(horizon)) % self.seasonal_.size]
            mean = mean * season if self.method_ == "mul" else mean + season
        se = np.sqrt(self.sigma2_ * (1 + np.arange(horizon) * (1 + (a - 1) ** 2)))
        return mean, normal_bands(mean, se, levels), INTERVALS

    def _update(self, new: np.ndarray) -> None:
        """Nothing to move: the SES level is recomputed over ``y_`` at the fixed alpha."""

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        fitted = {"b0": self.b0_, "alpha": self.alpha_, "sigma2": self.sigma2_}
        return fitted | {"method": self.method_}, {"seasonal": self.seasonal_}

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.b0_ = float(fitted["b0"])
        self.alpha_ = float(fitted["alpha"])
        self.sigma2_ = float(fitted["sigma2"])
        self.method_ = str(fitted["method"])
        self.seasonal_ = np.asarray(arrays["seasonal"], dtype="float64")

    def lookback(self, freq: str | None = None) -> int:
        from forecast.diagnostics.seasonality import calendar_period

        if hasattr(self, "seasonal_"):
            return max(self.seasonal_.size, 1)
        return int(self.period or calendar_period(freq) or 1)
