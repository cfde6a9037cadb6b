"""Work in batches of whole series: how many series a batch holds, and running one batch.

Both executors, the local process pool (:mod:`forecast.execution.executor`) and Dask
(:mod:`forecast.execution.dask`), send work this way: :func:`batch_size` gives each worker
about four batches, so that a slow series does not leave the other workers idle at the end,
and caps a batch at 256 series, so that results stream back while the run goes on. A series is
never split.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

BATCHES_PER_WORKER = 4
MAX_BATCH = 256


def batch_size(n_tasks: int, workers: int) -> int:
    """Series per batch: ceil(n / (4 x workers)), between 1 and 256."""
    if n_tasks <= 0:
        return 1
    return max(1, min(MAX_BATCH, math.ceil(n_tasks / (BATCHES_PER_WORKER * max(workers, 1)))))


def batches(tasks: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive batches of ``size`` tasks, made as they are asked for."""
    return (tasks[i : i + size] for i in range(0, len(tasks), size))


def run_batch(item: tuple[Callable[[Any], Any], Sequence[Any]]) -> list[Any]:
    """One batch in a worker: the function over each series of the batch, in order."""
    from forecast.progress import progress_enabled

    fn, tasks = item
    with progress_enabled(False):  # only the parent process draws progress bars
        return [fn(task) for task in tasks]
