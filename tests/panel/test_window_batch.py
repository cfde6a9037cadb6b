"""The batch functions of window-average, seasonal-window-average and ses
(forecast.models.window_models) against the per-series models they stand for: every row they
settle has the mean and bounds of ``create(name, params).fit(row).predict(horizon, levels)``
(equal bit for bit: the same numba kernels on the same values; asserted to the interface's
1e-10), the rows they leave are those the per-series model refuses, and a panel fit or backtest
by blocks writes what the per-series path writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecast.errors import ForecastError
from forecast.fitting.batch import BATCH_MODELS, batch_function
from forecast.models.registry import get_spec
from tests.panel.helpers import make_panel, run_cli, write

TOLERANCE = 1e-10
LEVELS = (80.0, 95.0)
MODELS = ("window-average", "seasonal-window-average", "ses")


def block(seed: int, k: int, n: int, kind: str) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    period = rng.integers(2, 13, size=(k, 1))  # the rows' own seasons: periods found differ
    season = rng.uniform(0, 8, size=(k, 1)) * np.sin(2 * np.pi * t / period)
    walk = rng.normal(size=(k, n)).cumsum(axis=1)
    if kind == "noise":
        return rng.normal(size=(k, n)) * rng.uniform(0.1, 100, size=(k, 1))
    if kind == "walk":
        return 100 + walk * rng.uniform(0.1, 10, size=(k, 1))
    return 50 + season + walk + rng.normal(size=(k, n))


def per_series(
    name: str, row: np.ndarray, freq: str, params: dict[str, Any], horizon: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str] | None:
    """The per-series model's mean, bounds [levels, h] and method; None when it refuses, or
    when it averages fewer seasons than asked (a note: the batch leaves such a row)."""
    y = pd.Series(row, index=pd.date_range("2011-01-01", periods=row.size, freq=freq))
    try:
        model = get_spec(name).create(params).fit(y)
        forecast = model.predict(horizon, LEVELS)
    except ForecastError:
        return None
    if any("season(s) of period" in note for note in model.summary().notes):
        return None
    lower = np.array([forecast.lower(lv) for lv in LEVELS])
    upper = np.array([forecast.upper(lv) for lv in LEVELS])
    return forecast.mean, lower, upper, forecast.interval_method


def assert_rows_match(
    name: str, values: np.ndarray, freq: str, raw: dict[str, Any], horizon: int
) -> None:
    params = get_spec(name).resolve(raw)
    function = batch_function(name)
    assert function is not None
    found = function(np.ascontiguousarray(values), horizon, LEVELS, freq, params)
    for i, row in enumerate(values):
        expected = per_series(name, row, freq, raw, horizon)
        assert bool(found.ok[i]) == (expected is not None), (i, expected)
        if expected is None:
            continue
        mean, lower, upper, method = expected
        for got, want in ((found.mean[i], mean), (found.lower[i], lower),
                          (found.upper[i], upper)):  # fmt: skip
            np.testing.assert_allclose(got, want, rtol=TOLERANCE, atol=TOLERANCE)
        assert found.method == method


def test_every_model_is_registered_with_a_batch_function() -> None:
    for name in MODELS:
        assert name in BATCH_MODELS and batch_function(name) is not None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(MODELS),
    seed=st.integers(0, 2**16),
    k=st.integers(1, 8),
    n=st.integers(1, 64),
    kind=st.sampled_from(["seasonal", "walk", "noise"]),
    freq=st.sampled_from(["MS", "D", "QS"]),
    horizon=st.integers(1, 15),
    window=st.integers(1, 5),
    period=st.sampled_from([None, 2, 4, 12]),
    alpha=st.sampled_from([None, "0.05", "0.5", "0.95"]),
)
def test_a_random_block_equals_its_rows_fitted_one_by_one(
    name: str, seed: int, k: int, n: int, kind: str, freq: str, horizon: int, window: int,
    period: int | None, alpha: str | None,
) -> None:  # fmt: skip
    raw: dict[str, Any] = {}
    if name == "ses":
        raw = {"alpha": alpha} if alpha else {}
    else:
        raw = {"window": window}
        if name == "seasonal-window-average" and period is not None:
            if period >= n:
                return  # refused by the registry's check against the data (before any fit)
            raw["period"] = period
    assert_rows_match(name, block(seed, k, n, kind), freq, raw, horizon)


def test_a_block_of_m3_like_monthly_rows_with_found_periods() -> None:
    """120 rows, 72 months: most with a 12-month season, some without; the periods the
    batch finds are the per-series ones (and with them the forecasts)."""
    rng = np.random.default_rng(4)
    t = np.arange(72)
    strength = np.where(rng.random((120, 1)) < 0.7, 10.0, 0.0)
    values = 200 + strength * np.sin(2 * np.pi * t / 12) + rng.normal(size=(120, 72)).cumsum(1)
    for name in MODELS:
        assert_rows_match(name, values, "MS", {}, 18)
    assert_rows_match("seasonal-window-average", values[:, :30], "MS", {"window": 3}, 18)
    found = batch_function("seasonal-window-average")(values[:, :30], 18, LEVELS, "MS",
                                                      {"period": None, "window": 3})  # fmt: skip
    assert 0 < found.ok.sum() < 120  # the rows with a season found averaged fewer: left


@pytest.mark.parametrize("name", MODELS)
def test_a_panel_by_blocks_writes_what_the_per_series_path_writes(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, blocks_made: list[int]
) -> None:
    frame = make_panel(8, 24, min_n=20, max_n=40)
    constant = frame["unique_id"] == "s05"
    frame.loc[constant, "y"] = 7.0  # constant: per series, with its note
    data = write(frame, tmp_path / "panel.csv")
    args = ["fit", data, "-m", name, "-H", 7, "-l", 80, "-l", 95, "-f", "csv"]
    vec = run_cli(args, True, monkeypatch)
    assert vec[0] == 0, vec[2]
    assert vec == run_cli(args, False, monkeypatch)
    assert sum(blocks_made) == 23


@pytest.mark.parametrize("name", MODELS)
def test_a_backtest_by_blocks_is_the_per_series_one(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import forecast.models.window_models as module

    data = write(make_panel(6, 12, min_n=40, max_n=48), tmp_path / "panel.csv")
    attribute = BATCH_MODELS[name].split(":")[1]
    original = getattr(module, attribute)
    calls: list[int] = []

    def counted(values: np.ndarray, *args: Any) -> Any:
        calls.append(values.shape[0])
        return original(values, *args)

    monkeypatch.setattr(module, attribute, counted)
    for fmt in ("json", "csv"):
        args = ["backtest", data, "-m", name, "-H", 6, "-f", fmt]
        vec = run_cli(args, True, monkeypatch)
        assert vec[0] == 0, vec[2]
        assert vec == run_cli(args, False, monkeypatch)
    assert sum(calls) >= 2 * 3 * 12  # two formats, three folds, every series by blocks
