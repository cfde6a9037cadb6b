"""Runs INSIDE the statsforecast virtualenv: the reference of bench_smoothing_panel.py.

One fresh process does the whole job, as ours does: imports, the Parquet read, the forecasts
(h steps, 80 and 95 % intervals, season_length m, n_jobs=1) and a Parquet output. Prints one
JSON line with the CPU and wall seconds of the forecast call alone (``call_*``: statsforecast
warm, its numba code loaded from its cache) and of the read (``read_*``); the caller takes the
whole process's CPU from its rusage.

Usage: python statsforecast_smoothing_panel.py PANEL.parquet MODEL H M OUT.parquet
       MODEL: ets (AutoETS) | theta (Theta) | mstl (MSTL with an AutoETS ZZN trend)
"""

import json
import sys
import time

start_cpu, start = time.process_time(), time.perf_counter()
import pandas as pd  # noqa: E402
from statsforecast import StatsForecast  # noqa: E402
from statsforecast.models import MSTL, AutoETS, Theta  # noqa: E402

path, model, out_path = sys.argv[1], sys.argv[2], sys.argv[5]
h, m = int(sys.argv[3]), int(sys.argv[4])
imports = (time.process_time() - start_cpu, time.perf_counter() - start)
start_cpu, start = time.process_time(), time.perf_counter()
frame = pd.read_parquet(path)
frame["ds"] = pd.to_datetime(frame["ds"])
read = (time.process_time() - start_cpu, time.perf_counter() - start)
make = {
    "ets": lambda: AutoETS(season_length=m),
    "theta": lambda: Theta(season_length=m),
    "mstl": lambda: MSTL(season_length=m, trend_forecaster=AutoETS(model="ZZN")),
}[model]
start_cpu, start = time.process_time(), time.perf_counter()
result = StatsForecast(models=[make()], freq="MS", n_jobs=1).forecast(df=frame, h=h, level=[80, 95])
call = (time.process_time() - start_cpu, time.perf_counter() - start)
result.to_parquet(out_path)
print(
    json.dumps(
        {
            "imports_cpu": imports[0],
            "read_cpu": read[0],
            "call_cpu": call[0],
            "call_wall": call[1],
            "rows": len(result),
        }
    )
)
