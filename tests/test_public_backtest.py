"""``forecast.backtest`` is the public API's function whatever was imported before it.

The package of backtest machinery is :mod:`forecast.backtesting`, so importing any of it binds
``forecast.backtesting`` on the ``forecast`` package and never ``forecast.backtest``, the name
that :mod:`forecast`'s lazy ``__getattr__`` resolves to :func:`forecast.api.backtest`. Each
order of imports runs in a fresh interpreter: in this test process the modules are already
loaded, and the order they were first loaded in is what the test is about.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SAMPLES

PANEL = SAMPLES / "retail_panel.csv"

IMPORT_ALL_BACKTESTING = """
import importlib, pkgutil
import forecast.backtesting
for info in pkgutil.iter_modules(forecast.backtesting.__path__):
    importlib.import_module(f"forecast.backtesting.{info.name}")
"""

RUN = """
import json, sys
import pandas as pd
import forecast, forecast.api
assert forecast.backtest is forecast.api.backtest, forecast.backtest
frame = pd.read_csv(sys.argv[1])
frame = frame[frame["store"] == "store_03"]
result = forecast.backtest(frame, ["naive", "snaive"])
assert not callable(sys.modules["forecast.backtesting"])  # loaded by now, a plain package
assert forecast.backtest is forecast.api.backtest, forecast.backtest
print(json.dumps(result.aggregate(), sort_keys=True, default=str))
"""

ORDERS = {
    "nothing before": RUN,
    "every backtesting module before": IMPORT_ALL_BACKTESTING + RUN,
    "one submodule, from-import style": "from forecast.backtesting import metrics\n" + RUN,
    "the function first, then the package": RUN + IMPORT_ALL_BACKTESTING + RUN,
}


def run(code: str) -> list[object]:
    out = subprocess.run(
        [sys.executable, "-c", code, str(PANEL)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


@pytest.fixture(scope="module")
def reference() -> object:
    (rows,) = run(RUN)
    return rows


@pytest.mark.parametrize("order", sorted(ORDERS))
def test_forecast_backtest_is_the_function_whatever_was_imported(order, reference) -> None:
    results = run(ORDERS[order])
    assert results, "the backtest printed nothing"
    # the same data and models: the same aggregate, to the last digit (deterministic)
    assert all(rows == reference for rows in results)
    assert {row["model"] for row in reference} == {"naive", "snaive"}  # type: ignore[attr-defined]
