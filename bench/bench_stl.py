"""The MSTL decomposition per fit, ours (forecast.models.stl_kernels.mstl_decompose) against
statsmodels' ``MSTL(y, periods=12).fit()``, on the training parts of M3 monthly series (the
panel of bench_smoothing_panel.py), in one process: CPU time (``time.process_time``) of the
sides alternating for ``--rounds`` rounds, medians; and, in fresh processes, the CPU cost of
importing statsmodels.tsa.seasonal after numpy, pandas, scipy and numba.

Usage: python bench/bench_stl.py [--series 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from bench_smoothing_panel import m3_panel

IMPORT = (
    "import time, numpy, pandas, scipy, numba; t = time.process_time(); "
    "import statsmodels.tsa.seasonal; print(time.process_time() - t)"
)


def main() -> None:
    import pandas as pd
    from statsmodels.tsa.seasonal import MSTL

    from forecast.models.stl_kernels import mstl_decompose

    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    panel = pd.read_parquet(m3_panel(args.series))
    series = [g["y"].to_numpy(float) for _, g in panel.groupby("unique_id")]
    mstl_decompose(series[0], (12,)), MSTL(series[0], periods=12).fit()  # compile, warm
    ours, theirs = [], []
    for _ in range(args.rounds):
        start = time.process_time()
        for y in series:
            mstl_decompose(y, (12,))
        ours.append(time.process_time() - start)
        start = time.process_time()
        for y in series:
            MSTL(y, periods=12).fit()
        theirs.append(time.process_time() - start)
    o, s = statistics.median(ours), statistics.median(theirs)
    print(f"{len(series)} series: ours {1e3 * o / len(series):.3f} ms a fit, statsmodels "
          f"{1e3 * s / len(series):.3f} ms, {o / s:.2f}x")  # fmt: skip
    runs = [subprocess.run([sys.executable, "-c", IMPORT], capture_output=True, text=True)
            for _ in range(args.rounds)]  # fmt: skip
    cost = statistics.median(float(r.stdout) for r in runs)
    print(f"import statsmodels.tsa.seasonal: {cost:.3f} s CPU; load {os.getloadavg()}")


if __name__ == "__main__":
    main()
