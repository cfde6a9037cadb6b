"""Why a Dask worker fits slower than a plain process: the same loop of fits timed inside one
task (no transfer), with Dask's worker diagnostics on (its defaults) and off
(``forecast.execution.dask.QUIET_WORKERS``), against the loop in this process.

    PYTHONPATH=src .venv/bin/python bench/bench_dask_worker.py [--series 300] [--rounds 3]

Each configuration: a fresh 1-worker LocalCluster, one untimed warm-up task, then the best of
3 tasks; configurations alternate ``--rounds`` times, as the machine's load drifts.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from _util import best
from bench_dask import synthetic_panel


def fit_all(tasks: list[Any]) -> float:
    """Seconds to fit every task here (run inside the worker)."""
    from forecast.fitting.panel import fit_one

    start = time.perf_counter()
    for task in tasks:
        fit_one(task)
    return time.perf_counter() - start


def main() -> None:
    import dask
    import distributed

    from forecast.data import load
    from forecast.execution.dask import QUIET_WORKERS
    from forecast.fitting.panel import FitSpec

    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "panel.parquet"
        synthetic_panel(args.series).to_parquet(path, index=False)
        panel = load(str(path))
    spec = FitSpec("arima", {"order": (2, 1, 1)}, 6, (80.0, 95.0))
    tasks = [(panel[i], spec) for i in range(len(panel))]
    fit_all(tasks[:10])
    print(f"{args.series} series of ARIMA(2,1,1), seconds (best of 3 per row)")
    for _ in range(args.rounds):
        print(f"  this process       {best(lambda: fit_all(tasks), 3)[0]:.2f}", flush=True)
        for label, config in (("dask defaults", {}), ("quiet workers", QUIET_WORKERS)):
            with (
                dask.config.set(config),
                distributed.LocalCluster(
                    n_workers=1,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                ) as cluster,
                distributed.Client(cluster) as client,
            ):
                client.submit(fit_all, tasks[:10]).result()
                inside = min(client.submit(fit_all, tasks, pure=False).result() for _ in range(3))
                print(f"  {label:18} {inside:.2f}", flush=True)


if __name__ == "__main__":
    main()
