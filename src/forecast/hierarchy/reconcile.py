r"""Forecast reconciliation: make base forecasts of every node of a hierarchy add up.

Every function takes base forecasts ``[n, ...]``: one row per node in the hierarchy's order
(:class:`~forecast.hierarchy.structure.Hierarchy`, bottom series last) and any trailing axes
(horizon; horizon and sample), and returns coherent forecasts of the same shape, computed as
``S @ bottom`` so that every aggregate equals the sum of its bottom series to rounding.

Methods (``reconcile(method=...)``):

``bottom-up``
    The bottom series' base forecasts, summed up (Orcutt et al. 1968): exact on sample paths.
``top-down``
    The top forecast split down level by level in the proportions of the base forecasts
    ("forecast proportions", Athanasopoulos, Ahmed & Hyndman 2009; hierarchicalforecast's
    ``TopDown("forecast_proportions")``): child = base child x reconciled parent / sum of the
    base forecasts of its siblings and itself (an equal split when that sum is below 1e-8 in
    absolute value, as hierarchicalforecast). Proportions are taken point by point (each
    horizon step, each sample path).
``middle-out``
    The base forecasts of one level kept; top-down by forecast proportions below it, bottom-up
    above it (hierarchicalforecast's ``MiddleOut``).
``mint-ols``, ``mint-wls-struct``, ``mint-shrink``
    Trace minimisation (Wickramasuriya, Athanasopoulos & Hyndman 2019): the bottom forecasts
    ``P y`` with :math:`P = (S^\top W^{-1} S)^{-1} S^\top W^{-1}`, for W the identity (ols),
    ``diag(S 1)`` (wls_struct: the number of bottom series under each node), or the in-sample
    one-step residual covariance shrunk to its diagonal (mint_shrink, Schäfer & Strimmer 2005;
    see :func:`shrunk_covariance`). Computed in the equivalent form of hierarchicalforecast,

    .. math:: P y = y_b - J W U (U^\top W U)^{-1} U^\top y, \qquad
              U^\top = [I_a \;\; -A], \quad J = [0 \;\; I_b],

    which solves an ``a x a`` system (a = number of aggregate nodes) instead of inverting W.
    A sample path is projected with the same P (a linear map: the mean of the projected paths
    is the projection of their mean).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np
from scipy import linalg, sparse

from forecast.errors import InputError
from forecast.hierarchy.structure import Hierarchy

Method = Literal[
    "bottom-up", "top-down", "middle-out", "mint-ols", "mint-wls-struct", "mint-shrink"
]
METHODS: tuple[str, ...] = (
    "bottom-up",
    "top-down",
    "middle-out",
    "mint-ols",
    "mint-wls-struct",
    "mint-shrink",
)
MintMethod = Literal["ols", "wls_struct", "mint_shrink"]
_MINT: dict[str, MintMethod] = {
    "mint-ols": "ols",
    "mint-wls-struct": "wls_struct",
    "mint-shrink": "mint_shrink",
}
ZERO_SUM = 1e-8  # hierarchicalforecast's threshold for an equal split in top-down
RIDGE = 2e-8  # hierarchicalforecast's default mint_shr_ridge
EPS = 2e-8  # hierarchicalforecast's epsilon in the shrinkage intensity


GAUSSIAN_PATHS = (
    "reconciled Gaussian paths: each node's base mean and the sd its widest band implies, "
    "independent across nodes (an approximation)"
)


def gaussian_paths(
    mean: np.ndarray,
    lower: np.ndarray | None,
    upper: np.ndarray | None,
    level: float | None,
    n: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """``n`` Gaussian paths ``[..., n]`` around ``mean``, with the sd its ``level`` % band
    ``(lower, upper)`` implies (no band: sd 0): the base forecasts whose reconciled paths give
    the reconciled intervals (:data:`GAUSSIAN_PATHS`)."""
    if level is None or lower is None or upper is None:
        sd = np.zeros_like(mean)
    else:
        sd = (upper - lower) / (2 * NormalDist().inv_cdf(0.5 + level / 200))
    return mean[..., None] + np.nan_to_num(sd)[..., None] * rng.standard_normal((*mean.shape, n))


def path_bands(
    paths: np.ndarray, levels: Sequence[float]
) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """The central ``level`` % band of each level from paths ``[..., n]`` (their quantiles)."""
    out = {}
    for level in levels:
        tail = (100 - level) / 200
        lo, hi = np.quantile(paths, [tail, 1 - tail], axis=-1)
        out[level] = (lo, hi)
    return out


def method_name(method: str, level: str | None = None) -> str:
    """A method as the CLI names it: ``middle-out:region`` with its level, else the method."""
    return f"{method}:{level}" if level is not None else method


def _base(hierarchy: Hierarchy, base: np.ndarray, name: str = "base") -> np.ndarray:
    values = np.asarray(base, dtype=np.float64)
    if values.ndim == 0 or values.shape[0] != hierarchy.n_nodes:
        raise ValueError(
            f"{name} must have {hierarchy.n_nodes} rows (one per node), got shape {values.shape}"
        )
    if not np.isfinite(values).all():
        raise ValueError(f"{name} must be finite (no NaN or inf): forecast every node first")
    return values


def _residual_rows(hierarchy: Hierarchy, residuals: np.ndarray) -> np.ndarray:
    values = np.asarray(residuals, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] != hierarchy.n_nodes:
        raise ValueError(
            f"residuals must be [{hierarchy.n_nodes}, T] (one row per node), got {values.shape}"
        )
    return values


def bottom_up(hierarchy: Hierarchy, base: np.ndarray) -> np.ndarray:
    """Bottom-up reconciliation: ``S @ base[bottom]``.

    Parameters
    ----------
    hierarchy : Hierarchy
        The tree and its summing matrix.
    base : numpy.ndarray
        ``[n, ...]`` base forecasts (only the bottom rows are used).

    Returns
    -------
    numpy.ndarray
        ``[n, ...]`` coherent forecasts.
    """
    return hierarchy.aggregate(_base(hierarchy, base)[hierarchy.bottom])


def _split_down(hierarchy: Hierarchy, flat: np.ndarray, start: int) -> np.ndarray:
    """Forecast proportions from level ``start`` down: the bottom rows ``[b, K]``."""
    starts = hierarchy.level_starts
    current = flat[starts[start] : starts[start + 1]]  # reconciled values of the upper level
    for k in range(start + 1, len(hierarchy.level_names)):
        rows = np.arange(starts[k], starts[k + 1])
        parent = hierarchy.parents[rows] - starts[k - 1]  # position in the upper level
        n_upper = starts[k] - starts[k - 1]
        members = sparse.csr_matrix(
            (np.ones(rows.size), (parent, np.arange(rows.size))), shape=(n_upper, rows.size)
        )
        child = flat[rows]  # [children, K]
        sums = np.asarray(members @ child)[parent]  # each child's family sum
        counts = np.bincount(parent, minlength=n_upper)[parent][:, None]
        up = current[parent]
        small = np.abs(sums) < ZERO_SUM
        current = np.where(small, up / counts, child * up / np.where(small, 1.0, sums))
    return current


def top_down(hierarchy: Hierarchy, base: np.ndarray) -> np.ndarray:
    """Top-down reconciliation by forecast proportions (see the module's notes).

    Parameters
    ----------
    hierarchy : Hierarchy
        The tree (one root).
    base : numpy.ndarray
        ``[n, ...]`` base forecasts.

    Returns
    -------
    numpy.ndarray
        ``[n, ...]`` coherent forecasts; the root keeps its base forecast.
    """
    return middle_out(hierarchy, base, 0)


def middle_out(hierarchy: Hierarchy, base: np.ndarray, level: str | int) -> np.ndarray:
    """Middle-out reconciliation: keep ``level``, forecast proportions below, sums above.

    Parameters
    ----------
    hierarchy : Hierarchy
        The tree.
    base : numpy.ndarray
        ``[n, ...]`` base forecasts.
    level : str or int
        A level's name (``region``, ``level_1``) or position (0 = top: top-down; the last:
        bottom-up).

    Returns
    -------
    numpy.ndarray
        ``[n, ...]`` coherent forecasts.
    """
    values = _base(hierarchy, base)
    flat = values.reshape(hierarchy.n_nodes, -1)
    bottom = _split_down(hierarchy, flat, hierarchy.level_index(level))
    return hierarchy.aggregate(bottom).reshape(values.shape)


def shrunk_covariance(residuals: np.ndarray, ridge: float = RIDGE) -> np.ndarray:
    r"""Schäfer-Strimmer shrinkage of the residual covariance towards its diagonal.

    As hierarchicalforecast's ``_shrunk_covariance_schaferstrimmer_no_nans`` (its C++ core,
    version 1.5): with the centred residuals :math:`x_{ik}` of node i at time k (T times),
    :math:`\tilde x_{ik} = x_{ik} / (\hat\sigma_i + \epsilon)` (population sd,
    :math:`\epsilon = 2 \cdot 10^{-8}`), :math:`w_{ijk} = \tilde x_{ik} \tilde x_{jk}` and
    :math:`\bar w_{ij}` their mean over k,

    .. math::
        \lambda = \frac{1}{T (T - 1)} \frac{\sum_{i > j} \sum_k (w_{ijk} - \bar w_{ij})^2}
                                             {\sum_{i > j} \bar w_{ij}^2 + \epsilon},
        \qquad
        W_{ij} = (1 - \min(\max(\lambda, 0), 1))\, \hat\Sigma_{ij} \ (i \ne j), \quad
        W_{ii} = \max(\hat\Sigma_{ii}, \text{ridge}),

    with :math:`\hat\Sigma` the sample covariance (divisor T - 1). This is Schäfer & Strimmer's
    (2005) target D (zero correlations, own variances) intensity.

    Missing residuals (NaN: a model's first ``lookback`` points have no one-step forecast) are
    handled as hierarchicalforecast's ``_shrunk_covariance_schaferstrimmer_with_nans`` does:
    every pair (i, j) uses the times both have (pairwise complete, k of them): its means,
    population sds and :math:`w_{ijk}` over those times, its covariance with divisor k - 1, a
    variance over each node's own times, and the intensity
    :math:`\sum_{i>j} \frac{k}{(k-1)^3} \sum (w - \bar w)^2 \,/\,
    (\sum_{i>j} (\frac{k}{k-1} \bar w)^2 + \epsilon)` (with no NaN: the formula above,
    but for where epsilon enters).

    Parameters
    ----------
    residuals : numpy.ndarray
        ``[n, T]`` in-sample one-step residuals (actual - fitted) of every node, NaN where
        there is none; every pair of nodes needs two times in common.
    ridge : float
        The smallest diagonal value (hierarchicalforecast's ``mint_shr_ridge``).

    Returns
    -------
    numpy.ndarray
        ``[n, n]`` symmetric covariance.
    """
    x = np.asarray(residuals, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] < 2 or np.isinf(x).any():
        raise ValueError(f"residuals must be [n_nodes, T >= 2] without inf, got shape {x.shape}")
    if np.isnan(x).any():
        return _pairwise_shrunk(x, ridge)
    t = x.shape[1]
    x = x - x.mean(axis=1, keepdims=True)
    cov = (x @ x.T) / (t - 1)
    scaled = x / (np.sqrt((x * x).mean(axis=1, keepdims=True)) + EPS)
    mean_w = (scaled @ scaled.T) / t  # [n, n]
    squares = scaled * scaled
    var_w = squares @ squares.T - t * mean_w * mean_w  # sum_k (w_ijk - mean)^2
    # sums over the pairs i > j of symmetric matrices: (everything - the diagonal) / 2
    pairs_var = (var_w.sum() - np.trace(var_w)) / 2.0
    pairs_sq = ((mean_w * mean_w).sum() - (np.diag(mean_w) ** 2).sum()) / 2.0
    intensity = pairs_var / (t * (t - 1)) / (pairs_sq + EPS)
    shrunk = (1.0 - min(max(intensity, 0.0), 1.0)) * cov
    np.fill_diagonal(shrunk, np.maximum(np.diag(cov), ridge))
    return shrunk


def _pairwise_shrunk(residuals: np.ndarray, ridge: float) -> np.ndarray:
    """:func:`shrunk_covariance` on the pairwise complete times (residuals with NaN): every
    pair's sums over the times both nodes have, as products of the masked matrices."""
    mask = ~np.isnan(residuals)
    own = np.nanmean(np.where(mask, residuals, np.nan), axis=1, keepdims=True)
    m = mask.astype(np.float64)
    x = np.where(mask, residuals - own, 0.0)  # centred on its own mean: small pair means
    x2 = x * x
    k = m @ m.T  # times in common
    if (k < 2).any():
        raise InputError(
            "mint-shrink: two nodes share fewer than 2 in-sample residuals; use a longer "
            "series, a model with a shorter lookback, or another method"
        )
    s1 = x @ m.T  # sum of x_i over the times j has
    p = s1 / k  # pair mean of i
    q = p.T  # pair mean of j
    a11 = x @ x.T
    cross = a11 - k * p * q  # sum (x_i - p)(x_j - q)
    a20 = x2 @ m.T
    sd_i = np.sqrt(np.maximum(a20 - k * p * p, 0.0) / k) + EPS
    denom = sd_i * sd_i.T
    mean_w = cross / (k * denom)
    a21 = x2 @ x.T
    # sum (x_i - p)^2 (x_j - q)^2, expanded into the masked products
    fourth = x2 @ x2.T - 2 * q * a21 + q * q * a20 - 2 * p * a21.T + 4 * p * q * a11
    fourth += p * p * a20.T - 2 * p * q * (q * s1 + p * s1.T) + (p * q) ** 2 * k
    var_w = fourth / (denom * denom) - k * mean_w * mean_w
    lower = np.tril(np.ones_like(k, dtype=bool), -1)  # the pairs i > j
    num = (var_w * k / (k - 1) ** 3)[lower].sum()
    den = ((k / (k - 1) * mean_w) ** 2)[lower].sum()
    intensity = num / (den + EPS)
    shrunk = (1.0 - min(max(intensity, 0.0), 1.0)) * cross / (k - 1)
    np.fill_diagonal(shrunk, np.maximum(np.diag(cross) / (np.diag(k) - 1), ridge))
    return shrunk


@dataclass(frozen=True, eq=False)
class MintProjection:
    """A MinT reconciliation: bottom = ``y_b - gain @ (y_a - A @ y_b)``.

    Attributes
    ----------
    hierarchy : Hierarchy
        The tree.
    gain : numpy.ndarray
        ``[b, a]``: ``J W U (U' W U)^{-1}``.
    """

    hierarchy: Hierarchy
    gain: np.ndarray

    def bottom(self, base: np.ndarray) -> np.ndarray:
        """The reconciled bottom forecasts ``P @ base``, ``[b, ...]``."""
        h = self.hierarchy
        values = _base(h, base)
        flat = values.reshape(h.n_nodes, -1)
        a = h.n_nodes - h.n_bottom
        y_b = flat[a:]
        incoherence = flat[:a] - h.summing[:a] @ y_b  # U' y, [a, K]
        return (y_b - self.gain @ incoherence).reshape((h.n_bottom, *values.shape[1:]))

    def apply(self, base: np.ndarray) -> np.ndarray:
        """The reconciled forecasts of every node, ``S @ P @ base``, ``[n, ...]``."""
        return self.hierarchy.aggregate(self.bottom(base))

    def matrix(self) -> np.ndarray:
        """The dense projection ``P = J - gain @ U'``, ``[b, n]`` (hierarchicalforecast's P)."""
        h = self.hierarchy
        a = h.n_nodes - h.n_bottom
        upper = h.summing[:a].toarray()
        return np.hstack([-self.gain, np.eye(h.n_bottom) + self.gain @ upper])


def mint_projection(
    hierarchy: Hierarchy,
    method: MintMethod,
    residuals: np.ndarray | None = None,
    ridge: float = RIDGE,
) -> MintProjection:
    """The MinT projection of one variant (see the module's notes).

    Parameters
    ----------
    hierarchy : Hierarchy
        The tree.
    method : {"ols", "wls_struct", "mint_shrink"}
        The choice of W.
    residuals : numpy.ndarray, optional
        ``[n, T]`` in-sample residuals of every node; needed by ``mint_shrink`` only.
    ridge : float
        The smallest diagonal of the shrunk covariance (``mint_shrink``).

    Returns
    -------
    MintProjection
    """
    n, b = hierarchy.n_nodes, hierarchy.n_bottom
    a = n - b
    upper = hierarchy.summing[:a]  # A, [a, b] sparse
    if method in ("ols", "wls_struct"):
        w = np.ones(n) if method == "ols" else np.asarray(hierarchy.summing.sum(axis=1)).ravel()
        u_w = np.hstack([np.diag(w[:a]), -(upper.multiply(w[a:][None, :])).toarray()])
    elif method == "mint_shrink":
        if residuals is None:
            raise InputError("mint-shrink needs the in-sample residuals of every node")
        w_full = shrunk_covariance(_residual_rows(hierarchy, residuals), ridge)
        u_w = w_full[:a] - upper @ w_full[a:]  # U' W, [a, n]
    else:
        raise ValueError(f"method must be ols, wls_struct or mint_shrink, got {method!r}")
    coef = u_w[:, :a] - (upper @ u_w[:, a:].T).T  # U' W U, [a, a]
    try:
        gain = linalg.solve(coef, u_w[:, a:], assume_a="sym").T  # [b, a]
    except linalg.LinAlgError as exc:
        raise InputError(
            f"MinT ({method}) is singular for this hierarchy: raise the ridge or use another method"
        ) from exc
    return MintProjection(hierarchy, gain)


def reconcile(
    hierarchy: Hierarchy,
    base: np.ndarray,
    method: Method,
    *,
    middle_level: str | int | None = None,
    residuals: np.ndarray | None = None,
    ridge: float = RIDGE,
) -> np.ndarray:
    """Reconcile base forecasts or sample paths with one method.

    Parameters
    ----------
    hierarchy : Hierarchy
        The tree and its summing matrix.
    base : numpy.ndarray
        ``[n, ...]`` base forecasts of every node: ``[n, H]`` means, ``[n, H, M]`` sample paths
        (bottom-up: exact; MinT: each path projected with the same P; top-down and middle-out:
        proportions path by path).
    method : str
        One of :data:`METHODS`.
    middle_level : str or int, optional
        The level kept by ``middle-out`` (required there).
    residuals : numpy.ndarray, optional
        ``[n, T]`` in-sample residuals of every node (required by ``mint-shrink``).
    ridge : float
        The smallest diagonal of the shrunk covariance.

    Returns
    -------
    numpy.ndarray
        ``[n, ...]`` coherent forecasts.
    """
    if method == "bottom-up":
        return bottom_up(hierarchy, base)
    if method == "top-down":
        return top_down(hierarchy, base)
    if method == "middle-out":
        if middle_level is None:
            raise InputError("middle-out needs a level, e.g. middle-out region")
        return middle_out(hierarchy, base, middle_level)
    if method in _MINT:
        return mint_projection(hierarchy, _MINT[method], residuals, ridge).apply(base)
    raise InputError(f"unknown reconciliation method {method!r}: use one of {', '.join(METHODS)}")


def reconcile_folds(
    hierarchy: Hierarchy,
    base: np.ndarray,
    folds: np.ndarray,
    method: Method,
    *,
    middle_level: str | int | None = None,
    residuals: Mapping[int, np.ndarray] | None = None,
) -> np.ndarray:
    """:func:`reconcile` of a backtest's forecasts ``[n, O, ...]`` (axis 1: the origins), each
    origin with its fold's in-sample residuals (``mint-shrink``: one W per fold).

    Parameters
    ----------
    hierarchy : Hierarchy
        The tree.
    base : numpy.ndarray
        ``[n, O, ...]`` base forecasts of every node from O origins.
    folds : numpy.ndarray
        ``[O]`` the fold of each origin.
    method, middle_level
        As :func:`reconcile`.
    residuals : mapping, optional
        ``{fold: [n, T] residuals}`` (required by ``mint-shrink``).

    Returns
    -------
    numpy.ndarray
        ``[n, O, ...]`` coherent forecasts.
    """
    if method != "mint-shrink":
        return reconcile(hierarchy, base, method, middle_level=middle_level)
    values = _base(hierarchy, base)
    if residuals is None:
        raise InputError("mint-shrink needs the in-sample residuals of every node in every fold")
    out = np.empty_like(values)
    fold_of = np.asarray(folds)
    for fold in np.unique(fold_of):
        rows = fold_of == fold
        projection = mint_projection(hierarchy, "mint_shrink", residuals[int(fold)])
        out[:, rows] = projection.apply(values[:, rows])
    return out
