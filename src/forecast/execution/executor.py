"""The executor seam: map one pure per-series function over a panel, results in task order.

Per-series work is a picklable function of one task (a series and what to do with it); an
executor only maps it. Work travels in batches of whole series (a series is never split):
``batch_size`` gives each worker about four batches, so that a slow series does not leave the
other workers idle at the end, and caps a batch at 256 series, so that results stream back
while the run goes on; a process-pool task costs about a millisecond, which a batch of even a
few one-millisecond series amortises (:mod:`forecast.execution.batches`, the Dask executor's
rule too). Serial and process-pool execution give identical results:
nothing in a task depends on the worker that runs it (seeds come from the spec and the series).

A run that stops early (an error, Ctrl-C, SIGTERM) ends its worker processes at once and reaps
them: no batch runs on after it, and no worker outlives the command (:mod:`forecast.signals`).
"""

from __future__ import annotations

import contextlib
import os
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

from forecast.errors import UsageError
from forecast.execution.batches import batch_size, batches, run_batch

if TYPE_CHECKING:
    from forecast.threads import ThreadPolicy

T = TypeVar("T")
R = TypeVar("R")

STOP_GRACE_S = 1.0  # a worker's time to end after SIGTERM before SIGKILL
# What runs now (process pools, Dask executors), by id: stop_all() ends what is left of them.
_RUNNING: weakref.WeakValueDictionary[int, Stoppable] = weakref.WeakValueDictionary()


class Executor(Protocol):
    """Maps ``fn`` over ``tasks``; yields the results in task order, as they become ready."""

    @property
    def workers(self) -> int: ...

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]: ...


class Stoppable(Protocol):
    """Worker processes (or a cluster connection) that can be ended at once."""

    def stop_now(self) -> None: ...


def register_running(run: Stoppable) -> None:
    """Have :func:`stop_all` end ``run`` if it is still open when the CLI returns."""
    _RUNNING[id(run)] = run


def stop_all() -> None:
    """End every process pool and Dask executor this process still has open (a map whose
    caller stopped iterating without closing it): the CLI calls this on its way out."""
    for key, run in list(_RUNNING.items()):
        _RUNNING.pop(key, None)
        run.stop_now()


class SeriesTasks(Sequence[tuple[Any, ...]]):
    """``(panel[i], *extra)`` for every series of a panel, built when asked for: a panel's
    series are never all held as pandas objects at once (a process pool still submits every
    batch at the start; the serial and Dask executors take them as they go)."""

    def __init__(self, panel: Any, *extra: Any) -> None:
        self.panel, self.extra = panel, extra

    def __len__(self) -> int:
        return len(self.panel)

    @overload
    def __getitem__(self, i: int) -> tuple[Any, ...]: ...

    @overload
    def __getitem__(self, i: slice) -> list[tuple[Any, ...]]: ...

    def __getitem__(self, i: int | slice) -> tuple[Any, ...] | list[tuple[Any, ...]]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):  # ends iteration (a panel of one answers any i)
            raise IndexError(i)
        return self.task(i % len(self))

    def task(self, i: int) -> tuple[Any, ...]:
        """The task of series ``i`` (0 <= i < len)."""
        return (self.panel[i], *self.extra)


@dataclass
class LocalExecutor:
    """This machine: serially (``jobs=1``) or over ``jobs`` worker processes, each with its
    share of the cores' threads (:func:`forecast.threads.ThreadPolicy.for_workers`)."""

    jobs: int = 1

    def __post_init__(self) -> None:
        if self.jobs < 1:
            raise UsageError(f"--jobs must be >= 1, got {self.jobs}")

    @property
    def workers(self) -> int:
        return min(self.jobs, os.cpu_count() or 1) if self.jobs > 1 else 1

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
        if self.jobs == 1 or len(tasks) <= 1:
            yield from map(fn, tasks)
            return
        size = batch_size(len(tasks), self.workers)
        chunks = [(fn, chunk) for chunk in batches(tasks, size)]
        for results in parallel_map(run_batch, chunks, self.jobs, chunksize=1):
            yield from results


def parallel_map(
    fn: Callable[[Any], Any], items: Sequence[Any], n_jobs: int, chunksize: int | None = None
) -> Iterator[Any]:
    """``map(fn, items)`` in up to ``n_jobs`` processes, results in input order.

    A map that does not run to its end (an error, Ctrl-C, SIGTERM, the caller closing the
    iterator) ends the workers at once (:func:`stop_workers`) instead of waiting for every
    submitted batch; so does :func:`stop_all` for a map left suspended."""
    import multiprocessing
    import sys
    from concurrent.futures import ProcessPoolExecutor

    from forecast import signals, threads

    # fork is fast (no re-import in the workers), but not safe once torch has started threads
    forkable = "fork" in multiprocessing.get_all_start_methods() and "torch" not in sys.modules
    context = multiprocessing.get_context("fork" if forkable else "spawn")
    policy = threads.active()
    workers = min(n_jobs, len(items), policy.cores)
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=enter_worker,
        initargs=(policy.for_workers(n_jobs), os.getpid()),
    )
    running = _Pool(pool)
    register_running(running)
    finished = False
    try:
        chunks = chunksize or max(1, len(items) // (workers * 8))
        with signals.deferred():  # the workers start here, with SIGINT blocked
            results = pool.map(fn, items, chunksize=chunks)
        yield from results
        finished = True
    finally:
        _RUNNING.pop(id(running), None)
        if finished:
            pool.shutdown(wait=True)
        else:
            stop_workers(pool)


def enter_worker(policy: ThreadPolicy, parent: int) -> None:
    """A pool worker's set-up: its share of the cores (:func:`forecast.threads.enter_worker`)
    and its signals (:func:`forecast.signals.enter_worker`)."""
    from forecast import signals, threads

    signals.enter_worker(parent)
    threads.enter_worker(policy)


def stop_workers(pool: Any) -> None:
    """End a process pool now: pending batches cancelled, its workers sent SIGTERM (SIGKILL
    after :data:`STOP_GRACE_S`) and reaped, its manager thread joined.

    ``ProcessPoolExecutor.shutdown`` alone waits for the batches already handed to the workers
    (all of a map's, as ``pool.map`` submits every batch at once); Python 3.14's
    ``terminate_workers`` does what this does with the pool's private process table."""
    import time

    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):  # already gone
            process.terminate()
    deadline = time.monotonic() + STOP_GRACE_S
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.exitcode is None:
            with contextlib.suppress(Exception):
                process.kill()
            process.join(STOP_GRACE_S)
    if manager is not None:  # it sees the workers gone, fails the futures and closes the queues
        manager.join(STOP_GRACE_S)


@dataclass(eq=False)
class _Pool:
    pool: Any

    def stop_now(self) -> None:
        stop_workers(self.pool)
