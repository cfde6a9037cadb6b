"""`--intervals conformal` on fit, predict (from the saved file) and backtest, end to end."""

from __future__ import annotations

import json

import numpy as np

from tests.conftest import SAMPLES

NILE = str(SAMPLES / "nile.csv")


def test_fit_conformal_saves_the_calibration_for_predict(cli, tmp_path) -> None:
    path = tmp_path / "nile.fcm"
    args = ("-m", "theta", "-H", "3", "-f", "json")
    model = json.loads(cli("fit", NILE, *args).stdout)
    fit = cli("fit", NILE, *args, "--intervals", "conformal", "--save", str(path))
    assert fit.code == 0, fit.stderr
    doc = json.loads(fit.stdout)
    assert doc["interval_method"].startswith("split conformal")
    assert doc["conformal"]["errors_per_lead_time"] == [25, 24, 23]  # c = n / 4 = 25 origins
    rows, plain = doc["forecast"], model["forecast"]
    assert [r["mean"] for r in rows] == [r["mean"] for r in plain]
    assert [r["upper_95"] for r in rows] != [r["upper_95"] for r in plain]
    again = json.loads(cli("predict", str(path), "-f", "json").stdout)
    assert again["forecast"] == rows and again["interval_method"] == doc["interval_method"]


def test_fit_conformal_on_too_short_a_series_exits_2(cli) -> None:
    result = cli("fit", NILE, "-m", "naive", "-H", "90", "--intervals", "conformal")
    assert result.code == 2 and "use --intervals model" in result.stderr


def test_backtest_conformal_covers_at_least_as_well_here(cli) -> None:
    common = ("backtest", NILE, "-m", "theta", "-H", "4", "--refit", "never", "-f", "json")
    plain = json.loads(cli(*common).stdout)
    conformal = json.loads(cli(*common, "--intervals", "conformal").stdout)
    assert conformal["config"]["spec"]["intervals"] == "conformal"
    method = conformal["config"]["interval_methods"]["theta"]
    assert method.startswith("split conformal")

    def overall(doc, metric):
        (value,) = [
            r["value"] for r in doc["metrics"] if r["scope"] == "overall" and r["metric"] == metric
        ]
        return value

    assert overall(conformal, "mae") == overall(plain, "mae")  # same point forecasts
    assert np.isfinite(overall(conformal, "coverage_95"))
