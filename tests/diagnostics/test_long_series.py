"""Long series (issue 16): the fast paths give the reference libraries' numbers, diagnose scales,
and every approximation is named."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd
import pytest

from forecast.data import SeriesData
from forecast.diagnostics import stationarity as st
from forecast.diagnostics.acf import ljung_box, partial_acf, sample_acf
from forecast.diagnostics.diagnose import DiagnoseOptions, diagnose_series
from forecast.diagnostics.unitroot_fast import df_tstat, gram, select_lag, zivot_andrews_stats
from forecast.errors import UsageError

EPS = float(np.finfo(float).eps)


def _normal_equations_bound(x: np.ndarray, lags: int, statistic: float) -> float:
    """How far a t-statistic from the normal equations (ours: cross products of the columns,
    scaled to a unit diagonal) may lie from a least-squares solver's (statsmodels'): each
    cross product sums n terms (n eps relative), and solving amplifies that by the scaled
    Gram matrix's condition number (41 to 240 for these walks with a trend); 10 times
    n cond eps |t|."""
    g, _ = gram(x, lags, "ct", lags)
    scale = 1 / np.sqrt(np.diag(g))
    cond = float(np.linalg.cond((g * np.outer(scale, scale))[:-1, :-1]))
    return 10 * x.size * cond * EPS * max(1.0, abs(statistic))


def _walk(n: int, seed: int = 3, period: int = 24) -> np.ndarray:
    """A random walk with a level shift at 60 %, a cycle and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return (
        np.cumsum(rng.normal(size=n)) * 0.3
        + 5 * (t > 0.6 * n)
        + 2 * np.sin(2 * np.pi * t / period)
        + rng.normal(size=n)
    )


def _half_hourly(values: np.ndarray) -> SeriesData:
    index = pd.date_range("2000-01-01", periods=values.size, freq="30min")
    return SeriesData(pd.Series(values, index=index), "30min", "sim", "time", "value", "error")


@pytest.mark.parametrize("n", [300, 1500])
@pytest.mark.parametrize("trend", ["c", "ct"])
def test_zivot_andrews_by_updating_equals_statsmodels(n: int, trend: str) -> None:
    # statsmodels fits one regression per candidate break; ours updates cross products
    from statsmodels.tsa.stattools import zivot_andrews

    x = _walk(n)
    stat, _, _, lags, break_index = zivot_andrews(x, regression=trend, autolag="AIC")
    ours, ours_break = zivot_andrews_stats(x, lags, trend)
    assert ours == pytest.approx(stat, abs=_normal_equations_bound(x, lags, stat))
    assert ours_break == break_index


@pytest.mark.parametrize("trend", ["n", "c", "ct"])
def test_df_lag_search_and_tstat_equal_statsmodels(trend: str) -> None:
    from statsmodels.tsa.stattools import adfuller

    x = _walk(1200)
    ref = adfuller(x, regression=trend, autolag="AIC", result_object=True)
    maxlag = int(np.ceil(12 * (x.size / 100) ** 0.25))
    lag = select_lag(x, maxlag, trend)
    assert lag == ref.lags
    bound = _normal_equations_bound(x, lag, ref.statistic)
    assert df_tstat(x, lag, trend)[0] == pytest.approx(ref.statistic, abs=bound)


@pytest.mark.parametrize("trend", ["c", "ct"])
def test_long_path_of_every_test_equals_the_reference_library(trend: str) -> None:
    # 3,000 points: above EXACT_MAX_OBS, so every test takes its long-series path
    from arch.unitroot import DFGLS, PhillipsPerron
    from statsmodels.tsa.stattools import adfuller, kpss, zivot_andrews

    x = _walk(3000)
    assert x.size > st.EXACT_MAX_OBS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refs = {
            "ADF": adfuller(x, regression=trend, result_object=True),
            "KPSS": kpss(x, regression=trend, nlags="auto", result_object=True),
        }
        za = zivot_andrews(x, regression=trend)
    pp = PhillipsPerron(x, trend=trend)
    gls = DFGLS(x, trend=trend, method="aic")
    cases = [
        (st.adf(x, trend), refs["ADF"].statistic, refs["ADF"].pvalue, refs["ADF"].lags),
        (st.kpss(x, trend), refs["KPSS"].statistic, refs["KPSS"].pvalue, refs["KPSS"].lags),
        (st.phillips_perron(x, trend), pp.stat, pp.pvalue, pp.lags),
        (st.dfgls(x, trend), gls.stat, gls.pvalue, gls.lags),
        (st.zivot_andrews(x, trend), za[0], za[1], za[3]),
    ]
    for ours, stat, pvalue, lags in cases:
        # regressions on 3,000 points (normal equations against least squares: the scaled
        # Gram matrix's condition is ~100 here), 10 n cond eps |t| ~ 7e-9 for |t| ~ 10; a
        # p-value moves by its density (< 0.4) times that
        assert ours.statistic == pytest.approx(stat, abs=1e-8), ours.name
        assert ours.pvalue == pytest.approx(pvalue, abs=1e-8), ours.name
        assert ours.lags == lags, ours.name
        assert not ours.notes or "approximation" not in " ".join(ours.notes)
    assert st.zivot_andrews(x, trend).extra["break_index"] == za[4]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fixed = kpss(x, regression=trend, nlags=7, result_object=True).statistic
    # a closed form: partial sums of residuals (n eps = 7e-13 relative) over a long-run
    # variance; KPSS statistics of order 1-10
    assert st.kpss(x, trend, lags=7).statistic == pytest.approx(fixed, abs=1e-10)


def test_fft_acf_pacf_and_ljung_box_equal_the_direct_sums() -> None:
    # 400,000 points x 60 lags is above DIRECT_MAX: the ACF comes from an FFT
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.normal(size=400_000)) * 0.01 + rng.normal(size=400_000)
    c = x - x.mean()
    direct = np.array([c[k:] @ c[: c.size - k] for k in range(1, 61)]) / (c @ c)
    # the direct sums (BLAS dot products: each kernel adds in its own order) carry up to
    # n eps of rounding relative to c @ c (9e-11 for n = 4e5); the FFT eps log2(n) (4e-15)
    np.testing.assert_allclose(sample_acf(x, 60), direct, rtol=0, atol=x.size * EPS)
    from statsmodels.tsa.stattools import pacf

    short = x[:3000]
    # two Yule-Walker solutions (Levinson-Durbin, statsmodels' solve) of the same Toeplitz
    # system: ~cond(R) eps apart, plus the autocorrelations' own n eps; 10 times that
    r = sample_acf(short, 20)
    toeplitz = np.array(
        [[1.0 if i == j else r[abs(i - j) - 1] for j in range(20)] for i in range(20)]
    )
    bound = 10 * (np.linalg.cond(toeplitz) + short.size) * EPS
    np.testing.assert_allclose(
        partial_acf(short, 20), pacf(short, nlags=20, method="ywm")[1:], atol=bound
    )
    q = n_q = x.size
    q = n_q * (n_q + 2) * np.sum(direct[:10] ** 2 / (n_q - np.arange(1, 11)))
    # the same sum of 10 squared autocorrelations (~0.9 each here), each equal to n eps
    # (above): 2 n eps / 0.9 relative, bounded by 4 n eps
    assert ljung_box(x, [10])[0].statistic == pytest.approx(q, rel=4 * x.size * EPS)


def test_ljung_box_equals_statsmodels() -> None:
    from statsmodels.stats.diagnostic import acorr_ljungbox

    x = _walk(500)
    ref = acorr_ljungbox(x, lags=[1, 5, 10, 20], model_df=2)
    ours = ljung_box(x, [1, 5, 10, 20], model_df=2)
    # autocorrelations from sums of 500 terms by two libraries (n eps = 1.1e-13 relative),
    # squared and summed: ~2e-13; 1e-12 leaves 5x, and the p-values move by less
    np.testing.assert_allclose([q.statistic for q in ours], ref.lb_stat, rtol=1e-12)
    np.testing.assert_allclose([q.pvalue for q in ours[1:]], ref.lb_pvalue[1:], atol=1e-12)


@pytest.mark.slow
def test_diagnose_of_200k_points_is_fast_and_names_its_approximations() -> None:
    # main took minutes on 10,000 points (a regression per Zivot-Andrews break)
    rng = np.random.default_rng(1)
    n = 200_000
    t = np.arange(n)
    values = 8 * np.sin(2 * np.pi * t / 48) + np.cumsum(rng.normal(0, 0.3, n)) + rng.normal(size=n)
    start = time.perf_counter()
    result = diagnose_series(_half_hourly(values))
    assert time.perf_counter() - start < 60  # about 2 s on a loaded 2-core machine
    assert all(isinstance(test, st.TestResult) for test in result.tests)
    notes = result.notes
    for name in ("ADF", "Zivot-Andrews", "DF-GLS"):
        assert f"{name}: approximation: lag search up to 60 lags" in "\n".join(notes)
    assert "D: approximation: OCSB test on the last 20,000 observations" in notes
    assert "seasonality: approximation: STL strength on the last 20,000 observations" in notes
    assert result.to_dict()["notes"] == notes
    assert result.seasonality.period == 48


def test_short_series_name_no_approximation() -> None:
    result = diagnose_series(_half_hourly(_walk(1000, period=48)))
    assert [n for n in result.notes if "approximation" in n] == []


def test_tests_option_chooses_the_tests() -> None:
    assert st.parse_test_names("kpss, adf") == ("ADF", "KPSS")
    options = DiagnoseOptions(tests=st.parse_test_names("za"))
    result = diagnose_series(_half_hourly(_walk(500)), options)
    assert [t.name for t in result.tests] == ["Zivot-Andrews"]
    with pytest.raises(UsageError, match="--tests: unknown test 'foo'; choose from adf, kpss"):
        st.parse_test_names("adf,foo")
