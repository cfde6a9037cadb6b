"""Thread pools on an idle and on a loaded machine (issue 18), ours and statsforecast in one run.

Two conditions: (a) idle; (b) a CPU-bound process (`python -c "while True: pass"`, started and
stopped by this script) on one of the cores. Under each:

1. bench_backtest's walk-forward of a fixed ARIMA(2,1,1) (2,000 points, 500 origins, horizon 10,
   --refit never): forecast with its default thread rule applied as every command applies it
   (`forecast.threads.limited(resolve())`), forecast with the pools as the libraries start them
   (the rule off: the default before it), and statsforecast `cross_validation(refit=False)` in
   its own virtualenv with its default settings (skipped with a note when absent);
2. auto-arima on AirPassengers (period 12), rule on and off;
3. every diagnostic of `forecast diagnose` on AirPassengers, rule on and off.

Best of 3 each, or of the runs made in the first 10 s (wall seconds, and the CPU seconds of
that run for ours: CPU above wall is threads spinning). Prints the load average before each
condition and checks the issue's two targets: loaded at most 1.2x our idle time, and below
statsforecast's loaded time.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator

from _util import ROOT, machine
from bench_backtest import HORIZON, WINDOWS, N, series, statsforecast

AIR = str(ROOT / "sample_data" / "airpassengers.csv")
SPINNER = "while True: pass"
BUDGET = 10.0  # seconds of runs of one workload after which its best is taken


def timed(fn: Callable[[], object], rule: bool, repeat: int = 3) -> tuple[float, float]:
    """Best wall seconds of ``repeat`` runs (fewer once they took BUDGET seconds in all) and the
    CPU seconds of that run."""
    from forecast.threads import limited, resolve

    runs: list[tuple[float, float]] = []
    while len(runs) < repeat and sum(wall for wall, _ in runs) < BUDGET:
        guard = limited(resolve()) if rule else contextlib.nullcontext()
        wall, cpu = time.perf_counter(), time.process_time()
        with guard:
            fn()
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    return min(runs)


@contextlib.contextmanager
def condition(loaded: bool) -> Iterator[None]:
    """Idle, or with one CPU-bound process beside us for the duration."""
    spinner = subprocess.Popen([sys.executable, "-c", SPINNER]) if loaded else None
    try:
        if spinner is not None:
            time.sleep(1.0)  # let it reach full speed
        yield
    finally:
        if spinner is not None:
            spinner.terminate()
            spinner.wait()


def workloads() -> dict[str, Callable[[], object]]:
    from forecast.backtesting.engine import ModelEntry
    from forecast.backtesting.runner import BacktestSpec, run_backtest
    from forecast.data import load_series
    from forecast.diagnostics.diagnose import diagnose_series
    from forecast.models.registry import create

    y = series()
    spec = BacktestSpec(horizon=HORIZON, refit="never", initial=N - HORIZON - WINDOWS + 1, period=1)
    entry = ModelEntry("arima", "arima", {"order": "2,1,1"})
    air = load_series(AIR)
    return {
        "backtest ARIMA(2,1,1) --refit never": lambda: run_backtest(y, [entry], spec),
        "auto-arima AirPassengers (period 12)": lambda: create("auto-arima", {"period": 12}).fit(
            air.y
        ),
        "diagnose AirPassengers": lambda: diagnose_series(air),
    }


def main() -> None:
    from forecast.threads import resolve

    set_vars = {k: v for k, v in os.environ.items() if k.endswith("_NUM_THREADS")}
    print(f"# thread pools, idle vs one busy core ({machine()}); rule: {resolve().to_dict()}")
    print(f"# *_NUM_THREADS in the environment: {set_vars or 'none'}")
    work = workloads()
    for fn in work.values():  # warm: imports, first-call caches
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn()
    results: dict[tuple[str, str], float] = {}
    for name, loaded in (("idle", False), ("loaded", True)):
        with condition(loaded):
            load = os.getloadavg()[0]
            print(f"\n## {name} (load average {load:.2f} at the start)")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for label, fn in work.items():
                    for rule in (True, False):
                        wall, cpu = timed(fn, rule)
                        results[(name, f"{label} rule={rule}")] = wall
                        tag = "default rule" if rule else "rule off    "
                        print(f"{label:38s} {tag} {wall:7.3f} s wall {cpu:7.3f} s CPU")
            sf = statsforecast(series())
            if sf is None:
                print("statsforecast: not run (no bench/_work/sf-venv; make bench-deps)")
            else:
                results[(name, "statsforecast")] = sf
                print(f"{'statsforecast cross_validation(refit=False)':51s} {sf:7.3f} s wall")
            print(f"(load average {os.getloadavg()[0]:.2f} at the end)")
    key = "backtest ARIMA(2,1,1) --refit never rule=True"
    idle, busy = results[("idle", key)], results[("loaded", key)]
    print(f"\nloaded / idle, ours: {busy / idle:.2f}x (target <= 1.2x)")
    if ("loaded", "statsforecast") in results:
        sf_busy = results[("loaded", "statsforecast")]
        print(f"ours loaded / statsforecast loaded: {busy / sf_busy:.2f}x (target < 1)")


if __name__ == "__main__":
    main()
