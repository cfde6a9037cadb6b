"""Sample plans, scalers, calendar features and window views, against slow obvious versions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.errors import InputError
from forecast.models.neural.windows import (
    MIN_TRAIN,
    MIN_VALIDATION,
    Scaler,
    auto_horizon,
    auto_window,
    features,
    gather,
    sample_origins,
    split_origins,
    steps_between,
    touched,
    window_view,
)

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


def test_standard_and_robust_scalers_use_the_textbook_statistics() -> None:
    values = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0])
    standard = Scaler.fit(values, "standard")
    assert standard.center == pytest.approx(127 / 7)
    assert standard.scale == pytest.approx(np.sqrt(np.mean((values - 127 / 7) ** 2)))
    robust = Scaler.fit(values, "robust")
    # numpy's default (linear) quantiles of 7 points: q25 = 3.0, median 8, q75 = 24.0
    assert (robust.center, robust.scale) == (8.0, 21.0)
    flat = Scaler.fit(np.array([5.0, 5.0, 5.0, 5.0, 9.0]), "robust")  # IQR 0: falls back to sd
    assert flat.scale == pytest.approx(np.std([5.0, 5.0, 5.0, 5.0, 9.0]))
    assert Scaler.fit(np.full(4, 3.0), "standard").scale == 1.0  # constant: no division by 0


@settings(max_examples=50, deadline=None)
@given(st.lists(finite, min_size=2, max_size=40), st.sampled_from(["standard", "robust"]))
def test_scaler_inverse_undoes_transform(values, kind) -> None:
    x = np.array(values)
    scaler = Scaler.fit(x, kind)
    np.testing.assert_allclose(scaler.inverse(scaler.transform(x)), x, rtol=1e-9, atol=1e-6)
    assert Scaler.from_dict(scaler.to_dict()) == scaler


@settings(max_examples=60, deadline=None)
@given(
    st.integers(10, 60),
    st.integers(1, 8),
    st.integers(1, 6),
    st.lists(st.integers(0, 59), min_size=1, max_size=20),
)
def test_touched_marks_exactly_the_positions_samples_read(n, window, out, picks) -> None:
    origins = np.array(sorted({p for p in picks if window - 1 <= p <= n - 1 - out}), dtype=int)
    if origins.size == 0:
        return
    slow = np.zeros(n, dtype=bool)
    for t in origins:
        slow[t - window + 1 : t + out + 1] = True
    np.testing.assert_array_equal(touched(origins, window, out, n), slow)


def test_sample_origins_have_full_windows_and_targets() -> None:
    origins = sample_origins(20, window=4, out=3)
    assert origins[0] == 3 and origins[-1] == 16  # y[0..3] in, y[17..19] out
    assert origins.size == 20 - 4 - 3 + 1


@settings(max_examples=60, deadline=None)
@given(st.integers(40, 400), st.integers(1, 30), st.floats(0.01, 0.45))
def test_validation_is_the_tail_and_no_training_target_reaches_it(n_origins, out, fraction) -> None:
    origins = np.arange(5, 5 + n_origins)
    try:
        split = split_origins(origins, out, fraction, "lstm")
    except InputError:
        assert n_origins - max(math.ceil(fraction * n_origins), MIN_VALIDATION) - (out - 1) < (
            MIN_TRAIN
        )
        return
    n_val = max(math.ceil(fraction * n_origins), MIN_VALIDATION)
    np.testing.assert_array_equal(split.validation, origins[-n_val:])
    assert split.train.max() + out <= split.validation.min()  # targets end before validation's
    assert split.train.size + split.purged + n_val == n_origins
    assert split.purged == min(out - 1, n_origins - n_val)


def test_too_few_samples_name_the_fix() -> None:
    with pytest.raises(InputError, match=r"lstm: 30 training samples are too few \(need 35"):
        split_origins(np.arange(30), 1, 0.1, "lstm")


def test_window_view_is_a_view_not_a_copy() -> None:
    values = np.arange(1_000, dtype=np.float32)
    view = window_view(values, 96)
    assert view.shape == (905, 96) and np.shares_memory(view, values)
    assert not view.flags.writeable
    np.testing.assert_array_equal(view[7], values[7:103])


def test_gather_reads_the_right_rows_from_an_unfold_view() -> None:
    series = torch.arange(50, dtype=torch.float32)
    assert series.unfold(0, 9, 1).data_ptr() == series.data_ptr()  # unfold shares storage
    origins = torch.tensor([5, 17, 40])
    rows = gather(series, origins, window=6, out=3)  # [3, 9]
    slow = torch.stack([series[t - 5 : t + 4] for t in origins.tolist()])
    torch.testing.assert_close(rows, slow, rtol=0, atol=0)


def test_calendar_features_are_the_phase_as_sin_and_cos() -> None:
    values = torch.zeros(2, 5)
    first = torch.tensor([0, 11])
    x = features(values, first, period=12, phase0=3)  # [2, 5, 3]
    assert x.shape == (2, 5, 3)
    for row, start in enumerate([0, 11]):
        for j in range(5):
            phase = (3 + start + j) % 12
            assert x[row, j, 1].item() == pytest.approx(
                math.sin(2 * math.pi * phase / 12), abs=1e-6
            )
            assert x[row, j, 2].item() == pytest.approx(
                math.cos(2 * math.pi * phase / 12), abs=1e-6
            )
    assert features(values, first, None, 0).shape == (2, 5, 1)


def test_steps_between_on_fixed_and_calendar_frequencies() -> None:
    a = pd.Timestamp("2000-06-05 00:00")
    assert steps_between(a, pd.Timestamp("2000-06-06 01:30"), "30min") == 51
    assert steps_between(pd.Timestamp("2000-06-06 01:30"), a, "30min") == -51
    assert steps_between(pd.Timestamp("1749-01-01"), pd.Timestamp("1750-03-01"), "MS") == 14
    assert steps_between(pd.Timestamp("1750-03-01"), pd.Timestamp("1749-01-01"), "MS") == -14


def test_automatic_window_and_horizon() -> None:
    assert (auto_window(48), auto_horizon(48)) == (96, 48)
    assert (auto_window(12), auto_horizon(12)) == (24, 24)
    assert (auto_window(None), auto_horizon(None)) == (24, 24)
    assert (auto_window(4), auto_window(336)) == (16, 336)  # clamped to [16, 336]
