"""Which series of a global nbeats / nhits panel are modelled on their logarithms
(``--param transform``), decided on the training values only.

- ``none``: every series as it is;
- ``log``: every series on ``log y`` (each needs positive values);
- ``auto`` (the default): on a panel of more than one series whose frequency has a calendar
  period of at least :data:`MIN_PERIOD` (monthly, weekly, hourly, ...), a series is modelled on
  its logarithms when every training value is positive and Guerrero's Box-Cox lambda is below
  :data:`LAMBDA_CUT`: its spread grows with its level (multiplicative seasonality, spikes that
  scale with the level). Otherwise (one series, quarterly or yearly data, no calendar period)
  nothing is transformed, so that a panel of one is the per-series model.

Guerrero (1993), as R's ``forecast::BoxCox.lambda(method = "guerrero")``: the last
``floor(n / p) * p`` values are cut into subseries of one period p (at least 2); lambda in
[-1, 2] minimises the coefficient of variation of ``sd_h / mean_h ** (1 - lambda)`` over the
subseries h.

Measured (bench/RESULTS.md, issue 33, ``bench/bench_stacked_m3.py``): with the window's mean as
anchor (:mod:`nbeats`), the global nhits on 250 M3 monthly series went from MASE 0.896 to 0.873
(draw A) and 0.919 to 0.865 (a disjoint draw B), sMAPE 13.66 -> 13.18 and 14.68 -> 13.99, with
coverage nearer nominal; on 250 quarterly series every logarithmic variant
was worse (MASE 1.140 -> 1.157-1.208 on A, 1.299 -> 1.367 on B: smooth trends extrapolated on
the log scale grow too fast over 8 quarters), hence the period rule. The network forecasts
``log y``; the forecast and its interval bounds are exponentiated (the bounds' coverage is kept:
the map is monotone; the point forecast is then a median, not a mean).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from forecast.errors import InputError, UsageError

TRANSFORMS = ("auto", "none", "log")
MIN_PERIOD = 12  # auto transforms only data with a calendar period of at least this
LAMBDA_CUT = 0.5  # auto: logarithms where Guerrero's lambda is below this
LAMBDA_BOUNDS = (-1.0, 2.0)


GRID_POINTS = 61  # guerrero_lambdas: the coarse grid over LAMBDA_BOUNDS (step 0.05)
GOLDEN_STEPS = 30  # then golden-section steps in the best grid cell's neighbours: 0.1 * 0.618^30
CHUNK = 8192  # at most this many series per block of the grid evaluation
BLOCK_CELLS = 1 << 21  # and at most this many grid x series x subseries cells (16 MiB a float)


def guerrero_lambda(y: np.ndarray, period: int) -> float:
    """Guerrero's Box-Cox lambda of the positive values ``y`` (subseries of ``period``, at least
    2, taken from the end); 1 where fewer than two subseries have a spread."""
    return float(guerrero_lambdas([y], period)[0])


def guerrero_lambdas(values: Sequence[np.ndarray], period: int) -> np.ndarray:
    """:func:`guerrero_lambda` of every series at once, ``[N]``: the criterion on a grid of
    :data:`GRID_POINTS` lambdas for blocks of series (numpy along the series), then golden-section
    search between the best grid point's neighbours. This finds the global minimum on
    [-1, 2] to about 1e-7 where the criterion has one minimum per grid cell; R's ``optimize``
    (and scipy's bounded Brent) find a local one, to about 1e-5."""
    p = max(int(period), 2)
    out = np.ones(len(values))
    counts = np.array([np.asarray(y).size // p for y in values], dtype=np.int64)  # subseries
    if not counts.any():
        return out
    blocks = [
        np.asarray(y, dtype="float64")[len(y) - k * p :]
        for y, k in zip(values, counts, strict=True)
    ]
    sub = np.concatenate(blocks).reshape(-1, p)  # every series' subseries, in series order
    means, sds = sub.mean(axis=1), sub.std(axis=1, ddof=1)
    owner = np.repeat(np.arange(len(values)), counts)
    spread = np.bincount(owner, weights=sds > 0, minlength=len(values))
    todo = np.flatnonzero((counts >= 2) & (spread >= 2))  # else lambda 1: nothing to stabilise
    first = np.cumsum(counts) - counts
    order = todo[np.argsort(counts[todo], kind="stable")]  # blocks of similar widths
    start = 0
    while start < order.size:
        widest = int(counts[order[min(start + CHUNK, order.size) - 1]])
        rows = order[start : start + max(1, min(CHUNK, BLOCK_CELLS // (GRID_POINTS * widest)))]
        start += rows.size
        column = np.arange(int(counts[rows].max()))
        valid = column[None, :] < counts[rows, None]  # [rows, subseries]
        at = np.where(valid, first[rows, None] + column[None, :], 0)
        out[rows] = _minimise(np.log(means[at]), sds[at], valid)
    return out


def _variation(
    lam: np.ndarray, log_mean: np.ndarray, sd: np.ndarray, valid: np.ndarray
) -> np.ndarray:
    """Guerrero's criterion, the coefficient of variation of ``sd_h / mean_h ** (1 - lam)`` over
    each row's valid subseries: ``lam`` [..., rows] against ``[rows, subseries]``."""
    ratio = np.where(valid, sd * np.exp(-(1.0 - lam[..., None]) * log_mean), 0.0)
    count = valid.sum(axis=1)
    mean = ratio.sum(axis=-1) / count
    dev = np.where(valid, ratio - mean[..., None], 0.0)
    return np.sqrt((dev**2).sum(axis=-1) / (count - 1)) / mean


def _minimise(log_mean: np.ndarray, sd: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Each row's minimiser of :func:`_variation` on LAMBDA_BOUNDS: the best grid point, then
    golden-section search between its neighbours."""
    low, high = LAMBDA_BOUNDS
    grid = np.linspace(low, high, GRID_POINTS)
    best = np.argmin(_variation(grid[:, None], log_mean, sd, valid), axis=0)  # [rows]
    a = grid[np.maximum(best - 1, 0)]
    b = grid[np.minimum(best + 1, GRID_POINTS - 1)]
    ratio = (np.sqrt(5.0) - 1) / 2
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = _variation(c, log_mean, sd, valid), _variation(d, log_mean, sd, valid)
    for _ in range(GOLDEN_STEPS):
        left = fc <= fd  # the minimum lies in [a, d]
        a, b = np.where(left, a, c), np.where(left, d, b)
        c, d = np.where(left, b - ratio * (b - a), d), np.where(left, c, a + ratio * (b - a))
        moved = np.where(left, c, d)
        fmoved = _variation(moved, log_mean, sd, valid)
        fc, fd = np.where(left, fmoved, fd), np.where(left, fc, fmoved)
    return (a + b) / 2


def choose_logs(
    values: Sequence[np.ndarray], transform: str, period: int | None, model: str
) -> tuple[np.ndarray, str]:
    """``[N]`` booleans, the series modelled on their logarithms, and the reason in words.
    ``period``: the frequency's calendar period (None without one)."""
    if transform not in TRANSFORMS:
        raise UsageError(f"{model}: transform must be auto, none or log, got {transform!r}")
    n = len(values)
    if transform == "none":
        return np.zeros(n, dtype=bool), "none"
    if transform == "log":
        for y in values:
            if not np.all(y > 0):
                raise InputError(
                    f"{model}: transform=log needs positive values, found "
                    f"{float(y[~(y > 0)][0]):g}; use --param transform=auto or none"
                )
        return np.ones(n, dtype=bool), "log (transform=log)"
    if n < 2 or period is None or period < MIN_PERIOD:
        why = "one series" if n < 2 else f"calendar period {period or 'none'} < {MIN_PERIOD}"
        return np.zeros(n, dtype=bool), f"none (auto: {why})"
    positive = np.array([bool(np.all(y > 0)) for y in values])
    logs = np.zeros(n, dtype=bool)
    kept = [y for y, ok in zip(values, positive, strict=True) if ok]
    logs[positive] = guerrero_lambdas(kept, period) < LAMBDA_CUT
    return logs, (
        f"log on {int(logs.sum())} of {n} series (auto: positive, Guerrero's lambda < "
        f"{LAMBDA_CUT:g} with subseries of {period})"
    )


def to_model_units(values: np.ndarray, log: bool, what: str) -> np.ndarray:
    """``values`` as the network sees them (their logarithms for a log series); an InputError
    naming ``what`` where a log series meets a value that is not positive."""
    if not log:
        return values
    bad = ~(values > 0) & np.isfinite(values)
    if bad.any():
        raise InputError(
            f"{what}: the model forecasts this series on its logarithms (every training value "
            f"was positive) and got {float(values[bad][0]):g}; refit with --param transform=none"
        )
    return np.log(values)


def from_model_units(values: np.ndarray, log: bool) -> np.ndarray:
    """The inverse of :func:`to_model_units`."""
    return np.exp(values) if log else values


def band(center: np.ndarray, half: np.ndarray, log: bool) -> tuple[np.ndarray, np.ndarray]:
    """The bounds ``center -/+ half`` (model units) in the data's units."""
    return from_model_units(center - half, log), from_model_units(center + half, log)
