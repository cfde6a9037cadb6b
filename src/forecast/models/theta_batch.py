"""The Theta models over a block of equal-length series at once (the vectorised panel path,
:mod:`forecast.models.batch`): :func:`theta_batch` gives every row what
``create("theta", params).fit(row).predict(horizon, levels)`` gives it, for the variants
``auto``, ``stm``, ``otm``, ``dstm`` and ``dotm``, the period given or resolved.

The steps, for the whole block:

1. the period of every row: the given one, else the rule of
   :func:`~forecast.diagnostics.seasonality.resolve_period` with ``model_decides`` (the found
   period from :func:`~forecast.diagnostics.seasonality_batch.resolve_periods`; where it finds
   none, the calendar's whenever the calendar test can run on the row differenced any number
   of times up to KPSS_MAX_D, the per-row rule for the few others);
2. the seasonality test of every row (:func:`~forecast.models.theta_batch_kernels.
   seasonal_rows`, compiled);
3. the centred moving average of each row that passes it: ``np.convolve`` itself, one call a
   row (numpy hands kernels of 12 weights or more to the BLAS, whose summation depends on the
   kernel chosen at run time: copying it would tie the equality to one machine);
4. the decomposition, the four (or one) fits, the choice, the forecasts and the 200 simulated
   paths of every row in one compiled loop
   (:func:`~forecast.models.theta_batch_kernels.block_forecasts`), the paths' standard
   normals drawn once for the block (every row's generator is seeded alike).

Exactness: every row runs through the per-series model's own kernels with the same arguments
and numpy's order of operations for the steps between them, so the numbers are equal bit for
bit; the 1e-10 of the interface is room for a compiler that fused a multiply-add.

A row is left to the per-series path (``ok`` False) where the per-series model refuses it (the
estimates or forecasts not finite, fewer than ``min_obs`` values, a given period not shorter
than the series) and for every row of the ``ses-drift`` variant (statsmodels' ThetaModel and
a scipy polish: not compiled).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from forecast.models.base import check_horizon, check_levels
from forecast.models.batch import BatchForecast
from forecast.models.theta import MODELS, PATHS, SEED, SIMULATED, Theta


def theta_batch(
    values: np.ndarray,
    horizon: int,
    levels: tuple[float, ...],
    freq: str | None,
    params: Mapping[str, Any],
) -> BatchForecast:
    """:class:`~forecast.models.theta.Theta` on every row of ``values`` (a
    :data:`~forecast.models.batch.BatchFunction`).

    Parameters
    ----------
    values : numpy.ndarray
        ``[k, n]`` float64, one series a row, each finite and not constant.
    horizon : int
        Steps ahead.
    levels : tuple of float
        Interval levels in percent, in the order the bands are wanted.
    freq : str or None
        The series' pandas frequency (the calendar's period).
    params : mapping
        The registry's parameters of ``theta``.

    Returns
    -------
    BatchForecast
        The per-series model's mean and bounds for the rows marked ``ok``.
    """
    from forecast.models.registry import get_spec
    from forecast.models.theta_batch_kernels import block_forecasts

    resolved = get_spec("theta").resolve(params)  # a UsageError for a wrong one, as create
    horizon, wanted = check_horizon(horizon), tuple(float(lv) for lv in levels)
    check_levels(wanted)
    values = np.ascontiguousarray(values, dtype="float64")
    rows, n = values.shape
    out = BatchForecast.empty(rows, horizon, len(wanted), SIMULATED)
    period = resolved["period"]
    if (
        resolved["variant"] == "ses-drift"
        or n < Theta.min_obs
        or (period is not None and period >= n)  # check_against_data refuses it
    ):
        return out
    periods = _periods(values, freq, period)
    trends, widths = _trends(values, periods)
    shocks = np.random.default_rng(SEED).standard_normal((horizon, PATHS))
    mean, quantiles, ok = block_forecasts(
        values, periods, trends, widths, _models(resolved), shocks, _probs(wanted)
    )
    half = len(wanted)
    return BatchForecast(mean, quantiles[:, :half], quantiles[:, half:], ok, SIMULATED)


def _models(resolved: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray, float]:
    """(dynamic flags, free-theta flags, fixed w) of the models ``Theta._fit_models`` fits."""
    variant = resolved["variant"]
    names = tuple(MODELS) if variant == "auto" else (variant,)
    dynamic = np.array([MODELS[name][0] for name in names], dtype=bool)
    free = np.array([MODELS[name][1] for name in names], dtype=bool)
    fixed = 0.5 if variant == "auto" else 1 - 1 / float(resolved["theta"])
    return dynamic, free, fixed


def _probs(levels: tuple[float, ...]) -> np.ndarray:
    """The paths' probabilities, lower bounds then upper (``simulated_bands``' order)."""
    lows = [(100 - level) / 200 for level in levels]
    return np.asarray(lows + [low + level / 100 for low, level in zip(lows, levels, strict=True)])


def _periods(values: np.ndarray, freq: str | None, given: int | None) -> np.ndarray:
    """int64 ``[k]``: every row's ``resolve_period(given, row, freq, model_decides=True)[0]``,
    0 for None (step 1 of the module docstring)."""
    from forecast.diagnostics.seasonality import calendar_period, resolve_period
    from forecast.diagnostics.seasonality_batch import resolve_periods
    from forecast.diagnostics.stationarity import KPSS_MAX_D

    rows, n = values.shape
    if given is not None:
        return np.full(rows, int(given), dtype=np.int64)
    periods = resolve_periods(values, freq)
    calendar = calendar_period(freq) or 0
    if calendar < 4 or n < 2 * calendar:  # theta's test cannot run at the calendar's period
        return periods
    left = periods == 0
    varies, x = np.ones(rows, dtype=bool), values  # not constant after any differences
    for _ in range(KPSS_MAX_D):
        x = np.diff(x, axis=1)
        varies &= np.ptp(x, axis=1) > 0
    testable = left & varies & (n - KPSS_MAX_D >= 2 * calendar + 1)
    periods[testable] = calendar
    for row in np.flatnonzero(left & ~testable):
        periods[row] = resolve_period(None, values[row], freq, model_decides=True)[0] or 0
    return periods


def _trends(values: np.ndarray, periods: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(``[k, n]`` the centred moving averages, ``[k]`` their numbers of weights): those of
    the rows that pass theta's seasonality test (``classical_indices``' ``np.convolve``), 0
    weights for the others."""
    from forecast.diagnostics.seasonality import centred_weights
    from forecast.models.theta_batch_kernels import seasonal_rows

    seasonal = seasonal_rows(values, periods)
    trends = np.zeros(values.shape)
    widths = np.zeros(values.shape[0], dtype=np.int64)
    for m in np.unique(periods[seasonal]):
        m = int(m)
        weights = centred_weights(m)
        take = np.flatnonzero(seasonal & (periods == m))
        widths[take] = weights.size
        for row in take:
            average = np.convolve(values[row], weights, mode="valid")
            trends[row, : average.size] = average
    return trends, widths
