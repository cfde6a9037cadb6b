"""The Kalman module against statsmodels: same forecasts, same intervals, same updated state."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.data import load_series
from forecast.models.arima import kalman
from forecast.models.arima.models import filtered
from forecast.models.arima.spec import SarimaxSpec
from forecast.models.registry import create
from tests.conftest import SAMPLES

SPECS = [
    ("arima", {"order": "2,1,1"}),
    ("arima", {"order": "1,1,1", "trend": "t"}),  # drift: a time-varying intercept
    ("sarima", {"order": "1,1,1", "seasonal_order": "0,1,1,12"}),
    ("arma", {"p": 2, "q": 1}),  # a constant (mean form)
    ("ar", {"p": 3, "method": "ols"}),  # intercept form (SARIMAX)
    ("auto-arima", {"period": 12, "max_p": 2, "max_q": 2}),
]


@pytest.fixture(scope="module")
def air() -> pd.Series:
    return load_series(str(SAMPLES / "airpassengers.csv")).y


@pytest.mark.parametrize(
    ("name", "params"), SPECS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SPECS)]
)
def test_forecasts_equal_statsmodels_after_an_update(air, name, params) -> None:
    model = create(name, params).fit(air.iloc[:120])
    model.update(air.iloc[120:])
    assert model.system_ is not None  # every spec here is covered by the Kalman module
    ours = model.predict(12, [80, 95])
    reference = filtered(model.spec_, air.to_numpy(), model.params_).get_forecast(12)
    # the same filter equations in two implementations at the same parameters (ours moved
    # the state over 24 new points, then 12 steps ahead): their rounding differs by ~36 steps
    # x r (<= 14 states) x eps, amplified by the transition's powers (a unit root: ||T^k||
    # grows like k), ~1e-12 relative; 1e-9 leaves 1000x
    np.testing.assert_allclose(ours.mean, reference.predicted_mean, rtol=1e-9, atol=1e-8)
    for level in (80, 95):
        interval = reference.conf_int(alpha=1 - level / 100)
        np.testing.assert_allclose(ours.lower(level), interval[:, 0], rtol=1e-9, atol=1e-8)
        np.testing.assert_allclose(ours.upper(level), interval[:, 1], rtol=1e-9, atol=1e-8)


def test_forecast_many_equals_one_at_a_time(air) -> None:
    model = create("sarima", {"seasonal_order": "0,1,1,12"}).fit(air.iloc[:100])
    unit = model.unit_  # the model's system runs on the series in this unit (a power of two)
    assert unit != 1.0  # so the test sees the conversion
    res = filtered(model.spec_, air.to_numpy(), model.params_, unit)
    fr = res.filter_results
    origins = np.array([99, 110, 130])  # the last observation used
    a = fr.predicted_state[:, origins + 1].T
    P = np.moveaxis(fr.predicted_state_cov[:, :, origins + 1], -1, 0)
    means, variances = kalman.forecast_many(model.system_, a, P, origins + 1, 6)
    means, variances = means * unit, variances * unit**2
    # one propagation of the filtered states against statsmodels' per-origin filter: ~6 steps
    # of rounding on the means (1e-10: 1e5 ulps); the variances are sums of squared
    # transition powers applied to P, whose entries the two runs carry with their own
    # Riccati rounding (~n eps cond(P) relative): 1e-8 holds for cond(P) up to 1e5
    for row, origin in enumerate(origins):
        fresh = filtered(model.spec_, air.to_numpy()[: origin + 1], model.params_).get_forecast(6)
        np.testing.assert_allclose(means[row], fresh.predicted_mean, rtol=1e-10)
        np.testing.assert_allclose(variances[row], fresh.var_pred_mean, rtol=1e-8)


def test_time_varying_state_intercept_falls_back_to_statsmodels(air) -> None:
    spec = SarimaxSpec(
        1, 1, 0, trend="t", form="intercept"
    )  # SARIMAX drift: varying state intercept
    res = filtered(spec, air.to_numpy(), np.array([0.5, 0.2, 100.0]))
    assert (
        kalman.from_statsmodels(
            res, dict(zip(res.model.param_names, [0.5, 0.2, 100.0], strict=False))
        )
        is None
    )
