"""The default seasonal period of a whole panel at once (issue 26 part 4): CPU time of
``resolve_periods`` on a block against ``resolve_period(None, row, freq)`` row by row.

    .venv/bin/python bench/bench_seasonality_batch.py [--series 10000] [--obs 100] [--seed 0]

The panel: bench_panel.py's ``monthly_panel`` (trend + season + AR(1) noise, seeded), SERIES
series x OBS months, as one ``[k, n]`` block. Prints the CPU time (``time.process_time``, best
of two) of three ways: ``resolve_periods`` (the calendar test and the candidate search for the
block), the calendar test alone for the block with every other row through ``resolve_period``
(resolve_periods before the candidate search), and ``resolve_period`` row by row; their ratios,
the shares of rows settled by the calendar test, by the candidate search and per row, that all
give the same periods, and the load average (``uptime``) before and after: the machine is shared.
"""

from __future__ import annotations

import argparse
import subprocess
import time
from collections.abc import Callable

import numpy as np
from bench_panel import monthly_panel

from forecast.diagnostics.seasonality import resolve_period
from forecast.diagnostics.seasonality_batch import (
    UNDECIDED,
    block_periods,
    calendar_seasonal,
    resolve_periods,
)


def cpu_best(fn: Callable[[], np.ndarray], repeat: int = 2) -> tuple[float, np.ndarray]:
    """The smallest CPU time of ``repeat`` calls of ``fn`` and its result."""
    times, result = [], np.zeros(0)
    for _ in range(repeat):
        start = time.process_time()
        result = fn()
        times.append(time.process_time() - start)
    return min(times), result


def calendar_only(values: np.ndarray, freq: str) -> np.ndarray:
    """resolve_periods before the candidate search: the block's calendar test, then every other
    row through resolve_period."""
    settled = calendar_seasonal(values, freq)
    periods = np.where(settled, 12, 0)
    for row in np.flatnonzero(~settled):
        periods[row] = resolve_period(None, values[row], freq)[0] or 0
    return periods


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
    before_s, before = cpu_best(lambda: calendar_only(values, freq))
    settled = calendar_seasonal(values, freq)
    searched = (block_periods(values, freq) != UNDECIDED) & ~settled
    print(f"panel: {args.series:,} monthly series x {args.obs} points, seed {args.seed}")
    for name, seconds in (
        ("resolve_periods (calendar test + candidate search)", batch_s),
        ("calendar test only, other rows per row (before)", before_s),
        ("resolve_period per row", loop_s),
    ):
        print(f"{name}: {seconds:.3f} s CPU ({1e6 * seconds / args.series:.1f} us/row)")
    print(
        f"ratios: before / after {before_s / batch_s:.2f}x, per row / after {loop_s / batch_s:.1f}x"
    )
    print(
        f"rows settled by the calendar test {settled.mean():.1%}, by the candidate search "
        f"{searched.mean():.1%}, per row {1 - settled.mean() - searched.mean():.1%}"
    )
    same = np.array_equal(batch, loop) and np.array_equal(before, loop)
    print(f"same periods: {bool(same)}; periods: {np.bincount(batch)}")
    print("load after:", subprocess.run(uptime, capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
