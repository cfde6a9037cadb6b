"""forecast: time-series forecasting from the command line, and the library under it.

The public API (:mod:`forecast.api`) is loaded on first use, so that importing the package (and
``forecast --help``) stays fast: ``forecast.load``, ``forecast.diagnose``, ``forecast.fit``,
``forecast.predict`` and ``forecast.backtest``, with the settings they take
(``forecast.BacktestSpec``, ``forecast.IntervalSettings``, ``forecast.CompareSettings``) and
the forecasts they return (``forecast.Forecasts``).
"""

from __future__ import annotations

import os
from typing import Any

# OpenMP threads (torch's intra-op pool) wait for work passively, unless the caller chose: an
# actively spinning pool beside another busy process takes the cores its peers need (a gru fit
# on sunspots took 77-136 s of CPU instead of 6 s beside another job on 2 cores). The thread
# rule is in forecast.threads; this must be set before torch loads its OpenMP runtime.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
__all__ = [
    "BacktestSpec",
    "CompareSettings",
    "Forecasts",
    "IntervalSettings",
    "backtest",
    "diagnose",
    "fit",
    "load",
    "predict",
]

_HOMES = {
    "BacktestSpec": "forecast.backtesting.runner",
    "CompareSettings": "forecast.backtesting.uncertainty",
    "IntervalSettings": "forecast.backtesting.uncertainty",
}


def __getattr__(name: str) -> Any:
    if name in __all__:
        import importlib

        return getattr(importlib.import_module(_HOMES.get(name, "forecast.api")), name)
    raise AttributeError(f"module 'forecast' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])
