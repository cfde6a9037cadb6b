"""Write tests/models/theta_reference.json: statsforecast's Theta-family fits and forecasts.

statsforecast needs pandas < 3, so it runs in its own virtualenv (the Makefile's ``bench-deps``
target makes it), and this script imports nothing from forecast. The series are read or drawn
here (seeded) and stored in the fixture with the results, so the test reads both from the JSON
and runs without statsforecast. Regenerate with::

    make bench-deps
    bench/_work/sf-venv/bin/python tests/models/make_theta_reference.py

For each series and each of Theta, OptimizedTheta, DynamicTheta, DynamicOptimizedTheta and
AutoTheta (season_length = the series' period): the fitted parameters (initial_smoothed,
alpha, theta), the model type AutoTheta chose, the loss statsforecast reports as ``mse``,
whether it deseasonalised and how, and the point forecasts and 80/95 % bounds.

The series: AirPassengers (monthly, multiplicative season), the Nile (annual), AirPassengers
less 300 (seasonal, values <= 0: the additive decomposition), the Lake Huron levels (annual),
the first 240 months of the monthly sunspots (a significant lag-12 autocorrelation; zeros in
the data: additive), a seeded quarterly series with a multiplicative season and trend, a seeded
random walk with drift, and a short seeded monthly series (26 points, its season too weak for
the test at n = 26).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "theta_reference.json"
COMMAND = "bench/_work/sf-venv/bin/python tests/models/make_theta_reference.py"
SEED = 26
HORIZON = 18
LEVELS = (80, 95)
CLASSES = ("Theta", "OptimizedTheta", "DynamicTheta", "DynamicOptimizedTheta", "AutoTheta")


def column(name: str, index: int = 1, rows: int | None = None) -> list[float]:
    with open(ROOT / "sample_data" / f"{name}.csv") as fh:
        values = [float(row[index]) for row in list(csv.reader(fh))[1:]]
    return values[:rows] if rows else values


def series() -> dict[str, tuple[list[float], int]]:
    rng = np.random.default_rng(SEED)
    t = np.arange(48)
    quarterly = (100 + 2 * t) * (1 + 0.2 * np.sin(2 * np.pi * t / 4)) + rng.normal(0, 3, 48)
    walk = 50 + np.cumsum(0.4 + rng.normal(0, 2, 80))
    s = np.arange(26)
    short = 20 + 0.3 * s + 4 * np.cos(2 * np.pi * s / 12) + rng.normal(0, 0.5, 26)
    return {
        "airpassengers": (column("airpassengers"), 12),
        "nile": (column("nile"), 1),
        "airpassengers_less_300": ([v - 300 for v in column("airpassengers")], 12),
        "lakehuron": (column("lakehuron"), 1),
        "sunspots_240": (column("sunspots", rows=240), 12),
        "quarterly_mul_trend": ([round(float(v), 4) for v in quarterly], 4),
        "random_walk_drift": ([round(float(v), 4) for v in walk], 1),
        "short_monthly_26": ([round(float(v), 4) for v in short], 12),
    }


def fitted(y: np.ndarray, m: int) -> dict[str, Any]:
    import statsforecast.models as sf

    out = {}
    for name in CLASSES:
        model = getattr(sf, name)(season_length=m).fit(y)
        forecast = model.predict(HORIZON, level=list(LEVELS))
        fit = model.model_
        out[name] = {
            "par": {key: float(value) for key, value in fit["par"].items()},
            "modeltype": fit["modeltype"],
            "mse": float(fit["mse"]),
            "decomposition": fit["decomposition_type"] if fit.get("decompose") else "none",
            "mean": [float(v) for v in forecast["mean"]],
            **{
                f"{side}_{lv}": [float(v) for v in forecast[f"{side}-{lv}"]]
                for lv in LEVELS
                for side in ("lo", "hi")
            },
        }
    return out


def main() -> None:
    import statsforecast

    cases = {
        name: {"y": values, "m": m, "fits": fitted(np.asarray(values, dtype="float64"), m)}
        for name, (values, m) in series().items()
    }
    document = {
        "source": f"statsforecast {statsforecast.__version__}",
        "command": COMMAND,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "horizon": HORIZON,
        "levels": list(LEVELS),
        "cases": cases,
    }
    OUT.write_text(json.dumps(document, indent=1) + "\n")
    print(f"wrote {OUT}: {len(cases)} series")


if __name__ == "__main__":
    main()
