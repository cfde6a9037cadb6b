"""Baselines against hand-worked numbers and R's forecast-package formulas."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecast.models.registry import create

Z95 = 1.959963984540054


def _series(values: list[float], freq: str = "D") -> pd.Series:
    return pd.Series(values, index=pd.date_range("2024-01-01", periods=len(values), freq=freq))


Y = [10.0, 12.0, 11.0, 13.0, 12.0, 14.0, 13.0, 15.0]  # diffs: 2 -1 2 -1 2 -1 2


def test_naive_hand_worked() -> None:
    f = create("naive").fit(_series(Y)).predict(3, [95])
    diffs = np.diff(Y)
    mse = np.mean(diffs**2)  # (4*4 + 3*1) / 7 = 19/7
    assert mse == pytest.approx(19 / 7)
    np.testing.assert_allclose(f.mean, [15, 15, 15])
    np.testing.assert_allclose(f.upper(95) - f.mean, Z95 * np.sqrt(19 / 7 * np.array([1, 2, 3])))


def test_drift_matches_r_lagwalk() -> None:
    f = create("drift").fit(_series(Y)).predict(4, [80])
    diffs = np.diff(Y)
    b = diffs.mean()  # 5/7
    b_se = diffs.std(ddof=1) / math.sqrt(7)
    mse = np.mean((diffs - b) ** 2)
    h = np.arange(1, 5)
    np.testing.assert_allclose(f.mean, 15 + h * b)
    se = np.sqrt(mse * h + (h * b_se) ** 2)
    # a closed form on 7 differences, a few roundings each: ~1e-15; 1e-12 leaves 1000x
    np.testing.assert_allclose(f.upper(80) - f.mean, stats.norm.ppf(0.9) * se, rtol=1e-12)


def test_seasonal_naive_repeats_the_last_season() -> None:
    y = [1.0, 5.0, 9.0, 2.0, 6.0, 10.0, 3.0, 7.0, 11.0]  # period 3, every value +1 a season
    f = create("snaive", {"period": 3}).fit(_series(y)).predict(7, [95])
    np.testing.assert_allclose(f.mean, [3, 7, 11, 3, 7, 11, 3])
    mse = 1.0  # each y_t - y_{t-3} = 1
    k = np.array([1, 1, 1, 2, 2, 2, 3])  # whole seasons ahead
    np.testing.assert_allclose(f.upper(95) - f.mean, Z95 * np.sqrt(mse * k))


def test_seasonal_naive_detects_the_period() -> None:
    t = np.arange(96)
    y = 50 + 10 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(0).normal(0, 0.5, 96)
    model = create("snaive").fit(_series(list(y), "MS"))
    description = model.summary().description
    assert description.startswith("seasonal naive, period 12 (calendar's, seasonal: ACF(12)")
    np.testing.assert_allclose(model.predict(12).mean, y[-12:])


def test_mean_uses_student_t() -> None:
    f = create("mean").fit(_series(Y)).predict(2, [95])
    n, sd = len(Y), np.std(Y, ddof=1)
    assert f.mean[0] == pytest.approx(np.mean(Y))
    half = stats.t.ppf(0.975, n - 1) * sd * math.sqrt(1 + 1 / n)
    np.testing.assert_allclose(f.upper(95) - f.mean, [half, half])


def test_update_moves_the_naive_origin_not_its_variance() -> None:
    model = create("naive").fit(_series(Y))
    width = model.predict(1, [95]).upper(95) - model.predict(1, [95]).mean
    model.update(pd.Series([30.0], index=pd.date_range("2024-01-09", periods=1, freq="D")))
    f = model.predict(1, [95])
    assert f.mean[0] == 30 and f.index[0] == pd.Timestamp("2024-01-10")
    np.testing.assert_allclose(f.upper(95) - f.mean, width)
