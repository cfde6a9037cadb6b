"""Runs INSIDE the statsforecast virtualenv: the reference of bench_theta_batch.py. Reads a
Parquet panel (unique_id, ds, y) with pandas and, for each of statsforecast's ``AutoTheta``
and ``Theta`` (season 12), compiles its numba code on two series (not timed), then times
``StatsForecast.forecast(h, level=[80, 95])`` on the whole panel (one process, n_jobs=1) as
CPU and wall seconds; prints one JSON line.

Usage: python statsforecast_theta.py PANEL.parquet H
"""

import json
import sys
import time

import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import AutoTheta, Theta

path, h = sys.argv[1], int(sys.argv[2])
frame = pd.read_parquet(path)
frame["ds"] = pd.to_datetime(frame["ds"])
small = frame[frame["unique_id"].isin(frame["unique_id"].unique()[:2])]
MODELS = {"AutoTheta": AutoTheta, "Theta": Theta}


def job(make, df: pd.DataFrame) -> pd.DataFrame:
    sf = StatsForecast(models=[make(season_length=12)], freq="MS", n_jobs=1)
    return sf.forecast(df=df, h=h, level=[80, 95])


out = {}
for name, make in MODELS.items():
    job(make, small)  # compile numba code: not timed
    start_cpu, start = time.process_time(), time.perf_counter()
    result = job(make, frame)
    out[f"{name}_cpu"] = time.process_time() - start_cpu
    out[f"{name}_wall"] = time.perf_counter() - start
    out[f"{name}_rows"] = len(result)
print(json.dumps(out))
