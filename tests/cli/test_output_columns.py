"""`--columns tidy|nixtla` and `--keep-names` (issue 31): the nixtla layout is statsforecast's
frame (its column names and order, checked against a statsforecast run recorded in the
fixture below), holding exactly the tidy rows' numbers; `--keep-names` uses the input's names."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import SAMPLES

PANEL = str(SAMPLES / "retail_panel.csv")
IDS = "store_01,store_02"

# statsforecast 2.1.1: StatsForecast(models=[Naive(), SeasonalNaive(12)], freq="MS")
# .forecast(df=df, h=2, level=[80, 95]).columns, and .cross_validation(..., level=[80])
SF_FORECAST = ["unique_id", "ds", "Naive", "Naive-lo-80", "Naive-lo-95", "Naive-hi-80",
               "Naive-hi-95", "SeasonalNaive", "SeasonalNaive-lo-80", "SeasonalNaive-lo-95",
               "SeasonalNaive-hi-80", "SeasonalNaive-hi-95"]  # fmt: skip
SF_CROSS_VALIDATION = ["unique_id", "ds", "cutoff", "y", "Naive", "Naive-lo-80", "Naive-hi-80",
                       "SeasonalNaive", "SeasonalNaive-lo-80", "SeasonalNaive-hi-80"]  # fmt: skip


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _fit(cli, *extra: str) -> str:
    result = cli("fit", PANEL, "-m", "Naive=naive", "-m", "SeasonalNaive=snaive", "--ids", IDS,
                 "-H", "2", "-f", "csv", *extra)  # fmt: skip
    assert result.code == 0, result.stderr
    return result.stdout


def test_nixtla_columns_are_statsforecasts(cli) -> None:
    wide = _rows(_fit(cli, "--columns", "nixtla"))
    assert list(wide[0]) == SF_FORECAST


def test_nixtla_holds_the_tidy_numbers(cli) -> None:
    tidy = _rows(_fit(cli))
    wide = _rows(_fit(cli, "--columns", "nixtla"))
    assert len(wide) * 2 == len(tidy)
    for r in tidy:
        (row,) = [w for w in wide if (w["unique_id"], w["ds"]) == (r["id"], r["timestamp"])]
        m = r["model"]
        assert [row[m], row[f"{m}-lo-80"], row[f"{m}-hi-95"]] == [
            r["mean"],
            r["lower_80"],
            r["upper_95"],
        ]


def test_keep_names_uses_the_inputs_columns(cli) -> None:
    tidy = _rows(_fit(cli, "--keep-names"))
    assert list(tidy[0])[:3] == ["store", "model", "month"]
    wide = _rows(_fit(cli, "--columns", "nixtla", "--keep-names"))
    assert list(wide[0])[:2] == ["store", "month"]


@pytest.mark.parametrize("target", ["f.parquet", "dir"])
def test_parquet_outputs_take_the_layout(cli, tmp_path: Path, target: str) -> None:
    out = tmp_path / target
    result = cli("fit", PANEL, "-m", "naive", "-m", "snaive", "-H", "2", "--columns", "nixtla",
                 "--output", out, "-q")  # fmt: skip
    assert result.code == 0, result.stderr
    frame = pd.read_parquet(out if target != "dir" else sorted(out.glob("*.parquet")))
    assert list(frame.columns)[:3] == ["unique_id", "ds", "naive"]
    assert len(frame) == 12 * 2 and frame["unique_id"].nunique() == 12
    assert str(frame["ds"].dtype).startswith("datetime64")
    tidy = pd.read_csv(io.StringIO(_plain(cli)))
    naive = tidy[tidy["model"] == "naive"].reset_index(drop=True)
    assert frame.sort_values(["unique_id", "ds"])["naive"].tolist() == naive["mean"].tolist()


def _plain(cli) -> str:
    result = cli("fit", PANEL, "-m", "naive", "-m", "snaive", "-H", "2", "-f", "csv")
    return result.stdout


def test_a_failed_model_leaves_empty_cells(cli, tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "unique_id": ["a"] * 30 + ["b"] * 5,
            "ds": [
                *pd.date_range("2020-01-01", periods=30, freq="MS"),
                *pd.date_range("2020-01-01", periods=5, freq="MS"),
            ],
            "y": [float(i % 7) for i in range(35)],
        }
    )
    frame.to_csv(tmp_path / "p.csv", index=False)
    result = cli("fit", tmp_path / "p.csv", "-m", "ets", "-m", "naive", "-H", "1",
                 "--columns", "nixtla", "-f", "csv", "-l", "80")  # fmt: skip
    assert result.code == 1  # ets failed on b (too short): exit 1, the rest written
    rows = _rows(result.stdout)
    (b,) = [r for r in rows if r["unique_id"] == "b"]
    assert b["ets"] == "" and b["ets-lo-80"] == "" and not math.isnan(float(b["naive"]))


def test_backtest_forecasts_as_cross_validation(cli, tmp_path: Path) -> None:
    tidy_path, wide_path = tmp_path / "t.csv", tmp_path / "w.csv"
    common = ["-m", "Naive=naive", "-m", "SeasonalNaive=snaive", "-H", "2", "--step", "12",
              "--ids", IDS, "-l", "80", "-q"]  # fmt: skip
    assert cli("backtest", PANEL, *common, "--forecasts", tidy_path).code == 0
    assert (
        cli("backtest", PANEL, *common, "--forecasts", wide_path, "--columns", "nixtla").code == 0
    )
    tidy, wide = _rows(tidy_path.read_text()), _rows(wide_path.read_text())
    assert list(wide[0]) == SF_CROSS_VALIDATION
    assert len(wide) * 2 == len(tidy)
    for r in tidy:
        key = (r["id"], r["target"], r["origin"])
        (row,) = [w for w in wide if (w["unique_id"], w["ds"], w["cutoff"]) == key]
        assert row["y"] == r["actual"] and row[r["model"]] == r["mean"]
        assert row[f"{r['model']}-hi-80"] == r["upper_80"]


def test_one_series_refuses_the_panel_layouts(cli) -> None:
    result = cli("fit", SAMPLES / "airpassengers.csv", "-m", "naive", "--columns", "nixtla")
    assert result.code == 2 and "shape a panel's forecasts" in result.stderr
