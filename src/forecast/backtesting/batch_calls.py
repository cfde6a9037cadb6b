"""The batch calls of a panel backtest: for series of one length, one batch call per job that
fits a model with a batch function on a segment and forecasts from its end
(:func:`block_calls`), and each series' settled jobs as the per-series engine would get them
(:func:`give`, :func:`given_jobs`). Used by :mod:`forecast.backtesting.batched` (the tasks and
the block scoring run) and :mod:`forecast.backtesting.batched_scoring` (a scored series' result
rebuilt on demand)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from forecast.backtesting.engine import Job, JobResult, ModelEntry
    from forecast.backtesting.runner import BacktestSpec, JobKey
    from forecast.backtesting.splitters import Fold
    from forecast.data import Panel
    from forecast.models.batch import BatchForecast


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
