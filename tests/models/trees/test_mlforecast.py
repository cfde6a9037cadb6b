"""Our lightgbm equals mlforecast's on a panel with the same features and LightGBM parameters.

mlforecast (Nixtla) is the reference implementation of global boosted trees on lag features:
``MLForecast(models=[LGBMRegressor(...)], lags=..., lag_transforms={1: [...]},
date_features=["month"], target_transforms=[Differences, LocalStandardScaler])``. It needs
pandas < 3, so it runs in its own virtualenv (bench/_work/ml-venv, as the Makefile keeps
statsforecast's) through ``mlforecast_reference.py``; the test is skipped, saying how to make
that venv, when it is missing or holds another LightGBM version.

Tolerance: both sides train LightGBM on the same rows in the same order with the same
parameters, single-threaded and deterministic; the features differ only in the last bits
(mlforecast's rolling windows are running sums in coreforecast, ours sums afresh). A split falls
between two such values with probability ~1e-13 per threshold, so the trees are the same and the
forecasts agree to rounding: 1e-6 relative is the issue's bound, with orders of magnitude to
spare (the observed differences are one or two ulps, ~2e-16 relative).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.models.trees.model import TreeForecaster

ROOT = Path(__file__).resolve().parents[3]
VENV = ROOT / "bench" / "_work" / "ml-venv" / "bin" / "python"
SCRIPT = Path(__file__).with_name("mlforecast_reference.py")
MAKE_VENV = (
    "python3 -m venv bench/_work/ml-venv && bench/_work/ml-venv/bin/python -m pip install "
    "mlforecast lightgbm=={version}"
)


def _reference_ready() -> str | None:
    """None when the mlforecast venv can run the reference, else why not."""
    import lightgbm

    make = MAKE_VENV.format(version=lightgbm.__version__)
    if not VENV.exists():
        return f"mlforecast needs pandas < 3: its venv is missing; make it with: {make}"
    found = subprocess.run(
        [str(VENV), "-c", "import lightgbm, mlforecast; print(lightgbm.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode != 0:
        return f"the mlforecast venv cannot import mlforecast; remake it with: {make}"
    if found.stdout.strip() != lightgbm.__version__:
        return f"the mlforecast venv has LightGBM {found.stdout.strip()}; remake it with: {make}"
    return None


pytestmark = pytest.mark.slow


def retail_like_panel(n_series: int = 8) -> list[tuple[str, pd.Series]]:
    rng = np.random.default_rng(28)
    out = []
    for i in range(n_series):
        n = 48 + 6 * i
        t = np.arange(n)
        level = 100 * (1 + i % 3)
        y = level * (1 + 0.004 * t) + 0.15 * level * np.sin(2 * np.pi * t / 12 + i)
        start = pd.Timestamp("2015-01-01") + pd.DateOffset(months=2 * i)
        index = pd.date_range(start, periods=n, freq="MS")
        out.append((f"s{i:02d}", pd.Series(y + rng.normal(0, 0.05 * level, n), index=index)))
    return out


# The direct case leaves the calendar out: mlforecast 1.1 trains model h on the row's date
# (the step after the origin) but predicts with the date of step h (its _predict_multi advances
# the dates for every horizon), so its month features disagree between training and forecasting;
# ours give model h the same date in both (the step after the origin, as its training rows).
CASES = {
    "recursive, differences, rolling": dict(
        lags=[1, 2, 12], rolling=[["mean", 6], ["std", 6], ["min", 3], ["max", 3]],
        expanding=False, diff=[1], calendar=True, direct=False,
    ),
    "recursive, expanding mean": dict(
        lags=[1, 3, 12], rolling=[["mean", 12]], expanding=True, diff=[], calendar=True,
        direct=False,
    ),
    "direct, no calendar": dict(
        lags=[1, 2, 12], rolling=[["mean", 4]], expanding=False, diff=[1], calendar=False,
        direct=True,
    ),
}  # fmt: skip
LGBM = {
    "n_estimators": 40,
    "learning_rate": 0.1,
    "num_leaves": 15,
    "min_child_samples": 10,
    "random_state": 0,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "verbosity": -1,
}


@pytest.mark.parametrize("case", list(CASES))
def test_our_lightgbm_equals_mlforecasts(case, tmp_path) -> None:
    why = _reference_ready()
    if why:
        pytest.skip(why)
    config = {**CASES[case], "horizon": 6, "lgbm": LGBM}
    series = retail_like_panel()
    frame = pd.concat(
        pd.DataFrame({"unique_id": sid, "ds": y.index, "y": y.to_numpy()}) for sid, y in series
    )
    frame.to_csv(tmp_path / "panel.csv", index=False, float_format="%.17g")
    (tmp_path / "config.json").write_text(json.dumps(config))
    subprocess.run(
        [
            str(VENV),
            str(SCRIPT),
            *(str(tmp_path / f) for f in ("panel.csv", "config.json", "out.csv")),
        ],
        check=True,
        timeout=300,
    )
    reference = pd.read_csv(tmp_path / "out.csv", parse_dates=["ds"])
    params = {
        "lags": ",".join(map(str, config["lags"])),
        "rolling": ",".join(f"{s}:{w}" for s, w in config["rolling"]) or "none",
        "expanding": config["expanding"],
        "calendar": config["calendar"],
        "diff": ",".join(map(str, config["diff"])) if config["diff"] else (),
        "strategy": "direct" if config["direct"] else "recursive",
        "horizon": 6,
        "n_estimators": 40,
        "learning_rate": 0.1,
        "num_leaves": 15,
        "min_child_samples": 10,
        "seed": 0,
        "threads": 1,
    }
    # the CSV round trip above is exact (17 significant digits), so both fit the same values
    exact = [(sid, y.copy()) for sid, y in series]
    ours = TreeForecaster("lightgbm", params).fit(exact, levels=()).predict(6)
    for sid, _ in series:
        theirs = reference[reference.unique_id == sid].sort_values("ds")
        forecast = ours[sid]
        assert not isinstance(forecast, str)
        assert list(theirs.ds) == list(forecast.index)
        np.testing.assert_allclose(forecast.mean, theirs.y.to_numpy(), rtol=1e-6)
