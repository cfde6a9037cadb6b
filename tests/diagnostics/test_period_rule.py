"""The one period rule (issue 27): the calendar's period when the training data support it, a
non-calendar period only on strong evidence, and the reason in every answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.diagnostics.seasonality import (
    STRONG,
    calendar_test,
    detect_seasonality,
    resolve_period,
)
from forecast.models.registry import create


def _weekly_yearly_sine(seed: int) -> np.ndarray:
    t = np.arange(260)  # five years of weeks
    rng = np.random.default_rng(seed)
    return np.sin(2 * np.pi * t / 52.18) + rng.normal(0, 1, t.size)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_weekly_noise_plus_a_yearly_sine_is_period_52(seed: int) -> None:
    # the case: diagnose used to report 12 on such series
    y = _weekly_yearly_sine(seed)
    s = detect_seasonality(y, "W-SUN")
    assert (s.period, s.source) == (52, "calendar")
    assert s.notes[0].startswith("seasonality: period 52 (calendar's, seasonal: ACF(52)")


def test_a_monthly_random_walk_gets_no_period_and_the_reason() -> None:
    y = np.random.default_rng(3).normal(size=120).cumsum()
    period, why = resolve_period(None, y, "MS")
    assert period is None
    assert why.startswith("calendar's 12 not seasonal: ACF(12)")
    assert why.endswith(f"; no other period with strength >= {STRONG}")


def test_the_calendar_test_is_the_m3_acf_band() -> None:
    # slow, obvious version of the 90 % test: r_m > 1.645 sqrt((1 + 2 sum_{k<m} r_k^2) / n)
    rng = np.random.default_rng(4)
    x = rng.normal(size=80) + 1.5 * np.tile([1, -1, 0, 0.5], 20)
    m, n = 4, x.size
    c = x - x.mean()
    r = np.array([c[k:] @ c[: n - k] for k in range(1, m + 1)]) / (c @ c)
    band = 1.6448536269514722 * np.sqrt((1 + 2 * np.sum(r[: m - 1] ** 2)) / n)
    test = calendar_test(x, m)
    assert test is not None
    assert r[-1] > band  # this series passes on its ACF alone
    assert test.seasonal
    assert calendar_test(rng.normal(size=80), m).seasonal is False  # white noise, this seed
    assert f"ACF(4) {r[-1]:.3f} > 90 % band {band:.3f}" in test.numbers


def test_too_short_for_two_cycles_cannot_be_tested() -> None:
    assert calendar_test(np.arange(24.0), 12) is None


def test_a_non_calendar_period_needs_strong_evidence_on_monthly_data() -> None:
    rng = np.random.default_rng(5)
    t = np.arange(144)
    weak = 0.5 * np.sin(2 * np.pi * t / 17) + rng.normal(0, 1, t.size)
    assert detect_seasonality(weak, "MS").period is None
    strong = 5 * np.sin(2 * np.pi * t / 17) + rng.normal(0, 0.5, t.size)
    s = detect_seasonality(strong, "MS")
    assert (s.period, s.source) == (17, "found")
    assert s.notes[0].startswith("seasonality: period 17 (found: strength")


def test_snaive_without_a_season_is_naive_and_says_so() -> None:
    y = np.random.default_rng(6).normal(size=60).cumsum()
    series = pd.Series(y, index=pd.date_range("2020-01-01", periods=y.size, freq="MS"))
    model = create("snaive").fit(series)
    assert model.summary().description.startswith("seasonal naive, no seasonal period (")
    assert "it is naive here" in model.summary().notes[0]
    np.testing.assert_array_equal(model.predict(5).mean, np.full(5, y[-1]))


def _monthly(values: np.ndarray) -> pd.Series:
    return pd.Series(values, index=pd.date_range("2000-01-01", periods=values.size, freq="MS"))


def _air() -> pd.Series:
    frame = pd.read_csv("sample_data/airpassengers.csv", parse_dates=[0], index_col=0)
    return frame.iloc[:, 0].asfreq("MS").astype(float)


@pytest.mark.parametrize("seasonal", [True, False], ids=["airpassengers", "random walk"])
def test_every_model_uses_the_same_period_and_says_why(seasonal: bool) -> None:
    y = _air() if seasonal else _monthly(100 + np.random.default_rng(3).normal(size=120).cumsum())
    period, why = resolve_period(None, y.to_numpy(), "MS")
    assert (period == 12) is seasonal
    said = {}
    for name in ("snaive", "ets", "auto-arima", "theta", "mstl"):
        summary = create(name).fit(y).summary()
        said[name] = " ".join([summary.description, str(summary.extra.get("selection", ""))])
    for name, text in said.items():
        assert why in text, name  # the same reason, with its numbers, in every summary


def test_mstl_without_a_season_is_its_remainder_model_with_a_note() -> None:
    y = _monthly(100 + np.random.default_rng(3).normal(size=120).cumsum())
    model = create("mstl").fit(y)
    ets = create("ets", {"season": "none"}).fit(y)
    assert model.summary().params["periods"] == []
    assert model.summary().notes[0].startswith("mstl: no seasonal period (calendar's 12 not")
    np.testing.assert_allclose(model.predict(6).mean, ets.predict(6).mean, rtol=1e-12)


def test_models_that_decide_for_themselves_get_the_calendar_period_with_the_tests_verdict() -> None:
    # ets (AICc), auto-arima (OCSB, AICc) and theta (the M3 test) choose seasonal forms
    # themselves: they see period 12 also when the rule's test says not seasonal, as in R
    y = _monthly(100 + np.random.default_rng(3).normal(size=120).cumsum())
    period, why = resolve_period(None, y.to_numpy(), "MS", model_decides=True)
    assert period == 12 and why.startswith("calendar's, left to the model: calendar's 12 not")
    assert resolve_period(None, y.to_numpy()[:24], "MS", model_decides=True)[0] is None
    ets = create("ets").fit(y).summary()
    assert f"period 12 ({why})" in ets.extra["selection"]
    assert ets.description == "ETS(M,N,N)"  # AICc left the season out
    assert create("auto-arima").fit(y).summary().description == "ARIMA(0,1,0)"
