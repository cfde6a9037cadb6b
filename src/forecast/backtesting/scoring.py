"""From forecasts to metric rows: overall, per lead time, per fold, per CPCV path.

Each row of a model's arrays is one forecast origin; MASE and RMSSE divide each origin's errors
by the naive (seasonal naive when a period is known) error of THAT origin's training data. An
aggregate over several origins is the mean over their points (so every origin weighs the same
when each has the same number of steps).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from forecast.backtesting import metrics
from forecast.backtesting.splitters import Fold, runs
from forecast.models.base import level_label

POINT_METRICS = ("mae", "rmse", "bias", "mape", "smape", "mase", "rmsse")


@dataclass(frozen=True)
class ModelForecasts:
    """One model's scored forecasts: every array has one row per origin."""

    label: str
    origins: np.ndarray  # [O] positions
    folds: np.ndarray  # [O] fold index of each origin
    actual: np.ndarray  # [O, h]
    mean: np.ndarray  # [O, h]
    bands: dict[float, tuple[np.ndarray, np.ndarray]]  # level -> ([O, h], [O, h])
    scale: np.ndarray  # [O] MASE scale of each origin's training data
    scale_sq: np.ndarray  # [O] RMSSE scale
    interval_method: str
    probs: tuple[float, ...] = ()  # --quantiles: score these quantiles of the bands too

    def rows(self, mask: np.ndarray) -> ModelForecasts:
        return ModelForecasts(
            self.label,
            self.origins[mask],
            self.folds[mask],
            self.actual[mask],
            self.mean[mask],
            {lv: (lo[mask], hi[mask]) for lv, (lo, hi) in self.bands.items()},
            self.scale[mask],
            self.scale_sq[mask],
            self.interval_method,
            self.probs,
        )


def compute(mf: ModelForecasts, axis: int | None = None) -> dict[str, Any]:
    """Every metric over all the rows of ``mf`` (``axis=1``: one value per row, i.e. origin;
    ``axis=0``: one value per column, i.e. lead time)."""
    y, f = mf.actual, mf.mean
    out = {
        "mae": metrics.mae(y, f, axis),
        "rmse": metrics.rmse(y, f, axis),
        "bias": metrics.bias(y, f, axis),
        "mape": metrics.mape(y, f, axis),
        "smape": metrics.smape(y, f, axis),
        "mase": _scaled(metrics.mase, y, f, mf.scale, axis),
        "rmsse": _scaled(metrics.rmsse, y, f, mf.scale_sq, axis),
    }
    for level, (lo, hi) in sorted(mf.bands.items()):
        out[f"coverage_{level_label(level)}"] = metrics.coverage(y, lo, hi, axis)
        out[f"winkler_{level_label(level)}"] = metrics.winkler(y, lo, hi, level, axis)
    if mf.probs:
        out |= probabilistic_metrics(mf, axis)
    return out


def probabilistic_metrics(mf: ModelForecasts, axis: int | None = None) -> dict[str, Any]:
    """``--quantiles``: the pinball loss of each quantile (the bands' bounds and the mean at
    1/2, as :func:`forecast.models.quantiles.quantiles_from_bands` reads them), ``crps`` by the
    quantile decomposition (2 x the mean pinball over the requested grid: an approximation of
    the CRPS, finer with more quantiles), and M4's ``msis_L`` per level (the interval score over
    each origin's seasonal-naive MAE scale, as MASE's)."""
    from forecast.backtesting.probabilistic import pinball_loss

    y = mf.actual
    rows = []
    for p in mf.probs:
        level = round(abs(2 * p - 1) * 100, 10)
        rows.append(mf.mean if level == 0 else mf.bands[level][0 if p < 0.5 else 1])
    q = np.sort(np.stack(rows, axis=-1), axis=-1)  # [O, h, P]: the monotone rearrangement
    out: dict[str, Any] = {}
    if not y.size:
        nan = float("nan") if axis is None else np.full(y.shape[1 - axis], np.nan)
        return {f"pinball_{p:g}": nan for p in mf.probs} | {"crps": nan}
    loss = pinball_loss(y, q, mf.probs)  # [O, h, P]
    for i, p in enumerate(mf.probs):
        out[f"pinball_{p:g}"] = _mean(loss[..., i], axis)
    out["crps"] = _mean(2 * loss.mean(axis=-1), axis)
    for level, (lo, hi) in sorted(mf.bands.items()):
        alpha = 1.0 - level / 100.0
        score = (hi - lo) + (2 / alpha) * (np.clip(lo - y, 0, None) + np.clip(y - hi, 0, None))
        out[f"msis_{level_label(level)}"] = _scaled_mean(score, mf.scale, axis)
    return out


def _mean(values: np.ndarray, axis: int | None) -> Any:
    return float(np.mean(values)) if axis is None else np.mean(values, axis=axis)


def _scaled_mean(values: np.ndarray, scale: np.ndarray, axis: int | None) -> Any:
    """``values`` [O, h] over each origin's ``scale`` [O], averaged; unknown where a pooled
    origin's scale is (as :func:`_scaled`)."""
    finite = np.isfinite(scale) & (scale > 0)
    scaled = values / np.where(finite, scale, 1.0)[:, None]
    if axis is None:
        return float(np.mean(scaled)) if finite.all() else float("nan")
    if axis == 0:
        return np.mean(scaled, axis=0) if finite.all() else np.full(values.shape[1], np.nan)
    return np.where(finite, np.mean(scaled, axis=1), np.nan)


def _scaled(fn: Any, y: np.ndarray, f: np.ndarray, scale: np.ndarray, axis: int | None) -> Any:
    """A scaled metric; where an origin's scale is unknown (too little training data) its
    value is nan."""
    finite = np.isfinite(scale)
    if axis is None:
        return float(fn(y, f, scale)) if finite.all() else float("nan")
    if axis == 0:  # each lead time pools every origin: unknown when one origin's scale is
        return fn(y, f, scale, axis) if finite.all() else np.full(y.shape[1], np.nan)
    return np.where(finite, fn(y, f, np.where(finite, scale, 1.0), axis), np.nan)


def metric_rows(
    mf: ModelForecasts,
    gap: int,
    paths: list[list[tuple[int, int]]] | None = None,
    group_of_origin: np.ndarray | None = None,
    detail: bool = True,
) -> list[dict[str, Any]]:
    """Rows ``{model, metric, scope, key, value}``: scope ``overall`` (key null), ``step``
    (key = lead time), ``fold`` (key = fold index), ``path`` (key = CPCV path) and, over the
    paths, ``paths`` (key = mean, std, min, p5, median, p95, max). ``detail=False``: the
    ``overall`` rows only (a panel's series: its report uses no other)."""
    rows: list[dict[str, Any]] = []

    def add(scope: str, key: Any, values: dict[str, float]) -> None:
        rows.extend(
            {"model": mf.label, "metric": name, "scope": scope, "key": key, "value": value}
            for name, value in values.items()
        )

    add("overall", None, compute(mf))
    if not detail:
        return rows
    per_step = compute(mf, axis=0)  # every lead time at once (one call, not one per step)
    for j in range(mf.actual.shape[1]):
        add("step", gap + j + 1, {name: float(values[j]) for name, values in per_step.items()})
    folds = np.unique(mf.folds)
    if folds.size == mf.folds.size:  # one origin per fold (walk-forward): all folds at once
        per_row = compute(mf, axis=1)
        for i, fold in enumerate(mf.folds):
            add("fold", int(fold), {name: float(values[i]) for name, values in per_row.items()})
    else:
        for fold in folds:
            add("fold", int(fold), compute(mf.rows(mf.folds == fold)))
    if paths is not None and group_of_origin is not None:
        per_path = []
        groups = group_of_origin[mf.origins]
        for p, path in enumerate(paths):
            mask = np.zeros(mf.origins.size, dtype=bool)
            for group, split in path:
                mask |= (mf.folds == split) & (groups == group)
            if mask.any():
                values = compute(mf.rows(mask))
                per_path.append(values)
                add("path", p, values)
        if per_path:
            for stat, fn in _SUMMARIES.items():
                add("paths", stat, {k: float(fn([v[k] for v in per_path])) for k in per_path[0]})
    return rows


_SUMMARIES: dict[str, Any] = {
    "mean": np.nanmean,
    "std": lambda v: np.nanstd(v, ddof=1) if len(v) > 1 else float("nan"),
    "min": np.nanmin,
    "p5": lambda v: np.nanpercentile(v, 5),
    "median": np.nanmedian,
    "p95": lambda v: np.nanpercentile(v, 95),
    "max": np.nanmax,
}


def fold_scales(values: np.ndarray, fold: Fold, period: int) -> tuple[float, float]:
    """MASE and RMSSE scales of a fold's training data: the mean absolute (squared) lag-``m``
    difference over pairs that both lie in one run of training observations."""
    diffs = [
        values[start + period : end] - values[start : end - period]
        for start, end in runs(fold.train)
        if end - start > period
    ]
    if not diffs:
        return float("nan"), float("nan")
    d = np.concatenate(diffs)
    return float(np.mean(np.abs(d))), float(np.mean(d**2))


def best_value(metric: str, values: dict[str, float], levels: Sequence[float]) -> float | None:
    """The best of ``values`` for one metric: lowest error, |bias| closest to 0, coverage
    closest to its nominal level."""
    finite = {k: v for k, v in values.items() if v is not None and np.isfinite(v)}
    if not finite:
        return None
    if metric == "bias":
        return min(finite.values(), key=abs)
    if metric.startswith("coverage_"):
        nominal = float(metric.split("_", 1)[1]) / 100
        return min(finite.values(), key=lambda v: abs(v - nominal))
    return min(finite.values())
