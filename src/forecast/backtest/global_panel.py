"""Backtests of a global neural model on a panel: one fit per fold across all series.

Walk-forward splits are made on each series' own positions, as for any panel backtest, and
the k-th fit of every series is grouped: one :class:`GlobalForecaster` is trained on every
series cut at its own k-th training end (no series' training span reaches past its own cut),
then it forecasts each series from that series' test origins. The per-series engine then
scores these forecasts exactly as it scores any model's: each series' backtest holds a
:class:`PrecomputedEntry` whose model returns the forecasts made for its fit segment.

Only walk-forward schemes: a purged k-fold trains on scattered samples of each series, which a
global fit per fold could do but does not yet (``--param global=false`` backtests per series).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecast.backtest.engine import ModelEntry, _walk_forward_jobs
from forecast.backtest.runner import BacktestSpec, make_splitter
from forecast.data import Panel, SeriesData
from forecast.errors import ComputeError, ForecastError, UsageError
from forecast.models.base import ForecastBatch
from forecast.models.neural.global_model import GlobalForecaster
from forecast.models.neural.global_options import split_options

Key = tuple[str, str]  # the fit segment's first and last timestamps


def is_global(entry: ModelEntry, n_series: int) -> bool:
    return split_options(entry.name, entry.params)[0].applies(entry.name, n_series)


@dataclass(frozen=True)
class PrecomputedEntry(ModelEntry):
    """A global model's entry in one series' backtest: its forecasts per fit segment (or the
    reason the fit or the forecasts failed), made by the fits over the whole panel."""

    forecasts: dict[Key, ForecastBatch | str] = field(default_factory=dict)
    window: int = 1

    def create(self, seed: int | None) -> _Precomputed:
        return _Precomputed(self)


class _Precomputed:
    """What the engine fits and forecasts with: looks the forecasts up by the fit segment."""

    def __init__(self, entry: PrecomputedEntry) -> None:
        self.entry = entry
        self.key: Key | None = None

    def lookback(self, freq: str | None = None) -> int:
        return self.entry.window

    def fit(self, y: pd.Series, exog: pd.DataFrame | None = None) -> _Precomputed:
        # exog is always None: a global model refuses regressors (errors.GLOBAL_EXOG)
        self.key = (pd.Timestamp(y.index[0]).isoformat(), pd.Timestamp(y.index[-1]).isoformat())
        return self

    def forecast_from(
        self,
        history: pd.Series,
        origins: np.ndarray,
        horizon: int,
        levels: Sequence[float],
        exog: pd.DataFrame | None = None,
    ) -> ForecastBatch:
        found = self.entry.forecasts.get(self.key) if self.key else None
        if found is None:
            raise ComputeError(f"global {self.entry.name}: no fit covers this fold")
        if isinstance(found, str):
            raise ComputeError(found)
        if not np.array_equal(found.origins, np.asarray(origins)):
            raise ComputeError(f"global {self.entry.name}: the fold's origins do not match")
        return found


def global_tasks(
    panel: Panel, entries: Sequence[ModelEntry], spec: BacktestSpec
) -> list[tuple[SeriesData, list[ModelEntry], BacktestSpec]]:
    """Every series' backtest task, with each global entry replaced by its precomputed
    forecasts (one global fit per fold group)."""
    n = len(panel)
    series = list(panel)
    per_series: list[list[ModelEntry]] = [list(entries) for _ in range(n)]
    for k, entry in enumerate(entries):
        if not is_global(entry, n):
            continue
        if spec.scheme != "walk-forward":
            raise UsageError(
                f"{entry.label}: a global model backtests with --scheme walk-forward; for "
                f"{spec.scheme} use --param global=false"
            )
        if spec.intervals == "conformal":
            raise UsageError(
                f"{entry.label}: --intervals conformal refits per series; a global model's "
                "intervals are split-conformal already (use --intervals model)"
            )
        results, window = _fold_fits(series, entry, spec)
        for i in range(n):
            per_series[i][k] = PrecomputedEntry(
                entry.label, entry.name, entry.params, entry.refit, results[i], window
            )
    return [(s, per_series[i], spec) for i, s in enumerate(series)]


def _fold_fits(
    series: list[SeriesData], entry: ModelEntry, spec: BacktestSpec
) -> tuple[list[dict[Key, ForecastBatch | str]], int]:
    options, params = split_options(entry.name, entry.params)
    if spec.seed is not None:
        params.setdefault("seed", spec.seed)
    steps = spec.gap + spec.horizon
    groups: dict[int, list[tuple[int, Any]]] = {}
    for i, s in enumerate(series):
        try:
            folds = list(make_splitter(spec, 1).split(len(s.y)))
            jobs = _walk_forward_jobs(entry, folds, entry.refit or spec.refit)
        except ForecastError:
            continue  # the series' own backtest reports it
        for j, job in enumerate(jobs):
            groups.setdefault(j, []).append((i, job))
    results: list[dict[Key, ForecastBatch | str]] = [{} for _ in series]
    window = 1
    for members in groups.values():
        cuts = []
        for i, job in members:
            start, end = job.fit_segment
            y = series[i].y
            key = (y.index[start].isoformat(), y.index[end - 1].isoformat())
            cuts.append((i, job, key, y.iloc[start:end]))
        try:
            model = GlobalForecaster(
                entry.name, params, options.series_embedding, options.deterministic
            ).fit([(series[i].id or "", part) for i, _, _, part in cuts], calibrate_steps=steps)
        except ForecastError as exc:
            for i, _, key, _ in cuts:
                results[i][key] = " ".join(exc.message.split())
            continue
        window = model.window_
        for i, job, key, _ in cuts:
            y = series[i].y
            origins = np.concatenate([f.test_origins for f in job.folds])
            try:
                results[i][key] = model.forecast_from(
                    series[i].id or "",
                    y.iloc[job.history_start :],
                    origins - job.history_start,
                    steps,
                    spec.levels,
                )
            except ForecastError as exc:
                results[i][key] = " ".join(exc.message.split())
    return results, window
