"""numba kernels of the Theta models over a block of equal-length series (the vectorised panel
path, :mod:`forecast.models.theta_batch`).

Each row goes through the per-series model's own compiled kernels
(:mod:`forecast.models.theta_kernels`: ``autocorrelations``, ``fit``, ``filter_states``,
``forecast``, ``simulate``, ``sorted_quantiles``) with the same arguments, and the few numpy
steps of :mod:`forecast.models.theta` between them are written out here in numpy's own order
of operations: its sums (``np.sum``, ``np.mean``, ``np.std``) are pairwise sums
(:func:`pairwise_sum`, numpy's ``pairwise_sum`` with its 8 accumulators and blocks of 128),
``np.bincount``'s weighted sums run in input order, and every other step is one IEEE
operation per element. What is not here is the classical decomposition's centred moving
average: numpy's ``convolve`` hands a kernel of 12 weights or more (the 2 x 12 average of
monthly data has 13) to the BLAS ``ddot``, whose summation (fused multiply-adds, SIMD
accumulators) depends on the BLAS kernel chosen at run time; the caller computes it with
``np.convolve`` itself and passes it in (``trends``).

Importing this module imports numba (DESIGN rule 9).
"""

from __future__ import annotations

import math

import numpy as np

from forecast.models import theta_kernels as kern
from forecast.models.jit import jit
from forecast.models.theta import MIN_INDEX, T_CRIT

NONE, MUL, ADD = 0, 1, 2  # the reseasonalisation of a row


@jit
def pairwise_sum(x: np.ndarray, start: int, n: int) -> float:
    """numpy's pairwise sum of ``x[start : start + n]`` (``np.add.reduce`` of a contiguous
    float64 array is ``0.0 +`` this): :func:`_leaf_sum` up to 128 values, above that the sum
    of the halves (cut at a multiple of 8), evaluated with a stack of its own (numba's cache
    does not keep recursive functions safely)."""
    if n <= 128:
        return _leaf_sum(x, start, n)
    begin = np.empty(64, dtype=np.int64)  # the halves' depth: log2(n / 128) < 64
    size = np.empty(64, dtype=np.int64)
    phase = np.zeros(64, dtype=np.int64)  # 0: left half to do, 1: right half, 2: both done
    left = np.empty(64)
    top, found = 0, 0.0
    begin[0], size[0] = start, n
    while top >= 0:
        if size[top] <= 128:
            found = _leaf_sum(x, begin[top], size[top])
            top -= 1
            continue
        half = size[top] // 2
        half -= half % 8
        if phase[top] == 0:
            phase[top] = 1
            begin[top + 1], size[top + 1], phase[top + 1] = begin[top], half, 0
            top += 1
        elif phase[top] == 1:
            left[top], phase[top] = found, 2
            begin[top + 1], size[top + 1] = begin[top] + half, size[top] - half
            phase[top + 1] = 0
            top += 1
        else:
            found = left[top] + found
            top -= 1
    return found


@jit
def _leaf_sum(x: np.ndarray, start: int, n: int) -> float:
    """numpy's pairwise sum of at most 128 values: sequential below 8, else 8 interleaved
    accumulators and the rest added in order."""
    if n < 8:
        res = -0.0
        for i in range(start, start + n):
            res += x[i]
        return res
    r = x[start : start + 8].copy()
    i = 8
    while i < n - n % 8:
        for j in range(8):
            r[j] += x[start + i + j]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        res += x[start + i]
        i += 1
    return res


@jit
def numpy_mean(x: np.ndarray) -> float:
    """``np.mean(x)`` of a 1-d float64 array, as numpy computes it."""
    return (0.0 + pairwise_sum(x, 0, x.size)) / x.size


@jit
def numpy_std(x: np.ndarray) -> float:
    """``np.std(x, ddof=1)``, as numpy computes it (the mean, the squared deviations, their
    pairwise sum over n - 1)."""
    n = x.size
    mean = (0.0 + pairwise_sum(x, 0, n)) / n
    squares = np.empty(n)
    for i in range(n):
        d = x[i] - mean
        squares[i] = d * d
    return math.sqrt((0.0 + pairwise_sum(squares, 0, n)) / (n - 1))


@jit
def seasonal_rows(values: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """bool ``[k]``: ``forecast.models.theta.seasonality_found(row, period)`` of every row
    (a period below 4, fewer than two cycles or a constant row: False)."""
    k, n = values.shape
    found = np.zeros(k, dtype=np.bool_)
    for row in range(k):
        m = periods[row]
        y = values[row]
        if m < 4 or n < 2 * m or not np.max(y) - np.min(y) > 0:
            continue
        r = kern.autocorrelations(y, m)
        squares = np.empty(m - 1)
        for i in range(m - 1):
            squares[i] = r[i] * r[i]
        stat = math.sqrt((1 + 2 * (0.0 + pairwise_sum(squares, 0, m - 1))) / n)
        found[row] = abs(r[m - 1]) / stat > T_CRIT
    return found


@jit
def classical_indices(
    y: np.ndarray, trend: np.ndarray, m: int, width: int, multiplicative: bool
) -> np.ndarray:
    """``forecast.models.theta.classical_indices`` from the centred moving average ``trend``
    (``width`` weights; its first ``y.size - width + 1`` values are the average)."""
    offset = (width - 1) // 2
    sums = np.zeros(m)
    counts = np.zeros(m)
    for t in range(y.size - width + 1):
        i = t + offset
        sums[i % m] += y[i] / trend[t] if multiplicative else y[i] - trend[t]
        counts[i % m] += 1
    means = sums / counts
    centre = (0.0 + pairwise_sum(means, 0, m)) / m
    return means / centre if multiplicative else means - centre


@jit
def deseasonalised(
    y: np.ndarray, trend: np.ndarray, m: int, width: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """(adjusted data, indices, MUL or ADD): ``forecast.models.theta.deseasonalise`` of a row
    whose seasonality test passed."""
    n = y.size
    if np.min(y) > 0:
        indices = classical_indices(y, trend, m, width, True)
        if np.min(indices) >= MIN_INDEX:
            adjusted = np.empty(n)
            for i in range(n):
                adjusted[i] = y[i] / indices[i % m]
            return adjusted, indices, MUL
    indices = classical_indices(y, trend, m, width, False)
    adjusted = np.empty(n)
    for i in range(n):
        adjusted[i] = y[i] - indices[i % m]
    return adjusted, indices, ADD


@jit
def chosen_model(
    adjusted: np.ndarray, dynamic: np.ndarray, free: np.ndarray, fixed: float
) -> tuple[int, float, float, float, float]:
    """(model, alpha, l0, theta, loss): ``Theta._fit_models``' choice among the models
    (``dynamic``, ``free`` their flags), the first of equal losses; model -1 when no loss is
    below infinity."""
    best, model = np.inf, -1
    alpha_best = level_best = theta_best = 0.0
    for j in range(dynamic.size):
        alpha, level0, w = kern.fit(adjusted, dynamic[j], free[j], fixed)
        theta = 1 / (1 - w)
        loss = kern.filter_states(adjusted, dynamic[j], level0, alpha, 1 - 1 / theta)[2]
        if loss < best:
            best, model = loss, j
            alpha_best, level_best, theta_best = alpha, level0, theta
    return model, alpha_best, level_best, theta_best, best


@jit
def row_forecast(
    adjusted: np.ndarray,
    dynamic: bool,
    params: np.ndarray,
    shocks: np.ndarray,
    probs: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(mean ``[h]``, quantiles ``[P, h]``) on the deseasonalised scale at ``params`` (alpha,
    l0, theta): ``Theta._deseasonalised_mean`` and ``simulated_quantiles``, the paths' errors
    ``0 + sigma * shocks`` (``Generator.normal(0, sigma)`` from the same standard normals)."""
    n = adjusted.size
    alpha, level0, theta = params[0], params[1], params[2]
    w = 1 - 1 / theta
    e, state, _ = kern.filter_states(adjusted, dynamic, level0, alpha, w)
    sigma = numpy_std(e[3:] if n - 3 >= 2 else e)
    mean = kern.forecast(state, n, dynamic, alpha, w, shocks.shape[0])
    if probs.size == 0:  # no levels: no paths (the per-series model simulates none)
        return mean, np.empty((0, shocks.shape[0]))
    samples = kern.simulate(state, numpy_mean(adjusted), n, alpha, w, 0.0 + sigma * shocks)
    for j in range(samples.shape[0]):
        samples[j] = np.sort(samples[j])
    return mean, kern.sorted_quantiles(samples, probs)


@jit
def block_forecasts(
    values: np.ndarray,
    periods: np.ndarray,
    trends: np.ndarray,
    widths: np.ndarray,
    models: tuple[np.ndarray, np.ndarray, float],
    shocks: np.ndarray,
    probs: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean ``[k, h]``, quantiles ``[k, P, h]``, ok ``[k]``): every row's ``Theta`` forecast
    and its paths' quantiles held around the mean (lower half of ``probs`` by ``np.minimum``,
    upper by ``np.maximum``), reseasonalised. A row with ``widths`` > 0 is deseasonalised with
    its ``periods`` and ``trends`` (the moving average); ``models``: (dynamic, free, fixed
    w) of :func:`chosen_model`. ok False where the fit or a forecast is not finite."""
    k, n = values.shape
    h, p = shocks.shape[0], probs.size
    mean = np.full((k, h), np.nan)
    quantiles = np.full((k, p, h), np.nan)
    ok = np.zeros(k, dtype=np.bool_)
    dynamic, free, fixed = models
    for row in range(k):
        y, m = values[row], periods[row]
        adjusted, indices, method = y, np.zeros(0), NONE
        if widths[row] > 0:
            adjusted, indices, method = deseasonalised(y, trends[row], m, widths[row])
        model, alpha, level0, theta, loss = chosen_model(adjusted, dynamic, free, fixed)
        if model < 0 or not (math.isfinite(loss) and math.isfinite(level0)):
            continue  # the per-series fit raises
        params = np.array([alpha, level0, theta])
        centre, found = row_forecast(adjusted, dynamic[model], params, shocks, probs)
        if not (np.isfinite(centre).all() and np.isfinite(found).all()):
            continue  # the per-series predict raises
        for i in range(p):
            for j in range(h):
                held = min(found[i, j], centre[j]) if 2 * i < p else max(found[i, j], centre[j])
                quantiles[row, i, j] = _season(held, indices, method, n + j)
        for j in range(h):
            mean[row, j] = _season(centre[j], indices, method, n + j)
        ok[row] = True
    return mean, quantiles, ok


@jit
def _season(value: float, indices: np.ndarray, method: int, position: int) -> float:
    """``value`` at ``position`` reseasonalised (``Theta._reseasonalise``)."""
    if method == MUL:
        return value * indices[position % indices.size]
    if method == ADD:
        return value + indices[position % indices.size]
    return value
