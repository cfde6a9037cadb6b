"""The vectorised intermittent-demand models (forecast.models.intermittent_batch) against the
per-series loop they stand for, in one process.

    .venv/bin/python bench/bench_intermittent_batch.py [--series 1000] [--seed 29] [--repeat 3]

The panel is bench_intermittent.py's: SERIES weekly series of 104 training weeks (demand with
probability p ~ U[0.05, 0.5], sizes 1 + negative binomial), seeded. Per model, horizon 8,
levels 80 and 95: the CPU time (``time.process_time``) of the batch function on the whole
``[series, 104]`` block, the best of REPEAT calls after a warm-up call (numba's cache loaded),
against the per-series loop ``create(params).fit(y).predict(8, [80, 95])`` over every series
(the best of REPEAT loops after one warm-up fit). The largest difference between the two is
printed as a check. The machine is shared: read the CPU times and the load average (``uptime``
before and after).
"""

from __future__ import annotations

import argparse
import subprocess
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from bench_intermittent import FREQ, TRAIN, simulate

H, LEVELS = 8, (80.0, 95.0)
CONFIGS: dict[str, tuple[str, dict[str, Any]]] = {
    "croston": ("croston", {}),
    "croston-sba": ("croston", {"variant": "sba"}),
    "croston-optimized": ("croston", {"variant": "optimized"}),
    "tsb": ("tsb", {"alpha_d": 0.1, "alpha_p": 0.1}),
    "adida": ("adida", {}),
    "imapa": ("imapa", {}),
}


def best_cpu(repeat: int, run: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    """The smallest CPU seconds of ``repeat`` calls ``run(*args)`` and the last call's result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.process_time()
        result = run(*args)
        times.append(time.process_time() - start)
    return min(times), result


def per_series(name: str, params: dict[str, Any], series: list[pd.Series]) -> np.ndarray:
    """[k, 1 + 2 levels, H]: the mean, then each level's lower and upper bounds."""
    from forecast.models.registry import create

    out = []
    for y in series:
        f = create(name, params).fit(y).predict(H, LEVELS)
        out.append([f.mean, *(b for lv in LEVELS for b in f.bands[lv])])
    return np.array(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=29)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from forecast.models.intermittent_batch import INTERMITTENT_BATCH

    print("uptime before:", subprocess.run(["uptime"], capture_output=True, text=True).stdout)
    train, _ = simulate(args.series, args.seed)
    block = np.ascontiguousarray(train["y"].to_numpy().reshape(args.series, TRAIN))
    index = pd.date_range("2023-01-02", periods=TRAIN, freq=FREQ)
    series = [pd.Series(row, index=index) for row in block]
    print(f"{args.series} series x {TRAIN} weeks, horizon {H}, levels 80/95; CPU seconds")
    print(f"{'model':<18} {'batch':>8} {'per-series':>11} {'ratio':>7} {'max |diff|':>11}")
    for label, (name, params) in CONFIGS.items():
        batch_fn = INTERMITTENT_BATCH[name]
        batch_fn(block[:2], H, LEVELS, FREQ, params)  # warm-up: numba's cache
        per_series(name, params, series[:2])
        fast, got = best_cpu(args.repeat, batch_fn, block, H, LEVELS, FREQ, params)
        slow, want = best_cpu(args.repeat, per_series, name, params, series)
        assert got.ok.all()
        bounds = [b[:, j] for j in range(len(LEVELS)) for b in (got.lower, got.upper)]
        diff = float(np.max(np.abs(np.stack([got.mean, *bounds], axis=1) - want)))
        print(f"{label:<18} {fast:>8.4f} {slow:>11.3f} {slow / fast:>6.0f}x {diff:>11.1e}")
    print("uptime after:", subprocess.run(["uptime"], capture_output=True, text=True).stdout)


if __name__ == "__main__":
    main()
