"""Unit-root tests against Stata / R values (REFERENCE.md), and the differencing suggestion."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from forecast.diagnostics.stationarity import (
    SkippedTest,
    TestResult,
    adf,
    kpss,
    run_tests,
    suggest_differencing,
)
from tests.conftest import SAMPLES


@pytest.fixture(scope="module")
def macro() -> pd.DataFrame:
    return sm.datasets.macrodata.load_pandas().data


def test_adf_matches_stata(macro) -> None:
    # Stata dfuller realgdp, lags(4) (statsmodels' tests); REFERENCE.md
    gdp = macro["realgdp"].to_numpy()
    c = adf(gdp, "c", lags=4)
    assert c.statistic == pytest.approx(0.97505319, abs=1e-4)
    assert c.pvalue == pytest.approx(0.99399563, abs=1e-5)
    ct = adf(gdp, "ct", lags=4)
    assert ct.statistic == pytest.approx(-1.8566374, abs=1e-4)
    assert ct.pvalue == pytest.approx(0.67682968, abs=1e-5)
    assert adf(gdp, "n", lags=4).statistic == pytest.approx(3.5227498, abs=1e-4)
    assert adf(macro["infl"].to_numpy(), "c", lags=1).statistic == pytest.approx(
        -4.3346988, abs=1e-4
    )
    assert c.lags == 4 and set(c.critical_values) == {"1%", "5%", "10%"}


def test_adf_log_airpassengers_matches_tseries() -> None:
    # R: tseries::adf.test(log(AirPassengers), k = 12) -> Dickey-Fuller = -1.5325; diff -> -3.3656
    y = np.log(pd.read_csv(SAMPLES / "airpassengers.csv")["passengers"].to_numpy())
    assert adf(y, "ct", lags=12).statistic == pytest.approx(-1.5325, abs=1e-4)
    assert adf(np.diff(y), "ct", lags=12).statistic == pytest.approx(-3.3656, abs=1e-4)


def test_kpss_matches_r_tseries(macro) -> None:
    # R tseries::kpss.test(realgdp, lshort) with 3 lags: level 5.0169, trend 1.1828
    gdp = macro["realgdp"].to_numpy()
    assert kpss(gdp, "c", lags=3).statistic == pytest.approx(5.0169, abs=1e-4)
    assert kpss(gdp, "ct", lags=3).statistic == pytest.approx(1.1828, abs=1e-4)


def test_kpss_automatic_lags_match_sas() -> None:
    # Hobijn et al. automatic bandwidth, checked against SAS: realgdp 9, sunspots 7, Nile 5
    data = sm.datasets
    assert kpss(data.macrodata.load_pandas().data["realgdp"].to_numpy()).lags == 9
    assert kpss(data.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy()).lags == 7
    assert kpss(data.nile.load_pandas().data["volume"].to_numpy()).lags == 5


def test_kpss_bound_is_noted(macro) -> None:
    result = kpss(macro["realgdp"].to_numpy())
    assert result.pvalue == 0.01
    assert any("true p-value is smaller" in n for n in result.notes)


def test_verdicts_read_the_null_the_right_way() -> None:
    rng = np.random.default_rng(0)
    noise = rng.normal(size=400)
    walk = noise.cumsum()
    by_name = {t.name: t for t in run_tests(noise)}
    assert all(isinstance(t, TestResult) and t.stationary for t in by_name.values())
    assert by_name["KPSS"].verdict.startswith("stationary: cannot reject stationarity")
    walk_tests = {t.name: t for t in run_tests(walk)}
    assert not walk_tests["ADF"].stationary and not walk_tests["KPSS"].stationary
    assert walk_tests["ADF"].verdict.startswith("non-stationary: cannot reject a unit root")


def test_short_series_skip_tests_with_a_reason() -> None:
    results = run_tests(np.random.default_rng(0).normal(size=20))
    skipped = [t for t in results if isinstance(t, SkippedTest)]
    assert [t.name for t in skipped] == ["Zivot-Andrews"]
    assert "at least 30" in skipped[0].reason
    periodic = run_tests(
        np.arange(20, dtype=float) % 7
    )  # singular regression: reported, not raised
    dfgls = next(t for t in periodic if t.name == "DF-GLS")
    assert (
        isinstance(dfgls, SkippedTest) and "could not be computed: The maximum lag" in dfgls.reason
    )


def test_differencing_airpassengers_matches_auto_arima() -> None:
    # R auto.arima(AirPassengers) chooses d = 1, D = 1 (REFERENCE.md: ARIMA(2,1,1)(0,1,0)[12])
    y = pd.read_csv(SAMPLES / "airpassengers.csv")["passengers"].to_numpy()
    suggestion = suggest_differencing(y, 12)
    assert (suggestion.d, suggestion.seasonal_d) == (1, 1)
    rng = np.random.default_rng(3)
    assert suggest_differencing(rng.normal(size=300), None).d == 0
    assert suggest_differencing(rng.normal(size=300).cumsum().cumsum(), None).d == 2


def test_numpy_kpss_equals_statsmodels_and_pmdarima() -> None:
    """The import-free KPSS used by period detection: statistic and p-value as statsmodels
    computes them with the same lags, and d as pmdarima's ndiffs (R's forecast::ndiffs)."""
    import warnings

    from pmdarima.arima import ndiffs
    from statsmodels.tsa.stattools import kpss as sm_kpss

    from forecast.diagnostics.stationarity import kpss_differences, kpss_level_pvalue

    rng = np.random.default_rng(11)
    cases = [
        rng.normal(size=200),
        rng.normal(size=300).cumsum(),
        rng.normal(size=150).cumsum().cumsum(),
        np.sin(np.arange(240) / 5) + rng.normal(size=240) * 0.1,
        pd.read_csv(SAMPLES / "airpassengers.csv")["passengers"].to_numpy(float),
        pd.read_csv(SAMPLES / "nile.csv")["flow"].to_numpy(float),
    ]
    for x in cases:
        lags = int(np.trunc(4 * (x.size / 100) ** 0.25))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reference = sm_kpss(x, "c", nlags=lags, result_object=True)
            expected_d = int(ndiffs(x, alpha=0.05, test="kpss", max_d=2))
        # the same interpolation in the same table at statistics equal to ~n eps: 1e-12
        assert kpss_level_pvalue(x) == pytest.approx(reference.pvalue, abs=1e-12)
        assert kpss_differences(x) == expected_d
