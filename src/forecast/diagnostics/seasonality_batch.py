"""The default seasonal period of many equal-length series at once: the vectorised panel path's
:func:`~forecast.diagnostics.seasonality.resolve_period`.

:func:`resolve_periods` gives, for every row of a block ``[k, n]``, exactly what
``resolve_period(None, row, freq)`` gives, with a Python step per row only for the few rows the
block cannot decide. The rule's steps run on the whole block (numpy along axis 1):

1. the KPSS differences (:func:`~forecast.diagnostics.stationarity.kpss_differences`: the same
   statistic, lags rule, table interpolation and clamping, the same stops, at most two); a
   constant differenced row has no period;
2. the calendar test (:func:`~forecast.diagnostics.seasonality.calendar_test`: the ACF at lag
   ``m`` against the M3 90 % band, the classical seasonal strength against ``THRESHOLD``) on the
   series differenced that many times: a row it finds seasonal gets the calendar's period;
3. the candidate search of ``detect_seasonality`` for the rows the calendar test finds not
   seasonal or cannot test (no calendar period, too few points): the periodogram's peaks
   (``periodogram_periods``: ``np.fft.rfft`` along the rows), the ACF's peaks above their
   Bartlett band (``acf_periods``), the classical strength of every candidate (rows grouped by
   candidate period) and ``_choose`` (the strongest, or its smallest divisor within 85 %,
   against ``STRONG``, or ``THRESHOLD`` without a calendar), all as ``[k, period]`` arrays.

Rows left to the per-row ``resolve_period``: a decision too close to its threshold to trust
(below), an ACF long enough for ``sample_acf``'s FFT branch, an empty row. In real panels these
are a few in a thousand (bench/bench_seasonality_batch.py prints the shares).

Same numbers, same decisions. Every statistic is computed with the same floating-point operations
in the same order as the per-row code: row means, variances and sums reduce along the last axis
of C-contiguous arrays (numpy's pairwise summation, as for one row), dot products are stacked
``matmul`` of ``(1, n) @ (n, 1)`` blocks (numpy calls the same BLAS ``ddot`` for each as for a
1-D ``a @ b``), cumulative sums are sequential in both, the moving average repeats
``np.convolve``'s two paths (a sequential sum of products for kernels of at most 11 weights, a
``ddot`` per window above) and the phase sums repeat ``np.bincount``'s sequential order. Should a
numpy or BLAS build still round one of them differently in the last bits, no decision can
change: a decision is taken here only when its statistic is farther from the threshold than
:data:`TOL` (1e-9) times the statistic's condition (its scale over the size of what cancels in
it); a row with any closer decision goes to the per-row function. The conditions are:

* KPSS p-value < 0.05, i.e. statistic above the table's 5 % value 0.463: relative distance over
  ``1 + c / s^2`` with ``c = (1 + lags) gamma_0 (1 + |mean| / sd)`` (the long-run variance
  ``s^2`` sums autocovariances of either sign, each rounded to a multiple of ``gamma_0``; a
  series far from zero loses digits when centred); a long-run variance within ``TOL c`` of 0
  (the per-row code's ``s^2 <= 0`` stop) is also too close;
* ACF at lag ``m`` above the band: absolute distance over ``1 + |mean| / sd`` (|r| <= 1);
* classical strength >= ``THRESHOLD``: absolute distance over ``1 + max|x| / sd(detrended)``
  (the moving average is subtracted from the series itself); the calendar test is not seasonal
  when both the ACF and the strength are below by more than their margins;
* the candidate search: every periodogram value farther than its margin from every other (the
  peaks and their ranking; the margin bounds a power's rounding error over eps, see
  :func:`block_periodogram`), every ACF value farther than the ACF's margin from its
  neighbours and its band, and in ``_choose`` the strongest candidate ahead of the next by,
  every divisor's strength away from 85 % of the strongest by, and the chosen strength away
  from its threshold by more than twice the row's largest strength margin.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from forecast.diagnostics.acf import BAND_ALPHA, DIRECT_MAX
from forecast.diagnostics.seasonality import (
    CALENDAR_Z,
    KPSS_MIN_OBS,
    MAX_PERIOD,
    MIN_CYCLES,
    NEAR,
    STRONG,
    THRESHOLD,
    TOP_PERIODS,
    calendar_period,
    centred_weights,
    resolve_period,
)
from forecast.diagnostics.stationarity import (
    KPSS_ALPHA,
    KPSS_LEVEL_CRITICAL,
    KPSS_LEVEL_P,
    KPSS_MAX_D,
)

TOL = 1e-9  # a decision closer than this (times its condition) to its threshold goes per row
SMALL_KERNEL = 11  # np.convolve sums kernels up to this long directly, longer ones by ddot
BLOCK_VALUES = 1 << 21  # rows are processed in blocks of about this many values (memory)
UNDECIDED = -1  # block_periods' mark of a row left to the per-row function
ACF_Z = NormalDist().inv_cdf(1 - BAND_ALPHA / 2)  # bartlett_band's, as acf_periods uses it


def resolve_periods(values: np.ndarray, freq: str | None) -> np.ndarray:
    """The default seasonal period of every row of a block of equal-length series.

    Parameters
    ----------
    values : np.ndarray
        ``[k, n]`` float64, each row finite (a row may be constant).
    freq : str or None
        The pandas frequency of the rows.

    Returns
    -------
    np.ndarray
        int64 ``[k]``: for each row exactly ``resolve_period(None, row, freq)[0]``, 0 where
        that is None. The block decides most rows itself (:func:`block_periods`); the few it
        cannot (too close to a threshold, or a case it does not handle; see the module
        docstring) go through ``resolve_period`` one by one.
    """
    values = np.ascontiguousarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"values must be a [k, n] block, got shape {values.shape}")
    periods = np.full(values.shape[0], UNDECIDED, dtype=np.int64)
    step = max(1, BLOCK_VALUES // max(values.shape[1], 1))
    for start in range(0, values.shape[0], step):
        periods[start : start + step] = block_periods(values[start : start + step], freq)
    for row in np.flatnonzero(periods == UNDECIDED):
        periods[row] = resolve_period(None, values[row], freq)[0] or 0
    return periods


def calendar_seasonal(values: np.ndarray, freq: str | None) -> np.ndarray:
    """bool ``[k]``: the rows whose KPSS-differenced training data pass the calendar test
    decisively (each of them has ``resolve_period(None, row, freq)[0] == calendar_period(freq)``),
    the first of :func:`block_periods`' two ways to settle a row."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    k, n = values.shape
    seasonal = np.zeros(k, dtype=bool)
    period = calendar_period(freq)
    if period is None or period < 2 or n < 2 * period + 1:
        return seasonal  # no calendar test for any row
    step = max(1, BLOCK_VALUES // max(n, 1))
    for start in range(0, k, step):
        block = values[start : start + step]
        seasonal[start : start + step] = block_periods(block, freq, search=False) == period
    return seasonal


def block_periods(block: np.ndarray, freq: str | None, search: bool = True) -> np.ndarray:
    """``resolve_period(None, row, freq)[0] or 0`` of every row of ``block`` that the block
    decides, :data:`UNDECIDED` for the others: the calendar test, then (``search``) the
    candidate search of the rows the calendar test finds decisively not seasonal or cannot
    test (:func:`candidate_periods`)."""
    with np.errstate(all="ignore"):  # overflow or 0/0 leaves a row undecided, never wrong
        return _block_periods(block, freq, search)


def _block_periods(block: np.ndarray, freq: str | None, search: bool) -> np.ndarray:
    """:func:`block_periods` without its floating-point error state."""
    calendar = calendar_period(freq)
    tested = calendar if calendar is not None and calendar >= 2 else 0
    threshold = STRONG if calendar else THRESHOLD  # detect_seasonality's, for a found period
    differences, trusted = kpss_differences_block(block)
    periods = np.full(block.shape[0], UNDECIDED, dtype=np.int64)
    for d in range(KPSS_MAX_D + 1):
        rows = np.flatnonzero(trusted & (differences == d))
        size = block.shape[1] - d
        if rows.size == 0 or size == 0:
            continue
        x = np.diff(block[rows], n=d, axis=1) if d else block[rows]
        varied = np.ptp(x, axis=1) > 0
        periods[rows[~varied]] = 0  # detect_seasonality: a constant row has no period
        rows, x = rows[varied], x[varied]
        if tested and size >= 2 * tested + 1:
            if size * (tested + 1) > DIRECT_MAX:
                continue  # sample_acf's FFT branch: per row
            seasonal, not_seasonal = calendar_decisions(x, tested)
            periods[rows[seasonal]] = tested
            rows, x = rows[not_seasonal], x[not_seasonal]
        if search and rows.size:
            periods[rows] = candidate_periods(x, calendar, threshold)
    return periods


def kpss_differences_block(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``resolve_period``'s differences of every row (``kpss_differences(row)`` from
    :data:`KPSS_MIN_OBS` observations, else 0) and whether every KPSS decision on the way was
    far enough from its threshold to trust: int64 ``[k]``, bool ``[k]``."""
    k = x.shape[0]
    differences = np.zeros(k, dtype=np.int64)
    trusted = np.ones(k, dtype=bool)
    if x.shape[1] < KPSS_MIN_OBS:
        return differences, trusted
    rows = np.arange(k)
    for _ in range(KPSS_MAX_D):
        if x.shape[1] <= 1:
            break
        varied = np.ptp(x, axis=1) > 0  # a constant row passes: nothing to difference
        rows, x = rows[varied], x[varied]
        rejects, sure = kpss_rejects(x)
        trusted[rows[~sure]] = False
        go_on = rejects & sure
        rows, x = rows[go_on], np.diff(x[go_on], axis=1)
        differences[rows] += 1
    return differences, trusted


def kpss_rejects(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``x`` (``[k, n]``, rows not constant): whether
    ``kpss_level_pvalue(row) < 0.05``, and whether that decision is far enough from the
    threshold to trust (module docstring): bool ``[k]``, bool ``[k]``."""
    n = x.shape[1]
    mean = x.mean(axis=1)
    e = x - mean[:, None]
    partial = np.cumsum(e, axis=1)
    eta = _row_dots(partial, partial) / n**2
    lags = int(np.trunc(4 * (n / 100) ** 0.25))
    gamma0 = _row_dots(e, e) / n
    s2 = gamma0
    for i in range(1, lags + 1):
        s2 = s2 + 2 * (1 - i / (lags + 1)) * _row_dots(e[:, i:], e[:, :-i]) / n
    positive = s2 > 0
    stat = eta / np.where(positive, s2, 1.0)
    pvalue = np.where(
        positive, np.interp(stat, KPSS_LEVEL_CRITICAL[::-1], KPSS_LEVEL_P[::-1]), KPSS_LEVEL_P[-1]
    )
    critical = float(np.interp(KPSS_ALPHA, KPSS_LEVEL_P, KPSS_LEVEL_CRITICAL))  # 0.463
    # each autocovariance's rounding is at most a multiple of gamma_0 (Cauchy-Schwarz)
    cancels = (1 + lags) * gamma0 * (1 + np.abs(mean) / np.sqrt(gamma0))
    condition = 1 + cancels / np.abs(s2)
    sure = (s2 > TOL * cancels) & (np.abs(stat - critical) > TOL * stat * condition)
    return pvalue < KPSS_ALPHA, sure


def calendar_decisions(x: np.ndarray, period: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``x`` (``[k, n]``, rows not constant, n >= 2 period + 1): whether
    :func:`calendar_test` decisively finds it seasonal (the ACF at lag ``period`` above the M3
    90 % band, or the classical strength at least ``THRESHOLD``, by more than the margin of
    the module docstring), and whether it decisively finds it not seasonal (both below by more
    than their margins): bool ``[k]``, bool ``[k]``; a row with neither goes per row."""
    acf, sd, mean = block_acf(x, period)
    band = CALENDAR_Z * np.sqrt((1 + 2 * np.sum(acf[:, :-1] ** 2, axis=1)) / x.shape[1])
    strength, detrended_sd = classical_strengths(x, period)
    acf_margin = TOL * (1 + np.abs(mean) / sd)
    strength_margin = TOL * (1 + np.max(np.abs(x), axis=1) / detrended_sd)
    above, strong = acf[:, -1] - band > acf_margin, strength - THRESHOLD > strength_margin
    below, weak = band - acf[:, -1] > acf_margin, THRESHOLD - strength > strength_margin
    return above | strong, below & weak


def calendar_acf(x: np.ndarray, period: int) -> tuple[np.ndarray, ...]:
    """``sample_acf(row, period)`` of every row (``[k, period]``), the band of
    :func:`calendar_test` (``[k]``), each row's standard deviation and mean."""
    acf, sd, mean = block_acf(x, period)
    band = CALENDAR_Z * np.sqrt((1 + 2 * np.sum(acf[:, :-1] ** 2, axis=1)) / x.shape[1])
    return acf, band, sd, mean


def block_acf(x: np.ndarray, nlags: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``sample_acf(row, nlags)`` of every row (``[k, nlags]``, its direct branch: a ``ddot``
    per lag), each row's standard deviation and mean (``[k]``, ``[k]``)."""
    n = x.shape[1]
    mean = x.mean(axis=1)
    centred = x - mean[:, None]
    denom = _row_dots(centred, centred)
    lagged = [_row_dots(centred[:, lag:], centred[:, : n - lag]) for lag in range(1, nlags + 1)]
    acf = np.stack(lagged, axis=1) / denom[:, None]
    return acf, np.sqrt(denom / n), mean


def candidate_periods(x: np.ndarray, calendar: int | None, threshold: float) -> np.ndarray:
    """``detect_seasonality``'s found period (0 for none) of every row of ``x`` (``[k, n]``,
    rows not constant, their calendar test decisively not seasonal or not possible):
    ``_choose`` among ``_candidates`` other than ``calendar``, against ``threshold``.
    :data:`UNDECIDED` where a comparison is within its margin (module docstring) or the ACF
    would take ``sample_acf``'s FFT branch."""
    k, n = x.shape
    max_period = min(n // MIN_CYCLES, MAX_PERIOD)
    if max_period < 2:  # no periodogram or ACF candidate: nothing but the calendar's
        return np.zeros(k, dtype=np.int64)
    if n * (max_period + 1) > DIRECT_MAX:
        return np.full(k, UNDECIDED, dtype=np.int64)
    from_periodogram, sure_periodogram = periodogram_candidates(x, max_period)
    from_acf, sure_acf = acf_candidates(x, max_period)
    candidates = from_periodogram | from_acf  # [k, max_period + 1]: column p is period p
    if calendar is not None and calendar <= max_period:
        candidates[:, calendar] = False  # detect_seasonality leaves it out of _choose
    strength = np.full(candidates.shape, -np.inf)
    margin = np.zeros(candidates.shape)
    for period in np.flatnonzero(candidates.any(axis=0)):
        rows = np.flatnonzero(candidates[:, period])
        s, detrended_sd = classical_strengths(x[rows], int(period))
        strength[rows, period] = s
        margin[rows, period] = TOL * (1 + np.max(np.abs(x[rows]), axis=1) / detrended_sd)
    periods, sure = choose_periods(candidates, strength, margin, threshold)
    return np.where(sure & sure_periodogram & sure_acf, periods, UNDECIDED)


def periodogram_candidates(x: np.ndarray, max_period: int) -> tuple[np.ndarray, np.ndarray]:
    """``periodogram_periods(row, max_period)`` of every row as a bool ``[k, max_period + 1]``
    (column p: period p is one), and whether that set cannot change when every power moves by
    up to its margin: bool ``[k]``.

    The ``top`` highest peaks' distinct periods, taken in order of power, are the ``top``
    periods whose highest peak is highest (each period first appears at its highest peak).
    The set is sure when the ``top``-th of them is ahead of the next by more than the margin,
    and ahead by more than the margin of every peak of another period and every position whose
    peak status is unsure (a neighbour within the margin; with exact ties, numpy's flat tops,
    among them); with fewer than ``top`` periods, when no position of a valid period is unsure.
    """
    power, margin = block_periodogram(x)
    return peak_periods(power, margin, x.shape[1], max_period)


def peak_periods(
    power: np.ndarray, margin: np.ndarray, n: int, max_period: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`periodogram_candidates` from the periodograms ``power`` (``[k, n // 2 + 1]``) of
    series of length ``n`` and their margins (``[k]``)."""
    k = power.shape[0]
    power, margin = power[:, 1:], margin[:, None]
    peaks = np.zeros(power.shape, dtype=bool)
    peaks[:, 1:-1] = (power[:, 1:-1] > power[:, :-2]) & (power[:, 1:-1] > power[:, 2:])
    close = np.abs(np.diff(power, axis=1)) <= margin  # [k, L - 1]: neighbours within the margin
    unsure = np.zeros(power.shape, dtype=bool)
    unsure[:, 1:-1] = close[:, :-1] | close[:, 1:]
    index_periods = np.array([round(1 / f) for f in np.fft.rfftfreq(n)[1:]], dtype=np.int64)
    valid = (index_periods >= 2) & (index_periods <= max_period)
    best = np.full((k, max_period + 1), -np.inf)  # each period's highest peak
    for period in range(2, max_period + 1):
        columns = np.flatnonzero(index_periods == period)
        if columns.size:
            best[:, period] = np.max(np.where(peaks[:, columns], power[:, columns], -np.inf), 1)
    ranked = -np.sort(-best, axis=1)
    ranked = np.concatenate([ranked, np.full((k, TOP_PERIODS + 1), -np.inf)], axis=1)
    cut = ranked[:, TOP_PERIODS - 1]  # the top-th highest (or -inf)
    chosen = (best >= cut[:, None]) & np.isfinite(best)
    in_top = peaks & valid & chosen[:, np.minimum(index_periods, max_period)]
    rivals = np.where((unsure | (peaks & ~in_top)) & valid, power, -np.inf).max(axis=1)
    many = np.isfinite(cut)
    level = np.where(many, cut, np.inf)  # where cut is -inf the other rule applies
    sure_many = (level - ranked[:, TOP_PERIODS] > margin[:, 0]) & (level - rivals > margin[:, 0])
    sure_few = ~np.any(unsure & valid, axis=1)
    return chosen, np.where(many, sure_many, sure_few)


def block_periodogram(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``periodogram(row)[1]`` of every row (``[k, n // 2 + 1]``, the same operations: closed
    form linear detrend by ``ddot``, periodic Hann window, ``np.fft.rfft`` along the rows,
    which computes each row as it computes a 1-D input) and each row's margin: ``TOL`` times
    a bound on a power's rounding error over eps (the FFT's relative error on the highest
    power, and the detrended input's error of a few eps ``max|x|`` per value, times ``n``,
    through ``2 |Y_j| |dY_j| / W``)."""
    n = x.shape[1]
    t = np.arange(n, dtype="float64")
    tc = t - t.mean()
    mean = x.mean(axis=1)
    slope = _row_dots(np.ascontiguousarray(np.broadcast_to(tc, x.shape)), x - mean[:, None])
    slope = slope / float(tc @ tc)
    intercept = mean - slope * t.mean()
    window = 0.5 - 0.5 * np.cos(2 * np.pi * t / n)
    detrended = x - slope[:, None] * t - intercept[:, None]
    power = np.abs(np.fft.rfft(detrended * window, axis=1)) ** 2 / float(window @ window)
    power[:, 1 : n // 2 + (n % 2)] *= 2
    highest = np.max(power, axis=1)
    reach = n * np.max(np.abs(x), axis=1) / np.sqrt(float(window @ window))
    return power, TOL * np.sqrt(highest) * (np.sqrt(highest) + 2 * reach)


def acf_candidates(x: np.ndarray, max_period: int) -> tuple[np.ndarray, np.ndarray]:
    """``acf_periods(row, max_period)`` of every row as a bool ``[k, max_period + 1]``, and
    whether every comparison it makes (neighbouring lags, each lag against its Bartlett band)
    is decided by more than the ACF's margin: bool ``[k]``."""
    k, n = x.shape
    nlags = min(max_period, n - 1)
    acf, sd, mean = block_acf(x, nlags)
    cumulative = np.concatenate([np.zeros((k, 1)), np.cumsum(acf[:, :-1] ** 2, axis=1)], axis=1)
    band = ACF_Z * np.sqrt((1 + 2 * cumulative) / n)
    margin = TOL * (1 + np.abs(mean) / sd)
    steps = np.abs(np.diff(acf, axis=1))
    sure = np.all(steps > margin[:, None], axis=1) & np.all(
        np.abs(acf - band) > margin[:, None], axis=1
    )
    peaks = np.zeros(acf.shape, dtype=bool)
    peaks[:, 1:-1] = (acf[:, 1:-1] > acf[:, :-2]) & (acf[:, 1:-1] > acf[:, 2:])
    found = peaks & (acf > band)
    found[:, 0] = False  # lag 1 is no period
    found &= np.cumsum(found, axis=1) <= TOP_PERIODS  # the first TOP_PERIODS
    candidates = np.zeros((k, max_period + 1), dtype=bool)
    candidates[:, 1 : nlags + 1] = found
    return candidates, sure


def choose_periods(
    candidates: np.ndarray, strength: np.ndarray, margin: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """``_choose`` of every row (``[k, P]`` arrays, column p: period p, strength ``-inf``
    where p is no candidate): the strongest, or its smallest divisor with at least 85 % of its
    strength, if its strength reaches ``threshold`` (0 otherwise); and whether each of these
    comparisons is decided by more than the row's largest margin (a tie is not): int64
    ``[k]``, bool ``[k]``."""
    with np.errstate(invalid="ignore"):  # -inf - -inf where a row has no candidate: NaN
        return _choose_periods(candidates, strength, margin, threshold)


def _choose_periods(
    candidates: np.ndarray, strength: np.ndarray, margin: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`choose_periods` without its floating-point error state."""
    k, width = candidates.shape
    rows = np.arange(k)
    slack = 2 * np.max(margin, axis=1)
    best = np.argmax(strength, axis=1)
    best_strength = strength[rows, best]
    ordered = -np.sort(-strength, axis=1)
    second = ordered[:, 1] if width > 1 else np.full(k, -np.inf)
    sure = best_strength - second > slack  # -inf - -inf (no candidate) is NaN: not sure
    periods = np.arange(width)
    divides = candidates & (periods > 0) & (periods < best[:, None])
    divides &= (best[:, None] % np.maximum(periods, 1)) == 0
    near = NEAR * best_strength
    sure &= ~np.any(divides & (np.abs(strength - near[:, None]) <= slack[:, None]), axis=1)
    divisors = divides & (strength >= near[:, None])
    chosen = np.where(divisors.any(axis=1), np.argmax(divisors, axis=1), best)
    chosen_strength = strength[rows, chosen]
    sure &= np.abs(chosen_strength - threshold) > slack
    found = candidates.any(axis=1) & (chosen_strength >= threshold)
    sure |= best_strength < threshold - slack  # no candidate reaches it: no period, whichever
    return np.where(found, chosen, 0), sure


def classical_strengths(x: np.ndarray, period: int) -> tuple[np.ndarray, np.ndarray]:
    """``classical_strength(row, period)`` of every row (n >= 2 period + 1) and the standard
    deviation of each row's detrended series: float ``[k]``, float ``[k]``."""
    k, n = x.shape
    weights = centred_weights(period)
    half = (weights.size - 1) // 2
    detrended = x[:, half : n - half] - _moving_average(x, weights)
    phase = np.arange(half, n - half) % period
    # np.bincount adds each phase's values in their order: pad to whole cycles with zeros
    # (adding 0.0 changes no sum) and add cycle after cycle
    first = half % period
    cycles = -(-(first + detrended.shape[1]) // period)
    padded = np.zeros((k, cycles * period))
    padded[:, first : first + detrended.shape[1]] = detrended
    padded = padded.reshape(k, cycles, period)
    sums = np.zeros((k, period))
    for cycle in range(cycles):
        sums = sums + padded[:, cycle]
    means = sums / np.bincount(phase, minlength=period)
    seasonal = (means - means.mean(axis=1)[:, None])[:, phase]
    remainder = detrended - seasonal
    total = np.var(detrended, axis=1)
    strength = np.maximum(0.0, 1.0 - np.var(remainder, axis=1) / np.where(total > 0, total, 1))
    return np.where(total > 0, strength, 0.0), np.sqrt(total)


def _moving_average(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``np.convolve(row, weights, mode="valid")`` of every row, in its order of operations:
    numpy correlates with the reversed kernel, summing ``x[i + j] * w[j]`` from 0.0 one term
    after another for at most :data:`SMALL_KERNEL` weights, and by one ``ddot`` per window
    for more."""
    kernel = np.ascontiguousarray(weights[::-1])
    size = x.shape[1] - kernel.size + 1
    if kernel.size <= SMALL_KERNEL:
        total = np.zeros((x.shape[0], size))
        for j, w in enumerate(kernel):
            total = total + x[:, j : j + size] * w
        return total
    windows = sliding_window_view(x, kernel.size, axis=1)  # [k, size, len]
    return np.matmul(windows[:, :, None, :], kernel[:, None])[:, :, 0, 0]


def _row_dots(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``float(a[i] @ b[i])`` for every row: a stack of ``(1, n) @ (n, 1)`` products, each of
    which numpy computes with the BLAS ``ddot`` it calls for a 1-D ``a @ b``."""
    return np.matmul(a[:, None, :], b[:, :, None])[:, 0, 0]
