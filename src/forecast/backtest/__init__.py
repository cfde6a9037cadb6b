"""Backtests: splitters, metrics, the engine, resampling and model comparison.

``forecast.backtest`` is both this package and the public API's function
(:func:`forecast.api.backtest`): once the package is imported, Python binds the name to the
package, so the package itself is made callable and forwards to the function.
"""

from __future__ import annotations

import sys
import types
from typing import Any


class _CallablePackage(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from forecast.api import backtest

        return backtest(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
