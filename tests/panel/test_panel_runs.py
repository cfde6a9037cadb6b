"""fit, predict, diagnose and backtest on panels: a panel of k series gives exactly the k
single-series results; bad series are isolated; --jobs and the input format change nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SAMPLES
from tests.panel.helpers import make_panel, one_series, write

PANEL = str(SAMPLES / "retail_panel.csv")


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("model", ["naive", "drift", "arima"])
def test_fit_panel_equals_single_series_fits(cli, tmp_path: Path, model: str) -> None:
    frame = make_panel(11, 4)
    path = write(frame, tmp_path / "p.csv")
    params = ["-p", "order=1,1,0"] if model == "arima" else []
    result = cli("fit", path, "-m", model, *params, "-H", "4", "-f", "csv")
    assert result.code == 0, result.stderr
    rows = _rows(result.stdout)
    assert list(rows[0]) == [
        "id",
        "model",
        "timestamp",
        "mean",
        "lower_80",
        "upper_80",
        "lower_95",
        "upper_95",
    ]
    for sid in sorted(frame["unique_id"].unique()):
        single = cli(
            "fit",
            one_series(frame, sid, tmp_path / f"{sid}.csv"),
            "-m",
            model,
            *params,
            "-H",
            "4",
            "-f",
            "csv",
        )
        assert single.code == 0, single.stderr
        mine = [
            {k: v for k, v in r.items() if k not in ("id", "model")} for r in rows if r["id"] == sid
        ]
        assert mine == _rows(single.stdout)


def test_jobs_and_parquet_give_identical_output(cli, tmp_path: Path) -> None:
    frame = make_panel(12, 6)
    csv_path = write(frame, tmp_path / "p.csv")
    pq_path = write(frame, tmp_path / "p.parquet")
    args = ["-m", "arima", "-p", "order=1,0,1", "-H", "3", "-f", "csv"]
    one = cli("fit", csv_path, *args, "--jobs", "1")
    two = cli("fit", csv_path, *args, "--jobs", "2")
    from_pq = cli("fit", pq_path, *args)
    assert one.code == two.code == from_pq.code == 0
    assert one.stdout == two.stdout == from_pq.stdout


def test_bad_series_and_fallback(cli, tmp_path: Path) -> None:
    frame = make_panel(13, 3, min_n=40, max_n=40)
    short = pd.DataFrame(
        {
            "unique_id": "tiny",
            "ds": ["2020-01-01", "2020-02-01", "2020-03-01", "2020-04-01"],
            "y": [1.0, 3.0, 2.0, 4.0],
        }
    )
    path = write(pd.concat([frame, short]), tmp_path / "p.csv")
    plain = cli("fit", path, "-m", "snaive", "-p", "period=12", "-H", "2", "-f", "csv")
    assert plain.code == 1
    assert {r["id"] for r in _rows(plain.stdout)} == {"s00", "s01", "s02"}
    assert "series 'tiny'" in plain.stderr
    rescued = cli(
        "fit",
        path,
        "-m",
        "snaive",
        "-p",
        "period=12",
        "--fallback",
        "naive",
        "-H",
        "2",
        "-f",
        "json",
    )
    assert rescued.code == 0, rescued.stderr
    doc = json.loads(rescued.stdout)
    models = {s["id"]: s["model"] for s in doc["series"]}
    assert models == {"s00": "snaive", "s01": "snaive", "s02": "snaive", "tiny": "naive"}
    tiny = next(s for s in doc["series"] if s["id"] == "tiny")
    assert "snaive" in rescued.stderr and tiny["fallback_reason"]
    assert [r["mean"] for r in tiny["forecast"]] == [4.0, 4.0]  # naive: the last value
    assert doc["summary"] == {"series": 4, "forecast": 4, "fallback": 1, "failed": 0}


def test_no_usable_series_is_exit_2(cli, tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "unique_id": ["a", "a", "b", "b"],
            "ds": ["2020-01-01", "2020-02-01"] * 2,
            "y": [1.0, 2.0, 3.0, 4.0],
        }
    )
    result = cli("fit", write(frame, tmp_path / "x.csv"), "-m", "arima", "--freq", "MS")
    assert result.code == 2 and "no usable series" in result.stderr


def test_save_predict_and_update_equal_single_series(cli, tmp_path: Path) -> None:
    frame = make_panel(14, 3, min_n=40, max_n=50)
    path = write(frame, tmp_path / "p.csv")
    model = tmp_path / "panel.fcm"
    fit = cli(
        "fit", path, "-m", "arima", "-p", "order=1,1,0", "-H", "2", "-f", "csv", "--save", model
    )
    assert fit.code == 0, fit.stderr
    again = cli("predict", model, "-f", "csv")
    assert again.code == 0 and again.stdout == fit.stdout
    subset = cli("predict", model, "--ids", "s02", "-H", "1", "-f", "csv")
    assert [r["id"] for r in _rows(subset.stdout)] == ["s02"]
    assert cli("predict", model, "--ids", "zz").code == 2

    new_rows = []
    for sid, rows in frame.groupby("unique_id"):
        last = pd.Timestamp(rows["ds"].max())
        stamps = pd.date_range(last, periods=3, freq="MS")[1:]
        new_rows += [(sid, t.strftime("%Y-%m-%d"), 60.0 + i) for i, t in enumerate(stamps)]
    new = pd.DataFrame(new_rows, columns=["unique_id", "ds", "y"])
    new_path = write(new, tmp_path / "new.csv")
    moved = cli("predict", model, "--data", new_path, "-H", "2", "-f", "csv")
    assert moved.code == 0, moved.stderr
    for sid in ("s00", "s01", "s02"):
        single_model = tmp_path / f"{sid}.fcm"
        cli(
            "fit",
            one_series(frame, sid, tmp_path / f"{sid}.csv"),
            "-m",
            "arima",
            "-p",
            "order=1,1,0",
            "--save",
            single_model,
            "-f",
            "csv",
        )
        single_new = one_series(new, sid, tmp_path / f"{sid}-new.csv")
        expected = cli("predict", single_model, "--data", single_new, "-H", "2", "-f", "csv")
        mine = [
            {k: v for k, v in r.items() if k not in ("id", "model")}
            for r in _rows(moved.stdout)
            if r["id"] == sid
        ]
        assert mine == _rows(expected.stdout)


def test_output_parquet_and_json_stream(cli, tmp_path: Path) -> None:
    out = tmp_path / "f.parquet"
    result = cli("fit", PANEL, "-m", "naive", "-H", "3", "--output", out, "-f", "json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["forecast"] == 12
    frame = pd.read_parquet(out)
    assert len(frame) == 36 and list(frame.columns)[:4] == ["id", "model", "timestamp", "mean"]
    as_json = cli("fit", PANEL, "-m", "naive", "-H", "3", "-f", "json")
    doc = json.loads(as_json.stdout)
    means = [r["mean"] for s in doc["series"] for r in s["forecast"]]
    np.testing.assert_allclose(frame["mean"].to_numpy(), means)
    assert not list(tmp_path.glob(".*.tmp"))


def test_diagnose_panel_rows_equal_single_reports(cli, tmp_path: Path) -> None:
    frame = make_panel(15, 3, min_n=48, max_n=60)
    path = write(frame, tmp_path / "p.csv")
    result = cli("diagnose", path, "-f", "json")
    assert result.code == 0, result.stderr
    rows = json.loads(result.stdout)["series"]
    for row in rows:
        single = json.loads(
            cli("diagnose", one_series(frame, row["id"], tmp_path / "s.csv"), "-f", "json").stdout
        )
        assert row["d"] == single["differencing"]["d"]
        assert row["D"] == single["differencing"]["D"]
        assert row["period"] == single["seasonality"]["period"]
        tests = {t["name"]: t for t in single["tests"]}
        assert row["adf_pvalue"] == pytest.approx(tests["ADF"]["pvalue"], abs=1e-12)
        assert row["kpss_stationary"] == tests["KPSS"]["stationary"]
    full = cli("diagnose", path, "--id", "s01", "-f", "json")
    assert json.loads(full.stdout)["series"]["id"] == "s01"


def test_backtest_panel_equals_single_backtests_and_aggregates(cli, tmp_path: Path) -> None:
    frame = make_panel(16, 3, min_n=40, max_n=48)
    path = write(frame, tmp_path / "p.csv")
    args = ["-m", "naive", "-m", "drift", "-H", "3", "--step", "3"]
    result = cli("backtest", path, *args, "-f", "json")
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    per = pd.DataFrame(doc["series"])
    for sid in ("s00", "s01", "s02"):
        single = json.loads(
            cli("backtest", one_series(frame, sid, tmp_path / "s.csv"), *args, "-f", "json").stdout
        )
        for m in single["metrics"]:
            if m["scope"] == "overall" and m["value"] is not None:
                got = per[
                    (per["id"] == sid)
                    & (per["model"] == m["model"])
                    & (per["metric"] == m["metric"])
                ]["value"].item()
                assert got == pytest.approx(m["value"], rel=1e-12)
    agg = pd.DataFrame(doc["aggregate"])
    mase = per[per["metric"] == "mase"].pivot(index="id", columns="model", values="value")
    for model in ("naive", "drift"):
        row = agg[(agg["model"] == model) & (agg["metric"] == "mase")].iloc[0]
        assert row["mean"] == pytest.approx(mase[model].mean())
        assert row["median"] == pytest.approx(mase[model].median())
        wins = (mase[model] < mase.drop(columns=model).min(axis=1)).sum()
        assert row["share_best"] == pytest.approx(wins / 3)
    two = cli("backtest", path, *args, "-f", "csv", "--jobs", "2")
    one = cli("backtest", path, *args, "-f", "csv")
    assert one.stdout == two.stdout


def test_backtest_panel_report_and_pooled_compare(cli, tmp_path: Path) -> None:
    report = tmp_path / "r.html"
    result = cli(
        "backtest",
        PANEL,
        "-m",
        "snaive",
        "-p",
        "snaive.period=12",
        "-m",
        "naive",
        "-H",
        "6",
        "--step",
        "12",
        "--ids",
        "store_01,store_02,store_03",
        "--compare",
        "--ci",
        "--ci-reps",
        "99",
        "--report",
        report,
        "-f",
        "json",
    )
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert "pooled over series" in doc["comparison"]["pooling"]
    assert doc["ci"]["intervals"] and "pooled" in doc["ci"]["pooling"]
    html = report.read_text()
    assert "Series, worst first" in html and "Distribution over series" in html
    assert html.count("<img") >= 2


def test_backtest_series_failure_is_exit_1(cli, tmp_path: Path) -> None:
    frame = make_panel(17, 2, min_n=40, max_n=40)
    short = make_panel(18, 1, min_n=6, max_n=6).assign(unique_id="short")
    path = write(pd.concat([frame, short]), tmp_path / "p.csv")
    result = cli("backtest", path, "-m", "naive", "-H", "3", "-f", "json")
    assert result.code == 1
    doc = json.loads(result.stdout)
    assert {f["id"] for f in doc["failures"]} == {"short"}
    assert {r["id"] for r in doc["series"]} == {"s00", "s01"}


def test_inspect_and_unknown_series_in_new_data(cli, tmp_path: Path) -> None:
    model = tmp_path / "m.fcm"
    assert (
        cli(
            "fit", PANEL, "-m", "naive", "--save", model, "-f", "csv", "--ids", "store_01,store_02"
        ).code
        == 0
    )
    shown = cli("inspect", model, "-f", "csv")
    assert shown.code == 0 and "panel.series,2" in shown.stdout
    assert "series.store_02,naive n=96" in shown.stdout
    new = pd.DataFrame(
        {"store": ["store_01", "store_99"], "month": ["2025-01-01"] * 2, "sales": [1.0, 2.0]}
    )
    moved = cli("predict", model, "--data", write(new, tmp_path / "n.csv"), "-H", "1", "-f", "csv")
    assert moved.code == 1  # a series of --data without a model is a failure (issue 29)
    assert "1 series without a model, left out: 'store_99'" in moved.stderr
    assert _rows(moved.stdout)[0]["mean"] == "1.0"


def test_conformal_calibrations_are_not_saved_for_a_panel(cli, tmp_path: Path) -> None:
    from forecast.errors import UsageError
    from forecast.fitting.panel import FitSpec

    with pytest.raises(UsageError, match="per-series calibrations"):
        FitSpec("naive", {}, 2, (80.0,), keep_models=True, intervals="conformal")
    result = cli(
        "fit",
        PANEL,
        "-m",
        "naive",
        "--intervals",
        "conformal",
        "--save",
        tmp_path / "m.fcm",
        "--ids",
        "store_01",
    )
    assert result.code == 2 and "per-series calibrations" in result.stderr
    assert not (tmp_path / "m.fcm").exists()
