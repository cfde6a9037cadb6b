"""The default models on short real-looking series: no crash, finite forecasts (issue 27).

A Hypothesis search over short monthly and quarterly series (24-150 points: M3's lengths, and
the shortest a seasonal model can take) with a trend, a level shift, a seasonal cycle, noise
or a random walk, rounded to integers or not, shifted positive as M3's are. Each model is
built as ``forecast fit`` builds it (the registry's spec, every parameter at its default),
fitted, and asked for 18 steps with 80 and 95 % intervals. The only exception allowed is the
tool's own InputError for a series shorter than the model's documented minimum
(``min_length``); forecasts and bounds are finite, each lower bound at most its upper one.

``make test`` draws the same few examples every run (the ``repeatable`` profile of
tests/conftest.py) plus the fixed series below; ``make fuzz`` (FORECAST_HYPOTHESIS=fuzz) draws
many fresh ones: FORECAST_NO_CRASH_EXAMPLES of them per test, 200 unless set.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from forecast.errors import InputError
from forecast.models.registry import get_spec
from tests.models.test_auto_arima_search import LEVEL_SHIFT_38

FUZZ = os.environ.get("FORECAST_HYPOTHESIS") == "fuzz"
FUZZ_EXAMPLES = int(os.environ.get("FORECAST_NO_CRASH_EXAMPLES", "200"))
HORIZON = 18
LEVELS = (80.0, 95.0)


def _examples(repeatable: int) -> int:
    return FUZZ_EXAMPLES if FUZZ else repeatable


def monthly(values: np.ndarray | list[float], freq: str = "MS") -> pd.Series:
    index = pd.date_range("2000-01-01", periods=len(values), freq=freq)
    return pd.Series(np.asarray(values, dtype="float64"), index=index, name="y")


@st.composite
def short_series(draw: st.DrawFn) -> pd.Series:
    """A trending, level-shifted, seasonal series of 24-150 monthly or quarterly points."""
    n = draw(st.one_of(st.integers(24, 40), st.integers(24, 150)))  # near the minimum often
    freq = draw(st.sampled_from(["MS", "QS"]))
    period = 12 if freq == "MS" else 4
    t = np.arange(n, dtype="float64")
    slope = draw(st.floats(-3.0, 3.0))
    shift_at = draw(st.integers(1, n - 1))
    shift = draw(st.floats(-80.0, 80.0))
    amplitude = draw(st.floats(0.0, 30.0))
    phase = draw(st.floats(0.0, 2 * np.pi))
    noise = draw(st.sampled_from([0.5, 3.0, 10.0]))  # never constant: test_constant_series
    walk = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    e = rng.normal(0.0, noise, n)
    y = slope * t + shift * (t >= shift_at) + amplitude * np.sin(2 * np.pi * t / period + phase)
    y = y + (np.cumsum(e) if walk else e)
    y = y - y.min() + draw(st.floats(1.0, 1000.0))  # positive, as M3's series are
    if draw(st.booleans()):
        y = np.round(y)
    return monthly(y, freq)


def forecasts_without_crash(name: str, series: pd.Series) -> None:
    """Fit ``name`` with its defaults as ``forecast fit`` does; finite nested forecasts, or
    InputError for a series below the model's documented minimum."""
    model = get_spec(name).create({})
    need = model.min_length(series.index.freqstr)
    try:
        model.fit(series)
    except InputError as exc:
        assert len(series) < need, f"{name} refused {len(series)} points (needs {need}): {exc}"
        return
    forecast = model.predict(HORIZON, LEVELS)
    assert forecast.mean.shape == (HORIZON,)
    assert np.isfinite(forecast.mean).all(), name
    for level in LEVELS:
        lower, upper = forecast.lower(level), forecast.upper(level)
        assert np.isfinite(lower).all() and np.isfinite(upper).all(), (name, level)
        assert np.all(lower <= upper), (name, level)


def mean_inside_bounds(name: str, series: pd.Series) -> None:
    forecast = get_spec(name).create({}).fit(series).predict(HORIZON, LEVELS)
    for level in LEVELS:
        lower, upper = forecast.lower(level), forecast.upper(level)
        assert np.all(lower <= forecast.mean) and np.all(forecast.mean <= upper), (name, level)


SLOW = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", ["ets", "theta", "mstl"])
@settings(SLOW, max_examples=_examples(3))
@given(series=short_series())
@example(series=monthly(LEVEL_SHIFT_38))
def test_fast_defaults_do_not_crash(name: str, series: pd.Series) -> None:
    forecasts_without_crash(name, series)


@settings(SLOW, max_examples=_examples(2))
@given(series=short_series())
@example(series=monthly(LEVEL_SHIFT_38))
def test_auto_arima_defaults_do_not_crash(series: pd.Series) -> None:
    forecasts_without_crash("auto-arima", series)


@settings(SLOW, max_examples=_examples(1))
@given(series=short_series())
@example(series=monthly(LEVEL_SHIFT_38))
def test_ensemble_defaults_do_not_crash(series: pd.Series) -> None:
    forecasts_without_crash("ensemble", series)


@pytest.mark.parametrize("name", ["ets", "theta", "mstl", "auto-arima", "ensemble"])
@pytest.mark.parametrize("freq", ["MS", "QS"])
def test_constant_series(name: str, freq: str) -> None:
    forecasts_without_crash(name, monthly(np.full(30, 120.0), freq))


# make fuzz, 2026-12-06: 24 monthly points, a trend and noise (Hypothesis' draw, values as drawn).
# theta's optimised theta is 295 and its 80 % upper bound falls below the mean at step 18
# (43.036 < 43.045): the simulated interval does not hold its own point forecast.
THETA_OUTSIDE_24 = [
    1.0, 2.8710824578076526, 4.257346214674945, 4.989584948029823, 5.669300202872748,
    7.117932416908046, 8.589134912018373, 9.410675371017923, 9.585267271549807,
    10.304424153930276, 11.625497658184626, 12.957797879126923, 12.774619502133886,
    14.82773905748703, 15.31417941582677, 16.571001212101578, 17.66500539802465,
    18.778984811268728, 20.14295015764037, 21.458391574174644, 21.872867557981287,
    23.62036662472815, 23.60453755271, 25.112889924499814,
]  # fmt: skip


@pytest.mark.parametrize(
    "name",
    [
        "ets",
        "theta",  # its simulated bounds are widened to hold the mean (they missed it here)
    ],
)
def test_the_mean_lies_inside_its_intervals(name: str) -> None:
    mean_inside_bounds(name, monthly(THETA_OUTSIDE_24))
