"""Global nbeats / nhits on logarithms (``--param transform``) and the mean anchor: Guerrero's
lambda against constructed series whose answer is exact and a grid search, the auto rule, a
log panel against the same network fitted on the logarithms by hand, model files, backtests
from many origins, updates, and the anchor's algebra."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.errors import InputError, UsageError
from forecast.models.neural import log_transform, nbeats, networks
from forecast.models.neural.global_model import GlobalForecaster
from forecast.models.neural.heads import SCALE_FLOOR
from forecast.models.neural.log_transform import (
    LAMBDA_BOUNDS,
    choose_logs,
    guerrero_lambda,
    guerrero_lambdas,
)
from forecast.models.registry import get_spec

SMALL = {"epochs": 2, "patience": 2, "batch_size": 32, "hidden_size": 8, "device": "cpu",
         "pools": "2,1", "downsample": "3,1", "seeds": 1}  # fmt: skip


def _with_spread(means: np.ndarray, shape: np.ndarray, lam: float) -> np.ndarray:
    """Subseries h = mean_h + shape * mean_h ** (1 - lam) (shape has mean 0): sd_h / mean_h **
    (1 - lam) is the same for every h, so Guerrero's criterion is 0 at lam exactly."""
    return np.concatenate([m + shape * m ** (1 - lam) for m in means])


@settings(max_examples=40, deadline=None)
@given(
    lam=st.floats(-0.8, 1.8),
    means=st.lists(st.floats(50, 500), min_size=4, max_size=10, unique=True),
    seed=st.integers(0, 1000),
)
def test_guerrero_finds_the_lambda_that_makes_the_ratio_constant(lam, means, seed):
    shape = np.random.default_rng(seed).normal(0, 0.01, 12)
    shape -= shape.mean()
    y = _with_spread(np.array(means), shape, lam)
    assert abs(guerrero_lambda(y, 12) - lam) < 1e-3


def test_guerrero_agrees_with_a_grid_search_and_reads_whole_periods_from_the_end():
    rng = np.random.default_rng(5)
    y = np.exp(rng.normal(5, 0.3, 100)) + np.arange(100.0)
    lam = guerrero_lambda(y, 12)
    sub = y[100 - 96 :].reshape(8, 12)  # the first 4 values are left out
    mean, sd = sub.mean(axis=1), sub.std(axis=1, ddof=1)
    grid = np.linspace(*LAMBDA_BOUNDS, 30_001)
    cv = [np.std(sd / mean ** (1 - g), ddof=1) / np.mean(sd / mean ** (1 - g)) for g in grid]
    assert abs(lam - grid[int(np.argmin(cv))]) < 1e-3
    assert guerrero_lambda(np.full(30, 5.0), 12) == 1.0  # no spread: nothing to stabilise
    assert guerrero_lambda(y[:20], 12) == 1.0  # one period only


def _dense_grid_lambda(y: np.ndarray, period: int) -> float:
    """The slow, obvious Guerrero: the criterion on 30,001 lambdas, the smallest value's."""
    k = y.size // period
    sub = y[y.size - k * period :].reshape(k, period)
    mean, sd = sub.mean(axis=1), sub.std(axis=1, ddof=1)
    if k < 2 or np.count_nonzero(sd > 0) < 2:
        return 1.0
    grid = np.linspace(*LAMBDA_BOUNDS, 30_001)
    ratio = sd[None, :] / mean[None, :] ** (1 - grid[:, None])  # [grid, subseries]
    return float(grid[int(np.argmin(ratio.std(axis=1, ddof=1) / ratio.mean(axis=1)))])


def test_a_panel_of_lambdas_is_each_series_alone_and_the_dense_grid(monkeypatch):
    """Series of every length (too short, one period, many), constant and multiplicative ones,
    split into blocks of a few series (BLOCK_CELLS small): each lambda equals the series alone
    and the dense grid's (its step 1e-4)."""
    rng = np.random.default_rng(3)
    values = []
    for i in range(60):
        n = int(rng.integers(5, 160))
        t = np.arange(n)
        walk = np.exp(rng.normal(0, rng.uniform(0.01, 0.2), n).cumsum() + rng.uniform(1, 8))
        values.append(walk * (1 + rng.uniform(0, 0.5) * np.sin(2 * np.pi * t / 12)))
        if i % 15 == 0:
            values[-1] = np.full(n, 7.0)
    monkeypatch.setattr(log_transform, "BLOCK_CELLS", 61 * 40)
    panel = guerrero_lambdas(values, 12)
    alone = np.array([guerrero_lambda(y, 12) for y in values])
    grid = np.array([_dense_grid_lambda(y, 12) for y in values])
    assert np.abs(panel - alone).max() < 1e-6
    assert np.abs(panel - grid).max() <= 1e-4
    nothing_to_stabilise = {i for i, y in enumerate(values) if y.size < 24 or i % 15 == 0}
    assert set(np.flatnonzero(panel == 1.0).tolist()) == nothing_to_stabilise
    assert guerrero_lambdas([], 12).size == 0


def test_the_auto_rule():
    rng = np.random.default_rng(0)
    season = np.sin(2 * np.pi * np.arange(72) / 12)
    level = np.linspace(100, 1000, 72)
    multiplicative = level * (1 + 0.3 * season) * np.exp(rng.normal(0, 0.01, 72))
    additive = level + 30 * season + rng.normal(0, 1, 72)
    negative = additive - 500
    logs, note = choose_logs([multiplicative, additive, negative], "auto", 12, "nhits")
    assert logs.tolist() == [True, False, False] and "log on 1 of 3" in note
    assert not choose_logs([multiplicative], "auto", 12, "nhits")[0].any()  # one series
    assert not choose_logs([multiplicative] * 2, "auto", 4, "nhits")[0].any()  # quarterly
    assert not choose_logs([multiplicative] * 2, "auto", None, "nhits")[0].any()
    assert not choose_logs([multiplicative] * 2, "none", 12, "nhits")[0].any()
    assert choose_logs([additive, multiplicative], "log", 4, "nhits")[0].all()
    with pytest.raises(InputError, match="transform=log needs positive values, found -"):
        choose_logs([multiplicative, negative], "log", 12, "nhits")
    with pytest.raises(UsageError, match="transform must be"):
        choose_logs([multiplicative], "sqrt", 12, "nhits")


def _panel(positive: bool = True, freq: str = "MS", n: int = 72) -> list[tuple[str, pd.Series]]:
    rng = np.random.default_rng(1)
    out = []
    for i in range(4):
        index = pd.date_range("2001-01-01", periods=n, freq=freq)
        level = rng.uniform(100, 1000) * np.exp(np.linspace(0, rng.uniform(0, 1), n))
        y = level * (1 + 0.3 * np.sin(2 * np.pi * index.month.to_numpy() / 12))
        y *= np.exp(rng.normal(0, 0.02, n))
        out.append((f"s{i}", pd.Series(y if positive else y - 600, index=index)))
    return out


@pytest.mark.parametrize("model", ["nhits", "nbeats"])
def test_a_log_panel_is_the_network_fitted_on_the_logarithms_exponentiated(model):
    panel = _panel()
    logged = [(sid, np.log(y)) for sid, y in panel]
    params = {
        k: v for k, v in SMALL.items() if model == "nhits" or k not in ("pools", "downsample")
    }
    ours = GlobalForecaster(model, {**params, "transform": "log"}).fit(panel, calibrate_steps=6)
    by_hand = GlobalForecaster(model, {**params, "transform": "none"}).fit(logged, 6)
    assert ours.logs_.all() and not by_hand.logs_.any()
    assert ours.arch_["anchor"] == "mean"
    mine, theirs = ours.predict(6, [80, 95]), by_hand.predict(6, [80, 95])
    for sid, _ in panel:
        np.testing.assert_allclose(mine[sid].mean, np.exp(theirs[sid].mean), rtol=1e-9)
        np.testing.assert_allclose(mine[sid].lower(95), np.exp(theirs[sid].lower(95)), rtol=1e-9)
        np.testing.assert_allclose(mine[sid].upper(80), np.exp(theirs[sid].upper(80)), rtol=1e-9)
        assert np.all(mine[sid].lower(95) > 0)
    assert "transform log (transform=log)" in ours.summary("s0").extra["selection"]
    assert ours.summary("s0").extra["transform"] == "log"


def test_auto_on_a_panel_files_backtests_and_updates(tmp_path):
    from forecast.io.modelfile import load_model_file, save_global_model

    panel = _panel()
    model = GlobalForecaster("nhits", SMALL).fit(panel, calibrate_steps=6)  # transform=auto
    assert model.logs_.all()
    path = save_global_model(tmp_path / "g.fcm", model, {"horizon": 6, "levels": [80]})
    again = load_model_file(path).model
    assert again.logs_.all()
    first, second = model.predict(6, [80]), again.predict(6, [80])
    for sid, y in panel:
        np.testing.assert_array_equal(first[sid].mean, second[sid].mean)
        np.testing.assert_array_equal(first[sid].upper(80), second[sid].upper(80))
        # the last origin of a backtest is the forecast
        batch = model.forecast_from(sid, y, [len(y) - 1, len(y) - 13], 6, [80])
        np.testing.assert_allclose(batch.mean[0], first[sid].mean, rtol=1e-6)
        np.testing.assert_allclose(batch.bands[80][1][0], first[sid].upper(80), rtol=1e-6)
    sid, y = panel[0]
    bad = pd.Series([-1.0], index=[y.index[-1] + pd.DateOffset(months=1)])
    with pytest.raises(InputError, match=r"on its logarithms .* got -1; refit with"):
        model.update(sid, bad)
    more = pd.Series([y.iloc[-12]], index=[y.index[-1] + pd.DateOffset(months=1)])
    assert model.update(sid, pd.concat([y.iloc[-3:], more])) == 1  # the overlap agrees


def test_files_written_before_the_transform_and_the_anchor_read_as_before():
    panel = _panel()
    model = GlobalForecaster("nhits", {**SMALL, "transform": "none"}).fit(panel, 6)
    meta, arrays = model.get_state()
    old_arch = {k: v for k, v in meta["architecture"].items() if k != "anchor"}
    old = type(model).from_state(
        {**meta, "architecture": old_arch}, {k: v for k, v in arrays.items() if k != "log_series"}
    )
    assert not old.logs_.any() and old.net_.anchor == "last"
    assert model.net_.anchor == "mean"


def test_negative_series_stay_on_their_values_and_one_series_is_the_per_series_model():
    model = GlobalForecaster("nhits", SMALL).fit(_panel(positive=False), calibrate_steps=6)
    assert not model.logs_.any()
    one = GlobalForecaster("nhits", SMALL).fit(_panel()[:1], calibrate_steps=6)
    assert not one.logs_.any() and "anchor" not in one.arch_
    with pytest.raises(UsageError, match="transform=log applies to a global model"):
        get_spec("nhits").create({**SMALL, "transform": "log"}).fit(_panel()[0][1])


@pytest.mark.parametrize("anchor", ["last", "mean"])
def test_the_anchor_makes_the_network_shift_equivariant(anchor):
    torch.manual_seed(0)
    net = nbeats.nhits(1, 12, 6, [2, 1], [3, 1], 1, 8, 2, 0.0, anchor=anchor).eval()
    x = torch.randn(5, 12, 1)
    shifted = x + 3.5
    with torch.no_grad():
        torch.testing.assert_close(net(shifted), net(x) + 3.5, rtol=0, atol=1e-5)
    expected = x[:, :, 0].mean(1, keepdim=True) if anchor == "mean" else x[:, -1:, 0]
    torch.testing.assert_close(net.level(x), expected)
    arch = {"kind": "nhits", "input_size": 1, "window": 12, "out_steps": 6, "pools": [2, 1],
            "downsample": [3, 1], "blocks": 1, "hidden_size": 8, "layers": 2, "dropout": 0.0}  # fmt: skip
    assert networks.build(arch).anchor == "last"
    assert networks.build({**arch, "anchor": anchor}).anchor == anchor


def test_the_anchor_parameter():
    panel = _panel()
    fixed = GlobalForecaster("nhits", {**SMALL, "anchor": "last"}).fit(panel, calibrate_steps=6)
    assert fixed.arch_["anchor"] == "last" and fixed.net_.anchor == "last"
    one = get_spec("nhits").create({**SMALL, "anchor": "mean", "epochs": 1}).fit(panel[0][1])
    assert one.arch_["anchor"] == "mean" and one.net_.anchor == "mean"
    with pytest.raises(UsageError, match="anchor"):
        get_spec("nbeats").create({"anchor": "median"})


def test_dividing_by_the_window_spread_makes_the_network_scale_equivariant():
    torch.manual_seed(0)
    net = nbeats.nbeats(1, 12, 6, "generic", 2, 1, 8, 2, 2, 0.0, anchor="mean",
                        window_scale="std").eval()  # fmt: skip
    x = torch.randn(5, 12, 1, dtype=torch.float64)
    net = net.double()
    with torch.no_grad():  # sd of x is about 1, far above the floor: exact equivariance
        torch.testing.assert_close(net(2.0 + 3.0 * x), 2.0 + 3.0 * net(x))
        flat = torch.full((2, 12, 1), 7.0, dtype=torch.float64)  # sd 0: divided by the floor
        assert torch.isfinite(net(flat)).all()
    torch.testing.assert_close(net.spread(flat), torch.full((2, 1), SCALE_FLOOR).double())


def test_window_scale_auto_divides_quarterly_panels_only():
    quarterly = _panel(freq="QS", n=80)
    params = {**SMALL, "window": 8}
    q = GlobalForecaster("nhits", params).fit(quarterly, calibrate_steps=4)
    assert q.arch_["window_scale"] == "std" and q.net_.window_scale == "std"
    assert not q.logs_.any()  # quarterly: no logarithms
    m = GlobalForecaster("nhits", SMALL).fit(_panel(), calibrate_steps=6)
    assert m.arch_["window_scale"] == "none"
    given = GlobalForecaster("nhits", {**params, "window_scale": "none"}).fit(quarterly, 4)
    assert given.arch_["window_scale"] == "none"
    one = GlobalForecaster("nhits", params).fit(quarterly[:1], calibrate_steps=4)
    assert "window_scale" not in one.arch_ and one.net_.window_scale == "none"


def test_seeds_average_networks_trained_alone_from_consecutive_seeds(tmp_path):
    from forecast.io.modelfile import load_model_file, save_global_model

    panel = _panel()
    plain = {**SMALL, "transform": "none"}
    both = GlobalForecaster("nhits", {**plain, "seeds": 2, "seed": 5}).fit(panel, 6)
    alone = [GlobalForecaster("nhits", {**plain, "seeds": 1, "seed": s}).fit(panel, 6)
             for s in (5, 6)]  # fmt: skip
    assert both.arch_["kind"] == "mean" and both.arch_["members"] == 2
    assert [n["seed"] for n in both.info_["networks"]] == [5, 6]
    mine = both.predict(6)
    theirs = [model.predict(6) for model in alone]
    for sid, _ in panel:
        average = (theirs[0][sid].mean + theirs[1][sid].mean) / 2
        np.testing.assert_allclose(mine[sid].mean, average, rtol=1e-6)
    assert "mean of 2 networks" in both.summary("s0").description
    path = save_global_model(tmp_path / "m.fcm", both, {"horizon": 6, "levels": [80]})
    again = load_model_file(path).model.predict(6, [80])
    for sid, _ in panel:
        np.testing.assert_array_equal(again[sid].mean, both.predict(6, [80])[sid].mean)
    unset = {k: v for k, v in plain.items() if k != "seeds"}
    auto = GlobalForecaster("nhits", {**unset, "epochs": 1}).fit(panel, 6)
    assert auto.arch_["members"] == 3  # seeds=auto on a panel
    with pytest.raises(UsageError, match="seeds=2 applies to a global model"):
        get_spec("nhits").create({**SMALL, "seeds": 2}).fit(panel[0][1])
    with pytest.raises(UsageError, match="a quantile head"):
        GlobalForecaster("nhits", {**plain, "seeds": 2, "loss": "quantile"}).fit(panel, 6)
    quantile = GlobalForecaster("nhits", {**unset, "loss": "quantile", "epochs": 1}).fit(panel, 6)
    assert quantile.arch_["kind"] == "nhits"  # seeds=auto: one network under a quantile head


def test_a_damaged_anchor_or_average_is_refused():
    from forecast.io.modelfile import ModelFileError
    from forecast.io.modelschema import check_global

    model = GlobalForecaster("nhits", {**SMALL, "seeds": 2}).fit(_panel(), 6)
    meta, arrays = model.get_state()
    check_global(meta, arrays, "m.fcm")
    inner = {**meta["architecture"]["inner"], "anchor": "median"}
    with pytest.raises(ModelFileError, match="anchor 'median' is not one of last, mean"):
        check_global({**meta, "architecture": {**meta["architecture"], "inner": inner}}, arrays,
                     "m.fcm")  # fmt: skip
    with pytest.raises(ModelFileError, match="keys are not known"):
        check_global({**meta, "architecture": {**meta["architecture"], "hidden_size": 9}}, arrays,
                     "m.fcm")  # fmt: skip
    with pytest.raises(ModelFileError, match="averaged networks 99"):
        check_global({**meta, "architecture": {**meta["architecture"], "members": 99}}, arrays,
                     "m.fcm")  # fmt: skip


def test_recurrent_models_divide_quarterly_windows_by_their_spread():
    from forecast.io.modelfile import ModelFileError
    from forecast.io.modelschema import check_global
    from forecast.models.neural.recurrent import RecurrentNet

    torch.manual_seed(0)
    net = RecurrentNet("gru", 1, 8, 1, 0.0, False, 4, relative=True, window_scale="std").double()
    x = torch.randn(5, 12, 1, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(net(2.0 + 3.0 * x), 2.0 + 3.0 * net(x))
    params = {"window": 8, "epochs": 1, "hidden_size": 8, "device": "cpu"}
    quarterly = GlobalForecaster("gru", params).fit(_panel(freq="QS", n=80), calibrate_steps=4)
    assert quarterly.arch_["window_scale"] == "std" and quarterly.net_.window_scale == "std"
    monthly = GlobalForecaster("gru", params).fit(_panel(), calibrate_steps=4)
    assert monthly.arch_["window_scale"] == "none"
    one = get_spec("lstm").create(params).fit(_panel(freq="QS", n=80)[0][1])
    assert "window_scale" not in one.arch_ and one.net_.window_scale == "none"
    meta, arrays = quarterly.get_state()
    forged = {**meta, "architecture": {**meta["architecture"], "window_scale": "max"}}
    with pytest.raises(ModelFileError, match="window_scale 'max' is not one of none, std"):
        check_global(forged, arrays, "g.fcm")
