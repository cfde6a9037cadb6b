"""The vectorised Theta models (forecast.models.theta_batch) against the per-series model they
stand for: every row the batch settles has the mean and bounds of
``create("theta", params).fit(row).predict(horizon, levels)``, the rows it leaves are only
those the per-series model refuses (and every row of ``ses-drift``, statsmodels' estimator),
and a panel forecast by blocks writes what the per-series path writes, byte for byte.

Tolerance: each row runs through the per-series model's own numba kernels with the same
arguments, and the numpy steps between them (the seasonality test's sum, the classical
indices, the mean and standard deviation of the paths' inputs) are written out in numpy's own
order of operations (its pairwise sums, ``bincount``'s sequential ones; the moving average is
``np.convolve`` itself), so the numbers are equal bit for bit here. The 1e-10 (relative, and
absolute near zero) of the batch interface is what is asserted: room for a compiler that fused
a multiply-add (2^-53 per operation). It is not room for a different optimiser: a golden-section
search whose comparisons flipped in the flat of the loss would move alpha by ~1e-8, and the
float32 paths would then round differently, moving bounds by ~1e-8 (a float32 step).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecast.errors import ForecastError
from forecast.models.batch import BatchForecast, plain_rows
from forecast.models.registry import create
from forecast.models.theta import SIMULATED
from forecast.models.theta_batch import theta_batch
from tests.panel.helpers import make_panel, run_cli, write

TOLERANCE = 1e-10  # see the module docstring
KINDS = ("seasonal", "trending", "random walk", "near-constant", "negative", "spiky")


def per_series(
    row: np.ndarray, freq: str, params: dict[str, Any], horizon: int, levels: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str] | None:
    """The per-series model's mean [h], bounds [levels, h] and reseasonalisation; None when
    it refuses the row."""
    y = pd.Series(row, index=pd.date_range("2011-01-01", periods=row.size, freq=freq))
    try:
        model = create("theta", params).fit(y)
        forecast = model.predict(horizon, levels)
    except ForecastError:
        return None
    assert not model.summary_.notes  # a note would keep the row per series
    lower = np.array([forecast.bands[lv][0] for lv in levels]).reshape(len(levels), horizon)
    upper = np.array([forecast.bands[lv][1] for lv in levels]).reshape(len(levels), horizon)
    return forecast.mean, lower, upper, str(getattr(model, "method_", "none"))


def assert_matches(
    block: np.ndarray,
    freq: str,
    params: dict[str, Any],
    horizon: int,
    levels: tuple[float, ...],
) -> tuple[BatchForecast, list[str]]:
    """The batch forecast of ``block`` against the per-series model row by row: each ok row
    equal, each row the per-series model settles ok (unless ``ses-drift``). Returns the batch
    and the per-series reseasonalisation of each row ("none", "mul", "add"; "" refused)."""
    batch = theta_batch(block, horizon, levels, freq, params)
    rows = block.shape[0]
    assert batch.mean.shape == (rows, horizon) and batch.method == SIMULATED
    assert batch.lower.shape == batch.upper.shape == (rows, len(levels), horizon)
    assert batch.ok.shape == (rows,) and batch.ok.dtype == bool
    methods = []
    for i in range(rows):
        expected = per_series(block[i], freq, params, horizon, levels)
        methods.append(expected[3] if expected else "")
        wanted = expected is not None and params.get("variant") != "ses-drift"
        assert batch.ok[i] == wanted, f"row {i}"
        if not batch.ok[i]:
            continue
        assert expected is not None
        got_all = (batch.mean[i], batch.lower[i], batch.upper[i])
        for got, want in zip(got_all, expected[:3], strict=True):
            np.testing.assert_allclose(got, want, rtol=TOLERANCE, atol=TOLERANCE, err_msg=f"{i}")
    return batch, methods


def series(kind: str, n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """One series of ``kind`` (``m``: the seasonal cycle it is given), rounded to 3 decimals
    (as data are) except the near-constant one."""
    t = np.arange(n)
    level = rng.uniform(20, 500)
    wave = np.sin(2 * np.pi * t / m + rng.uniform(0, 2 * np.pi))
    noise = rng.normal(0, rng.uniform(0.5, 5), n)
    if kind == "seasonal":
        y = level * (1 + rng.uniform(0.05, 0.4) * wave) + rng.normal(0, 0.3) * t + noise
    elif kind == "trending":
        y = level + rng.normal(0, 2) * t + noise
    elif kind == "random walk":
        y = level + noise.cumsum()
    elif kind == "near-constant":
        return 7.0 + 1e-9 * rng.normal(size=n)
    elif kind == "negative":  # additive decomposition (a value <= 0)
        y = rng.uniform(5, 30) * wave + noise - 2
    else:  # spiky: positive, one phase far above the rest (an index below 0.01: additive)
        y = np.where(t % m == 0, 5000.0, 1.0) + rng.uniform(0, 0.01, n)
    return np.round(y, 3)


FREQS = {"ME": 12, "QE": 4, "YE": 5, "D": 7}  # YE: no calendar period (series given cycle 5)
VARIANTS = [{}, {"variant": "stm"}, {"variant": "otm"}, {"variant": "dstm", "theta": 3.0}]
VARIANTS += [{"variant": "dotm"}, {"period": 6}, {"period": 4, "variant": "stm"}]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=8),
    n=st.integers(5, 80),
    freq=st.sampled_from(sorted(FREQS)),
    params=st.sampled_from(VARIANTS),
    horizon=st.sampled_from([1, 6, 18]),
    levels=st.sampled_from([(80.0, 95.0), (95.0, 50.0), (90.0,), ()]),
    seed=st.integers(0, 2**32 - 1),
)
def test_batch_equals_per_series_on_random_blocks(
    kinds: list[str],
    n: int,
    freq: str,
    params: dict[str, Any],
    horizon: int,
    levels: tuple[float, ...],
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    block = np.array([series(kind, n, FREQS[freq], rng) for kind in kinds])
    block = block[plain_rows(block)]  # the interface's precondition: finite, not constant
    if block.size:
        assert_matches(np.ascontiguousarray(block), freq, params, horizon, levels)


ALL = {"mul", "add", "none"}


@pytest.mark.parametrize(
    ("freq", "n", "met"),
    [("ME", 100, ALL), ("ME", 30, {"none"}), ("QE", 40, ALL), ("W-SUN", 160, {"mul", "none"})],
)
def test_every_reseasonalisation_is_reproduced(freq: str, n: int, met: set[str]) -> None:
    """Seasonal, trending, negative and spiky rows: the multiplicative, additive and no
    decompositions met (the weekly period 52 is a moving average of 53 weights, which numpy
    hands to the BLAS)."""
    m = {"ME": 12, "QE": 4, "W-SUN": 52}[freq]
    rng = np.random.default_rng(n + m)
    block = np.array([series(KINDS[i % 6], n, m, rng) for i in range(18)])
    _, methods = assert_matches(block, freq, {}, 18, (80.0, 95.0))
    assert met <= set(methods)


def test_the_share_settled_on_a_seasonal_panel() -> None:
    """500 monthly series of 100 points (seasonal, trending, random walks: a typical panel):
    every one settled by the batch (measured: 500 of 500; asserted 98 %); 60 of them checked
    against the per-series model."""
    rng = np.random.default_rng(2026)
    kinds = ("seasonal", "seasonal", "trending", "random walk")
    block = np.array([series(kinds[i % 4], 100, 12, rng) for i in range(500)])
    batch = theta_batch(block, 18, (80.0, 95.0), "ME", {})
    assert batch.settled().mean() >= 0.98
    assert_matches(block[::25].copy(), "ME", {}, 18, (80.0, 95.0))
    assert_matches(block[3::25].copy(), "ME", {}, 18, (80.0, 95.0))
    assert_matches(block[1:500:25].copy(), "ME", {}, 18, (80.0, 95.0))


def test_rows_the_per_series_model_refuses_are_left() -> None:
    rng = np.random.default_rng(5)
    block = np.array([series("seasonal", 40, 12, rng) for _ in range(3)])
    for params in ({"variant": "ses-drift"}, {"period": 40}):  # statsmodels; period >= n
        batch = theta_batch(block, 6, (80.0,), "ME", params)
        assert not batch.ok.any()
    assert not theta_batch(block[:, :4], 6, (80.0,), "ME", {}).ok.any()  # below min_obs 5
    assert_matches(block[:, :5].copy(), "ME", {}, 6, (80.0,))  # five: settled


def test_a_wrong_parameter_is_refused_as_create_refuses_it() -> None:
    block = np.arange(80.0).reshape(2, 40) % 7
    with pytest.raises(ForecastError, match="variant"):
        theta_batch(block, 1, (80.0,), "ME", {"variant": "fast"})
    with pytest.raises(ForecastError, match="theta"):
        theta_batch(block, 1, (80.0,), "ME", {"theta": 0.5})


@pytest.mark.parametrize("params", [[], ["-p", "variant=dotm"], ["-p", "variant=ses-drift"]])
def test_the_cli_writes_the_same_bytes_by_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, blocks_made: list[int], params: list[str]
) -> None:
    """``forecast fit PANEL -m theta -f csv``: 24 monthly series of 30 to 60 points, one made
    constant (its note, per series), the same output either way; every other series by blocks
    (none for ses-drift)."""
    frame = make_panel(11, 24)
    frame.loc[frame["unique_id"] == "s05", "y"] = 4.0
    data = write(frame, tmp_path / "panel.csv")
    args = ["fit", data, "-m", "theta", *params, "-H", 12, "-l", 80, "-l", 95, "-f", "csv"]
    vec = run_cli(args, True, monkeypatch)
    assert sum(blocks_made) == (0 if "variant=ses-drift" in params else 23)
    assert vec == run_cli(args, False, monkeypatch)
    assert vec[0] == 0 and "s05" in vec[2]  # the constant series' note


def test_a_backtest_by_blocks_is_the_per_series_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``forecast backtest PANEL -m theta``: every fold of 20 monthly series (one constant over
    its first folds' training data) the same report either way, the folds taken by blocks."""
    import forecast.models.theta_batch as module

    frame = make_panel(5, 20, min_n=40, max_n=52)
    first = frame[frame["unique_id"] == "s03"].sort_values("ds").index[:30]
    frame.loc[first, "y"] = 2.0
    data = write(frame, tmp_path / "panel.csv")
    calls: list[int] = []
    original = module.theta_batch

    def counted(values: np.ndarray, *args: Any) -> BatchForecast:
        calls.append(values.shape[0])
        return original(values, *args)

    monkeypatch.setattr(module, "theta_batch", counted)
    for fmt in ("json", "csv"):
        args = ["backtest", data, "-m", "theta", "-H", 6, "-f", fmt]
        assert run_cli(args, True, monkeypatch) == run_cli(args, False, monkeypatch)
    assert sum(calls) >= 2 * 3 * 19  # two formats, three folds, the 19 other series
