"""Target transforms: fitted on the training part only, inverted exactly on the way out."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from forecast.errors import InputError
from forecast.models.trees.transforms import (
    TargetTransform,
    boxcox_lambda,
    interval_scale,
    scaler_stats,
)

KINDS = st.sampled_from(["none", "log1p", "boxcox"])
DIFFS = st.sampled_from([(), (1,), (4,), (1, 4), (1, 1)])
SCALERS = st.sampled_from(["none", "standard", "robust"])


@settings(max_examples=80, deadline=None)
@given(KINDS, DIFFS, SCALERS, st.integers(0, 2**32 - 1), st.integers(12, 60))
def test_forward_then_invert_gives_the_series_back(power, diffs, scaler, seed, n) -> None:
    """z of the whole series, inverted step by step from the first D values, is the series.

    Each step of the inversion adds back sum_j |p_j| values of size up to max|b| (p_j are whole
    numbers, sum |p_j| <= 4 here), and the errors of earlier steps carry into later ones through
    the same sums: over 60 steps a relative 1e-9 bound holds with a wide margin over the
    ~60 * 4 * eps growth; Box-Cox powers add a few ulps more.
    """
    rng = np.random.default_rng(seed)
    y = 50 + np.abs(rng.normal(0, 10, n)).cumsum() * 0.1 + rng.uniform(1, 5, n)
    transform = TargetTransform(power, diffs, scaler)
    fitted = transform.fit(y, np.ones(n, dtype=bool), "test")
    z = transform.forward(y, fitted)
    order = transform.order
    assert np.isnan(z[:order]).all() and np.isfinite(z[order:]).all()
    from forecast.models.trees.transforms import power as apply_power

    history = apply_power(y[:order], power, fitted.lam)[None, :]
    back, _ = transform.invert(
        z[None, order:],
        history,
        np.array([fitted.lam]),
        np.array([fitted.center]),
        np.array([fitted.scale]),
    )
    np.testing.assert_allclose(back[0], y[order:], rtol=1e-9)


def test_polynomial_of_first_and_seasonal_differences() -> None:
    # (1 - B)(1 - B^4) = 1 - B - B^4 + B^5
    np.testing.assert_array_equal(TargetTransform("none", (1, 4)).polynomial, [1, -1, 0, 0, -1, 1])
    y = np.arange(10.0) ** 2
    d = TargetTransform("none", (1, 4), "none").difference(y)
    np.testing.assert_array_equal(d[5:], np.diff(y[4:] - y[:-4])[:5])


def test_statistics_come_from_the_training_part_only() -> None:
    rng = np.random.default_rng(3)
    y = rng.normal(100, 5, 40)
    mask = np.arange(40) < 30
    fitted = TargetTransform("none", (1,), "standard").fit(y, mask, "test")
    d = np.diff(y)[:29]  # differences whose both values are training values
    assert fitted.center == pytest.approx(np.mean(d), rel=1e-12)
    assert fitted.scale == pytest.approx(np.std(d), rel=1e-12)  # ddof 0, as mlforecast
    altered = y.copy()
    altered[30:] = 1e6
    assert TargetTransform("boxcox", (1,), "robust").fit(altered, mask, "t") == TargetTransform(
        "boxcox", (1,), "robust"
    ).fit(y, mask, "t")


def test_boxcox_lambda_is_scipys_maximum_likelihood() -> None:
    """scipy.stats.boxcox maximises the same log-likelihood (without bounds)."""
    rng = np.random.default_rng(1)
    y = rng.lognormal(3, 0.4, 200) + 2
    expected = stats.boxcox(y)[1]
    assert -1 < expected < 2
    assert boxcox_lambda(y) == pytest.approx(expected, abs=1e-4)  # bounded Brent's xtol


def test_scalers_and_the_interval_scale() -> None:
    values = np.array([1.0, 2.0, 4.0, 8.0, 100.0])
    assert scaler_stats("standard", values) == (np.mean(values), np.std(values))
    q25, q50, q75 = np.quantile(values, [0.25, 0.5, 0.75])
    assert scaler_stats("robust", values) == (q50, q75 - q25)
    assert scaler_stats("standard", np.full(4, 3.0)) == (3.0, 1.0)
    assert scaler_stats("none", values) == (0.0, 1.0)
    y = np.array([1.0, 3.0, 2.0, 6.0])
    assert interval_scale(y, np.ones(4, bool)) == pytest.approx((2 + 1 + 4) / 3)
    assert interval_scale(y, np.array([True, True, False, False])) == 2.0


def test_powers_refuse_values_outside_their_domain() -> None:
    mask = np.ones(3, dtype=bool)
    with pytest.raises(InputError, match="transform=boxcox needs positive values"):
        TargetTransform("boxcox").fit(np.array([1.0, 0.0, 2.0]), mask, "lightgbm")
    with pytest.raises(InputError, match="transform=log1p needs values above -1"):
        TargetTransform("log1p").fit(np.array([1.0, -2.0, 2.0]), mask, "lightgbm")
