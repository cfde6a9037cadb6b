"""The training rows of a tree model and the boosters fitted on them.

Series i's values sit at positions ``bounds[i] .. bounds[i + 1] - 1`` of the panel's
concatenated transformed values ``z``. Its *training part* is a boolean mask over its positions
(all of them for a plain fit; the purged training blocks in a k-fold backtest; the values before
the calibration origins for the calibration model). An origin ``t`` trains when every value its
features read is in the training part (``z[t - L + 1 .. t]`` and the D powered values each of
those reads through the differences; with the expanding mean, every value up to ``t``) and its
target ``t + h`` is too::

    mask       1 1 1 1 1 1 1 1 0 0 0 0 1 1 1 1 1 1 1      (0: a test block and its purge)
    reads      [ L + D  ]t h                               (a row: features up to t, target t+h)
    trains     . . . x x x x .         . . . x x x . .     (L + D = 4, h = 1)

so no training row reads a value outside the training part, through a lag, a window or a
difference (the purge of k-fold and CPCV backtests holds for every feature).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from forecast.models.trees import boosters
from forecast.models.trees.features import FeatureSpec, training_features


@dataclass(frozen=True)
class Rows:
    """Every training row of the panel (the union over the steps' targets)."""

    X: np.ndarray  # [R, F]
    series: np.ndarray  # [R] the series of each row
    origins: np.ndarray  # [R] its origin, a position in its series
    targets: list[np.ndarray]  # per step h = 1..H: [R] z[t + h], NaN where not a target

    def count(self, step: int) -> int:
        return int(np.isfinite(self.targets[step - 1]).sum())


def feature_ok(mask: np.ndarray, reach: int, expanding: bool) -> np.ndarray:
    """``[n]``: the origins whose features read training values only (``reach`` = L + D)."""
    n = mask.size
    bad = np.concatenate([[0], np.cumsum(~mask)])  # bad[t + 1]: outside values in 0..t
    t = np.arange(n)
    low = t - reach + 1
    ok = (low >= 0) & (bad[t + 1] - bad[np.maximum(low, 0)] == 0)
    if expanding:
        ok &= bad[t + 1] == 0
    return ok


def target_ok(mask: np.ndarray, step: int) -> np.ndarray:
    """``[n]``: the origins ``t`` whose target ``t + step`` is a training value."""
    ok = np.zeros(mask.size, dtype=bool)
    if step < mask.size:
        ok[: mask.size - step] = mask[step:]
    return ok


def expanding_state(z: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Per position, the running sum (sequential, as a forecast loop adds) and count of the
    defined transformed values up to it; ``z`` is one series'."""
    sums = np.full(z.size, np.nan)
    counts = np.zeros(z.size, dtype=np.int64)
    if z.size > order:
        sums[order:] = np.cumsum(z[order:])
        counts[order:] = np.arange(1, z.size - order + 1)
    return sums, counts


def build_rows(
    spec: FeatureSpec,
    order: int,
    z: Sequence[np.ndarray],
    masks: Sequence[np.ndarray],
    calendars: Sequence[np.ndarray],
    steps: int,
) -> Rows:
    """The training rows of every series for targets 1..``steps`` ahead (the rules of
    :func:`feature_ok` and :func:`target_ok`, over the whole panel at once)."""
    reach = spec.lookback + order
    lengths = np.array([v.size for v in z], dtype=np.int64)
    bounds = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    total = int(bounds[-1])
    z_all = np.concatenate(z) if len(z) else np.zeros(0)
    mask = np.concatenate(masks) if len(masks) else np.zeros(0, dtype=bool)
    codes = np.repeat(np.arange(len(z), dtype=np.int64), lengths)  # [T] series of a position
    position = np.arange(total, dtype=np.int64)
    local = position - bounds[:-1][codes]
    bad = np.concatenate([[0], np.cumsum(~mask)])  # bad[p + 1]: outside values up to p
    ok = (local >= reach - 1) & (bad[position + 1] - bad[np.maximum(position - reach + 1, 0)] == 0)
    if spec.expanding:
        ok &= bad[position + 1] == bad[bounds[:-1][codes]]
    last = max(total - 1, 0)
    hit = np.stack(
        [
            (local + h < lengths[codes]) & mask[np.minimum(position + h, last)]
            for h in range(1, steps + 1)
        ]
    )  # [H, T]
    at = np.flatnonzero(ok & hit.any(axis=0))
    if spec.expanding:
        pairs = [expanding_state(values, order) for values in z]
        sums = np.concatenate([p[0] for p in pairs])
        counts = np.concatenate([p[1] for p in pairs])
    else:  # not a column: placeholders
        sums, counts = np.zeros(total), np.ones(total, dtype=np.int64)
    calendar = np.concatenate(calendars) if len(calendars) else np.zeros((0, 0))
    X = training_features(spec, z_all, at, sums, counts, calendar, codes)
    targets = [
        np.where(hit[h - 1, at], z_all[np.minimum(at + h, last)] if at.size else at, np.nan)
        for h in range(1, steps + 1)
    ]
    return Rows(X, codes[at], local[at], targets)


def train_boosters(
    kind: str,
    params: Mapping[str, Any],
    rows: Rows,
    names: Sequence[str],
    categorical: int | None,
    alphas: Sequence[float | None],
    point: float | None,
    threads: int,
) -> list[dict[float | None, Any]]:
    """Per step h, a booster per ``alpha`` (None: the point model, with the objective, or the
    quantile ``point`` when the objective is quantile) trained on the rows whose target h
    ahead is a training value."""
    out = []
    for target in rows.targets:
        use = np.isfinite(target)
        X, y = rows.X[use], target[use]
        out.append(
            {
                a: boosters.train(
                    kind, params, X, y, names, categorical, point if a is None else a, threads
                )
                for a in alphas
            }
        )
    return out
