"""Walk-forward of a fixed ARIMA(2,1,1): 2,000 points, 500 origins, horizon 10.

In one run, on the same simulated series:
1. forecast's backtest with --refit never (one fit, one Kalman pass, all origins at once);
2. the same with --refit 50 (ten fits);
3. statsmodels refitting at every origin (the slow, obvious way): timed on the first 50
   origins and scaled to 500 (printed as such);
4. statsmodels `extend` per origin (fixed parameters, one small filter per origin);
5. statsforecast `cross_validation(refit=False)`, run in its own virtualenv (it needs pandas < 3;
   `bench/_work/sf-venv`, created by `make bench-deps`); skipped with a note when absent.
Ratios are against forecast's --refit never. Best of 3 (refit-every: one run).
"""

from __future__ import annotations

import json
import subprocess
import time
import warnings

import numpy as np
import pandas as pd
from _util import ROOT, WORK, best, machine

N, HORIZON, WINDOWS = 2000, 10, 500
SF_PYTHON = WORK / "sf-venv" / "bin" / "python"


def series() -> pd.Series:
    rng = np.random.default_rng(42)
    e = rng.normal(size=N + 100)
    x = np.zeros(N + 100)
    for t in range(2, N + 100):
        x[t] = 0.5 * x[t - 1] + 0.2 * x[t - 2] + e[t] + 0.3 * e[t - 1]
    values = 100 + np.cumsum(x[100:])
    return pd.Series(values, index=pd.date_range("2000-01-01", periods=N, freq="D"), name="y")


def ours(y: pd.Series, refit) -> float:
    from forecast.backtesting.engine import ModelEntry
    from forecast.backtesting.runner import BacktestSpec, run_backtest

    spec = BacktestSpec(horizon=HORIZON, refit=refit, initial=N - HORIZON - WINDOWS + 1, period=1)
    entry = ModelEntry("arima", "arima", {"order": "2,1,1"})
    result = run_backtest(y, [entry], spec)
    assert result.forecasts[0].origins.size == WINDOWS
    return best(lambda: run_backtest(y, [entry], spec))[0]


def statsmodels_refit_every(y: pd.Series) -> float:
    from statsmodels.tsa.arima.model import ARIMA

    values = y.to_numpy()
    first = N - HORIZON - WINDOWS
    timed = 50
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in range(first, first + timed):
            ARIMA(values[: t + 1], order=(2, 1, 1)).fit().get_forecast(HORIZON)
    return (time.perf_counter() - start) * WINDOWS / timed


def statsmodels_extend(y: pd.Series) -> float:
    from statsmodels.tsa.arima.model import ARIMA

    values = y.to_numpy()
    first = N - HORIZON - WINDOWS

    def run() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = ARIMA(values[: first + 1], order=(2, 1, 1)).fit()
            res.get_forecast(HORIZON)
            for t in range(first + 1, first + WINDOWS):
                res = res.extend(values[t : t + 1])
                res.get_forecast(HORIZON)

    return best(run)[0]


def statsforecast(y: pd.Series) -> float | None:
    if not SF_PYTHON.exists():
        return None
    path = WORK / "bench_backtest_series.csv"
    pd.DataFrame({"y": y.to_numpy()}).to_csv(path, index=False)
    script = ROOT / "bench" / "statsforecast_cv.py"
    out = subprocess.run(
        [str(SF_PYTHON), str(script), str(path), str(HORIZON), str(WINDOWS)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1])["seconds"])


def main() -> None:
    y = series()
    print(f"# walk-forward ARIMA(2,1,1), n={N}, {WINDOWS} origins, horizon {HORIZON} ({machine()})")
    reference = ours(y, "never")
    rows = [
        ("forecast backtest --refit never", reference),
        ("forecast backtest --refit 50", ours(y, 50)),
    ]
    sf = statsforecast(y)
    rows.append(("statsforecast cross_validation(refit=False)", sf))
    rows.append(("statsmodels extend per origin", statsmodels_extend(y)))
    rows.append(("statsmodels refit at every origin (50, x10)", statsmodels_refit_every(y)))
    for label, seconds in rows:
        if seconds is None:
            print(f"{label:46s}   (not run: no bench/_work/sf-venv; make bench-deps)")
        else:
            print(f"{label:46s} {seconds:8.3f} s  {seconds / reference:7.2f}x")


if __name__ == "__main__":
    main()
