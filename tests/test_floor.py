"""The floor of a forecast (issue 29): explicit, automatic for non-negative intermittent
series, always 0 for the intermittent models; applied once, after conformal intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from forecast.data import SeriesData
from forecast.errors import ForecastError
from forecast.fitting.series import choose_floor, constant_value, fit_model


def _series(values: np.ndarray) -> SeriesData:
    index = pd.date_range("2020-01-06", periods=len(values), freq="W-MON")
    y = pd.Series(values, index=index)
    y.attrs["freq"] = "W-MON"
    return SeriesData(y, "W-MON", "test", "date", "value", "error")


def test_choose_floor_rules() -> None:
    inter = np.array([0.0, 0.0, 0.0, 2.0, 0.0, 1.0, 0.0, 0.0, 3.0, 0.0])  # 70 % zeros
    assert choose_floor(inter, "naive", None)[0] == 0.0
    assert choose_floor(inter, "naive", -2.0) == (-2.0, None)  # given: no note
    few = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])  # 10 % zeros
    assert choose_floor(few, "naive", None) == (None, None)
    signed = inter - 0.5 * (inter == 2.0) * 5  # a -0.5 among the zeros: not demand
    assert choose_floor(signed, "naive", None) == (None, None)
    assert choose_floor(few, "croston", None) == (0.0, None)  # demand models: always >= 0
    assert constant_value(np.full(4, 3.0)) == 3.0 and constant_value(few) is None


MODELS = {
    "naive": {},
    "ses": {"error": "add", "trend": "none", "season": "none"},  # ETS(A,N,N)
    "theta": {},
    "croston": {},
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(
        st.one_of(st.just(0.0), st.floats(0.0, 1e3, allow_nan=False)), min_size=12, max_size=40
    ),
    name=st.sampled_from(sorted(MODELS)),
    conformal=st.booleans(),
)
def test_floor_zero_keeps_every_mean_and_bound_non_negative(
    values: list[float], name: str, conformal: bool
) -> None:
    """For any non-negative series and any of naive, SES, theta and croston (model or conformal
    intervals), --floor 0 leaves no mean or bound below 0. The clip is exact (np.maximum), so
    the comparison is exact too."""
    model = "ets" if name == "ses" else name
    try:
        _, run = fit_model(
            _series(np.array(values)), model, MODELS[name], 4, (80.0, 95.0),
            "conformal" if conformal else "model", floor=0.0,
        )  # fmt: skip
    except ForecastError:  # a model that refuses this series (too short to calibrate, ...)
        assume(False)
        return
    forecast = run.forecast
    assert np.all(forecast.mean >= 0) and np.all(np.isfinite(forecast.mean))
    for lower, upper in forecast.bands.values():
        assert np.all(lower >= 0) and np.all(upper >= 0)


def test_intermittent_models_conformal_bounds_stay_at_or_above_zero() -> None:
    """A demand series with 18 % zeros (below the automatic floor's 30 %): croston's conformal
    recalibration alone puts the 95 % lower bound near -3.5; fit_model floors it at 0 (exact:
    np.maximum), and the upper bound and mean are left as they were."""
    from forecast.models.conformal import calibrate
    from forecast.models.registry import get_spec

    rng = np.random.default_rng(1)
    values = np.where(rng.random(60) < 0.2, 0.0, rng.gamma(2, 2, 60)).round(2)
    series = _series(values)
    spec = get_spec("croston")
    raw = spec.create({}).fit(series.y).predict(3, (95.0,))
    unclipped = calibrate(lambda: spec.create({}), series.y, 3, raw.levels).apply(raw)
    assert unclipped.bands[95.0][0].min() < -1  # what the floor is for
    _, run = fit_model(series, "croston", {}, 3, (95.0,), "conformal")
    lower, upper = run.forecast.bands[95.0]
    assert np.array_equal(lower, np.maximum(unclipped.bands[95.0][0], 0.0))
    assert np.array_equal(upper, unclipped.bands[95.0][1])
    assert np.array_equal(run.forecast.mean, unclipped.mean)
    assert run.extra["floor"] == 0.0 and run.notes == ()


def test_the_python_api_forecasts_constant_series_and_takes_a_floor() -> None:
    """forecast.fit behaves as the CLI: an all-zero series is forecast (ets cannot fit it: the
    constant, by naive), and ``floor`` clips every value (exactly: np.maximum)."""
    import forecast

    weeks = pd.date_range("2020-01-06", periods=30, freq="W-MON")
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "unique_id": ["z"] * 30 + ["w"] * 30,
            "ds": list(weeks) * 2,
            "y": [0.0] * 30 + list(10 + rng.normal(size=30).cumsum()),
        }
    )
    result = forecast.fit(frame, "ets", horizon=2)
    assert result.failures == []
    zeros = result.frame[result.frame["id"] == "z"]
    assert list(zeros["model"]) == ["naive", "naive"]
    assert (zeros[["mean", "lower_80", "upper_95"]] == 0.0).all().all()
    high = forecast.fit(frame, "naive", horizon=2, floor=100.0).frame
    assert (high[["mean", "lower_80", "upper_80", "lower_95", "upper_95"]] == 100.0).all().all()
