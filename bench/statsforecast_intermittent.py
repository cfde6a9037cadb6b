"""Runs INSIDE the statsforecast virtualenv (see the Makefile's bench-deps): the reference of
bench_intermittent.py. Reads a long CSV (unique_id, ds, y), and for each intermittent model
times ``StatsForecast.forecast`` on every series (one process, n_jobs=1) after a warm-up on two
series: with conformal intervals at 80 and 95 % (ConformalIntervals(h, n_windows)) and with the
point forecast alone. Writes each model's forecasts to OUT_DIR/sf_<model>.csv and prints one
JSON line of timings (wall and CPU seconds).

Usage: python statsforecast_intermittent.py TRAIN.csv H N_WINDOWS FREQ OUT_DIR
"""

import json
import sys
import time
from pathlib import Path

import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import ADIDA, IMAPA, TSB, CrostonClassic, CrostonOptimized, CrostonSBA
from statsforecast.utils import ConformalIntervals

path, h, windows, freq, out_dir = (
    sys.argv[1],
    int(sys.argv[2]),
    int(sys.argv[3]),
    sys.argv[4],
    Path(sys.argv[5]),
)
frame = pd.read_csv(path, parse_dates=["ds"])
small = frame[frame["unique_id"].isin(frame["unique_id"].unique()[:2])]
MODELS = {
    "croston": CrostonClassic,
    "croston-sba": CrostonSBA,
    "croston-optimized": CrostonOptimized,
    "tsb": lambda: TSB(alpha_d=0.1, alpha_p=0.1),
    "adida": ADIDA,
    "imapa": IMAPA,
}


def run(make, data, intervals: bool) -> tuple[pd.DataFrame, float, float]:
    options = {}
    if intervals:
        options = {
            "level": [80, 95],
            "prediction_intervals": ConformalIntervals(h=h, n_windows=windows),
        }
    wall, cpu = time.perf_counter(), time.process_time()
    out = StatsForecast(models=[make()], freq=freq, n_jobs=1).forecast(df=data, h=h, **options)
    return out, time.perf_counter() - wall, time.process_time() - cpu


timings = {}
for name, make in MODELS.items():
    run(make, small, True)  # warm-up (numba compilation, imports): not timed
    out, wall, cpu = run(make, frame, True)
    _, point_wall, point_cpu = run(make, frame, False)
    out.columns = [str(c) for c in out.columns]
    out.to_csv(out_dir / f"sf_{name}.csv", index=False)
    timings[name] = {"wall": wall, "cpu": cpu, "point_wall": point_wall, "point_cpu": point_cpu}
print(json.dumps(timings))
