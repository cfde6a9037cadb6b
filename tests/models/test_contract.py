"""The Forecaster contract, checked over every registered model.

Shapes and timestamps, nested intervals, save/reload/forecast identity, update at fixed
parameters, and no look-ahead: a model fitted on the first n points does not change when the
points after n do.
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from forecast.io.jsonable import jsonable
from forecast.io.modelfile import load_model, save_model
from forecast.models.registry import REGISTRY, get_spec

CLASSICAL = [name for name, spec in REGISTRY.items() if spec.family != "neural"]
# Small parameter settings that keep the contract fast and well-posed on the test series.
PARAMS = {
    "sarima": {"seasonal_order": "0,1,1,12"},
    "auto-arima": {"period": 12, "max_p": 2, "max_q": 2, "max_P": 1, "max_Q": 1},
    "sparse-ar": {"max_lag": 13, "folds": 3},
    "snaive": {"period": 12},
    "ets": {"period": 12, "trend": "damped"},
    "theta": {"period": 12},
    "mstl": {"periods": "6,12", "remainder": "arima"},
    "ensemble": {"period": 12, "members": "theta,snaive,drift"},  # default members: test_ensemble
}


def monthly_series(n: int = 132, seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = 100 + 0.3 * t + 8 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, n).cumsum() * 0.3
    index = pd.date_range("2000-01-01", periods=n, freq="MS")
    return pd.Series(values, index=index, name="y")


@pytest.fixture(scope="module")
def series() -> pd.Series:
    return monthly_series()


@pytest.fixture(scope="module", params=CLASSICAL)
def fitted(request, series):
    name = request.param
    train = series.iloc[:120]
    return name, get_spec(name).create(PARAMS.get(name, {})).fit(train)


def test_schema_matches_the_constructor() -> None:
    for name, spec in REGISTRY.items():
        signature = inspect.signature(spec.factory().__init__)
        kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        accepted = [p for p, v in signature.parameters.items() if p != "self" and v.kind in kinds]
        assert accepted == [p.name for p in spec.params], name
        for param in spec.params:
            assert signature.parameters[param.name].default == param.default, (name, param.name)


def test_forecast_shape_index_and_nested_intervals(fitted) -> None:
    name, model = fitted
    forecast = model.predict(7, [95, 80])
    assert forecast.mean.shape == (7,) and forecast.levels == (80.0, 95.0)
    expected = pd.date_range("2010-01-01", periods=7, freq="MS")
    assert forecast.index.equals(expected), name
    lo80, hi80, lo95, hi95 = (
        forecast.lower(80),
        forecast.upper(80),
        forecast.lower(95),
        forecast.upper(95),
    )
    assert np.all(lo95 <= lo80) and np.all(lo80 <= forecast.mean) and np.all(forecast.mean <= hi80)
    assert np.all(hi80 <= hi95) and np.all(hi95 - lo95 > 0), name
    assert forecast.columns() == [
        "timestamp",
        "mean",
        "lower_80",
        "upper_80",
        "lower_95",
        "upper_95",
    ]


def test_no_look_ahead(fitted, series) -> None:
    """Fitting sees only the data it is given: changing the future changes nothing."""
    name, model = fitted
    altered = series.copy()
    altered.iloc[120:] = -1e6
    again = get_spec(name).create(PARAMS.get(name, {})).fit(altered.iloc[:120])
    np.testing.assert_array_equal(again.predict(5, [90]).mean, model.predict(5, [90]).mean)


def test_save_reload_forecasts_identically(fitted, tmp_path) -> None:
    name, model = fitted
    path = tmp_path / f"{name}.fcm"
    save_model(path, model, {"n": 120})
    loaded = load_model(path).model
    before, after = model.predict(9, [80, 95]), loaded.predict(9, [80, 95])
    np.testing.assert_array_equal(after.mean, before.mean)
    for level in (80, 95):
        np.testing.assert_array_equal(after.lower(level), before.lower(level))
        np.testing.assert_array_equal(after.upper(level), before.upper(level))
    assert jsonable(loaded.summary().to_dict()) == jsonable(model.summary().to_dict())
    assert jsonable(loaded.get_params()) == jsonable(model.get_params())


def test_update_keeps_parameters_and_moves_the_origin(fitted, series, tmp_path) -> None:
    _name, model = fitted
    path = tmp_path / "m.fcm"
    save_model(path, model, {})
    copy = load_model(path).model
    coefficients = [c.value for c in copy.summary().coefficients]
    copy.update(series.iloc[120:126])
    assert copy.end_ == series.index[125]
    assert [c.value for c in copy.summary().coefficients] == coefficients  # no re-estimation
    forecast = copy.predict(3)
    assert forecast.index[0] == series.index[126]
    # the updated state equals a model whose parameters are re-used on all 126 points:
    save_model(path, copy, {})
    np.testing.assert_array_equal(load_model(path).model.predict(3).mean, forecast.mean)


def test_update_refuses_a_gap(fitted, series) -> None:
    from forecast.errors import InputError

    _name, model = fitted
    with pytest.raises(InputError, match="must start at 2010-01-01"):
        model.update(series.iloc[122:125])


def test_unknown_and_bad_parameters_name_what_is_accepted() -> None:
    from forecast.errors import UsageError

    with pytest.raises(
        UsageError, match=r"arima has no parameter orders; it accepts: order, trend"
    ):
        get_spec("arima").create({"orders": "1,1,1"})
    with pytest.raises(UsageError, match=r"order=1,1 is not valid; expected 3 ints"):
        get_spec("arima").create({"order": "1,1"})
    with pytest.raises(UsageError, match=r"trend=x is not valid; expected auto\|n\|c\|t\|ct"):
        get_spec("ar").create({"trend": "x"})
    with pytest.raises(UsageError, match=r"unknown model 'prophet'"):
        get_spec("prophet")
