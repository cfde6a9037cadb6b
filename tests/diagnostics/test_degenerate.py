"""Degenerate series (issues 16/17): counters and schedules run through diagnose, auto-arima and
snaive; a test that cannot run is listed as skipped with why; the calendar's period is kept."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from forecast.diagnostics.acf import sample_acf
from forecast.diagnostics.seasonality import detect_period, detect_seasonality
from forecast.diagnostics.stationarity import (
    SkippedTest,
    TestResult,
    kpss_level_pvalue,
    suggest_differencing,
)
from forecast.models.registry import create
from tests.conftest import write_csv


def _csv(tmp_path, values, freq: str) -> str:
    index = pd.date_range("2020-01-01", periods=len(values), freq=freq)
    frame = pd.DataFrame({"date": index.strftime("%Y-%m-%d %H:%M:%S"), "value": values})
    return str(write_csv(tmp_path, frame.to_csv(index=False)))


def test_constant_series_has_an_undefined_acf_not_an_error() -> None:
    assert np.isnan(sample_acf(np.full(20, 3.0), 5)).all()
    assert kpss_level_pvalue(np.zeros(12)) == 0.10  # nothing speaks against stationarity
    s = detect_seasonality(np.arange(30.0), "MS", differences=1)
    assert s.period is None and s.candidates == ()
    assert s.notes == (
        "seasonality: the series differenced 1x is constant: no seasonal period can be measured",
    )


def test_linear_monthly_series_diagnoses_with_exit_0(cli, tmp_path) -> None:
    # main: ZeroDivisionError in the ACF of the (constant) differences
    path = _csv(tmp_path, 5 + 2.0 * np.arange(30), "MS")
    result = cli("diagnose", path, "--format", "json")
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    skipped = {t["name"]: t["skipped"] for t in doc["tests"] if "skipped" in t}
    assert "ADF" in skipped and "collinear" in skipped["ADF"]  # statsmodels returned noise
    assert doc["seasonality"]["period"] is None
    assert doc["notes"] == [
        "seasonality: the series differenced 1x is constant: no seasonal period can be measured"
    ]
    fit = cli("fit", path, "-m", "auto-arima", "--format", "json")
    assert fit.code == 0, fit.stderr
    means = [row["mean"] for row in json.loads(fit.stdout)["forecast"][:3]]
    np.testing.assert_allclose(means, [65, 67, 69])  # ARIMA(0,1,0) with drift 2


def test_exact_weekly_cycle_diagnoses_with_exit_0(cli, tmp_path) -> None:
    # main: pmdarima's OCSB raised "All lag values up to 'maxlag' produced singular matrices"
    path = _csv(tmp_path, np.arange(60) % 7, "D")
    result = cli("diagnose", path, "--format", "json")
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["seasonality"]["period"] == 7
    assert doc["differencing"]["D"] == 1
    assert doc["differencing"]["notes"] == [
        "D: the series repeats its cycle exactly; one seasonal difference makes it constant"
    ]
    for test in doc["tests"]:  # each test ran or says why not; ADF's lags are collinear
        assert "statistic" in test or test["skipped"]
    adf = next(t for t in doc["tests"] if t["name"] == "ADF")
    assert "collinear (a deterministic series" in adf["skipped"]


def test_ocsb_failure_is_a_note(monkeypatch) -> None:
    import pmdarima.arima

    def singular(*args, **kwargs):
        raise ValueError("All lag values up to 'maxlag' produced singular matrices.")

    monkeypatch.setattr(pmdarima.arima, "nsdiffs", singular)
    x = (np.arange(60) % 7).astype(float) + np.random.default_rng(0).normal(0, 0.1, 60)
    d = suggest_differencing(x, 7)
    assert d.seasonal_d is None and d.seasonal_d_test is None
    assert d.notes == (
        "D: OCSB test skipped: All lag values up to 'maxlag' produced singular matrices.",
    )


def test_every_test_runs_or_is_skipped_with_a_reason() -> None:
    from forecast.diagnostics.stationarity import run_tests

    for x in (np.arange(40.0), (np.arange(70) % 7).astype(float), np.r_[np.zeros(20), np.ones(20)]):
        for r in run_tests(x):
            ran = isinstance(r, TestResult) and np.isfinite(r.statistic)
            assert ran or (isinstance(r, SkippedTest) and r.reason)


@pytest.mark.parametrize("n", [100, 5000])
def test_exact_fits_are_skipped_not_reported(n: int) -> None:
    # a straight line fits Phillips-Perron's regression exactly, a pure step Zivot-Andrews' one
    # at its break: main reported rounding noise (PP 1.5 on a line, ZA -8.7e6 on a step)
    from forecast.diagnostics.stationarity import phillips_perron, run_tests, zivot_andrews

    with pytest.raises(ValueError, match="fits the series exactly"):
        phillips_perron(1.5 * np.arange(float(n)))
    with pytest.raises(ValueError, match="fits the series exactly"):
        zivot_andrews(np.r_[np.zeros(n // 2), np.ones(n - n // 2)])
    names = {r.name: r for r in run_tests(np.r_[np.zeros(n // 2), np.ones(n - n // 2)])}
    assert isinstance(names["Zivot-Andrews"], SkippedTest)
    assert isinstance(names["ADF"], TestResult)  # the other tests still run


def _daily_cycle(n: int, amplitude: float = 8.0, seed: int = 0) -> np.ndarray:
    """Half-hourly: a daily cycle, a trend, a random walk (weather) and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return (
        amplitude * np.sin(2 * np.pi * t / 48)
        + 0.0005 * t
        + np.cumsum(rng.normal(0, 0.3, n))
        + rng.normal(0, 1.0, n)
    )


@pytest.mark.parametrize("n", [2_000, 4_000, 10_000, 42_000])
def test_daily_cycle_is_found_at_every_length(n: int) -> None:
    # main: None at every length (strength about 0.21 on the differences, threshold 0.4)
    y = _daily_cycle(n)
    assert detect_period(y, "30min") == 48
    s = detect_seasonality(y, "30min", differences=1, strength=False)
    assert s.period == 48 and s.notes[0].startswith("seasonality: period 48 (calendar's, seasonal")


@pytest.mark.parametrize("n", [10_000, 42_000])
def test_no_cycle_stays_without_a_period(n: int) -> None:
    assert detect_period(_daily_cycle(n, amplitude=0.0, seed=1), "30min") is None


def test_no_cycle_false_alarm_rate_is_the_tests_level() -> None:
    # The calendar test is one-sided at 5 % (the M3 test's 90 % two-sided band, upper side), so
    # about 1 series in 20 without a cycle gets the calendar's period. Over 40 such series the
    # count of false alarms is Binomial(40, 0.05): P(count > 7) = 0.0006.
    alarms = sum(
        detect_period(_daily_cycle(2_000, amplitude=0.0, seed=seed), "30min") is not None
        for seed in range(40)
    )
    assert alarms <= 7


def test_snaive_without_a_season_is_naive() -> None:
    # main: "snaive: no seasonal period was detected" -> every backtest fold failed; then it
    # fell back to the calendar's period while theta and mstl said "not seasonal" on the same
    # series (issue 27): now every model follows the one rule, and snaive is naive here
    rng = np.random.default_rng(4)
    y = pd.Series(
        np.cumsum(rng.normal(size=200)), index=pd.date_range("2024-01-01", periods=200, freq="h")
    )
    model = create("snaive").fit(y)
    assert model.summary().params == {"period": 1}
    (note,) = model.summary().notes
    assert note.startswith("snaive: no seasonal period (calendar's 24 not seasonal: ACF(24)")
    assert note.endswith("): it is naive here")
    np.testing.assert_allclose(model.predict(24).mean, np.full(24, y.to_numpy()[-1]))
