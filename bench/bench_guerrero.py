"""Guerrero's lambda for the series of a panel at once against a per-series scipy search.

    .venv/bin/python bench/bench_guerrero.py [N]

Global nbeats / nhits decide per series whether to model its logarithms (Guerrero's lambda
below 0.5, :mod:`forecast.models.neural.log_transform`). ``guerrero_lambdas`` evaluates the
criterion on a grid for blocks of series and refines by golden-section search; the reference is
the per-series bounded Brent search (scipy's ``minimize_scalar``, as R's ``optimize``) that the
tool used before session 10. Both get the same N synthetic monthly series (lengths 5-200,
random-walk levels with a multiplicative season, one in fifty constant), rounds interleaved; the
script prints the CPU time per series of each, their ratio, the largest difference in lambda and
the number of log/no-log decisions that differ. Then the same for the M3 monthly series of
draws A and B (bench/_work/stacked_m3, training parts), where the decisions must be those
recorded in bench/RESULTS.md (154 and 137 of 250 on logarithms).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar

from forecast.models.neural.log_transform import LAMBDA_BOUNDS, LAMBDA_CUT, guerrero_lambdas

WORK = Path(__file__).resolve().parent / "_work" / "stacked_m3"


def scipy_lambda(y: np.ndarray, period: int) -> float:
    """The reference: one bounded Brent search per series."""
    k = y.size // period
    if k < 2:
        return 1.0
    sub = y[y.size - k * period :].reshape(k, period)
    mean, sd = sub.mean(axis=1), sub.std(axis=1, ddof=1)
    if np.count_nonzero(sd > 0) < 2:
        return 1.0

    def variation(lam: float) -> float:
        ratio = sd / mean ** (1.0 - lam)
        return float(np.std(ratio, ddof=1) / np.mean(ratio))

    return float(minimize_scalar(variation, bounds=LAMBDA_BOUNDS, method="bounded").x)


def synthetic(n_series: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_series):
        n = int(rng.integers(5, 200))
        t = np.arange(n)
        walk = np.exp(rng.normal(0, rng.uniform(0.01, 0.2), n).cumsum() + rng.uniform(1, 8))
        y = walk * (1 + rng.uniform(0, 0.5) * np.sin(2 * np.pi * t / 12))
        out.append(np.full(n, 3.0) if i % 50 == 0 else y)
    return out


def compare(label: str, values: list[np.ndarray], rounds: int) -> None:
    ours, theirs = [], []
    for _ in range(rounds):
        start = time.process_time()
        batch = guerrero_lambdas(values, 12)
        ours.append(time.process_time() - start)
        start = time.process_time()
        reference = np.array([scipy_lambda(y, 12) for y in values])
        theirs.append(time.process_time() - start)
    a, b = min(ours) / len(values) * 1e6, min(theirs) / len(values) * 1e6
    flips = int(np.sum((batch < LAMBDA_CUT) != (reference < LAMBDA_CUT)))
    print(f"{label}: batched {a:.1f} us a series, per-series scipy {b:.1f} us ({b / a:.1f}x); "
          f"largest lambda difference {np.abs(batch - reference).max():.1e}; decisions differ "
          f"on {flips}; logarithms on {int(np.sum(batch < LAMBDA_CUT))} of {len(values)} "
          f"(positive ones)")  # fmt: skip


def main() -> None:
    n_series = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    compare(f"{n_series} synthetic series", synthetic(n_series), rounds=3)
    for draw in ("monthly-A", "monthly-B"):
        path = WORK / f"series_{draw}.json"
        if path.exists():
            items = json.loads(path.read_text())
            train = [np.asarray(s["values"][: -s["h"]], float) for s in items]
            compare(f"M3 {draw}", [y for y in train if np.all(y > 0)], rounds=3)
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
