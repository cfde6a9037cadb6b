"""Forecasts of a tree model from many origins at once (every series of a panel, or every test
origin of a backtest): P paths advanced together, one booster call per step.

Recursive (mlforecast's default): step k's features are built by
:func:`features.assemble` from the path's values up to step k - 1 (the forecasts of the earlier
steps appended to the window, added to the expanding sum), exactly as a training row's from the
data; the model's one-step forecast is appended in turn. Direct: the model of step k forecasts
``z[t + k]`` from the origin's features, for k up to the number of models trained.

Quantile models (``objective=quantile``) run on the point path's features: step k's quantile is
the quantile of ``z[t + k]`` given the point forecasts of steps 1..k-1 (exact at step 1 and for
the direct strategy; conditional on the point path after that), undifferenced from the point
path. The bounds of all levels and the median are then sorted at each step (monotone
rearrangement, Chernozhukov, Fernandez-Val and Galichon 2010), so intervals nest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from forecast.models.trees import boosters
from forecast.models.trees.features import FeatureSpec, assemble
from forecast.models.trees.training import expanding_state
from forecast.models.trees.transforms import TargetTransform


@dataclass(frozen=True)
class Predictor:
    """The fitted boosters and what their rows look like."""

    kind: str
    spec: FeatureSpec
    transform: TargetTransform
    boosters: list[dict[float | None, Any]]  # per step: alpha -> booster (None: the point model)
    direct: bool
    threads: int

    @property
    def categorical(self) -> int | None:
        return self.spec.width - 1 if self.spec.series_id else None

    def predict(self, step: int, alpha: float | None, X: np.ndarray) -> np.ndarray:
        booster = self.boosters[step][alpha]
        return boosters.predict(self.kind, booster, X, self.categorical, self.threads)


@dataclass(frozen=True)
class Start:
    """P paths at their origins."""

    windows: np.ndarray  # [P, L] transformed values up to the origin (the origin's last)
    exp_sum: np.ndarray  # [P] sum of the transformed values up to the origin
    exp_count: np.ndarray  # [P] how many
    history: np.ndarray  # [P, D] powered values up to the origin (the differences' memory)
    codes: np.ndarray  # [P] the series of each path
    lam: np.ndarray  # [P] each path's series' transform parameters
    center: np.ndarray
    scale: np.ndarray


def from_history(
    transform: TargetTransform,
    lookback: int,
    y: np.ndarray,
    origins: np.ndarray,
    code: int,
    params: tuple[float, float, float],
) -> Start:
    """Paths of one series from ``origins`` (positions in its values ``y``, each with at least
    ``lookback + D`` values up to it); ``params``: its (lambda, center, scale)."""
    lam, center, scale = params
    order = transform.order
    one = np.ones(1)
    b, z = transform.forward_rows(y[None, :], one * lam, one * center, one * scale)
    b, z = b[0], z[0]
    sums, counts = expanding_state(z, order)
    view = np.lib.stride_tricks.sliding_window_view(z, lookback)
    history = (
        np.lib.stride_tricks.sliding_window_view(b, order)[origins - order + 1]
        if order
        else (np.zeros((origins.size, 0)))
    )
    p = origins.size
    return Start(
        view[origins - lookback + 1],
        sums[origins],
        counts[origins],
        np.asarray(history),
        np.full(p, code, dtype=np.int64),
        np.full(p, lam),
        np.full(p, center),
        np.full(p, scale),
    )


def from_tails(
    transform: TargetTransform,
    lookback: int,
    tails: np.ndarray,
    exp_sum: np.ndarray,
    exp_count: np.ndarray,
    codes: np.ndarray,
    params: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> Start:
    """Paths from the series' last ``lookback + D`` values ``tails`` ``[P, K]`` (a fitted
    model's state): the same bits as :func:`from_history` at each series' last origin."""
    lam, center, scale = params
    order = transform.order
    b, z = transform.forward_rows(tails, lam, center, scale)
    return Start(
        z[:, tails.shape[1] - lookback :],
        exp_sum,
        exp_count,
        b[:, tails.shape[1] - order :],
        codes,
        lam,
        center,
        scale,
    )


def run(
    predictor: Predictor,
    start: Start,
    calendar: np.ndarray,
    horizon: int,
    alphas: Sequence[float],
) -> tuple[np.ndarray, dict[float, np.ndarray]]:
    """Transformed point paths ``[P, H]`` and per alpha the quantile paths; ``calendar``
    ``[P, H, C]``: the fields of the timestamps 1..H after each origin."""
    spec = predictor.spec
    paths = start.windows.shape[0]
    point = np.empty((paths, horizon))
    bounds = {a: np.empty((paths, horizon)) for a in alphas}
    if predictor.direct:
        X = assemble(
            spec, start.windows, start.exp_sum, start.exp_count, calendar[:, 0], start.codes
        )
        for k in range(horizon):
            point[:, k] = predictor.predict(k, None, X)
            for a in alphas:
                bounds[a][:, k] = predictor.predict(k, a, X)
        return point, bounds
    windows = start.windows
    exp_sum, exp_count = start.exp_sum.copy(), start.exp_count.copy()
    for k in range(horizon):
        X = assemble(spec, windows, exp_sum, exp_count, calendar[:, k], start.codes)
        step = predictor.predict(0, None, X)
        point[:, k] = step
        for a in alphas:
            bounds[a][:, k] = predictor.predict(0, a, X)
        windows = np.concatenate([windows[:, 1:], step[:, None]], axis=1)
        exp_sum = exp_sum + step
        exp_count = exp_count + 1
    return point, bounds


def forecast(
    predictor: Predictor,
    start: Start,
    calendar: np.ndarray,
    horizon: int,
    alphas: Sequence[float],
) -> tuple[np.ndarray, dict[float, np.ndarray]]:
    """Point paths ``[P, H]`` in the data's units and, per alpha, the rearranged quantile
    paths (see the module docstring)."""
    z, zq = run(predictor, start, calendar, horizon, alphas)
    transform = predictor.transform
    mean, powered = transform.invert(z, start.history, start.lam, start.center, start.scale)
    if not alphas:
        return mean, {}
    bounds = {
        a: transform.invert_bound(
            zq[a], start.history, powered, start.lam, start.center, start.scale
        )
        for a in alphas
    }
    order = sorted(bounds)
    stacked = np.sort(np.stack([bounds[a] for a in order] + [mean]), axis=0)  # [A + 1, P, H]
    below = [a for a in order if a < 0.5]
    above = [a for a in order if a > 0.5]
    out = {a: stacked[i] for i, a in enumerate(below)}
    out |= {a: stacked[len(below) + 1 + i] for i, a in enumerate(above)}
    return stacked[len(below)], out


def concat(starts: Sequence[Start]) -> Start:
    """The paths of several :class:`Start` as one (one booster call per step for all)."""
    names = ("windows", "exp_sum", "exp_count", "history", "codes", "lam", "center", "scale")
    return Start(*(np.concatenate([getattr(s, name) for s in starts]) for name in names))
