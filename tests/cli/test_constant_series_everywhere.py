"""Constant series are diagnosed and backtested, not refused (issue 29): every test says why it
was skipped, the naive family scores an exact zero error, and on a panel the constant series
sits beside the others."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd


def _one(tmp_path, values) -> str:
    dates = pd.date_range("2020-01-01", periods=len(values), freq="MS").strftime("%Y-%m-%d")
    path = tmp_path / "one.csv"
    pd.DataFrame({"date": dates, "y": values}).to_csv(path, index=False)
    return str(path)


def _panel(tmp_path) -> str:
    dates = pd.date_range("2020-01-01", periods=40, freq="MS").strftime("%Y-%m-%d")
    t = np.arange(40)
    frame = pd.concat(
        [
            pd.DataFrame({"id": "flat", "date": dates, "y": 5.0}),
            pd.DataFrame({"id": "moving", "date": dates, "y": 10 + t % 12 + 0.3 * t}),
        ]
    )
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    return str(path)


def test_diagnose_a_constant_series_skips_every_test_with_the_reason(cli, tmp_path) -> None:
    result = cli("diagnose", _one(tmp_path, [5.0] * 40), "--format", "json")
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {t["name"]: t["skipped"] for t in doc["tests"]} == {
        name: "the series is constant (every value is 5)"
        for name in ("ADF", "KPSS", "Phillips-Perron", "Zivot-Andrews", "DF-GLS")
    }
    assert doc["seasonality"]["period"] is None
    assert (
        doc["seasonality"]["reason"] == "the series is constant: no seasonal period can be measured"
    )


def test_backtest_a_constant_series_scores_zero_error(cli, tmp_path) -> None:
    result = cli(
        "backtest", _one(tmp_path, [5.0] * 40), "-m", "naive", "-m", "mean", "-H", "6",
        "--step", "6", "--format", "json",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    overall = {
        (r["model"], r["metric"]): r["value"] for r in doc["metrics"] if r["scope"] == "overall"
    }
    for model in ("naive", "mean"):
        assert overall[model, "mae"] == 0.0 and overall[model, "rmse"] == 0.0
    assert doc["failures"] == []


def test_a_constant_series_in_a_panel_is_diagnosed_and_backtested(cli, tmp_path) -> None:
    path = _panel(tmp_path)
    diagnosed = cli("diagnose", path, "--format", "json")
    assert diagnosed.code == 0, diagnosed.stderr
    assert {row["id"] for row in json.loads(diagnosed.stdout)["series"]} == {"flat", "moving"}
    backtested = cli("backtest", path, "-m", "naive", "-H", "6", "--step", "6", "-f", "json")
    assert backtested.code == 0, backtested.stderr
    doc = json.loads(backtested.stdout)
    assert doc["failures"] == []
    assert {s["id"] for s in doc["series"]} == {"flat", "moving"}
