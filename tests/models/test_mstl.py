"""MSTL: the forecast is the remainder model's plus each statsmodels MSTL seasonal component's
last cycle carried forward."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.tsa.seasonal import MSTL

from forecast.models.mstl import Mstl
from forecast.models.registry import get_spec


def _two_seasons(n: int = 24 * 7 * 4) -> pd.Series:
    rng = np.random.default_rng(0)
    t = np.arange(n)
    values = (
        100
        + 0.01 * t
        + 10 * np.sin(2 * np.pi * t / 24)
        + 5 * np.sin(2 * np.pi * t / 168)
        + rng.normal(0, 0.5, n)
    )
    return pd.Series(values, index=pd.date_range("2024-01-01", periods=n, freq="h"))


def test_forecast_is_the_adjusted_model_plus_carried_forward_cycles() -> None:
    y = _two_seasons()
    model = Mstl(periods=(24, 168)).fit(y)
    decomposition = MSTL(y.to_numpy(), periods=(24, 168)).fit()
    seasonal = np.asarray(decomposition.seasonal)  # [n, 2]
    adjusted = y - seasonal.sum(axis=1)
    inner = get_spec("ets").create({"season": "none"}).fit(adjusted)
    h, n = 200, y.size
    future = n + np.arange(h)
    carried = seasonal[n - 24 + (future - n) % 24, 0] + seasonal[n - 168 + (future - n) % 168, 1]
    expected = inner.predict(h, [80])
    forecast = model.predict(h, [80])
    # the model and this test run the same decomposition and the same ETS fit on the same
    # numbers (deterministic: equal bit for bit on one machine); what may differ is the
    # order of the two seasonal additions, ~eps: 1e-10 is 1e6 ulps
    np.testing.assert_allclose(forecast.mean, expected.mean + carried, rtol=1e-10)
    np.testing.assert_allclose(forecast.upper(80), expected.upper(80) + carried, rtol=1e-10)
    truth = 100 + 0.01 * future + 10 * np.sin(2 * np.pi * future / 24)
    truth += 5 * np.sin(2 * np.pi * future / 168)
    assert np.mean(np.abs(forecast.mean - truth)) < 1.5


def test_periods_without_two_cycles_are_left_out() -> None:
    y = _two_seasons(24 * 10)
    model = Mstl(periods=(24, 168)).fit(y)
    assert model.periods_ == (24,)
    assert any("168 left out" in note for note in model.summary().notes)
