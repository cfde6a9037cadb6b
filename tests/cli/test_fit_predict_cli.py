"""`forecast fit`, `forecast predict` and `forecast models` end to end (in-process)."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest

from forecast.data import load_series
from forecast.io.modelfile import load_model
from forecast.models.registry import create
from tests.conftest import SAMPLES, write_csv

AIR = str(SAMPLES / "airpassengers.csv")
NILE = str(SAMPLES / "nile.csv")


def test_fit_json_schema(cli) -> None:
    result = cli(
        "fit", AIR, "-m", "sarima", "-p", "seasonal_order=0,1,1,12", "-H", "3", "-f", "json"
    )
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    model = doc["model"]
    assert model["name"] == "sarima" and model["order"] == [0, 1, 1]
    assert model["seasonal_order"] == [0, 1, 1, 12]
    assert {"coefficients", "fit", "parameters", "residual_ljung_box", "notes"} <= set(model)
    assert doc["horizon"] == 3 and doc["levels"] == [80.0, 95.0]
    rows = doc["forecast"]
    assert [r["timestamp"] for r in rows] == [
        "1961-01-01T00:00:00",
        "1961-02-01T00:00:00",
        "1961-03-01T00:00:00",
    ]
    assert set(rows[0]) == {"timestamp", "mean", "lower_80", "upper_80", "lower_95", "upper_95"}
    direct = (
        create("sarima", {"seasonal_order": "0,1,1,12"})
        .fit(load_series(AIR).y)
        .predict(3, [80, 95])
    )
    np.testing.assert_allclose([r["mean"] for r in rows], direct.mean, rtol=1e-12)


def test_fit_csv_columns(cli) -> None:
    result = cli("fit", NILE, "-m", "naive", "-H", "2", "-l", "90", "-f", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["timestamp", "mean", "lower_90", "upper_90"]
    assert rows[1][0] == "1971-01-01T00:00:00" and float(rows[1][1]) == 740.0  # last Nile value
    assert len(rows) == 3


def test_fit_table_and_warnings_go_to_the_right_streams(cli) -> None:
    result = cli("fit", AIR, "-m", "naive", "-H", "2")
    assert result.code == 0 and result.stderr == ""
    assert "naive: naive (random walk)" in result.stdout and "Forecast" in result.stdout


def test_config_file_and_cli_precedence(cli, tmp_path) -> None:
    config = tmp_path / "model.toml"
    config.write_text('model = "arima"\nhorizon = 4\nlevels = [50]\n[params]\norder = [1, 1, 0]\n')
    result = cli("fit", AIR, "--config", str(config), "-f", "json")
    doc = json.loads(result.stdout)
    assert doc["model"]["order"] == [1, 1, 0] and doc["horizon"] == 4 and doc["levels"] == [50.0]
    result = cli("fit", AIR, "--config", str(config), "-p", "order=0,1,1", "-H", "2", "-f", "json")
    doc = json.loads(result.stdout)
    assert doc["model"]["order"] == [0, 1, 1] and doc["horizon"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["-m", "arima", "-p", "ordr=1,1,1"],
            "arima has no parameter ordr; it accepts: order, trend",
        ),
        (["-m", "arima", "-p", "order=1,x,1"], "order=1,x,1 is not valid; expected 3 ints"),
        (["-m", "arima", "-p", "order"], "--param takes key=value"),
        (["-m", "nope"], "unknown model 'nope'"),
        (["-m", "naive", "-H", "0"], "--horizon must be a whole number >= 1"),
        (["-m", "naive", "-l", "100"], "--level must be a percentage between 0 and 100"),
        ([], "no model given"),
        (
            ["-m", "arima", "-p", "order=1,1,1", "-p", "trend=c"],
            "a differenced model cannot have a constant",
        ),
    ],
)
def test_bad_model_options_exit_2(cli, args, message) -> None:
    result = cli("fit", AIR, *args)
    assert result.code == 2
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_too_short_for_the_model_states_the_minimum(cli, tmp_path) -> None:
    path = write_csv(tmp_path, "d,v\n2020-01-01,1\n2020-01-02,3\n2020-01-03,2\n2020-01-04,5\n")
    result = cli("fit", str(path), "-m", "sarima")
    # (0,1,1)(0,1,1) at the daily calendar period 7: 2 + 7 x 2 = 16 lags and one more (#24)
    assert result.code == 2 and "fitting sarima needs at least 17" in result.stderr


def test_save_then_predict_gives_the_same_forecast(cli, tmp_path) -> None:
    path = tmp_path / "air.fcm"
    fit = cli(
        "fit", AIR, "-m", "arima", "-p", "order=2,1,1", "-H", "5", "--save", str(path), "-f", "csv"
    )
    assert fit.code == 0 and f"wrote {path}" in fit.stderr
    predicted = cli("predict", str(path), "-f", "csv")  # horizon and levels default to the fit's
    assert predicted.code == 0 and predicted.stdout == fit.stdout


def _train_file(tmp_path, n: int):
    frame = pd.read_csv(AIR)
    write_csv(tmp_path, frame.iloc[:n].to_csv(index=False), "train.csv")
    return frame


def test_cron_pattern_with_overlapping_history(cli, tmp_path) -> None:
    """Each day the whole history arrives; rows the model has are skipped, new ones appended."""
    frame = _train_file(tmp_path, 120)
    model = tmp_path / "m.fcm"
    assert (
        cli(
            "fit",
            str(tmp_path / "train.csv"),
            "-m",
            "arima",
            "-p",
            "order=1,1,0",
            "--save",
            str(model),
        ).code
        == 0
    )
    today = write_csv(tmp_path, frame.iloc[:130].to_csv(index=False), "today.csv")
    result = cli("predict", str(model), "--data", str(today), "-H", "2", "-f", "json")
    doc = json.loads(result.stdout)
    assert result.code == 0 and doc["new_observations"] == 10 and doc["refit"] is False
    assert doc["forecast"][0]["timestamp"] == "1959-11-01T00:00:00"
    # the same as a model whose state was moved on in memory
    reference = load_model(model).model.update(load_series(str(today)).y.iloc[120:]).predict(2)
    np.testing.assert_allclose([r["mean"] for r in doc["forecast"]], reference.mean, rtol=1e-12)
    assert load_model(model).model.end_ == pd.Timestamp("1958-12-01")  # the file is untouched


def test_predict_refuses_a_gap_and_a_disagreement(cli, tmp_path) -> None:
    frame = _train_file(tmp_path, 120)
    model = tmp_path / "m.fcm"
    cli("fit", str(tmp_path / "train.csv"), "-m", "naive", "--save", str(model))
    gap = write_csv(tmp_path, frame.iloc[123:130].to_csv(index=False), "gap.csv")
    result = cli("predict", str(model), "--data", str(gap))
    assert (
        result.code == 2
        and "new data leaves a gap" in result.stderr
        and "3 missing steps" in result.stderr
    )
    changed = frame.iloc[100:125].copy()
    changed.iloc[0, 1] += 1
    bad = write_csv(tmp_path, changed.to_csv(index=False), "bad.csv")
    result = cli("predict", str(model), "--data", str(bad))
    assert (
        result.code == 2
        and "disagrees with the model's training data at 1957-05-01" in result.stderr
    )


def test_predict_refit_and_save(cli, tmp_path) -> None:
    frame = _train_file(tmp_path, 120)
    model = tmp_path / "m.fcm"
    cli(
        "fit", str(tmp_path / "train.csv"), "-m", "arima", "-p", "order=1,1,0", "--save", str(model)
    )
    new = write_csv(tmp_path, frame.iloc[120:].to_csv(index=False), "new.csv")
    result = cli(
        "predict", str(model), "--data", str(new), "--refit", "--save", str(model), "-f", "json"
    )
    doc = json.loads(result.stdout)
    assert doc["refit"] is True and doc["new_observations"] == 24
    refit = load_model(model).model
    assert refit.end_ == pd.Timestamp("1960-12-01") and refit.y_.size == 144
    direct = create("arima", {"order": "1,1,0"}).fit(load_series(AIR).y)
    np.testing.assert_allclose(refit.params_, direct.params_, rtol=1e-8)


def test_predict_on_a_corrupt_file_exit_2(cli, tmp_path) -> None:
    bad = tmp_path / "m.fcm"
    bad.write_bytes(b"not a model")
    result = cli("predict", str(bad))
    assert (
        result.code == 2
        and result.stderr.startswith("error: ")
        and "not a forecast model file" in result.stderr
    )


def test_models_listing(cli) -> None:
    doc = json.loads(cli("models", "-f", "json").stdout)
    names = [m["name"] for m in doc["models"]]
    assert {
        "naive",
        "snaive",
        "drift",
        "mean",
        "ar",
        "ma",
        "arma",
        "arima",
        "sarima",
        "auto-arima",
        "sparse-ar",
    } <= set(names)
    arima = next(m for m in doc["models"] if m["name"] == "arima")
    assert arima["params"][0] == {
        "name": "order",
        "type": "3 ints (comma-separated)",
        "default": [1, 1, 1],
        "help": "p,d,q",
    }
    one = cli("models", "sarima")
    assert one.code == 0 and "seasonal_order" in one.stdout


# --- neural models: --device, --seed, --epochs, save/predict/refit -----------------------------

NEURAL_TINY = ["-p", "window=12", "-p", "horizon=12", "-p", "hidden_size=8", "--epochs", "2"]


def test_fit_lstm_states_device_window_and_interval_method(cli) -> None:
    result = cli("fit", AIR, "-m", "lstm", *NEURAL_TINY, "-H", "3", "-f", "json")
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    model = doc["model"]
    assert model["device"] == "cpu" and model["device_rule"] == "auto: CUDA, then MPS, then CPU"
    assert model["window"] == 12 and model["window_source"] == "12 (given)"
    assert model["parameters"]["epochs"] == 2 and model["parameters"]["hidden_size"] == 8
    assert doc["interval_method"].startswith("split-conformal")
    assert doc["forecast_device"] == "cpu (auto: CUDA, then MPS, then CPU)"
    assert len(doc["forecast"]) == 3
    assert "training lstm" not in result.stderr  # no progress bar when stdout is not a terminal


def test_fit_gru_table_names_the_device_window_and_intervals(cli) -> None:
    result = cli("fit", AIR, "-m", "gru", *NEURAL_TINY, "-H", "2", "-q")
    assert result.code == 0 and result.stderr == ""
    assert "GRU 1 x 8, direct 12-step head, window 12; trained on cpu" in result.stdout
    assert "selection: period" in result.stdout and "window 12 (given)" in result.stdout
    assert "intervals: split-conformal" in result.stdout


def test_fit_with_a_seed_is_repeatable(cli) -> None:
    first = cli("fit", AIR, "-m", "lstm", *NEURAL_TINY, "--seed", "5", "-f", "csv")
    second = cli("fit", AIR, "-m", "lstm", *NEURAL_TINY, "--seed", "5", "-f", "csv")
    other = cli("fit", AIR, "-m", "lstm", *NEURAL_TINY, "--seed", "6", "-f", "csv")
    assert first.code == 0 and first.stdout == second.stdout
    assert other.stdout != first.stdout


def test_device_and_epochs_apply_to_neural_models_only(cli) -> None:
    for args in (["--device", "cpu"], ["--epochs", "3"]):
        result = cli("fit", AIR, "-m", "naive", *args)
        assert result.code == 2 and "applies to neural models only" in result.stderr
        assert len(result.stderr.splitlines()) == 1
    assert cli("fit", AIR, "-m", "naive", "--seed", "3", "-f", "csv").code == 0  # unused there


def test_an_unknown_or_unavailable_device_is_a_usage_error(cli, monkeypatch) -> None:
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    result = cli("fit", AIR, "-m", "gru", *NEURAL_TINY, "--device", "cuda")
    assert result.code == 2 and "--device cuda: no CUDA device is available" in result.stderr
    result = cli("fit", AIR, "-m", "gru", "--device", "tpu")
    assert (
        result.code == 2 and "device=tpu is not valid; expected auto|cpu|cuda|mps" in result.stderr
    )


def test_neural_save_predict_update_and_refit(cli, tmp_path) -> None:
    frame = _train_file(tmp_path, 120)
    path = tmp_path / "lstm.fcm"
    train = str(tmp_path / "train.csv")
    fit = cli("fit", train, "-m", "lstm", *NEURAL_TINY, "-H", "4", "--save", str(path), "-f", "csv")
    assert fit.code == 0, fit.stderr
    assert cli("predict", str(path), "-f", "csv").stdout == fit.stdout  # identical after reload
    new = write_csv(tmp_path, frame.iloc[120:130].to_csv(index=False), "new.csv")
    updated = json.loads(
        cli("predict", str(path), "--data", str(new), "-H", "2", "-f", "json").stdout
    )
    assert updated["new_observations"] == 10 and updated["refit"] is False
    assert updated["forecast"][0]["timestamp"] == "1959-11-01T00:00:00"
    assert (
        updated["model"]["estimation"]
        == json.loads(cli("predict", str(path), "-f", "json").stdout)["model"]["estimation"]
    )  # an update trains nothing
    refit = cli(
        "predict", str(path), "--data", str(new), "--refit", "--device", "cpu", "-f", "json"
    )
    doc = json.loads(refit.stdout)
    assert refit.code == 0 and doc["refit"] is True
    assert "fine-tuned on cpu" in doc["model"]["estimation"]
    assert doc["model"]["parameters"]["device"] == "cpu"


def test_predict_device_on_a_classical_model_is_a_usage_error(cli, tmp_path) -> None:
    path = tmp_path / "naive.fcm"
    cli("fit", AIR, "-m", "naive", "--save", str(path))
    result = cli("predict", str(path), "--device", "cpu")
    assert result.code == 2 and "--device applies to neural models only" in result.stderr


def test_no_header_for_appending_from_cron(cli, tmp_path) -> None:
    path = tmp_path / "m.fcm"
    first = cli(
        "fit", NILE, "-m", "naive", "-H", "2", "--save", str(path), "-f", "csv", "--no-header"
    )
    lines = first.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("1971-01-01T00:00:00,740")
    again = cli("predict", str(path), "-f", "csv", "--no-header")
    assert again.stdout == first.stdout
