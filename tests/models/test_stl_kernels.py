"""The compiled STL and MSTL (forecast.models.stl_kernels) against statsmodels' STL and MSTL:
the same seasonal, trend and remainder to 1e-10 of the series' scale (the kernels do
statsmodels' arithmetic in its order, so in practice they agree bit for bit)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from statsmodels.tsa.seasonal import MSTL, STL

from forecast.models.stl_kernels import mstl_decompose, stl_decompose

TOL = 1e-10


def _series(seed: int, n: int, period: int) -> np.ndarray:
    """A random walk plus a seasonal pattern, a slope and a level shift, at a random scale
    and offset."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    pattern = rng.normal(0, 3, period)[t % period]
    shift = np.where(t >= rng.integers(0, n), rng.normal(0, 10), 0.0)
    walk = np.cumsum(rng.normal(size=n))
    scale = 10.0 ** rng.uniform(-3, 4)
    return scale * (walk + pattern + shift + rng.normal() * 0.05 * t) + rng.normal(0, 1e3 * scale)


def _assert_close(ours: np.ndarray, theirs: np.ndarray, scale: float) -> None:
    np.testing.assert_allclose(ours, np.asarray(theirs), rtol=0, atol=TOL * scale)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    period=st.integers(2, 52),
    extra=st.integers(0, 300),
    seasonal=st.sampled_from([3, 5, 7, 11, 15, 23]),
)
def test_stl_is_statsmodels_stl(seed: int, period: int, extra: int, seasonal: int) -> None:
    n = 2 * period + 1 + extra
    y = _series(seed, n, period)
    season, trend, resid, weights = stl_decompose(y, period, seasonal)
    reference = STL(y, period=period, seasonal=seasonal).fit()
    scale = float(np.max(np.abs(y)))
    _assert_close(season, reference.seasonal, scale)
    _assert_close(trend, reference.trend, scale)
    _assert_close(resid, reference.resid, scale)
    assert np.all(weights == 1.0)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    period=st.integers(2, 40),
    extra=st.integers(0, 200),
    degrees=st.tuples(*[st.integers(0, 1)] * 3),
    jumps=st.tuples(*[st.integers(1, 9)] * 3),
)
def test_stl_with_jumps_and_degrees_is_statsmodels_stl(
    seed: int,
    period: int,
    extra: int,
    degrees: tuple[int, int, int],
    jumps: tuple[int, int, int],
) -> None:
    """Fits at every jump-th point with straight lines between; local constants (degree 0)."""
    y = _series(seed, 2 * period + 1 + extra, period)
    season, trend, _, _ = stl_decompose(y, period, 7, degrees, jumps)
    reference = STL(
        y,
        period=period,
        seasonal_deg=degrees[0],
        trend_deg=degrees[1],
        low_pass_deg=degrees[2],
        seasonal_jump=jumps[0],
        trend_jump=jumps[1],
        low_pass_jump=jumps[2],
    ).fit()
    scale = float(np.max(np.abs(y)))
    _assert_close(season, reference.seasonal, scale)
    _assert_close(trend, reference.trend, scale)


@pytest.mark.parametrize(
    ("period", "n", "seasonal", "jump"),
    [(12, 144, 7, 1), (7, 100, 11, 1), (4, 41, 5, 1), (24, 400, 7, 2), (52, 520, 7, 5)],
)
def test_robust_stl_is_statsmodels_robust_stl(
    period: int, n: int, seasonal: int, jump: int
) -> None:
    """With outliers: statsmodels' robustness weights (the outliers' near 0) and fits; the
    jumps are forecast.diagnostics' (period // 10)."""
    y = _series(period, n, period)
    y[[5, n // 2, n - 3]] += 40 * np.std(y)
    season, trend, _, weights = stl_decompose(y, period, seasonal, jumps=(jump,) * 3, robust=True)
    reference = STL(
        y,
        period=period,
        seasonal=seasonal,
        robust=True,
        seasonal_jump=jump,
        trend_jump=jump,
        low_pass_jump=jump,
    ).fit()
    scale = float(np.max(np.abs(y)))
    _assert_close(season, reference.seasonal, scale)
    _assert_close(trend, reference.trend, scale)
    np.testing.assert_allclose(weights, reference.weights, rtol=0, atol=TOL)
    assert weights[[5, n // 2, n - 3]].max() < 0.1


@pytest.mark.parametrize(
    ("period", "seasonal", "degrees", "jumps"),
    [(1, 7, (1, 1, 1), (1, 1, 1)), (12, 8, (1, 1, 1), (1, 1, 1)), (12, 7, (2, 1, 1), (1, 1, 1)),
     (12, 7, (1, 1, 1), (0, 1, 1))],
)  # fmt: skip
def test_stl_refuses_bad_settings(
    period: int, seasonal: int, degrees: tuple[int, int, int], jumps: tuple[int, int, int]
) -> None:
    with pytest.raises(ValueError, match="stl: "):
        stl_decompose(np.arange(100.0), period, seasonal, degrees, jumps)


def _hourly(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return (
        100
        + 0.01 * t
        + 10 * np.sin(2 * np.pi * t / 24)
        + 5 * np.sin(2 * np.pi * t / 168)
        + rng.normal(0, 0.5, n)
    )


@pytest.mark.parametrize("periods", [(24,), (24, 168), (168, 24), (7, 24, 168)])
def test_mstl_is_statsmodels_mstl(periods: tuple[int, ...]) -> None:
    y = _hourly(24 * 7 * 4 + 5)
    seasonal, trend, resid = mstl_decompose(y, periods)
    reference = MSTL(y, periods=periods if len(periods) > 1 else periods[0]).fit()
    scale = float(np.max(np.abs(y)))
    assert seasonal.shape == (y.size, len(periods))
    _assert_close(seasonal, np.asarray(reference.seasonal).reshape(y.size, -1), scale)
    _assert_close(trend, reference.trend, scale)
    _assert_close(resid, reference.resid, scale)
    np.testing.assert_allclose(seasonal.sum(axis=1) + trend + resid, y, rtol=1e-13)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), short=st.integers(2, 12), extra=st.integers(0, 200))
def test_two_period_mstl_is_statsmodels_mstl(seed: int, short: int, extra: int) -> None:
    long = 2 * short + 1 + seed % 7  # a second period, not a multiple of the first
    n = 2 * long + 1 + extra
    y = _series(seed, n, short) + _series(seed + 1, n, long)
    seasonal, trend, resid = mstl_decompose(y, (short, long))
    reference = MSTL(y, periods=(short, long)).fit()
    scale = float(np.max(np.abs(y)))
    _assert_close(seasonal, np.asarray(reference.seasonal), scale)
    _assert_close(trend, reference.trend, scale)
    _assert_close(resid, reference.resid, scale)


def test_an_mstl_fit_does_not_import_statsmodels_seasonal() -> None:
    """The decomposition is the compiled one: a fit leaves statsmodels.tsa.seasonal (and the
    scipy.signal it brings) unimported."""
    code = (
        "import sys, numpy as np, pandas as pd\n"
        "from forecast.models.mstl import Mstl\n"
        "t = np.arange(120)\n"
        "y = pd.Series(100 + np.sin(2 * np.pi * t / 12) + 0.1 * t,\n"
        "              index=pd.date_range('2000-01-01', periods=120, freq='MS'))\n"
        "Mstl(periods=(12,)).fit(y).predict(18, [80])\n"
        "print('statsmodels.tsa.seasonal' in sys.modules, 'scipy.signal' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
