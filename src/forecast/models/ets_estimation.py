"""Maximum likelihood for one ETS form on the compiled recursion (:mod:`ets_kernels`).

The route is today's statsmodels route with every likelihood evaluation compiled:

1. the start: statsmodels' ``initialization_method="estimated"`` start values
   (:func:`initial_states`: Hyndman et al. 2008, section 2.6, for 10 + 2 floor(m / 2)
   observations or more, else FPP's simple one; then its rescaling so that the last seasonal
   state is 0 or 1), alpha 0.1, beta 0.01, gamma 0.01, phi 0.98;
2. statsmodels' fit: L-BFGS-B with its defaults (factr 1e7, pgtol 1e-5, memory 10), in the
   parametrisation alpha, beta / alpha, gamma / (1 - alpha), phi with bounds [1e-4, 1 - 1e-4]
   and [0.8, 0.98], the states free; the gradient is the exact one of
   :func:`forecast.models.ets_kernels.value_grad` where statsmodels differences forward;
3. the polish, as :func:`forecast.models.optimum.polish` does it (stops at a relative decrease
   of 1e-15 or a projected gradient of 1e-9, restarted with a fresh memory while a round
   improves), by the compiled projected L-BFGS of :mod:`forecast.models.ets_optimizer`:
   from a near-optimum it ends at the optimum scipy's polish reached (on AirPassengers,
   austourists and 12 M3-like series, 210 fits: the same objective to 1e-12, parameters to
   5e-6 in flat directions) at half the cost of the whole fit.

A compiled stage 2 as well would be five times faster, but it follows another path than
L-BFGS-B's (Moré-Thuente steps, Cauchy points) and, on a multimodal likelihood, ends in
another optimum in 1 fit of 20 (ETS(M,A,M) on AirPassengers among them): step 2 stays
scipy's.

Step 2 follows the path statsmodels' own fit takes (up to its gradient's 1e-7 differencing
error), so that step 3 ends at the optimum the statsmodels route reached (the same basin), to
the optimum's own precision: on AirPassengers the 15 forms' estimates agree with the former
statsmodels route to 2e-6 relative (1e-7 for most), within that route's own spread.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from forecast.models.ets_kernels import (
    free_to_internal,
    objective,
    smooth,
)
from forecast.models.ets_kernels import value_grad as exact_value_grad

ERROR_CODE = {"add": 0, "mul": 1}
TREND_CODE = {"none": 0, "add": 1, "damped": 2}
SEASON_CODE = {"none": 0, "add": 1, "mul": 2}
SMOOTHING_BOUND = (1e-4, 1 - 1e-4)
DAMPING_BOUND = (0.8, 0.98)
# the polish's stops, forecast.models.optimum's: relative decrease at rounding level, gradient
FTOL, GTOL, MAXITER, POLISH_ROUNDS = 1e-15, 1e-9, 300, 4
START = {"alpha": 0.1, "beta": 0.01, "gamma": 0.01, "phi": 0.98}  # statsmodels' defaults


@dataclass(frozen=True)
class Codes:
    """The kernels' integer codes of one form and its seasonal period (1 without season)."""

    error: int
    trend: int
    season: int
    m: int

    @classmethod
    def of(cls, error: str, trend: str, season: str, period: int) -> Codes:
        s = SEASON_CODE[season]
        return cls(ERROR_CODE[error], TREND_CODE[trend], s, period if s else 1)

    def args(self) -> tuple[int, int, int, int]:
        return self.error, self.trend, self.season, self.m


def centred_average(y: np.ndarray, m: int) -> np.ndarray:
    """The centred moving average of order m (2 x m for even m), NaN where it is not defined:
    pandas' ``rolling(m, center=True).mean()`` (then ``shift(-1).rolling(2).mean()``)."""
    out = np.full(y.size, np.nan)
    csum = np.concatenate(([0.0], np.cumsum(y)))
    half = m // 2
    if m % 2:
        for i in range(half, y.size - half):
            out[i] = (csum[i + half + 1] - csum[i - half]) / m
        return out
    for i in range(half, y.size - half):
        first = (csum[i + half] - csum[i - half]) / m
        second = (csum[i + half + 1] - csum[i - half + 1]) / m
        out[i] = (first + second) / 2
    return out


def initial_states(y: np.ndarray, codes: Codes) -> tuple[float, float, np.ndarray]:
    """statsmodels' start values for the level, slope and seasonal states (module docstring);
    the seasonal ones in statsmodels' parameter order, before its rescaling."""
    m = codes.m
    if y.size < 10 + 2 * (m // 2):
        if not codes.season:
            return float(y[0]), float(y[1] - y[0]), np.zeros(1)
        level = float(np.mean(y[:m]))
        slope = float(np.mean((y[m : 2 * m] - y[:m]) / m))
        seasons = y[:m] - level if codes.season == 1 else y[:m] / level
        return level, slope, np.asarray(seasons, dtype="float64")
    seasons = np.zeros(1)
    base = y
    if codes.season:
        min_obs = 10 + 2 * (m // 2)
        cycles = max(min(5, y.size // m), math.ceil(min_obs / m))
        series = y[: m * cycles]
        trend = centred_average(series, m)
        detrended = series - trend if codes.season == 1 else series / trend
        table = np.full(cycles * m, np.nan)
        table[: detrended.size] = detrended
        seasons = np.nanmean(table.reshape(cycles, m), axis=0)
        seasons = seasons - seasons.mean() if codes.season == 1 else seasons / seasons.mean()
        base = trend[np.isfinite(trend)]
    beta = _level_slope_fit() @ base[:10]
    return float(beta[0]), float(beta[1]), seasons


@cache
def _level_slope_fit() -> np.ndarray:
    """statsmodels' least squares of the first 10 values on (1, t), t = 1..10: its
    pseudo-inverse, computed as statsmodels computes it, once."""
    return np.linalg.pinv(np.c_[np.ones(10), np.arange(10) + 1.0])


def start_vector(y: np.ndarray, codes: Codes) -> np.ndarray:
    """statsmodels' start in the optimiser's parametrisation (:mod:`ets_kernels`)."""
    level, slope, seasons = initial_states(y, codes)
    x = [START["alpha"]]
    if codes.trend:
        x.append(START["beta"] / START["alpha"])
    if codes.season:
        x.append(START["gamma"] / (1 - START["alpha"]))
    if codes.trend == 2:
        x.append(START["phi"])
    # statsmodels rescales the seasonal states so that the last is 1 (0), and means to move
    # the level the other way; but the rescaling mutates its start values, which it computes
    # twice, so the level it starts from is the unmoved one: so is this one
    if codes.season == 2:
        seasons = seasons / seasons[-1]
    elif codes.season == 1:
        seasons = seasons - seasons[-1]
    x.append(level)
    if codes.trend:
        x.append(slope)
    if codes.season:
        x.extend(seasons[:-1])
    return np.asarray(x, dtype="float64")


def bounds(codes: Codes) -> list[tuple[float | None, float | None]]:
    """The box of the optimiser's vector: smoothing parameters and phi bounded, states free."""
    box: list[tuple[float | None, float | None]] = [SMOOTHING_BOUND]
    box += [SMOOTHING_BOUND] * (codes.trend > 0) + [SMOOTHING_BOUND] * (codes.season > 0)
    box += [DAMPING_BOUND] * (codes.trend == 2)
    states = 1 + (codes.trend > 0) + (codes.m - 1 if codes.season else 0)
    return box + [(None, None)] * states


def statsmodels_fit(y: np.ndarray, codes: Codes, x0: np.ndarray) -> np.ndarray:
    """Step 2 of the module docstring: L-BFGS-B as statsmodels' fit runs it (its default
    stops: ``ftol`` is scipy's ``factr`` 1e7 times eps, ``gtol`` 1e-5), driven by
    :func:`forecast.models.ets_lbfgsb.minimise` (``minimize``'s iterates, less its overhead)."""
    from forecast.models.ets_lbfgsb import minimise

    args = codes.args()

    def value_grad(x: np.ndarray) -> tuple[float, np.ndarray]:
        return exact_value_grad(x, y, *args)

    return minimise(value_grad, x0, bounds(codes), 1e7 * np.finfo(float).eps, 1e-5)


def fit_vector(y: np.ndarray, codes: Codes) -> np.ndarray:
    """The maximum likelihood vector of the optimiser's parametrisation (module docstring)."""
    from forecast.models.ets_optimizer import minimise

    box = bounds(codes)
    low = np.array([-np.inf if lo is None else lo for lo, _ in box])
    high = np.array([np.inf if hi is None else hi for _, hi in box])
    x = statsmodels_fit(y, codes, start_vector(y, codes))
    f = float(objective(x, y, *codes.args()))
    for _ in range(POLISH_ROUNDS):
        trial, value, _ = minimise(x, low, high, y, *codes.args(), FTOL, GTOL, MAXITER)
        improvement = f - float(value)
        if value <= f:
            x, f = trial, float(value)
        if not improvement > FTOL * max(1.0, abs(f)):
            break
    return np.asarray(x, dtype="float64")


def to_params(x: np.ndarray, codes: Codes) -> np.ndarray:
    """statsmodels' parameter vector (smoothing alpha, beta, gamma, phi; then the initial
    states, all m seasonal ones) from the optimiser's."""
    alpha, beta_star, gamma_star, phi, level, slope, seasons = free_to_internal(
        np.asarray(x, dtype="float64"), *args_without_error(codes)
    )
    out = [alpha]
    if codes.trend:
        out.append(beta_star * alpha)
    if codes.season:
        out.append(gamma_star * (1 - alpha))
    if codes.trend == 2:
        out.append(phi)
    out.append(level)
    if codes.trend:
        out.append(slope)
    if codes.season:
        out.extend(seasons)
    return np.asarray(out, dtype="float64")


def args_without_error(codes: Codes) -> tuple[int, int, int]:
    return codes.trend, codes.season, codes.m


@dataclass(frozen=True)
class Smoothed:
    """The recursion at fixed parameters: fitted values, final states and statistics."""

    fitted: np.ndarray  # [n] one-step fitted values
    last: np.ndarray  # [2 + m] final level, slope and seasonal states (newest first)
    llf: float  # statsmodels' log-likelihood
    mse: float  # mean squared residual (relative ones for a multiplicative error)
    alpha: float
    beta: float
    gamma: float
    phi: float


def run(params: np.ndarray, y: np.ndarray, codes: Codes) -> Smoothed:
    """Smooth ``y`` at statsmodels' parameter vector ``params``."""
    p = np.asarray(params, dtype="float64")
    alpha = float(p[0])
    i = 1
    beta = gamma = 0.0
    phi = 1.0
    if codes.trend:
        beta, i = float(p[i]), i + 1
    if codes.season:
        gamma, i = float(p[i]), i + 1
    if codes.trend == 2:
        phi, i = float(p[i]), i + 1
    level, i = float(p[i]), i + 1
    slope = 0.0
    if codes.trend:
        slope, i = float(p[i]), i + 1
    seasons = np.ascontiguousarray(p[i:]) if codes.season else np.zeros(1)
    fitted = np.empty(y.size)
    last = np.empty(2 + seasons.size)
    beta_star = beta / alpha if codes.trend else 0.0
    gamma_star = gamma / (1 - alpha) if codes.season else 0.0
    values = np.ascontiguousarray(y, dtype="float64")
    llf = smooth(
        values, codes.error, codes.trend, codes.season, alpha, beta_star, gamma_star, phi,
        level, slope, seasons, fitted, last,
    )  # fmt: skip
    resid = values - fitted
    if codes.error == 1:
        resid = resid / fitted
    mse = float(np.mean(resid**2))
    return Smoothed(fitted, last, float(llf), mse, alpha, beta, gamma, phi)
