"""The ensemble: the combination against its members computed one by one, members that fail,
and the default ETS + ARIMA + Theta ensemble end to end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.errors import UsageError
from forecast.io.modelfile import load_model, save_model
from forecast.models.ensemble import Ensemble
from forecast.models.registry import get_spec


def _series(n: int = 60, seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    values = 100 + rng.normal(0, 1, n).cumsum()
    return pd.Series(values, index=pd.date_range("2001-01-01", periods=n, freq="MS"))


@pytest.mark.parametrize("combine", ["mean", "median"])
def test_forecasts_and_bounds_combine_the_members(combine) -> None:
    y = _series()
    members = ("naive", "drift", "mean")
    model = Ensemble(members=members, combine=combine, bounds="average").fit(y)
    one_by_one = [get_spec(m).create().fit(y).predict(6, [90]) for m in members]
    reduce = np.median if combine == "median" else np.mean
    forecast = model.predict(6, [90])
    np.testing.assert_allclose(forecast.mean, reduce([f.mean for f in one_by_one], axis=0))
    lower = reduce([f.lower(90) for f in one_by_one], axis=0)
    np.testing.assert_allclose(forecast.lower(90), np.minimum(lower, forecast.mean))
    assert forecast.interval_method.startswith(f"{combine} of the members' interval bounds")


def test_backtest_forecasts_equal_predict_from_each_origin() -> None:
    y = _series()
    model = Ensemble(members=("naive", "drift")).fit(y.iloc[:40])
    batch = model.forecast_from(y, [39, 45], 3, [80])
    rebuilt = model.rebased(y.iloc[:46]).predict(3, [80])
    np.testing.assert_allclose(batch.mean[1], rebuilt.mean)
    np.testing.assert_allclose(batch.bands[80][1][1], rebuilt.upper(80))


def test_a_member_that_cannot_fit_is_left_out_and_named() -> None:
    y = _series(30) - 200  # negative: croston refuses it (snaive, which failed here on annual
    # data before the period rule of issue 27, is now naive when there is no season)
    model = Ensemble(members=("croston", "naive")).fit(y)
    assert [m.name for m in model.members_] == ["naive"]
    assert any("croston could not be fitted" in note for note in model.summary().notes)


def test_members_are_classical_models_and_at_most_one_neural() -> None:
    # issue 33: one neural member is allowed (tests/models/test_ensemble_global_member.py)
    with pytest.raises(UsageError, match="member 'ensemble' is not a classical model"):
        Ensemble(members=("ensemble", "naive")).fit(_series())
    with pytest.raises(UsageError, match="at most one neural member, got lstm, gru"):
        Ensemble(members=("lstm", "naive", "gru")).fit(_series())


@pytest.mark.slow
def test_default_ensemble_fits_updates_and_reloads(tmp_path) -> None:
    frame = pd.read_csv("sample_data/airpassengers.csv", parse_dates=[0], index_col=0)
    y = frame.iloc[:, 0].asfreq("MS").astype(float)
    model = Ensemble().fit(y.iloc[:132])
    assert [m.name for m in model.members_] == ["ets", "auto-arima", "theta"]
    model.update(y.iloc[132:])
    path = tmp_path / "e.fcm"
    save_model(path, model, {})
    loaded = load_model(path).model
    np.testing.assert_array_equal(loaded.predict(12, [95]).mean, model.predict(12, [95]).mean)
    members = [m.predict(12).mean for m in model.members_]
    np.testing.assert_allclose(model.predict(12).mean, np.mean(members, axis=0))


def _obvious_validation_mse(y: pd.Series, name: str, steps: int) -> float:
    """Each validation origin one by one: fit on the first n - v points, then rebuild the fitted
    model on the history up to the origin and forecast (no shared code with forecast_from)."""
    n = len(y)
    held = max(steps, n // 5)
    model = get_spec(name).create().fit(y.iloc[: n - held])
    squared = []
    for origin in range(n - held - 1, n - 1):
        mean = model.rebased(y.iloc[: origin + 1]).predict(steps).mean
        for k in range(steps):
            if origin + 1 + k < n:
                squared.append((y.iloc[origin + 1 + k] - mean[k]) ** 2)
    return float(np.mean(squared))


def test_weighted_combination_uses_inverse_validation_mse_inside_the_training_data() -> None:
    y = _series(80, seed=3) + np.linspace(0, 200, 80)  # a steep trend: drift weighs most
    members = ("naive", "drift", "mean")
    model = Ensemble(members=members, combine="weighted").fit(y)
    mse = np.array([_obvious_validation_mse(y, m, 8) for m in members])
    expected = (1 / mse) / (1 / mse).sum()
    # the same baselines (closed forms) averaged in another order: ~100 roundings of sums of
    # squares, ~1e-14 relative; 1e-10 leaves 1e4x
    np.testing.assert_allclose(model.weights_, expected, rtol=1e-10)
    assert model.weights_.argmax() == 1  # drift
    one_by_one = np.array([get_spec(m).create().fit(y).predict(6, [90]).mean for m in members])
    np.testing.assert_allclose(model.predict(6, [90]).mean, expected @ one_by_one, rtol=1e-10)
    assert model.summary().extra["weights"]["drift"] == pytest.approx(expected[1])


def test_weighted_ensemble_saves_its_weights(tmp_path) -> None:
    y = _series(80, seed=4)
    model = Ensemble(members=("naive", "drift"), combine="weighted").fit(y)
    path = tmp_path / "w.fcm"
    save_model(path, model, {})
    loaded = load_model(path).model
    np.testing.assert_array_equal(loaded.weights_, model.weights_)
    np.testing.assert_array_equal(
        loaded.predict(5, [80]).upper(80), model.predict(5, [80]).upper(80)
    )


def test_weighted_on_a_short_series_weighs_equally_and_says_so() -> None:
    model = Ensemble(members=("naive", "drift"), combine="weighted").fit(_series(30))
    np.testing.assert_array_equal(model.weights_, [0.5, 0.5])
    assert any("weighted equally" in note for note in model.summary().notes)
