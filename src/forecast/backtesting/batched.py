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
from typing import TYPE_CHECKING, Any

import numpy as np

from forecast.backtesting.batch_calls import block_calls, give, given_jobs, length_blocks
from forecast.execution.executor import SeriesTasks

if TYPE_CHECKING:
    from forecast.backtesting.engine import JobResult, ModelEntry
    from forecast.backtesting.runner import BacktestSpec, JobKey
    from forecast.backtesting.series_backtest import SeriesBacktest
    from forecast.data import Panel
    from forecast.execution import Executor

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
    tasks of :func:`~forecast.backtesting.series_backtest.backtest_one`, without regressors):
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
