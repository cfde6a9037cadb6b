"""Metrics against hand-worked values (arithmetic in the comments), slow element-by-element
implementations (Hypothesis) and scikit-learn."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from forecast.backtesting.metrics import (
    bias,
    coverage,
    mae,
    mape,
    mase,
    n_zero_actuals,
    naive_scale,
    naive_scale_sq,
    rmse,
    rmsse,
    smape,
    winkler,
)
from forecast.errors import InputError, UsageError

# --- hand-worked values -------------------------------------------------------------------


def test_point_metrics_worked_example() -> None:
    y = np.array([1.0, 2.0, 3.0, 4.0])
    f = np.array([2.0, 2.0, 2.0, 5.0])
    # f - y = [1, 0, -1, 1]
    assert mae(y, f) == pytest.approx(0.75)  # (1 + 0 + 1 + 1) / 4
    assert rmse(y, f) == pytest.approx(math.sqrt(0.75))  # sqrt((1 + 0 + 1 + 1) / 4)
    assert bias(y, f) == pytest.approx(0.25)  # (1 + 0 - 1 + 1) / 4: forecasts too high
    # |e| / |y| = [1, 0, 1/3, 1/4] -> mean 19/48 -> 39.58333 %
    assert mape(y, f) == pytest.approx(100 * 19 / 48)
    # |e| / (|y| + |f|) = [1/3, 0, 1/5, 1/9] -> sum 29/45, mean 29/180 -> 32.2222 %
    assert smape(y, f) == pytest.approx(200 * 29 / 180)


def test_bias_sign_against_r_metrics_documentation() -> None:
    # R package Metrics, ?bias example: bias(actual, predicted) = mean(actual - predicted)
    # prints 0.01666667. Ours is forecast minus actual, so the opposite sign.
    actual = np.array([1.1, 1.9, 3.0, 4.4, 5.0, 5.6])
    predicted = np.array([0.9, 1.8, 2.5, 4.5, 5.0, 6.2])
    assert bias(actual, predicted) == pytest.approx(-0.01666667, abs=1e-8)


def test_mape_leaves_out_zero_actuals_and_counts_them() -> None:
    y = np.array([0.0, 2.0, 4.0])
    f = np.array([1.0, 1.0, 5.0])
    # the y = 0 point is left out: mean(1/2, 1/4) = 0.375 -> 37.5 %
    assert mape(y, f) == pytest.approx(37.5)
    assert n_zero_actuals(y) == 1
    assert math.isnan(mape(np.zeros(3), np.ones(3)))
    assert n_zero_actuals(np.zeros((2, 3))) == 6


def test_smape_counts_zero_over_zero_as_zero() -> None:
    # M4: 0/0 -> 0. Terms [0, |1-3| / (1+3) = 0.5], mean 0.25 -> 50 %
    assert smape(np.array([0.0, 1.0]), np.array([0.0, 3.0])) == pytest.approx(50.0)
    assert smape(np.zeros(4), np.zeros(4)) == 0.0
    assert smape(np.array([0.0]), np.array([2.0])) == pytest.approx(200.0)  # the maximum


def test_scaled_errors_worked_example() -> None:
    train = np.array([1.0, 3.0, 2.0, 5.0, 4.0])
    # one-step naive errors of the TRAINING data: [2, -1, 3, -1]
    assert naive_scale(train) == pytest.approx(1.75)  # (2 + 1 + 3 + 1) / 4
    assert naive_scale_sq(train) == pytest.approx(3.75)  # (4 + 1 + 9 + 1) / 4
    # seasonal m = 2 on [1, 3, 2, 5, 4, 6]: y_t - y_{t-2} = [1, 2, 2, 1] -> 6 / 4
    assert naive_scale(np.array([1.0, 3.0, 2.0, 5.0, 4.0, 6.0]), m=2) == pytest.approx(1.5)
    y, f = np.array([6.0, 7.0]), np.array([5.0, 5.0])  # |e| = [1, 2]
    assert mase(y, f, naive_scale(train)) == pytest.approx(1.5 / 1.75)  # 0.857142...
    # RMSSE: sqrt(mean(1, 4) / 3.75) = sqrt(2.5 / 3.75) = sqrt(2/3)
    assert rmsse(y, f, naive_scale_sq(train)) == pytest.approx(math.sqrt(2 / 3))
    # the known bug would scale by the test set's own naive error, |7 - 6| = 1: MASE 1.5
    assert mase(y, f, naive_scale(train)) != pytest.approx(mae(y, f) / naive_scale(y))


def test_scaled_errors_use_each_origins_own_scale() -> None:
    # two origins (rows), horizon 2, scales 1.75 and 0.5 from their own training windows
    y = np.array([[6.0, 7.0], [3.0, 3.0]])
    f = np.array([[5.0, 5.0], [4.0, 1.0]])  # |e| = [[1, 2], [1, 2]]
    scales = np.array([1.75, 0.5])
    # mean(1/1.75, 2/1.75, 1/0.5, 2/0.5) = (3/1.75 + 6) / 4 = 1.9285714...
    assert mase(y, f, scales) == pytest.approx((3 / 1.75 + 6) / 4)
    # sqrt(mean(1/3.75, 4/3.75, 1/0.25, 4/0.25)) = sqrt((5/3.75 + 20) / 4)
    assert rmsse(y, f, np.array([3.75, 0.25])) == pytest.approx(math.sqrt((5 / 3.75 + 20) / 4))
    # a constant training window has no naive error: undefined, not a division by zero
    assert math.isnan(mase(y, f, np.array([1.75, 0.0])))
    assert math.isnan(rmsse(y, f, 0.0))


def test_interval_metrics_worked_example() -> None:
    y = np.array([1.0, 2.0, 3.0, 4.0])
    lo = np.array([0.0, 2.0, 3.5, 0.0])
    hi = np.array([2.0, 3.0, 4.0, 3.0])
    # inside: 1 in [0,2] yes, 2 in [2,3] yes (bounds count), 3 in [3.5,4] no, 4 in [0,3] no
    assert coverage(y, lo, hi) == 0.5
    # Winkler, level 80 -> alpha 0.2, 2/alpha = 10 (REFERENCE.md):
    #   y=1 in [0,2]: 2;  y=5 above [0,4]: 4 + 10 * (5 - 4) = 14;
    #   y=-1 below [0,2]: 2 + 10 * (0 - (-1)) = 12;  mean (2 + 14 + 12) / 3 = 28/3
    score = winkler(np.array([1.0, 5.0, -1.0]), np.zeros(3), np.array([2.0, 4.0, 2.0]), 80)
    assert score == pytest.approx(28 / 3)
    # level 95 -> 2/alpha = 40: y=5 above [0,4] scores 4 + 40 = 44
    assert winkler(np.array([5.0]), np.array([0.0]), np.array([4.0]), 95) == pytest.approx(44)


def test_against_scikit_learn() -> None:
    from sklearn import metrics as skm

    rng = np.random.default_rng(7)
    y = rng.uniform(1, 10, size=(6, 4))
    f = y + rng.normal(size=(6, 4))
    assert mae(y, f) == pytest.approx(skm.mean_absolute_error(y.ravel(), f.ravel()))
    assert rmse(y, f) == pytest.approx(skm.root_mean_squared_error(y.ravel(), f.ravel()))
    # scikit-learn's MAPE is a fraction and has no zero actuals here
    assert mape(y, f) == pytest.approx(
        100 * skm.mean_absolute_percentage_error(y.ravel(), f.ravel())
    )


# --- slow, obvious implementations --------------------------------------------------------


def cells(a: np.ndarray) -> list[float]:
    return [float(v) for v in a.ravel()]


def slow_point(y: np.ndarray, f: np.ndarray) -> dict[str, float]:
    ys, fs = cells(y), cells(f)
    n = len(ys)
    out = {
        "mae": sum(abs(b - a) for a, b in zip(ys, fs, strict=True)) / n,
        "rmse": math.sqrt(sum((b - a) ** 2 for a, b in zip(ys, fs, strict=True)) / n),
        "bias": sum(b - a for a, b in zip(ys, fs, strict=True)) / n,
    }
    pct = [abs(b - a) / abs(a) for a, b in zip(ys, fs, strict=True) if a != 0]
    out["mape"] = 100 * sum(pct) / len(pct) if pct else math.nan
    sym = 0.0
    for a, b in zip(ys, fs, strict=True):
        if abs(a) + abs(b) > 0:
            sym += abs(a - b) / (abs(a) + abs(b))
    out["smape"] = 200 * sym / n
    return out


grid = st.integers(-8000, 8000).map(lambda v: v / 8)  # exact values, zeros included
shapes = st.one_of(
    st.tuples(st.integers(1, 12)),
    st.tuples(st.integers(1, 6), st.integers(1, 6)),
)


@st.composite
def pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    shape = draw(shapes)
    y = draw(hnp.arrays(np.float64, shape, elements=grid))
    f = draw(hnp.arrays(np.float64, shape, elements=grid))
    return y, f


@settings(max_examples=150, deadline=None)
@given(pairs())
def test_point_metrics_equal_the_slow_sums(pair) -> None:
    y, f = pair
    slow = slow_point(y, f)
    for name, fn in [("mae", mae), ("rmse", rmse), ("bias", bias), ("smape", smape)]:
        assert fn(y, f) == pytest.approx(slow[name], rel=1e-12, abs=1e-12), name
    if math.isnan(slow["mape"]):
        assert math.isnan(mape(y, f))
    else:
        assert mape(y, f) == pytest.approx(slow["mape"], rel=1e-12)
    assert n_zero_actuals(y) == sum(v == 0 for v in cells(y))
    # invariants: |bias| <= MAE <= RMSE, 0 <= sMAPE <= 200
    assert abs(bias(y, f)) <= mae(y, f) + 1e-9 <= rmse(y, f) + 2e-9
    assert 0 <= smape(y, f) <= 200 + 1e-9


@settings(max_examples=100, deadline=None)
@given(
    train=st.lists(grid, min_size=2, max_size=30),
    m=st.integers(1, 4),
    pair=pairs(),
)
def test_scaled_metrics_equal_the_slow_sums(train, m, pair) -> None:
    y, f = pair
    if len(train) <= m:
        with pytest.raises(InputError, match=f"more than m={m}"):
            naive_scale(np.array(train), m)
        return
    diffs = [train[t] - train[t - m] for t in range(m, len(train))]
    s = naive_scale(np.array(train), m)
    s2 = naive_scale_sq(np.array(train), m)
    assert s == pytest.approx(sum(abs(d) for d in diffs) / len(diffs), rel=1e-12)
    assert s2 == pytest.approx(sum(d * d for d in diffs) / len(diffs), rel=1e-12)
    if s == 0:
        assert math.isnan(mase(y, f, s)) and math.isnan(rmsse(y, f, s2))
        return
    ys, fs = cells(y), cells(f)
    slow_mase = sum(abs(b - a) / s for a, b in zip(ys, fs, strict=True)) / len(ys)
    slow_rmsse = math.sqrt(sum((b - a) ** 2 / s2 for a, b in zip(ys, fs, strict=True)) / len(ys))
    assert mase(y, f, s) == pytest.approx(slow_mase, rel=1e-12, abs=1e-12)
    assert rmsse(y, f, s2) == pytest.approx(slow_rmsse, rel=1e-12, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(
    rows=st.integers(1, 6),
    horizon=st.integers(1, 5),
    data=st.data(),
)
def test_per_origin_scales_equal_the_slow_sums(rows, horizon, data) -> None:
    shape = (rows, horizon)
    y = data.draw(hnp.arrays(np.float64, shape, elements=grid))
    f = data.draw(hnp.arrays(np.float64, shape, elements=grid))
    scales = data.draw(hnp.arrays(np.float64, rows, elements=st.floats(0.01, 100.0)))
    slow_mase = sum(
        abs(f[i, j] - y[i, j]) / scales[i] for i in range(rows) for j in range(horizon)
    ) / (rows * horizon)
    slow_rmsse = math.sqrt(
        sum((f[i, j] - y[i, j]) ** 2 / scales[i] for i in range(rows) for j in range(horizon))
        / (rows * horizon)
    )
    assert mase(y, f, scales) == pytest.approx(slow_mase, rel=1e-12, abs=1e-12)
    assert rmsse(y, f, scales) == pytest.approx(slow_rmsse, rel=1e-12, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(
    pair=pairs(),
    level=st.sampled_from([50.0, 80.0, 90.0, 95.0, 99.0, 99.5]),
)
def test_interval_metrics_equal_the_slow_sums(pair, level) -> None:
    y, center = pair
    half = np.abs(center - y) / 2 + 0.5  # some intervals cover y, some do not
    lo, hi = center - half, center + half
    alpha = 1 - level / 100
    total_cover = 0
    total_score = 0.0
    for yv, lv, hv in zip(cells(y), cells(lo), cells(hi), strict=True):
        inside = lv <= yv <= hv
        total_cover += inside
        score = hv - lv
        if yv < lv:
            score += 2 / alpha * (lv - yv)
        if yv > hv:
            score += 2 / alpha * (yv - hv)
        total_score += score
    n = y.size
    assert coverage(y, lo, hi) == pytest.approx(total_cover / n)
    assert winkler(y, lo, hi, level) == pytest.approx(total_score / n, rel=1e-12)
    assert winkler(y, lo, hi, level) >= float(np.mean(hi - lo)) - 1e-9
    # an interval that covers everything scores its width
    wide_lo, wide_hi = np.minimum(lo, y), np.maximum(hi, y)
    assert coverage(y, wide_lo, wide_hi) == 1.0
    assert winkler(y, wide_lo, wide_hi, level) == pytest.approx(float(np.mean(wide_hi - wide_lo)))


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: mae(np.ones(3), np.ones(4)), ValueError, "f has shape \\(4,\\)"),
        (lambda: rmse(np.ones(2), np.array([1.0, np.nan])), ValueError, "f must be finite"),
        (lambda: bias(np.ones((2, 2, 2)), np.ones((2, 2, 2))), ValueError, "1-D or 2-D"),
        (lambda: mape(np.array([]), np.array([])), ValueError, "non-empty"),
        (lambda: coverage(np.ones(2), np.array([2.0, 0]), np.ones(2)), ValueError, "cross"),
        (lambda: winkler(np.ones(2), np.zeros(2), np.ones(2), 0.0), UsageError, "level"),
        (lambda: winkler(np.ones(2), np.zeros(2), np.ones(2), 100), UsageError, "level"),
        (lambda: mase(np.ones((2, 2)), np.ones((2, 2)), np.ones(3)), ValueError, "per row"),
        (lambda: mase(np.ones(2), np.ones(2), -1.0), ValueError, ">= 0"),
        (lambda: naive_scale(np.ones(3), m=0), UsageError, "m must be"),
        (lambda: naive_scale(np.ones(3), m=3), InputError, "more than m=3"),
        (lambda: naive_scale_sq(np.ones((2, 2))), ValueError, "1-D"),
    ],
)
def test_bad_input_is_refused(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()
