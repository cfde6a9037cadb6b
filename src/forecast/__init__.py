"""forecast: time-series forecasting from the command line, and the library under it.

The public API (:mod:`forecast.api`) is loaded on first use, so that importing the package (and
``forecast --help``) stays fast: ``forecast.load``, ``forecast.diagnose``, ``forecast.fit``,
``forecast.predict`` and ``forecast.backtest``.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["backtest", "diagnose", "fit", "load", "predict"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from forecast import api

        return getattr(api, name)
    raise AttributeError(f"module 'forecast' has no attribute {name!r}")
