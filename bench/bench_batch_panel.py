"""The vectorised panel path (issue 26 part 4): `forecast fit -m naive|snaive` on panels of
monthly series x 100 points against statsforecast's Naive / SeasonalNaive on the same Parquet
file, the same job (12 steps, 80 and 95 % intervals).

Ours: a fresh `forecast fit PANEL.parquet -m MODEL -H 12 --output OUT.parquet -q` process:
imports, the load, the forecasts and the Parquet output all included; CPU = the child's user +
system time. statsforecast: its `forecast` call in one warm process (numba compiled, the frame
read beforehand: neither is timed), n_jobs=1, with the same levels, and without any (point
forecasts only: a cheaper job, shown for reference). Rounds interleaved, best of ``--repeat``.

``--backtest``: `forecast backtest PANEL.parquet -m MODEL -H 12 --initial 64 --step 12 -f csv`
(3 walk-forward folds, refitted, with the metrics report) against statsforecast's
`cross_validation(h=12, n_windows=3, step_size=12)` (the same three cutoffs; forecasts only).

``--in-process``: ours warm as well, for a comparison on the same footing as statsforecast's
(whose call is timed in a warm process): the same CLI command run through
``forecast.cli.app.main`` in this process after one untimed run, its CPU time
(``time.process_time``) with the Parquet load and output still included on our side.

Usage: python bench/bench_batch_panel.py [--series 10000 100000] [--repeat 2]
       [--models naive snaive] [--backtest] [--in-process]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import time
from pathlib import Path

from _util import FORECAST, WORK
from bench_panel import monthly_panel

SF_PYTHON = WORK / "sf-venv" / "bin" / "python"
HERE = Path(__file__).resolve().parent
H = 12


def panel(n_series: int) -> Path:
    path = WORK / f"batch_{n_series}.parquet"
    if not path.exists():
        monthly_panel(n_series, 100, seed=26).to_parquet(path, index=False)
    return path


def command(path: Path, model: str, backtest: bool) -> list[str]:
    """The CLI arguments of our side's job (after the program name)."""
    if backtest:
        return ["backtest", str(path), "-m", model, "-H", str(H), "--initial", "64",
                "--step", str(H), "-f", "csv", "-q"]  # fmt: skip
    return ["fit", str(path), "-m", model, "-H", str(H), "--output",
            str(WORK / "batch_out.parquet"), "-q"]  # fmt: skip


def ours(path: Path, model: str, backtest: bool) -> tuple[float, float, int]:
    """CPU seconds, wall seconds and peak KiB of one fresh `forecast` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    cmd = [FORECAST, *command(path, model, backtest)]
    subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, "NO_COLOR": "1"})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, after.ru_maxrss


def ours_warm(path: Path, model: str, backtest: bool) -> tuple[float, float, int]:
    """CPU and wall seconds of the same job run by ``forecast.cli.app.main`` in this (warm)
    process; its standard output (the backtest's report) is discarded."""
    import contextlib
    import io

    from forecast.cli.app import main as cli

    start_cpu, start = time.process_time(), time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            code = cli(command(path, model, backtest))
        except SystemExit as done:  # click's standalone mode ends with it
            code = done.code
    if code:
        raise SystemExit(f"forecast {' '.join(command(path, model, backtest))}: exit {code}")
    return time.process_time() - start_cpu, time.perf_counter() - start, 0


def statsforecast(path: Path, model: str, backtest: bool) -> dict[str, float]:
    mode = "cv" if backtest else "fit"
    cmd = [str(SF_PYTHON), str(HERE / "statsforecast_batch.py"), str(path), model, str(H), mode]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--models", nargs="+", default=["naive", "snaive"])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--backtest", action="store_true")
    parser.add_argument("--in-process", action="store_true")
    args = parser.parse_args()
    run = ours_warm if args.in_process else ours
    where = "ours warm, in process" if args.in_process else "ours a fresh process"
    print(("backtest (3 folds)" if args.backtest else "fit") + f"; {where}")
    print(f"load before: {os.getloadavg()}")
    print(
        "| series | model | ours CPU s (wall) | SF with intervals CPU s (wall) | ratio | "
        "SF point only CPU s | ratio | SF pandas read CPU s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for n in args.series:
        path = panel(n)
        for model in args.models:
            mine, theirs = [], []
            if args.in_process:
                run(path, model, args.backtest)  # untimed: imports, numba caches
            for _ in range(args.repeat):  # interleaved rounds
                mine.append(run(path, model, args.backtest))
                theirs.append(statsforecast(path, model, args.backtest))
            cpu, wall, _ = min(mine)
            sf = min(theirs, key=lambda r: r["levels_cpu"])
            point = min(r["point_cpu"] for r in theirs)
            print(f"| {n:,} | {model} | {cpu:.2f} ({wall:.2f}) | {sf['levels_cpu']:.2f} "
                  f"({sf['levels_wall']:.2f}) | {cpu / sf['levels_cpu']:.2f}x | {point:.2f} | "
                  f"{cpu / point:.2f}x | {sf['read_cpu']:.2f} |")  # fmt: skip
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
