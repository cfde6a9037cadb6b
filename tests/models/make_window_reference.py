"""Write tests/models/window_reference.json: statsforecast's WindowAverage,
SeasonalWindowAverage, SimpleExponentialSmoothing and SimpleExponentialSmoothingOptimized
forecasts (and the optimised alpha) on seeded series, for tests/models/test_window_models.py.

statsforecast needs pandas < 3, so it runs in its own virtualenv (the Makefile's ``bench-deps``
target makes it), and this script imports nothing from forecast. The series are drawn here and
stored with the forecasts, so the test runs without statsforecast. Regenerate with::

    make bench-deps
    bench/_work/sf-venv/bin/python tests/models/make_window_reference.py

The series: random walks plus noise, a 12-month seasonal pattern plus noise, white noise, a
steep trend (alpha at the search's upper bound) and a lone spike (at the lower bound), lengths
5 to 120, and AirPassengers.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "window_reference.json"
COMMAND = "bench/_work/sf-venv/bin/python tests/models/make_window_reference.py"
HORIZON = 15
# fixture key -> (statsforecast class, arguments); the test maps the keys to our models
CONFIGS: dict[str, tuple[str, dict[str, Any]]] = {
    "wa_1": ("WindowAverage", {"window_size": 1}),
    "wa_3": ("WindowAverage", {"window_size": 3}),
    "wa_5": ("WindowAverage", {"window_size": 5}),
    "swa_4_2": ("SeasonalWindowAverage", {"season_length": 4, "window_size": 2}),
    "swa_12_1": ("SeasonalWindowAverage", {"season_length": 12, "window_size": 1}),
    "swa_12_3": ("SeasonalWindowAverage", {"season_length": 12, "window_size": 3}),
    "ses_0.1": ("SimpleExponentialSmoothing", {"alpha": 0.1}),
    "ses_0.7": ("SimpleExponentialSmoothing", {"alpha": 0.7}),
    "ses_auto": ("SimpleExponentialSmoothingOptimized", {}),
}


def series() -> dict[str, list[float]]:
    rng = np.random.default_rng(41)
    out: dict[str, list[float]] = {}
    for n in (5, 13, 40, 120):
        out[f"walk_{n}"] = list(20 + rng.normal(size=n).cumsum() + rng.normal(size=n))
        t = np.arange(n)
        out[f"seasonal_{n}"] = list(100 + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(size=n))
        out[f"noise_{n}"] = list(rng.normal(size=n) * 5)
    out["trend_60"] = list(np.arange(60) ** 1.5 + rng.normal(size=60))
    out["spike_50"] = list(np.r_[np.full(25, 3.0), 9.0, np.full(24, 3.0)])
    with (HERE.parents[1] / "sample_data" / "airpassengers.csv").open() as handle:
        out["airpassengers"] = [float(row[1]) for row in list(csv.reader(handle))[1:]]
    return out


def main() -> None:
    import statsforecast
    import statsforecast.models as sfm

    cases: dict[str, dict[str, Any]] = {}
    for key, values in series().items():
        y = np.asarray(values, dtype="float64")
        forecasts: dict[str, list[float]] = {}
        for config, (cls, kwargs) in CONFIGS.items():
            mean = getattr(sfm, cls)(**kwargs).forecast(y, HORIZON)["mean"]
            if np.isfinite(mean).all():  # too short for the window: statsforecast's NaN
                forecasts[config] = [float(v) for v in mean]
        alpha = float(sfm.SimpleExponentialSmoothingOptimized().fit(y).model_["alpha"])
        cases[key] = {"y": values, "forecasts": forecasts, "alpha": alpha}
    OUT.write_text(json.dumps({"source": f"statsforecast {statsforecast.__version__}",
                               "command": COMMAND, "horizon": HORIZON,
                               "configs": {k: v[1] for k, v in CONFIGS.items()},
                               "cases": cases}, indent=1) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()
