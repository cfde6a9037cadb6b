"""statsforecast side of bench_accuracy.py; runs in statsforecast's own venv (never ours).

    bench/_work/sf-venv/bin/python bench/_sf_accuracy.py SERIES.json OUT.json

Reads the series (name, values, m, h) and writes, per series and model, the point forecasts and
the 80 and 95 % bounds of SeasonalNaive, AutoARIMA, AutoETS, Theta and AutoTheta
(season_length=m).
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np
import pandas as pd


def main() -> None:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta, SeasonalNaive, Theta

    with open(sys.argv[1]) as fh:
        series = json.load(fh)
    out: dict[str, dict[str, dict[str, list[float]]]] = {}
    start = time.perf_counter()
    for item in series:
        m, h = int(item["m"]), int(item["h"])
        train = np.asarray(item["values"][:-h], dtype="float64")
        frame = pd.DataFrame({"unique_id": item["name"], "ds": np.arange(train.size), "y": train})
        models = [
            SeasonalNaive(season_length=m),
            AutoARIMA(season_length=m),
            AutoETS(season_length=m),
            Theta(season_length=m),
            AutoTheta(season_length=m),
        ]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            forecast = StatsForecast(models=models, freq=1).forecast(df=frame, h=h, level=[80, 95])
        result = {}
        for name in ("SeasonalNaive", "AutoARIMA", "AutoETS", "Theta", "AutoTheta"):
            result[name] = {
                "mean": forecast[name].tolist(),
                **{
                    f"{side}_{lv}": forecast[f"{name}-{side}-{lv}"].tolist()
                    for lv in (80, 95)
                    for side in ("lo", "hi")
                },
            }
        out[item["name"]] = result
    elapsed = time.perf_counter() - start
    with open(sys.argv[2], "w") as fh:
        json.dump({"seconds": elapsed, "forecasts": out}, fh)


if __name__ == "__main__":
    main()
