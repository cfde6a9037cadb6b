"""The Theta variants (stm, otm, dstm, dotm, auto) against statsforecast 2.1.1, statsmodels and
Hyndman & Billah's formulas.

statsforecast's fits and forecasts are in theta_reference.json (made by
make_theta_reference.py in statsforecast's own venv): at statsforecast's own parameters our
kernels give its loss and forecasts to rounding; our estimates are the loss's exact minimum,
which statsforecast's Nelder-Mead approaches (its loss is never lower than ours), and the
forecasts agree to what that loss gap allows.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.models import theta_kernels as kern
from forecast.models.theta import (
    MODELS,
    Theta,
    classical_indices,
    deseasonalise,
    seasonality_found,
    simulated_bands,
)

REFERENCE = json.loads((Path(__file__).parent / "theta_reference.json").read_text())
CASES = REFERENCE["cases"]
HORIZON = REFERENCE["horizon"]
VARIANT = {
    "Theta": "stm",
    "OptimizedTheta": "otm",
    "DynamicTheta": "dstm",
    "DynamicOptimizedTheta": "dotm",
    "AutoTheta": "auto",
}
PAIRS = [(case, cls) for case in CASES for cls in VARIANT]
# Our kernels repeat statsforecast's arithmetic in its order; what differs is the classical
# decomposition's moving average (numpy's convolution here, scipy's in statsmodels: another
# summation order, ~1e-16 relative per index), which reaches the forecasts multiplied by the
# indices and through the data: 1e-10 leaves five orders of magnitude (measured 7e-16).
AT_REFERENCE = 1e-10


def _series(case: str) -> pd.Series:
    values = np.asarray(CASES[case]["y"], dtype="float64")
    freq = {12: "MS", 4: "QS"}.get(CASES[case]["m"], "YS")
    return pd.Series(values, index=pd.date_range("1900-01-01", periods=values.size, freq=freq))


def _period(case: str) -> int:
    return int(CASES[case]["m"])


def _adjusted(case: str) -> tuple[np.ndarray, np.ndarray, str]:
    return deseasonalise(_series(case).to_numpy(), _period(case))


def _reseasonalise(values: np.ndarray, indices: np.ndarray, method: str, n: int) -> np.ndarray:
    if method == "none":
        return values
    season = indices[(n + np.arange(values.size)) % indices.size]
    return values * season if method == "mul" else values + season


@pytest.mark.parametrize("case", list(CASES))
def test_decomposition_is_statsforecasts(case: str) -> None:
    """The seasonality test's verdict and the decomposition type statsforecast chose."""
    _, _, method = _adjusted(case)
    expected = CASES[case]["fits"]["Theta"]["decomposition"]
    assert {"mul": "multiplicative", "add": "additive"}.get(method, "none") == expected


@pytest.mark.parametrize(("m", "multiplicative"), [(12, True), (12, False), (5, True), (7, False)])
def test_classical_indices_equal_statsmodels(m: int, multiplicative: bool) -> None:
    """statsmodels' seasonal_decompose: same moving average and phase means, another
    summation order: 1e-12 is 1e4 ulps."""
    from statsmodels.tsa.seasonal import seasonal_decompose

    y = np.asarray(CASES["airpassengers"]["y"][:100])
    model = "multiplicative" if multiplicative else "additive"
    reference = seasonal_decompose(y, model=model, period=m).seasonal[:m]
    ours = classical_indices(y, m, multiplicative)
    np.testing.assert_allclose(ours, reference, rtol=1e-12, atol=1e-12 * np.max(np.abs(y)))


@pytest.mark.parametrize("case", list(CASES))
def test_seasonality_test_is_the_published_one(case: str) -> None:
    """|r_m| > 1.645 sqrt((1 + 2 sum_{k<m} r_k^2) / n), r from statsmodels' acf."""
    from statsmodels.tsa.stattools import acf

    y, m = _series(case).to_numpy(), _period(case)
    expected = False
    if m >= 4 and y.size >= 2 * m:
        r = acf(y, nlags=m, fft=False)[1:]
        expected = abs(r[-1]) / math.sqrt((1 + 2 * np.sum(r[:-1] ** 2)) / y.size) > 1.6448536
    assert seasonality_found(y, m) == expected


@pytest.mark.parametrize(("case", "cls"), PAIRS)
def test_at_statsforecasts_parameters_the_loss_and_forecasts_are_its(case: str, cls: str) -> None:
    fit = CASES[case]["fits"][cls]
    adjusted, indices, method = _adjusted(case)
    dynamic = MODELS[fit["modeltype"].lower()][0]
    par = fit["par"]
    w = 1 - 1 / par["theta"]
    _, state, loss = kern.filter_states(adjusted, dynamic, par["initial_smoothed"], par["alpha"], w)
    assert loss == pytest.approx(fit["mse"], rel=AT_REFERENCE)
    mean = kern.forecast(state, adjusted.size, dynamic, par["alpha"], w, HORIZON)
    mean = _reseasonalise(mean, indices, method, adjusted.size)
    np.testing.assert_allclose(mean, fit["mean"], rtol=AT_REFERENCE)


@pytest.mark.parametrize(("case", "cls"), PAIRS)
def test_at_statsforecasts_parameters_and_sigma_the_bounds_are_its(case: str, cls: str) -> None:
    """statsforecast's simulated bounds, from its parameters and its sigma (the errors
    reseasonalised). The paths are float32: where the float64 arithmetic before a rounding
    differs in its last bits (numba's integer powers are products, numpy's call pow), a path
    value can round to the neighbouring float32, moving a quantile by one float32 ulp of the
    paths' magnitude (6e-8 of it); 8 ulps of the largest bound is the tolerance (measured: at
    most one)."""
    fit = CASES[case]["fits"][cls]
    adjusted, indices, method = _adjusted(case)
    n, dynamic, par = adjusted.size, MODELS[fit["modeltype"].lower()][0], fit["par"]
    e, state, _ = kern.filter_states(
        adjusted, dynamic, par["initial_smoothed"], par["alpha"], 1 - 1 / par["theta"]
    )
    if method != "none":
        season = indices[np.arange(n) % indices.size]
        e = e * season if method == "mul" else e + season
    sigma = float(np.std(e[3:], ddof=1))
    params = (par["alpha"], par["theta"])
    bands = simulated_bands(state, n, params, sigma, float(np.mean(adjusted)), HORIZON, (80, 95))
    for level, (lower, upper) in bands.items():
        lower = _reseasonalise(lower, indices, method, n)
        upper = _reseasonalise(upper, indices, method, n)
        peak = np.max(np.abs(np.r_[fit[f"lo_{level}"], fit[f"hi_{level}"]]))
        ulps = 8 * float(np.finfo(np.float32).eps) * peak
        np.testing.assert_allclose(lower, fit[f"lo_{level}"], rtol=0, atol=ulps)
        np.testing.assert_allclose(upper, fit[f"hi_{level}"], rtol=0, atol=ulps)


@pytest.mark.parametrize(("case", "cls"), PAIRS)
def test_our_fit_is_the_minimum_statsforecast_approaches(case: str, cls: str) -> None:
    """Our loss is the exact minimum (least squares in l0 and theta, a 1e-10 search in alpha):
    never above statsforecast's. Its Nelder-Mead stops when its simplex's losses agree to 1e-4
    in the data's units, at a loss L (1 + g) above ours (g from 4e-8 to 8e-2 here: far from
    the minimum where the loss is flat in l0 or theta). Near a minimum the loss is quadratic,
    so that gap leaves the parameters O(sqrt(g)) off (alpha and w = 1 - 1/theta on their unit
    ranges, l0 and the level relative to the data's scale); the forecast h steps ahead is the
    level plus h times a slope, so it moves by O(h sqrt(g)) of the data's RMS: the tolerance,
    per series, model and step. Where AutoTheta chose another model than ours (its stop
    decided a near tie), the losses alone are compared."""
    fit = CASES[case]["fits"][cls]
    model = Theta(period=_period(case), variant=VARIANT[cls]).fit(_series(case))
    loss = model._filtered()[2]
    assert loss <= fit["mse"] * (1 + 1e-12)
    if cls == "AutoTheta" and model.variant_ != fit["modeltype"].lower():
        return
    gap = (fit["mse"] - loss) / loss
    forecast = model.predict(HORIZON).mean
    rms = math.sqrt(float(np.mean(_series(case).to_numpy() ** 2)))
    steps = np.arange(1, HORIZON + 1)
    assert np.all(np.abs(forecast - fit["mean"]) <= steps * math.sqrt(gap) * rms + 1e-9 * rms)


@pytest.mark.parametrize("case", list(CASES))
def test_auto_takes_the_least_loss_of_the_four(case: str) -> None:
    losses = {
        name: Theta(period=_period(case), variant=name).fit(_series(case))._filtered()[2]
        for name in MODELS
    }
    auto = Theta(period=_period(case), variant="auto").fit(_series(case))
    assert auto.variant_ == min(losses, key=losses.__getitem__)
    # theta = 2 is one of the optimised models' choices: they never fit worse
    assert losses["otm"] <= losses["stm"] * (1 + 1e-12)
    assert losses["dotm"] <= losses["dstm"] * (1 + 1e-12)


def _brute_force_alpha(y: np.ndarray, dynamic: bool, free: bool) -> float:
    """The loss's minimum over a fine alpha grid (step 1e-4), slowly and obviously."""
    a, b, _ = kern.trend_states(y, dynamic)
    grid = np.linspace(kern.ALPHA_LOW, kern.ALPHA_HIGH, 8901)
    return min(kern.profile(y, float(x), a, b, 0.5, free)[0] for x in grid)


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("case", ["nile", "airpassengers", "quarterly_mul_trend"])
def test_the_search_finds_the_grid_minimum(case: str, name: str) -> None:
    """At least as low as the minimum over a 1e-4 grid of alpha (where the loss is smooth, the
    search's 1e-10 interval is below it)."""
    adjusted, _, _ = _adjusted(case)
    dynamic, free = MODELS[name]
    alpha, level0, w = kern.fit(adjusted, dynamic, free, 0.5)
    loss = kern.filter_states(adjusted, dynamic, level0, alpha, w)[2]
    scale = max(float(np.mean(np.abs(adjusted))), 1e-10)
    assert loss * scale <= _brute_force_alpha(adjusted, dynamic, free) * (1 + 1e-12)


@pytest.mark.parametrize("variant", ["stm", "otm"])
@pytest.mark.parametrize("case", ["nile", "airpassengers", "random_walk_drift"])
def test_standard_models_are_statsmodels_theta_model(case: str, variant: str) -> None:
    """STM (and OTM) is Hyndman & Billah's SES with drift: statsmodels' ThetaModelResults
    forecast, at our alpha and theta, its own OLS slope b0 and the SES level started at
    l0 + (1 - 1/theta)(A + B) (the initial level the model estimates where statsmodels takes the
    first observation), gives our forecast on the deseasonalised data. Both are a few dozen
    floating-point operations on data of order 1e2 to 1e3: 1e-8 is far above their rounding."""
    from statsmodels.tsa.forecasting.theta import ThetaModel
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    y = _series(case)
    model = Theta(period=_period(case), variant=variant).fit(y)
    adjusted = model._adjusted()
    a, b, _ = kern.trend_states(adjusted, False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ThetaModel(adjusted, period=1, deseasonalize=False).fit()
        start = model.level0_ + (1 - 1 / model.theta_) * (a[0] + b[0])
        ses = ExponentialSmoothing(adjusted, initial_level=start, initialization_method="known")
        one_step = ses.fit(smoothing_level=model.alpha_, optimized=False).forecast(1)[0]
    assert b[0] == pytest.approx(float(result.params["b0"]), rel=1e-10)  # the OLS slope
    result._alpha, result._one_step = model.alpha_, float(one_step)
    theirs = np.asarray(result.forecast(HORIZON, theta=model.theta_))
    ours = kern.forecast(
        model._filtered()[1], adjusted.size, False, model.alpha_, 1 - 1 / model.theta_, HORIZON
    )
    np.testing.assert_allclose(ours, theirs, rtol=1e-8)


def test_stm_is_the_hyndman_billah_formula() -> None:
    """x_{n+h} = l'_n + b0/2 (h - 1 + (1 - (1 - alpha)^n) / alpha), with b0 the OLS slope on
    time and l'_n SES started at l0 + (A + B)/2, computed by hand (Hyndman & Billah 2003, eq.
    for theta = 2)."""
    y = _series("nile").to_numpy()
    model = Theta(variant="stm").fit(_series("nile"))
    n, alpha = y.size, model.alpha_
    t = np.arange(1, n + 1)
    b0 = np.polyfit(t, y, 1)[0]
    intercept = np.mean(y) - b0 * np.mean(t)
    level = model.level0_ + 0.5 * (intercept + b0)  # A + B: the line at t = 1
    for value in y:
        level = alpha * value + (1 - alpha) * level
    h = np.arange(1, 7)
    expected = level + 0.5 * b0 * (h - 1 + (1 - (1 - alpha) ** n) / alpha)
    np.testing.assert_allclose(model.predict(6).mean, expected, rtol=1e-10)


@pytest.mark.parametrize("variant", list(MODELS))
def test_update_runs_the_states_on_at_fixed_parameters(variant: str) -> None:
    """update = the states run over all the data at the fitted (alpha, l0, theta) and indices."""
    y = _series("airpassengers")
    model = Theta(period=12, variant=variant).fit(y.iloc[:120])
    params = (model.alpha_, model.level0_, model.theta_)
    model.update(y.iloc[120:])
    values = y.to_numpy()
    season = model.seasonal_[np.arange(values.size) % 12]
    adjusted = values / season if model.method_ == "mul" else values - season
    dynamic = MODELS[variant][0]
    _, state, _ = kern.filter_states(adjusted, dynamic, params[1], params[0], 1 - 1 / params[2])
    expected = kern.forecast(state, values.size, dynamic, params[0], 1 - 1 / params[2], 5)
    expected = _reseasonalise(expected, model.seasonal_, model.method_, values.size)
    np.testing.assert_allclose(model.predict(5).mean, expected, rtol=1e-12)


def test_model_file_round_trip_and_files_from_before_the_variants() -> None:
    y = _series("airpassengers")
    model = Theta(period=12, variant="auto").fit(y)
    meta, arrays = model.get_state()
    again = Theta.from_state(meta, arrays).predict(6, (80, 95))
    first = model.predict(6, (80, 95))
    np.testing.assert_array_equal(again.mean, first.mean)
    np.testing.assert_array_equal(again.lower(95), first.lower(95))
    old = Theta(period=12, variant="ses-drift").fit(y)
    meta, arrays = old.get_state()
    meta = {**meta, "params": {"period": 12, "theta": 2.0}}  # a file from before `variant`
    meta["fitted"] = {k: meta["fitted"][k] for k in ("b0", "alpha", "sigma2", "method")}
    restored = Theta.from_state(meta, arrays)
    assert restored.variant_ == "ses-drift"
    np.testing.assert_array_equal(restored.predict(6).mean, old.predict(6).mean)


@pytest.mark.parametrize("variant", ["stm", "dotm", "auto"])
def test_scaling_the_data_scales_the_fit(variant: str) -> None:
    """The loss is minimised exactly (least squares; a search in alpha, which is unitless), so
    c * y gives c times the forecasts; the bounds use the same seeded draws scaled by sigma.
    1e-7: the alpha search stops within 1e-10 and the data differ by rounding; the bounds'
    paths are float32 (statsforecast's dtype, 6e-8 a rounding, one per step and path): 1e-6."""
    y = _series("airpassengers")
    base = Theta(period=12, variant=variant).fit(y).predict(8, (80, 95))
    for c in (1e-9, 3.7e6):
        scaled = Theta(period=12, variant=variant).fit(y * c).predict(8, (80, 95))
        np.testing.assert_allclose(scaled.mean / c, base.mean, rtol=1e-7)
        np.testing.assert_allclose(scaled.upper(95) / c, base.upper(95), rtol=1e-6)


def test_an_unknown_variant_is_refused() -> None:
    from forecast.errors import UsageError

    with pytest.raises(UsageError, match="variant must be one of"):
        Theta(variant="best").fit(_series("nile"))
