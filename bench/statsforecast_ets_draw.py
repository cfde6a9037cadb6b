"""Runs INSIDE the statsforecast virtualenv: the reference of bench_ets_draw.py. Reads the series
(name, values, m, h) and writes each one's AutoETS(season_length=m) point forecasts fitted on
all but its last h values.

Usage: python statsforecast_ets_draw.py SERIES.json OUT.json
"""

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import AutoETS

out = {}
for item in json.loads(Path(sys.argv[1]).read_text()):
    m, h = int(item["m"]), int(item["h"])
    train = np.asarray(item["values"][:-h], dtype="float64")
    frame = pd.DataFrame({"unique_id": item["name"], "ds": np.arange(train.size), "y": train})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forecast = StatsForecast(models=[AutoETS(season_length=m)], freq=1).forecast(df=frame, h=h)
    out[item["name"]] = forecast["AutoETS"].tolist()
Path(sys.argv[2]).write_text(json.dumps(out))
