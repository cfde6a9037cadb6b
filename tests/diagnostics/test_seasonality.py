"""Seasonal period detection on real and synthetic series; the strength measures."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.data import load_series
from forecast.diagnostics.seasonality import (
    calendar_period,
    classical_strength,
    detect_seasonality,
    local_maxima,
    periodogram,
    stl_strength,
)
from tests.conftest import SAMPLES


def _sample(name: str) -> np.ndarray:
    return load_series(str(SAMPLES / f"{name}.csv")).y.to_numpy()


def test_airpassengers_is_monthly_seasonal() -> None:
    s = detect_seasonality(_sample("airpassengers"), "MS", differences=1)
    assert (s.period, s.source) == (12, "calendar")
    assert s.stl_strength is not None and s.stl_strength > 0.9
    twelve = next(c for c in s.candidates if c.period == 12)
    assert {"periodogram", "acf", "calendar"} <= set(twelve.sources)


def test_taylor_daily_cycle_with_weekly_candidate() -> None:
    s = detect_seasonality(_sample("taylor"), "30min", differences=0)
    assert s.period == 48
    assert 336 in {c.period for c in s.candidates}


def test_nile_and_noise_have_no_season() -> None:
    assert detect_seasonality(_sample("nile"), "YS-JAN", differences=1).period is None
    rng = np.random.default_rng(7)
    for seed in range(5):
        noise = np.random.default_rng(seed).normal(size=300)
        assert detect_seasonality(noise, "D").period is None
    walk = rng.normal(size=300).cumsum()
    assert detect_seasonality(walk, None, differences=1).period is None


@pytest.mark.parametrize("period", [5, 7, 24])
def test_synthetic_periods_are_found(period: int) -> None:
    rng = np.random.default_rng(period)
    t = np.arange(40 * period)
    y = (
        2 * np.sin(2 * np.pi * t / period)
        + np.cos(4 * np.pi * t / period)
        + rng.normal(size=t.size)
    )
    assert detect_seasonality(y, None).period == period


def test_given_period_overrides_detection() -> None:
    s = detect_seasonality(_sample("airpassengers"), "MS", differences=1, period=6)
    assert (s.period, s.source) == (6, "given")


def test_classical_strength_equals_a_slow_decomposition() -> None:
    rng = np.random.default_rng(0)
    p, n = 6, 90
    x = np.sin(2 * np.pi * np.arange(n) / p) + rng.normal(scale=0.5, size=n) + np.arange(n) * 0.05
    # slow: centred 2x6 moving average, phase means of the detrended series
    trend = np.array([np.nan] * n)
    for t in range(3, n - 3):
        trend[t] = (0.5 * x[t - 3] + x[t - 2 : t + 3].sum() + 0.5 * x[t + 3]) / p
    det = x - trend
    phase_means = np.array([np.nanmean(det[k::p]) for k in range(p)])
    phase_means -= phase_means.mean()
    seasonal = phase_means[np.arange(n) % p]
    ok = ~np.isnan(det)
    slow = 1 - np.var(det[ok] - seasonal[ok]) / np.var(det[ok])
    # moving averages and phase means of ~100 points in two summation orders: ~n eps =
    # 2e-14 relative on variances; 1 - their ratio (~0.5 here) doubles it: 1e-10 leaves 1e3x
    assert classical_strength(x, p) == pytest.approx(slow, rel=1e-10)


def test_stl_strength_equals_statsmodels_robust_stl() -> None:
    # the compiled STL (models.stl_kernels) with statsmodels' settings: the same F_s
    from statsmodels.tsa.seasonal import STL

    rng = np.random.default_rng(5)
    for _ in range(40):
        p = int(rng.integers(2, 60))
        n = int(rng.integers(2 * p + 1, 2 * p + 300))
        t = np.arange(n)
        y = np.cumsum(rng.normal(size=n)) + 3 * np.sin(2 * np.pi * t / p) + rng.normal(size=n)
        jump = max(1, p // 10)
        fit = STL(y, period=p, robust=True, seasonal_jump=jump, trend_jump=jump,
                  low_pass_jump=jump).fit()  # fmt: skip
        expected = max(0.0, 1 - np.var(fit.resid) / np.var(fit.seasonal + fit.resid))
        assert stl_strength(y, p) == pytest.approx(expected, abs=1e-10)


def test_stl_strength_is_near_one_for_pure_seasonality_and_low_for_noise() -> None:
    t = np.arange(240)
    rng = np.random.default_rng(2)
    assert stl_strength(np.sin(2 * np.pi * t / 12) + 0.01 * rng.normal(size=t.size), 12) > 0.99
    assert stl_strength(rng.normal(size=240), 12) < 0.4


def test_calendar_periods() -> None:
    cases = {
        "MS": 12,
        "ME": 12,
        "QS-JAN": 4,
        "W-SUN": 52,
        "D": 7,
        "B": 5,
        "h": 24,
        "30min": 48,
        "15min": 96,
        "YS-JAN": None,
        "2MS": 6,
        "7min": None,
    }
    assert {f: calendar_period(f) for f in cases} == cases


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=0, max_size=40))
def test_local_maxima_equals_scipy_find_peaks(values: list[int]) -> None:
    """Small integers make plateaus (flat tops, flat shoulders, flat ends) common."""
    from scipy.signal import find_peaks

    x = np.asarray(values, dtype="float64")
    np.testing.assert_array_equal(local_maxima(x), find_peaks(x)[0])


@pytest.mark.parametrize("n", [7, 8, 144, 145, 1000])
def test_periodogram_equals_scipy(n: int) -> None:
    from scipy.signal import periodogram as scipy_periodogram

    x = np.random.default_rng(n).normal(size=n).cumsum() + 0.3 * np.arange(n)
    freqs, power = periodogram(x)
    expected_freqs, expected_power = scipy_periodogram(x, detrend="linear", window="hann")
    np.testing.assert_allclose(freqs, expected_freqs, rtol=0, atol=1e-15)  # k / n, one rounding
    # two FFTs of the same detrended, windowed series (rounding ~eps log2 n of the largest
    # power, 2e-15); the linear detrend is least squares on a trending walk (cond ~n: 1e-13)
    np.testing.assert_allclose(power, expected_power, rtol=1e-9, atol=1e-9 * expected_power.max())
