"""`fit -m A -m B`: several models in one run (issue 31). Every model's rows equal its own
one-model run's; the model column names the model (or the fallback on its rows); one model
file holds them all and `predict` gives back what `fit` printed."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecast
from tests.conftest import SAMPLES

PANEL = str(SAMPLES / "retail_panel.csv")
IDS = "store_01,store_02,store_03"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _short_panel(path: Path) -> Path:
    """Two series of 40 months and one of 5 (too short for ets: its fallback forecasts it)."""
    rng = np.random.default_rng(0)
    frames = [
        pd.DataFrame(
            {
                "unique_id": sid,
                "ds": pd.date_range("2020-01-01", periods=n, freq="MS"),
                "y": 100 + np.arange(n) + rng.normal(size=n),
            }
        )
        for sid, n in (("a", 40), ("b", 40), ("c", 5))
    ]
    pd.concat(frames).to_csv(path, index=False)
    return path


def test_each_models_rows_equal_its_own_run(cli) -> None:
    both = cli("fit", PANEL, "-m", "naive", "-m", "th=theta", "--ids", IDS, "-H", "3", "-f", "csv")
    assert both.code == 0, both.stderr
    rows = _rows(both.stdout)
    assert list(rows[0])[:4] == ["id", "model", "timestamp", "mean"]
    # series after series, each series' models in the run's order
    assert [(r["id"], r["model"]) for r in rows[::3]] == [
        (sid, m) for sid in IDS.split(",") for m in ("naive", "th")
    ]
    for label, name in (("naive", "naive"), ("th", "theta")):
        alone = cli("fit", PANEL, "-m", name, "--ids", IDS, "-H", "3", "-f", "csv")
        expected = [{**r, "model": label} for r in _rows(alone.stdout)]
        assert [r for r in rows if r["model"] == label] == expected


def test_json_lists_the_models_and_counts_pairs(cli) -> None:
    result = cli("fit", PANEL, "-m", "naive", "-m", "drift", "--ids", IDS, "-H", "2", "-f", "json")
    doc = json.loads(result.stdout)
    assert [m["label"] for m in doc["models"]] == ["naive", "drift"]
    assert doc["summary"] == {"series": 3, "models": 2, "forecast": 6, "fallback": 0, "failed": 0}
    assert [(s["id"], s["model"]) for s in doc["series"]][:2] == [
        ("store_01", "naive"),
        ("store_01", "drift"),
    ]


def test_parameters_are_given_per_label(cli) -> None:
    result = cli("fit", PANEL, "-m", "a=arima", "-m", "b=arima", "-p", "a.order=1,0,0",
                 "-p", "b.order=0,1,1", "--ids", "store_01", "-H", "2", "-f", "json")  # fmt: skip
    assert result.code == 0, result.stderr
    orders = [s["summary"]["parameters"]["order"] for s in json.loads(result.stdout)["series"]]
    assert orders == [[1, 0, 0], [0, 1, 1]]
    ambiguous = cli("fit", PANEL, "-m", "naive", "-m", "arima", "-p", "order=1,0,0")
    assert ambiguous.code == 2 and "ambiguous" in ambiguous.stderr


def test_the_fallback_writes_its_rows_once_and_names_itself(cli, tmp_path: Path) -> None:
    data = _short_panel(tmp_path / "p.csv")
    out = tmp_path / "f.csv"
    result = cli("fit", data, "-m", "ets", "-m", "e2=ets", "-m", "theta", "--fallback", "naive",
                 "-H", "2", "--output", out)  # fmt: skip
    assert result.code == 0, result.stderr
    rows = _rows(out.read_text())
    by_series: dict[str, list[str]] = {}
    for r in rows:
        by_series.setdefault(r["id"], []).append(r["model"])
    assert by_series == {
        "a": ["ets"] * 2 + ["e2"] * 2 + ["theta"] * 2,
        "b": ["ets"] * 2 + ["e2"] * 2 + ["theta"] * 2,
        "c": ["naive"] * 2 + ["theta"] * 2,  # ets and e2 fell back: the naive rows once
    }
    failures = _rows((tmp_path / "f.failures.csv").read_text())
    assert [(f["id"], f["outcome"], f["model"]) for f in failures] == [
        ("c", "fallback", "naive"),
        ("c", "fallback", "naive"),
    ]
    assert [f["reason"].split(" failed:")[0] for f in failures] == ["ets", "e2"]


def test_a_fallback_named_like_a_model_is_refused(cli) -> None:
    result = cli("fit", PANEL, "-m", "naive", "-m", "drift", "--fallback", "naive")
    assert result.code == 2
    assert "--fallback naive is also a model of this run" in result.stderr


def test_a_global_model_is_refused_beside_others(cli) -> None:
    result = cli("fit", PANEL, "-m", "naive", "-m", "lightgbm", "-H", "2")
    assert result.code == 2 and "lightgbm is one global model" in result.stderr
    assert result.stdout == ""


def test_save_then_predict_gives_the_same_rows(cli, tmp_path: Path) -> None:
    saved = tmp_path / "m.fcm"
    fitted = cli("fit", PANEL, "-m", "naive", "-m", "th=theta", "--ids", IDS, "-H", "2",
                 "-f", "csv", "--save", saved, "-q")  # fmt: skip
    assert fitted.code == 0, fitted.stderr
    every = cli("predict", saved, "-f", "csv")
    assert every.code == 0, every.stderr
    key = lambda r: (r["id"], r["model"], r["timestamp"])  # noqa: E731
    assert sorted(_rows(every.stdout), key=key) == sorted(_rows(fitted.stdout), key=key)
    one = cli("predict", saved, "--model", "th", "--ids", "store_02", "-f", "csv")
    assert _rows(one.stdout) == [
        r for r in _rows(fitted.stdout) if r["model"] == "th" and r["id"] == "store_02"
    ]
    unknown = cli("predict", saved, "--model", "ets")
    assert unknown.code == 2 and "holds naive, th" in unknown.stderr


def test_one_series_with_several_models_comes_out_long(cli) -> None:
    data = SAMPLES / "airpassengers.csv"
    result = cli("fit", data, "-m", "naive", "-m", "snaive", "-H", "2", "-f", "csv")
    assert result.code == 0, result.stderr
    rows = _rows(result.stdout)
    assert [r["model"] for r in rows] == ["naive", "naive", "snaive", "snaive"]
    assert [float(r["mean"]) for r in rows] == [432.0, 432.0, 417.0, 391.0]


def test_the_library_fits_several_models_as_the_cli(cli) -> None:
    result = forecast.fit(PANEL, ["naive", ("th", "theta", {})], horizon=2)
    frame = result.frame
    printed = cli("fit", PANEL, "-m", "naive", "-m", "th=theta", "-H", "2", "-f", "csv")
    expected = pd.read_csv(io.StringIO(printed.stdout), parse_dates=["timestamp"])
    pd.testing.assert_frame_equal(frame, expected, check_dtype=False)
    with pytest.raises(forecast.errors.UsageError):
        forecast.fit(PANEL, ["naive", "naive"], horizon=2)


def test_neural_options_reach_the_neural_model_of_a_several_model_run(cli) -> None:
    # --device/--epochs go to the models that have them; they win over --param in fit and
    # backtest alike; a run where no model has them is a usage error in both commands.
    air = SAMPLES / "airpassengers.csv"
    tiny = ["-p", "lstm.window=12", "-p", "lstm.hidden_size=4", "-p", "lstm.epochs=5"]
    fitted = cli("fit", air, "-m", "naive", "-m", "lstm", *tiny, "-p", "lstm.horizon=12",
                 "--epochs", "1", "--device", "cpu", "-H", "2", "-f", "json")  # fmt: skip
    assert fitted.code == 0, fitted.stderr
    params = {m["label"]: m["parameters"] for m in json.loads(fitted.stdout)["models"]}
    assert params["naive"] == {} and params["lstm"]["epochs"] == 1
    assert params["lstm"]["device"] == "cpu"
    tested = cli("backtest", air, "-m", "naive", "-m", "lstm", *tiny, "-p", "lstm.horizon=6",
                 "--epochs", "1", "-H", "6", "--initial", "126", "--step", "6",
                 "--refit", "never", "-f", "json")  # fmt: skip
    assert tested.code == 0, tested.stderr
    models = json.loads(tested.stdout)["config"]["models"]
    assert {m["label"]: m["params"].get("epochs") for m in models} == {"naive": None, "lstm": 1}
    for command in (["fit"], ["backtest", "--initial", "120"]):
        refused = cli(*command, air, "-m", "naive", "--epochs", "1", "-H", "6")
        assert refused.code == 2 and "--epochs applies to neural models only" in refused.stderr
