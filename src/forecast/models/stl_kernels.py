"""STL and MSTL decompositions, compiled (numba, cached on disk).

STL is Cleveland, Cleveland, McRae & Terpenning (1990), as the Fortran ``stl.f`` and
statsmodels' ``STL`` (a port of it) compute it, operation for operation (positions 1-based in
the loess arithmetic, the tricube by ``pow``, the median from the two middle order statistics),
so that its numbers are theirs to the last bit on the same libm. One inner pass (``stlstp``),
from the current trend:

1. detrend: ``y - trend``;
2. cycle-subseries smoothing (``stlss``): each of the ``period`` subseries (positions j,
   j + period, ...) is loess-smoothed with span ``seasonal`` and degree ``seasonal_deg`` and
   extended by one value at each end (the loess fit at positions 0 and k + 1), giving a
   series C of length n + 2 period;
3. low-pass filter of C (``stlfts`` then ``stless``): moving averages of length period,
   period and 3 (back to n values), then loess with span ``low_pass`` and degree
   ``low_pass_deg``;
4. season = C[period:period + n] - low-pass; trend = loess of ``y - season`` with span
   ``trend`` and degree ``trend_deg``.

The loess fit at x (``stlest``) weights the points in its window [left, right] by the tricube
of |j - x| / h, h the larger distance from x to the window's ends (plus (span - n) // 2 when
the span exceeds the data), times the robustness weights when they are used; with degree 1
and a spread of the positions above 1e-3 (n - 1), the weights are tilted to a local line.
Where every weight is zero the fit is the observation itself. Windows have ``span`` points,
centred, shifted inwards at the ends (the whole series when the span is at least n). A
smoother's jump j > 1 fits every j-th position and the last, with straight lines between.

``inner`` passes (statsmodels: 5, or 2 when robust) make a fit; without robustness that is all.
With it, ``outer`` more fits follow, each after new robustness weights (``stlrwt``): the
bisquare of |y - season - trend| / (6 median), 1 below 1e-3 of that scale, 0 above 0.999.

MSTL is Bandara, Hyndman & Bergmeir (2021) as statsmodels' ``MSTL`` runs it: periods in
ascending order with seasonal spans 7 + 4 i (i = 1, 2, ...); with one period one STL, with
several ``iterate`` (2) passes over them, each period's STL on the series less the other
periods' current seasonal components; the trend is the last STL's, the remainder what is left.
"""

from __future__ import annotations

import math

import numpy as np

from forecast.models.jit import jit

INNER = 5  # statsmodels' inner passes without robustness (2 with it)
INNER_ROBUST = 2
OUTER_ROBUST = 15  # statsmodels' robustness fits after the first


def default_spans(period: int, seasonal: int) -> tuple[int, int]:
    """statsmodels' trend span (the smallest odd integer >= 1.5 period / (1 - 1.5 / seasonal))
    and low-pass span (the smallest odd integer > period)."""
    trend = math.ceil(1.5 * period / (1 - 1.5 / seasonal))
    trend += trend % 2 == 0
    low_pass = period + 1
    low_pass += low_pass % 2 == 0
    return trend, low_pass


def mstl_windows(count: int) -> np.ndarray:
    """statsmodels' MSTL seasonal spans for ``count`` periods in ascending order: 7 + 4 i."""
    return np.array([7 + 4 * i for i in range(1, count + 1)], dtype=np.int64)


@jit
def _tricube_row(h: float, table: np.ndarray, filled: np.ndarray) -> int:
    """The row of ``table`` holding (1 - (r / h)^3)^3 for r = 0..h, computed with ``pow``
    as ``stl.f`` and statsmodels compute it (so the weights are theirs bit for bit), once
    per h: filled on first use (``filled[h]``); -1 where h is past the table or 0 (a
    one-point window, whose only weight is 1)."""
    row = int(h)
    if row >= filled.size or row == 0:
        return -1
    if not filled[row]:
        for k in range(row + 1):
            table[row, k] = math.pow(1.0 - math.pow(k / h, 3.0), 3.0)
        filled[row] = True
    return row


@jit
def _estimate(
    y: np.ndarray,
    n: int,
    span: int,
    degree: int,
    x: int,
    left: int,
    right: int,
    scratch: tuple[np.ndarray, np.ndarray, np.ndarray],
    use_rw: bool,
    rw: np.ndarray,
) -> tuple[float, bool]:
    """The loess fit at the 1-based position x from the points left..right (1-based) of
    y[:n]; False where every weight is zero. ``scratch``: weights (at least n values) and
    the tricube table (:func:`_tricube_row`)."""
    w, table, filled = scratch
    h = float(max(x - left, right - x))
    if span > n:
        h += (span - n) // 2
    h_high = 0.999 * h
    h_low = 0.001 * h
    row = _tricube_row(h, table, filled)
    total = 0.0
    for j in range(left - 1, right):
        w[j] = 0.0
        r = abs(j + 1 - x)
        if r <= h_high:
            if r <= h_low:
                w[j] = 1.0
            elif row >= 0:
                w[j] = table[row, r]
            else:
                w[j] = math.pow(1.0 - math.pow(r / h, 3.0), 3.0)
            if use_rw:
                w[j] = w[j] * rw[j]
            total += w[j]
    if total <= 0.0:
        return 0.0, False
    for j in range(left - 1, right):
        w[j] = w[j] / total
    if h > 0.0 and degree > 0:
        centre = 0.0
        for j in range(left - 1, right):
            centre += w[j] * (j + 1)
        spread = 0.0
        for j in range(left - 1, right):
            spread += w[j] * (j + 1 - centre) ** 2
        if math.sqrt(spread) > 0.001 * (n - 1.0):
            slope = (x - centre) / spread
            for j in range(left - 1, right):
                w[j] = w[j] * (slope * (j + 1 - centre) + 1.0)
    fit = 0.0
    for j in range(left - 1, right):
        fit += w[j] * y[j]
    return fit, True


@jit
def _smooth(
    y: np.ndarray,
    n: int,
    smoother: np.ndarray,
    use_rw: bool,
    rw: np.ndarray,
    out: np.ndarray,
    out_start: int,
    scratch: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """Loess of y[:n] into out[out_start:out_start + n] (``stless``); ``smoother`` is (span,
    degree, jump): windows of ``span`` points, centred, shifted inwards at the ends (the
    whole series when span >= n); with a jump, the fit at every jump-th position and at the
    last, straight lines between them."""
    if n < 2:
        out[out_start] = y[0]
        return
    span, degree, step = smoother[0], smoother[1], min(smoother[2], n - 1)
    left, right = 1, n
    if span < n:
        right = span
    half = (span + 1) // 2
    for i in range(1, n + 1, step):
        if span < n and step == 1:
            if i > half and right != n:
                left += 1
                right += 1
        elif span < n:
            if i < half:
                left, right = 1, span
            elif i >= n - half + 1:
                left, right = n - span + 1, n
            else:
                left, right = i - half + 1, span + i - half
        fit, ok = _estimate(y, n, span, degree, i, left, right, scratch, use_rw, rw)
        out[out_start + i - 1] = fit if ok else y[i - 1]
    if step == 1:
        return
    last = ((n - 1) // step) * step + 1  # the last position fitted
    if last != n:
        fit, ok = _estimate(y, n, span, degree, n, left, right, scratch, use_rw, rw)
        out[out_start + n - 1] = fit if ok else y[n - 1]
    _interpolate(out[out_start : out_start + n], step, last)


@jit
def _interpolate(ys: np.ndarray, step: int, last: int) -> None:
    """Straight lines between the fits at positions 1, 1 + step, ..., ``last`` and n
    (1-based), as ``stless`` draws them."""
    n = ys.size
    for i in range(0, n - step, step):
        delta = (ys[i + step] - ys[i]) / step
        for j in range(i + 1, i + step):
            ys[j] = ys[i] + delta * (j - i)
    if last != n and last != n - 1:
        delta = (ys[n - 1] - ys[last - 1]) / (n - last)
        for j in range(last, n):  # the last value redrawn too, as there
            ys[j] = ys[last - 1] + delta * (j + 1 - last)


@jit
def _cycle_subseries(
    y: np.ndarray,
    n: int,
    period: int,
    smoother: np.ndarray,
    use_rw: bool,
    rw: np.ndarray,
    out: np.ndarray,
    sub: np.ndarray,
    sub_rw: np.ndarray,
    fit: np.ndarray,
    scratch: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """``stlss``: each cycle-subseries of y smoothed and extended by one value at each end,
    of y[:n] into out (n + 2 period values, subseries j at j, j + period, ...); ``smoother``
    is (span, degree, jump)."""
    span, degree = smoother[0], smoother[1]
    for j in range(period):
        k = (n - 1 - j) // period + 1
        for m in range(k):
            sub[m] = y[m * period + j]
            sub_rw[m] = rw[m * period + j]
        _smooth(sub, k, smoother, use_rw, sub_rw, fit, 1, scratch)
        first, ok = _estimate(sub, k, span, degree, 0, 1, min(span, k), scratch, use_rw, sub_rw)
        fit[0] = first if ok else fit[1]
        last, ok = _estimate(
            sub, k, span, degree, k + 1, max(1, k - span + 1), k, scratch, use_rw, sub_rw
        )
        fit[k + 1] = last if ok else fit[k]
        for m in range(k + 2):
            out[m * period + j] = fit[m]


@jit
def _moving_average(x: np.ndarray, n: int, length: int, out: np.ndarray) -> None:
    """``stlma``: the running means of ``length`` values of x[:n] (n - length + 1 of them),
    kept as a running sum."""
    total = 0.0
    for i in range(length):
        total += x[i]
    out[0] = total / length
    for j in range(1, n - length + 1):
        total += x[j + length - 1] - x[j - 1]
        out[j] = total / length


@jit
def _inner_pass(
    y: np.ndarray,
    period: int,
    smoothers: np.ndarray,
    use_rw: bool,
    rw: np.ndarray,
    season: np.ndarray,
    trend: np.ndarray,
    work: np.ndarray,
    scratch: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """One ``stlstp`` pass (module docstring), updating season and trend in place;
    ``smoothers`` [3, 3]: the seasonal, trend and low-pass smoothers' (span, degree, jump);
    ``work`` is [5, n + 2 period] scratch, ``scratch`` the loess fit's (:func:`_estimate`)."""
    n = y.size
    detrended, cycles, first, second, third = work[0], work[1], work[2], work[3], work[4]
    for i in range(n):
        detrended[i] = y[i] - trend[i]
    _cycle_subseries(
        detrended,
        n,
        period,
        smoothers[0],
        use_rw,
        rw,
        cycles,
        first,
        second,
        third,
        scratch,
    )
    _moving_average(cycles, n + 2 * period, period, first)
    _moving_average(first, n + period + 1, period, second)
    _moving_average(second, n + 2, 3, first)
    _smooth(first, n, smoothers[2], False, rw, third, 0, scratch)
    for i in range(n):
        season[i] = cycles[period + i] - third[i]
        detrended[i] = y[i] - season[i]
    _smooth(detrended, n, smoothers[1], use_rw, rw, trend, 0, scratch)


@jit
def _robustness_weights(
    y: np.ndarray, season: np.ndarray, trend: np.ndarray, rw: np.ndarray
) -> None:
    """``stlrwt``: bisquare weights of |y - (trend + season)| scaled by six times their
    median (3 (r_(n//2) + r_(n - n//2 - 1)) of the sorted values); all 1 where that is 0."""
    n = y.size
    for i in range(n):
        rw[i] = abs(y[i] - (trend[i] + season[i]))
    ordered = np.sort(rw)
    scale = 3.0 * (ordered[n // 2] + ordered[n - n // 2 - 1])
    if scale == 0.0:
        rw[:] = 1.0
        return
    low, high = 0.001 * scale, 0.999 * scale
    for i in range(n):
        r = rw[i]
        if r <= low:
            rw[i] = 1.0
        elif r <= high:
            rw[i] = (1.0 - (r / scale) ** 2) ** 2
        else:
            rw[i] = 0.0


@jit
def stl(
    y: np.ndarray,
    period: int,
    smoothers: np.ndarray,
    inner: int,
    outer: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Season, trend and robustness weights of y (module docstring); ``smoothers`` [3, 3]:
    the seasonal, trend and low-pass smoothers' (span, degree, jump); ``outer`` > 0 is
    statsmodels' robust fit."""
    n = y.size
    season = np.zeros(n)
    trend = np.zeros(n)
    rw = np.ones(n)
    work = np.zeros((5, n + 2 * period))
    widest = smoothers[:, 0].max() + 1
    scratch = (np.zeros(n + 2 * period), np.empty((widest, widest)), np.zeros(widest, np.bool_))
    use_rw = False
    for fit in range(outer + 1):
        if fit > 0:
            _robustness_weights(y, season, trend, rw)
            use_rw = True
        for _ in range(inner):
            _inner_pass(y, period, smoothers, use_rw, rw, season, trend, work, scratch)
    if outer == 0:
        rw[:] = 1.0
    return season, trend, rw


@jit
def mstl(
    y: np.ndarray, periods: np.ndarray, spans: np.ndarray, iterate: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seasonal components [len(periods), n], trend and remainder of y (module docstring).
    ``periods`` ascending; ``spans`` [len(periods), 3]: each period's (seasonal, trend,
    low_pass) spans; every smoother of degree 1, no robustness."""
    count = periods.size
    n = y.size
    seasonal = np.zeros((count, n))
    smoothers = np.ones((3, 3), dtype=np.int64)  # degree 1, jump 1
    deseasoned = y.copy()
    trend = np.zeros(n)
    passes = 1 if count == 1 else iterate
    for _ in range(passes):
        for i in range(count):
            deseasoned = deseasoned + seasonal[i]
            smoothers[:, 0] = spans[i]
            season, trend, _rw = stl(deseasoned, periods[i], smoothers, INNER, 0)
            seasonal[i] = season
            deseasoned = deseasoned - seasonal[i]
    return seasonal, trend, deseasoned - trend


def mstl_decompose(
    y: np.ndarray, periods: tuple[int, ...], iterate: int = 2
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """statsmodels' ``MSTL(y, periods=periods).fit()`` with its defaults: the seasonal
    components [n, len(periods)] in ascending period order, the trend and the remainder.
    Every period must be >= 2 and below n / 2 (statsmodels leaves longer ones out)."""
    ordered = sorted(periods)
    windows = mstl_windows(len(ordered))
    spans = np.array(
        [(int(s), *default_spans(p, int(s))) for p, s in zip(ordered, windows, strict=True)],
        dtype=np.int64,
    ).reshape(len(ordered), 3)
    values = np.ascontiguousarray(y, dtype=np.float64)
    seasonal, trend, resid = mstl(values, np.array(ordered, dtype=np.int64), spans, iterate)
    return seasonal.T.copy(), trend, resid


def stl_decompose(
    y: np.ndarray,
    period: int,
    seasonal: int = 7,
    degrees: tuple[int, int, int] = (1, 1, 1),
    jumps: tuple[int, int, int] = (1, 1, 1),
    robust: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """statsmodels' ``STL(y, period, seasonal, seasonal_deg=, trend_deg=, low_pass_deg=,
    robust=, seasonal_jump=, trend_jump=, low_pass_jump=).fit()`` with its default trend and
    low-pass spans and iterations: season, trend, remainder and robustness weights.
    ``degrees`` and ``jumps`` are the (seasonal, trend, low_pass) smoothers'."""
    if period < 2 or seasonal < 3 or seasonal % 2 == 0:
        raise ValueError(f"stl: period >= 2 and an odd seasonal >= 3, got {period}, {seasonal}")
    if min(jumps) < 1 or any(d not in (0, 1) for d in degrees):
        raise ValueError(f"stl: jumps >= 1 and degrees 0 or 1, got {jumps}, {degrees}")
    spans = (seasonal, *default_spans(period, seasonal))
    smoothers = np.array(list(zip(spans, degrees, jumps, strict=True)), dtype=np.int64)
    values = np.ascontiguousarray(y, dtype=np.float64)
    inner, outer = (INNER_ROBUST, OUTER_ROBUST) if robust else (INNER, 0)
    season, trend, weights = stl(values, period, smoothers, inner, outer)
    return season, trend, values - season - trend, weights
