"""ETS against R's forecast::ets (published values) and the guard rails.

R values: statsmodels' tsa/tests/results/fit_ets_results_{seasonal,nonseasonal}.json, written
by statsmodels' fit_ets.R with R's forecast package: ``ets(austourists, model=..., damped=...)``
and ``ets(oil, ...)`` (fpp2 data), ``fit$loglik`` and ``forecast(fit, 4)$mean``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.models.ets import Ets, EtsForm, candidate_forms, point_forecast, r_loglik, smoothed

# fpp2::austourists, 1999 Q1 - 2015 Q4 (as in statsmodels' test_exponential_smoothing.py)
AUSTOURISTS = [
    30.05251300, 19.14849600, 25.31769200, 27.59143700, 32.07645600, 23.48796100, 28.47594000,
    35.12375300, 36.83848500, 25.00701700, 30.72223000, 28.69375900, 36.64098600, 23.82460900,
    29.31168300, 31.77030900, 35.17787700, 19.77524400, 29.60175000, 34.53884200, 41.27359900,
    26.65586200, 28.27985900, 35.19115300, 42.20566386, 24.64917133, 32.66733514, 37.25735401,
    45.24246027, 29.35048127, 36.34420728, 41.78208136, 49.27659843, 31.27540139, 37.85062549,
    38.83704413, 51.23690034, 31.83855162, 41.32342126, 42.79900337, 55.70835836, 33.40714492,
    42.31663797, 45.15712257, 59.57607996, 34.83733016, 44.84168072, 46.97124960, 60.01903094,
    38.37117851, 46.97586413, 50.73379646, 61.64687319, 39.29956937, 52.67120908, 54.33231689,
    66.83435838, 40.87118847, 51.82853579, 57.49190993, 65.25146985, 43.06120822, 54.76075713,
    59.83447494, 73.25702747, 47.69662373, 61.09776802, 66.05576122,
]  # fmt: skip
# fpp2::oil, 1965 - 2013
OIL = [
    111.0091346, 130.8284341, 141.2870879, 154.2277747, 162.7408654, 192.1664835, 240.7997253,
    304.2173901, 384.0045673, 429.6621566, 359.3169299, 437.2518544, 468.4007898, 424.4353365,
    487.9794299, 509.8284478, 506.3472527, 340.1842374, 240.2589210, 219.0327876, 172.0746632,
    252.5900922, 221.0710774, 276.5187735, 271.1479517, 342.6186005, 428.3558357, 442.3945534,
    432.7851482, 437.2497186, 437.2091599, 445.3640981, 453.1950104, 454.4096410, 422.3789058,
    456.0371217, 440.3866047, 425.1943725, 486.2051735, 500.4290861, 521.2759092, 508.9476170,
    488.8888577, 509.8705750, 456.7229123, 473.8166029, 525.9508706, 549.8338076, 542.3404698,
]  # fmt: skip

# R: (alpha, beta, gamma, phi) + initstate (l, b, s_-1, ..., s_-m), loglik, forecast(fit, 4)$mean
R_FITS = {
    ("austourists", EtsForm("mul", "add", "mul", 4)): (
        [0.31562139, 0.00010001, 0.00010005],
        [24.74993982, 0.51242558, 1.03713388, 0.95960345, 0.77017133, 1.23309134],
        -195.75179425,
        [77.58807372, 48.8558019, 61.36513172, 66.85524201],
    ),
    ("austourists", EtsForm("add", "damped", "add", 4)): (
        [0.35445427, 0.03200749, 0.39993387, 0.97999997],
        [24.01278357, 0.97770147, 1.76951063, -0.50735902, -6.61171798, 5.34956637],
        -200.02361522,
        [76.07768073, 51.61741109, 63.96457729, 68.27886241],
    ),
    ("oil", EtsForm("add", "add", "none", 1)): (
        [0.99770564, 0.0001001],
        [21.3150686, 11.71213626],
        -285.64745013,
        [554.09126495, 565.79806815, 577.50487134, 589.21167453],
    ),
}
DATA = {"austourists": np.array(AUSTOURISTS), "oil": np.array(OIL)}


def quarterly(values: list[float]) -> pd.Series:
    return pd.Series(values, index=pd.date_range("1999-03-31", periods=len(values), freq="QE"))


@pytest.mark.parametrize("case", list(R_FITS), ids=lambda c: f"{c[0]}-{c[1].label}")
def test_forecasts_and_loglik_at_r_parameters_equal_r(case) -> None:
    data, form = case
    smoothing, initial, loglik, expected = R_FITS[case]
    params = np.array(smoothing + initial)
    y = DATA[data]
    np.testing.assert_allclose(point_forecast(form, params, y, 4), expected, rtol=1e-3)
    result = smoothed(form, params, y)
    assert r_loglik(float(result.llf), y.size) == pytest.approx(loglik, rel=1e-5)


@pytest.mark.slow
def test_auto_selects_r_choice_with_an_aicc_at_least_as_good() -> None:
    """R's AICc of its fits on austourists, from the loglik above and R's parameter count:
    ETS(M,A,M) 412.607 is the smallest of the models auto selection considers."""
    model = Ets().fit(quarterly(AUSTOURISTS))
    summary = model.summary()
    assert summary.description == "ETS(M,A,M)"
    assert summary.stats["aicc"] <= 412.607 + 1e-3
    assert summary.stats["n_params"] == 9  # alpha, beta, gamma, l, b, 3 seasons, sigma (as R)


def test_multiplicative_models_need_positive_data() -> None:
    y = np.r_[np.array(AUSTOURISTS[:20]), 0.0]
    forms = candidate_forms(y, 4, "auto", "auto", "auto")
    assert forms and all("mul" not in (f.error, f.season) for f in forms)
    positive = candidate_forms(np.array(AUSTOURISTS), 4, "auto", "auto", "auto")
    assert len(positive) == 15  # 2 x 3 x 3 less the 3 additive-error, multiplicative-season ones
    assert not any(f.error == "add" and f.season == "mul" for f in positive)


def test_a_period_above_24_fits_without_season_and_says_so() -> None:
    rng = np.random.default_rng(0)
    y = pd.Series(
        50 + 5 * np.sin(np.arange(120) * 2 * np.pi / 52) + rng.normal(0, 1, 120),
        index=pd.date_range("2020-01-05", periods=120, freq="W-SUN"),
    )
    model = Ets(period=52).fit(y)
    assert model.form_.season == "none"
    assert any("above 24" in note for note in model.summary().notes)


# A heavy-tailed positive series (exp of N(0, 3^2)) on which statsmodels' ETS(M,A,M) with
# period 12 ends in forecasts of -4e4 for data in [0.0008, 725].
PATHOLOGICAL = [
    0.2279, 0.5206, 0.2378, 10.78, 6.7, 3.704, 1.598, 724.6, 2.588, 0.003976, 0.01529, 0.01839,
    0.2966, 0.01262, 1.046, 0.01582, 0.8594, 0.1594, 4.338, 1.441, 0.06015, 186.1, 0.03735, 0.2107,
    0.01691, 16.89, 15.33, 0.747, 0.0007703, 9.406, 178.0, 0.07549, 3.859, 13.42,
]  # fmt: skip


@pytest.mark.slow
def test_a_diverged_fit_falls_back_instead_of_printing_absurd_forecasts() -> None:
    y = pd.Series(PATHOLOGICAL, index=pd.date_range("2000-01-01", periods=34, freq="MS"))
    raw = Ets(error="mul", trend="add", season="mul", period=12)
    model = raw.fit(y)
    notes = " ".join(model.summary().notes)
    assert "ETS(M,A,M): absurd forecasts" in notes and "fell back to ETS(A,N,N)" in notes
    assert model.summary().description == "ETS(A,N,N)"
    forecast = model.predict(24, [95])
    assert np.all(np.abs(forecast.mean) < 10 * max(PATHOLOGICAL))
    auto = Ets(period=12).fit(y)
    assert np.all(np.abs(auto.predict(24).mean) < 10 * max(PATHOLOGICAL))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ets", "ensemble"])
def test_a_constant_series_with_one_spike_gets_bounds_on_the_data_scale(name) -> None:
    """Ones with a single 100 (issue 24: bounds of 1e9 here, 1e14 on another such series):
    AICc chose a multiplicative-error model whose relative error at the spike is 99, and
    its simulated paths (1 + e with e ~ N(0, 16^2)) crossed zero and exploded. Such a model is
    now rejected (relative-error RMS above 1/3), and the bounds stay within ten times the
    data's range of it."""
    from forecast.models.registry import create

    y = pd.Series(np.ones(36), index=pd.date_range("2020-01-01", periods=36, freq="D"))
    y.iloc[18] = 100.0
    model = create(name, {}).fit(y)
    forecast = model.predict(7, [95])
    assert np.all(np.abs(forecast.lower(95)) < 10 * 100) and np.all(forecast.upper(95) < 10 * 100)
    if name == "ets":
        assert "relative errors of" in " ".join(model.summary().notes)
