"""A panel backtest's folds forecast by the vectorised path (:mod:`forecast.fitting.batch`).

Series of equal length share one plan of folds and jobs (it depends on the length alone,
:func:`~forecast.backtesting.runner.planned`). A job that fits a model with a batch function on
a segment and forecasts from that segment's end (every walk-forward fold refitted, or a k-fold
segment before its test block) is then one batch call for every series of that length: the
same numbers the per-series engine gets from ``fit`` and ``forecast_from`` (tested equal). Each
series' backtest then runs as before with those jobs given (:func:`~forecast.backtesting.
runner.run_backtest`'s ``given``): its splits, scores and result are the per-series ones. A row
the batch function does not settle, and every other job, runs per series as before.

When only each series' overall metrics are kept (the CLI) and every model has a batch function,
:func:`summarised` scores a block of series whose every job was settled at once instead
(:mod:`forecast.backtesting.batched_scoring`): no per-series run for those.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from forecast.execution.executor import SeriesTasks

if TYPE_CHECKING:
    from forecast.backtesting.engine import Job, JobResult, ModelEntry
    from forecast.backtesting.panel_backtest import SeriesBacktest
    from forecast.backtesting.runner import BacktestSpec, JobKey
    from forecast.backtesting.splitters import Fold
    from forecast.data import Panel
    from forecast.execution import Executor
    from forecast.models.batch import BatchForecast

CHUNK_SERIES = 1_000  # series whose given jobs are held at once
SCORED_CHUNK = 10_000  # series scored at once (summaries only): their blocks are held at once


def can_batch(entries: Sequence[ModelEntry], spec: BacktestSpec) -> bool:
    """Whether some model of the run has a batch function and the run asks for nothing the
    batch functions do not give (model intervals; no quantiles)."""
    from forecast.fitting.batch import BATCH_MODELS

    return (
        spec.intervals == "model"
        and not spec.quantiles
        and any(e.name in BATCH_MODELS for e in entries)
    )


def can_score(entries: Sequence[ModelEntry]) -> bool:
    """Whether every model of the run has a batch function: a block's series can then be
    scored at once (:mod:`forecast.backtesting.batched_scoring`)."""
    from forecast.fitting.batch import BATCH_MODELS

    return all(e.name in BATCH_MODELS for e in entries)


def summarised(
    panel: Panel,
    entries: Sequence[ModelEntry],
    spec: BacktestSpec,
    executor: Executor,
    one: Callable[[tuple[Any, ...]], SeriesBacktest],
) -> Iterator[SeriesBacktest]:
    """Every series' backtest in panel order, keeping the overall metrics only: a chunk of
    :data:`SCORED_CHUNK` series at a time, the blocks of equal-length series whose every job
    the batch functions settled scored at once (:func:`~forecast.backtesting.batched_scoring.
    score_block`), the other series through ``one`` on ``executor`` with their settled jobs
    given."""
    for start in range(0, len(panel), SCORED_CHUNK):
        positions = np.arange(start, min(start + SCORED_CHUNK, len(panel)))
        done, given = _score_chunk(panel, positions, entries, spec)
        rest = [i for i in range(positions.size) if i not in done]
        tasks = [(panel[int(positions[i])], list(entries), spec, None, 0, None, given[i])
                 for i in rest]  # fmt: skip
        ran = dict(zip(rest, executor.map(one, tasks), strict=True))
        for i in range(positions.size):
            yield done[i] if i in done else ran[i]


def _score_chunk(
    panel: Panel, positions: np.ndarray, entries: Sequence[ModelEntry], spec: BacktestSpec
) -> tuple[dict[int, SeriesBacktest], list[dict[JobKey, JobResult]]]:
    """The series at ``positions`` scored in blocks (by index into ``positions``), and the
    settled jobs of the others."""
    from forecast.backtesting.batched_scoring import SummarisedSeries, score_block

    done: dict[int, SeriesBacktest] = {}
    given: list[dict[JobKey, JobResult]] = [{} for _ in positions]
    for rows, block in length_blocks(panel, positions):
        calls = block_calls(block, panel.freq, entries, spec)
        if calls is None:
            continue
        scored = score_block(calls, block, (panel, positions[rows], entries, spec))
        keep = None
        if scored is not None:
            scores, ok = scored
            for r, i in enumerate(rows[ok]):
                done[int(i)] = SummarisedSeries(panel.ids[int(positions[i])], block=scores, row=r)
            keep = ~ok
        give(calls, rows, spec, given, keep)
    return done, given


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
    given: list[dict[JobKey, JobResult]] = [{} for _ in positions]
    for rows, block in length_blocks(panel, positions):
        calls = block_calls(block, panel.freq, entries, spec)
        if calls is not None:
            give(calls, rows, spec, given)
    return given


def length_blocks(panel: Panel, positions: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The series at ``positions`` on the full grid and with every value finite, by length:
    ``(rows, block)``, ``rows`` indexing ``positions`` and ``block`` ``[len(rows), length]``
    their values (each fold's segment is checked for the rest)."""
    values, bounds, _ = panel.arrays()
    starts, lengths = bounds[positions], bounds[positions + 1] - bounds[positions]
    plain = panel.regular[positions]
    for length in np.unique(lengths[plain]):
        rows = np.flatnonzero(plain & (lengths == length))
        block = values[starts[rows, None] + np.arange(length)]
        finite = np.isfinite(block).all(axis=1)
        if finite.any():
            yield rows[finite], np.ascontiguousarray(block[finite])


@dataclass(frozen=True)
class BlockCalls:
    """The plan of folds and jobs for series of one length, and each batchable job's batch
    forecast on a block of them: ``found[j]`` is job ``j``'s forecast and the rows it settled
    (held by the batch function and plain on the job's segment)."""

    splitter: Any
    folds: list[Fold]
    jobs: list[Job]
    found: dict[int, tuple[BatchForecast, np.ndarray]]


def block_calls(
    block: np.ndarray, freq: str, entries: Sequence[ModelEntry], spec: BacktestSpec
) -> BlockCalls | None:
    """Every batchable job of the plan for series of ``block``'s length, one batch call each;
    None when the series are too short for the folds (the per-series run says so)."""
    from forecast.backtesting.runner import planned
    from forecast.fitting.batch import batch_function
    from forecast.models.batch import plain_rows
    from forecast.models.neural.global_options import split_options

    try:
        splitter, folds, _, jobs = planned(block.shape[1], entries, spec, freq)
    except Exception:
        return None
    steps, levels = spec.gap + spec.horizon, tuple(spec.levels)
    found: dict[int, tuple[BatchForecast, np.ndarray]] = {}
    for j, job in enumerate(jobs):
        function = batch_function(job.entry.name)
        if function is None or not _from_segment_end(job):
            continue
        assert job.fit_segment is not None
        start, end = job.fit_segment
        params = split_options(job.entry.name, job.entry.params)[1]
        segment = np.ascontiguousarray(block[:, start:end])
        forecast = function(segment, steps, levels, freq, params)
        found[j] = forecast, forecast.settled() & plain_rows(segment)
    return BlockCalls(splitter, folds, jobs, found)


def give(
    calls: BlockCalls,
    rows: np.ndarray,
    spec: BacktestSpec,
    given: list[dict[JobKey, JobResult]],
    keep: np.ndarray | None = None,
) -> None:
    """Each settled row's job results put in ``given`` (row ``r`` of the block is
    ``given[rows[r]]``); ``keep`` ``[len(rows)]``: only those rows."""
    from forecast.backtesting.runner import job_key

    levels = tuple(spec.levels)
    for j, (forecast, settled) in calls.found.items():
        job = calls.jobs[j]
        key = job_key(job)
        for r in np.flatnonzero(settled if keep is None else settled & keep):
            given[int(rows[r])][key] = _result(job, forecast, int(r), levels)


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
