"""Runs INSIDE the statsforecast virtualenv: the reference of bench_batch_panel.py. Reads a
Parquet panel (unique_id, ds, y) with pandas, compiles statsforecast's numba code on two series
(not timed), then times `forecast(h, level=[80, 95])` (the job ours does) and `forecast(h)`
(point forecasts only, a cheaper job), each as CPU and wall seconds, and the pandas read; prints
one JSON line. ``cv``: `cross_validation(h, n_windows=3, step_size=h)` instead of `forecast`.

Usage: python statsforecast_batch.py PANEL.parquet MODEL H [fit|cv]   (MODEL: naive | snaive)
"""

import json
import sys
import time

import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import Naive, SeasonalNaive

path, model, h = sys.argv[1], sys.argv[2], int(sys.argv[3])
mode = sys.argv[4] if len(sys.argv) > 4 else "fit"
start_cpu, start = time.process_time(), time.perf_counter()
frame = pd.read_parquet(path)
frame["ds"] = pd.to_datetime(frame["ds"])
read = (time.process_time() - start_cpu, time.perf_counter() - start)
make = {"naive": Naive, "snaive": lambda: SeasonalNaive(season_length=12)}[model]


def sf() -> StatsForecast:
    return StatsForecast(models=[make()], freq="MS", n_jobs=1)


def job(df: pd.DataFrame, levels: list[int] | None) -> pd.DataFrame:
    extra = {"level": levels} if levels else {}
    if mode == "cv":
        return sf().cross_validation(df=df, h=h, n_windows=3, step_size=h, **extra)
    return sf().forecast(df=df, h=h, **extra)


small = frame[frame["unique_id"].isin(frame["unique_id"].unique()[:2])]
job(small, [80, 95])  # compile numba code: not timed
out = {"read_cpu": read[0], "read_wall": read[1]}
for name, levels in (("levels", [80, 95]), ("point", None)):
    start_cpu, start = time.process_time(), time.perf_counter()
    result = job(frame, levels)
    out[f"{name}_cpu"] = time.process_time() - start_cpu
    out[f"{name}_wall"] = time.perf_counter() - start
out["rows"] = len(result)
print(json.dumps(out))
