"""A panel backtest's folds forecast by the vectorised path (:mod:`forecast.fitting.batch`).

Series of equal length share one plan of folds and jobs (it depends on the length alone,
:func:`~forecast.backtesting.runner.planned`). A job that fits a model with a batch function on
a segment and forecasts from that segment's end (every walk-forward fold refitted, or a k-fold
segment before its test block) is then one batch call for every series of that length: the
same numbers the per-series engine gets from ``fit`` and ``forecast_from`` (tested equal). Each
series' backtest then runs as before with those jobs given (:func:`~forecast.backtesting.
runner.run_backtest`'s ``given``): its splits, scores and result are the per-series ones. A row
the batch function does not settle, and every other job, runs per series as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from forecast.execution.executor import SeriesTasks

if TYPE_CHECKING:
    from forecast.backtesting.engine import Job, JobResult, ModelEntry
    from forecast.backtesting.runner import BacktestSpec, JobKey
    from forecast.data import Panel

CHUNK_SERIES = 1_000  # series whose given jobs are held at once


def can_batch(entries: Sequence[ModelEntry], spec: BacktestSpec) -> bool:
    """Whether some model of the run has a batch function and the run asks for nothing the
    batch functions do not give (model intervals; no quantiles)."""
    from forecast.fitting.batch import BATCH_MODELS

    return (
        spec.intervals == "model"
        and not spec.quantiles
        and any(e.name in BATCH_MODELS for e in entries)
    )


class BatchedTasks(SeriesTasks):
    """``(panel[i], entries, spec, None, 0, None, given)`` for every series of a panel (the
    tasks of :func:`~forecast.backtesting.panel_backtest.backtest_one`, without regressors):
    ``given``, the series' jobs the vectorised path forecast, computed a chunk of
    :data:`CHUNK_SERIES` series at a time as the tasks are asked for."""

    def __init__(self, panel: Panel, entries: Sequence[ModelEntry], spec: BacktestSpec) -> None:
        super().__init__(panel, list(entries), spec, None, 0, None)
        self.entries, self.spec = list(entries), spec
        self.chunk = -1
        self.given: list[dict[JobKey, JobResult]] = []

    def task(self, i: int) -> tuple[Any, ...]:
        chunk = i // CHUNK_SERIES
        if chunk != self.chunk:
            start = chunk * CHUNK_SERIES
            positions = np.arange(start, min(start + CHUNK_SERIES, len(self.panel)))
            self.given = given_jobs(self.panel, positions, self.entries, self.spec)
            self.chunk = chunk
        return (*super().task(i), self.given[i % CHUNK_SERIES])


def given_jobs(
    panel: Panel, positions: np.ndarray, entries: Sequence[ModelEntry], spec: BacktestSpec
) -> list[dict[JobKey, JobResult]]:
    """For each series at ``positions``: its jobs the batch functions settled, by job key."""
    values, bounds, _ = panel.arrays()
    given: list[dict[JobKey, JobResult]] = [{} for _ in positions]
    starts, lengths = bounds[positions], bounds[positions + 1] - bounds[positions]
    plain = panel.regular[positions]
    for length in np.unique(lengths[plain]):
        rows = np.flatnonzero(plain & (lengths == length))
        block = values[starts[rows, None] + np.arange(length)]
        finite = np.isfinite(block).all(axis=1)  # each fold's segment is checked for the rest
        rows, block = rows[finite], np.ascontiguousarray(block[finite])
        if rows.size:
            _forecast_jobs(block, rows, int(length), panel.freq, entries, spec, given)
    return given


def _forecast_jobs(
    block: np.ndarray,
    rows: np.ndarray,
    length: int,
    freq: str,
    entries: Sequence[ModelEntry],
    spec: BacktestSpec,
    given: list[dict[JobKey, JobResult]],
) -> None:
    """Every batchable job of the plan for series of ``length`` on ``block`` (its rows are
    ``rows`` of ``given``), each settled row's result put in ``given``."""
    from forecast.backtesting.runner import job_key, planned
    from forecast.fitting.batch import batch_function
    from forecast.models.batch import plain_rows
    from forecast.models.neural.global_options import split_options

    try:
        _, _, _, jobs = planned(length, entries, spec, freq)
    except Exception:  # too short for the folds: the per-series run says so
        return
    steps, levels = spec.gap + spec.horizon, tuple(spec.levels)
    for job in jobs:
        function = batch_function(job.entry.name)
        if function is None or not _from_segment_end(job):
            continue
        assert job.fit_segment is not None
        start, end = job.fit_segment
        params = split_options(job.entry.name, job.entry.params)[1]
        segment = np.ascontiguousarray(block[:, start:end])
        found = function(segment, steps, levels, freq, params)
        key = job_key(job)
        for r in np.flatnonzero(found.settled() & plain_rows(segment)):
            given[int(rows[r])][key] = _result(job, found, int(r), levels)


def _from_segment_end(job: Job) -> bool:
    """A job that fits on a segment and forecasts once, from its last observation."""
    if job.fit_segment is None or job.fit_origins is not None or len(job.folds) != 1:
        return False
    origins = job.folds[0].test_origins
    return origins.size == 1 and int(origins[0]) == job.fit_segment[1] - 1


def _result(job: Job, found: Any, row: int, levels: tuple[float, ...]) -> JobResult:
    from forecast.backtesting.engine import JobResult

    fold = job.folds[0]
    bands = {
        level: (found.lower[row, j][None, :], found.upper[row, j][None, :])
        for j, level in enumerate(levels)
    }
    return JobResult(
        label=job.entry.label,
        fold_index=np.array([fold.index]),
        origins=np.asarray(fold.test_origins),
        mean=found.mean[row][None, :],
        bands=bands,
        interval_method=found.method,
        fold_ids=(fold.index,),
        note=job.note,
    )
