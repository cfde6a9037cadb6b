"""Sample paths (forecast.models.paths): the simulated families against their analytical means
and variances within Monte Carlo error, repeatability by seed, the bootstrap's rows, and the
path quantiles against the Gaussian quantiles.

Monte Carlo tolerances. With n independent paths, the sample mean at a step has standard error
sd / sqrt(n); the sample variance of Gaussian values has standard error var sqrt(2 / (n - 1));
the empirical p-quantile has asymptotic standard error sqrt(p (1 - p) / n) sd / phi(z_p). Each
check allows 5 standard errors: a correct simulation fails one comparison with probability
6e-7 (and the seeds are fixed, so a run is repeatable), while a wrong variance term (a missing
psi-weight, sigma^2 over n instead of n - k) moves the estimate by far more than 5 standard
errors at n = 20,000 (5 SE of a variance is 5 % of it).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecast.errors import UsageError
from forecast.models.conformal import walk_forward_errors
from forecast.models.paths import path_method, sample_paths
from forecast.models.quantiles import forecast_quantiles
from forecast.models.registry import create

N = 20_000
K = 5.0  # standard errors allowed (module docstring)


def _monthly(values: np.ndarray) -> pd.Series:
    return pd.Series(values, index=pd.date_range("2000-01-01", periods=values.size, freq="MS"))


def _check_moments(paths: np.ndarray, mean: np.ndarray, var: np.ndarray) -> None:
    n = paths.shape[0]
    sd = np.sqrt(var)
    assert np.all(np.abs(paths.mean(axis=0) - mean) <= K * sd / math.sqrt(n))
    assert np.all(np.abs(paths.var(axis=0, ddof=1) - var) <= K * var * math.sqrt(2 / (n - 1)))


RNG = np.random.default_rng(11)
WALK = _monthly(100 + np.cumsum(RNG.normal(size=150)))
SEASONAL = _monthly(
    100
    + np.cumsum(np.random.default_rng(1).normal(size=72))
    + 8 * np.sin(np.arange(72) * 2 * np.pi / 12)
)


def _ar1(n: int = 300, phi: float = 0.7, seed: int = 3) -> pd.Series:
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + rng.normal()
    return _monthly(20 + x)


# --- ARIMA: the analytical mean and variance ----------------------------------------------


def test_ar1_paths_have_the_closed_form_mean_and_variance() -> None:
    model = create("ar", {"p": 1}).fit(_ar1())
    params = dict(zip(model.results_.model.param_names, model.params_, strict=True))
    mu, phi, sigma2 = params["const"], params["ar.L1"], params["sigma2"]
    h = np.arange(1, 11)
    paths = sample_paths(model, 10, N, seed=1)
    assert paths.shape == (N, 10)
    mean = mu + phi**h * (model.y_[-1] - mu)
    _check_moments(paths, mean, sigma2 * (1 - phi ** (2 * h)) / (1 - phi**2))


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("arima", {"order": "1,1,1"}),
        ("arima", {"order": "0,2,2"}),
        ("arima", {"order": "0,1,1", "trend": "t"}),  # a drift: the intercept grows with t
        ("sarima", {}),
    ],
)
def test_integrated_paths_have_the_kalman_mean_and_variance(name, params) -> None:
    # the Kalman forecast is the analytical one (tests/models/test_kalman.py holds it to
    # statsmodels); the paths integrate the differences (d, D) through the state
    y = WALK if name == "arima" else SEASONAL
    model = create(name, params).fit(y)
    mean, sd = model._moments(12)
    _check_moments(sample_paths(model, 12, N, seed=2), mean, sd**2)
    assert "state-space" in path_method(model)


def test_paths_after_update_start_from_the_new_end() -> None:
    model = create("arima", {"order": "1,1,1"}).fit(WALK.iloc[:120])
    model.update(WALK.iloc[120:])
    mean, sd = model._moments(6)
    rebuilt = create("arima", {"order": "1,1,1"}).fit(WALK.iloc[:120]).rebased(WALK)
    np.testing.assert_allclose(mean, rebuilt.predict(6).mean, rtol=1e-9)  # the new end's
    _check_moments(sample_paths(model, 6, N, seed=14), mean, sd**2)


def test_path_quantiles_approach_the_gaussian_quantiles() -> None:
    model = create("arima", {"order": "1,1,1"}).fit(WALK)
    probs = (0.05, 0.25, 0.5, 0.75, 0.95)
    paths = sample_paths(model, 6, N, seed=3)
    empirical = np.quantile(paths, probs, axis=0)
    exact = forecast_quantiles(model, 6, probs).values
    _, sd = model._moments(6)
    for row, p in enumerate(probs):
        se = math.sqrt(p * (1 - p) / N) / stats.norm.pdf(stats.norm.ppf(p)) * sd
        assert np.all(np.abs(empirical[row] - exact[row]) <= K * se)


def test_arima_paths_with_regressors_add_the_regression() -> None:
    y = SEASONAL
    exog = pd.DataFrame({"x": np.arange(y.size, dtype=float) % 5}, index=y.index)
    future = pd.DataFrame({"x": np.array([0.0, 4.0, 1.0])})
    model = create("arima", {"order": "1,0,0"}).fit(y, exog)
    paths = sample_paths(model, 3, N, seed=4, exog_future=future)
    forecast = model.predict(3, (), future)
    _, sd = model._moments(3)
    _check_moments(paths, forecast.mean, sd**2)


# --- ETS: R's class 1 variances ------------------------------------------------------------


def test_ets_ann_and_aan_paths_have_the_analytic_variance() -> None:
    # Hyndman, Koehler, Ord & Snyder (2008), Table 6.1 (FPP2 Table 7.8): ETS(A,N,N)
    # v_h = s2 (1 + (h-1) a^2); ETS(A,A,N) v_h = s2 (1 + (h-1)(a^2 + a b h + b^2 h (2h-1)/6))
    from forecast.models.ets import r_sigma2, smoothed

    h = np.arange(1, 9)
    for trend in ("none", "add"):
        model = create("ets", {"error": "add", "trend": trend, "season": "none"}).fit(WALK)
        fit = smoothed(model.form_, model.params_, model.y_)
        s2 = r_sigma2(fit.mse, model.y_.size, model.form_.n_params)
        a, b = fit.alpha, (fit.beta if trend == "add" else 0.0)
        var = s2 * (1 + (h - 1) * (a**2 + a * b * h + b**2 * h * (2 * h - 1) / 6))
        _check_moments(sample_paths(model, 8, N, seed=5), model.predict(8).mean, var)


# --- baselines and Theta ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["naive", "snaive", "drift"])
def test_baseline_paths_have_the_textbook_moments(name) -> None:
    model = create(name).fit(SEASONAL)
    mean, se = model._moments(15)  # snaive: period 12, so steps 13..15 walk twice
    _check_moments(sample_paths(model, 15, N, seed=6), mean, se**2)


def test_mean_model_paths_have_its_variance() -> None:
    model = create("mean").fit(SEASONAL)
    n, sd = SEASONAL.size, SEASONAL.std(ddof=1)
    var = np.full(4, sd**2 * (1 + 1 / n))
    _check_moments(sample_paths(model, 4, N, seed=7), np.full(4, SEASONAL.mean()), var)


def test_ses_drift_paths_have_the_state_space_variance() -> None:
    model = create("theta", {"variant": "ses-drift"}).fit(WALK)
    h = np.arange(1, 7)
    var = model.sigma2_ * (1 + (h - 1) * model.alpha_**2)
    _check_moments(sample_paths(model, 6, N, seed=8), model.predict(6).mean, var)


def test_theta_paths_are_the_simulation_its_intervals_take() -> None:
    # seed 0 and 200 paths are statsforecast's draws: their quantiles are the bounds (where the
    # bounds are not widened to hold the mean); float32 paths, float64 interpolation: 1e-9
    model = create("theta", {"variant": "stm"}).fit(WALK)
    forecast = model.predict(5, (80.0,))
    paths = sample_paths(model, 5, 200, seed=0)
    lower, upper = np.quantile(paths, [0.1, 0.9], axis=0)
    np.testing.assert_allclose(lower, forecast.lower(80), rtol=1e-9)
    np.testing.assert_allclose(upper, forecast.upper(80), rtol=1e-9)
    # and their mean is the point forecast (the recursion is linear in the errors)
    many = sample_paths(model, 5, N, seed=9)
    sd = many.std(axis=0, ddof=1)
    assert np.all(np.abs(many.mean(axis=0) - forecast.mean) <= K * sd / math.sqrt(N))


def test_mstl_paths_are_its_remainder_paths_plus_the_season() -> None:
    model = create("mstl").fit(SEASONAL)
    paths = sample_paths(model, 12, N, seed=10)
    mean = model.predict(12).mean
    sd = paths.std(axis=0, ddof=1)
    assert np.all(np.abs(paths.mean(axis=0) - mean) <= K * sd / math.sqrt(N))
    assert path_method(model).startswith("the seasonally adjusted model's paths (simulated ETS")


# --- the bootstrap, repeatability, refusals -----------------------------------------------


def test_bootstrap_paths_are_the_forecast_plus_whole_error_rows() -> None:
    params = {"members": "naive,drift"}
    model = create("ensemble", params).fit(WALK)
    errors, _ = walk_forward_errors(lambda: create("ensemble", params), WALK, 4, (95.0,))
    rows = errors[np.isfinite(errors).all(axis=1)]
    paths = sample_paths(model, 4, 300, seed=12)
    offsets = paths - model.predict(4).mean
    distance = np.abs(offsets[:, None, :] - rows[None, :, :]).max(axis=2)  # [paths, rows]
    assert np.all(distance.min(axis=1) < 1e-9)  # each path adds one row, whole
    assert len({int(np.argmin(d)) for d in distance}) > rows.shape[0] // 2  # drawn, not fixed
    assert path_method(model).startswith("bootstrapped errors")


def test_intermittent_paths_are_never_negative() -> None:
    y = _monthly(np.random.default_rng(2).poisson(0.6, 72).astype(float))
    paths = sample_paths(create("croston").fit(y), 6, 500, seed=13)
    assert paths.min() >= 0 and paths.max() > 0


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("naive", {}),
        ("snaive", {}),
        ("drift", {}),
        ("mean", {}),
        ("arima", {"order": "1,1,1"}),
        ("ets", {}),
        ("theta", {}),
        ("theta", {"variant": "ses-drift"}),
        ("mstl", {}),
        ("ensemble", {"members": "naive,drift"}),
        ("croston", {}),
    ],
)
def test_same_seed_same_paths_other_seed_other_paths(name, params) -> None:
    y = SEASONAL if name != "croston" else _monthly(np.arange(72) % 3 * 1.0)
    model = create(name, params).fit(y)
    first = sample_paths(model, 5, 50, seed=21)
    np.testing.assert_array_equal(first, sample_paths(model, 5, 50, seed=21))
    assert not np.array_equal(first, sample_paths(model, 5, 50, seed=22))


def test_bad_counts_and_regressors_are_refused() -> None:
    model = create("naive").fit(WALK)
    for bad in (0, -3, 2.5, 10**7):
        with pytest.raises(UsageError, match="--samples"):
            sample_paths(model, 3, bad, seed=0)
    with pytest.raises(UsageError, match="--horizon"):
        sample_paths(model, 0, 10, seed=0)
    with pytest.raises(UsageError, match="without regressors"):
        sample_paths(model, 3, 10, seed=0, exog_future=pd.DataFrame({"x": [1.0, 2.0, 3.0]}))
