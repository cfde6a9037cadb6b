"""`--engine dask`: the executor seam on dask.distributed futures (a cluster, or a LocalCluster).

Batching rule (the same as the local pool's, :func:`forecast.execution.executor.batch_size`):
work travels in batches of whole series, ``ceil(n / (4 x workers))`` series per batch, capped
at 256. Four batches per worker keep every worker busy at the end of a run; the cap keeps
results streaming back; a Dask task costs about a millisecond of scheduling and transfer
(bench/RESULTS.md), which a batch of even a few series amortises. A series is never split.

At most ``4 x workers`` batches are in flight: the client submits the next batch when it takes
the oldest one's results, and yields results in task order, so its memory holds a bounded
number of batches whatever the size of the panel.

Without a scheduler address a ``LocalCluster`` is started on 127.0.0.1 with ``jobs`` worker
processes of one thread each (Dask's nanny sets OMP/MKL/OpenBLAS to one thread per worker;
the workers' diagnostics are off, :data:`QUIET_WORKERS`) and closed when the map ends. With
one, the client connects with a short timeout: an unreachable scheduler is a
:class:`~forecast.errors.UsageError` (exit 2). A worker that dies mid-run costs
only its batches, which the scheduler reruns elsewhere (the functions are pure, so the output
is the same); losing the scheduler itself is a :class:`~forecast.errors.ComputeError` (exit 1).
dask is imported here only, inside the functions (DESIGN rule 9).
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from forecast.errors import ComputeError, UsageError
from forecast.execution.executor import (
    BATCHES_PER_WORKER,
    batch_size,
    batches,
    run_batch,
)

T = TypeVar("T")
R = TypeVar("R")

CONNECT_TIMEOUT_S = 3.0
# The LocalCluster's workers run without the diagnostics that wake their event loop many times
# a second (the statistical profiler every 10 ms, the loop-blocking tick every 20 ms, the
# system monitor every 500 ms): nobody reads them (no dashboard), and every wake-up takes the
# GIL from the thread that fits. bench/RESULTS.md: a worker fitted series 1.2x slower than the
# client's process with them on, 1.05x with them off.
QUIET_WORKERS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "10s",
}
SCHEDULER_ENV = "FORECAST_DASK_SCHEDULER"


@dataclass
class DaskExecutor:
    """Maps over a Dask cluster: ``scheduler`` (``tcp://HOST:PORT``) or a LocalCluster of
    ``jobs`` processes. Used as it is, an executor serves one map and closes its connection
    (and the LocalCluster it started) at the map's end; in a ``with`` block it serves several
    maps and closes at the block's end."""

    jobs: int = 1
    scheduler: str | None = None
    connect_timeout: float = CONNECT_TIMEOUT_S
    in_flight: int | None = None  # batches; default 4 x workers
    _client: Any = field(default=None, init=False, repr=False)
    _cluster: Any = field(default=None, init=False, repr=False)
    _entered: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.jobs < 1:
            raise UsageError(f"--jobs must be >= 1, got {self.jobs}")
        if self.scheduler is not None and not self.scheduler.strip():
            raise UsageError("--scheduler is empty; pass tcp://HOST:PORT or leave it out")

    def start(self) -> Any:
        """Connect (or start the LocalCluster); returns the dask Client."""
        if self._client is not None:
            return self._client
        from distributed import Client, LocalCluster

        if self.scheduler is None:
            import dask

            with warnings.catch_warnings(), dask.config.set(QUIET_WORKERS):
                warnings.simplefilter("ignore", UserWarning)  # "port 8787 in use": not ours
                self._cluster = LocalCluster(
                    n_workers=self.jobs,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            self._client = Client(self._cluster)
            return self._client
        try:
            self._client = Client(self.scheduler, timeout=self.connect_timeout)
        except (OSError, TimeoutError, ValueError) as exc:
            why = "bad address" if isinstance(exc, ValueError) else "no answer"
            raise UsageError(
                f"cannot reach the Dask scheduler at {self.scheduler} ({why} within "
                f"{self.connect_timeout:g} s); start one with 'dask scheduler' or fix "
                f"--scheduler/{SCHEDULER_ENV}"
            ) from None
        try:
            self._client.wait_for_workers(1, timeout=self.connect_timeout)
        except (OSError, TimeoutError):
            self.close()
            raise UsageError(
                f"the Dask scheduler at {self.scheduler} has no workers; start some with "
                f"'dask worker {self.scheduler}'"
            ) from None
        return self._client

    def close(self) -> None:
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        if client is not None:
            with contextlib.suppress(Exception):  # a lost scheduler cannot be told goodbye
                client.close()
        if cluster is not None:
            cluster.close()

    def __enter__(self) -> DaskExecutor:
        self.start()
        self._entered = True
        return self

    def __exit__(self, *exc: object) -> None:
        self._entered = False
        self.close()

    @property
    def workers(self) -> int:
        """Worker threads of the cluster (``jobs`` before connecting to a LocalCluster)."""
        if self._client is None:
            return self.jobs if self.scheduler is None else 1
        return max(1, sum(self._client.nthreads().values()))

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
        if not tasks:
            return
        client = self.start()
        try:
            workers = self.workers
            chunks = batches(tasks, batch_size(len(tasks), workers))
            window = self.in_flight or BATCHES_PER_WORKER * workers
            done = 0
            for results in _ordered(client, fn, chunks, window, self.scheduler or "local"):
                done += len(results)
                yield from results
        except ComputeError as exc:
            raise ComputeError(f"{exc.message}; {done} of {len(tasks)} results received") from None
        finally:
            if not self._entered:  # in a with block, the block's end closes the cluster
                self.close()


def _ordered(
    client: Any,
    fn: Callable[[Any], Any],
    chunks: Iterable[Sequence[Any]],
    window: int,
    where: str,
) -> Iterator[list[Any]]:
    """Each batch's results in order, with at most ``window`` batches submitted at a time."""
    from distributed import KilledWorker
    from distributed.client import FutureCancelledError

    def submit(chunk: Sequence[Any]) -> Any:
        return client.submit(run_batch, (fn, chunk), pure=False)

    queue = iter(chunks)
    pending: deque[Any] = deque(submit(c) for _, c in zip(range(window), queue, strict=False))
    while pending:
        future = pending.popleft()
        try:
            results = future.result()
        except KilledWorker as exc:
            worker = getattr(exc.last_worker, "address", "its workers")
            raise ComputeError(
                f"a batch killed {worker} repeatedly (out of memory?); give the Dask workers "
                "more memory or run fewer worker processes per machine"
            ) from None
        except (OSError, TimeoutError, FutureCancelledError) as exc:
            why = " ".join(str(exc).split()[:12]) or type(exc).__name__
            raise ComputeError(f"lost the Dask scheduler ({where}): {why}") from None
        future.release()
        following = next(queue, None)
        if following is not None:
            pending.append(submit(following))
        yield results
