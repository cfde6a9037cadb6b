"""The public Python API: the same numbers as the CLI, from a path or a DataFrame."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

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
