"""Quantiles of the linear pool: the weighted mixture of several models' forecast distributions.

The linear pool (Stone 1961; Gneiting & Ranjan 2013) of members with predictive CDFs F_i and
weights w_i is F(x) = sum_i w_i F_i(x). Unlike quantile averaging (the mean of the members'
quantiles), its quantiles widen when the members disagree: the spread between the members'
forecasts counts as uncertainty, which quantile averaging ignores.

The members give quantiles, not CDFs. At each probability p, member i's distribution is taken
as the normal N(m_i, s_i^2) whose p-quantile is the member's own: s_i = |q_i(p) - m_i| /
|z_p| (z_p the standard normal p-quantile, m_i the member's mean). For members with Gaussian
intervals (ARIMA, additive ETS) this is their distribution; for the others (simulated or
multiplicative bounds) it is the normal that agrees with them at p. The mixture's p-quantile is
found by bisection in [min_i q_i(p), max_i q_i(p)], which always holds it (at the smallest
member quantile every F_i <= p, at the largest every F_i >= p), to 2^-60 of that width. A member
with s_i = 0 (a constant forecast) is a point mass. At p = 1/2 the normal gives no s_i and the
quantile is the weighted mean of the members' medians. Where the members' bounds are not
symmetric the normals differ from one probability to the next, so the quantiles are made
non-decreasing in p afterwards (a running maximum in the order of p).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BISECTIONS = 60


def pooled_quantiles(
    means: np.ndarray, quantiles: np.ndarray, probs: Sequence[float], weights: np.ndarray
) -> np.ndarray:
    """The linear pool's quantiles (module docstring).

    Parameters
    ----------
    means : ndarray
        ``[M, ...]``: each member's mean forecast (``[M, horizon]``, or ``[M, origins,
        horizon]`` for forecasts from several origins).
    quantiles : ndarray
        ``[M, P, ...]``: each member's quantiles at ``probs``.
    probs : sequence of float
        P probabilities in (0, 1).
    weights : ndarray
        ``[M]`` non-negative mixture weights summing to 1.

    Returns
    -------
    ndarray
        ``[P, ...]``: the mixture's quantile at each probability and step.
    """
    from scipy.special import ndtr, ndtri

    out = np.empty(quantiles.shape[1:], dtype="float64")
    for j, p in enumerate(probs):
        q = quantiles[:, j, :]  # [M, horizon]
        z = float(ndtri(p))
        if z == 0.0:
            out[j] = np.tensordot(weights, q, axes=1)
            continue
        sd = np.abs(q - means) / abs(z)
        point = sd == 0
        safe = np.where(point, 1.0, sd)
        lo, hi = q.min(axis=0), q.max(axis=0)
        for _ in range(BISECTIONS):
            mid = 0.5 * (lo + hi)
            below = np.where(point, (means <= mid).astype(float), ndtr((mid - means) / safe))
            cdf = np.tensordot(weights, below, axes=1)
            lo, hi = np.where(cdf < p, mid, lo), np.where(cdf < p, hi, mid)
        out[j] = 0.5 * (lo + hi)
    order = np.argsort(np.asarray(probs), kind="stable")
    out[order] = np.maximum.accumulate(out[order], axis=0)
    return out


def pooled_bounds(
    means: np.ndarray, lower: np.ndarray, upper: np.ndarray, level: float, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The linear pool's central ``level`` % interval from the members' own ``[M, ...]``
    bounds at that level (their (1 - L)/2 and (1 + L)/2 quantiles)."""
    tail = (1 - level / 100) / 2
    both = pooled_quantiles(means, np.stack([lower, upper], axis=1), (tail, 1 - tail), weights)
    return both[0], both[1]
