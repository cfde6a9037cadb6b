"""The linear pool (forecast.models.linear_pool) against a root-finder on the mixture's CDF, its
invariants, and the ensemble's ``bounds=pool`` against the pool of its members' own bounds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import brentq
from scipy.stats import norm

from forecast.errors import UsageError
from forecast.models.ensemble import Ensemble
from forecast.models.linear_pool import pooled_bounds, pooled_quantiles
from forecast.models.registry import get_spec


def _mixture_quantile(means: np.ndarray, sds: np.ndarray, weights: np.ndarray, p: float) -> float:
    """The slow obvious way: brentq on the weighted mixture of normals' CDF minus p."""
    lo, hi = float(np.min(means - 10 * sds)), float(np.max(means + 10 * sds))
    cdf = lambda x: float(np.sum(weights * norm.cdf((x - means) / sds))) - p  # noqa: E731
    return brentq(cdf, lo, hi, xtol=1e-13, rtol=1e-15)


@given(
    st.integers(1, 5),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0.025, 0.1, 0.3, 0.7, 0.9, 0.975]),
)
def test_the_pool_of_normal_members_is_the_mixture_quantile(members, seed, p) -> None:
    rng = np.random.default_rng(seed)
    means = rng.normal(100, 20, (members, 4))
    sds = rng.uniform(0.5, 30, (members, 4))
    weights = rng.dirichlet(np.ones(members))
    quantiles = (means + norm.ppf(p) * sds)[:, None, :]  # each member's own p-quantile
    got = pooled_quantiles(means, quantiles, (p,), weights)[0]
    want = [_mixture_quantile(means[:, k], sds[:, k], weights, p) for k in range(4)]
    # bisection to 2^-60 of a bracket of a few hundred, brentq to 1e-13: both far below 1e-9
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


@given(st.integers(0, 2**32 - 1), st.integers(2, 6))
def test_pooled_quantiles_lie_between_the_members_and_grow_with_p(seed, members) -> None:
    rng = np.random.default_rng(seed)
    probs = (0.025, 0.1, 0.5, 0.9, 0.975)
    means = rng.normal(0, 5, (members, 3))
    # asymmetric members: a different spread below and above the mean
    below, above = rng.uniform(0.1, 4, (members, 3)), rng.uniform(0.1, 4, (members, 3))
    z = norm.ppf(probs)[None, :, None]
    quantiles = means[:, None, :] + np.where(z < 0, below[:, None, :], above[:, None, :]) * z
    weights = np.full(members, 1 / members)
    pooled = pooled_quantiles(means, quantiles, probs, weights)
    assert np.all(pooled >= quantiles.min(axis=0) - 1e-12)
    assert np.all(pooled <= quantiles.max(axis=0) + 1e-12)
    assert np.all(np.diff(pooled, axis=0) >= 0)


def test_one_member_or_identical_members_give_their_own_bounds() -> None:
    means = np.array([[10.0, 11.0, 12.0]])
    lower = means - np.array([1.0, 2.0, 3.0])
    upper = means + np.array([1.5, 2.5, 3.5])  # asymmetric: each side its own spread
    lo, hi = pooled_bounds(means, lower, upper, 80, np.array([1.0]))
    np.testing.assert_allclose(lo, lower[0], atol=1e-12)
    np.testing.assert_allclose(hi, upper[0], atol=1e-12)
    three = np.repeat(means, 3, axis=0)
    lo, hi = pooled_bounds(
        three, np.repeat(lower, 3, axis=0), np.repeat(upper, 3, axis=0), 80, np.full(3, 1 / 3)
    )
    np.testing.assert_allclose(lo, lower[0], atol=1e-12)


def test_a_member_without_spread_is_a_point_mass() -> None:
    # two members: a constant at 0 and N(10, 1), equal weights: the 80 % upper bound (p = 0.9)
    # is N(10, 1)'s 0.8 quantile (half the mass sits at 0), the lower (p = 0.1) is 0
    means = np.array([[0.0], [10.0]])
    lower = np.array([[0.0], [10 - norm.ppf(0.9)]])
    upper = np.array([[0.0], [10 + norm.ppf(0.9)]])
    lo, hi = pooled_bounds(means, lower, upper, 80, np.array([0.5, 0.5]))
    assert lo[0] == pytest.approx(0.0, abs=1e-12)
    assert hi[0] == pytest.approx(10 + norm.ppf(0.8), abs=1e-9)


def _series(n: int = 60, seed: int = 3) -> pd.Series:
    rng = np.random.default_rng(seed)
    values = 100 + rng.normal(0, 1, n).cumsum() + 4 * np.sin(np.arange(n) * np.pi / 6)
    return pd.Series(values, index=pd.date_range("2001-01-01", periods=n, freq="MS"))


@pytest.mark.parametrize("combine", ["mean", "weighted"])
def test_the_ensembles_pooled_bounds_are_the_pool_of_its_members(combine) -> None:
    y = _series()
    model = Ensemble(members=("naive", "drift", "mean"), combine=combine, bounds="pool").fit(y)
    members = [m.predict(6, (80, 95)) for m in model.members_]
    forecast = model.predict(6, (80, 95))
    means = np.array([f.mean for f in members])
    for lv in (80, 95):
        lo, hi = pooled_bounds(
            means,
            np.array([f.lower(lv) for f in members]),
            np.array([f.upper(lv) for f in members]),
            lv,
            model.weights_,
        )
        np.testing.assert_allclose(forecast.lower(lv), np.minimum(lo, forecast.mean))
        np.testing.assert_allclose(forecast.upper(lv), np.maximum(hi, forecast.mean))
    assert "linear pool" in forecast.interval_method
    average = Ensemble(members=("naive", "drift", "mean"), combine=combine, bounds="average")
    average.fit(y)
    plain = average.predict(6, (95,))
    np.testing.assert_array_equal(plain.mean, forecast.mean)  # the bounds differ, not the mean
    # members that disagree (mean vs drift on a trending series): the pool is the wider
    assert np.all(forecast.upper(95) - forecast.lower(95) >= plain.upper(95) - plain.lower(95))


def test_pooled_backtest_forecasts_equal_predict_from_each_origin() -> None:
    y = _series()
    model = Ensemble(members=("naive", "drift"), bounds="pool").fit(y.iloc[:40])
    batch = model.forecast_from(y, [39, 45], 3, [80])
    rebuilt = model.rebased(y.iloc[:46]).predict(3, [80])
    np.testing.assert_allclose(batch.mean[1], rebuilt.mean)
    np.testing.assert_allclose(batch.bands[80][0][1], rebuilt.lower(80), rtol=1e-12)
    np.testing.assert_allclose(batch.bands[80][1][1], rebuilt.upper(80), rtol=1e-12)


def test_pooled_quantiles_of_the_ensemble_are_the_pool_of_its_members_quantiles() -> None:
    from forecast.models.quantiles import forecast_quantiles

    y = _series()
    model = get_spec("ensemble").create({"members": "naive,drift", "bounds": "pool"}).fit(y)
    probs = (0.1, 0.5, 0.9)
    got = forecast_quantiles(model, 4, probs).values
    members = [forecast_quantiles(m, 4, probs).values for m in model.members_]
    means = np.array([m.predict(4).mean for m in model.members_])
    want = pooled_quantiles(means, np.array(members), probs, model.weights_)
    mean = model.predict(4).mean
    np.testing.assert_allclose(got[0], np.minimum(want[0], mean))
    np.testing.assert_allclose(got[2], np.maximum(want[2], mean))


def test_the_default_pools_classical_members_and_averages_with_a_neural_one() -> None:
    assert Ensemble(members=("naive", "drift")).bounds_rule == "pool"
    assert Ensemble(members=("naive", "gru")).bounds_rule == "average"
    assert Ensemble(members=("naive", "gru"), bounds="pool").bounds_rule == "pool"


def test_an_unknown_bounds_rule_is_refused() -> None:
    with pytest.raises(UsageError, match="bounds must be one of auto, average, pool"):
        Ensemble(members=("naive", "drift"), bounds="mixture").fit(_series())
