"""mlforecast's side of bench_trees.py, run in mlforecast's own virtualenv (pandas < 3):
``python mlforecast_trees.py PANEL.csv CONFIG.json OUT.csv`` prints ``{"seconds": [...]}``, the
CPU seconds (``time.process_time``) of each of ``repeat`` fits + predictions after a warm-up,
and writes the forecasts.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd
from lightgbm import LGBMRegressor
from mlforecast import MLForecast
from mlforecast.lag_transforms import RollingMean, RollingStd
from mlforecast.target_transforms import LocalStandardScaler

ROLLING = {"mean": RollingMean, "std": RollingStd}


def main(panel: str, config_path: str, out: str) -> None:
    config = json.loads(Path(config_path).read_text())
    frame = pd.read_csv(panel, parse_dates=["ds"])

    def run() -> pd.DataFrame:
        forecaster = MLForecast(
            models={"lgbm": LGBMRegressor(**config["lgbm"])},
            freq="MS",
            lags=config["lags"],
            lag_transforms={1: [ROLLING[s](window_size=w) for s, w in config["rolling"]]},
            date_features=["month"],
            target_transforms=[LocalStandardScaler()],
        )
        forecaster.fit(frame)
        return forecaster.predict(config["horizon"])

    run()  # warm: imports and first calls
    times = []
    for _ in range(config["repeat"]):
        start = time.process_time()
        result = run()
        times.append(time.process_time() - start)
    result.rename(columns={"lgbm": "y"}).to_csv(out, index=False)
    print(json.dumps({"seconds": times}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
