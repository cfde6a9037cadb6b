"""A 200-replicate stationary-bootstrap backtest on AirPassengers (144 points): snaive,
ARIMA(2,1,1) with --refit never, auto-arima with --refit 50, walk-forward horizon 12; wall time
with --jobs 1 and --jobs 2 (same run), and a check that both give the same numbers.

Run: .venv/bin/python bench/bench_bootstrap.py [REPS]
"""

from __future__ import annotations

import sys
import time

from _util import ROOT, machine


def main() -> None:
    from forecast.backtesting.engine import ModelEntry
    from forecast.backtesting.runner import BacktestSpec, BootstrapSpec, run_bootstrap_backtest
    from forecast.data import load_series

    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    y = load_series(str(ROOT / "sample_data/airpassengers.csv")).y
    entries = [
        ModelEntry("snaive", "snaive", {"period": 12}),
        ModelEntry("arima", "arima", {"order": "2,1,1"}),
        ModelEntry("auto-arima", "auto-arima", {"period": 12}, refit=50),
    ]
    boot = BootstrapSpec(method="sb", reps=reps)
    print(f"# {reps}-replicate SB backtest, 3 models, AirPassengers ({machine()})")
    results = {}
    for jobs in (1, 2):
        spec = BacktestSpec(horizon=12, refit="never", period=12, jobs=jobs, seed=0)
        start = time.perf_counter()
        result = run_bootstrap_backtest(y, entries, spec, boot)
        results[jobs] = (time.perf_counter() - start, result.extra["bootstrap"])
    one, two = results[1][0], results[2][0]
    print(f"--jobs 1   {one:8.1f} s  ({one / reps:.2f} s per replicate)")
    print(f"--jobs 2   {two:8.1f} s  speed-up {one / two:.2f}x")
    same = results[1][1]["distribution"] == results[2][1]["distribution"]
    print(f"identical distributions for --jobs 1 and 2: {same}")


if __name__ == "__main__":
    main()
