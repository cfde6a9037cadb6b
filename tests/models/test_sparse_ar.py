"""sparse-AR: the lasso finds the few lags that matter, with the penalty chosen on past data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.errors import UsageError
from forecast.models.registry import create
from forecast.models.sparse_ar import lag_matrix


def _sparse_process(n: int = 1500, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    e = rng.normal(size=n)
    for t in range(24, n):
        x[t] = 0.5 * x[t - 1] + 0.35 * x[t - 12] - 0.2 * x[t - 13] + e[t]
    return x[100:]


def test_lag_matrix_is_the_obvious_one() -> None:
    x = np.arange(10.0)
    X, target = lag_matrix(x, 3)
    for row, t in enumerate(range(3, 10)):
        assert list(X[row]) == [x[t - 1], x[t - 2], x[t - 3]] and target[row] == x[t]


def test_finds_the_true_lags() -> None:
    x = _sparse_process()
    y = pd.Series(x, index=pd.date_range("1900-01-01", periods=x.size, freq="MS"))
    model = create("sparse-ar", {"max_lag": 24, "one_se": "true"}).fit(y)
    lags = model.summary().extra["selected_lags"]
    assert {1, 12, 13} <= set(lags) and len(lags) <= 6
    assert model.summary().notes[0].startswith("lags kept by the lasso: 1, ")
    coef = {c.name: c.value for c in model.summary().coefficients}
    assert abs(coef["ar.L1"] - 0.5) < 0.08 and abs(coef["ar.L12"] - 0.35) < 0.08


def test_white_noise_keeps_no_lag_and_the_same_noise_as_ar1_keeps_lag_1() -> None:
    """The lasso keeps no lag of white noise, and exactly lag 1 of the same shocks run through
    an AR(1) (so an empty selection is a finding, not a model that never selects)."""
    x = np.random.default_rng(5).normal(size=600)
    ar1 = np.zeros_like(x)
    for t, shock in enumerate(x):
        ar1[t] = (0.6 * ar1[t - 1] if t else 0.0) + shock
    index = pd.date_range("1900-01-01", periods=600, freq="D")

    def lags(values: np.ndarray) -> list[int]:
        model = create("sparse-ar", {"max_lag": 20, "one_se": "true"})
        return list(model.fit(pd.Series(values, index=index)).summary().extra["selected_lags"])

    assert lags(x) == []
    assert lags(ar1) == [1]


def test_lagged_regressors_in_the_lasso() -> None:
    """ARX: y_t = 0.5 y_{t-1} + 2 x_t + x_{t-1} + e_t; the lasso keeps those three terms and the
    least-squares re-fit equals OLS on them; forecasts follow the recursion with the future x."""
    import statsmodels.api as sm

    from forecast.models.base import BaseForecaster

    rng = np.random.default_rng(2)
    n = 400
    index = pd.date_range("2000-01-01", periods=n, freq="D")
    x = rng.normal(size=n)
    e = rng.normal(0, 0.5, n)
    y = np.zeros(n)
    for t in range(2, n):
        y[t] = 0.5 * y[t - 1] + 2 * x[t] + 1.0 * x[t - 1] + e[t]
    Y, X = pd.Series(y, index=index), pd.DataFrame({"x": x}, index=index)
    model = create("sparse-ar", {"max_lag": 6}).fit(Y.iloc[:390], X.iloc[:390])
    summary = model.summary()
    assert summary.extra["selected_terms"] == ["ar.L1", "x", "x.L1"]
    # the obvious OLS on the kept terms (rows from t = max(max_lag, exog_lags) = 6)
    t = np.arange(6, 390)
    ols = sm.OLS(y[t], np.column_stack([np.ones(t.size), y[t - 1], x[t], x[t - 1]])).fit()
    coef = {c.name: c for c in summary.coefficients}
    for name, value, se in zip(
        ["intercept", "ar.L1", "x", "x.L1"], ols.params, ols.bse, strict=True
    ):
        # the same least squares (statsmodels' OLS, its pinv) on the same columns, rows in
        # the same order: equal to rounding, ~cond(X) eps |value|; 1e-10 holds for a design
        # condition number up to 1e4 on values of order 10
        assert coef[name].value == pytest.approx(value, abs=1e-10)
        assert coef[name].se == pytest.approx(se, abs=1e-10)
    c, phi, b0, b1 = ols.params
    expected, last = [], y[389]
    for step in range(390, 400):
        last = c + phi * last + b0 * x[step] + b1 * x[step - 1]
        expected.append(last)
    forecast = model.predict(10, (80,), X.iloc[390:])
    # the same recursion at the same coefficients: 10 steps of a few roundings each on values
    # of order 10, ~1e-14
    np.testing.assert_allclose(forecast.mean, expected, atol=1e-10)
    width = forecast.upper(80) - forecast.lower(80)
    # the AR part's uncertainty grows with the step (a cumulative sum of squares: never down
    # by more than its rounding, ~1e-15 on widths of order 1)
    assert np.all(np.diff(width) >= -1e-12)
    meta, arrays = model.get_state()
    again = type(model).from_state(meta, arrays).predict(10, (80,), X.iloc[390:])
    np.testing.assert_allclose(again.mean, forecast.mean)
    model.update(Y.iloc[390:395], X.iloc[390:395])
    moved = model.predict(5, (), X.iloc[395:]).mean
    batch = BaseForecaster.forecast_from(model, Y, [394], 5, (), exog=X)
    np.testing.assert_allclose(moved, batch.mean[0])
    with pytest.raises(UsageError, match="d=0"):
        create("sparse-ar", {"max_lag": 6, "d": 1}).fit(Y, X)
