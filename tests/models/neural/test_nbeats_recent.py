"""Issue 33: nbeats and nhits on panels of short series: the recent pass (epochs over every
origin, the validation tail's included, after early stopping; ``recent_epochs``, off by
default) and a global model's automatic window (one period, at least 12)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from forecast.models.neural import device as dev
from forecast.models.neural import nbeats, trainer
from forecast.models.neural.families import STACKED_WINDOW, NBeats, NHits
from forecast.models.neural.global_model import GlobalForecaster
from forecast.models.neural.windows import (
    MAX_AUTO_WINDOW,
    Split,
    auto_window,
    sample_origins,
    split_origins,
)
from forecast.models.registry import get_spec
from forecast.progress import progress_enabled

WINDOW, OUT = 8, 3


def _net() -> torch.nn.Module:
    torch.manual_seed(0)
    return nbeats.nhits(1, WINDOW, OUT, [2, 1], [2, 1], 1, 8, 2, 0.0)


def _setup(recent: int) -> tuple[trainer.Windows, Split, trainer.TrainConfig]:
    rng = np.random.default_rng(1)
    values = np.sin(np.arange(160) / 3.0) + rng.normal(0, 0.3, 160)
    series = torch.from_numpy(values.astype(np.float32))
    data = trainer.Windows(series, WINDOW, OUT, None, 0)
    split = split_origins(sample_origins(values.size, WINDOW, OUT), OUT, 0.15, "nhits")
    config = trainer.TrainConfig(
        lr=0.01, weight_decay=0.0, batch_size=16, loss="mae", clip=1.0, epochs=4, patience=10,
        amp=False, seed=3, recent_epochs=recent,
    )  # fmt: skip
    return data, split, config


def _train(recent: int) -> tuple[torch.nn.Module, trainer.TrainResult]:
    data, split, config = _setup(recent)
    net = _net()
    with progress_enabled(False):
        result = trainer.train(net, data, split, config, dev.resolve("cpu", strict=True), "t")
    return net, result


def _by_hand(net: torch.nn.Module, epochs: int) -> list[float]:
    """The recent pass written out: Adam from ``net``'s weights, every origin sorted, shuffled
    by numpy's generator seeded seed + 1, windows and targets sliced one by one, the mean
    absolute error, gradients clipped to norm 1. The mean loss of each epoch."""
    data, split, config = _setup(epochs)
    series = data.series
    every = np.sort(np.concatenate([split.train, split.validation]))
    optimiser = torch.optim.Adam(net.parameters(), lr=config.lr)
    rng = np.random.default_rng(config.seed + 1)
    losses = []
    net.train()
    for _ in range(epochs):
        order = every[rng.permutation(every.size)]
        total = 0.0
        for first in range(0, order.size, config.batch_size):
            chunk = order[first : first + config.batch_size]
            x = torch.stack([series[o - WINDOW + 1 : o + 1] for o in chunk])[:, :, None]
            target = torch.stack([series[o + 1 : o + 1 + OUT] for o in chunk])
            optimiser.zero_grad()
            loss = (net(x) - target).abs().mean()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
            total += float(loss.detach()) * chunk.size
        losses.append(total / order.size)
    return losses


def test_the_recent_pass_is_adam_over_every_origin_from_the_best_weights() -> None:
    stopped, before = _train(0)
    recent, after = _train(3)
    expected = _by_hand(stopped, 3)
    np.testing.assert_allclose(after.recent, expected, rtol=1e-5)
    for (name, a), b in zip(
        recent.state_dict().items(), stopped.state_dict().values(), strict=True
    ):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6, msg=name)
    # early stopping is the same run either way: the pass comes after it
    assert after.history == before.history and after.best_epoch == before.best_epoch
    assert after.record()["recent_epochs"] == 3 and "recent_epochs" not in before.record()
    _, split, _ = _setup(3)
    assert after.samples == before.samples + 3 * (split.train.size + split.validation.size)


def test_the_recent_pass_moves_the_weights_and_off_leaves_them() -> None:
    stopped, _ = _train(0)
    again, _ = _train(0)
    recent, _ = _train(2)
    pairs = zip(stopped.state_dict().values(), again.state_dict().values(), strict=True)
    assert all(torch.equal(a, b) for a, b in pairs)
    # every weight on a forecast's path (the last block's backcast and the regressors' head
    # reach no output here)
    blocks = [k for k, _ in recent.named_parameters() if ".fc." in k or ".forecast." in k]
    assert len(blocks) == 2 * 2 * 2 + 2 * 2  # 2 stacks: 2 layers and the forecast, w and b
    new, old = recent.state_dict(), stopped.state_dict()
    assert all(not torch.equal(new[k], old[k]) for k in blocks)


@pytest.mark.parametrize(
    ("period", "window"),
    [(None, STACKED_WINDOW), (4, STACKED_WINDOW), (12, 12), (24, 24), (1000, MAX_AUTO_WINDOW)],
)
def test_the_global_window_is_one_period_at_least_12(period, window) -> None:
    for cls in (NBeats, NHits):
        assert cls()._global_window(period)[0] == window
        assert cls()._auto_window(period)[0] == auto_window(period)  # one series: as before


def test_the_registry_states_the_window_and_the_recent_pass() -> None:
    for name in ("nbeats", "nhits"):
        params = {p.name: p for p in get_spec(name).params}
        assert params["recent_epochs"].default == 0
        assert "a global model: one period, at least 12" in params["window"].help
    assert "one period" not in {p.name: p for p in get_spec("mlp").params}["window"].help


def _panel(n_series: int, n: int, seed: int) -> list[tuple[str, pd.Series]]:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2000-01-01", periods=n, freq="MS")
    season = np.sin(2 * np.pi * np.arange(n) / 12)
    return [
        (f"s{i}", pd.Series(50 + 10 * (i % 3) * season + rng.normal(0, 1, n), index=index))
        for i in range(n_series)
    ]


def test_a_global_fit_takes_the_rule_and_the_recent_pass() -> None:
    panel = _panel(12, 60, 0)
    params = {"epochs": 3, "hidden_size": 8, "device": "cpu", "period": 12}
    with progress_enabled(False):
        off = GlobalForecaster("nhits", params).fit(panel, calibrate_steps=6)
        recent = params | {"recent_epochs": 10}
        tuned = GlobalForecaster("nhits", recent).fit(panel, calibrate_steps=6)
        same = GlobalForecaster("nhits", recent).fit(panel, calibrate_steps=6)
    assert (
        off.window_ == tuned.window_ == 12
        and "one period, at least 12" in off.info_["selection"]["window"]
    )
    assert tuned.info_["recent_epochs"] == 10 and "recent_epochs" not in off.info_
    a, b, c = (m.predict(6, [80]) for m in (tuned, same, off))
    for sid, _ in panel:  # deterministic with a seed; the pass changes the forecast
        np.testing.assert_array_equal(a[sid].mean, b[sid].mean)
        np.testing.assert_array_equal(a[sid].upper(80), b[sid].upper(80))
    assert not all(np.array_equal(a[sid].mean, c[sid].mean) for sid, _ in panel)


def test_a_per_series_fit_takes_the_recent_pass() -> None:
    _, y = _panel(1, 120, 1)[0]
    params = {"epochs": 2, "hidden_size": 8, "device": "cpu", "recent_epochs": 4}
    with progress_enabled(False):
        model = get_spec("nbeats").create(params).fit(y)
    assert model.fitted_info_["recent_epochs"] == 4
    assert model.window_ == 20  # one series: two periods (24), capped at n / 6
