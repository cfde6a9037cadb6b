"""A 1,000,000-series x 100-point monthly Parquet panel (100M rows): `forecast fit -m snaive`
and `forecast backtest -m snaive` (3 walk-forward folds) on this machine, each in a fresh
process, with its wall and CPU time and peak resident memory (targets of issue 26: under 3
minutes and 6 GB each), and the per-series cost against the numpy limit (a seasonal naive with
80/95 % bounds over the panel already in memory as one [series, 100] array).

The panel is written once (bench/_work/million.parquet, ~0.9 GB) by pyarrow in row groups of
100,000 series: the same generator as bench_panel.py's monthly_panel, series by series seeded.

Usage: python bench/bench_million.py [--series 1000000] [--skip-backtest]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from _util import FORECAST, WORK

H, N_OBS, GROUP = 12, 100, 100_000


def values(n_series: int, seed: int) -> np.ndarray:
    """[n_series, N_OBS]: level, trend, a yearly season, AR(1) noise (bench_panel's rule)."""
    rng = np.random.default_rng(seed)
    t = np.arange(N_OBS)
    level = rng.uniform(50, 500, (n_series, 1))
    trend = rng.uniform(-0.2, 1.0, (n_series, 1)) * t
    phase = rng.uniform(0, 6.3, (n_series, 1))
    season = rng.uniform(0.05, 0.3, (n_series, 1)) * level * np.sin(2 * np.pi * t / 12 + phase)
    shocks = rng.normal(scale=rng.uniform(2, 10, (n_series, 1)), size=(n_series, N_OBS))
    noise = np.zeros_like(shocks)
    for i in range(1, N_OBS):
        noise[:, i] = 0.5 * noise[:, i - 1] + shocks[:, i]
    return np.round(level + trend + season + noise, 3)


def write_panel(path: Path, n_series: int) -> None:
    stamps = pd.date_range("2010-01-01", periods=N_OBS, freq="MS").as_unit("ns").asi8
    schema = pa.schema(
        [("unique_id", pa.string()), ("ds", pa.timestamp("ns")), ("y", pa.float64())]
    )
    with pq.ParquetWriter(str(path), schema) as writer:
        for start in range(0, n_series, GROUP):
            k = min(GROUP, n_series - start)
            ids = pa.array([f"s{i:07d}" for i in range(start, start + k)])
            codes = pa.array(np.repeat(np.arange(k, dtype=np.int32), N_OBS))
            table = pa.table(
                {
                    "unique_id": pa.DictionaryArray.from_arrays(codes, ids).cast(pa.string()),
                    "ds": pa.array(np.tile(stamps, k).astype("datetime64[ns]")),
                    "y": values(k, seed=start).ravel(),
                },
                schema=schema,
            )
            writer.write_table(table)


def run(cmd: list[str]) -> tuple[float, float, float]:
    """Wall s, CPU s and peak GiB of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{cmd} failed ({done.returncode}): {done.stderr[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 2**20


def numpy_limit(n_series: int) -> float:
    """CPU s of a seasonal naive with 80/95 % bounds on the panel held as one array."""
    y = values(min(n_series, GROUP), seed=0)
    reps = max(1, n_series // y.shape[0])
    start = time.process_time()
    for _ in range(reps):
        diffs = y[:, 12:] - y[:, :-12]
        sigma = np.sqrt(np.mean(diffs**2, axis=1))[:, None]
        h = np.arange(1, H + 1)
        mean = y[:, -12:][:, (h - 1) % 12]
        se = sigma * np.sqrt((h - 1) // 12 + 1)
        _ = [(mean - z * se, mean + z * se) for z in (1.2815515655446004, 1.959963984540054)]
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=1_000_000)
    parser.add_argument("--skip-backtest", action="store_true")
    args = parser.parse_args()
    path = WORK / (
        "million.parquet" if args.series == 1_000_000 else f"panel_{args.series}.parquet"
    )
    if not path.exists():
        start = time.perf_counter()
        write_panel(path, args.series)
        took = time.perf_counter() - start
        print(f"wrote {path} ({path.stat().st_size / 2**30:.2f} GiB) in {took:.0f} s")
    print(f"load before: {os.getloadavg()}")
    out = WORK / "million_out.parquet"
    jobs = {
        "fit": [
            FORECAST,
            "fit",
            str(path),
            "-m",
            "snaive",
            "-H",
            str(H),
            "--output",
            str(out),
            "-q",
        ]
    }
    if not args.skip_backtest:
        jobs["backtest"] = [FORECAST, "backtest", str(path), "-m", "snaive", "-H", str(H),
                            "--initial", "64", "--step", str(H), "-f", "csv", "-q"]  # fmt: skip
    limit = numpy_limit(args.series)
    print("| job | wall s | CPU s | peak GiB | CPU per series | / numpy limit |")
    print("|---|---|---|---|---|---|")
    for name, cmd in jobs.items():
        wall, cpu, peak = run(cmd)
        per = cpu / args.series
        print(f"| {name} | {wall:.1f} | {cpu:.1f} | {peak:.2f} | {per * 1e6:.1f} µs | "
              f"{cpu / limit:.0f}x |")  # fmt: skip
    print(f"numpy limit: {limit:.2f} s CPU ({limit / args.series * 1e6:.2f} µs a series)")
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
