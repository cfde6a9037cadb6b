"""The default seasonal period of many equal-length series at once: the vectorised panel path's
:func:`~forecast.diagnostics.seasonality.resolve_period`.

:func:`resolve_periods` gives, for every row of a block ``[k, n]``, exactly what
``resolve_period(None, row, freq)`` gives, without a Python step per row in the common case: a
row whose training data support the calendar's period. The rule's two steps run on the whole
block (numpy along axis 1):

1. the KPSS differences (:func:`~forecast.diagnostics.stationarity.kpss_differences`: the same
   statistic, lags rule, table interpolation and clamping, the same stops, at most two);
2. the calendar test (:func:`~forecast.diagnostics.seasonality.calendar_test`: the ACF at lag
   ``m`` against the M3 90 % band, the classical seasonal strength against ``THRESHOLD``) on the
   series differenced that many times.

A row the block test finds seasonal gets the calendar's period. Every other row goes through the
per-row ``resolve_period``: a calendar test that says not seasonal (the rule then scores the
periodogram's and the ACF's candidates, which this module does not), a frequency without a
calendar period, too few points for two cycles and one, a constant (differenced) row, or a
decision too close to its threshold to trust (below). In real panels these rows are the minority
(bench/bench_seasonality_batch.py prints the share).

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
  (the moving average is subtracted from the series itself).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from forecast.diagnostics.acf import DIRECT_MAX
from forecast.diagnostics.seasonality import (
    CALENDAR_Z,
    THRESHOLD,
    calendar_period,
    resolve_period,
)
from forecast.diagnostics.stationarity import _KPSS_LEVEL, _KPSS_P

TOL = 1e-9  # a decision closer than this (times its condition) to its threshold goes per row
KPSS_ALPHA = 0.05  # kpss_differences' default alpha, the one resolve_period uses
KPSS_MAX_D = 2  # kpss_differences' default max_d
KPSS_MIN_OBS = 10  # resolve_period tests differences only from this many observations
SMALL_KERNEL = 11  # np.convolve sums kernels up to this long directly, longer ones by ddot
BLOCK_VALUES = 1 << 21  # rows are processed in blocks of about this many values (memory)


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
        that is None. Rows the block's calendar test finds seasonal (most rows of a seasonal
        panel) get the calendar's period without a Python step per row; the minority of others
        (not seasonal by that test, untestable, constant, or too close to a threshold to
        decide; see the module docstring) go through ``resolve_period`` one by one.
    """
    values = np.ascontiguousarray(values, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"values must be a [k, n] block, got shape {values.shape}")
    periods = np.zeros(values.shape[0], dtype=np.int64)
    settled = calendar_seasonal(values, freq)
    period = calendar_period(freq)
    if period is not None:
        periods[settled] = period
    for row in np.flatnonzero(~settled):
        periods[row] = resolve_period(None, values[row], freq)[0] or 0
    return periods


def calendar_seasonal(values: np.ndarray, freq: str | None) -> np.ndarray:
    """bool ``[k]``: the rows whose KPSS-differenced training data pass the calendar test
    decisively, i.e. those :func:`resolve_periods` settles without the per-row function (each
    of them has ``resolve_period(None, row, freq)[0] == calendar_period(freq)``)."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    k, n = values.shape
    seasonal = np.zeros(k, dtype=bool)
    period = calendar_period(freq)
    if period is None or period < 2 or n < 2 * period + 1:
        return seasonal  # no calendar test for any row: every row goes per row
    step = max(1, BLOCK_VALUES // max(n, 1))
    with np.errstate(all="ignore"):  # overflow or 0/0 leaves a row undecided, never wrong
        for start in range(0, k, step):
            block = values[start : start + step]
            seasonal[start : start + step] = _block_seasonal(block, period)
    return seasonal


def _block_seasonal(block: np.ndarray, period: int) -> np.ndarray:
    """:func:`calendar_seasonal` of one block of rows."""
    differences, trusted = kpss_differences_block(block)
    seasonal = np.zeros(block.shape[0], dtype=bool)
    for d in range(KPSS_MAX_D + 1):
        rows = np.flatnonzero(trusted & (differences == d))
        size = block.shape[1] - d
        if rows.size == 0 or size < 2 * period + 1 or size * (period + 1) > DIRECT_MAX:
            continue  # too short to test, or sample_acf's FFT branch: per row
        x = np.diff(block[rows], n=d, axis=1) if d else block[rows]
        varied = np.ptp(x, axis=1) > 0  # detect_seasonality stops on a constant row
        rows, x = rows[varied], x[varied]
        acf_above, strong = calendar_decisions(x, period)
        seasonal[rows] = acf_above | strong
    return seasonal


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
    pvalue = np.where(positive, np.interp(stat, _KPSS_LEVEL[::-1], _KPSS_P[::-1]), _KPSS_P[-1])
    critical = float(np.interp(KPSS_ALPHA, _KPSS_P, _KPSS_LEVEL))  # 0.463
    # each autocovariance's rounding is at most a multiple of gamma_0 (Cauchy-Schwarz)
    cancels = (1 + lags) * gamma0 * (1 + np.abs(mean) / np.sqrt(gamma0))
    condition = 1 + cancels / np.abs(s2)
    sure = (s2 > TOL * cancels) & (np.abs(stat - critical) > TOL * stat * condition)
    return pvalue < KPSS_ALPHA, sure


def calendar_decisions(x: np.ndarray, period: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``x`` (``[k, n]``, rows not constant, n >= 2 period + 1): whether the ACF
    at lag ``period`` is decisively above the M3 90 % band, and whether the classical strength
    is decisively at least ``THRESHOLD`` (:func:`calendar_test`'s two reasons, each only where
    the margin of the module docstring holds): bool ``[k]``, bool ``[k]``."""
    acf, band, sd, mean = calendar_acf(x, period)
    strength, detrended_sd = classical_strengths(x, period)
    acf_margin = TOL * (1 + np.abs(mean) / sd)
    strength_margin = TOL * (1 + np.max(np.abs(x), axis=1) / detrended_sd)
    return acf[:, -1] - band > acf_margin, strength - THRESHOLD > strength_margin


def calendar_acf(x: np.ndarray, period: int) -> tuple[np.ndarray, ...]:
    """``sample_acf(row, period)`` of every row (``[k, period]``), the band of
    :func:`calendar_test` (``[k]``), each row's standard deviation and mean."""
    n = x.shape[1]
    mean = x.mean(axis=1)
    centred = x - mean[:, None]
    denom = _row_dots(centred, centred)
    lagged = [_row_dots(centred[:, lag:], centred[:, : n - lag]) for lag in range(1, period + 1)]
    acf = np.stack(lagged, axis=1) / denom[:, None]
    band = CALENDAR_Z * np.sqrt((1 + 2 * np.sum(acf[:, :-1] ** 2, axis=1)) / n)
    return acf, band, np.sqrt(denom / n), mean


def classical_strengths(x: np.ndarray, period: int) -> tuple[np.ndarray, np.ndarray]:
    """``classical_strength(row, period)`` of every row (n >= 2 period + 1) and the standard
    deviation of each row's detrended series: float ``[k]``, float ``[k]``."""
    k, n = x.shape
    if period % 2 == 0:
        weights = np.r_[0.5, np.ones(period - 1), 0.5] / period  # 2 x p moving average
    else:
        weights = np.ones(period) / period
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
