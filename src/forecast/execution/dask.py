"""`--engine dask`: the executor seam on dask.distributed futures (a cluster, or a LocalCluster).

Batching rule (the same as the local pool's, :func:`forecast.execution.batches.batch_size`):
work travels in batches of whole series, ``ceil(n / (4 x workers))`` series per batch, capped
at 256. Four batches per worker keep every worker busy at the end of a run; the cap keeps
results streaming back; a Dask task costs about a millisecond of scheduling and transfer
(bench/RESULTS.md), which a batch of even a few series amortises. A series is never split.

At most ``4 x workers`` batches are in flight: the client submits the next batch when it takes
the oldest one's results, and yields results in task order, so its memory holds a bounded
number of batches whatever the size of the panel.

Without a scheduler address a ``LocalCluster`` is started on 127.0.0.1 with ``jobs`` worker
processes of one thread each (Dask's nanny sets OMP/MKL/OpenBLAS to one thread per worker;
the workers' diagnostics are off, :data:`QUIET_WORKERS`) and closed when the map ends; a map
that stops early (an error, Ctrl-C, SIGTERM) kills its worker processes at once instead of
waiting for their batches (:meth:`DaskExecutor.stop_now`). With one, the client connects within
``connect_timeout`` seconds (``--scheduler-timeout``), the scheduler's handshake included:
an unreachable or silent scheduler is a :class:`~forecast.errors.UsageError` (exit 2). A worker
that dies mid-run costs only its batches, which the scheduler reruns elsewhere (the functions
are pure, so the output is the same); losing the scheduler itself is a
:class:`~forecast.errors.ComputeError` (exit 1). distributed's own log lines (a lost
connection's traceback among them) are silenced while an executor is open: its failures reach
the user as those errors (after a stop, for the rest of the process). dask is imported here only,
inside the functions (DESIGN rule 9).
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
from forecast.execution.batches import BATCHES_PER_WORKER, batch_size, batches, run_batch
from forecast.execution.executor import register_running

T = TypeVar("T")
R = TypeVar("R")

CONNECT_TIMEOUT_S = 10.0  # --scheduler-timeout's default
TIMEOUT_OPTION = "--scheduler-timeout"
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
# The loggers silenced while an executor is open (with every logger under them that distributed
# gave its own level, such as distributed.client): a lost scheduler's reconnection, cancelled by
# our close, logs a traceback on stderr through them, and asyncio reports the tasks a stop
# cancelled.
LOGGERS = ("distributed", "tornado", "asyncio")
NANNY_GRACE_S = 0.2  # stop_now: a LocalCluster worker's time to stop before its nanny kills it


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
    _log_levels: dict[str, int] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.jobs < 1:
            raise UsageError(f"--jobs must be >= 1, got {self.jobs}")
        if self.scheduler is not None and not self.scheduler.strip():
            raise UsageError("--scheduler is empty; pass tcp://HOST:PORT or leave it out")

    def start(self) -> Any:
        """Connect (or start the LocalCluster); returns the dask Client."""
        if self._client is not None:
            return self._client
        import distributed  # noqa: F401  (its import configures the loggers silenced next)

        self._quiet_logs()
        try:
            self._client = self._start_local() if self.scheduler is None else self._connect()
        except BaseException:
            self.stop_now()
            raise
        register_running(self)
        return self._client

    def _start_local(self) -> Any:
        from multiprocessing import resource_tracker

        import dask
        from distributed import Client, LocalCluster

        from forecast import signals

        # deferred: the worker processes start with SIGINT blocked (Ctrl-C is the client's to
        # act on), and a signal during the start acts once the cluster is whole and closable.
        # multiprocessing's resource tracker is started first: starting it unblocks SIGINT in
        # the thread that does (CPython 3.11-3.13 resource_tracker.ensure_running), which would
        # be the cluster's IO loop thread, the one that starts the workers.
        resource_tracker.ensure_running()
        with warnings.catch_warnings(), dask.config.set(QUIET_WORKERS), signals.deferred():
            warnings.simplefilter("ignore", UserWarning)  # "port 8787 in use": not ours
            self._cluster = LocalCluster(
                n_workers=self.jobs,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.CRITICAL + 1,
            )
        return Client(self._cluster)

    def _connect(self) -> Any:
        from distributed import Client

        address, timeout = str(self.scheduler), self.connect_timeout
        try:
            _handshake(address, timeout)
            client = Client(address, timeout=timeout)
        except ValueError:
            raise UsageError(
                f"--scheduler {address} is not a Dask address; pass tcp://HOST:PORT"
            ) from None
        except (OSError, TimeoutError):
            raise UsageError(
                f"the Dask scheduler at {address} did not answer within {timeout:g} s "
                f"({TIMEOUT_OPTION} {timeout:g}); start one with 'dask scheduler', fix "
                f"--scheduler/{SCHEDULER_ENV}, or give it longer with {TIMEOUT_OPTION}"
            ) from None
        try:
            client.wait_for_workers(1, timeout=timeout)
        except (OSError, TimeoutError):
            with contextlib.suppress(Exception):
                client.close()
            raise UsageError(
                f"the Dask scheduler at {address} has no workers after {timeout:g} s "
                f"({TIMEOUT_OPTION}); start some with 'dask worker {address}'"
            ) from None
        return client

    def close(self) -> None:
        """Close the connection and the LocalCluster this executor started (its workers end
        their running batches first)."""
        self._close()
        self._restore_logs()

    def _close(self) -> None:
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None
        if client is not None:
            with contextlib.suppress(Exception):  # a lost scheduler cannot be told goodbye
                client.close()
        if cluster is not None:
            cluster.close()

    def stop_now(self) -> None:
        """Close at once: the LocalCluster's worker processes are killed after
        :data:`NANNY_GRACE_S` instead of finishing their batches (a nanny otherwise waits 4 s
        for them). A remote cluster's workers are not ours: the client's futures are released
        as it closes, so the scheduler drops their batches.

        distributed's and asyncio's loggers stay silenced afterwards: the tasks cancelled here
        report their cancellation later, some as the interpreter exits."""
        cluster = self._cluster
        if cluster is not None:
            nannies = list(cluster.workers.values())
            with contextlib.suppress(Exception):
                cluster.sync(_close_nannies, nannies, NANNY_GRACE_S / 0.8)
        self._close()

    def _quiet_logs(self) -> None:
        if self._log_levels is None:
            self._log_levels = _silence(LOGGERS)

    def _restore_logs(self) -> None:
        if self._log_levels is not None:
            for name, level in self._log_levels.items():
                logging.getLogger(name).setLevel(level)
            self._log_levels = None

    def __enter__(self) -> DaskExecutor:
        self.start()
        self._entered = True
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        self._entered = False
        if kind is None:
            self.close()
        else:
            self.stop_now()

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
        finished = False
        try:
            workers = self.workers
            chunks = batches(tasks, batch_size(len(tasks), workers))
            window = self.in_flight or BATCHES_PER_WORKER * workers
            done = 0
            for results in _ordered(client, fn, chunks, window, self.scheduler or "local"):
                done += len(results)
                yield from results
            finished = True
        except ComputeError as exc:
            raise ComputeError(f"{exc.message}; {done} of {len(tasks)} results received") from None
        finally:
            if not finished:  # an error, Ctrl-C, SIGTERM, or the caller stopped early
                self.stop_now()
            elif not self._entered:  # in a with block, the block's end closes the cluster
                self.close()


def _silence(roots: Sequence[str]) -> dict[str, int]:
    """Set the ``roots`` loggers, and those under them with a level of their own, above
    CRITICAL; returns their levels before."""
    names = [
        name
        for name, logger in list(logging.root.manager.loggerDict.items())
        if isinstance(logger, logging.Logger)
        and logger.level != logging.NOTSET
        and any(name.startswith(f"{root}.") for root in roots)
    ]
    levels = {name: logging.getLogger(name).level for name in (*roots, *names)}
    for name in levels:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    return levels


def _handshake(address: str, timeout: float) -> None:
    """Open a connection to the scheduler and read its handshake within ``timeout`` seconds.

    distributed's ``connect`` bounds the TCP connection but not the handshake read that follows
    it (distributed 2026.8): a server that accepts and never answers holds ``Client(address,
    timeout=...)`` for ever. One handshake under a deadline first turns that into a
    TimeoutError; a real scheduler answers in milliseconds. It runs in a thread of its own, so
    that a caller inside an event loop (a notebook) can use it too."""
    import asyncio
    import threading

    from distributed.comm import connect

    async def probe() -> None:
        comm = await connect(address, timeout=timeout)
        await comm.close()

    failed: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(asyncio.wait_for(probe(), timeout))
        except BaseException as exc:  # handed to the caller
            failed.append(exc)

    thread = threading.Thread(target=run, name="forecast-dask-handshake", daemon=True)
    thread.start()
    thread.join(timeout + 5.0)  # asyncio.wait_for ends it at the timeout; this is a backstop
    if thread.is_alive():
        raise TimeoutError(f"no handshake from {address} within {timeout:g} s")
    if failed:
        raise failed[0]


async def _close_nannies(nannies: list[Any], timeout: float) -> None:
    """Close the nannies, each killing its worker process after ``0.8 x timeout`` (and
    waiting ``timeout`` more for it to be reaped)."""
    import asyncio

    await asyncio.gather(*(n.close(timeout=timeout) for n in nannies), return_exceptions=True)


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
