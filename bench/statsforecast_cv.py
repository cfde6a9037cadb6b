"""Runs INSIDE a separate virtualenv with statsforecast (it needs pandas < 3, the project uses
pandas 3): time `StatsForecast.cross_validation(refit=False)` of ARIMA(2,1,1) on the series in
the CSV given, and print one JSON line with the seconds and the forecasts' shape.

Usage: python statsforecast_cv.py SERIES.csv HORIZON N_WINDOWS
"""

import json
import sys
import time

import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import ARIMA

path, horizon, windows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
frame = pd.read_csv(path)
df = pd.DataFrame({"unique_id": "s", "ds": range(len(frame)), "y": frame["y"].to_numpy()})


def run() -> pd.DataFrame:
    sf = StatsForecast(models=[ARIMA(order=(2, 1, 1))], freq=1, n_jobs=1)
    return sf.cross_validation(df=df, h=horizon, n_windows=windows, step_size=1, refit=False)


run()  # the first call compiles numba code: not timed
times = []
for _ in range(3):
    start = time.perf_counter()
    out = run()
    times.append(time.perf_counter() - start)
print(json.dumps({"seconds": min(times), "rows": len(out)}))
