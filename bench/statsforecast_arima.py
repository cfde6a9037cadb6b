"""Runs INSIDE the statsforecast virtualenv (bench/_work/sf-venv): the statsforecast half of
bench_arima.py. Reads a JSON job {"case": ..., "path": CSV with column y, ...}, runs it once
untimed (numba compiles), then times it (best of ``repeat``) and prints one JSON line with the
seconds and the model statsforecast chose.

Usage: python statsforecast_arima.py '{"case": "auto", "path": "...", "m": 12}'
"""

import json
import sys
import time

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.arima import arima_string
from statsforecast.models import ARIMA, AutoARIMA

job = json.loads(sys.argv[1])
y = pd.read_csv(job["path"])["y"].to_numpy(dtype="float64")
m = int(job.get("m", 1))


def auto():  # type: ignore[no-untyped-def]
    return AutoARIMA(season_length=m).fit(y)


def fixed():  # type: ignore[no-untyped-def]
    seasonal = tuple(job.get("seasonal", (0, 0, 0)))
    return ARIMA(order=tuple(job["order"]), seasonal_order=seasonal, season_length=m).fit(y)


def walk_forward():  # type: ignore[no-untyped-def]
    df = pd.DataFrame({"unique_id": "s", "ds": np.arange(y.size), "y": y})
    sf = StatsForecast(models=[ARIMA(order=tuple(job["order"]))], freq=1, n_jobs=1)
    return sf.cross_validation(
        df=df, h=int(job["horizon"]), n_windows=int(job["windows"]), step_size=1, refit=True
    )


run = {"auto": auto, "fixed": fixed, "walk_forward": walk_forward}[job["case"]]
start = time.perf_counter()
# the first call compiles numba code: timed apart (a walk-forward warms up on one fit)
first = fixed() if job["case"] == "walk_forward" else run()
compile_and_run = time.perf_counter() - start
times = []
for _ in range(int(job.get("repeat", 3))):
    start = time.perf_counter()
    out = run()
    times.append(time.perf_counter() - start)
report = {"seconds": min(times), "first_call": compile_and_run}
if job["case"] in ("auto", "fixed"):
    model = out.model_
    report["model"] = arima_string(model)
    report["aicc"] = float(model.get("aicc", np.nan) or np.nan)
    report["loglik"] = float(model["loglik"])
print(json.dumps(report))
