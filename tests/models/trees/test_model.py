"""The global tree model: forecasts against a manual loop, state round trips, repeatability,
what a training part lets in, and the calibration against a slow reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.errors import UsageError
from forecast.io.modelfile import load_model_file, save_global_model
from forecast.models.trees.model import TreeForecaster
from tests.models.trees.test_features import reference

MODELS = ["lightgbm", "xgboost"]
SMALL = {"n_estimators": 30, "threads": 1}
RICH = {
    **SMALL,
    "lags": "1,2,12",
    "rolling": "mean:6,std:6,max:3",
    "expanding": True,
    "transform": "log1p",
    "diff": "1",
}


def panel(
    n_series: int = 4, seed: int = 0, lengths: tuple[int, ...] = ()
) -> list[tuple[str, pd.Series]]:
    """Monthly seasonal series of different levels and lengths."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_series):
        n = lengths[i] if lengths else 60 + 7 * i
        t = np.arange(n)
        level = 50 * (i + 1)
        y = level + 0.2 * t + level * 0.1 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1 + i, n)
        start = pd.Timestamp("2010-01-01") + pd.DateOffset(months=3 * i)
        index = pd.date_range(start, periods=n, freq="MS")
        out.append((f"s{i}", pd.Series(y, index=index)))
    return out


def manual_forecast(model: TreeForecaster, sid: str, y: pd.Series, horizon: int) -> np.ndarray:
    """Step by step: transform the whole known series, build the next row with pandas (the
    reference features), predict it with the booster, invert to the data's units, append."""
    from forecast.models.trees import boosters

    i = model.position(sid)
    center, scale = model.center_[i], model.scale_[i]
    assert model.params["transform"] == "log1p" and tuple(model.params["diff"]) == (1,)
    known = y.copy()
    out = []
    for _ in range(horizon):
        b = np.log1p(known.to_numpy())
        z = pd.Series(np.r_[np.nan, (np.diff(b) - center) / scale], index=known.index)
        future = pd.date_range(known.index[-1], periods=2, freq="MS")[1:]
        row = reference(model.features_, pd.concat([z, pd.Series([np.nan], index=future)]))
        X = row.iloc[[-1]].to_numpy()
        step = boosters.predict(model.model, model.boosters_[0][None], X, None, 1)[0]
        value = np.expm1(step * scale + center + b[-1])
        out.append(value)
        known = pd.concat([known, pd.Series([value], index=future)])
    return np.array(out)


@pytest.mark.parametrize("name", MODELS)
def test_recursive_forecasts_equal_a_step_by_step_loop(name) -> None:
    series = panel()
    model = TreeForecaster(name, RICH).fit(series, levels=())
    forecasts = model.predict(8)
    for sid, y in series:
        # the loop recomputes every feature from the data in pandas: equal up to the rounding
        # of log1p/expm1 round trips and of pandas' online rolling sums (a few ulps of values
        # of size ~10); a split threshold falling between the two is far less likely than the
        # 1e-9 tolerance is loose
        np.testing.assert_allclose(
            forecasts[sid].mean, manual_forecast(model, sid, y, 8), rtol=1e-9
        )


@pytest.mark.parametrize("name", MODELS)
def test_predict_equals_forecast_from_the_last_origin(name) -> None:
    series = panel()
    model = TreeForecaster(name, RICH).fit(series, calibrate_steps=6)
    forecasts = model.predict(6, [80, 95])
    for sid, y in series:
        batch = model.forecast_from(sid, y, [len(y) - 1], 6, [80, 95])
        np.testing.assert_array_equal(batch.mean[0], forecasts[sid].mean)
        for level in (80, 95):
            np.testing.assert_array_equal(batch.bands[level][0][0], forecasts[sid].lower(level))


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize(
    "extra",
    [{}, {"strategy": "direct", "horizon": 4}, {"objective": "quantile", "series_id": True}],
)
def test_save_and_load_give_identical_forecasts(name, extra, tmp_path) -> None:
    series = panel()
    model = TreeForecaster(name, {**RICH, **extra}).fit(series, calibrate_steps=4, levels=(80, 95))
    path = tmp_path / "m.fcm"
    save_global_model(path, model, {"horizon": 4}, "id")
    loaded = load_model_file(path).model
    assert isinstance(loaded, TreeForecaster)
    before, after = model.predict(4, [80, 95]), loaded.predict(4, [80, 95])
    for sid, _ in series:
        np.testing.assert_array_equal(after[sid].mean, before[sid].mean)
        for level in (80, 95):
            np.testing.assert_array_equal(after[sid].lower(level), before[sid].lower(level))
            np.testing.assert_array_equal(after[sid].upper(level), before[sid].upper(level))


@pytest.mark.parametrize("name", MODELS)
def test_the_same_seed_gives_the_same_bytes(name) -> None:
    from forecast.models.trees.boosters import to_text

    series = panel()
    params = {**RICH, "subsample": 0.6, "colsample": 0.7}
    first = TreeForecaster(name, {**params, "seed": 3}).fit(series, levels=())
    second = TreeForecaster(name, {**params, "seed": 3}).fit(series, levels=())
    other = TreeForecaster(name, {**params, "seed": 4}).fit(series, levels=())
    text = [to_text(name, m.boosters_[0][None]) for m in (first, second, other)]
    assert text[0] == text[1] and text[0] != text[2]
    np.testing.assert_array_equal(first.predict(6)["s0"].mean, second.predict(6)["s0"].mean)


@pytest.mark.parametrize("name", MODELS)
def test_direct_strategy_has_a_model_per_step(name) -> None:
    series = panel()
    model = TreeForecaster(name, {**RICH, "strategy": "direct"}).fit(
        series, calibrate_steps=5, levels=(80,)
    )
    assert len(model.boosters_) == 5
    forecast = model.predict(5, [80])["s1"]
    assert np.all(forecast.lower(80) <= forecast.mean) and np.all(
        forecast.mean <= forecast.upper(80)
    )
    with pytest.raises(UsageError, match="has models for 5 steps ahead, not 6"):
        model.predict(6)


@pytest.mark.parametrize("name", MODELS)
def test_quantile_models_nest_and_keep_to_their_levels(name) -> None:
    series = panel()
    model = TreeForecaster(name, {**SMALL, "objective": "quantile"}).fit(
        series, calibrate_steps=6, levels=(50, 90)
    )
    assert model.levels_ == (50.0, 90.0) and set(model.boosters_[0]) == {
        None,
        0.05,
        0.25,
        0.75,
        0.95,
    }
    for forecast in model.predict(6, [50, 90]).values():
        assert not isinstance(forecast, str)
        assert np.all(forecast.lower(90) <= forecast.lower(50))
        assert np.all(forecast.lower(50) <= forecast.mean)
        assert np.all(forecast.mean <= forecast.upper(50))
        assert np.all(forecast.upper(50) <= forecast.upper(90))
    with pytest.raises(UsageError, match="trained for the levels 50, 90"):
        model.predict(6, [80])


def test_a_series_shorter_than_the_features_reach_is_left_out_with_a_reason() -> None:
    series = panel(3, lengths=(60, 70, 10))
    model = TreeForecaster("lightgbm", {**SMALL, "lags": "1,12"}).fit(series, levels=())
    forecasts = model.predict(3)
    assert not isinstance(forecasts["s0"], str)
    assert "forecasts from the last 12 observations" in forecasts["s2"]
    assert "series 's2' has 10" in forecasts["s2"] and "--fallback" in forecasts["s2"]


def test_the_panel_model_on_one_series_is_the_registry_model() -> None:
    from forecast.models.registry import get_spec

    _, y = panel(1)[0]
    single = get_spec("lightgbm").create(RICH).fit(y)
    glob = TreeForecaster("lightgbm", RICH).fit([("", y)])
    np.testing.assert_array_equal(single.predict(5, [80]).mean, glob.predict(5)[""].mean)
    np.testing.assert_array_equal(
        single.predict(5, [80]).lower(80), glob.predict(5, [80])[""].lower(80)
    )


@pytest.mark.parametrize("name", MODELS)
def test_update_moves_the_origin_with_the_boosters_fixed(name) -> None:
    series = panel()
    cut = [(sid, y.iloc[:-5]) for sid, y in series]
    model = TreeForecaster(name, RICH).fit(cut, levels=())
    sid, y = series[2]
    assert model.update(sid, y.iloc[-8:]) == 5  # 3 known rows skipped, 5 appended
    expected = model.forecast_from(sid, y, [len(y) - 1], 4).mean[0]
    np.testing.assert_array_equal(model.predict(4, ids=[sid])[sid].mean, expected)
    from forecast.errors import InputError

    with pytest.raises(InputError, match="disagrees with the model's data"):
        model.update(sid, y.iloc[-2:] + 1)


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_values_outside_the_training_part_never_reach_the_model(seed, direct) -> None:
    """A k-fold's purged blocks: replacing every value outside the masks changes nothing fitted
    (boosters, transforms, calibration errors): no row reads them through a lag, a window, a
    difference or the expanding mean, no transform is fitted on them."""
    from forecast.models.trees.boosters import to_text

    rng = np.random.default_rng(seed)
    series = panel(3, seed=seed % 1000)
    masks = []
    for _, y in series:
        mask = np.ones(len(y), dtype=bool)
        start = int(rng.integers(20, len(y) - 15))
        mask[start : start + int(rng.integers(3, 12))] = False
        masks.append(mask)
    altered = [(sid, y.where(m, y * 3 + 1000)) for (sid, y), m in zip(series, masks, strict=True)]
    params = {**RICH, "strategy": "direct" if direct else "recursive", "horizon": 3}
    one = TreeForecaster("lightgbm", params).fit(series, levels=(80,), masks=masks)
    two = TreeForecaster("lightgbm", params).fit(altered, levels=(80,), masks=masks)
    for a, b in zip(one.boosters_, two.boosters_, strict=True):
        assert to_text("lightgbm", a[None]) == to_text("lightgbm", b[None])
    for name in ("lam_", "center_", "scale_", "iscale_", "errors_"):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name))


def test_calibration_errors_equal_a_slow_reference() -> None:
    """The pooled errors rebuilt from the public API: a fresh model on each series cut at its
    first calibration origin, forecasts from every calibration origin, scaled errors."""
    from forecast.models.conformal import errors_needed
    from forecast.models.trees.calibration import calibration_origins

    series = panel()
    params = {**SMALL, "lags": "1,2,3,12", "rolling": "mean:4"}
    model = TreeForecaster("lightgbm", params).fit(series, calibrate_steps=6, levels=(80, 95))
    values = [y.to_numpy() for _, y in series]
    masks = [np.ones(v.size, dtype=bool) for v in values]
    chosen = calibration_origins(model, values, masks, 6, errors_needed(95))
    cut = [(sid, y.iloc[: o[0] + 1]) for (sid, y), o in zip(series, chosen, strict=True)]
    twin = TreeForecaster("lightgbm", {**params, "horizon": 6}).fit(cut, levels=())
    rows = []
    for i, (sid, y) in enumerate(series):
        batch = twin.forecast_from(sid, y, chosen[i], 6)
        targets = chosen[i][:, None] + np.arange(1, 7)
        actual = np.where(targets < len(y), y.to_numpy()[np.minimum(targets, len(y) - 1)], np.nan)
        rows.append(np.abs(actual - batch.mean) / model.iscale_[i])
    expected = np.concatenate(rows)
    assert expected.shape == model.errors_.shape and expected.shape[0] >= 19
    np.testing.assert_allclose(model.errors_, expected, rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"rolling": "median:3"}, "STAT one of mean, std, min, max"),
        ({"lags": "0,1"}, "lags=0,1 must be >= 1"),
        ({"lags": "1,500"}, "reaches past the longest series"),
        ({"rolling": "mean:400"}, "reaches past the longest series"),
        ({"quantile_levels": "80"}, "applies to objective=quantile"),
    ],
)
def test_bad_features_are_usage_errors(params, message) -> None:
    with pytest.raises(UsageError, match=message):
        TreeForecaster("lightgbm", params).fit(panel(2), levels=())
