"""`--exog`, `--future` and `--exog-lag` end to end: fit, save, predict (--data), backtest."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.models.registry import get_spec
from tests.conftest import DATA


def _write(tmp_path: Path, years: range, name: str, level: bool = True) -> Path:
    frame = pd.read_csv(DATA / "lakehuron.csv").set_index("year")
    rows = ["year,level,trend" if level else "year,trend"]
    for year in years:
        trend = year - 1920
        rows.append(f"{year},{frame.loc[year, 'level_ft']},{trend}" if level else f"{year},{trend}")
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return {
        "data": _write(tmp_path, range(1875, 1973), "lh.csv"),
        "head": _write(tmp_path, range(1875, 1963), "head.csv"),
        "future": _write(tmp_path, range(1973, 1976), "future.csv", level=False),
        "future_head": _write(tmp_path, range(1963, 1966), "future_head.csv", level=False),
    }


ARGS = ("-m", "arima", "-p", "order=2,0,0", "--exog", "trend", "-H", "3")
# the backtests refit at every 6th origin, not every one: what they test (regressors, notes,
# equality with the library) does not depend on the number of folds
EVERY_6 = ("--step", "6")


def _library(n: int | None = None) -> tuple[pd.Series, pd.DataFrame]:
    frame = pd.read_csv(DATA / "lakehuron.csv")
    index = pd.date_range("1875", periods=len(frame), freq="YS")
    y = pd.Series(frame["level_ft"].to_numpy(float), index=index)
    x = pd.DataFrame({"trend": (frame["year"] - 1920).to_numpy(float)}, index=index)
    return (y, x) if n is None else (y.iloc[:n], x.iloc[:n])


def test_fit_with_regressors_json(cli, files) -> None:
    result = cli("fit", files["data"], *ARGS, "--future", files["future"], "-f", "json")
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    coef = {c["name"]: c for c in doc["model"]["coefficients"]}
    # R: arima(LakeHuron, order = c(2,0,0), xreg = time(LakeHuron) - 1920): xreg -0.0216 (0.0081)
    assert coef["trend"]["value"] == pytest.approx(-0.0216, abs=1e-4)
    assert coef["trend"]["se"] == pytest.approx(0.0081, abs=2e-4)
    assert doc["regressors"] == ["trend"]
    y, x = _library()
    model = get_spec("arima").create({"order": (2, 0, 0)}).fit(y, x)
    future = pd.DataFrame({"trend": [53.0, 54.0, 55.0]})
    expected = model.predict(3, (), future).mean
    np.testing.assert_allclose([r["mean"] for r in doc["forecast"]], expected, atol=1e-9)
    assert "note: regressors: trend" in result.stderr


@pytest.mark.parametrize(
    ("future", "message"),
    [
        ("year,trend\n1973,53\n1975,55\n", "has no row for 1974-01-01"),
        ("year,trend\n1973,53\n1974,\n1975,55\n", "'trend' is empty at 1974-01-01"),
        ("year,tr\n1973,53\n1974,54\n1975,55\n", "lacks the covariate column 'trend'"),
        ("year,trend\n1973,53\n1974,high\n1975,55\n", "line 3: covariate 'trend' has 'high'"),
    ],
)
def test_bad_future_files(cli, files, tmp_path, future, message) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(future)
    result = cli("fit", files["data"], *ARGS, "--future", path)
    assert result.code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines


def test_usage_errors(cli, files) -> None:
    no_future = cli("fit", files["data"], *ARGS)
    assert no_future.code == 2 and "pass --future FILE" in no_future.stderr
    refused = cli("fit", files["data"], "-m", "ets", "--exog", "trend", "--future", files["future"])
    assert refused.code == 2 and "ets cannot use regressors" in refused.stderr
    unknown = cli("fit", files["data"], *ARGS[:4], "--exog", "price", "--future", files["future"])
    assert unknown.code == 2 and "--exog 'price' is not a column" in unknown.stderr
    lag_alone = cli(
        "backtest", files["data"], "-m", "arima", "--exog-lag", "2", "--value-col", "level"
    )
    assert lag_alone.code == 2 and "name them with --exog" in lag_alone.stderr


def test_save_predict_and_new_data(cli, files, tmp_path) -> None:
    saved = tmp_path / "model.json"
    fit = cli("fit", files["head"], *ARGS, "--future", files["future_head"], "--save", saved)
    assert fit.code == 0, fit.stderr
    missing = cli("predict", saved, "-H", "3")
    assert missing.code == 2 and "--future FILE" in missing.stderr
    same = cli("predict", saved, "-H", "3", "--future", files["future_head"], "-f", "json")
    assert same.code == 0, same.stderr
    y, x = _library(88)
    model = get_spec("arima").create({"order": (2, 0, 0)}).fit(y, x)
    got = [r["mean"] for r in json.loads(same.stdout)["forecast"]]
    np.testing.assert_allclose(
        got, model.predict(3, (), pd.DataFrame({"trend": [43.0, 44.0, 45.0]})).mean
    )

    moved = cli(
        "predict",
        saved,
        "--data",
        files["data"],
        "-H",
        "3",
        "--future",
        files["future"],
        "-f",
        "json",
    )
    assert moved.code == 0, moved.stderr
    doc = json.loads(moved.stdout)
    assert doc["new_observations"] == 10
    y_all, x_all = _library()
    model.update(y_all.iloc[88:], x_all.iloc[88:])
    future = pd.DataFrame({"trend": [53.0, 54.0, 55.0]})
    np.testing.assert_allclose(
        [r["mean"] for r in doc["forecast"]], model.predict(3, (), future).mean
    )
    assert doc["forecast"][0]["timestamp"].startswith("1973-01-01")


def test_backtest_oracle_and_lag(cli, files) -> None:
    oracle = cli("backtest", files["data"], *ARGS, *EVERY_6, "-f", "json")
    assert oracle.code == 0, oracle.stderr
    doc = json.loads(oracle.stdout)
    assert doc["config"]["regressors"]["oracle"] is True
    assert any(n.startswith("oracle backtest") for n in doc["notes"])
    assert "oracle backtest" in oracle.stderr

    lagged = cli("backtest", files["data"], *ARGS, *EVERY_6, "--exog-lag", "3", "-f", "json")
    assert lagged.code == 0, lagged.stderr
    doc = json.loads(lagged.stdout)
    info = doc["config"]["regressors"]
    assert info["oracle"] is False and info["columns"] == ["trend.lag3"]
    assert doc["config"]["series"]["n"] == 95  # the first 3 observations have no lagged value


def _panel(tmp_path: Path, drop_last_future_of_b: bool = False) -> tuple[Path, Path, dict]:
    rng = np.random.default_rng(1)
    index = pd.date_range("2020-01-01", periods=60, freq="D")
    rows, future, truth = [], [], {}
    for sid in ("a", "b"):
        price = 10 + np.cumsum(rng.normal(0, 0.2, 60))
        noise = np.zeros(60)
        for t in range(1, 60):
            noise[t] = 0.5 * noise[t - 1] + rng.normal(0, 0.5)
        y = 50 - 2 * price + noise
        truth[sid] = (pd.Series(y[:57], index=index[:57]), pd.DataFrame({"price": price}, index))
        rows += [f"{sid},{index[t].date()},{float(y[t])!r},{float(price[t])!r}" for t in range(57)]
        last = 59 if sid == "b" and drop_last_future_of_b else 60
        future += [f"{sid},{index[t].date()},{float(price[t])!r}" for t in range(57, last)]
    data, ahead = tmp_path / "panel.csv", tmp_path / "panel_future.csv"
    data.write_text("unique_id,ds,y,price\n" + "\n".join(rows) + "\n")
    ahead.write_text("unique_id,ds,price\n" + "\n".join(future) + "\n")
    return data, ahead, truth


def test_panel_fit_and_predict_equal_series_one_by_one(cli, tmp_path) -> None:
    data, ahead, truth = _panel(tmp_path)
    saved = tmp_path / "panel_model.json"
    args = ("-m", "arima", "-p", "order=1,0,0", "--exog", "price", "--future", ahead, "-H", "3")
    result = cli("fit", data, *args, "-f", "csv", "--save", saved)
    assert result.code == 0, result.stderr
    got = pd.read_csv(io.StringIO(result.stdout))
    for sid, (y, x) in truth.items():
        model = get_spec("arima").create({"order": (1, 0, 0)}).fit(y, x.iloc[:57])
        expected = model.predict(3, (80,), x.iloc[57:]).mean
        np.testing.assert_allclose(got[got["id"] == sid]["mean"], expected, atol=1e-9)
    again = cli("predict", saved, "-H", "3", "--future", ahead, "-f", "csv")
    assert again.code == 0, again.stderr
    np.testing.assert_allclose(pd.read_csv(io.StringIO(again.stdout))["mean"], got["mean"])


def test_panel_series_without_future_rows_fails_alone(cli, tmp_path) -> None:
    data, ahead, _ = _panel(tmp_path, drop_last_future_of_b=True)
    args = ("-m", "arima", "-p", "order=1,0,0", "--exog", "price", "--future", ahead, "-H", "3")
    result = cli("fit", data, *args, "-f", "csv")
    assert result.code == 1
    assert (
        "series 'b' failed: --future" in result.stderr and "no row for 2020-02-29" in result.stderr
    )
    assert set(pd.read_csv(io.StringIO(result.stdout))["id"]) == {"a"}


def test_panel_backtest_equals_series_one_by_one(cli, tmp_path) -> None:
    from forecast.backtesting.engine import ModelEntry
    from forecast.backtesting.runner import BacktestSpec, run_backtest

    data, _, truth = _panel(tmp_path)
    args = ("-m", "arima", "-p", "order=1,0,0", "--exog", "price", "-H", "3", "--exog-lag", "1")
    args += EVERY_6
    result = cli("backtest", data, *args, "-f", "json")
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["config"]["regressors"]["oracle"] is True  # lag 1 < horizon 3
    assert "lead times 2..3" in doc["config"]["regressors"]["note"]
    maes = {r["id"]: r["value"] for r in doc["series"] if r["metric"] == "mae"}
    assert set(maes) == {"a", "b"}
    for sid, value in maes.items():
        y, x = truth[sid]
        y.attrs["freq"] = "D"
        alone = run_backtest(
            y,
            [ModelEntry("arima", "arima", {"order": "1,0,0"})],
            BacktestSpec(horizon=3, step=6),
            exog=x.iloc[:57],
            exog_lag=1,
        )
        mae = next(
            r["value"] for r in alone.metrics if r["metric"] == "mae" and r["scope"] == "overall"
        )
        assert value == pytest.approx(mae, rel=1e-12)


def test_library_api_fit_with_regressors(tmp_path) -> None:
    import forecast
    from tests.conftest import SAMPLES

    data = pd.read_csv(SAMPLES / "lakehuron.csv")
    future = pd.read_csv(SAMPLES / "lakehuron_future.csv")
    result = forecast.fit(
        data, "arima", {"order": (2, 0, 0)}, horizon=3, exog=["trend"], future=future
    )
    assert result.failures == []
    y, x = _library()
    model = get_spec("arima").create({"order": (2, 0, 0)}).fit(y, x)
    expected = model.predict(3, (), pd.DataFrame({"trend": [53.0, 54.0, 55.0]})).mean
    np.testing.assert_allclose(result.frame["mean"], expected, atol=1e-9)
    # one series without regressors through the same path (a panel of one ends its tasks)
    plain = forecast.fit(str(SAMPLES / "nile.csv"), "naive", horizon=2)
    assert len(plain.frame) == 2


def test_backtest_exog_models_compares_with_and_without(cli, files) -> None:
    args = ("-m", "with=arima", "-p", "with.order=2,0,0", "-m", "without=arima")
    args += ("-p", "without.order=2,0,0", "-m", "naive", "-H", "3", "-f", "json", *EVERY_6)
    both = cli("backtest", files["data"], *args, "--exog", "trend", "--exog-models", "with")
    assert both.code == 0, both.stderr
    doc = json.loads(both.stdout)
    assert doc["config"]["regressors"]["models"] == ["with"]
    assert "only with use them" in doc["config"]["regressors"]["note"]
    plain = cli("backtest", files["data"], *args, "--value-col", "level")
    assert plain.code == 0, plain.stderr

    def mae(document: dict) -> dict[str, float]:
        return {
            r["model"]: r["value"]
            for r in document["metrics"]
            if r["metric"] == "mae" and r["scope"] == "overall"
        }

    got, reference = mae(doc), mae(json.loads(plain.stdout))
    assert got["without"] == pytest.approx(reference["without"], rel=1e-12)
    assert got["naive"] == pytest.approx(reference["naive"], rel=1e-12)
    assert got["with"] != pytest.approx(reference["with"], rel=1e-6)
    unknown = cli("backtest", files["data"], *args, "--exog", "trend", "--exog-models", "nope")
    assert unknown.code == 2 and "--exog-models nope" in unknown.stderr
