"""Probabilistic forecast metrics: pinball, scaled pinball (M5 SPL), CRPS, MSIS, coverage.

Pure, vectorised functions of numpy arrays. Shapes (``...`` = any leading axes, usually one per
series, or none for a single series):

* actuals ``y``: ``[..., H]`` (H = horizon);
* quantile forecasts: ``[..., H, L]`` with the ``L`` quantile levels in ``quantiles``;
* sample paths: ``[..., H, M]`` (M samples of each point);
* interval bounds for :func:`coverage` / :func:`mean_interval_width`: ``[..., H, L]`` (one
  interval per nominal level), for :func:`msis`: ``[..., H]`` (one level ``1 - alpha``);
* scales: a scalar or ``[...]`` (one per series), from :func:`seasonal_naive_scales`.

Element-wise scores (:func:`pinball_loss`, :func:`crps_from_samples`,
:func:`crps_from_quantiles`) keep every axis; the scaled ones and the interval summaries average
over the horizon. Every input must be finite; a zero scale (a constant history) gives ``nan``
as in :mod:`forecast.backtesting.metrics`.

References
----------
Gneiting, T. & Raftery, A. E. (2007). Strictly proper scoring rules, prediction, and
estimation. JASA 102(477), 359-378.
Laio, F. & Tamea, S. (2007). Verification tools for probabilistic forecasts of continuous
hydrological variables. HESS 11, 1267-1277 (CRPS as the integral of the pinball loss).
Ferro, C. A. T. (2014). Fair scores for ensemble forecasts. QJRMS 140, 1917-1923.
Makridakis, S., Spiliotis, E. & Assimakopoulos, V. (2020). The M4 competition. IJF 36, 54-74
(MSIS); (2022) M5 accuracy competition, IJF 38, 1346-1364 (SPL).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from forecast.backtesting import metrics

CrpsEstimator = Literal["plain", "fair"]


def _finite(name: str, values: np.ndarray, min_ndim: int) -> np.ndarray:
    out = np.asarray(values, dtype=np.float64)
    if out.ndim < min_ndim or out.size == 0:
        raise ValueError(
            f"{name} must be a non-empty array with at least {min_ndim} axes, got {out.shape}"
        )
    if not np.isfinite(out).all():
        raise ValueError(f"{name} must be finite (no NaN or inf): drop or fill those points")
    return out


def _levels(quantiles: Sequence[float] | np.ndarray) -> np.ndarray:
    q = np.asarray(quantiles, dtype=np.float64)
    if q.ndim != 1 or q.size == 0 or not ((q > 0) & (q < 1)).all():
        raise ValueError(f"quantiles must be a non-empty list of levels in (0, 1), got {q}")
    return q


def _with_trailing(
    y: np.ndarray, name: str, values: np.ndarray, width: int | None = None
) -> np.ndarray:
    """``values`` shaped ``y.shape + (K,)`` (K = ``width`` when given)."""
    arr = _finite(name, values, 1)
    if arr.shape[:-1] != y.shape or (width is not None and arr.shape[-1] != width):
        want = f"{(*y.shape, width)}" if width is not None else f"{y.shape} + (K,)"
        raise ValueError(f"{name} has shape {arr.shape}, expected {want} for y of shape {y.shape}")
    return arr


def _scale(scale: float | np.ndarray, lead_shape: tuple[int, ...]) -> np.ndarray:
    s = np.asarray(scale, dtype=np.float64)
    if not (np.isfinite(s).all() and (s >= 0).all()):
        raise ValueError(f"scale must be finite and >= 0, got {scale!r}")
    if s.ndim and s.shape != lead_shape:
        raise ValueError(f"scale must be a scalar or have shape {lead_shape}, got {s.shape}")
    return s


def _divide(values: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``values / scale`` over the leading axes; ``nan`` where the scale is 0."""
    s = np.broadcast_to(
        scale.reshape(scale.shape + (1,) * (values.ndim - scale.ndim)), values.shape
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s > 0, values / np.where(s > 0, s, 1.0), np.nan)


def seasonal_naive_scales(
    histories: Sequence[np.ndarray] | np.ndarray, season: int = 1
) -> np.ndarray:
    r"""In-sample seasonal-naive mean absolute error of each series (the MASE scale).

    .. math:: s = \frac{1}{T - m} \sum_{t=m+1}^{T} |y_t - y_{t-m}|

    Parameters
    ----------
    histories : sequence of 1-D arrays, or a 2-D array ``[n_series, T]``
        The training data of each series (of the origin being scored: never the test window).
    season : int
        The lag ``m``; 1 (the naive forecast) is M5's SPL scale and M4's MASE for annual data.

    Returns
    -------
    numpy.ndarray
        ``[n_series]`` scales (0 for a constant history: the scaled scores are then ``nan``).
    """
    return np.array(
        [metrics.naive_scale(np.asarray(h), season) for h in histories], dtype=np.float64
    )


def pinball_loss(
    y: np.ndarray, quantile_forecasts: np.ndarray, quantiles: Sequence[float] | np.ndarray
) -> np.ndarray:
    r"""Pinball (quantile) loss of each quantile forecast, element by element.

    .. math:: \rho_\tau(y, q) = \max\{\tau (y - q),\ (\tau - 1)(y - q)\}

    Parameters
    ----------
    y : numpy.ndarray
        Actuals ``[..., H]``.
    quantile_forecasts : numpy.ndarray
        ``[..., H, L]``: the forecast of level ``quantiles[l]`` in ``[..., l]``.
    quantiles : sequence of float
        The ``L`` levels, each in (0, 1).

    Returns
    -------
    numpy.ndarray
        ``[..., H, L]`` losses (>= 0). At ``tau = 0.5`` this is half the absolute error.
    """
    actual = _finite("y", y, 1)
    q = _levels(quantiles)
    fq = _with_trailing(actual, "quantile_forecasts", quantile_forecasts, q.size)
    diff = actual[..., None] - fq  # [..., H, L]
    return np.maximum(q * diff, (q - 1.0) * diff)


def scaled_pinball_loss(
    y: np.ndarray,
    quantile_forecasts: np.ndarray,
    quantiles: Sequence[float] | np.ndarray,
    scale: float | np.ndarray,
) -> np.ndarray:
    r"""Scaled pinball loss per series and level, as M5's SPL (Makridakis et al. 2022).

    .. math:: \mathrm{SPL}(\tau) = \frac{1}{H} \sum_{t=1}^{H} \rho_\tau(y_t, q_t(\tau)) / s

    with ``s`` the in-sample mean absolute seasonal-naive difference of the series
    (:func:`seasonal_naive_scales`; M5 used ``season = 1``, the naive forecast).

    Returns
    -------
    numpy.ndarray
        ``[..., L]``; ``nan`` where the scale is 0.
    """
    loss = pinball_loss(y, quantile_forecasts, quantiles).mean(axis=-2)  # [..., L]
    return _divide(loss, _scale(scale, loss.shape[:-1]))


def crps_from_samples(
    y: np.ndarray, samples: np.ndarray, *, estimator: CrpsEstimator = "plain"
) -> np.ndarray:
    r"""CRPS of sample paths by the energy form, element by element.

    .. math::
        \mathrm{CRPS}(F, y) = \frac{1}{M}\sum_i |x_i - y|
            - \frac{1}{2 M^2}\sum_{i,j} |x_i - x_j|      \quad \text{(plain)}

        \mathrm{CRPS}_\mathrm{fair}(F, y) = \frac{1}{M}\sum_i |x_i - y|
            - \frac{1}{2 M (M - 1)}\sum_{i,j} |x_i - x_j| \quad \text{(fair)}

    ``"plain"`` is the exact CRPS of the samples' empirical distribution (scoringrules'
    ``estimator="nrg"``; its default ``"qd"`` gives the same number); ``"fair"`` (Ferro 2014,
    scoringrules' ``"fair"``) is unbiased for the CRPS of the distribution the M samples were
    drawn from, and can be negative by a little when M is small. The pair sum is computed from
    the gaps of the sorted samples, ``sum_{i<j}|x_i - x_j| = sum_k k (M - k) (x_(k+1) - x_(k))``
    (non-negative terms, exactly 0 for equal samples): O(M log M).

    Parameters
    ----------
    y : numpy.ndarray
        Actuals ``[..., H]``.
    samples : numpy.ndarray
        ``[..., H, M]`` draws of each point (M >= 1; the fair estimator needs M >= 2).
    estimator : {"plain", "fair"}
        Which estimator (see above).

    Returns
    -------
    numpy.ndarray
        ``[..., H]``.
    """
    if estimator not in ("plain", "fair"):
        raise ValueError(f"estimator must be 'plain' or 'fair', got {estimator!r}")
    actual = _finite("y", y, 1)
    x = np.sort(_with_trailing(actual, "samples", samples), axis=-1)  # [..., H, M]
    m = x.shape[-1]
    if estimator == "fair" and m < 2:
        raise ValueError("the fair CRPS needs at least 2 samples per point, got 1")
    k = np.arange(1, m, dtype=np.float64)
    spread = np.diff(x, axis=-1) @ (k * (m - k))  # sum_{i<j} |x_i - x_j|, [..., H]
    accuracy = np.abs(x - actual[..., None]).mean(axis=-1)
    pairs = m * m if estimator == "plain" else m * (m - 1)
    return accuracy - spread / pairs


def crps_from_quantiles(
    y: np.ndarray, quantile_forecasts: np.ndarray, quantiles: Sequence[float] | np.ndarray
) -> np.ndarray:
    r"""CRPS approximated from quantile forecasts by the quantile decomposition.

    .. math::
        \mathrm{CRPS}(F, y) = 2 \int_0^1 \rho_\tau(y, F^{-1}(\tau))\, d\tau
            \approx \frac{2}{L} \sum_{l=1}^{L} \rho_{\tau_l}(y, q_l)

    (Laio & Tamea 2007). The sum is the midpoint rule of the integral on the equispaced grid
    ``tau_l = (l - 1/2) / L``; on any other grid (e.g. 0.1, 0.5, 0.9) it is the usual
    "2 x mean pinball" approximation (neuralforecast's and utilsforecast's), not the CRPS. On
    the midpoint grid it converges to the exact CRPS as L grows (for an M-point empirical
    distribution the error is at most ``2 (M - 1) max_i |x_i - y| / L``, and 0 when L is a
    multiple of M).

    Returns
    -------
    numpy.ndarray
        ``[..., H]``.
    """
    return 2.0 * pinball_loss(y, quantile_forecasts, quantiles).mean(axis=-1)


def scaled_crps(crps: np.ndarray, scale: float | np.ndarray) -> np.ndarray:
    r"""Scaled CRPS per series: the mean CRPS over the horizon divided by the series' scale.

    .. math:: \mathrm{sCRPS} = \frac{1}{H} \sum_{t=1}^{H} \mathrm{CRPS}_t / s

    ``s`` is the in-sample mean absolute seasonal-naive error (:func:`seasonal_naive_scales`),
    as for MASE and SPL, so a scaled CRPS of 1 matches the in-sample naive MAE (the CRPS of a
    point forecast is its absolute error). This differs from utilsforecast's ``scaled_crps``,
    which divides by the sum of ``|y|`` over the test window.

    Parameters
    ----------
    crps : numpy.ndarray
        ``[..., H]`` from :func:`crps_from_samples` or :func:`crps_from_quantiles`.
    scale : float or numpy.ndarray
        A scalar or ``[...]``.

    Returns
    -------
    numpy.ndarray
        ``[...]``; ``nan`` where the scale is 0.
    """
    mean = _finite("crps", crps, 1).mean(axis=-1)
    return _divide(mean, _scale(scale, mean.shape))


def msis(
    y: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    alpha: float,
    scale: float | np.ndarray,
) -> np.ndarray:
    r"""Mean scaled interval score of ``(1 - alpha)`` intervals, as in the M4 competition.

    .. math::
        \mathrm{MSIS} = \frac{1}{h} \sum_{t=n+1}^{n+h} \Big[(U_t - L_t)
            + \tfrac{2}{\alpha}(L_t - Y_t)\mathbf{1}\{Y_t < L_t\}
            + \tfrac{2}{\alpha}(Y_t - U_t)\mathbf{1}\{Y_t > U_t\}\Big]
            \Big/ \frac{1}{n - m}\sum_{t=m+1}^{n} |Y_t - Y_{t-m}|

    (Makridakis et al. 2020, eq. for MSIS; M4 used ``alpha = 0.05`` and the seasonal period m
    of the data's frequency). ``scale`` is that denominator: :func:`seasonal_naive_scales`.

    Parameters
    ----------
    y, lower, upper : numpy.ndarray
        ``[..., H]`` each, ``lower <= upper``.
    alpha : float
        In (0, 1): the intervals' nominal coverage is ``1 - alpha``.
    scale : float or numpy.ndarray
        A scalar or ``[...]``.

    Returns
    -------
    numpy.ndarray
        ``[...]``; ``nan`` where the scale is 0.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    actual = _finite("y", y, 1)
    lo = _finite("lower", lower, 1)
    hi = _finite("upper", upper, 1)
    if lo.shape != actual.shape or hi.shape != actual.shape:
        raise ValueError(
            f"lower {lo.shape} and upper {hi.shape} must have y's shape {actual.shape}"
        )
    horizon = actual.shape[-1]
    score = metrics.winkler(
        actual.reshape(-1, horizon),
        lo.reshape(-1, horizon),
        hi.reshape(-1, horizon),
        100.0 * (1.0 - alpha),
        axis=1,
    )
    per_series = np.asarray(score, dtype=np.float64).reshape(actual.shape[:-1])
    return _divide(per_series, _scale(scale, per_series.shape))


def _interval_set(
    y: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    actual = _finite("y", y, 1)
    lo = _with_trailing(actual, "lower", lower)
    hi = _with_trailing(actual, "upper", upper)
    if lo.shape != hi.shape:
        raise ValueError(f"lower has shape {lo.shape}, upper has shape {hi.shape}")
    if (lo > hi).any():
        raise ValueError("interval bounds cross: lower > upper at some points")
    return actual, lo, hi


def coverage(y: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    r"""Empirical coverage of each level's intervals over the horizon, ``mean 1{L <= y <= U}``.

    Parameters
    ----------
    y : numpy.ndarray
        ``[..., H]``.
    lower, upper : numpy.ndarray
        ``[..., H, L]``: the bounds of the ``L`` nominal levels' intervals.

    Returns
    -------
    numpy.ndarray
        ``[..., L]`` shares in [0, 1] (for nested intervals, non-decreasing in the level).
    """
    actual, lo, hi = _interval_set(y, lower, upper)
    inside = (lo <= actual[..., None]) & (actual[..., None] <= hi)  # [..., H, L]
    return inside.mean(axis=-2)


def mean_interval_width(y: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Mean width ``U - L`` of each level's intervals over the horizon.

    Same shapes as :func:`coverage` (``y`` fixes the horizon axis and is checked, not used).

    Returns
    -------
    numpy.ndarray
        ``[..., L]``.
    """
    _, lo, hi = _interval_set(y, lower, upper)
    return (hi - lo).mean(axis=-2)
