"""The vectorised Theta (forecast.models.theta_batch) against the per-series Theta it stands
for, and against statsforecast's AutoTheta and Theta, on simulated monthly panels.

    .venv/bin/python bench/bench_theta_batch.py [--series 1000 10000] [--repeat 2] [--no-sf]

Each panel: SERIES monthly series of 100 points (seeded): a level in [50, 500], a
multiplicative season of amplitude U[0, 0.3] at a random phase, a drift, a random walk of
N(0, 2) steps, rounded to 3 decimals. Horizon 18, levels 80 and 95, the default parameters
(variant auto: the least in-sample MSE of the four models, as AutoTheta; period auto).
Timed as CPU seconds (``time.process_time``): the batch function on the whole ``[SERIES, 100]``
block (the best of REPEAT calls after a warm-up call: numba's cache loaded); the per-series
loop ``create("theta").fit(y).predict(18, [80, 95])`` over every series (once at 10,000
series, the best of REPEAT below); statsforecast's ``forecast`` with the same levels, run in
its own virtualenv (bench/_work/sf-venv, bench/statsforecast_theta.py) on the same panel
written as Parquet (its frame building and result included, the read not). The largest
relative difference between the batch and the per-series numbers is printed as a check. The
machine is shared: read the ratios with the load average (``uptime`` before and after).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

N, H, LEVELS, FREQ = 100, 18, (80.0, 95.0), "MS"
SF_PYTHON = Path(__file__).resolve().parent / "_work" / "sf-venv" / "bin" / "python"


def simulate(series: int, seed: int = 2026) -> np.ndarray:
    """``[series, N]`` the panel of the module docstring."""
    rng = np.random.default_rng(seed)
    t = np.arange(N)
    level = rng.uniform(50, 500, (series, 1))
    season = 1 + rng.uniform(0, 0.3, (series, 1)) * np.sin(
        2 * np.pi * t / 12 + rng.uniform(0, 2 * np.pi, (series, 1))
    )
    walk = rng.normal(0, 2, (series, N)).cumsum(axis=1)
    return np.round(level * season + rng.normal(0, 0.3, (series, 1)) * t + walk, 3)


def best_cpu(repeat: int, run: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    """The smallest CPU seconds of ``repeat`` calls ``run(*args)`` and the last call's result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.process_time()
        result = run(*args)
        times.append(time.process_time() - start)
    return min(times), result


def per_series(series: list[pd.Series]) -> np.ndarray:
    """``[k, 1 + 2 levels, H]``: the mean, then each level's lower and upper bounds."""
    from forecast.models.registry import create

    out = []
    for y in series:
        f = create("theta").fit(y).predict(H, LEVELS)
        out.append([f.mean, *(b for lv in LEVELS for b in f.bands[lv])])
    return np.array(out)


def statsforecast(block: np.ndarray, index: pd.DatetimeIndex) -> dict[str, float]:
    """statsforecast's timings (bench/statsforecast_theta.py) on ``block``."""
    k = block.shape[0]
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat([f"s{i:05d}" for i in range(k)], N),
            "ds": np.tile(index.to_numpy(), k),
            "y": block.reshape(-1),
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "panel.parquet"
        frame.to_parquet(path, index=False)
        script = str(Path(__file__).with_name("statsforecast_theta.py"))
        done = subprocess.run(
            [str(SF_PYTHON), script, str(path), str(H)], capture_output=True, text=True, check=True
        )
    found: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def run(series: int, repeat: int, with_sf: bool) -> None:
    """One panel's timings, printed."""
    from forecast.models.theta_batch import theta_batch

    block = simulate(series)
    index = pd.date_range("2010-01-01", periods=N, freq=FREQ)
    ys = [pd.Series(row, index=index) for row in block]
    theta_batch(block[:2], H, LEVELS, FREQ, {})  # warm-up: numba's cache
    per_series(ys[:2])
    fast, got = best_cpu(repeat, theta_batch, block, H, LEVELS, FREQ, {})
    slow, want = best_cpu(1 if series >= 10_000 else repeat, per_series, ys)
    bounds = [b[:, j] for j in range(len(LEVELS)) for b in (got.lower, got.upper)]
    mine = np.stack([got.mean, *bounds], axis=1)
    diff = float(np.max(np.abs(mine - want) / np.maximum(np.abs(want), 1e-300)))
    line = (
        f"{series:>6} series: batch {fast:7.2f} s ({1e3 * fast / series:.3f} ms a series, "
        f"{got.ok.mean():.1%} settled), per-series {slow:7.2f} s: {slow / fast:4.1f}x; "
        f"max rel diff {diff:.1e}"
    )
    if with_sf:
        sf = statsforecast(block, index)
        line += "".join(
            f"; {name} {sf[f'{name}_cpu']:7.2f} s: batch/{name} {fast / sf[f'{name}_cpu']:.2f}x"
            for name in ("AutoTheta", "Theta")
        )
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--no-sf", action="store_true", help="skip statsforecast")
    args = parser.parse_args()
    uptime = ["uptime"]
    print("uptime before:", subprocess.run(uptime, capture_output=True, text=True).stdout.strip())
    print(f"monthly series of {N} points, horizon {H}, levels 80/95, theta defaults; CPU seconds")
    for series in args.series:
        run(series, args.repeat, with_sf=not args.no_sf and SF_PYTHON.exists())
    print("uptime after:", subprocess.run(uptime, capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
