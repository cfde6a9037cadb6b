"""Backtests of a global model on a panel: one fit per fold across all series.

Walk-forward splits are made on each series' own positions, as for any panel backtest, and
the k-th fit of every series is grouped: one global model (a network, or lightgbm/xgboost
boosters) is trained on every series cut at its own k-th training end (no series' training span
reaches past its own cut), then it forecasts each series from that series' test origins. The
per-series engine then scores these forecasts exactly as it scores any model's: each series'
backtest holds a :class:`PrecomputedEntry` whose model returns the forecasts made for its fit
segment (or, in a k-fold, for its training origins). An ensemble with a neural member
(walk-forward) gets that member's forecasts the same way, combined with its classical members
fitted per series (:mod:`forecast.backtesting.ensemble_entry`).

Purged k-fold and CPCV: the tree models only. Fold k of every series is grouped: one model is
trained on the rows of every series whose features and targets lie in that series' purged
training blocks (:mod:`forecast.models.trees.training`), so no training row reads a test-fold
value through a lag, a window or a difference. A global network trains on scattered samples of
each series, which a global fit per fold could do but does not yet (``--param global=false``
backtests per series).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecast.backtesting.engine import ModelEntry, _kfold_job, _walk_forward_jobs
from forecast.backtesting.runner import BacktestSpec, make_splitter, models_lookback, purge_lookback
from forecast.data import Panel, SeriesData
from forecast.errors import ComputeError, ForecastError, UsageError
from forecast.fitting.global_ensemble import neural_member
from forecast.fitting.global_network import fit_global_model, new_global
from forecast.models.base import ForecastBatch
from forecast.models.neural.global_options import split_options
from forecast.models.trees import TREE_MODELS

Key = tuple[str, str]  # the fit segment's first and last timestamps


def is_global(entry: ModelEntry, n_series: int) -> bool:
    return split_options(entry.name, entry.params)[0].applies(entry.name, n_series)


@dataclass(frozen=True)
class PrecomputedEntry(ModelEntry):
    """A global model's entry in one series' backtest: its forecasts per fit segment (or the
    reason the fit or the forecasts failed), made by the fits over the whole panel."""

    forecasts: dict[Key, ForecastBatch | str] = field(default_factory=dict)
    window: int = 1
    reach: int = 1  # steps after an origin a training row reads (k-fold: the engine's purge)

    def create(self, seed: int | None) -> _Precomputed:
        return _Precomputed(self)


class _Precomputed:
    """What the engine fits and forecasts with: looks the forecasts up by the fit segment."""

    def __init__(self, entry: PrecomputedEntry) -> None:
        self.entry = entry
        self.key: Key | None = None
        self.trained_on: np.ndarray | None = None  # a k-fold fit's training origins

    def lookback(self, freq: str | None = None) -> int:
        return self.entry.window

    def target_length(self, freq: str | None = None) -> int:
        return self.entry.reach

    def fit(self, y: pd.Series, exog: pd.DataFrame | None = None) -> _Precomputed:
        # exog is always None: a global model refuses regressors (errors.GLOBAL_EXOG)
        self.key = (pd.Timestamp(y.index[0]).isoformat(), pd.Timestamp(y.index[-1]).isoformat())
        return self

    def fit_origins(
        self, y: pd.Series, origins: np.ndarray, exog: pd.DataFrame | None = None
    ) -> _Precomputed:
        self.trained_on = np.asarray(origins)
        return self

    def forecast_from(
        self,
        history: pd.Series,
        origins: np.ndarray,
        horizon: int,
        levels: Sequence[float],
        exog: pd.DataFrame | None = None,
    ) -> ForecastBatch:
        if self.trained_on is not None:
            self.key = origins_key(self.trained_on, np.asarray(origins))
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
        neural = neural_member(entry.name, entry.params) if n > 1 else None
        if neural is not None:  # an ensemble with a neural member: that member is global
            for i, combined in enumerate(_ensemble_entries(series, entry, neural, spec)):
                per_series[i][k] = combined
            continue
        if not is_global(entry, n):
            continue
        trees = entry.name in TREE_MODELS
        if spec.scheme != "walk-forward" and not trees:
            raise UsageError(
                f"{entry.label}: a global network backtests with --scheme walk-forward; for "
                f"{spec.scheme} use --param global=false"
            )
        if spec.intervals == "conformal":
            raise UsageError(
                f"{entry.label}: --intervals conformal refits per series; a global model's "
                "intervals are split-conformal already (use --intervals model)"
            )
        if spec.scheme != "walk-forward":
            results, shape = _kfold_fits(series, entries, entry, spec)
        else:
            results, window = _fold_fits(series, entry, spec)
            shape = [(window, 1)] * n
        for i in range(n):
            per_series[i][k] = PrecomputedEntry(
                entry.label, entry.name, entry.params, entry.refit, results[i], *shape[i]
            )
    return [(s, per_series[i], spec) for i, s in enumerate(series)]


def _ensemble_entries(
    series: list[SeriesData], entry: ModelEntry, neural: str, spec: BacktestSpec
) -> list[ModelEntry]:
    """An ensemble's ``neural`` member fitted as ``-m {neural}`` is (one global fit per fold
    group), and each series' entry combining its forecasts with the classical members
    (:mod:`forecast.backtesting.ensemble_entry`)."""
    from forecast.backtesting.ensemble_entry import EnsembleEntry
    from forecast.fitting.global_ensemble import network_params

    if spec.scheme != "walk-forward" or spec.intervals == "conformal":
        raise UsageError(
            f"{entry.label}: its {neural} member is one global network, which backtests with "
            f"--scheme walk-forward and --intervals model only; use them, or backtest the "
            f"ensemble without {neural}"
        )
    network = ModelEntry(entry.label, neural, network_params(entry.params), entry.refit)
    results, window = _fold_fits(series, network, spec)
    return [
        EnsembleEntry(
            entry.label,
            entry.name,
            entry.params,
            entry.refit,
            PrecomputedEntry(entry.label, neural, network.params, entry.refit, found, window),
        )
        for found in results
    ]


def origins_key(train: np.ndarray, test: np.ndarray) -> Key:
    """A k-fold fit's key: a digest of its training and test origins (two CPCV folds may
    train on the same origins)."""
    import hashlib

    digest = hashlib.sha256()
    for origins in (train, test):
        digest.update(np.ascontiguousarray(origins, dtype=np.int64).tobytes() + b"|")
    return ("origins", digest.hexdigest())


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
    from forecast.models.trees.model import TreeForecaster

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
            model = fit_global_model(
                new_global(entry.name, params, options),
                [(series[i].id or "", part) for i, _, _, part in cuts],
                steps,
                spec.levels,
            )
        except ForecastError as exc:
            for i, _, key, _ in cuts:
                results[i][key] = " ".join(exc.message.split())
            continue
        window = model.reach if isinstance(model, TreeForecaster) else model.window_
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


def _kfold_fits(
    series: list[SeriesData], entries: Sequence[ModelEntry], entry: ModelEntry, spec: BacktestSpec
) -> tuple[list[dict[Key, ForecastBatch | str]], list[tuple[int, int]]]:
    """Purged k-fold / CPCV of a global tree model: fold k of every series in one fit on the
    series' purged training blocks; per series, its forecasts by training origins and the
    (lookback, reach) its own backtest plans its jobs with."""
    from forecast.models.trees.model import TreeForecaster

    params = split_options(entry.name, entry.params)[1]
    if spec.seed is not None:
        params.setdefault("seed", spec.seed)
    probe = entry.create(None)
    groups: dict[int, list[tuple[int, Any, Key]]] = {}
    shape = []
    for i, s in enumerate(series):
        freq = str(s.y.attrs.get("freq") or getattr(s.y.index, "freqstr", None) or "")
        shape.append((probe.lookback(freq), probe.target_length(freq)))
        try:
            lookback = purge_lookback(spec.lookback, models_lookback(entries, freq))
            for fold in make_splitter(spec, lookback).split(len(s.y)):
                job = _kfold_job(entry, fold, lookback, freq)
                assert job.fit_origins is not None
                groups.setdefault(fold.index, []).append(
                    (i, fold, origins_key(job.fit_origins, fold.test_origins))
                )
        except ForecastError:
            continue  # the series' own backtest reports it
    results: list[dict[Key, ForecastBatch | str]] = [{} for _ in series]
    for members in groups.values():
        masks = []
        for i, fold, _ in members:
            mask = np.zeros(len(series[i].y), dtype=bool)
            mask[fold.train] = True
            masks.append(mask)
        try:
            model = TreeForecaster(entry.name, params).fit(
                [(series[i].id or "", series[i].y) for i, _, _ in members],
                calibrate_steps=spec.horizon,
                levels=spec.levels,
                masks=masks,
            )
        except ForecastError as exc:
            for i, _, key in members:
                results[i][key] = " ".join(exc.message.split())
            continue
        for i, fold, key in members:
            try:
                results[i][key] = model.forecast_from(
                    series[i].id or "", series[i].y, fold.test_origins, spec.horizon, spec.levels
                )
            except ForecastError as exc:
                results[i][key] = " ".join(exc.message.split())
    return results, shape
