"""forecast: time-series forecasting from the command line, and the library under it.

The public API (:mod:`forecast.api`) is loaded on first use, so that importing the package (and
``forecast --help``) stays fast: ``forecast.load``, ``forecast.diagnose``, ``forecast.fit``,
``forecast.predict`` and ``forecast.backtest``, with the settings they take
(``forecast.BacktestSpec``, ``forecast.IntervalSettings``, ``forecast.CompareSettings``) and
the forecasts they return (``forecast.Forecasts``).
"""

from __future__ import annotations

from typing import Any

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
