"""Issue 33: the defaults of global networks on panels of short series: the shape rule that
``forecast models`` states, the scalers, the recurrent nets' relative input, and the pooled
split-conformal intervals' coverage on simulated data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.models.neural.global_model import GlobalForecaster, panel_split
from forecast.models.neural.options import NeuralOptions
from forecast.models.neural.recurrent import RecurrentNet
from forecast.models.neural.shape import choose_global
from forecast.models.neural.transformer import TransformerNet
from forecast.models.neural.windows import Scaler, auto_window, panel_scaler
from forecast.models.registry import get_spec
from forecast.progress import progress_enabled


def stated_rule(
    shortest: int, median: int, steps: int | None, period: int | None
) -> tuple[int, int]:
    """The rule as the registry's parameter docs state it, written out plainly."""
    wanted = steps if steps else max(period or 0, 24)
    horizon = min(wanted, max(1, median // 3))
    window = min(auto_window(period), max(2, min(shortest, median - 2 * horizon - 2)))
    return window, horizon


def test_the_registry_states_the_rule() -> None:
    params = {p.name: p.help for p in get_spec("gru").params}
    assert "min(shortest series, median series - 2 x horizon - 2)" in params["window"]
    assert "the fit's --horizon, at most a third of the median series" in params["horizon"]
    assert "robust for a global model" in params["scaler"]
    assert get_spec("gru").resolve({})["scaler"] == "auto"
    assert get_spec("lstm").resolve({})["scaler"] == "auto"


@settings(max_examples=200, deadline=None)
@given(
    shortest=st.integers(2, 400),
    extra=st.integers(0, 400),
    steps=st.one_of(st.none(), st.integers(1, 60)),
    period=st.sampled_from([None, 4, 7, 12, 24, 52]),
)
def test_choose_global_follows_the_stated_rule(shortest, extra, steps, period) -> None:
    median = shortest + extra
    shape = choose_global(
        NeuralOptions(), period, "p", (shortest, median), steps, (auto_window(period), None)
    )
    assert (shape.window, shape.horizon) == stated_rule(shortest, median, steps, period)
    assert shape.out == shape.horizon  # direct: one head for the whole horizon
    # every series can be forecast (a window fits in the shortest) once the shortest has 2 values
    assert shape.window <= max(2, shortest)


def test_m3_monthly_gets_two_seasons_and_the_forecast_horizon() -> None:
    """M3 monthly: training parts of 48 to 126 values (median 115), h = 18."""
    auto = (auto_window(12), None)
    shape = choose_global(NeuralOptions(), 12, "p", (48, 115), 18, auto)
    assert (shape.window, shape.horizon) == (24, 18)
    given_shape = choose_global(NeuralOptions(window=12, horizon=6), 12, "p", (48, 115), 18, auto)
    assert (given_shape.window, given_shape.horizon) == (12, 6)  # given values win


@settings(max_examples=100, deadline=None)
@given(median=st.integers(20, 300), steps=st.integers(1, 40))
def test_panels_of_the_median_length_train(median, steps) -> None:
    """The cap leaves series of the median length training samples after the validation tail
    (when the window is not at its floor of 2), so the panel never fails for want of them."""
    shape = choose_global(NeuralOptions(), None, "p", (median, median), steps, (24, None))
    if median - 2 * shape.horizon - 2 < 2:
        return
    split = panel_split([median] * 16, shape.window, shape.out, 0.1, "gru")
    assert split.train.size >= 16


def test_auto_scaler_is_robust_on_a_panel_and_standard_on_one_series() -> None:
    assert panel_scaler("auto", 2) == "robust"
    assert panel_scaler("level", 5) == "level"
    y = np.array([1.0, 2.0, 4.0, 8.0, 100.0])
    assert Scaler.fit(y, panel_scaler("auto", 1)) == Scaler.fit(y, "standard")


def test_a_global_fit_states_its_shape_and_scaler() -> None:
    """The selection notes of a default global GRU on a panel (the fit's horizon 6)."""
    full = ar_panel(4, 40, seed=1)
    with progress_enabled(False):
        model = GlobalForecaster("gru", {"epochs": 1, "hidden_size": 4}).fit(
            full, calibrate_steps=6
        )
    notes = model.info_["selection"]
    assert notes["horizon"] == "6 (auto: the forecast horizon = 6)"
    assert model.window_ == min(24, 40 - 2 * 6 - 2) == 24
    assert notes["scaler"].startswith("robust (auto")
    expected = Scaler.fit(full[0][1].to_numpy(), "robust")  # every value is read by a sample
    assert model.centers_[0] == pytest.approx(expected.center, rel=1e-12)
    assert model.scales_[0] == pytest.approx(expected.scale, rel=1e-12)


@pytest.mark.parametrize("shift", [0.0, 50.0, -3.0])
def test_level_scaler_is_the_geometric_mean_of_spread_and_level(shift) -> None:
    y = np.array([3.0, 5.0, 4.0, 9.0, 7.0]) + shift
    scaler = Scaler.fit(y, "level")
    sd, level = np.std(y), np.mean(np.abs(y))
    assert scaler.center == pytest.approx(np.mean(y), rel=1e-12)
    assert scaler.scale == pytest.approx(np.sqrt(sd * max(level, sd)), rel=1e-12)
    np.testing.assert_allclose(scaler.inverse(scaler.transform(y)), y, rtol=1e-12)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_relative_input_ignores_the_level(cell) -> None:
    """relative=True: the same window at another level gives the same forecast shifted by
    that level (float32: equal to rounding of the inputs, ~1e-6 at these magnitudes)."""
    torch.manual_seed(0)
    net = RecurrentNet(cell, 1, 8, 1, 0.0, False, 5, relative=True).eval()
    x = torch.randn(4, 12, 1)
    with torch.no_grad():
        a, b = net(x), net(x + 3.0)
    torch.testing.assert_close(b, a + 3.0, atol=1e-5, rtol=0)
    levels = RecurrentNet(cell, 1, 8, 1, 0.0, False, 5, relative=False).eval()
    levels.load_state_dict(net.state_dict())
    with torch.no_grad():
        assert not torch.allclose(levels(x + 3.0), levels(x) + 3.0, atol=1e-3)


def test_relative_transformer_ignores_the_level() -> None:
    torch.manual_seed(0)
    net = TransformerNet(1, 8, 2, 1, 16, 0.0, False, 12, 3, 5, relative=True).eval()
    x = torch.randn(4, 12, 1)
    with torch.no_grad():
        torch.testing.assert_close(net(x + 3.0), net(x) + 3.0, atol=1e-5, rtol=0)


def ar_panel(n_series: int, n: int, seed: int) -> list[tuple[str, pd.Series]]:
    """Independent AR(1) series (phi 0.6, unit noise) around their own levels: exchangeable
    once scaled, which split-conformal's guarantee asks of the pooled calibration errors."""
    rng = np.random.default_rng(seed)
    index = pd.date_range("2000-01-01", periods=n, freq="MS")
    out = []
    for i in range(n_series):
        e = rng.normal(0, 1, n + 50)
        y = np.zeros(n + 50)
        for t in range(1, y.size):
            y[t] = 0.6 * y[t - 1] + e[t]
        out.append((f"s{i:03d}", pd.Series(100.0 + 10 * i + y[50:], index=index)))
    return out


@pytest.mark.slow
def test_pooled_conformal_intervals_cover_on_simulated_series() -> None:
    """Coverage of the global GRU's 80 % intervals on each series' next 3 values, over 300
    series. Split-conformal's marginal coverage is at least 0.8 (and below 0.8 + 1/(n+1), n
    calibration errors per step: here hundreds); the empirical rate over 300 independent series
    has standard deviation sqrt(0.8 x 0.2 / 300) = 0.023 per step, so a step-wise rate below
    0.8 - 4 x 0.023 or above 0.8 + 1/(n+1) + 4 x 0.023 fails (the three steps share series, so
    each step is checked on its own)."""
    full = ar_panel(300, 63, seed=5)
    train = [(sid, y.iloc[:60]) for sid, y in full]
    params = {"epochs": 8, "hidden_size": 8, "device": "cpu", "window": 12, "horizon": 3}
    with progress_enabled(False):
        model = GlobalForecaster("gru", params).fit(train, calibrate_steps=3)
    forecasts = model.predict(3, [80])
    inside = np.array(
        [
            (y.iloc[60:].to_numpy() >= forecasts[sid].lower(80))
            & (y.iloc[60:].to_numpy() <= forecasts[sid].upper(80))
            for sid, y in full
        ]
    )  # [series, step]
    n_cal = np.sum(np.isfinite(model.errors_), axis=0)  # calibration errors per step
    assert (n_cal >= 300).all()
    sd = np.sqrt(0.8 * 0.2 / len(full))
    rate = inside.mean(axis=0)
    assert (rate >= 0.8 - 4 * sd).all(), rate
    assert (rate <= 0.8 + 1 / (n_cal + 1) + 4 * sd).all(), rate
