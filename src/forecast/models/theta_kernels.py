"""Compiled kernels of the Theta models of Fiorucci et al. (2016), as statsforecast defines them.

The state after observation ``i`` (0-based) is (level, mean, A, B). With ``w = 1 - 1/theta``
the one-step forecast of ``y[i]`` is

    mu_i = level_{i-1} + w (A_{i-1} (1 - alpha)^i + B_{i-1} (1 - (1 - alpha)^(i+1)) / alpha)

and the level is simple exponential smoothing, ``level_i = alpha y_i + (1 - alpha) level_{i-1}``,
started from ``level_{-1} = l0`` (statsforecast's ``initial_smoothed``). The standard models
(STM, OTM) hold A and B at the intercept and slope of the least-squares line through the whole
series; the dynamic ones (DSTM, DOTM) start them at (y[0], 0) and update them after each
observation with the running mean (statsforecast's recursion, kept as written):

    B_i = ((i - 1) B_{i-1} + 6 (y_i - mean_{i-1}) / (i + 1)) / (i + 2),
    A_i = mean_i - B_i (i + 2) / 2.

Forecasts feed ``mu`` back in place of the observation. The loss is statsforecast's: the sum
of squared one-step errors from the fourth observation on (its first three are left out).

Estimation is exact where statsforecast's is approximate. The level at ``i - 1`` is linear in
``l0`` (its weight is ``(1 - alpha)^i``) and ``mu_i`` is linear in ``w``; neither A, B nor the
level depends on ``w`` (the in-sample updates read the observations). So for a fixed alpha the
errors are linear in (l0, w) and the loss is minimised by least squares: ``l0`` alone for the
standard-theta models (w = 1/2), (l0, w) with ``theta`` in [1, 1e10] for the optimised ones.
What is left is a one-dimensional search over alpha in statsforecast's [0.1, 0.99]: a grid of
step 0.02, then golden-section refinement to 1e-10 around the best grid point. statsforecast
runs a Nelder-Mead over (l0, alpha[, theta]) from (y[0]/2, 0.5[, 2]) that stops when the
simplex's losses agree to 1e-4 in the data's units, so its estimates lie near this optimum,
not on it (and depend on the units).
"""

from __future__ import annotations

import math

import numpy as np

from forecast.models.jit import jit

ALPHA_LOW = 0.1  # statsforecast's bounds on alpha
ALPHA_HIGH = 0.99
W_HIGH = 1.0 - 1e-10  # theta <= 1e10 (statsforecast's bound)
SKIP = 3  # the first three one-step errors are left out of the loss (statsforecast)
GRID = 45  # alpha = 0.1, 0.12, ..., 0.99 (step 0.89 / 44) before the refinement
GOLDEN_TOL = 1e-10


@jit
def trend_states(y: np.ndarray, dynamic: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A, B and the running mean after each observation (statsforecast's arithmetic order)."""
    n = y.size
    a = np.empty(n)
    b = np.empty(n)
    mean = np.empty(n)
    if dynamic:
        a[0], b[0], mean[0] = y[0], 0.0, y[0]
        for i in range(1, n):
            mean[i] = (i * mean[i - 1] + y[i]) / (i + 1)
            b[i] = ((i - 1) * b[i - 1] + 6 * (y[i] - mean[i - 1]) / (i + 1)) / (i + 2)
            a[i] = mean[i] - b[i] * (i + 2) / 2
        return a, b, mean
    y_mean = np.mean(y)
    weighted = 0.0
    for i in range(n):
        weighted += y[i] * (i + 1)
    weighted /= n
    slope = (6 * (2 * weighted - (n + 1) * y_mean)) / (n * n - 1)
    a[:] = y_mean - (n + 1) * slope / 2
    b[:] = slope
    mean[0] = y[0]
    for i in range(1, n):
        mean[i] = (i * mean[i - 1] + y[i]) / (i + 1)
    return a, b, mean


@jit
def _sums(
    y: np.ndarray, alpha: float, a: np.ndarray, b: np.ndarray, level0: float, w: float
) -> tuple[float, float, float, float, float, float]:
    """For i >= SKIP the one-step error is r_i - c_i l0 - w g_i, with r_i = y_i - (level_{i-1}
    at l0 = 0), c_i = (1 - alpha)^i (d level_{i-1} / d l0) and g_i = d mu_i / d w. Returns
    (sum c^2, sum c g, sum g^2, sum c r, sum g r, sum of the squared errors at (l0, w)), in
    one pass without allocation (the powers by repeated products)."""
    decay = 1.0 - alpha
    level = alpha * y[0]  # level_0 at l0 = 0
    p = 1.0  # decay ** i
    scc = scg = sgg = scr = sgr = sse = 0.0
    for i in range(1, y.size):
        p *= decay
        if i >= SKIP:
            r = y[i] - level
            g = a[i - 1] * p + b[i - 1] * (1 - p * decay) / alpha
            scc += p * p
            scg += p * g
            sgg += g * g
            scr += p * r
            sgr += g * r
            e = r - p * level0 - w * g
            sse += e * e
        level = alpha * y[i] + decay * level
    return scc, scg, sgg, scr, sgr, sse


@jit
def profile(
    y: np.ndarray, alpha: float, a: np.ndarray, b: np.ndarray, w_fixed: float, free_w: bool
) -> tuple[float, float, float]:
    """(loss, l0, w) at ``alpha``: l0 (and w in [0, W_HIGH] when ``free_w``) by least squares.
    The loss is summed again at the solution (not from the normal equations, which lose
    digits to cancellation)."""
    scc, scg, sgg, scr, sgr, _ = _sums(y, alpha, a, b, 0.0, 0.0)
    w = w_fixed
    if free_w:
        det = scc * sgg - scg * scg
        if det > 1e-12 * scc * sgg:
            w = min(max((scc * sgr - scg * scr) / det, 0.0), W_HIGH)
    level0 = (scr - w * scg) / scc if scc > 0 else 0.0
    return _sums(y, alpha, a, b, level0, w)[5], level0, w


@jit
def fit(y: np.ndarray, dynamic: bool, free_w: bool, w_fixed: float) -> tuple[float, float, float]:
    """(alpha, l0, w) minimising the loss: the best of a grid over alpha, then golden-section
    refinement on the grid cell either side of it."""
    a, b, _ = trend_states(y, dynamic)
    best, best_k = np.inf, 0
    step = (ALPHA_HIGH - ALPHA_LOW) / (GRID - 1)
    for k in range(GRID):
        loss = profile(y, ALPHA_LOW + k * step, a, b, w_fixed, free_w)[0]
        if loss < best:
            best, best_k = loss, k
    lo = ALPHA_LOW + max(best_k - 1, 0) * step
    hi = min(ALPHA_LOW + (best_k + 1) * step, ALPHA_HIGH)
    ratio = (math.sqrt(5.0) - 1) / 2
    x1 = hi - ratio * (hi - lo)
    x2 = lo + ratio * (hi - lo)
    f1 = profile(y, x1, a, b, w_fixed, free_w)[0]
    f2 = profile(y, x2, a, b, w_fixed, free_w)[0]
    while hi - lo > GOLDEN_TOL:
        if f1 <= f2:
            hi, x2, f2 = x2, x1, f1
            x1 = hi - ratio * (hi - lo)
            f1 = profile(y, x1, a, b, w_fixed, free_w)[0]
        else:
            lo, x1, f1 = x1, x2, f2
            x2 = lo + ratio * (hi - lo)
            f2 = profile(y, x2, a, b, w_fixed, free_w)[0]
    alpha = ALPHA_LOW + best_k * step
    candidates = (lo, hi, 0.5 * (lo + hi))
    for x in candidates:  # never worse than the grid's best point
        loss = profile(y, x, a, b, w_fixed, free_w)[0]
        if loss < best:
            best, alpha = loss, x
    _, level0, w = profile(y, alpha, a, b, w_fixed, free_w)
    return alpha, level0, w


@jit
def _step(state: np.ndarray, i: int, dynamic: bool, alpha: float, w: float, value: float) -> float:
    """Move ``state`` (level, mean, A, B) from i - 1 to i; returns mu_i, the forecast of y_i.
    ``value`` is y_i, or NaN to feed mu_i back (forecasting)."""
    level, mean, a, b = state[0], state[1], state[2], state[3]
    mu = level + w * (a * (1 - alpha) ** i + b * (1 - (1 - alpha) ** (i + 1)) / alpha)
    x = mu if math.isnan(value) else value
    state[0] = alpha * x + (1 - alpha) * level
    state[1] = (i * mean + x) / (i + 1)
    if dynamic:
        state[3] = ((i - 1) * b + 6 * (x - mean) / (i + 1)) / (i + 2)
        state[2] = state[1] - state[3] * (i + 2) / 2
    return mu


@jit
def filter_states(
    y: np.ndarray, dynamic: bool, level0: float, alpha: float, w: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """(one-step errors, final state (level, mean, A, B), loss) at the given parameters; the
    loss is statsforecast's ``mse`` (sum of squared errors from the fourth on) divided by the
    mean absolute value as statsforecast divides it."""
    n = y.size
    a, b, _ = trend_states(y, dynamic)
    state = np.array([alpha * y[0] + (1 - alpha) * level0, y[0], a[0], b[0]])
    if not dynamic:
        state[2], state[3] = a[0], b[0]
    e = np.empty(n)
    e[0] = y[0] - (level0 + w * (a[0] + b[0])) if not dynamic else 0.0
    for i in range(1, n):
        e[i] = y[i] - _step(state, i, dynamic, alpha, w, y[i])
    scale = max(np.mean(np.abs(y)), 1e-10)
    return e, state, float(np.sum(e[SKIP:] ** 2) / scale)


@jit
def forecast(
    state: np.ndarray, n: int, dynamic: bool, alpha: float, w: float, h: int
) -> np.ndarray:
    """The h forecasts after n observations from the final state, each fed back as data."""
    current = state.copy()
    out = np.empty(h)
    for j in range(h):
        out[j] = _step(current, n + j, dynamic, alpha, w, math.nan)
    return out


@jit
def simulate(
    state: np.ndarray, mean_y: float, n: int, alpha: float, w: float, errors: np.ndarray
) -> np.ndarray:
    """statsforecast's simulated paths (``compute_pi_samples``) from the final state (level,
    mean, A, B): ``errors`` [h, paths] are its draws; each step's value is rounded to float32
    as its float32 sample array rounds it (before and after the error is added), the states
    stay float64, and A and B follow the dynamic update with the new mean, as it does."""
    h, paths = errors.shape
    out = np.empty((h, paths), dtype=np.float32)
    level = np.full(paths, state[0])
    a = np.full(paths, state[2])
    b = np.full(paths, state[3])
    mean = np.full(paths, mean_y)
    for j in range(h):
        i = n + j
        decay_i = (1 - alpha) ** i
        decay_next = (1 - alpha) ** (i + 1)
        for k in range(paths):
            first = np.float32(level[k] + w * (a[k] * decay_i + b[k] * (1 - decay_next) / alpha))
            value = np.float64(np.float32(np.float64(first) + errors[j, k]))
            out[j, k] = value
            level[k] = alpha * value + (1 - alpha) * level[k]
            mean[k] = (i * mean[k] + value) / (i + 1)
            b[k] = ((i - 1) * b[k] + 6 * (value - mean[k]) / (i + 1)) / (i + 2)
            a[k] = mean[k] - b[k] * (i + 2) / 2
    return out


@jit
def sorted_quantiles(ordered: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """[len(probs), rows]: numpy's default (linear) quantiles of each row of ``ordered`` (rows
    sorted ascending, float32), interpolated in float64 as numpy's ``_lerp`` does."""
    rows, size = ordered.shape
    out = np.empty((probs.size, rows))
    for j in range(rows):
        for k in range(probs.size):
            position = (size - 1) * probs[k]
            low = math.floor(position)
            t = position - low
            a = np.float64(ordered[j, low])
            b = np.float64(ordered[j, min(low + 1, size - 1)])
            out[k, j] = a + (b - a) * t if t < 0.5 else b - (b - a) * (1 - t)
    return out


@jit
def autocorrelations(y: np.ndarray, m: int) -> np.ndarray:
    """r_1 .. r_m: the sample autocorrelations (statsmodels' ``acf``: demeaned, divided by the
    sum of squares), or zeros for constant data."""
    n = y.size
    x = y - np.mean(y)
    denom = np.sum(x * x)
    r = np.zeros(m)
    if not denom > 0:
        return r
    for k in range(1, m + 1):
        total = 0.0
        for t in range(n - k):
            total += x[t] * x[t + k]
        r[k - 1] = total / denom
    return r
