"""The sample paths of every node's base forecast whose reconciliation gives the reconciled
intervals (and ``--samples``/``--quantiles``) of ``fit --hierarchy``.

A node whose fitted model simulates its own future (:mod:`forecast.models.paths`: ARIMA and
its family, ETS, Theta, the baselines, MSTL; the intermittent models' paths are their
bootstrapped walk-forward errors, clipped at 0) contributes those paths,
seeded per node from the run's seed and the node id (as ``--samples`` seeds a panel's series):
their marginal distribution is the model's own, skewed or multiplicative where the model is.
Any other node (no simulation of its own: the ensemble, networks, tree models; or a simulation
that failed) contributes Gaussian paths around its base mean with the standard deviation its
widest band implies (:func:`~forecast.hierarchy.reconcile.gaussian_paths`). In both cases the
nodes' paths are drawn independently of each other: the reconciled intervals treat the nodes'
forecast errors as independent (too narrow for an aggregate whose series' errors move
together), and the interval method says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from forecast.errors import ForecastError

if TYPE_CHECKING:
    from forecast.models.base import BaseForecaster, Forecast

OWN = (
    "reconciled sample paths: each node's model's own simulated paths, seeded per node and "
    "independent across nodes (an approximation), reconciled path by path"
)
MIXED = (
    "reconciled sample paths: each node's model's own simulated paths where it simulates, "
    "else Gaussian paths from its mean and widest band; independent across nodes (an "
    "approximation), reconciled path by path"
)


def simulates(model: BaseForecaster | None) -> bool:
    """Whether a fitted model draws its own paths (not the bootstrap every model has)."""
    return model is not None and hasattr(model, "_sample_paths")


def node_paths(
    forecasts: Sequence[Forecast],
    models: Sequence[BaseForecaster | None],
    seeds: Sequence[int],
    n: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, str]:
    """Every node's ``n`` base paths ``[nodes, H, n]`` and how they were drawn.

    Parameters
    ----------
    forecasts : sequence of Forecast
        Every node's base forecast, in the hierarchy's order (``paths`` already drawn with
        ``n`` rows are used as they are).
    models : sequence of BaseForecaster or None
        The fitted model of each node (None: not kept, Gaussian paths).
    seeds : sequence of int
        Each node's seed for its own paths.
    n : int
        Paths per node.
    rng : numpy.random.Generator
        The generator of the Gaussian paths (node after node, in order).

    Returns
    -------
    paths : numpy.ndarray
        ``[nodes, H, n]``.
    method : str
        :data:`OWN`, :data:`MIXED` or :data:`~forecast.hierarchy.reconcile.GAUSSIAN_PATHS`.
    """
    from forecast.hierarchy.reconcile import GAUSSIAN_PATHS

    out, own = [], 0
    for forecast, model, seed in zip(forecasts, models, seeds, strict=True):
        drawn = _own(forecast, model, seed, n)
        own += drawn is not None
        out.append(drawn if drawn is not None else _gaussian(forecast, n, rng))
    method = OWN if own == len(out) else MIXED if own else GAUSSIAN_PATHS
    return np.stack(out), method


def _own(forecast: Forecast, model: BaseForecaster | None, seed: int, n: int) -> np.ndarray | None:
    """A node's own paths ``[H, n]``, or None where its model does not simulate."""
    if forecast.paths is not None and forecast.paths.shape[0] == n:
        return np.asarray(forecast.paths, dtype=np.float64).T
    if not simulates(model):
        return None
    from forecast.models.paths import sample_paths

    assert model is not None
    try:
        return sample_paths(model, forecast.mean.size, n, seed).T
    except ForecastError:  # a recursion that diverged: the Gaussian paths stand in
        return None


def _gaussian(forecast: Forecast, n: int, rng: np.random.Generator) -> np.ndarray:
    """Gaussian paths ``[H, n]`` from a forecast's mean and widest band."""
    from forecast.hierarchy.reconcile import gaussian_paths

    level = max(forecast.levels) if forecast.levels else None
    lower, upper = forecast.bands[level] if level is not None else (None, None)
    return gaussian_paths(forecast.mean, lower, upper, level, n, rng)
