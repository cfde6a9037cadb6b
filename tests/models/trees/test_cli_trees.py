"""`forecast fit / predict / backtest -m lightgbm|xgboost` end to end (in-process)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from forecast.data import load
from forecast.models.trees.model import TreeForecaster
from tests.conftest import SAMPLES, write_csv

RETAIL = str(SAMPLES / "retail_panel.csv")
FAST = ["-p", "n_estimators=30"]


def _means(doc: dict) -> dict[str, list[float]]:
    return {s["id"]: [r["mean"] for r in s["forecast"]] for s in doc["series"]}


def test_fit_the_retail_panel_with_lightgbm(cli) -> None:
    """The issue's command: one global model, every store forecast, with intervals."""
    result = cli("fit", RETAIL, "-m", "lightgbm", "-H", "6", "-f", "csv")
    assert result.code == 0, result.stderr
    assert "note: global lightgbm: one model for 12 series, fitted in this process" in result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "id,model,timestamp,mean,lower_80,upper_80,lower_95,upper_95"
    assert len(lines) == 1 + 12 * 6
    assert {line.split(",")[1] for line in lines[1:]} == {"lightgbm"}


@pytest.mark.parametrize("name", ["lightgbm", "xgboost"])
def test_fit_save_predict_and_data_match_the_library(cli, tmp_path, name) -> None:
    model_file = tmp_path / "t.fcm"
    fitted = cli("fit", RETAIL, "-m", name, *FAST, "-H", "4", "-l", "80", "-f", "json",
                 "--save", model_file)  # fmt: skip
    assert fitted.code == 0, fitted.stderr
    doc = json.loads(fitted.stdout)
    panel = load(RETAIL, id_col="store")
    direct = TreeForecaster(name, {"n_estimators": 30}).fit(
        [(s.id, s.y) for s in panel], calibrate_steps=4, levels=(80,)
    )
    expected = direct.predict(4, [80])
    for sid, means in _means(doc).items():
        np.testing.assert_array_equal(means, expected[sid].mean)
    again = cli("predict", model_file, "-f", "json")
    assert again.code == 0, again.stderr
    assert _means(json.loads(again.stdout)) == _means(doc)
    new = write_csv(tmp_path, "store,month,sales\nstore_03,2025-01-01,3100\n")
    moved = cli("predict", model_file, "--data", new, "--ids", "store_03", "-H", "2", "-f", "json")
    assert moved.code == 0, moved.stderr
    fresh = load(str(new), id_col="store", freq="MS", min_length=1, allow_constant=True)
    direct.update("store_03", fresh[0].y)
    assert _means(json.loads(moved.stdout))["store_03"] == list(direct.predict(2)["store_03"].mean)
    shown = cli("inspect", model_file, "-f", "csv")
    assert shown.code == 0 and "global.series,12" in shown.stdout


def test_the_same_bytes_for_jobs_1_and_2_and_the_dask_engine(cli) -> None:
    args = ["fit", RETAIL, "-m", "lightgbm", *FAST, "-H", "3", "-f", "csv", "-q"]
    one = cli(*args, "--jobs", "1")
    two = cli(*args, "--jobs", "2")
    dask = cli(*args, "--engine", "dask", "--jobs", "2")
    assert one.code == two.code == dask.code == 0
    assert one.stdout == two.stdout == dask.stdout
    per_series = ["fit", RETAIL, "-m", "xgboost", *FAST, "-p", "global=false", "-p", "lags=1,2,12",
                  "-H", "3", "-f", "csv", "-q"]  # fmt: skip
    assert cli(*per_series, "--jobs", "1").stdout == cli(*per_series, "--jobs", "2").stdout


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("rolling=median:3", "rolling=median:3 is not valid"),
        ("lags=0,12", "lags=0,12 must be >= 1"),
        ("lags=1,200", "reaches past the longest series"),
        ("colour=red", "lightgbm has no parameter colour"),
    ],
)
def test_bad_features_exit_2_with_one_line(cli, param, message) -> None:
    result = cli("fit", RETAIL, "-m", "lightgbm", "-p", param, "-H", "3")
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr


def test_a_short_series_goes_to_the_fallback(cli, tmp_path) -> None:
    rows = ["id,month,sales"]
    for sid, n in (("a", 60), ("b", 72), ("short", 8)):
        rows += [
            f"{sid},{2015 + m // 12}-{m % 12 + 1:02d}-01,{100 + m + (m % 12) * 3}" for m in range(n)
        ]
    data = write_csv(tmp_path, "\n".join(rows) + "\n")
    alone = cli("fit", data, "-m", "lightgbm", "-p", "lags=1,12", "-H", "2", "-f", "json")
    assert alone.code == 1
    assert "series 'short' has 8" in alone.stderr
    helped = cli("fit", data, "-m", "lightgbm", "-p", "lags=1,12", "--fallback", "naive", "-H", "2",
                 "-f", "json")  # fmt: skip
    assert helped.code == 0, helped.stderr
    models = {s["id"]: s["model"] for s in json.loads(helped.stdout)["series"]}
    assert models == {"a": "lightgbm", "b": "lightgbm", "short": "naive"}


@pytest.mark.parametrize("scheme", [["--scheme", "purged-kfold", "--folds", "4"],
                                    ["--scheme", "cpcv"], ["--refit", "2", "--step", "6"]])  # fmt: skip
def test_backtests_refit_the_global_model_per_fold(cli, scheme) -> None:
    result = cli("backtest", RETAIL, "-m", "lightgbm", *FAST, "-p", "lags=1,2,3,12", "-H", "6",
                 *scheme, "-f", "json")  # fmt: skip
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert not doc["failures"] and len({r["id"] for r in doc["series"]}) == 12


def test_fitting_trees_imports_no_torch() -> None:
    probe = (
        "import sys; from forecast.cli.app import main; "
        f"code = main(['fit', {RETAIL!r}, '-m', 'lightgbm', '-p', 'n_estimators=5', '-H', '2', "
        "'-q', '-f', 'csv']); "
        "print('torch' in sys.modules, 'xgboost' in sys.modules, code, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stderr.strip().splitlines()[-1] == "False False 0", done.stderr


def _without_timing(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_timing(v) for k, v in node.items() if k != "timing"}
    if isinstance(node, list):
        return [_without_timing(v) for v in node]
    return node


@pytest.mark.parametrize("data", [str(SAMPLES / "airpassengers.csv"), RETAIL])
def test_the_same_seed_gives_the_same_json_but_timing(cli, data) -> None:
    args = ("fit", data, "-m", "xgboost", *FAST, "--seed", "4", "-p", "subsample=0.7", "-f", "json")
    first, second = cli(*args), cli(*args)
    assert first.code == second.code == 0, first.stderr
    assert _without_timing(json.loads(first.stdout)) == _without_timing(json.loads(second.stdout))
