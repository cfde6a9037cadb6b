"""numba kernels of the intermittent-demand models (:mod:`forecast.models.intermittent`).

Every kernel takes float64 arrays of non-negative values. Simple exponential smoothing (SES)
starts its level at the first value and then updates it with every value, the first included:
``level = alpha * x + (1 - alpha) * level``; the forecast after a sequence is the last level.
The ``*_rates`` kernels return, for every prefix ``y[: t + 1]``, the per-period demand rate the
model forecasts from it at fixed parameters: one pass for Croston and TSB, one pass per
residue of the aggregation level for ADIDA (the aggregation buckets of a prefix end at its last
value), so rates from every origin cost O(n) per aggregation level. :func:`block_rates` runs the
estimation and the rates of every model over the rows of a block (the vectorised panel path,
:mod:`forecast.models.intermittent_batch`) with these same kernels.

Importing this module imports numba (DESIGN rule 9): only the models' fit and forecast do.
"""

from __future__ import annotations

import numpy as np

from forecast.models.jit import jit

GOLDEN_TOLERANCE = 1e-12  # width of the final bracket of the smoothing-constant search


@jit
def ses_sse(x: np.ndarray, alpha: float) -> float:
    """Sum of squared one-step errors of SES on ``x`` (0.0 for fewer than two values)."""
    if x.size < 2:
        return 0.0
    keep = 1.0 - alpha
    level = x[0]
    total = 0.0
    for i in range(1, x.size):
        level = alpha * x[i - 1] + keep * level  # the forecast of x[i]
        error = x[i] - level
        total += error * error
    return total


@jit
def golden_alpha(x: np.ndarray, lower: float, upper: float) -> float:
    """The smoothing constant in [lower, upper] with the smallest :func:`ses_sse`, by
    golden-section search down to a bracket of ``GOLDEN_TOLERANCE``; the search stops early, at
    the bracket's middle, when both interior points give exactly the same sum (a flat sum, as
    for fewer than two values)."""
    ratio = (np.sqrt(5.0) + 1.0) / 2.0
    low, high = lower, upper
    left = high - (high - low) / ratio
    right = low + (high - low) / ratio
    f_left = ses_sse(x, left)
    f_right = ses_sse(x, right)
    while abs(high - low) >= GOLDEN_TOLERANCE:
        if f_left < f_right:  # the minimum lies in [low, right]
            high, right, f_right = right, left, f_left
            left = high - (high - low) / ratio
            f_left = ses_sse(x, left)
        elif f_right < f_left:  # in [left, high]
            low, left, f_left = left, right, f_right
            right = low + (high - low) / ratio
            f_right = ses_sse(x, right)
        else:
            break
    return (high + low) / 2.0


@jit
def croston_alphas(y: np.ndarray, lower: float, upper: float) -> tuple[float, float]:
    """Croston ``optimized``'s smoothing constants of the demand sizes and of the intervals
    between demands (the first counted from the start), each by :func:`golden_alpha`."""
    sizes = y[y != 0]
    positions = np.flatnonzero(y) + 1
    intervals = np.empty(positions.size)
    previous = 0
    for j in range(positions.size):
        intervals[j] = float(positions[j] - previous)
        previous = positions[j]
    return golden_alpha(sizes, lower, upper), golden_alpha(intervals, lower, upper)


@jit
def croston_rates(y: np.ndarray, alpha_d: float, alpha_p: float, factor: float) -> np.ndarray:
    """Croston's forecast from every prefix: ``factor`` x SES(sizes) / SES(intervals), the
    intervals counted from the start for the first demand; 0 before any demand."""
    out = np.empty(y.size)
    size = interval = 0.0
    last = -1
    seen = False
    for t in range(y.size):
        if y[t] > 0:
            gap = float(t - last)
            last = t
            if not seen:
                size, interval, seen = y[t], gap, True
            size = alpha_d * y[t] + (1.0 - alpha_d) * size
            interval = alpha_p * gap + (1.0 - alpha_p) * interval
        out[t] = factor * (size / interval) if seen else 0.0
    return out


@jit
def tsb_rates(y: np.ndarray, alpha_d: float, alpha_p: float) -> np.ndarray:
    """TSB's forecast from every prefix: SES(demand occurred, every period) x SES(sizes)."""
    out = np.empty(y.size)
    probability = size = 0.0
    seen = False
    for t in range(y.size):
        occurred = 1.0 if y[t] != 0 else 0.0
        if t == 0:
            probability = occurred
        probability = alpha_p * occurred + (1.0 - alpha_p) * probability
        if y[t] > 0:
            if not seen:
                size, seen = y[t], True
            size = alpha_d * y[t] + (1.0 - alpha_d) * size
        out[t] = probability * size if seen else 0.0
    return out


@jit
def aggregation_level(y: np.ndarray) -> int:
    """ADIDA's aggregation level: the mean inter-demand interval (the first counted from the
    start), rounded half to even (``np.rint``); 1 for a series with no demand."""
    demands = 0
    last = -1
    for t in range(y.size):
        if y[t] != 0:
            demands += 1
            last = t
    if demands == 0:
        return 1
    return max(int(np.rint(float(last + 1) / demands)), 1)


@jit
def cumulative(y: np.ndarray) -> np.ndarray:
    """``[0, y0, y0 + y1, ...]``: bucket sums are differences of two entries."""
    out = np.zeros(y.size + 1)
    out[1:] = np.cumsum(y)
    return out


@jit
def bucket_sums(sums: np.ndarray, n: int, level: int) -> np.ndarray:
    """Sums of consecutive buckets of ``level`` values ending at the last of ``n`` values (the
    first ``n % level`` values left out); ``sums`` is :func:`cumulative` of the values."""
    first = n % level
    count = (n - first) // level
    out = np.empty(count)
    for j in range(count):
        start = first + j * level
        out[j] = sums[start + level] - sums[start]
    return out


@jit
def aggregate_rates(sums: np.ndarray, level: int, alpha: float) -> np.ndarray:
    """ADIDA's forecast from every prefix at aggregation ``level``: SES over the prefix's bucket
    sums, divided by ``level``; a prefix shorter than one bucket forecasts its mean."""
    n = sums.size - 1
    out = np.empty(n)
    for length in range(1, min(level, n + 1)):
        out[length - 1] = sums[length] / length
    for first in range(level):  # prefixes whose buckets start at `first`
        end = first + level
        smoothed = 0.0
        started = False
        while end <= n:
            total = sums[end] - sums[end - level]
            if not started:
                smoothed, started = total, True
            smoothed = alpha * total + (1.0 - alpha) * smoothed
            out[end - 1] = smoothed / level
            end += level
    return out


@jit
def level_alpha(y: np.ndarray, level: int, lower: float, upper: float) -> float:
    """The smoothing constant of the bucket sums at aggregation ``level`` (:func:`golden_alpha`)."""
    return golden_alpha(bucket_sums(cumulative(y), y.size, level), lower, upper)


@jit
def level_alphas(y: np.ndarray, levels: int, lower: float, upper: float) -> np.ndarray:
    """For aggregation levels 1..``levels``, the smoothing constant of the bucket sums."""
    sums = cumulative(y)
    out = np.empty(levels)
    for level in range(1, levels + 1):
        out[level - 1] = golden_alpha(bucket_sums(sums, y.size, level), lower, upper)
    return out


@jit
def imapa_rates(y: np.ndarray, alphas: np.ndarray) -> np.ndarray:
    """IMAPA's forecast from every prefix: the mean over levels 1..len(alphas) of
    :func:`aggregate_rates`."""
    sums = cumulative(y)
    out = np.zeros(y.size)
    for level in range(1, alphas.size + 1):
        out += aggregate_rates(sums, level, alphas[level - 1])
    return out / alphas.size


# The models of :func:`block_rates` (MODELS maps :mod:`forecast.models.intermittent_batch`'s
# names to these codes).
CROSTON, CROSTON_OPTIMIZED, TSB, ADIDA, IMAPA = range(5)
MODELS = {
    "croston": CROSTON,
    "croston-optimized": CROSTON_OPTIMIZED,
    "tsb": TSB,
    "adida": ADIDA,
    "imapa": IMAPA,
}


@jit
def estimated_rates(
    y: np.ndarray,
    fit_size: int,
    model: int,
    alpha_d: float,
    alpha_p: float,
    factor: float,
    lower: float,
    upper: float,
) -> np.ndarray:
    """The forecast from every prefix of ``y`` at the parameters ``model`` estimates on
    ``y[:fit_size]`` (the ``_estimate`` then ``_rates`` of the per-series model): ``alpha_d``,
    ``alpha_p`` and ``factor`` are CROSTON's and TSB's given constants, [lower, upper] the
    range the others search their smoothing constants in."""
    head = y[:fit_size]
    if model == CROSTON:
        return croston_rates(y, alpha_d, alpha_p, factor)
    if model == CROSTON_OPTIMIZED:
        searched_d, searched_p = croston_alphas(head, lower, upper)
        return croston_rates(y, searched_d, searched_p, factor)
    if model == TSB:
        return tsb_rates(y, alpha_d, alpha_p)
    level = aggregation_level(head)
    if model == ADIDA:
        return aggregate_rates(cumulative(y), level, level_alpha(head, level, lower, upper))
    return imapa_rates(y, level_alphas(head, level, lower, upper))


@jit
def block_rates(
    values: np.ndarray,
    fit_size: int,
    model: int,
    alpha_d: float,
    alpha_p: float,
    factor: float,
    lower: float,
    upper: float,
) -> tuple[np.ndarray, np.ndarray]:
    """For every row of ``values`` ``[k, n]``: the forecasts from origins ``fit_size - 1`` to
    ``n - 2`` at the parameters estimated on the row's first ``fit_size`` values
    (``[k, n - fit_size]``, the conformal calibration's), and the forecast from all ``n``
    values at the parameters estimated on them all (``[k]``); :func:`estimated_rates`'s
    arguments."""
    rows, n = values.shape
    origins = np.empty((rows, n - fit_size))
    final = np.empty(rows)
    estimates = model != CROSTON and model != TSB  # parameters that depend on the data
    for i in range(rows):
        y = values[i]
        rates = estimated_rates(y, fit_size, model, alpha_d, alpha_p, factor, lower, upper)
        origins[i] = rates[fit_size - 1 : n - 1]
        if estimates and fit_size < n:
            rates = estimated_rates(y, n, model, alpha_d, alpha_p, factor, lower, upper)
        final[i] = rates[n - 1]
    return origins, final
