"""`--engine dask` against the local process pool: scaling, overhead, per-series and task cost.

    .venv/bin/python bench/bench_dask.py [--series 1000] [--order 0,1,0]

A synthetic panel of monthly series (60 observations each), a fixed-order ARIMA fitted on each
with a 6-step forecast (``forecast.fitting.panel.fit_panel``, the function `forecast fit` maps).
Times are wall seconds of the map alone, best of ``--repeat`` rounds (each round runs every
configuration once, so load changes fall on all alike; both clusters stay up throughout); a Dask
cluster's start-up (and the first task that imports forecast in each worker) is timed apart.
Task overhead: the round trip of one-item batches of a function that does nothing, over a
2-worker LocalCluster.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def synthetic_panel(n: int, length: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2015-01-01", periods=length, freq="MS")
    frames = [
        pd.DataFrame(
            {
                "unique_id": f"s{s:06d}",
                "ds": index,
                "y": 100 + rng.normal(size=length).cumsum() + rng.uniform(-20, 20),
            }
        )
        for s in range(n)
    ]
    return pd.concat(frames, ignore_index=True)


def noop(x: Any) -> Any:
    return x


def main() -> None:
    from forecast.data import load
    from forecast.execution import LocalExecutor
    from forecast.execution.batches import run_batch
    from forecast.execution.dask import DaskExecutor
    from forecast.fitting.panel import FitSpec, fit_one, fit_panel

    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--order", default="0,1,0")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    order = tuple(int(p) for p in args.order.split(","))
    print("load before:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "panel.parquet"
        synthetic_panel(args.series).to_parquet(path, index=False)
        panel = load(str(path))
    spec = FitSpec("arima", {"order": order}, 6, (80.0, 95.0))
    n = len(panel)

    def run(executor: Any) -> None:
        assert sum(1 for _ in fit_panel(panel, spec, executor)) == n

    # every configuration runs once per round, the rounds one after another, so that a change
    # in the machine's load falls on all of them alike; each figure is the best of its rounds
    names = ["serial (jobs 1)", "local pool, 2 processes", "dask, 1 worker(s)", "dask, 2 worker(s)"]
    starts = {}
    with DaskExecutor(1) as one, DaskExecutor(2) as two:
        for workers, executor in ((1, one), (2, two)):
            start = time.perf_counter()
            executor.start()
            warm = [(panel[i], spec) for i in range(2 * workers)]
            list(executor.map(fit_one, warm))  # every worker imports forecast once
            starts[workers] = time.perf_counter() - start
        runners = [LocalExecutor(1), LocalExecutor(2), one, two]
        times: dict[str, list[float]] = {name: [] for name in names}
        for _ in range(args.repeat):
            for name, executor in zip(names, runners, strict=True):
                start = time.perf_counter()
                run(executor)
                times[name].append(time.perf_counter() - start)
    rows = [(name, min(times[name])) for name in names]
    for name in names:
        print(f"{name}: " + ", ".join(f"{t:.2f}" for t in times[name]))
    with DaskExecutor(2) as executor:
        client = executor.start()
        client.gather([client.submit(run_batch, (noop, [i]), pure=False) for i in range(20)])
        tasks = 500
        start = time.perf_counter()
        client.gather([client.submit(run_batch, (noop, [i]), pure=False) for i in range(tasks)])
        per_task = (time.perf_counter() - start) / tasks
    table = dict(rows)
    print(f"\n{n} series, ARIMA{order}, horizon 6, os.cpu_count()={os.cpu_count()}")
    print("| run | seconds | per series (ms) |\n|---|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} | {1000 * seconds / n:.2f} |")
    scaling = table["dask, 1 worker(s)"] / table["dask, 2 worker(s)"]
    print(f"\nscaling dask 1 -> 2 workers: {scaling:.2f}x")
    print(
        "dask 2 workers / local pool 2 processes: "
        f"{table['dask, 2 worker(s)'] / table['local pool, 2 processes']:.2f}x"
    )
    print(
        f"cluster start + worker imports: 1 worker {starts[1]:.2f} s, 2 workers {starts[2]:.2f} s"
    )
    print(f"task overhead (one-item batch round trip, 2 workers): {1000 * per_task:.2f} ms")
    print("load after:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
