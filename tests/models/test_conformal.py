"""Split-conformal intervals: the finite-sample quantile, calibration inside the training data
only (checked against an obvious computation), coverage by simulation, and in backtests."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from forecast.backtesting.engine import ModelEntry
from forecast.backtesting.runner import BacktestSpec, run_backtest
from forecast.errors import InputError
from forecast.models.conformal import Calibration, calibrate, calibration_size
from forecast.models.registry import get_spec


def _series(values: np.ndarray) -> pd.Series:
    return pd.Series(values, index=pd.date_range("2000-01-01", periods=values.size, freq="D"))


def test_the_quantile_is_the_finite_sample_rank() -> None:
    errors = np.arange(1.0, 10.0)[:, None]  # 9 errors at one lead time: 1..9
    widths = Calibration(errors, 10).widths([80, 50], 1)
    assert widths[80][0] == 8.0  # ceil(10 * 0.8) = 8th smallest (the linear quantile: 7.4)
    assert widths[50][0] == 5.0
    from forecast.errors import UsageError

    with pytest.raises(UsageError, match="95% conformal intervals need 19 calibration errors"):
        Calibration(errors, 10).widths([95], 1)


def test_calibration_errors_are_naive_walk_forward_errors_inside_the_data() -> None:
    rng = np.random.default_rng(3)
    y = _series(rng.normal(0, 1, 80).cumsum())
    steps, levels = 3, (80.0,)
    cal = calibrate(lambda: get_spec("naive").create(), y, steps, levels)
    c = calibration_size(80, steps, levels)
    assert cal.fit_size == 80 - c
    values = y.to_numpy()
    for row, origin in enumerate(range(80 - c - 1, 79)):
        for k in range(1, steps + 1):
            expected = abs(values[origin + k] - values[origin]) if origin + k < 80 else math.nan
            np.testing.assert_equal(cal.errors[row, k - 1], expected)


def test_coverage_is_nominal_on_exchangeable_errors() -> None:
    """Mean model on white noise: with 15 calibration errors (n / 4) the finite-sample rule takes
    the 13th smallest, coverage 13/16 = 0.8125 in expectation."""
    rng = np.random.default_rng(0)
    hits = []
    for _ in range(300):
        values = rng.normal(10, 2, 61)
        y = _series(values[:60])
        cal = calibrate(lambda: get_spec("mean").create(), y, 1, (80.0,))
        assert cal.errors.shape[0] == 15
        model = get_spec("mean").create().fit(y)
        mean = model.predict(1).mean
        lo, hi = cal.bands(mean, (80.0,))[80.0]
        hits.append(lo[0] <= values[60] <= hi[0])
    assert abs(np.mean(hits) - 13 / 16) < 0.06


def test_too_short_a_series_names_the_fix() -> None:
    y = _series(np.arange(20.0))
    with pytest.raises(InputError, match="lower --level, shorten --horizon"):
        calibrate(lambda: get_spec("naive").create(), y, 12, (95.0,))


def test_backtest_conformal_bands_read_only_each_fold_training_data() -> None:
    rng = np.random.default_rng(1)
    values = 50 + rng.normal(0, 1, 120).cumsum()
    spec = BacktestSpec(horizon=4, levels=(80.0,), step=4, initial=80, intervals="conformal")
    entries = [ModelEntry("drift", "drift")]
    result = run_backtest(_series(values), entries, spec)
    forecasts = result.forecasts[0]
    assert forecasts.interval_method.startswith("split conformal")
    altered = values.copy()
    altered[80:] += 1000.0  # after the first fold's training data
    again = run_backtest(_series(altered), entries, spec).forecasts[0]
    first = forecasts.origins == 79
    np.testing.assert_array_equal(again.bands[80.0][0][first], forecasts.bands[80.0][0][first])
    np.testing.assert_array_equal(again.bands[80.0][1][first], forecasts.bands[80.0][1][first])
    assert not np.array_equal(again.bands[80.0][0][~first], forecasts.bands[80.0][0][~first])
