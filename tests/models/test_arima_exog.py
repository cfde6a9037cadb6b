"""Regression with ARIMA errors (``exog``): against R's arima(xreg=) and statsmodels SARIMAX."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from forecast.errors import InputError, UsageError
from forecast.models.base import BaseForecaster
from forecast.models.registry import get_spec
from tests.conftest import DATA


def lakehuron() -> tuple[pd.Series, pd.DataFrame]:
    frame = pd.read_csv(DATA / "lakehuron.csv")
    index = pd.date_range("1875", periods=len(frame), freq="YS")
    y = pd.Series(frame["level_ft"].to_numpy(float), index=index)
    x = pd.DataFrame({"trend": (frame["year"] - 1920).to_numpy(float)}, index=index)
    return y, x


def test_lakehuron_matches_r_arima_xreg() -> None:
    # R ?arima: arima(LakeHuron, order = c(2,0,0), xreg = time(LakeHuron) - 1920)
    # coef ar1 1.0048 ar2 -0.2913 intercept 579.0993 xreg -0.0216,
    # s.e. 0.0976 0.1004 0.2370 0.0081; sigma^2 0.4566, loglik -101.2, aic 212.4
    y, x = lakehuron()
    model = get_spec("arima").create({"order": (2, 0, 0)}).fit(y, x)
    summary = model.summary()
    coef = {c.name: c for c in summary.coefficients}
    assert set(coef) == {"const", "trend", "ar.L1", "ar.L2", "sigma2"}
    expected = {
        "ar.L1": (1.0048, 0.0976),
        "ar.L2": (-0.2913, 0.1004),
        "const": (579.0993, 0.2370),
        "trend": (-0.0216, 0.0081),
    }
    # the intercept is flat in the likelihood (s.e. 0.237): its 4th decimal depends on the
    # optimiser's stopping rule (R's optim: reltol 1e-8); ours, converged further, is
    # 579.09945 at a log-likelihood higher by ~2e-7
    digits = {"const": 2e-4}
    for name, (value, se) in expected.items():
        assert coef[name].value == pytest.approx(value, abs=digits.get(name, 1e-4)), name
        assert coef[name].se == pytest.approx(se, abs=2e-4), name
    assert summary.stats["sigma2"] == pytest.approx(0.4566, abs=1e-4)
    assert summary.stats["loglik"] == pytest.approx(-101.2, abs=0.05)
    assert summary.stats["aic"] == pytest.approx(212.4, abs=0.05)
    assert "regression with ARIMA errors" in summary.extra["estimation"]


def _simulated(n: int = 160, seed: int = 3) -> tuple[pd.Series, pd.DataFrame]:
    """y = 2 price - 5 promo + u, u ARIMA(1,1,1)."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2015-01-05", periods=n, freq="W-MON")
    price = 10 + np.cumsum(rng.normal(0, 0.3, n))
    promo = (rng.random(n) < 0.2).astype(float)
    e = rng.normal(0, 1, n)
    w = np.zeros(n)
    for t in range(1, n):
        w[t] = 0.5 * w[t - 1] + e[t] + 0.3 * e[t - 1]
    u = np.cumsum(w)
    y = pd.Series(2 * price - 5 * promo + u, index=index)
    return y, pd.DataFrame({"price": price, "promo": promo}, index=index)


def _sarimax(y: np.ndarray, x: np.ndarray, order: tuple[int, int, int]):  # type: ignore[no-untyped-def]
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    return SARIMAX(y, exog=x, order=order, trend="n", use_exact_diffuse=True)


def test_matches_statsmodels_sarimax_exog() -> None:
    y, x = _simulated()
    h = 8
    fit_y, fit_x, future_x = y.iloc[:-h], x.iloc[:-h], x.iloc[-h:]
    model = get_spec("arima").create({"order": (1, 1, 1)}).fit(fit_y, fit_x)
    ref_model = _sarimax(fit_y.to_numpy(), fit_x.to_numpy(), (1, 1, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # tightly converged (the estimates then agree to ~1e-9; statsmodels' default stopping
        # rule alone leaves differences near 1e-5)
        ref = ref_model.fit(disp=False, maxiter=5000, pgtol=1e-10, factr=10)
    ours = {c.name: c.value for c in model.summary().coefficients}
    names = {"x1": "price", "x2": "promo"}
    for name, value in zip(ref_model.param_names, ref.params, strict=True):
        assert ours[names.get(name, name)] == pytest.approx(value, abs=1e-6), name
    assert ours["price"] == pytest.approx(2.0, abs=0.3)
    assert ours["promo"] == pytest.approx(-5.0, abs=0.5)
    # statsmodels' exact diffuse start counts -log(2 pi)/2 for each diffuse observation; the
    # summary reports R's convention (the n - d differenced observations only), as the
    # models without regressors do
    burn = 0.5 * np.log(2 * np.pi) * ref.nobs_diffuse
    assert ref.nobs_diffuse == 1
    assert model.summary().stats["loglik"] == pytest.approx(ref.llf + burn, abs=1e-6)

    # forecasts and intervals at our parameters: SARIMAX filtered at the same values
    params = np.array([ours[names.get(n, n)] for n in ref_model.param_names])
    at_ours = ref_model.filter(params)
    assert model.summary().stats["loglik"] == pytest.approx(at_ours.llf + burn, abs=1e-6)
    forecast = model.predict(h, (90,), future_x)
    expected = at_ours.get_forecast(h, exog=future_x.to_numpy())
    np.testing.assert_allclose(forecast.mean, expected.predicted_mean, atol=1e-6)
    interval = np.asarray(expected.conf_int(alpha=0.10))
    np.testing.assert_allclose(forecast.lower(90), interval[:, 0], atol=1e-6)
    np.testing.assert_allclose(forecast.upper(90), interval[:, 1], atol=1e-6)
    # no regressor effect would give a different forecast: the test can fail
    assert not np.allclose(forecast.mean, model.predict(h, (), future_x * 0).mean, atol=1e-3)


def test_update_and_model_file_match_sarimax_on_all_data() -> None:
    y, x = _simulated(seed=7)
    h, new = 6, 12
    model = (
        get_spec("arima").create({"order": (1, 1, 1)}).fit(y.iloc[: -h - new], x.iloc[: -h - new])
    )
    meta, arrays = model.get_state()
    assert meta["exog"] == ["price", "promo"] and arrays["exog"].shape == (y.size - h - new, 2)
    reloaded = type(model).from_state(meta, arrays)
    model.update(y.iloc[-h - new : -h], x.iloc[-h - new : -h])
    reloaded.update(y.iloc[-h - new : -h], x.iloc[-h - new : -h])
    ours = {c.name: c.value for c in model.summary().coefficients}
    ref_model = _sarimax(y.iloc[:-h].to_numpy(), x.iloc[:-h].to_numpy(), (1, 1, 1))
    params = np.array(
        [ours.get({"x1": "price", "x2": "promo"}.get(n, n)) for n in ref_model.param_names]
    )
    expected = ref_model.filter(params).get_forecast(h, exog=x.iloc[-h:].to_numpy())
    for fitted in (model, reloaded):
        got = fitted.predict(h, (80,), x.iloc[-h:])
        np.testing.assert_allclose(got.mean, expected.predicted_mean, atol=1e-6)
        assert got.index[0] == y.index[-h]


def test_forecast_from_matches_one_model_per_origin() -> None:
    y, x = _simulated(n=120, seed=11)
    model = get_spec("arima").create({"order": (1, 1, 1)}).fit(y.iloc[:80], x.iloc[:80])
    origins = np.array([79, 90, 104])
    fast = model.forecast_from(y, origins, 4, (80,), exog=x)
    slow = BaseForecaster.forecast_from(model, y, origins, 4, (80,), exog=x)
    np.testing.assert_allclose(fast.mean, slow.mean, atol=1e-8)
    np.testing.assert_allclose(fast.bands[80][0], slow.bands[80][0], atol=1e-8)


@pytest.mark.parametrize(
    ("name", "params"),
    [("ar", {"p": 1}), ("arma", {"p": 1, "q": 1}), ("sarima", {"seasonal_order": (1, 0, 0, 4)})],
)
def test_other_arima_models_take_regressors(name: str, params: dict) -> None:
    y, x = _simulated(n=100, seed=5)
    dy = y.diff().iloc[1:]
    dx = x.iloc[1:]
    model = get_spec(name).create(params).fit(dy, dx)
    names = [c.name for c in model.summary().coefficients]
    assert "price" in names and "promo" in names
    promo = next(c for c in model.summary().coefficients if c.name == "promo")
    assert promo.se is not None and promo.se > 0
    assert model.predict(3, (80,), x.iloc[:3]).mean.shape == (3,)


def test_auto_arima_with_regressors() -> None:
    y, x = lakehuron()
    model = get_spec("auto-arima").create({}).fit(y, x)
    summary = model.summary()
    assert "trend" in [c.name for c in summary.coefficients]
    assert "estimated jointly" in summary.extra["selection"]


def test_models_without_regressors_refuse_them() -> None:
    y, x = lakehuron()
    for name in ("ets", "naive", "theta", "mstl"):
        with pytest.raises(UsageError, match="cannot use regressors"):
            get_spec(name).create({}).fit(y, x)
    with pytest.raises(UsageError, match="method=mle"):
        get_spec("ar").create({"p": 1, "method": "ols"}).fit(y, x)


def test_predict_needs_the_future_regressors() -> None:
    y, x = lakehuron()
    model = get_spec("arima").create({"order": (1, 0, 0)}).fit(y, x)
    with pytest.raises(UsageError, match="--future"):
        model.predict(3)
    with pytest.raises(InputError, match="rows"):
        model.predict(3, (), x.iloc[:2])
    bad = x.iloc[:3].copy()
    bad.iloc[1, 0] = np.nan
    with pytest.raises(InputError, match="'trend' is missing"):
        model.predict(3, (), bad)
    plain = get_spec("arima").create({"order": (1, 0, 0)}).fit(y)
    with pytest.raises(UsageError, match="without regressors"):
        plain.predict(3, (), x.iloc[:3])


def test_drift_and_regressors_are_told_apart() -> None:
    """trend=t with d=1: statsmodels names the drift x1 and the regressors x2, x3 (our summary
    calls the drift "drift" and the regressors by their columns); the drift must stay in the
    ARIMA part and the forecasts equal statsmodels' at the same parameters."""
    from statsmodels.tsa.arima.model import ARIMA

    y, x = _simulated(seed=13)
    h = 5
    model = (
        get_spec("arima").create({"order": (1, 1, 0), "trend": "t"}).fit(y.iloc[:-h], x.iloc[:-h])
    )
    coef = {c.name: c.value for c in model.summary().coefficients}
    assert set(coef) == {"drift", "price", "promo", "ar.L1", "sigma2"}
    assert coef["price"] > 1 and coef["promo"] < -3  # true 2 and -5 (the errors are ARIMA(1,1,1))
    reference = ARIMA(
        y.iloc[:-h].to_numpy(), exog=x.iloc[:-h].to_numpy(), order=(1, 1, 0), trend="t"
    )
    reference.use_exact_diffuse = True
    reference.initialize_default()
    params = [coef["drift"], coef["price"], coef["promo"], coef["ar.L1"], coef["sigma2"]]
    expected = reference.filter(params).get_forecast(h, exog=x.iloc[-h:].to_numpy())
    np.testing.assert_allclose(
        model.predict(h, (), x.iloc[-h:]).mean, expected.predicted_mean, atol=1e-6
    )


def test_the_named_list_of_models_with_regressors_is_the_registry_s() -> None:
    """The refusal message names the models that take regressors: exactly those whose class
    says so."""
    from forecast.models.base import EXOG_MODELS
    from forecast.models.registry import REGISTRY

    takes = {name for name, spec in REGISTRY.items() if spec.factory().supports_exog}
    assert set(EXOG_MODELS) == takes
