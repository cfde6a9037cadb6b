"""sparse-AR: the lasso finds the few lags that matter, with the penalty chosen on past data."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
