"""Forecast quantiles (forecast.models.quantiles): Gaussian ARIMA against the closed-form
forecast variances, every family equal to its own interval bounds at the matching levels,
split conformal against the (n + 1) rule by hand, and quantiles that never cross (Hypothesis
over models, series and probabilities)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from forecast.errors import InputError, UsageError
from forecast.models.base import Forecast
from forecast.models.conformal import Calibration, calibrate
from forecast.models.quantiles import (
    band_levels,
    check_probs,
    conformal_quantiles,
    forecast_quantiles,
    level_of,
    quantiles_from_bands,
)
from forecast.models.registry import create, get_spec


def _monthly(values: np.ndarray) -> pd.Series:
    return pd.Series(values, index=pd.date_range("2000-01-01", periods=values.size, freq="MS"))


def _ar1(n: int = 300, phi: float = 0.6, mu: float = 10.0, seed: int = 4) -> pd.Series:
    rng = np.random.default_rng(seed)
    x = np.empty(n)
    x[0] = rng.normal() / math.sqrt(1 - phi**2)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + rng.normal()
    return _monthly(mu + x)


def _filter_params(model) -> dict[str, float]:
    return dict(zip(model.results_.model.param_names, model.params_, strict=True))


PROBS = (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)
Z = stats.norm.ppf(PROBS)[:, None]  # scipy's normal quantiles: independent of NormalDist


# --- Gaussian ARIMA: the analytical quantiles, to 1e-9 ------------------------------------
# The closed forms are Box & Jenkins' (psi-weights; Hyndman & Athanasopoulos, FPP3 9.8): the
# Kalman filter computes the same variances by a recursion whose rounding error is about
# 1e-15 relative per step, so 1e-9 (relative to the forecast sd) leaves a wide margin while
# catching any wrong term (a missing psi-weight changes the sd by more than 1e-2).


def test_ar1_quantiles_equal_the_closed_form() -> None:
    model = create("ar", {"p": 1}).fit(_ar1())
    params = _filter_params(model)
    mu, phi, sigma2 = params["const"], params["ar.L1"], params["sigma2"]
    h = np.arange(1, 13)
    mean = mu + phi**h * (model.y_[-1] - mu)  # the AR(1) state is observed: no filter error
    sd = np.sqrt(sigma2 * (1 - phi ** (2 * h)) / (1 - phi**2))
    q = forecast_quantiles(model, 12, PROBS)
    np.testing.assert_allclose(q.values, mean + Z * sd, rtol=0, atol=1e-9 * sd.min())
    assert "Kalman" in q.method


def test_random_walk_and_ima_quantiles_equal_the_closed_form() -> None:
    y = _monthly(50 + np.cumsum(np.random.default_rng(7).normal(size=200)))
    walk = create("arima", {"order": "0,1,0"}).fit(y)
    sigma2 = _filter_params(walk)["sigma2"]
    h = np.arange(1, 9)
    sd = np.sqrt(sigma2 * h)
    np.testing.assert_allclose(
        forecast_quantiles(walk, 8, PROBS).values, y.iloc[-1] + Z * sd, atol=1e-9 * sd.min()
    )
    ima = create("arima", {"order": "0,1,1"}).fit(y)
    params = _filter_params(ima)
    theta, sigma2 = params["ma.L1"], params["sigma2"]
    assert abs(theta) < 0.95  # invertible: the filter's state error has decayed to nothing
    sd = np.sqrt(sigma2 * (1 + (h - 1) * (1 + theta) ** 2))
    mean = ima.predict(8).mean
    np.testing.assert_allclose(
        forecast_quantiles(ima, 8, PROBS).values, mean + Z * sd, atol=1e-9 * sd.min()
    )


# --- every family: its quantiles are its own interval bounds ------------------------------

SEASONAL = _monthly(
    100
    + np.cumsum(np.random.default_rng(1).normal(size=72))
    + 8 * np.sin(np.arange(72) * 2 * np.pi / 12)
)
DEMAND = _monthly(np.random.default_rng(2).poisson(0.6, 72).astype(float))
FAMILIES = [
    ("naive", {}, SEASONAL),
    ("snaive", {}, SEASONAL),
    ("drift", {}, SEASONAL),
    ("mean", {}, SEASONAL),
    ("arima", {"order": "1,1,1"}, SEASONAL),
    ("sarima", {}, SEASONAL),
    ("sparse-ar", {}, SEASONAL),
    ("ets", {"error": "add", "trend": "add", "season": "add"}, SEASONAL),
    ("ets", {"error": "mul", "trend": "none", "season": "mul"}, SEASONAL),  # class 3
    ("ets", {"error": "mul", "trend": "add", "season": "none"}, SEASONAL),  # class 2
    ("theta", {}, SEASONAL),
    ("theta", {"variant": "dotm"}, SEASONAL),
    ("theta", {"variant": "ses-drift"}, SEASONAL),
    ("mstl", {}, SEASONAL),
    ("ensemble", {"members": "naive,theta,arima", "combine": "median"}, SEASONAL),
    ("croston", {}, DEMAND),
    ("tsb", {}, DEMAND),
    ("imapa", {}, DEMAND),
]


@pytest.mark.parametrize(("name", "params", "y"), FAMILIES, ids=[f[0] for f in FAMILIES])
def test_quantiles_are_the_models_own_bounds(name, params, y) -> None:
    # Both sides are computed from the same sd, paths or calibration errors; they differ only
    # in how z (or the empirical quantile's probability) is rounded: 1e-12 of the scale.
    model = create(name, params).fit(y)
    levels = (50.0, 80.0, 90.0)
    forecast = model.predict(6, levels)
    probs = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95]
    q = forecast_quantiles(model, 6, probs)
    scale = 1e-12 * max(1.0, float(np.abs(forecast.mean).max()))
    for level in levels:
        low, high = (1 - level / 100) / 2, (1 + level / 100) / 2
        np.testing.assert_allclose(q.quantile(round(low, 10)), forecast.lower(level), atol=scale)
        np.testing.assert_allclose(q.quantile(round(high, 10)), forecast.upper(level), atol=scale)
    assert (np.diff(q.values, axis=0) >= 0).all()
    assert q.index.equals(forecast.index)


def test_mean_model_quantiles_are_student_t() -> None:
    y = SEASONAL.iloc[:30]
    q = forecast_quantiles(create("mean").fit(y), 3, PROBS)
    n = y.size
    expected = y.mean() + stats.t.ppf(PROBS, n - 1) * y.std(ddof=1) * math.sqrt(1 + 1 / n)
    np.testing.assert_allclose(q.values, np.repeat(expected[:, None], 3, axis=1), rtol=1e-12)


def test_neural_quantiles_are_its_conformal_bounds() -> None:
    from tests.models.test_contract import monthly_series

    params = {"window": 12, "horizon": 12, "epochs": 3, "patience": 2, "batch_size": 32}
    model = create("mlp", {**params, "hidden_size": 8, "layers": 1})
    model.fit(monthly_series().iloc[:120])
    forecast = model.predict(4, (80.0,))
    q = forecast_quantiles(model, 4, (0.1, 0.5, 0.9))
    np.testing.assert_allclose(q.values, [forecast.lower(80), forecast.mean, forecast.upper(80)])
    assert "split-conformal" in q.method


# --- split conformal: the (n + 1) rule per level, by hand ---------------------------------


def test_conformal_quantiles_follow_the_n_plus_one_rule() -> None:
    # 19 errors 1..19 at step 1 (shuffled), 9 errors at step 2. p = 0.05 is level 90: rank
    # ceil(20 * 0.9) = 18 -> 18; p = 0.25 is level 50: rank ceil(20 * 0.5) = 10 -> 10. At step
    # 2 (n = 9) level 50 takes rank 5 -> 5, and level 90 needs 9 errors: rank ceil(9) = 9.
    errors = np.full((19, 2), np.nan)
    errors[:, 0] = np.random.default_rng(0).permutation(np.arange(1.0, 20.0))
    errors[:9, 1] = np.arange(9.0, 0.0, -1.0)
    mean = np.array([100.0, 200.0])
    q = conformal_quantiles(Calibration(errors, 50), mean, (0.05, 0.25, 0.5, 0.75, 0.95))
    np.testing.assert_array_equal(q, [[82, 191], [90, 195], [100, 200], [110, 205], [118, 209]])


def test_conformal_quantiles_of_any_model_equal_its_conformal_bands() -> None:
    y = SEASONAL
    make = lambda: create("theta", {})  # noqa: E731
    calibration = calibrate(make, y, 6, (90.0,))
    model = make().fit(y)
    bands = calibration.bands(model.predict(6).mean, (90.0, 50.0))
    q = forecast_quantiles(model, 6, (0.05, 0.25, 0.75, 0.95), calibration=calibration)
    np.testing.assert_array_equal(
        q.values, [bands[90][0], bands[50][0], bands[50][1], bands[90][1]]
    )
    assert "split conformal" in q.method


def test_level_of_is_exact_where_the_rank_would_jump() -> None:
    assert level_of(0.05) == 90.0 and level_of(0.95) == 90.0
    assert level_of(0.5) == 0.0 and level_of(0.025) == 95.0


# --- probabilities and the bands route ----------------------------------------------------


def test_probabilities_are_checked() -> None:
    assert check_probs([0.9, 0.1, 0.5, 0.1]) == (0.1, 0.5, 0.9)
    with pytest.raises(UsageError, match=r"did you mean 0\.95"):
        check_probs([95])
    for bad in ([0.0], [1.0], [-0.1], []):
        with pytest.raises(UsageError, match="--quantiles"):
            check_probs(bad)


def test_conformal_quantiles_refuse_levels_the_calibration_cannot_hold() -> None:
    # 40 points: croston calibrates on max(1 + 63 - 1, 10) origins for p = 0.0078 (level
    # 98.4 %, 63 errors needed), more than the data hold: refused as its bands would be
    y = _monthly(np.random.default_rng(5).poisson(0.8, 40).astype(float))
    with pytest.raises(InputError, match="split conformal"):
        forecast_quantiles(create("croston").fit(y), 1, (0.0078125,))


def test_bands_route_rearranges_crossing_bounds() -> None:
    index = pd.date_range("2020-01-01", periods=2, freq="D")
    mean = np.array([0.0, 0.0])
    crossing = {80.0: (np.array([-1.0, -3.0]), np.array([1.0, 3.0])),
                50.0: (np.array([-2.0, -1.0]), np.array([2.0, 1.0]))}  # fmt: skip
    forecast = Forecast(index, mean, crossing, "test")
    q = quantiles_from_bands(forecast, (0.1, 0.25, 0.5, 0.75, 0.9))
    np.testing.assert_array_equal(q, [[-2, -3], [-1, -1], [0, 0], [1, 1], [2, 3]])
    with pytest.raises(UsageError, match="no 90% interval"):
        quantiles_from_bands(forecast, (0.05,))


def test_models_with_regressors_use_their_bands() -> None:
    y = SEASONAL
    exog = pd.DataFrame({"x": np.arange(y.size, dtype=float) % 5}, index=y.index)
    future = pd.DataFrame({"x": np.arange(4, dtype=float)})
    model = create("arima", {"order": "1,0,0"}).fit(y, exog)
    forecast = model.predict(4, (90.0,), future)
    q = forecast_quantiles(model, 4, (0.05, 0.5, 0.95), exog_future=future)
    np.testing.assert_allclose(q.values, [forecast.lower(90), forecast.mean, forecast.upper(90)])


# --- quantiles never cross ----------------------------------------------------------------

FAST = [
    ("naive", {}),
    ("snaive", {}),
    ("drift", {}),
    ("mean", {}),
    ("arima", {"order": "1,1,0"}),
    ("ets", {"error": "add", "trend": "none", "season": "none"}),
    ("ets", {"error": "mul", "trend": "add", "season": "none"}),
    ("theta", {"variant": "stm"}),
    ("theta", {"variant": "otm"}),
    ("theta", {"variant": "ses-drift"}),
    ("croston", {}),
    ("tsb", {}),
]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.integers(0, len(FAST) - 1),
    seed=st.integers(0, 2**32 - 1),
    length=st.integers(40, 90),
    level=st.floats(1.0, 1e4),
    probs=st.lists(st.floats(0.001, 0.999), min_size=1, max_size=8),
    horizon=st.integers(1, 8),
)
def test_quantiles_never_cross(which, seed, length, level, probs, horizon) -> None:
    name, params = FAST[which]
    rng = np.random.default_rng(seed)
    if get_spec(name).family == "intermittent":
        values = rng.poisson(rng.uniform(0.2, 3.0), length).astype(float) * level / 10
        # split conformal: a level-L bound needs L / (1 - L) errors (19 at 95 %), which 40
        # points give up to 90 %: keep p in [0.05, 0.95] (the refusal is tested elsewhere)
        probs = [0.05 + 0.9 * p for p in probs]
    else:
        values = level + np.cumsum(rng.normal(0, rng.uniform(0.01, 1) * level / 10, length))
        values = np.abs(values) + level / 100  # positive: multiplicative ETS admits it
    model = create(name, params).fit(_monthly(values))
    q = forecast_quantiles(model, horizon, probs)
    assert q.values.shape == (len(q.probs), horizon)
    assert (np.diff(q.values, axis=0) >= 0).all()


# --- ETS classes 4-5: the simulated route -------------------------------------------------


def test_ets_class5_quantiles_are_its_simulated_bounds() -> None:
    # no form the selection tries is of class 4 or 5 (module docstring of ets.py); ETS(A,N,M)
    # is class 5: take a fitted ETS(M,N,M)'s parameters (the same layout) under that form
    from forecast.models.ets import EtsForm

    y = _monthly(np.abs(SEASONAL.to_numpy()))
    model = create("ets", {"error": "mul", "trend": "none", "season": "mul"}).fit(y)
    model.form_ = EtsForm("add", "none", "mul", model.form_.period)
    forecast = model.predict(6, (80.0,))
    assert "simulated" in forecast.interval_method
    q = forecast_quantiles(model, 6, (0.1, 0.5, 0.9))
    np.testing.assert_allclose(q.values[[0, 2]], [forecast.lower(80), forecast.upper(80)])
    assert (np.diff(q.values, axis=0) >= 0).all()


# --- the contract over every registered model ---------------------------------------------


def _every_model() -> list[tuple[str, dict]]:
    from forecast.models.registry import REGISTRY
    from tests.models.neural.test_neural_contract import tiny
    from tests.models.test_contract import PARAMS

    return [
        (name, tiny(name) if spec.family == "neural" else PARAMS.get(name, {}))
        for name, spec in REGISTRY.items()
    ]


@pytest.fixture(scope="module", params=_every_model(), ids=lambda case: case[0])
def registered(request):
    from tests.models.test_contract import monthly_series

    name, params = request.param
    y = monthly_series().iloc[:120]
    if get_spec(name).family == "intermittent":
        y = _monthly(np.random.default_rng(3).poisson(1.0, 120).astype(float))
    return name, create(name, params).fit(y)


def test_every_model_gives_non_crossing_quantiles_equal_to_its_bounds(registered) -> None:
    # the bounds and the quantiles come from the same sd, paths or errors (1e-12 of the scale)
    name, model = registered
    forecast = model.predict(6, (80.0, 95.0))
    q = forecast_quantiles(model, 6, (0.025, 0.1, 0.5, 0.9, 0.975))
    atol = 1e-12 * max(1.0, float(np.abs(forecast.mean).max()))
    np.testing.assert_allclose(q.values[0], forecast.lower(95), atol=atol, err_msg=name)
    np.testing.assert_allclose(q.values[1], forecast.lower(80), atol=atol, err_msg=name)
    np.testing.assert_allclose(q.values[3], forecast.upper(80), atol=atol, err_msg=name)
    np.testing.assert_allclose(q.values[4], forecast.upper(95), atol=atol, err_msg=name)
    assert (np.diff(q.values, axis=0) >= 0).all(), name
    assert q.columns() == ["q_0.025", "q_0.1", "q_0.5", "q_0.9", "q_0.975"]


def test_every_model_gives_seeded_finite_sample_paths(registered) -> None:
    from forecast.models.paths import path_method, sample_paths

    name, model = registered
    paths = sample_paths(model, 4, 40, seed=5)
    assert paths.shape == (40, 4) and np.isfinite(paths).all(), name
    np.testing.assert_array_equal(paths, sample_paths(model, 4, 40, seed=5))
    assert path_method(model), name


# --- global models: quantiles from their bands --------------------------------------------


def test_global_tree_quantiles_are_its_quantile_models_bounds() -> None:
    from forecast.models.quantiles import global_quantiles
    from forecast.models.trees.model import TreeForecaster
    from tests.models.trees.test_model import SMALL, panel

    series = panel()
    model = TreeForecaster("lightgbm", {**SMALL, "objective": "quantile"})
    model.fit(series, calibrate_steps=6, levels=(50, 90))
    found = global_quantiles(model, 6, (0.05, 0.25, 0.5, 0.75, 0.95))
    forecasts = model.predict(6, (50, 90))
    assert set(found) == {sid for sid, _ in series}
    for sid, q in found.items():
        f = forecasts[sid]
        assert not isinstance(q, str) and not isinstance(f, str)
        expected = [f.lower(90), f.lower(50), f.mean, f.upper(50), f.upper(90)]
        np.testing.assert_array_equal(q.values, expected)
    with pytest.raises(UsageError, match="trained for the levels 50, 90"):
        global_quantiles(model, 6, (0.1,))


def test_backtest_batches_give_the_quantiles_of_each_origin() -> None:
    # forecast_from's last origin is the end of the training data: its Gaussian quantiles are
    # predict's (the same Kalman moments; 1e-9 of the sd as above)
    model = create("arima", {"order": "1,1,1"}).fit(SEASONAL)
    probs = (0.05, 0.5, 0.9)
    origins = np.array([40, 55, SEASONAL.size - 1])
    batch = model.forecast_from(SEASONAL, origins, 5, band_levels(probs))
    q = quantiles_from_bands(batch, probs)
    assert q.shape == (3, 3, 5)
    _, sd = model._moments(5)
    exact = forecast_quantiles(model, 5, probs).values
    np.testing.assert_allclose(q[:, -1, :], exact, rtol=0, atol=1e-9 * sd.min())
    assert (np.diff(q, axis=0) >= 0).all()
