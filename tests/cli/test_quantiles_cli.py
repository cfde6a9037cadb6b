"""`--quantiles` on fit and predict (issue 30): columns q_P from each model's predictive
distribution (forecast.models.quantiles), equal to the bounds of the matching interval for the
Gaussian models, the same after save and predict, floored with the forecast, in every layout."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SAMPLES

PANEL = str(SAMPLES / "retail_panel.csv")
AIR = str(SAMPLES / "airpassengers.csv")


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_gaussian_quantiles_are_the_matching_bounds(cli) -> None:
    result = cli("fit", PANEL, "-m", "naive", "-m", "arima", "-p", "arima.order=1,1,0",
                 "--ids", "store_01,store_02", "-H", "3", "-l", "80", "-l", "90",
                 "--quantiles", "0.05,0.1,0.5,0.9,0.95", "-f", "csv")  # fmt: skip
    assert result.code == 0, result.stderr
    rows = _rows(result.stdout)
    assert list(rows[0])[-5:] == ["q_0.05", "q_0.1", "q_0.5", "q_0.9", "q_0.95"]
    for r in rows:  # z_0.05 = -z_0.95 exactly: the 90 % band's bounds, to rounding
        for q, bound in (("q_0.05", "lower_90"), ("q_0.1", "lower_80"), ("q_0.9", "upper_80"),
                         ("q_0.95", "upper_90"), ("q_0.5", "mean")):  # fmt: skip
            assert float(r[q]) == pytest.approx(float(r[bound]), rel=1e-12, abs=1e-9)


def test_predict_gives_the_fits_quantiles(cli, tmp_path: Path) -> None:
    saved = tmp_path / "m.fcm"
    fitted = cli("fit", PANEL, "-m", "theta", "--ids", "store_03", "-H", "2", "--save", saved,
                 "--quantiles", "0.25,0.75", "-f", "csv", "-q")  # fmt: skip
    assert fitted.code == 0, fitted.stderr
    again = cli("predict", saved, "--quantiles", "0.25,0.75", "-f", "csv")
    assert again.stdout == fitted.stdout
    q = [(float(r["q_0.25"]), float(r["mean"]), float(r["q_0.75"])) for r in _rows(again.stdout)]
    assert all(lo <= m <= hi for lo, m, hi in q)


def test_one_series_and_json_carry_them(cli) -> None:
    text = cli("fit", AIR, "-m", "snaive", "-H", "2", "--quantiles", "0.5", "-f", "csv").stdout
    assert _rows(text)[0]["q_0.5"] == _rows(text)[0]["mean"]
    doc = json.loads(cli("fit", PANEL, "-m", "naive", "--ids", "store_01", "-H", "1",
                         "--quantiles", "0.1,0.9", "-f", "json").stdout)  # fmt: skip
    assert doc["quantiles"] == [0.1, 0.9]
    record = doc["series"][0]["forecast"][0]
    assert record["q_0.1"] < record["mean"] < record["q_0.9"]


def test_nixtla_layout_names_them_by_model(cli) -> None:
    result = cli("fit", PANEL, "-m", "naive", "-m", "drift", "--ids", "store_01", "-H", "1",
                 "-l", "80", "--quantiles", "0.5", "--columns", "nixtla", "-f", "csv")  # fmt: skip
    assert list(_rows(result.stdout)[0]) == [
        "unique_id", "ds", "naive", "naive-lo-80", "naive-hi-80", "naive-q-0.5",
        "drift", "drift-lo-80", "drift-hi-80", "drift-q-0.5",
    ]  # fmt: skip


def test_the_floor_clips_them(cli, tmp_path: Path) -> None:
    data = tmp_path / "i.csv"
    values = [0, 0, 3, 0, 0, 1, 0, 0, 0, 2, 0, 0] * 3
    days = [f"2020-01-{d:02d}" for d in range(1, 31)]
    data.write_text("d,v\n" + "".join(f"{t},{v}\n" for t, v in zip(days, values, strict=False)))
    result = cli("fit", data, "-m", "naive", "-H", "3", "--quantiles", "0.01", "-f", "csv")
    assert result.code == 0, result.stderr
    assert np.min([float(r["q_0.01"]) for r in _rows(result.stdout)]) == 0.0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("95", "did you mean 0.95"),
        ("0,0.5", "strictly between 0 and 1"),
        ("a", "give probabilities"),
    ],
)
def test_bad_probabilities_are_refused(cli, value: str, message: str) -> None:
    result = cli("fit", AIR, "-m", "naive", "--quantiles", value)
    assert result.code == 2 and message in result.stderr and result.stdout == ""
