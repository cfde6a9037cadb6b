"""Running per-series work over a panel: the executor seam (serial, process pool; Dask next)."""

from forecast.execution.executor import Executor, LocalExecutor, batch_size, make_executor

__all__ = ["Executor", "LocalExecutor", "batch_size", "make_executor"]
