"""mlforecast's forecasts for tests/models/trees/test_mlforecast.py, run in mlforecast's own
virtualenv (it needs pandas < 3): ``python mlforecast_reference.py PANEL.csv CONFIG.json OUT.csv``.

PANEL.csv: unique_id, ds, y. CONFIG.json: {"lags", "rolling": [[stat, window]], "expanding",
"diff", "calendar", "horizon", "direct", "lgbm": LGBMRegressor keyword arguments}. OUT.csv: unique_id, ds,
y (mlforecast's point forecasts).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
from lightgbm import LGBMRegressor
from mlforecast import MLForecast
from mlforecast.lag_transforms import ExpandingMean, RollingMax, RollingMean, RollingMin, RollingStd
from mlforecast.target_transforms import Differences, LocalStandardScaler

ROLLING = {"mean": RollingMean, "std": RollingStd, "min": RollingMin, "max": RollingMax}


def main(panel: str, config_path: str, out: str) -> None:
    config = json.loads(Path(config_path).read_text())
    frame = pd.read_csv(panel, parse_dates=["ds"])
    transforms = [ROLLING[stat](window_size=w) for stat, w in config["rolling"]]
    if config["expanding"]:
        transforms.append(ExpandingMean())
    target = ([Differences(config["diff"])] if config["diff"] else []) + [LocalStandardScaler()]
    forecaster = MLForecast(
        models={"lgbm": LGBMRegressor(**config["lgbm"])},
        freq="MS",
        lags=config["lags"],
        lag_transforms={1: transforms} if transforms else {},
        date_features=["month"] if config["calendar"] else [],
        target_transforms=target,
    )
    horizon = config["horizon"]
    forecaster.fit(frame, max_horizon=horizon if config["direct"] else None)
    forecaster.predict(horizon).rename(columns={"lgbm": "y"}).to_csv(out, index=False)


if __name__ == "__main__":
    main(*sys.argv[1:4])
