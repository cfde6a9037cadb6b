"""The default seasonal period of a whole panel at once (issue 26 part 4): CPU time of
``resolve_periods`` on a block against ``resolve_period(None, row, freq)`` row by row.

    .venv/bin/python bench/bench_seasonality_batch.py [--series 10000] [--obs 100] [--seed 0]

The panel: bench_panel.py's ``monthly_panel`` (trend + season + AR(1) noise, seeded), SERIES
series x OBS months, as one ``[k, n]`` block. Prints the CPU time (``time.process_time``, best
of two) of each way, their ratio, the share of rows the block settles itself (the others go
through ``resolve_period``) and the CPU time of that block test alone, that both give the same
periods, and the load average (``uptime``) before and after: the machine is shared.
"""

from __future__ import annotations

import argparse
import subprocess
import time
from collections.abc import Callable

import numpy as np
from bench_panel import monthly_panel

from forecast.diagnostics.seasonality import resolve_period
from forecast.diagnostics.seasonality_batch import calendar_seasonal, resolve_periods


def cpu_best(fn: Callable[[], np.ndarray], repeat: int = 2) -> tuple[float, np.ndarray]:
    """The smallest CPU time of ``repeat`` calls of ``fn`` and its result."""
    times, result = [], np.zeros(0)
    for _ in range(repeat):
        start = time.process_time()
        result = fn()
        times.append(time.process_time() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--obs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    uptime = ["uptime"]
    print("load before:", subprocess.run(uptime, capture_output=True, text=True).stdout.strip())
    frame = monthly_panel(args.series, args.obs, args.seed)
    values = frame["y"].to_numpy(dtype="float64").reshape(args.series, args.obs)
    freq = "MS"
    batch_s, batch = cpu_best(lambda: resolve_periods(values, freq))
    loop_s, loop = cpu_best(
        lambda: np.array([resolve_period(None, row, freq)[0] or 0 for row in values])
    )
    block_s, settled = cpu_best(lambda: calendar_seasonal(values, freq))
    print(f"panel: {args.series:,} monthly series x {args.obs} points, seed {args.seed}")
    print(
        f"resolve_periods (block): {batch_s:.3f} s CPU ({1e6 * batch_s / args.series:.1f} us/row)"
    )
    print(f"resolve_period per row:  {loop_s:.3f} s CPU ({1e6 * loop_s / args.series:.1f} us/row)")
    print(f"ratio: {loop_s / batch_s:.1f}x; rows settled by the block: {settled.mean():.1%}")
    print(f"of which the block's own test (calendar_seasonal): {block_s:.3f} s CPU")
    print(f"same periods: {bool(np.array_equal(batch, loop))}; periods: {np.bincount(batch)}")
    print("load after:", subprocess.run(uptime, capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
