"""Probabilistic metrics against slow textbook loops, scoringrules, M4's MSIS and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from forecast.backtesting import probabilistic as pr

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)

# Sums of n terms of size <= B carry a rounding error of about n * eps * B; every comparison of
# a vectorised result with a loop over the same terms uses rtol=1e-10 and atol=1e-9 * B, a
# thousand times that bound for the sizes here (n <= 400, B <= 1e3).
RTOL = 1e-10


def _slow_pinball(y, fq, taus):
    out = np.zeros(fq.shape)
    for idx in np.ndindex(y.shape):
        for k, tau in enumerate(taus):
            u = y[idx] - fq[(*idx, k)]
            out[(*idx, k)] = tau * u if u >= 0 else (tau - 1) * u
    return out


def _slow_crps(y, x, fair=False):
    """Gneiting & Raftery (2007) eq. 21, double loop over the sample pairs."""
    m = len(x)
    first = sum(abs(xi - y) for xi in x) / m
    pairs = sum(abs(xi - xj) for xi in x for xj in x)
    return first - pairs / (2 * m * m if not fair else 2 * m * (m - 1))


def test_pinball_equals_the_textbook_loop():
    rng = np.random.default_rng(1)
    y = rng.normal(size=(3, 5))
    fq = rng.normal(size=(3, 5, 4))
    taus = [0.1, 0.25, 0.5, 0.9]
    np.testing.assert_allclose(pr.pinball_loss(y, fq, taus), _slow_pinball(y, fq, taus), rtol=RTOL)


def test_scaled_pinball_is_m5_spl():
    # M5 SPL: mean over the horizon of the pinball loss over the in-sample naive MAE (m = 1).
    rng = np.random.default_rng(2)
    history = rng.normal(size=(2, 30)).cumsum(axis=1)
    y = rng.normal(size=(2, 6))
    fq = np.sort(rng.normal(size=(2, 6, 3)), axis=-1)
    taus = [0.05, 0.5, 0.95]
    scales = pr.seasonal_naive_scales(history)
    expected = np.zeros((2, 3))
    for s in range(2):
        scale = np.mean([abs(history[s, t] - history[s, t - 1]) for t in range(1, 30)])
        for k, tau in enumerate(taus):
            expected[s, k] = np.mean(_slow_pinball(y[s], fq[s, :, [k]].T, [tau])) / scale
    np.testing.assert_allclose(pr.scaled_pinball_loss(y, fq, taus, scales), expected, rtol=RTOL)


@pytest.mark.parametrize("estimator", ["plain", "fair"])
def test_sample_crps_equals_the_double_loop(estimator):
    rng = np.random.default_rng(3)
    y = rng.normal(size=(2, 3))
    x = rng.normal(size=(2, 3, 17)) * 2
    got = pr.crps_from_samples(y, x, estimator=estimator)
    for idx in np.ndindex(y.shape):
        want = _slow_crps(y[idx], x[idx], fair=estimator == "fair")
        assert got[idx] == pytest.approx(want, rel=RTOL, abs=1e-12)


@pytest.mark.parametrize(
    ("estimator", "theirs"), [("plain", "nrg"), ("plain", None), ("fair", "fair")]
)
def test_sample_crps_equals_scoringrules(estimator, theirs):
    sr = pytest.importorskip("scoringrules")
    rng = np.random.default_rng(4)
    y = rng.gamma(2.0, size=(20, 7)) * 10
    x = rng.gamma(2.0, size=(20, 7, 50)) * 10
    kwargs = {"estimator": theirs} if theirs else {}  # None: scoringrules' default estimator
    ref = np.asarray(sr.crps_ensemble(y, x, backend="numpy", **kwargs))
    # Different summation orders of 50 terms of size ~100: ~1e-12 relative; 1e-9 is loose.
    np.testing.assert_allclose(pr.crps_from_samples(y, x, estimator=estimator), ref, rtol=1e-9)


def test_crps_of_a_point_forecast_is_the_absolute_error():
    y = np.array([1.0, -2.0, 3.5])
    f = np.array([0.5, -2.0, 5.0])
    np.testing.assert_allclose(pr.crps_from_samples(y, f[:, None]), np.abs(y - f), rtol=RTOL)


def test_msis_on_a_worked_example_with_m4s_formula():
    # M4 (Makridakis et al. 2020; the M4 R code's MSIS): mean over h of
    # (U - L) + 2/a (L - Y)1{Y < L} + 2/a (Y - U)1{Y > U}, over mean |Y_t - Y_{t-m}| in-sample.
    insample = np.array([10.0, 12, 11, 13, 15, 14])
    y = np.array([14.0, 18, 13])
    lower = np.array([12.0, 13, 14])
    upper = np.array([16.0, 17, 18])
    # by hand, a = 0.05 (2/a = 40): scores 4, 4 + 40 * 1, 4 + 40 * 1 -> mean 92/3
    # m = 1: diffs 2, 1, 2, 2, 1 -> scale 8/5; m = 2: diffs 1, 1, 4, 1 -> scale 7/4
    s1 = pr.seasonal_naive_scales([insample], 1)
    s2 = pr.seasonal_naive_scales([insample], 2)
    assert s1[0] == pytest.approx(1.6, rel=1e-15)
    assert s2[0] == pytest.approx(1.75, rel=1e-15)
    # alpha enters as 100 (1 - alpha) % and back: one rounding, ~1e-16 relative
    assert pr.msis(y[None], lower[None], upper[None], 0.05, s1)[0] == pytest.approx(
        92 / 3 / 1.6, rel=1e-12
    )
    assert pr.msis(y, lower, upper, 0.05, s2[0]) == pytest.approx(92 / 3 / 1.75, rel=1e-12)


def test_msis_equals_the_loop_on_random_intervals():
    rng = np.random.default_rng(5)
    y = rng.normal(size=(4, 8))
    center = rng.normal(size=(4, 8))
    half = rng.uniform(0.1, 1.0, size=(4, 8))
    scale = rng.uniform(0.5, 2.0, size=4)
    a = 0.2
    expected = [
        np.mean(
            [
                2 * half[s, t]
                + (2 / a) * max(center[s, t] - half[s, t] - y[s, t], 0)
                + (2 / a) * max(y[s, t] - center[s, t] - half[s, t], 0)
                for t in range(8)
            ]
        )
        / scale[s]
        for s in range(4)
    ]
    got = pr.msis(y, center - half, center + half, a, scale)
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_zero_scale_gives_nan():
    y = np.ones((2, 3))
    got = pr.scaled_crps(np.ones((2, 3)), np.array([0.0, 2.0]))
    assert np.isnan(got[0]) and got[1] == 0.5
    assert pr.seasonal_naive_scales([np.full(5, 3.0)])[0] == 0.0
    assert np.isnan(pr.msis(y, y - 1, y + 1, 0.1, 0.0)).all()


def test_coverage_and_width_equal_the_loop():
    rng = np.random.default_rng(6)
    y = rng.normal(size=(3, 10))
    half = np.sort(rng.uniform(0, 2, size=(3, 10, 2)), axis=-1)
    lo, hi = -half, half
    cov = pr.coverage(y, lo, hi)
    width = pr.mean_interval_width(y, lo, hi)
    for s in range(3):
        for k in range(2):
            inside = [lo[s, t, k] <= y[s, t] <= hi[s, t, k] for t in range(10)]
            assert cov[s, k] == np.mean(inside)
            assert width[s, k] == pytest.approx(np.mean(hi[s, :, k] - lo[s, :, k]), rel=RTOL)


def test_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="quantiles"):
        pr.pinball_loss(np.zeros(3), np.zeros((3, 1)), [1.0])
    with pytest.raises(ValueError, match="quantile_forecasts"):
        pr.pinball_loss(np.zeros(3), np.zeros((3, 2)), [0.5])
    with pytest.raises(ValueError, match="estimator"):
        pr.crps_from_samples(np.zeros(3), np.zeros((3, 2)), estimator="pwm")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cross"):
        pr.coverage(np.zeros(2), np.ones((2, 1)), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="finite"):
        pr.crps_from_samples(np.array([np.nan]), np.zeros((1, 2)))
    with pytest.raises(ValueError, match="alpha"):
        pr.msis(np.zeros(2), np.zeros(2), np.zeros(2), 1.5, 1.0)


# ---- Hypothesis invariants -------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    y=arrays(np.float64, (3, 6), elements=finite),
    center=arrays(np.float64, (3, 6), elements=finite),
    widths=arrays(np.float64, (3, 6, 4), elements=st.floats(0, 100)),
)
def test_coverage_is_a_share_and_monotone_for_nested_intervals(y, center, widths):
    half = np.cumsum(widths, axis=-1)  # level k's interval contains level k-1's
    lo, hi = center[..., None] - half, center[..., None] + half
    cov = pr.coverage(y, lo, hi)
    assert ((cov >= 0) & (cov <= 1)).all()
    assert (np.diff(cov, axis=-1) >= 0).all()
    assert (np.diff(pr.mean_interval_width(y, lo, hi), axis=-1) >= -1e-9).all()


@settings(max_examples=60, deadline=None)
@given(
    y=arrays(np.float64, (2, 3), elements=finite),
    x=arrays(np.float64, (2, 3, 9), elements=finite),
)
def test_crps_is_nonnegative_and_zero_for_a_point_mass_at_the_truth(y, x):
    # Plain CRPS = integral of a square: >= 0 up to rounding of terms of size <= 2e3.
    assert (pr.crps_from_samples(y, x) >= -1e-9).all()
    assert (pr.crps_from_quantiles(y, x, (np.arange(9) + 0.5) / 9) >= 0).all()
    at_truth = np.repeat(y[..., None], 9, axis=-1)
    assert (pr.crps_from_samples(y, at_truth) == 0).all()
    assert (pr.crps_from_samples(y, at_truth, estimator="fair") == 0).all()
    assert (pr.crps_from_quantiles(y, at_truth, (np.arange(9) + 0.5) / 9) == 0).all()


@settings(max_examples=60, deadline=None)
@given(y=arrays(np.float64, (4, 5), elements=finite), f=arrays(np.float64, (4, 5), elements=finite))
def test_pinball_of_the_median_is_half_the_absolute_error(y, f):
    # tau * u with tau = 0.5 is exact in binary floating point
    np.testing.assert_array_equal(
        pr.pinball_loss(y, f[..., None], [0.5])[..., 0], 0.5 * np.abs(y - f)
    )


@settings(max_examples=60, deadline=None)
@given(
    y=finite,
    x=arrays(np.float64, st.integers(1, 12), elements=finite),
    grid=st.integers(1, 400),
)
def test_quantile_crps_converges_to_sample_crps(y, x, grid):
    """The quantile CRPS on the midpoint grid of K levels against the samples' exact CRPS.

    CRPS(F, y) = 2 int_0^1 rho_tau(y, Q(tau)) dtau with Q the samples' lower quantile function
    (numpy's "inverted_cdf"), piecewise constant with M - 1 jumps. On a grid cell without a jump
    the integrand is linear in tau, and the midpoint rule is exact there; on a cell with a jump
    both the integral and the midpoint term lie in [0, B / K] with B = max_i |x_i - y|
    (0 <= rho_tau(u) <= |u|). So |error| <= 2 (M - 1) B / K, and 0 when K is a multiple of M
    (no jump inside any cell) up to rounding (atol 1e-9 * (B + 1)).
    """
    m = x.size
    taus = (np.arange(grid) + 0.5) / grid
    q = np.quantile(x, taus, method="inverted_cdf")
    approx = pr.crps_from_quantiles(np.array([y]), q[None, :], taus)[0]
    exact = pr.crps_from_samples(np.array([y]), x[None, :])[0]
    b = np.max(np.abs(x - y))
    bound = 0.0 if grid % m == 0 else 2 * (m - 1) * b / grid
    assert abs(approx - exact) <= bound + 1e-9 * (b + 1)
    # refining the grid by M (a multiple of M) makes it exact
    fine = (np.arange(m * 8) + 0.5) / (m * 8)
    qf = np.quantile(x, fine, method="inverted_cdf")
    finer = pr.crps_from_quantiles(np.array([y]), qf[None, :], fine)[0]
    assert abs(finer - exact) <= 1e-9 * (b + 1)
