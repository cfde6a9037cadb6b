"""ACF / PACF / Ljung-Box against published values and slow obvious implementations."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from forecast.diagnostics.acf import (
    bartlett_band,
    correlogram,
    default_nlags,
    ljung_box,
    partial_acf,
    sample_acf,
)


@pytest.fixture(scope="module")
def realgdp() -> np.ndarray:
    return sm.datasets.macrodata.load_pandas().data["realgdp"].to_numpy()


def test_acf_matches_stata_corrgram(realgdp) -> None:
    # Stata `corrgram realgdp, lags(4)` (statsmodels' test suite, results/results_corrgram.csv)
    stata = [0.98685781, 0.97371846, 0.96014366, 0.94568545]
    # to the printed digits (8 decimals: +-5e-9); ours is a ratio of sums, exact to ~n eps
    np.testing.assert_allclose(sample_acf(realgdp, 4), stata, atol=1e-8)


def test_pacf_matches_stata(realgdp) -> None:
    # Stata OLS PACF and Yule-Walker PACF (= statsmodels "ywm"), REFERENCE.md: to the
    # printed digits (6 and 8 decimals: +-5e-7, +-5e-9); least squares and Levinson-Durbin
    # on 203 points add ~cond eps, far below
    np.testing.assert_allclose(
        partial_acf(realgdp, 4, "ols"), [1.002988, -0.3956237, -0.1769759, 0.0742275], atol=1e-6
    )
    np.testing.assert_allclose(
        partial_acf(realgdp, 4, "ywm"),
        [0.98685781, -0.00650592, -0.0233345, -0.04078457],
        atol=1e-7,
    )


def test_pearson_lag_correlation_worked_example() -> None:
    # REFERENCE.md: temperatures [21, 23, 22, 24, 23, 25, 26], lag 2 -> 0.832
    temps = np.array([21, 23, 22, 24, 23, 25, 26], dtype=float)
    assert sample_acf(temps, 2, "pearson")[1] == pytest.approx(0.832, abs=5e-4)
    assert sample_acf(temps, 2, "pearson")[1] == pytest.approx(
        stats.pearsonr(temps[2:], temps[:-2]).statistic,
        abs=1e-12,  # 5 products: ~1e-15
    )
    assert sample_acf(temps, 2, "standard")[1] != pytest.approx(0.832, abs=0.05)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=8, max_size=60), st.integers(1, 6))
def test_standard_acf_equals_the_textbook_sum(values, nlags) -> None:
    x = np.array(values)
    if np.ptp(x) < 1e-6:
        return
    m, n = x.mean(), x.size
    slow = [
        sum((x[t] - m) * (x[t - k] - m) for t in range(k, n)) / sum((v - m) ** 2 for v in x)
        for k in range(1, nlags + 1)
    ]
    # both sides centre x first: each deviation carries an error of ~eps max|x|, relative
    # eps max|x| / std(x) to the deviations' scale, which the ratio of sums can double; the
    # sums add n eps. 10 times that (the data may be nearly constant: ptp down to 1e-6 on
    # values of 1e3)
    eps = np.finfo(float).eps
    bound = 10 * (n * eps + 4 * eps * np.abs(x).max() / x.std())
    np.testing.assert_allclose(sample_acf(x, nlags), slow, rtol=0, atol=bound)


def test_bartlett_band_matches_statsmodels_confint(realgdp) -> None:
    from statsmodels.tsa.stattools import acf

    r, confint = acf(realgdp, nlags=10, alpha=0.05, bartlett_confint=True, result_object=False)
    half = (confint[:, 1] - confint[:, 0]) / 2
    # one closed form of acf values that the two libraries compute to ~n eps = 5e-14
    np.testing.assert_allclose(bartlett_band(r[1:], realgdp.size), half[1:], rtol=1e-10)


def test_correlogram_bands_and_significance(realgdp) -> None:
    c = correlogram(realgdp)
    n = realgdp.size
    assert c.nlags == default_nlags(n) == 23  # min(10 log10 203, 203/2 - 1)
    assert c.pacf_band == pytest.approx(1.959963984540054 / np.sqrt(n))
    expected = [k for k in range(1, 24) if abs(c.pacf[k - 1]) > c.pacf_band]
    assert c.significant_pacf_lags == expected and expected[0] == 1
    assert c.significant_acf_lags == [k for k in range(1, 24) if c.acf[k - 1] > c.acf_band[k - 1]]
    assert c.significant_acf_lags[:10] == list(range(1, 11))  # a trending series
    assert all(abs(c.acf[k - 1]) > c.acf_band[k - 1] for k in c.significant_acf_lags)


def test_default_nlags_rule() -> None:
    assert default_nlags(144) == 21 and default_nlags(20) == 9 and default_nlags(4) == 1


def test_ljung_box_equals_the_formula() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=120)
    n = x.size
    r = sample_acf(x, 10)
    q = n * (n + 2) * sum(r[k - 1] ** 2 / (n - k) for k in range(1, 11))
    (lb,) = ljung_box(x, [10])
    # the same closed form (10 terms) of the same acf: ~1e-15; the p-values' relative
    # error is the statistic's times q pdf/sf (~5 here): 1e-10 leaves 1e4x
    assert lb.statistic == pytest.approx(q, rel=1e-10)
    assert lb.pvalue == pytest.approx(stats.chi2.sf(q, 10), rel=1e-10)
    (with_df,) = ljung_box(x, [10], model_df=2)
    assert with_df.df == 8 and with_df.pvalue == pytest.approx(stats.chi2.sf(q, 8), rel=1e-10)
