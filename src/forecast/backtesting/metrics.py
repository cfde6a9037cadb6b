"""Forecast accuracy metrics: pure functions of numpy arrays (definitions in REFERENCE.md).

Every metric takes the actuals ``y`` and the forecasts ``f`` (or interval bounds) of one shape,
``[n]`` or ``[n_origins, horizon]``, finite, and returns one float aggregated over all their
elements. Conventions:

* errors are ``f - y`` where a sign matters: :func:`bias` > 0 means the forecasts are too high
  (the "mean error" of Wilks, *Statistical Methods in the Atmospheric Sciences*; R's
  ``Metrics::bias`` uses the opposite sign);
* percentages are in percent (:func:`mape`, :func:`smape`);
* an undefined value is ``nan``, never a division by zero: :func:`mape` when every actual is 0,
  :func:`mase` / :func:`rmsse` when a scale is 0 (a constant training window);
* the scales of :func:`mase` and :func:`rmsse` come from each origin's OWN training data
  (:func:`naive_scale`, :func:`naive_scale_sq`); scaling by the test set's naive error is a
  known bug (REFERENCE.md, Hyndman & Koehler 2006).

``axis=1`` on a 2-D input gives one value per origin (row) instead of one over everything (the
backtest engine scores hundreds of walk-forward origins in one call that way).
"""

from __future__ import annotations

import numpy as np

from forecast.errors import InputError, UsageError


def _array(name: str, values: np.ndarray) -> np.ndarray:
    out = np.asarray(values, dtype=np.float64)
    if out.ndim not in (1, 2) or out.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D or 2-D array, got shape {out.shape}")
    if not np.isfinite(out).all():
        raise ValueError(f"{name} must be finite (no NaN or inf): drop or fill those points")
    return out


def _same(y: np.ndarray, **others: np.ndarray) -> tuple[np.ndarray, ...]:
    actual = _array("y", y)
    out = [actual]
    for name, values in others.items():
        arr = _array(name, values)
        if arr.shape != actual.shape:
            raise ValueError(f"{name} has shape {arr.shape}, y has shape {actual.shape}")
        out.append(arr)
    return tuple(out)


def _scales(name: str, scale: float | np.ndarray, y: np.ndarray) -> np.ndarray:
    """A scalar, or one scale per row of a 2-D ``y``, shaped to broadcast against ``y``."""
    arr = np.asarray(scale, dtype=np.float64)
    if not (np.isfinite(arr).all() and (arr >= 0).all()):
        raise ValueError(f"{name} must be finite and >= 0, got {scale!r}")
    if arr.ndim == 0:
        return arr
    if y.ndim == 2 and arr.shape == (y.shape[0],):
        return arr[:, None]  # [n_origins, 1]
    raise ValueError(
        f"{name} must be a scalar or have one value per row of y ({y.shape[0]} rows for "
        f"y of shape {y.shape}), got shape {arr.shape}"
    )


Axis = int | None
Value = float | np.ndarray  # a float, or one value per row with axis=1


def _out(value: np.ndarray | np.floating) -> Value:
    return value if isinstance(value, np.ndarray) and value.ndim else float(value)


def mae(y: np.ndarray, f: np.ndarray, axis: Axis = None) -> Value:
    """Mean absolute error, ``mean |f - y|``."""
    y, f = _same(y, f=f)
    return _out(np.mean(np.abs(f - y), axis=axis))


def rmse(y: np.ndarray, f: np.ndarray, axis: Axis = None) -> Value:
    """Root mean squared error, ``sqrt(mean (f - y)^2)``."""
    y, f = _same(y, f=f)
    return _out(np.sqrt(np.mean((f - y) ** 2, axis=axis)))


def bias(y: np.ndarray, f: np.ndarray, axis: Axis = None) -> Value:
    """Mean error, forecast minus actual: ``mean (f - y)``; positive = forecasts too high."""
    y, f = _same(y, f=f)
    return _out(np.mean(f - y, axis=axis))


def n_zero_actuals(y: np.ndarray) -> int:
    """How many actuals are 0: the points :func:`mape` leaves out."""
    return int(np.count_nonzero(_array("y", y) == 0))


def mape(y: np.ndarray, f: np.ndarray, axis: Axis = None) -> Value:
    """Mean absolute percentage error, ``100 * mean |f - y| / |y|`` over the points with
    ``y != 0`` (the others are left out; :func:`n_zero_actuals` counts them); ``nan`` when
    every actual is 0."""
    y, f = _same(y, f=f)
    keep = y != 0
    ape = np.divide(np.abs(f - y), np.abs(y), out=np.zeros_like(y), where=keep)
    count = np.count_nonzero(keep, axis=axis)
    total = np.sum(ape, axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _out(np.where(count > 0, 100.0 * total / np.maximum(count, 1), np.nan))


def smape(y: np.ndarray, f: np.ndarray, axis: Axis = None) -> Value:
    """Symmetric MAPE as in the M4 competition: ``200 * mean |y - f| / (|y| + |f|)``, in
    percent (0 to 200), a point with ``y = f = 0`` counting as 0."""
    y, f = _same(y, f=f)
    num = np.abs(y - f)
    den = np.abs(y) + np.abs(f)
    ratio = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    return _out(200.0 * np.mean(ratio, axis=axis))


def naive_scale(train: np.ndarray, m: int = 1) -> float:
    """MASE scale of one origin: ``mean |y_t - y_{t-m}|`` over its training data (the
    in-sample seasonal-naive MAE, Hyndman & Koehler 2006; ``m = 1`` when non-seasonal)."""
    diffs = _naive_diffs(train, m)
    return float(np.mean(np.abs(diffs)))


def naive_scale_sq(train: np.ndarray, m: int = 1) -> float:
    """RMSSE scale of one origin: ``mean (y_t - y_{t-m})^2`` over its training data."""
    diffs = _naive_diffs(train, m)
    return float(np.mean(diffs**2))


def _naive_diffs(train: np.ndarray, m: int) -> np.ndarray:
    if isinstance(m, bool) or not isinstance(m, int | np.integer) or m < 1:
        raise UsageError(f"seasonal period m must be a whole number >= 1, got {m!r}")
    values = np.asarray(train, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"train must be 1-D, got shape {values.shape}")
    if values.size <= m:
        raise InputError(
            f"the MASE/RMSSE scale needs more than m={m} training observations, got "
            f"{values.size}: use a longer training window or a smaller seasonal period"
        )
    if not np.isfinite(values).all():
        raise ValueError("train must be finite (no NaN or inf)")
    return values[m:] - values[:-m]  # [T - m]


def mase(y: np.ndarray, f: np.ndarray, scale: float | np.ndarray, axis: Axis = None) -> Value:
    """Mean absolute scaled error, ``mean |f - y| / scale``.

    ``scale`` is :func:`naive_scale` of the origin's training data: a scalar, or for 2-D
    ``[n_origins, horizon]`` arrays one value per origin (row). ``nan`` when a scale is 0.
    """
    y, f = _same(y, f=f)
    s = _scales("scale", scale, y)
    return _scaled_mean(np.abs(f - y), s, axis)


def _scaled_mean(values: np.ndarray, s: np.ndarray, axis: Axis) -> Value:
    """mean(values / s), ``nan`` where a scale is 0 (everywhere when pooled over all points)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(
            np.broadcast_to(s, values.shape) > 0, values / np.where(s > 0, s, 1), np.nan
        )
    if axis is None:
        return float("nan") if (s == 0).any() else float(np.mean(ratio))
    return _out(np.mean(ratio, axis=axis))


def rmsse(y: np.ndarray, f: np.ndarray, scale_sq: float | np.ndarray, axis: Axis = None) -> Value:
    """Root mean squared scaled error, ``sqrt(mean (f - y)^2 / scale_sq)`` (M5).

    ``scale_sq`` is :func:`naive_scale_sq` of the origin's training data: a scalar, or one
    value per origin (row) of 2-D arrays, each squared error divided by its origin's scale
    before the mean (for one origin this is the M5 RMSSE). ``nan`` when a scale is 0.
    """
    y, f = _same(y, f=f)
    s = _scales("scale_sq", scale_sq, y)
    return _out(np.sqrt(_scaled_mean((f - y) ** 2, s, axis)))


def _bounds(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, ...]:
    y, lo, hi = _same(y, lo=lo, hi=hi)
    if (lo > hi).any():
        raise ValueError("interval bounds cross: lo > hi at some points")
    return y, lo, hi


def coverage(y: np.ndarray, lo: np.ndarray, hi: np.ndarray, axis: Axis = None) -> Value:
    """Share of actuals inside their interval, ``mean 1{lo <= y <= hi}`` (0 to 1)."""
    y, lo, hi = _bounds(y, lo, hi)
    return _out(np.mean((lo <= y) & (y <= hi), axis=axis))


def winkler(
    y: np.ndarray, lo: np.ndarray, hi: np.ndarray, level: float, axis: Axis = None
) -> Value:
    """Mean Winkler (interval) score of ``level`` % intervals, with ``alpha = 1 - level/100``:
    ``(hi - lo) + (2/alpha)(lo - y) 1{y < lo} + (2/alpha)(y - hi) 1{y > hi}``. Lower is better.
    """
    if not 0 < level < 100:
        raise UsageError(f"level must be a percentage between 0 and 100, got {level:g}")
    y, lo, hi = _bounds(y, lo, hi)
    alpha = 1.0 - level / 100.0
    below = np.clip(lo - y, 0.0, None)  # (lo - y) 1{y < lo}
    above = np.clip(y - hi, 0.0, None)  # (y - hi) 1{y > hi}
    return _out(np.mean((hi - lo) + (2.0 / alpha) * (below + above), axis=axis))
