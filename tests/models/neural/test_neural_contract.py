"""The Forecaster contract over the neural models (tiny sizes, a few epochs), and what is
particular to them: no look-ahead in the scaler and the early-stopping tail, exact
reproducibility, update without training, forecast_from, fine-tuning, conformal intervals.

The shared contract checks are imported from tests/models/test_contract.py and run here with
this module's ``fitted`` fixture (pytest collects the imported test functions).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from forecast.errors import InputError, UsageError
from forecast.models.registry import REGISTRY, get_spec
from tests.models.test_contract import (
    monthly_series,
    test_forecast_shape_index_and_nested_intervals,
    test_save_reload_forecasts_identically,
    test_update_keeps_parameters_and_moves_the_origin,
    test_update_refuses_a_gap,
)

__all__ = [
    "test_forecast_shape_index_and_nested_intervals",
    "test_save_reload_forecasts_identically",
    "test_update_keeps_parameters_and_moves_the_origin",
    "test_update_refuses_a_gap",
]

NEURAL = [name for name, spec in REGISTRY.items() if spec.family == "neural"]
TINY = {"window": 12, "horizon": 12, "epochs": 3, "patience": 2, "batch_size": 32}
SIZES = {
    "rnn": {"hidden_size": 8},
    "lstm": {"hidden_size": 8},
    "gru": {"hidden_size": 8},
    "transformer": {"d_model": 8, "heads": 2, "layers": 1, "ff_size": 16},
    "mlp": {"hidden_size": 8, "layers": 1},
    "cnn": {"filters": 4, "kernel_size": 3},
    "tcn": {"filters": 4, "kernel_size": 2, "layers": 2},  # receptive field 7 < the window
    "nbeats": {"hidden_size": 8, "layers": 1, "blocks": 1, "basis": "interpretable"},
    "nhits": {"hidden_size": 8, "layers": 1},
}


def tiny(name: str, **extra) -> dict:
    return {**TINY, **SIZES[name], **extra}


@pytest.fixture(scope="module")
def series() -> pd.Series:
    return monthly_series()


@pytest.fixture(scope="module", params=NEURAL)
def fitted(request, series):
    name = request.param
    return name, get_spec(name).create(tiny(name)).fit(series.iloc[:120])


def _weights(model) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.net_.state_dict().items()}


def _same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_all_nine_are_registered() -> None:
    assert NEURAL == [
        "rnn",
        "lstm",
        "gru",
        "transformer",
        "mlp",
        "cnn",
        "tcn",
        "nbeats",
        "nhits",
    ]


def test_same_seed_same_forecasts_bit_for_bit(series) -> None:
    for name in ("lstm", "transformer"):
        a = get_spec(name).create(tiny(name, seed=3)).fit(series.iloc[:120]).predict(6, [80, 95])
        b = get_spec(name).create(tiny(name, seed=3)).fit(series.iloc[:120]).predict(6, [80, 95])
        np.testing.assert_array_equal(a.mean, b.mean)
        np.testing.assert_array_equal(a.lower(95), b.lower(95))
        c = get_spec(name).create(tiny(name, seed=4)).fit(series.iloc[:120]).predict(6)
        assert not np.array_equal(a.mean, c.mean)  # the seed matters


def test_scaler_and_validation_tail_come_from_the_training_span(fitted, series) -> None:
    _name, model = fitted
    train = series.to_numpy()[:120]
    # every value of the training span is read by some sample: the scaler's statistics are its
    assert model.scaler_.center == pytest.approx(train.mean(), rel=1e-12)
    assert model.scaler_.scale == pytest.approx(train.std(), rel=1e-12)
    info = model.fitted_info_
    # validation: the last origins by time; their targets lie inside the training span
    first_target = pd.Timestamp(info["validation_start"])
    assert series.index[0] < first_target <= series.index[119]
    n_val = info["validation_origins"]
    last_origin = 119 - model.out_
    assert first_target == series.index[last_origin - n_val + 2]
    assert model.cal_values_[-1] == train[-1]  # calibration reads the training data only


def test_no_look_ahead_with_fit_origins(series) -> None:
    """Samples at origins <= 84 read y[.. 84 + horizon 12]; nothing after that changes the
    model, and changing the last value they read does."""
    name = "gru"
    params = tiny(name)
    origins = np.arange(11, 85)
    base = get_spec(name).create(params).fit_origins(series, origins)
    altered = series.copy()
    altered.iloc[97:] = -1e6
    again = get_spec(name).create(params).fit_origins(altered, origins)
    assert _same_weights(_weights(base), _weights(again))
    assert again.scaler_ == base.scaler_
    history = series.iloc[:97]
    a = base.forecast_from(history, [96], 6, [80])
    b = again.forecast_from(history, [96], 6, [80])
    np.testing.assert_array_equal(a.mean, b.mean)
    np.testing.assert_array_equal(a.bands[80.0][0], b.bands[80.0][0])
    touched_last = series.copy()
    touched_last.iloc[96] += 50.0  # the last target of origin 84 (horizon 12)
    moved = get_spec(name).create(params).fit_origins(touched_last, origins)
    assert moved.scaler_ != base.scaler_


def test_fit_origins_uses_only_the_given_origins(series) -> None:
    gap = np.r_[np.arange(11, 40), np.arange(60, 100)]  # a hole, as purged k-fold leaves
    model = get_spec("lstm").create(tiny("lstm")).fit_origins(series, gap)
    info = model.fitted_info_
    assert info["validation_origins"] == 19  # max(ceil(0.1 * 69), 19)
    assert info["train_origins"] + info["purged_origins"] + 19 == gap.size
    read = np.zeros(series.size, dtype=bool)
    for t in gap:
        read[t - 11 : t + 13] = True
    values = series.to_numpy()[read]
    assert model.scaler_.center == pytest.approx(values.mean(), rel=1e-12)
    assert model.cal_limit_ == 12
    assert model.predict(12, [95]).mean.shape == (12,)
    with pytest.raises(UsageError, match=r"calibrated up to 12 steps ahead"):
        model.predict(14, [80])


def test_update_does_not_train(fitted, series) -> None:
    _name, model = fitted
    copy = type(model).from_state(*model.get_state())
    before = _weights(copy)
    copy.update(series.iloc[120:126])
    assert _same_weights(before, _weights(copy))
    expected = model.rebased(series.iloc[:126]).predict(4, [80])
    np.testing.assert_array_equal(copy.predict(4, [80]).mean, expected.mean)


def test_forecast_from_equals_predict_on_rebased_prefixes(fitted, series) -> None:
    name, model = fitted
    origins = np.array([30, 75, 119, 125])
    batch = model.forecast_from(series, origins, 5, [80, 95])
    assert batch.mean.shape == (4, 5) and batch.interval_method.startswith("split-conformal")
    for i, t in enumerate(origins):
        one = model.rebased(series.iloc[: t + 1]).predict(5, [80, 95])
        np.testing.assert_allclose(batch.mean[i], one.mean, rtol=1e-5, err_msg=name)
        for level in (80.0, 95.0):
            np.testing.assert_allclose(batch.bands[level][0][i], one.lower(level), rtol=1e-5)
            np.testing.assert_allclose(batch.bands[level][1][i], one.upper(level), rtol=1e-5)
    with pytest.raises(UsageError, match=r"forecast origins must lie in 11 \.\. 131"):
        model.forecast_from(series, [5], 3)


def test_forecast_from_in_small_chunks_equals_one_pass(fitted, series, monkeypatch) -> None:
    from forecast.models.neural import forecaster

    _name, model = fitted
    origins = np.arange(11, 132)
    whole = model.forecast_from(series, origins, 4)
    monkeypatch.setattr(forecaster, "INFERENCE_ELEMENTS", 1)  # 64 origins per forward pass
    assert model._chunk_size() == 64
    chunked = model.forecast_from(series, origins, 4)
    np.testing.assert_allclose(chunked.mean, whole.mean, rtol=1e-5)


def test_conformal_intervals_against_a_slow_computation(series) -> None:
    """Split-conformal half-width at step k: the ceil((n+1) L)-th smallest |error| over the
    validation-tail origins whose target t+k is in the training data."""
    model = get_spec("lstm").create(tiny("lstm")).fit(series.iloc[:120])
    y = series.to_numpy()[:120]
    n_val = model.fitted_info_["validation_origins"]
    first = (119 - model.out_) - n_val + 1
    errors: dict[int, list[float]] = {k: [] for k in range(1, 13)}
    for t in range(first, 119):
        mean = model.rebased(series.iloc[: t + 1]).predict(12).mean
        for k in range(1, 13):
            if t + k <= 119:
                errors[k].append(abs(y[t + k] - mean[k - 1]))
    forecast = model.predict(12, [80, 95])
    for level in (80.0, 95.0):
        half = forecast.upper(level) - forecast.mean
        for k in range(1, 13):
            column = sorted(errors[k])
            expected = column[math.ceil((len(column) + 1) * level / 100) - 1]
            assert half[k - 1] == pytest.approx(expected, rel=1e-4), (level, k)


def test_calibration_uses_at_most_the_last_calibration_max_origins(series, monkeypatch) -> None:
    from forecast.models.neural import forecaster

    monkeypatch.setattr(forecaster, "CALIBRATION_MAX", 25)
    model = get_spec("rnn").create(tiny("rnn")).fit(series.iloc[:120])
    assert model.cal_origins_.size == 25  # origins 94 .. 118 of the training span
    assert model.cal_values_.size == 11 + 25 + 1  # window - 1, the origins, the last target
    np.testing.assert_array_equal(model.cal_values_, series.to_numpy()[83:120])
    assert model.predict(12, [80]).mean.shape == (12,)  # step 12: 25 - 11 = 14 errors, >= 4


def test_an_interval_the_validation_tail_cannot_support_names_the_fix(fitted) -> None:
    _name, model = fitted
    with pytest.raises(UsageError, match=r"a 99.9% interval needs at least 999 validation"):
        model.predict(3, [99.9])
    assert model.predict(3).mean.shape == (3,)  # no levels: no calibration needed


def test_forecasts_beyond_the_head_continue_the_head(fitted) -> None:
    _name, model = fitted
    short, long = model.predict(12), model.predict(20, [80])
    np.testing.assert_array_equal(long.mean[:12], short.mean)
    assert long.mean.shape == (20,) and np.isfinite(long.mean).all()
    assert np.all(long.upper(80) > long.mean)  # calibrated beyond the head too (80%: n >= 4)


def test_recursive_strategy_has_a_one_step_head(series) -> None:
    model = get_spec("gru").create(tiny("gru", strategy="recursive")).fit(series.iloc[:120])
    assert model.out_ == 1 and model.arch_["out_steps"] == 1
    forecast = model.predict(8, [80])
    assert forecast.mean.shape == (8,) and np.all(forecast.upper(80) > forecast.mean)


def test_refit_fine_tunes_from_the_current_weights(fitted, series) -> None:
    _name, model = fitted
    before = _weights(model)
    tuned = model.refit(series)
    assert _same_weights(before, _weights(model))  # the original is untouched
    assert not _same_weights(before, _weights(tuned))
    assert tuned.scaler_ == model.scaler_ and tuned.window_ == model.window_
    assert tuned.fitted_info_["fine_tuned"] and tuned.fitted_info_["epochs_run"] <= 10
    assert tuned.y_.size == series.size and tuned.end_ == series.index[-1]
    assert "fine-tuned on cpu" in tuned.summary().extra["estimation"]


def test_early_stopping_restores_the_best_weights(series) -> None:
    from forecast.models.neural import trainer
    from forecast.models.neural.device import resolve

    model = (
        get_spec("lstm").create(tiny("lstm", epochs=8, patience=2, lr=0.05)).fit(series.iloc[:120])
    )
    info = model.fitted_info_
    val = [v for _, v in info["history"]]
    assert info["val_loss"] == min(val) and info["best_epoch"] == int(np.argmin(val)) + 1
    # the weights the model holds give exactly the best validation loss
    y = series.to_numpy()[:120]
    data = trainer.Windows(
        torch.from_numpy(model.scaler_.transform(y).astype(np.float32)),
        model.window_,
        model.out_,
        model.calendar_period_,
        0,
    )
    n_val = info["validation_origins"]
    origins = torch.arange(119 - model.out_ - n_val + 1, 119 - model.out_ + 1)
    loss = trainer.evaluate(model.net_, data, origins, trainer.loss_function("mae"), resolve("cpu"))
    assert loss == pytest.approx(info["val_loss"], rel=1e-5)


def test_a_diverging_run_is_a_compute_error(series, monkeypatch) -> None:
    from torch import nn

    from forecast.errors import ComputeError
    from forecast.models.neural import trainer

    class Exploding(nn.Module):
        def forward(self, prediction, target):
            return (prediction - target).abs().mean() * float("nan")

    monkeypatch.setattr(trainer, "loss_function", lambda name: Exploding())
    with pytest.raises(ComputeError, match=r"training lstm diverged at epoch 1 .*lower --param lr"):
        get_spec("lstm").create(tiny("lstm")).fit(series.iloc[:120])


def test_progress_reports_epoch_and_both_losses(series, monkeypatch) -> None:
    from contextlib import contextmanager

    from forecast.models.neural import trainer

    seen: list[dict] = []

    @contextmanager
    def recorder(description, total):
        seen.append({"description": description, "total": total})
        yield lambda steps=1, **fields: seen.append(fields)

    monkeypatch.setattr(trainer, "task", recorder)
    model = get_spec("rnn").create(tiny("rnn", epochs=4, patience=10)).fit(series.iloc[:120])
    assert seen[0] == {"description": "training rnn", "total": 4}
    assert [s["epoch"] for s in seen[1:]] == [1, 2, 3, 4]
    assert [(s["train"], s["val"]) for s in seen[1:]] == [
        tuple(pair) for pair in model.fitted_info_["history"]
    ]


def test_output_states_device_window_and_interval_method(fitted) -> None:
    name, model = fitted
    summary = model.summary().to_dict()
    assert summary["device"] == "cpu" and summary["window"] == 12
    assert summary["window_source"] == "12 (given)"
    assert summary["interval_method"].startswith("split-conformal")
    assert "trained on cpu" in summary["description"]
    auto = get_spec(name).create({**SIZES[name], "epochs": 1}).fit(monthly_series(240))
    extra = auto.summary().extra
    assert extra["window"] == 24 and extra["window_source"] == "24 (auto: 2 x period 12)"
    assert "period 12 (calendar's, seasonal: ACF(12)" in extra["selection"]


def test_bad_settings_are_usage_errors(series) -> None:
    with pytest.raises(UsageError, match=r"d_model \(10\) must be a multiple of heads \(4\)"):
        get_spec("transformer").create({**TINY, "d_model": 10}).fit(series)
    with pytest.raises(UsageError, match=r"val_fraction=0.6 must be above 0 and below 0.5"):
        get_spec("lstm").create({**TINY, "val_fraction": 0.6}).fit(series)
    with pytest.raises(InputError, match=r"only 0 samples are left to train on"):
        get_spec("lstm").create({**TINY, "window": 60, "horizon": 30}).fit(series)


def test_lookback_is_the_window(series) -> None:
    assert get_spec("lstm").create({"window": 30}).lookback("MS") == 30
    assert get_spec("lstm").create().lookback("30min") == 96  # 2 x the calendar's 48
    assert get_spec("gru").create().target_length("MS") == 24
    assert get_spec("gru").create(tiny("gru")).fit(series).lookback() == 12
