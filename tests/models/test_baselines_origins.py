"""The baselines' own forecasts from many origins (a backtest's folds at fitted parameters) are
exactly the generic ones: the model rebuilt on each prefix, then predict."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.errors import UsageError
from forecast.models.base import BaseForecaster
from forecast.models.registry import get_spec


@pytest.mark.parametrize(
    ("name", "params"),
    [("naive", {}), ("drift", {}), ("mean", {}), ("snaive", {}), ("snaive", {"period": 4})],
)
def test_forecast_from_equals_the_generic_rebuild(name: str, params: dict[str, int]) -> None:
    rng = np.random.default_rng(5)
    t = np.arange(80)
    y = pd.Series(
        100 + 8 * np.sin(2 * np.pi * t / 12) + rng.normal(size=80).cumsum(),
        index=pd.date_range("2010-01-01", periods=80, freq="MS"),
    )
    model = get_spec(name).create(params).fit(y.iloc[:50])
    first = model.lag_ - 1 if hasattr(model, "lag_") else 0
    origins = np.arange(first, 79, 3)
    fast = model.forecast_from(y, origins, 7, (80, 95))
    slow = BaseForecaster.forecast_from(model, y, origins, 7, (80, 95))
    assert (fast.origins == slow.origins).all()
    assert (fast.mean == slow.mean).all()  # the same arithmetic: exact
    for level in (80, 95):
        assert (fast.bands[level][0] == slow.bands[level][0]).all()
        assert (fast.bands[level][1] == slow.bands[level][1]).all()
    assert fast.interval_method == slow.interval_method


def test_an_origin_before_a_season_is_refused() -> None:
    y = pd.Series(np.arange(40.0) % 12, index=pd.date_range("2010-01-01", periods=40, freq="MS"))
    model = get_spec("snaive").create({"period": 12}).fit(y)
    with pytest.raises(UsageError, match="forecast origins must lie in 11"):
        model.forecast_from(y, [5], 3)
