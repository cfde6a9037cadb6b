"""The Theta method: the four models of Fiorucci et al. (2016) as statsforecast implements them,
their choice by in-sample MSE (statsforecast's ``AutoTheta``), and Hyndman & Billah's SES with
drift as statsmodels' ``ThetaModel`` estimates it.

Variants (``variant``):

- ``stm``: the standard Theta model, theta = 2 (the M3 Theta of Assimakopoulos & Nikolopoulos
  2000: SES plus half the slope of the least-squares line; statsforecast's ``Theta``);
- ``otm``: theta estimated as well (``OptimizedTheta``);
- ``dstm`` / ``dotm``: the trend line's intercept and slope updated with each observation
  (``DynamicTheta`` / ``DynamicOptimizedTheta``);
- ``auto``: the one of the four with the least in-sample MSE (``AutoTheta``);
- ``ses-drift``: statsmodels' ``ThetaModel`` (the level started at the first observation,
  alpha by least squares on all one-step errors, b0 the OLS slope; Gaussian intervals from the
  ARIMA(0,1,1)-with-drift variance), this model's only estimator before the variants.

The models are in :mod:`forecast.models.theta_kernels` (compiled). The standard-theta model
is SES with drift: its forecast ``l_n + (1 - 1/theta) (A (1 - alpha)^n + B ((h - 1) +
(1 - (1 - alpha)^(n+1)) / alpha))`` is Hyndman & Billah's ``l'_n + (1 - 1/theta) b0 ((h - 1) +
(1 - (1 - alpha)^n) / alpha)`` with b0 = B and the level moved by (1 - 1/theta)(A + B)(1 -
alpha)^n; what differs from ``ses-drift`` is the estimation (the initial level estimated, the
first three errors left out of the loss, alpha in [0.1, 0.99]).

Estimation: the squared one-step errors from the fourth observation on are minimised exactly
(the initial level and theta by least squares at each alpha, alpha by a grid and golden-section
search; see the kernels). statsforecast stops a Nelder-Mead when its losses agree to 1e-4 in
the data's units: its estimates are near these, its loss never lower in the tests, and its
fit depends on the units where ours does not.

Seasonality (statsforecast's and R ``thetaf``'s rule): with a period m >= 4 and at least two
full cycles, the data are deseasonalised when the lag-m autocorrelation r_m exceeds 1.645
sqrt((1 + 2 sum_{k<m} r_k^2) / n) (90 %, two-sided); by the classical multiplicative
decomposition's indices, or the additive one's when a value is <= 0 or an index is below 0.01.
The forecasts are reseasonalised with the indices by position modulo m. (``ses-drift`` keeps
statsmodels' own test and decomposition.)

Intervals (not ``ses-drift``): statsforecast's: 200 paths simulated from the final state with
Gaussian errors (seed 0), each simulated value fed back into the level, mean and trend line
(A and B updated as in the dynamic models, for every variant, as statsforecast does), the
bounds their empirical quantiles at each step, reseasonalised. sigma is the standard deviation
(ddof 1) of the one-step errors from the fourth on, on the deseasonalised scale where the
paths run; statsforecast takes it from the errors reseasonalised (multiplied by the indices,
or with the additive seasonal component added), so its bounds differ from these on seasonal
series.

``update`` appends data at fixed (alpha, l0, theta) and seasonal indices: the states are run
again over all the data (the standard models' A and B from the whole series, as statsforecast's
``forward``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from forecast.errors import ComputeError
from forecast.models.base import Bands, BaseForecaster, Coefficient, ModelSummary, normal_bands
from forecast.models.optimum import data_scale

INTERVALS = "Gaussian intervals, variance sigma^2 (1 + (h-1)(1 + (alpha-1)^2)) (statsmodels)"
SIMULATED = (
    "quantiles of 200 simulated paths, Gaussian errors with the one-step errors' standard "
    "deviation, seed 0 (statsforecast's Theta intervals)"
)
VARIANTS = ("auto", "stm", "otm", "dstm", "dotm", "ses-drift")
MODELS = {"stm": (False, False), "otm": (False, True), "dstm": (True, False), "dotm": (True, True)}
NAMES = {
    "stm": "standard Theta model",
    "otm": "optimised Theta model",
    "dstm": "dynamic standard Theta model",
    "dotm": "dynamic optimised Theta model",
    "ses-drift": "Theta method (SES with drift, statsmodels)",
}
PATHS = 200  # statsforecast's simulated paths and seed
SEED = 0
T_CRIT = 1.6448536269514722  # the normal's 95 % quantile: a two-sided 90 % test
MIN_INDEX = 0.01  # a multiplicative index below this: additive decomposition (statsforecast)


def seasonality_found(y: np.ndarray, m: int) -> bool:
    """R ``thetaf``'s and statsforecast's test (with statsforecast's m >= 4): the lag-m
    autocorrelation against 1.645 times its standard error under an MA(m - 1) (Bartlett)."""
    from forecast.models import theta_kernels as kern

    n = y.size
    if m < 4 or n < 2 * m or not np.ptp(y) > 0:
        return False
    r = kern.autocorrelations(y, m)
    stat = math.sqrt((1 + 2 * float(np.sum(r[:-1] ** 2))) / n)
    return bool(abs(r[-1]) / stat > T_CRIT)


def classical_indices(y: np.ndarray, m: int, multiplicative: bool) -> np.ndarray:
    """The m seasonal indices of the classical decomposition (statsmodels'
    ``seasonal_decompose``: centred moving average, 2 x m for even m; phase means of the
    detrended data normalised to mean 1 or 0), by position modulo m from the start."""
    from forecast.diagnostics.seasonality import centred_weights

    weights = centred_weights(m)
    trend = np.convolve(y, weights, mode="valid")
    offset = (weights.size - 1) // 2
    inner = y[offset : offset + trend.size]
    detrended = inner / trend if multiplicative else inner - trend
    phase = (np.arange(trend.size) + offset) % m
    means = np.bincount(phase, detrended, minlength=m) / np.bincount(phase, minlength=m)
    return means / np.mean(means) if multiplicative else means - np.mean(means)


def deseasonalise(y: np.ndarray, m: int | None) -> tuple[np.ndarray, np.ndarray, str]:
    """(adjusted data, indices, "mul"/"add"/"none") by statsforecast's rule (module docstring)."""
    if m is None or not seasonality_found(y, m):
        return y, np.zeros(0), "none"
    if np.min(y) > 0:
        indices = classical_indices(y, m, multiplicative=True)
        if np.min(indices) >= MIN_INDEX:
            return y / indices[np.arange(y.size) % m], indices, "mul"
    indices = classical_indices(y, m, multiplicative=False)
    return y - indices[np.arange(y.size) % m], indices, "add"


def simulated_bands(
    state: np.ndarray,
    n: int,
    params: tuple[float, float],
    sigma: float,
    mean_y: float,
    horizon: int,
    levels: tuple[float, ...],
) -> Bands:
    """statsforecast's Theta bounds (``compute_pi_samples``: the same draws, arithmetic and
    dtypes, float32 paths and float64 states; then numpy's linear quantiles, interpolated in
    float64): ``params`` is (alpha, theta); ``state`` the final (level, mean, A, B) on the
    deseasonalised scale."""
    if not levels:
        return {}
    lows = [(100 - level) / 200 for level in levels]
    probs = lows + [low + level / 100 for low, level in zip(lows, levels, strict=True)]
    quantiles = simulated_quantiles(state, n, params, sigma, mean_y, horizon, probs)
    bands: Bands = {}
    for k, level in enumerate(levels):
        bands[level] = (quantiles[k], quantiles[len(levels) + k])
    return bands


def simulated_quantiles(
    state: np.ndarray,
    n: int,
    params: tuple[float, float],
    sigma: float,
    mean_y: float,
    horizon: int,
    probs: Sequence[float],
) -> np.ndarray:
    """``[P, horizon]``: the quantiles at ``probs`` of statsforecast's PATHS simulated paths
    (seed SEED) that :func:`simulated_bands` takes its bounds from."""
    from forecast.models import theta_kernels as kern

    rng = np.random.default_rng(SEED)
    samples = simulated_paths(state, n, params, sigma, mean_y, horizon, PATHS, rng)
    return np.asarray(kern.sorted_quantiles(np.sort(samples, axis=1), np.asarray(probs)))


def simulated_paths(
    state: np.ndarray,
    n: int,
    params: tuple[float, float],
    sigma: float,
    mean_y: float,
    horizon: int,
    paths: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """``[horizon, paths]`` (float32) paths of statsforecast's Theta simulation
    (:func:`forecast.models.theta_kernels.simulate`), N(0, sigma^2) errors drawn from ``rng``
    in statsforecast's order."""
    from forecast.models import theta_kernels as kern

    alpha, theta = params
    errors = rng.normal(0, sigma, (horizon, paths))  # its draws, in order
    return np.asarray(kern.simulate(state, mean_y, n, alpha, 1 - 1 / theta, errors))


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
    """Theta method: SES with drift on the deseasonalised series, in the variant asked for.

    The default is ``stm``, the M3 Theta (statsforecast's ``Theta``, which it equals: on 1,000
    M3 series, MASE differences 0.000 and sMAPE -0.03 to 0.00), by two disjoint draws of 250
    monthly and 250 quarterly M3 series (bench/bench_accuracy.py, bench/RESULTS.md, 2026-12-07):
    ``auto`` (statsforecast's ``AutoTheta``) is worse on monthly sMAPE in both (+1.29 and +2.01
    points, paired 95 % CIs above 0: the dynamic and optimised trend lines extrapolate a few
    series far), equal on monthly MASE, and better on quarterly MASE in one draw (-4.4 %, CI
    below 0) and equal in the other; as the ensemble's member ``stm`` is ahead on three of the
    four groups. ``auto`` was the default before, chosen on 27 bundled series.

    Parameters
    ----------
    period : int or None
        Seasonal period for the seasonality test and decomposition; None detects it.
    theta : float
        Weight of the trend line, >= 1, of ``stm``, ``dstm`` and ``ses-drift``: forecast =
        SES + (1 - 1/theta) x drift; 2 is the classical method, 1 plain SES. ``otm`` and
        ``dotm`` estimate it (``auto`` fits all four models with theta = 2 where it is fixed).
    variant : str
        ``stm``, ``otm``, ``dstm``, ``dotm``, ``auto`` or ``ses-drift`` (module docstring).
    """

    name = "theta"
    min_obs = 5  # ses-drift: ARIMA(0,1,1)+drift needs 4 differences; the models: 2 errors after 3

    variant_: str  # the model fitted: one of MODELS or "ses-drift"
    alpha_: float
    theta_: float
    level0_: float  # the initial level l0 (MODELS)
    b0_: float  # ses-drift
    sigma2_: float  # ses-drift
    seasonal_: np.ndarray  # [m] seasonal indices by position modulo m from the start; [0]: none
    method_: str  # "mul", "add" or "none" reseasonalisation

    def __init__(self, period: int | None = None, theta: float = 2.0, variant: str = "stm") -> None:
        self.period = period
        self.theta = theta
        self.variant = variant

    def _fit(self, y: np.ndarray) -> None:
        from forecast.diagnostics.seasonality import resolve_period
        from forecast.errors import UsageError

        if self.theta < 1:
            raise UsageError(f"theta: theta must be >= 1, got {self.theta:g}")
        if self.variant not in VARIANTS:
            raise UsageError(
                f"theta: variant must be one of {', '.join(VARIANTS)}, got {self.variant!r}"
            )
        period, source = resolve_period(self.period, y, self.freq_, model_decides=True)
        if self.variant == "ses-drift":
            season = self._fit_ses_drift(y, period, source)
        else:
            season = self._fit_models(y, period, source)
        description = f"{NAMES[self.variant_]}, theta = {self.theta_:.6g}; {season}"
        if self.variant == "auto":
            description = f"auto: {description}"
        self.summary_ = ModelSummary(
            model=self.name,
            description=description,
            params={"period": period, "theta": self.theta, "variant": self.variant},
            coefficients=self._coefficients(),
            stats=self._stats(),
        )

    def _fit_models(self, y: np.ndarray, period: int | None, source: str) -> str:
        """Fiorucci et al.'s models (one, or the four for ``auto``) on the deseasonalised data."""
        from forecast.models import theta_kernels as kern

        adjusted, indices, method = deseasonalise(y, period if period and period >= 2 else None)
        names = tuple(MODELS) if self.variant == "auto" else (self.variant,)
        best = (math.inf, "", (0.0, 0.0, 0.0))
        for name in names:
            dynamic, free = MODELS[name]
            fixed = 0.5 if self.variant == "auto" else 1 - 1 / self.theta
            alpha, level0, w = kern.fit(adjusted, dynamic, free, fixed)
            theta = 1 / (1 - w)
            loss = kern.filter_states(adjusted, dynamic, level0, alpha, 1 - 1 / theta)[2]
            if loss < best[0]:  # the first of equals, as statsforecast
                best = (loss, name, (alpha, level0, theta))
        loss, self.variant_, (self.alpha_, self.level0_, self.theta_) = best
        if not (math.isfinite(loss) and math.isfinite(self.level0_)):
            raise ComputeError("theta: the estimates are not finite; try another model")
        self.seasonal_, self.method_ = indices, method
        self.b0_ = self.sigma2_ = math.nan
        return self._season_text(period, source, method, period is not None and period >= 4)

    def _fit_ses_drift(self, y: np.ndarray, period: int | None, source: str) -> str:
        """statsmodels' ThetaModel on y / data_scale(y), scaled back (module docstring of
        :func:`ses_alpha` and :func:`innovation_variance`)."""
        from statsmodels.tsa.forecasting.theta import ThetaModel

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
        self.variant_, self.theta_, self.level0_ = "ses-drift", self.theta, math.nan
        self.b0_ = b0 * scale
        self.sigma2_ = sigma2
        found = seasonal and model._has_seasonality  # the seasonality test's verdict
        indices = np.asarray(result._seasonal, dtype="float64") if found else np.zeros(0)
        self.method_ = model.method if found else "none"
        self.seasonal_ = indices * scale if self.method_ == "add" else indices
        self.alpha_ = ses_alpha(self._adjusted() / scale, alpha)
        if not (math.isfinite(self.alpha_) and math.isfinite(self.b0_) and math.isfinite(sigma2)):
            raise ComputeError("theta: the estimates are not finite; try another model")
        return self._season_text(period, source, self.method_, seasonal)

    @staticmethod
    def _season_text(period: int | None, source: str, method: str, tested: bool) -> str:
        if method != "none":
            kind = "multiplicative" if method == "mul" else "additive"
            return f"deseasonalised ({kind}), period {period} ({source})"
        if tested:
            return f"no seasonality found at period {period} ({source})"
        if period:
            return f"not deseasonalised: period {period} ({source}) is below 4, as in R's thetaf"
        return f"not seasonal: no seasonal period ({source})"

    def _coefficients(self) -> tuple[Coefficient, ...]:
        season = tuple(Coefficient(f"season.{i}", float(v)) for i, v in enumerate(self.seasonal_))
        if self.variant_ == "ses-drift":
            return (Coefficient("b0", self.b0_), Coefficient("alpha", self.alpha_), *season)
        main = (
            Coefficient("alpha", self.alpha_),
            Coefficient("theta", self.theta_),
            Coefficient("l0", self.level0_),
        )
        return (*main, *season)

    def _stats(self) -> dict[str, float]:
        if self.variant_ == "ses-drift":
            return {"sigma2": self.sigma2_, "nobs": float(self.y_.size)}
        e = self._filtered()[0]
        mse = float(np.mean(e[3:] ** 2))
        return {"mse": mse, "sigma": self._sigma(e), "nobs": float(self.y_.size)}

    def _adjusted(self) -> np.ndarray:
        """``y_`` with the seasonal indices taken out (positions counted from the start)."""
        if self.seasonal_.size == 0:
            return self.y_
        season = self.seasonal_[np.arange(self.y_.size) % self.seasonal_.size]
        return self.y_ / season if self.method_ == "mul" else self.y_ - season

    def _filtered(self) -> tuple[np.ndarray, np.ndarray, float]:
        """(one-step errors, final state, loss) of the fitted model over ``y_``."""
        from forecast.models import theta_kernels as kern

        dynamic = MODELS[self.variant_][0]
        w = 1 - 1 / self.theta_
        return kern.filter_states(self._adjusted(), dynamic, self.level0_, self.alpha_, w)

    @staticmethod
    def _sigma(e: np.ndarray) -> float:
        """statsforecast's: the errors from the fourth on (all of them when fewer than two)."""
        tail = e[3:] if e.size - 3 >= 2 else e
        return float(np.std(tail, ddof=1))

    def _reseasonalise(self, values: np.ndarray, horizon: int) -> np.ndarray:
        if not self.seasonal_.size:
            return values
        season = self.seasonal_[(self.y_.size + np.arange(horizon)) % self.seasonal_.size]
        return values * season if self.method_ == "mul" else values + season

    def _simulation_inputs(self) -> tuple[np.ndarray, tuple[float, float], float, float]:
        """(final state, (alpha, theta), sigma, mean of the adjusted data) of the paths."""
        e, state, _ = self._filtered()
        mean_y = float(np.mean(self._adjusted()))
        return state, (self.alpha_, self.theta_), self._sigma(e), mean_y

    def _predict_quantiles(self, horizon: int, probs: tuple[float, ...]) -> tuple[np.ndarray, str]:
        """As the intervals: Gaussian for ``ses-drift``; otherwise the quantiles of the same
        200 simulated paths, held around the mean as the bands are, reseasonalised."""
        from forecast.models.quantiles import hold_mean, normal_quantiles

        if self.variant_ == "ses-drift":
            mean, se = self._ses_drift_moments(horizon)
            return normal_quantiles(mean, se, probs), INTERVALS
        state, params, sigma, mean_y = self._simulation_inputs()
        mean = self._deseasonalised_mean(state, horizon)
        values = simulated_quantiles(state, self.y_.size, params, sigma, mean_y, horizon, probs)
        held = hold_mean(values, probs, mean)
        return np.array([self._reseasonalise(row, horizon) for row in held]), SIMULATED

    def _sample_paths(self, horizon: int, n: int, rng: np.random.Generator) -> np.ndarray:
        """``[n, horizon]`` paths (module :mod:`forecast.models.paths` says which model)."""
        if self.variant_ == "ses-drift":
            mean, _ = self._ses_drift_moments(horizon)
            e = rng.standard_normal((n, horizon)) * math.sqrt(self.sigma2_)
            before = np.cumsum(e, axis=1) - e  # e_1 + ... + e_{h-1}
            return mean + e + self.alpha_ * before
        state, params, sigma, mean_y = self._simulation_inputs()
        paths = simulated_paths(state, self.y_.size, params, sigma, mean_y, horizon, n, rng)
        return self._reseasonalise(np.asarray(paths, dtype="float64").T, horizon)

    def _path_method(self) -> str:
        if self.variant_ == "ses-drift":
            return (
                "simulated SES with drift (Hyndman & Billah 2003) in state space around the "
                "point forecast: error e_h + alpha (e_1 + ... + e_{h-1}), N(0, sigma2) errors"
            )
        return (
            "statsforecast's Theta simulation: N(0, sigma^2) errors added to each one-step "
            "forecast and fed back into the level, mean and trend line, reseasonalised"
        )

    def _deseasonalised_mean(self, state: np.ndarray, horizon: int) -> np.ndarray:
        from forecast.models import theta_kernels as kern

        w = 1 - 1 / self.theta_
        dynamic = MODELS[self.variant_][0]
        return np.asarray(kern.forecast(state, self.y_.size, dynamic, self.alpha_, w, horizon))

    def _predict(self, horizon: int, levels: tuple[float, ...]) -> tuple[np.ndarray, Bands, str]:
        if self.variant_ == "ses-drift":
            return self._predict_ses_drift(horizon, levels)
        state, params, sigma, mean_y = self._simulation_inputs()
        mean = self._deseasonalised_mean(state, horizon)
        bands = simulated_bands(state, self.y_.size, params, sigma, mean_y, horizon, levels)
        # widened to hold the mean where the paths' quantiles miss it (an extreme optimised
        # theta, 295 on 24 points: the paths feed back noisy draws, the mean itself)
        bands = {
            level: (
                self._reseasonalise(np.minimum(lo, mean), horizon),
                self._reseasonalise(np.maximum(hi, mean), horizon),
            )
            for level, (lo, hi) in bands.items()
        }
        return self._reseasonalise(mean, horizon), bands, SIMULATED

    def _predict_ses_drift(
        self, horizon: int, levels: tuple[float, ...]
    ) -> tuple[np.ndarray, Bands, str]:
        mean, se = self._ses_drift_moments(horizon)
        return mean, normal_bands(mean, se, levels), INTERVALS

    def _ses_drift_moments(self, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """``ses-drift``'s point forecasts and standard errors (statsmodels'), ``[horizon]``."""
        n, a = self.y_.size, self.alpha_
        h = np.arange(horizon, dtype="float64")  # h - 1
        if a > 0:
            h = h + 1 / a - (1 - a) ** n / a
        weight = 1 - 1 / self.theta_
        mean = self._reseasonalise(ses_level(self._adjusted(), a) + weight * self.b0_ * h, horizon)
        se = np.sqrt(self.sigma2_ * (1 + np.arange(horizon) * (1 + (a - 1) ** 2)))
        return mean, se

    def _update(self, new: np.ndarray) -> None:
        """Nothing to move: the states are run again over ``y_`` at the fixed parameters."""

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        fitted: dict[str, Any] = {
            "variant": self.variant_,
            "alpha": self.alpha_,
            "theta": self.theta_,
            "method": self.method_,
        }
        if self.variant_ == "ses-drift":
            fitted |= {"b0": self.b0_, "sigma2": self.sigma2_}
        else:
            fitted |= {"l0": self.level0_}
        return fitted, {"seasonal": self.seasonal_}

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.variant_ = str(fitted.get("variant", "ses-drift"))  # files from before variants
        self.alpha_ = float(fitted["alpha"])
        self.theta_ = float(fitted.get("theta", self.theta))
        self.method_ = str(fitted["method"])
        if self.variant_ == "ses-drift":
            self.b0_, self.sigma2_ = float(fitted["b0"]), float(fitted["sigma2"])
            self.level0_ = math.nan
        else:
            self.level0_ = float(fitted["l0"])
            self.b0_ = self.sigma2_ = math.nan
        self.seasonal_ = np.asarray(arrays["seasonal"], dtype="float64")

    def lookback(self, freq: str | None = None) -> int:
        from forecast.diagnostics.seasonality import calendar_period

        if hasattr(self, "seasonal_"):
            return max(self.seasonal_.size, 1)
        return int(self.period or calendar_period(freq) or 1)
