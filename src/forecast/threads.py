"""The thread rule: how many threads the numeric libraries may use, and where it is applied.

The rule (stated in the README and recorded as ``config.threads`` in every JSON document):

* classical models and diagnostics run their BLAS and OpenMP pools (numpy's and scipy's
  OpenBLAS, MKL, OpenMP) at 1 thread. Their matrices are a few by a few: a pool as large as the
  machine does not help them, its threads spin after each call, and beside another busy process
  the work waits for them (a 500-origin ARIMA backtest took 0.34 s instead of 0.12 s);
* neural models run torch's intra-op threads at the core count (batched training does scale);
* OpenMP pools wait passively (``OMP_WAIT_POLICY=PASSIVE``, set by ``forecast/__init__.py``
  unless the environment sets it): spinning threads beside a busy process starve it;
* ``--threads N`` (or ``FORECAST_THREADS=N``; the option wins) sets both to N;
* ``--jobs J`` splits them: each of the min(J, cores) workers gets max(1, N // workers) torch
  threads (N: the core count, or ``--threads``), and the classical count capped by that.

:func:`limited` applies a policy around a library call (the commands do) and restores the pools
afterwards, :func:`enter_worker` applies a worker's share for the worker's life, and
:func:`torch_threads` sets torch's threads around neural training and inference.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from forecast.errors import UsageError

ENV = "FORECAST_THREADS"
RULE = (
    "classical models and diagnostics: BLAS/OpenMP pools at 1 thread; neural models: torch "
    "intra-op threads at the core count; --threads N or FORECAST_THREADS=N sets both to N; "
    "--jobs J: each of the min(J, cores) workers gets max(1, N // workers) (N: the core count "
    "by default)"
)

# What each kind of pool reads when its library is loaded (the first one set wins).
_LOAD_VARIABLES = {
    "openblas": ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"),
    "mkl": ("MKL_NUM_THREADS", "OMP_NUM_THREADS"),
    "blis": ("BLIS_NUM_THREADS", "OMP_NUM_THREADS"),
    "openmp": ("OMP_NUM_THREADS",),
}
_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "OMP_NUM_THREADS")


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class ThreadPolicy:
    """Threads of one process: ``classical`` for BLAS/OpenMP pools, ``neural`` for torch."""

    classical: int
    neural: int
    source: str  # "default", "--threads" or "FORECAST_THREADS"
    cores: int

    def for_workers(self, jobs: int) -> ThreadPolicy:
        """The share of each worker when ``jobs`` worker processes run at once."""
        workers = max(1, min(jobs, self.cores))
        share = max(1, self.neural // workers)
        return replace(self, classical=min(self.classical, share), neural=share)

    def to_dict(self, jobs: int = 1) -> dict[str, Any]:
        """The ``threads`` block of a JSON document's config."""
        out: dict[str, Any] = {
            "rule": RULE,
            "source": self.source,
            "cores": self.cores,
            "classical": self.classical,
            "neural": self.neural,
        }
        if jobs > 1:
            worker = self.for_workers(jobs)
            out["per_worker"] = {
                "jobs": jobs,
                "classical": worker.classical,
                "neural": worker.neural,
            }
        return out


def resolve(threads: int | None = None, environ: Mapping[str, str] | None = None) -> ThreadPolicy:
    """The policy for ``--threads`` (None: not given), else ``FORECAST_THREADS``, else the
    default rule."""
    cores = available_cores()
    if threads is not None:
        if threads < 1:
            raise UsageError(
                f"--threads must be >= 1, got {threads}; pass --threads 1 or more, or leave it "
                "out for the default"
            )
        return ThreadPolicy(threads, threads, "--threads", cores)
    raw = (os.environ if environ is None else environ).get(ENV, "").strip()
    if not raw:
        return ThreadPolicy(1, cores, "default", cores)
    if not raw.isdigit() or int(raw) < 1:
        raise UsageError(
            f"{ENV} must be a whole number >= 1, got {raw!r}; set e.g. {ENV}=1, or unset it "
            "for the default"
        )
    return ThreadPolicy(int(raw), int(raw), ENV, cores)


_ACTIVE: ContextVar[ThreadPolicy | None] = ContextVar("forecast_threads", default=None)


def active() -> ThreadPolicy:
    """The policy in force: the one :func:`limited` or :func:`enter_worker` applied, else the
    default rule (with ``FORECAST_THREADS``)."""
    return _ACTIVE.get() or resolve()


@contextmanager
def limited(policy: ThreadPolicy) -> Iterator[ThreadPolicy]:
    """Run the block under ``policy``: the BLAS/OpenMP pools loaded now at ``policy.classical``
    threads, and those loaded inside the block start at it (their load-time variables are set
    for the block). Afterwards the pools, the variables and the active policy are restored;
    pools first loaded inside the block go back to their load-time default."""
    from threadpoolctl import ThreadpoolController

    controller = ThreadpoolController()
    loaded = {lib.filepath for lib in controller.lib_controllers}
    saved = {name: os.environ.get(name) for name in _VARIABLES}
    token = _ACTIVE.set(policy)
    _set_variables(policy.classical)
    limiter = controller.limit(limits=policy.classical)
    try:
        yield policy
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        limiter.restore_original_limits()
        for lib in ThreadpoolController().lib_controllers:
            if lib.filepath not in loaded:
                lib.set_num_threads(_load_default(lib.internal_api, saved))
        _ACTIVE.reset(token)


def enter_worker(policy: ThreadPolicy) -> None:
    """Apply a worker's share for the rest of the process (a process pool's initializer)."""
    from threadpoolctl import threadpool_limits

    _ACTIVE.set(policy)
    _set_variables(policy.classical)
    threadpool_limits(limits=policy.classical)


@contextmanager
def torch_threads() -> Iterator[int]:
    """Torch's intra-op threads at the active policy's ``neural`` count for the block."""
    import torch

    threads = active().neural
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield threads
    finally:
        torch.set_num_threads(previous)


def _set_variables(threads: int) -> None:
    for name in _VARIABLES:
        os.environ[name] = str(threads)


def _load_default(internal_api: str, saved: Mapping[str, str | None]) -> int:
    """The threads a pool of this kind starts with when loaded under the ``saved`` variables."""
    for name in _LOAD_VARIABLES.get(internal_api, ("OMP_NUM_THREADS",)):
        value = (saved.get(name) or "").strip()
        if value.isdigit() and int(value) >= 1:
            return int(value)
    return available_cores()
