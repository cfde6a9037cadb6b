"""Running per-series work over a panel: the executor seam (serial, process pool, Dask)."""

from __future__ import annotations

from typing import Any

from forecast.errors import UsageError
from forecast.execution.batches import batch_size
from forecast.execution.executor import Executor, LocalExecutor

__all__ = ["Executor", "LocalExecutor", "batch_size", "make_executor"]


def make_executor(
    engine: str = "local", jobs: int = 1, scheduler: str | None = None, **options: Any
) -> Executor:
    """The executor for ``--engine``: ``local`` (this machine) or ``dask`` (the cluster at
    ``scheduler``, else a LocalCluster of ``jobs`` processes; see :mod:`.dask`)."""
    if engine == "local":
        if scheduler is not None:
            raise UsageError("--scheduler needs --engine dask")
        return LocalExecutor(jobs)
    if engine == "dask":
        from forecast.execution.dask import DaskExecutor

        return DaskExecutor(jobs, scheduler, **options)
    raise UsageError(f"--engine must be local or dask, got {engine!r}")
