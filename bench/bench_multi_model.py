"""Several models in one `fit` cost one load (issue 31): `fit -m ets -m theta` on a panel of
1,000 monthly series against the two one-model fits, in CPU seconds of the child process
(user + system, so that other load on the machine does not count), interleaved rounds.

Target: multi <= ets + theta - load, where load is the CPU time of reading the panel alone
(`forecast.load` in a fresh process, interpreter start included, as each fit pays it).

Usage: python bench/bench_multi_model.py [SERIES] [ROUNDS]   (defaults 1000, 3)
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _util import FORECAST, PYTHON, machine
from bench_panel import monthly_panel


def cpu_seconds(cmd: list[str]) -> float:
    """User + system CPU seconds of ``cmd`` run to its end in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        cmd, capture_output=True, check=False, env={**os.environ, "NO_COLOR": "1"}
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{cmd} failed: {done.stderr.decode()[-500:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    n_series, rounds = ([int(a) for a in sys.argv[1:3]] + [1000, 3][len(sys.argv[1:3]) :])[:2]
    work = Path(tempfile.mkdtemp(prefix="bench-multi-"))
    data = work / "panel.csv"
    monthly_panel(n_series, 120, seed=0).to_csv(data, index=False)
    out = str(work / "out.parquet")

    def fit(*models: str) -> list[str]:
        flags = [a for m in models for a in ("-m", m)]
        return [FORECAST, "fit", str(data), *flags, "-H", "12", "--output", out, "-q"]

    commands = {
        "load": [PYTHON, "-c", f"import forecast; forecast.load({str(data)!r})"],
        "ets": fit("ets"),
        "theta": fit("theta"),
        "ets+theta": fit("ets", "theta"),
    }
    cpu_seconds(commands["ets+theta"])  # numba's cache and the file cache warm
    times: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(rounds):
        for name, cmd in commands.items():
            times[name].append(cpu_seconds(cmd))
    median = {k: statistics.median(v) for k, v in times.items()}
    bound = median["ets"] + median["theta"] - median["load"]
    print(f"{machine()}; load average {os.getloadavg()[0]:.2f}; {n_series} series x 120 points")
    for name, value in median.items():
        print(f"  {name:10s} {value:7.2f} s CPU (median of {rounds}: {times[name]})")
    verdict = "met" if median["ets+theta"] <= bound else "NOT met"
    saved = median["ets"] + median["theta"] - median["ets+theta"]
    print(f"  target ets+theta <= ets + theta - load = {bound:.2f} s: {verdict} "
          f"({median['ets+theta']:.2f} s; saved {saved:.2f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
