"""Target transforms: fitted on the training part only, inverted exactly on the way out."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from forecast.errors import InputError
from forecast.models.trees.transforms import (
    Layout,
    TargetTransform,
    boxcox_lambda,
    interval_scales,
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


def _stats(kind: str, values: np.ndarray) -> tuple[float, float]:
    center, scale = scaler_stats(kind, values, np.ones(values.size, bool), Layout.of([values.size]))
    return float(center[0]), float(scale[0])


def test_scalers_and_the_interval_scale() -> None:
    values = np.array([1.0, 2.0, 4.0, 8.0, 100.0])
    assert _stats("standard", values) == (np.mean(values), np.std(values))
    q25, q50, q75 = np.quantile(values, [0.25, 0.5, 0.75])
    assert _stats("robust", values) == (q50, q75 - q25)
    assert _stats("standard", np.full(4, 3.0)) == (3.0, 1.0)
    assert _stats("none", values) == (0.0, 1.0)
    y = np.array([1.0, 3.0, 2.0, 6.0, 50.0, 50.0, 7.0, 9.0])
    layout = Layout.of([4, 2, 2])
    mask = np.array([True, True, True, True, True, True, True, False])
    # changes 2, 1, 4 | none (a constant: the mean level 50) | no pair (the level 7)
    np.testing.assert_allclose(interval_scales(y, mask, layout), [7 / 3, 50.0, 7.0])


def test_a_panel_is_its_series_one_by_one() -> None:
    """fit_panel / forward_panel over a panel = fit / forward on each series alone."""
    rng = np.random.default_rng(5)
    parts = [rng.lognormal(3, 0.3, n) for n in (30, 5, 44)]
    masks = [rng.random(v.size) > 0.2 for v in parts]
    layout = Layout.of([v.size for v in parts])
    for power_kind, diffs, scaler in (("boxcox", (1,), "robust"), ("log1p", (1, 3), "standard")):
        transform = TargetTransform(power_kind, diffs, scaler)
        y, mask = np.concatenate(parts), np.concatenate(masks)
        lam, center, scale = transform.fit_panel(y, mask, layout, ["a", "b", "c"])
        z = np.split(transform.forward_panel(y, layout, lam, center, scale), layout.bounds[1:-1])
        for i, (v, m) in enumerate(zip(parts, masks, strict=True)):
            alone = transform.fit(v, m, "x")
            assert (alone.lam, alone.center, alone.scale) == (lam[i], center[i], scale[i])
            np.testing.assert_array_equal(transform.forward(v, alone), z[i])


def test_powers_refuse_values_outside_their_domain() -> None:
    mask = np.ones(3, dtype=bool)
    with pytest.raises(InputError, match="transform=boxcox needs positive values"):
        TargetTransform("boxcox").fit(np.array([1.0, 0.0, 2.0]), mask, "lightgbm")
    with pytest.raises(InputError, match="transform=log1p needs values above -1"):
        TargetTransform("log1p").fit(np.array([1.0, -2.0, 2.0]), mask, "lightgbm")
