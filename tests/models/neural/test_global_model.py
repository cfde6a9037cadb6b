"""The global neural model over a panel: the window index (no window crosses a series or its
training cut), batches against a slow per-series construction, a panel of one against the
per-series model (bit-identical weights), seeded repeatability, accuracy on a simulated panel,
model files, update, and the CUDA path (mocked here; the real one where CUDA exists)."""

from __future__ import annotations

import contextlib
import math
import os

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.errors import InputError, UsageError
from forecast.models.neural import device as dev
from forecast.models.neural import trainer
from forecast.models.neural.global_model import (
    GlobalForecaster,
    GlobalOptions,
    panel_split,
    split_options,
)
from forecast.models.neural.windows import split_origins
from forecast.models.registry import get_spec
from tests.models.test_contract import monthly_series

TINY = {
    "window": 12,
    "horizon": 12,
    "epochs": 3,
    "patience": 2,
    "batch_size": 32,
    "hidden_size": 8,
    "device": "cpu",
}


def seasonal_panel(n_series: int, n: int, seed: int = 0) -> list[tuple[str, pd.Series]]:
    """Monthly series sharing one seasonal shape, each with its own level, scale, start, noise."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_series):
        start = pd.Timestamp("2000-01-01") + pd.DateOffset(months=int(rng.integers(0, 12)))
        index = pd.date_range(start, periods=n, freq="MS")
        month = index.month.to_numpy()
        level, scale = rng.uniform(50, 500), rng.uniform(5, 50)
        y = level + scale * np.sin(2 * np.pi * month / 12) + rng.normal(0, 0.1 * scale, n)
        series = pd.Series(y, index=index)
        series.attrs["freq"] = "MS"
        out.append((f"s{i:02d}", series))
    return out


# --- the window index -------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    lengths=st.lists(st.integers(0, 120), min_size=1, max_size=6),
    window=st.integers(2, 12),
    out=st.integers(1, 12),
    val_fraction=st.sampled_from([0.1, 0.2, 0.3]),
)
def test_no_sample_crosses_a_series_or_its_training_cut(lengths, window, out, val_fraction):
    try:
        split = panel_split(lengths, window, out, val_fraction, "gru")
    except InputError as exc:  # too few samples over the whole panel: refused
        assert "the panel gives" in str(exc)
        samples = [max(0, n - window - out + 1) for n in lengths]
        # validation (at most max(ceil(f m), 19) per series) and purged (at most out - 1) aside
        aside = sum(max(math.ceil(val_fraction * m), 19) + out for m in samples if m >= 2)
        assert sum(samples) < 16 + aside
        return
    bounds = split.bounds
    series_of = lambda g: int(np.searchsorted(bounds, g, side="right") - 1)  # noqa: E731
    for g in np.concatenate([split.train, split.validation]):
        i = series_of(g)
        # the whole sample [g - window + 1, g + out] lies inside series i
        assert bounds[i] <= g - window + 1 and g + out <= bounds[i + 1] - 1
    for g in split.train:
        i = series_of(g)
        cut = bounds[i] + split.first_validation[i]
        assert g + out <= cut  # no training target reaches the series' validation targets
    for i in range(len(lengths)):
        lo, hi = bounds[i], bounds[i + 1]
        val = split.validation[(split.validation >= lo) & (split.validation < hi)]
        tr = split.train[(split.train >= lo) & (split.train < hi)]
        if val.size:
            assert tr.size == 0 or tr.max() < val.min()  # the validation tail is the series' end
            assert val.max() == hi - 1 - out  # ... up to its last full sample


def test_a_panel_of_one_splits_as_one_series_and_short_series_still_validate():
    split = panel_split([120], 12, 12, 0.1, "gru")
    one = split_origins(np.arange(11, 120 - 12), 12, 0.1, "gru")
    np.testing.assert_array_equal(split.train, one.train)
    np.testing.assert_array_equal(split.validation, one.validation)
    assert split.purged == one.purged
    # a series of 30 values has 7 samples: too few on its own, 1 validation origin in a panel
    split = panel_split([120, 30, 5], 12, 12, 0.1, "gru")
    short = split.validation[(split.validation >= 120) & (split.validation < 150)]
    np.testing.assert_array_equal(short, [120 + 17])
    assert split.samples[2] == 0 and split.first_validation[2] == -1


def test_batches_gather_each_series_own_values_and_phase():
    """trainer.batch on the concatenated panel against a slow construction per sample."""
    rng = np.random.default_rng(1)
    lengths = [40, 25, 33]
    values = [rng.normal(size=n) for n in lengths]
    phases = [3, 0, 7]
    period, window, out = 12, 6, 4
    split = panel_split(lengths, window, out, 0.2, "gru")
    bounds = split.bounds
    shift = np.array(phases) - bounds[:-1]
    data = trainer.Windows(
        torch.from_numpy(np.concatenate(values).astype(np.float32)),
        window,
        out,
        period,
        0,
        bounds=torch.from_numpy(bounds),
        shift=torch.from_numpy(shift),
        embed=True,  # the series index comes back for the network's embeddings
    )
    origins = np.concatenate([split.train, split.validation])
    x, target, sid = trainer.batch(data, torch.from_numpy(origins))
    assert sid is not None
    for row, g in enumerate(origins):
        i = int(np.searchsorted(bounds, g, side="right") - 1)
        t = g - bounds[i]
        assert int(sid[row]) == i
        y = values[i].astype(np.float32)
        np.testing.assert_array_equal(x[row, :, 0].numpy(), y[t - window + 1 : t + 1])
        np.testing.assert_array_equal(target[row].numpy(), y[t + 1 : t + 1 + out])
        phase = (phases[i] + np.arange(t - window + 1, t + 1)) % period
        angle = torch.from_numpy(phase).float() * (2 * math.pi / period)
        torch.testing.assert_close(x[row, :, 1], torch.sin(angle))
        torch.testing.assert_close(x[row, :, 2], torch.cos(angle))


# --- against the per-series model ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["gru", "transformer"])
def test_a_panel_of_one_is_the_per_series_model(name):
    """Same windows, scaler and seed: bit-identical weights, the same forecasts and intervals."""
    y = monthly_series().iloc[:120]
    params = dict(TINY)
    if name == "transformer":
        params = {k: v for k, v in TINY.items() if k != "hidden_size"}
        params |= {"d_model": 8, "heads": 2, "layers": 1, "ff_size": 16}
    single = get_spec(name).create(params).fit(y)
    panel = GlobalForecaster(name, params).fit([("a", y)], calibrate_steps=18)
    for (k1, v1), (k2, v2) in zip(
        single.net_.state_dict().items(), panel.net_.state_dict().items(), strict=True
    ):
        assert k1 == k2 and torch.equal(v1, v2), k1
    one, other = single.predict(18, [80]), panel.predict(18, [80])["a"]
    assert one.index.equals(other.index)
    np.testing.assert_allclose(other.mean, one.mean, rtol=0, atol=1e-9)
    np.testing.assert_allclose(other.lower(80), one.lower(80), rtol=0, atol=1e-9)
    assert panel.info_["train_origins"] == single.fitted_info_["train_origins"]


def test_update_moves_the_window_like_the_per_series_model():
    y = monthly_series().iloc[:132]
    single = get_spec("gru").create(TINY).fit(y.iloc[:120])
    panel = GlobalForecaster("gru", TINY).fit([("a", y.iloc[:120])])
    assert panel.update("a", y.iloc[110:]) == 12  # the overlap agrees and is skipped
    single.update(y.iloc[120:])
    np.testing.assert_allclose(panel.predict(6)["a"].mean, single.predict(6).mean, atol=1e-9)
    assert panel.predict(6)["a"].index[0] == y.index[-1] + pd.DateOffset(months=1)
    with pytest.raises(InputError, match="must start at"):
        panel.update("a", y.iloc[-1:].set_axis([y.index[-1] + pd.DateOffset(months=3)]))
    bad = y.iloc[-2:].copy()
    bad.iloc[0] += 1
    with pytest.raises(InputError, match="disagrees"):
        panel.update("a", bad)


# --- the panel ---------------------------------------------------------------------------------


def test_seeded_cpu_runs_are_bit_identical_and_the_seed_matters():
    panel = seasonal_panel(4, 60)
    params = {**TINY, "epochs": 2}
    a = GlobalForecaster("lstm", params, series_embedding=3).fit(panel)
    b = GlobalForecaster("lstm", params, series_embedding=3).fit(panel)
    c = GlobalForecaster("lstm", {**params, "seed": 1}, series_embedding=3).fit(panel)
    for k, v in a.net_.state_dict().items():
        assert torch.equal(v, b.net_.state_dict()[k]), k
    assert "embedding.weight" in a.net_.state_dict()
    assert not torch.equal(a.net_.state_dict()["embedding.weight"], c.net_.state_dict()[
        "embedding.weight"])  # fmt: skip
    fa, fb = a.predict(12, [80]), b.predict(12, [80])
    for sid in fa:
        np.testing.assert_array_equal(fa[sid].mean, fb[sid].mean)


@pytest.mark.slow
def test_the_global_model_learns_a_shared_season_on_short_series():
    """24 series of 48 months (too short for a per-series network: 70 needed) sharing a
    seasonal shape: the global GRU, scored on each series' last 12 months, beats the naive
    forecast by far and comes near the seasonal naive (which knows the period exactly)."""
    full = seasonal_panel(24, 60, seed=3)
    train = [(sid, y.iloc[:48]) for sid, y in full]
    model = GlobalForecaster(
        "gru", {"epochs": 40, "hidden_size": 16, "device": "cpu", "lr": 0.01}
    ).fit(train)
    forecasts = model.predict(12)
    mae, naive, snaive = [], [], []
    for sid, y in full:
        actual = y.iloc[48:].to_numpy()
        mae.append(np.mean(np.abs(forecasts[sid].mean - actual)))
        naive.append(np.mean(np.abs(y.iloc[47] - actual)))
        snaive.append(np.mean(np.abs(y.iloc[36:48].to_numpy() - actual)))
    assert np.mean(mae) < 0.5 * np.mean(naive)
    assert np.mean(mae) < 1.5 * np.mean(snaive)


def test_save_and_reload_forecast_identically(tmp_path):
    from forecast.io.modelfile import LoadedGlobal, load_model_file, save_global_model

    panel = seasonal_panel(3, 60)
    model = GlobalForecaster("gru", TINY, series_embedding=2).fit(panel, calibrate_steps=12)
    path = save_global_model(tmp_path / "g.fcm", model, {"horizon": 12, "levels": [80]})
    loaded = load_model_file(path)
    assert isinstance(loaded, LoadedGlobal)
    again = loaded.model.predict(12, [80], ids=["s02", "s00"])
    first = model.predict(12, [80])
    assert list(again) == ["s02", "s00"]
    for sid in again:
        np.testing.assert_array_equal(again[sid].mean, first[sid].mean)
        np.testing.assert_array_equal(again[sid].upper(80), first[sid].upper(80))
    raw = bytearray(path.read_bytes())
    raw[-3] ^= 0xFF
    (tmp_path / "bad.fcm").write_bytes(bytes(raw))
    with pytest.raises(Exception, match="checksum"):
        load_model_file(tmp_path / "bad.fcm")
    with pytest.raises(UsageError, match="no series 'zz'"):
        model.predict(3, ids=["zz"])


def test_a_series_shorter_than_the_window_is_reported_not_forecast():
    panel = [*seasonal_panel(3, 60), ("tiny", seasonal_panel(1, 8)[0][1])]
    model = GlobalForecaster("gru", TINY).fit(panel)
    out = model.predict(4)
    assert isinstance(out["tiny"], str) and "last 12 observations" in out["tiny"]
    assert all(not isinstance(out[s], str) for s in ("s00", "s01", "s02"))


def test_options_from_the_parameters():
    opts, rest = split_options("gru", {"global": "false", "hidden_size": "8"})
    assert opts == GlobalOptions(False, 0, False) and rest == {"hidden_size": "8"}
    assert not opts.applies("gru", 10)
    opts, _ = split_options("lstm", {"series_embedding": "4"})
    assert opts.applies("lstm", 2) and not opts.applies("lstm", 1) and opts.series_embedding == 4
    assert not opts.applies("arima", 10)
    with pytest.raises(UsageError, match="applies to the neural models"):
        split_options("arima", {"global": "true"})
    with pytest.raises(UsageError, match="series_embedding=-1"):
        split_options("gru", {"series_embedding": "-1"})


# --- CUDA ----------------------------------------------------------------------------------------


def test_deterministic_on_cuda_sets_the_flags_and_restores_them(monkeypatch):
    """The CUDA branch of device.reproducible, with the CUDA RNG fork mocked."""
    monkeypatch.setattr(torch.random, "fork_rng", lambda **_: contextlib.nullcontext())
    monkeypatch.setattr(torch, "manual_seed", lambda seed: None)
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG", raising=False)
    choice = dev.DeviceChoice(torch.device("cuda"), "requested")
    before = torch.are_deterministic_algorithms_enabled()
    with dev.reproducible(0, choice, deterministic=False):
        assert torch.are_deterministic_algorithms_enabled() == before
    with dev.reproducible(0, choice, deterministic=True):
        assert torch.are_deterministic_algorithms_enabled()
        assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark
        assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    assert torch.are_deterministic_algorithms_enabled() == before
    assert not torch.backends.cudnn.deterministic


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@needs_cuda
@pytest.mark.parametrize("amp", [False, True])
def test_cuda_global_fit_deterministic_runs_agree_and_reload_on_cpu(amp, tmp_path):
    from forecast.io.modelfile import load_model_file, save_global_model

    panel = seasonal_panel(6, 60)
    params = {**TINY, "device": "cuda", "amp": amp}
    a = GlobalForecaster("gru", params, deterministic=True).fit(panel)
    b = GlobalForecaster("gru", params, deterministic=True).fit(panel)
    assert a.info_["device"] == "cuda"
    for k, v in a.net_.state_dict().items():
        assert torch.equal(v.cpu(), b.net_.state_dict()[k].cpu()), k
    path = save_global_model(tmp_path / "g.fcm", a, {})
    loaded = load_model_file(path).model
    loaded.use_device("cpu")
    cpu, gpu = loaded.predict(6), a.predict(6)
    for sid in cpu:
        np.testing.assert_allclose(cpu[sid].mean, gpu[sid].mean, rtol=1e-3, atol=1e-3)
