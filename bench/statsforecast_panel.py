"""Runs INSIDE the statsforecast virtualenv (see the Makefile's bench-deps): the panel reference
of bench_panel.py. Reads a long CSV (unique_id, ds, y), then times `forecast` (fit + predict)
and `cross_validation` (refit at every window) for one model, each twice: with the 80 and 95 %
intervals ours always computes (`level=[80, 95]`: the same job) and without any (the point
forecasts only, a cheaper job than ours), and prints one JSON line.

Usage: python statsforecast_panel.py PANEL.csv MODEL H WINDOWS N_JOBS
MODEL: snaive | arima | auto-arima
"""

import json
import sys
import time

import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import ARIMA, AutoARIMA, SeasonalNaive

path, model, h, windows, jobs = (
    sys.argv[1],
    sys.argv[2],
    int(sys.argv[3]),
    int(sys.argv[4]),
    int(sys.argv[5]),
)
frame = pd.read_csv(path, parse_dates=["ds"])
models = {
    "snaive": lambda: SeasonalNaive(season_length=12),
    "arima": lambda: ARIMA(order=(1, 1, 1), season_length=1),
    "auto-arima": lambda: AutoARIMA(season_length=12),
}


def sf() -> StatsForecast:
    return StatsForecast(models=[models[model]()], freq="MS", n_jobs=jobs)


small = frame[frame["unique_id"].isin(frame["unique_id"].unique()[:2])]
sf().forecast(df=small, h=h)  # compile numba code: not timed
LEVELS = [80, 95]
start = time.perf_counter()
out = sf().forecast(df=frame, h=h, level=LEVELS)
fit_levels_s = time.perf_counter() - start
start = time.perf_counter()
cv = sf().cross_validation(df=frame, h=h, n_windows=windows, step_size=h, refit=True, level=LEVELS)
cv_levels_s = time.perf_counter() - start
start = time.perf_counter()
sf().forecast(df=frame, h=h)
fit_s = time.perf_counter() - start
start = time.perf_counter()
sf().cross_validation(df=frame, h=h, n_windows=windows, step_size=h, refit=True)
cv_s = time.perf_counter() - start
print(
    json.dumps(
        {
            "fit_levels_s": fit_levels_s,
            "cv_levels_s": cv_levels_s,
            "fit_s": fit_s,
            "cv_s": cv_s,
            "series": int(frame["unique_id"].nunique()),
            "rows": len(out),
            "cv_rows": len(cv),
        }
    )
)
