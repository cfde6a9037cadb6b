"""The public Python API: the same numbers as the CLI, from a path or a DataFrame."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import forecast
from tests.conftest import SAMPLES
from tests.panel.helpers import make_panel, write

PANEL = SAMPLES / "retail_panel.csv"


def test_import_is_lazy() -> None:
    import subprocess
    import sys

    code = "import sys, forecast; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_fit_from_frame_equals_cli(cli, tmp_path: Path) -> None:
    frame = make_panel(21, 3)
    result = forecast.fit(frame, "drift", horizon=3)
    assert result.failures == []
    cli_out = cli("fit", write(frame, tmp_path / "p.csv"), "-m", "drift", "-H", "3", "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(cli_out.stdout)))
    np.testing.assert_allclose(result.frame["mean"], [float(r["mean"]) for r in rows])
    assert list(result.frame["id"]) == [r["id"] for r in rows]
    assert set(result.frame["model"]) == {"drift"}


def test_predict_moves_saved_panel_on(cli, tmp_path: Path) -> None:
    model = tmp_path / "m.fcm"
    cli("fit", PANEL, "-m", "naive", "-H", "2", "--save", model, "-f", "csv")
    again = forecast.predict(model, ids=["store_02"])
    assert list(again.frame["id"].unique()) == ["store_02"]
    new = pd.DataFrame({"store": ["store_02"], "month": ["2025-01-01"], "sales": [123.0]})
    moved = forecast.predict(model, data=new, ids=["store_02"], horizon=1)
    assert moved.frame["mean"].tolist() == [123.0]
    assert moved.frame["timestamp"].tolist() == [pd.Timestamp("2025-02-01")]


def test_diagnose_and_backtest_on_a_frame() -> None:
    frame = pd.read_csv(PANEL)
    frame = frame[frame["store"].isin(["store_01", "store_02"])]
    rows = forecast.diagnose(frame)
    assert list(rows["id"]) == ["store_01", "store_02"] and (rows["period"] == 12).all()
    result = forecast.backtest(frame, ["naive", ("d", "drift", {})])
    assert {r["model"] for r in result.aggregate()} == {"naive", "d"}


def test_backtest_is_callable_after_the_package_is_imported() -> None:
    import forecast.backtesting.metrics  # binds forecast.backtesting, must not shadow the function

    frame = pd.read_csv(PANEL)
    result = forecast.backtest(frame[frame["store"] == "store_03"], ["naive"])
    assert [s.id for s in result.scored()] == ["store_03"]


def test_a_panel_comes_back_as_a_frame_that_loads_to_the_same_panel() -> None:
    panel = forecast.load(PANEL)
    frame = panel.to_frame()
    assert list(frame.columns) == ["id", "timestamp", "value"] and len(frame) == panel.values.size
    again = forecast.load(frame, id_col="id", time_col="timestamp", value_col="value")
    assert again.ids == panel.ids
    np.testing.assert_array_equal(again.values, panel.values)
    assert sorted(forecast.__all__) == sorted(n for n in dir(forecast) if n != "__version__")


# issue 30 part 5: quantiles, samples, seed and hierarchies through the CLI's workflows. The
# CLI writes floats by repr (exact for float64) and Parquet keeps them as they are, and both
# sides run the same code on the same rows: equal bit for bit, no tolerance needed.
REGIONS = SAMPLES / "retail_regions.csv"  # retail_panel with a region column
EDGES = SAMPLES / "retail_regions_edges.csv"  # total -> north, south -> stores 1-5, 6-12


def _cli_rows(result) -> pd.DataFrame:
    assert result.code == 0, result.stderr
    frame = pd.read_csv(io.StringIO(result.stdout))
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    return frame


def _same(api: pd.DataFrame, cli_frame: pd.DataFrame) -> None:
    assert list(api.columns) == list(cli_frame.columns)
    pd.testing.assert_frame_equal(
        api.reset_index(drop=True), cli_frame, check_dtype=False, check_exact=True
    )


def test_quantiles_equal_the_cli_and_do_not_cross(cli) -> None:
    result = forecast.fit(PANEL, "ets", horizon=4, quantiles=(0.9, 0.1, 0.5))
    given = cli("fit", PANEL, "-m", "ets", "-H", "4", "--quantiles", "0.1,0.5,0.9", "-f", "csv")
    _same(result.frame, _cli_rows(given))
    q = result.frame[["q_0.1", "q_0.5", "q_0.9"]].to_numpy()
    assert len(q) == 12 * 4 and (np.diff(q, axis=1) >= 0).all()
    assert result.samples is None and result.hierarchy is None


def test_samples_come_back_as_the_cli_writes_them(cli, tmp_path: Path) -> None:
    frame = pd.read_csv(PANEL)
    path = write(frame[frame["store"].isin(["store_01", "store_07"])], tmp_path / "two.csv")
    result = forecast.fit(path, "ets", horizon=3, samples=40, seed=5)
    out = tmp_path / "paths.parquet"
    given = cli("fit", path, "-m", "ets", "-H", "3", "--samples", "40", "--samples-output", out,
                "--seed", "5", "-f", "csv")  # fmt: skip
    _same(result.frame, _cli_rows(given))
    assert result.samples is not None and len(result.samples) == 2 * 3 * 40
    pd.testing.assert_frame_equal(result.samples, pd.read_parquet(out), check_exact=True)
    again = forecast.fit(path, "ets", horizon=3, samples=40, seed=5).samples
    other = forecast.fit(path, "ets", horizon=3, samples=40, seed=6).samples
    assert again is not None and other is not None
    pd.testing.assert_frame_equal(again, result.samples, check_exact=True)
    assert not np.allclose(other["value"], result.samples["value"])


def test_a_hierarchy_equals_the_cli_with_its_node_ids_and_methods(cli, tmp_path: Path) -> None:
    methods = "bottom-up,mint-shrink"
    result = forecast.fit(REGIONS, "theta", horizon=3, levels=(80,), quantiles=(0.1, 0.9),
                          samples=30, seed=2, hierarchy="region/store", reconcile=methods)  # fmt: skip
    out = tmp_path / "h.parquet"
    given = cli("fit", REGIONS, "-m", "theta", "-H", "3", "-l", "80", "--quantiles", "0.1,0.9",
                "--samples", "30", "--samples-output", out, "--seed", "2", "--hierarchy",
                "region/store", "--reconcile", methods, "-f", "csv")  # fmt: skip
    _same(result.frame, _cli_rows(given))
    assert result.samples is not None
    pd.testing.assert_frame_equal(result.samples, pd.read_parquet(out), check_exact=True)
    assert set(result.frame["model"]) == {"theta/bottom-up", "theta/mint-shrink"}
    assert {"total", "region=north", "region=south/store=store_07"} <= set(result.frame["id"])
    assert result.hierarchy is not None and result.hierarchy["nodes"] == 1 + 2 + 12
    assert result.hierarchy["reconcile"] == ["bottom-up", "mint-shrink"]


def test_a_hierarchy_file_equals_the_cli(cli) -> None:
    result = forecast.fit(PANEL, "naive", horizon=2, hierarchy_file=EDGES, reconcile="mint-ols")
    given = cli("fit", PANEL, "-m", "naive", "-H", "2", "--hierarchy-file", EDGES,
                "--reconcile", "mint-ols", "-f", "csv")  # fmt: skip
    _same(result.frame, _cli_rows(given))
    assert set(result.frame["id"]) >= {"total", "north", "south", "store_01"}


@pytest.mark.parametrize("bad", ["0", "1.5"])
def test_a_bad_quantile_raises_the_cli_message(cli, bad: str) -> None:
    from forecast.errors import UsageError

    given = cli("fit", PANEL, "-m", "naive", "-H", "1", "--quantiles", f"{bad},0.5")
    assert given.code == 2
    (line,) = given.stderr.strip().splitlines()
    with pytest.raises(UsageError) as raised:
        forecast.fit(PANEL, "naive", horizon=1, quantiles=(float(bad), 0.5))
    assert line == f"error: {raised.value}"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"samples": 0}, "samples must be a whole number from 1 to 100000"),
        ({"hierarchy": "region/store", "hierarchy_file": EDGES}, "give the tree once"),
        ({"hierarchy": "region/store", "reconcile": "sideways"}, "--reconcile sideways: choose"),
    ],
)
def test_bad_arguments_are_usage_errors(options: dict, message: str) -> None:
    from forecast.errors import UsageError

    with pytest.raises(UsageError, match=message):
        forecast.fit(REGIONS, "naive", horizon=1, **options)


def test_a_hierarchy_needs_a_path() -> None:
    from forecast.errors import UsageError

    with pytest.raises(UsageError, match="give data as a path"):
        forecast.fit(pd.read_csv(REGIONS), "naive", horizon=1, hierarchy="region/store")
