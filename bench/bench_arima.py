"""The ARIMA engine against statsforecast, in the same run, one core each.

Cases (statsforecast runs in its own virtualenv, bench/_work/sf-venv, `make bench-deps`):
1. auto-ARIMA on AirPassengers (m=12) and on the yearly sunspots (m=1): seconds, the model
   each chose and its AICc (R: ARIMA(2,1,1)(0,1,0)[12], AICc 1018.17);
2. a fixed ARIMA(2,1,1) fit on 1,500 points (the bench_backtest series);
3. walk-forward refitting at every origin: bench_backtest's series (2,000 points), 500
   origins, horizon 10 (ours: `run_backtest(refit="every")`; statsforecast:
   `cross_validation(refit=True)`);
4. long seasons on the taylor sample (4,032 half-hours): a fixed SARIMA(1,0,1)(0,1,1)[48], and
   our auto-arima with period 48 under `time_limit`;
5. cold start: `forecast fit sample_data/airpassengers.csv --model auto-arima` in a fresh
   process, with a warm numba cache, with an empty one (the first run on a new machine:
   compilation), and the same command on the main checkout (pmdarima's search), if given.

Ours are timed in this process after one untimed run (numba compiles on the first call;
the compile is stated apart in case 5); best of 3 unless said. Usage:
`python bench/bench_arima.py [--main /path/to/main/checkout] [--quick]`.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"  # one core each, before numpy loads

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _util import FORECAST, ROOT, WORK, best, machine  # noqa: E402
from bench_backtest import series as backtest_series  # noqa: E402

SF_PYTHON = WORK / "sf-venv" / "bin" / "python"
SF_SCRIPT = ROOT / "bench" / "statsforecast_arima.py"


def statsforecast(job: dict[str, Any], values: np.ndarray) -> dict[str, Any] | None:
    if not SF_PYTHON.exists():
        return None
    WORK.mkdir(exist_ok=True)
    path = WORK / f"bench_arima_{job['case']}.csv"
    pd.DataFrame({"y": values}).to_csv(path, index=False)
    out = subprocess.run(
        [str(SF_PYTHON), str(SF_SCRIPT), json.dumps({**job, "path": str(path)})],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _index(n: int, freq: str = "MS") -> pd.DatetimeIndex:
    return pd.date_range("2000-01-01", periods=n, freq=freq)


def our_fit(name: str, params: dict[str, Any], values: np.ndarray, repeat: int = 3) -> tuple:
    from forecast.models.registry import create

    y = pd.Series(values, index=_index(values.size))
    seconds, model = best(lambda: create(name, params).fit(y), repeat, warm=True)
    summary = model.summary()
    return seconds, summary.description, summary.stats.get("aicc")


def row(label: str, ours: float, sf: dict[str, Any] | None, note: str = "") -> None:
    if sf is None:
        print(f"{label:44s} ours {ours:8.3f} s   statsforecast: not run (no sf-venv)  {note}")
        return
    ratio = ours / sf["seconds"]
    print(
        f"{label:44s} ours {ours:8.3f} s   statsforecast {sf['seconds']:8.3f} s   "
        f"ratio {ratio:5.2f}x  {note}"
    )


def case_auto(quick: bool) -> None:
    import pmdarima as pm
    import statsmodels.api as sm

    sunspots = sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy()
    for label, values, m in (
        ("auto-ARIMA AirPassengers (m=12)", pm.datasets.load_airpassengers(), 12),
        ("auto-ARIMA yearly sunspots (m=1)", sunspots, 1),
    ):
        params = {"period": m} if m > 1 else {"seasonal": False}
        seconds, model, aicc = our_fit("auto-arima", params, np.asarray(values, float))
        sf = statsforecast({"case": "auto", "m": m}, np.asarray(values, float))
        row(label, seconds, sf)
        print(f"    ours: {model}, AICc {aicc:.2f}")
        if sf is not None:
            print(f"    statsforecast: {sf['model'].strip()}, AICc {sf['aicc']:.2f}")


def case_fixed(quick: bool) -> None:
    values = backtest_series().to_numpy()[:1500]
    seconds, _, _ = our_fit("arima", {"order": "2,1,1"}, values)
    sf = statsforecast({"case": "fixed", "order": [2, 1, 1]}, values)
    row("ARIMA(2,1,1) fit, 1,500 points", seconds, sf)


def case_walk_forward(quick: bool) -> None:
    from forecast.backtesting.engine import ModelEntry
    from forecast.backtesting.runner import BacktestSpec, run_backtest

    y = backtest_series()
    n, horizon, windows = y.size, 10, 100 if quick else 500
    spec = BacktestSpec(horizon=horizon, refit="every", initial=n - horizon - windows + 1, period=1)
    entry = ModelEntry("arima", "arima", {"order": "2,1,1"})
    seconds, result = best(lambda: run_backtest(y, [entry], spec), repeat=1, warm=True)
    assert result.forecasts[0].origins.size == windows
    sf = statsforecast(
        {
            "case": "walk_forward",
            "order": [2, 1, 1],
            "horizon": horizon,
            "windows": windows,
            "repeat": 1,
        },
        y.to_numpy(),
    )
    row(f"walk-forward refit every origin ({windows})", seconds, sf, "(one run each)")


def case_long_season(quick: bool) -> None:
    values = pd.read_csv(ROOT / "sample_data" / "taylor.csv").iloc[:, -1].to_numpy(float)
    seconds, model, _ = our_fit(
        "sarima", {"order": "1,0,1", "seasonal_order": "0,1,1,48"}, values, repeat=1
    )
    sf = statsforecast(
        {"case": "fixed", "order": [1, 0, 1], "seasonal": [0, 1, 1], "m": 48, "repeat": 1}, values
    )
    row("SARIMA(1,0,1)(0,1,1)[48] taylor (4,032)", seconds, sf, "(one run each)")
    limit = 30
    seconds, model, aicc = our_fit(
        "auto-arima", {"period": 48, "time_limit": limit}, values, repeat=1
    )
    print(
        f"{'auto-arima period 48, time_limit=' + str(limit) + ' s':44s} ours {seconds:8.3f} s"
        f"   -> {model}, AICc {aicc:.2f}"
    )


def _fresh(cmd: list[str], env: dict[str, str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def case_cold_start(main_checkout: Path | None) -> None:
    cmd = [
        FORECAST,
        "fit",
        str(ROOT / "sample_data" / "airpassengers.csv"),
        "--model",
        "auto-arima",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NO_COLOR": "1"}
    with tempfile.TemporaryDirectory() as cache:
        fresh_env = {**env, "NUMBA_CACHE_DIR": cache}
        first = _fresh(cmd, fresh_env, 1)  # compiles and fills the empty cache
        warm_new_dir = _fresh(cmd, fresh_env, 3)
    warm = _fresh(cmd, env, 3)
    print(
        f"{'cold start: forecast fit air --model auto-arima':44s} {warm:8.3f} s (median of 3, "
        f"numba cache warm)"
    )
    label = "    first run on a new machine (compiles)"
    print(f"{label:44s} {first:8.3f} s; then {warm_new_dir:.3f} s")
    if main_checkout is not None:
        old_env = {**env, "PYTHONPATH": str(main_checkout / "src")}
        old = _fresh(cmd, old_env, 3)
        print(f"{'    the same command on ' + str(main_checkout):44s} {old:8.3f} s (median of 3)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--main", type=Path, default=None, help="a checkout to compare cold start")
    parser.add_argument("--quick", action="store_true", help="100 origins instead of 500")
    parser.add_argument("--cases", default="auto,fixed,walk,long,cold")
    args = parser.parse_args()
    load = os.getloadavg()
    print(
        f"# ARIMA engine vs statsforecast, one core each ({machine()}); load average "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    cases = args.cases.split(",")
    if "auto" in cases:
        case_auto(args.quick)
    if "fixed" in cases:
        case_fixed(args.quick)
    if "walk" in cases:
        case_walk_forward(args.quick)
    if "long" in cases:
        case_long_season(args.quick)
    if "cold" in cases:
        case_cold_start(args.main)


if __name__ == "__main__":
    main()
