"""The vectorised intermittent-demand models (forecast.models.intermittent_batch) against the
per-series models they stand for: every row's mean and bounds equal the per-series
``create(params).fit(row).predict(horizon, levels)``, and the rows left to the per-series path
(``ok`` False) are exactly those the per-series model refuses or notes.

Tolerance: the batch runs each row through the per-series models' own numba kernels and the
same numpy operations (one subtraction, absolute value and order statistic per error, one
subtraction or addition and clip per bound), so the numbers are equal bit for bit here; the
1e-10 (relative and absolute) of the interface (forecast.models.batch) is what is asserted,
room for a compiler that fused a multiply-add: 2^-53 per operation over at most a few hundred
contracting smoothing steps (alpha in [0.1, 0.3] or given in [0, 1]) on values up to 20 is
below 1e-12.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecast.errors import ForecastError
from forecast.models.batch import BatchForecast
from forecast.models.conformal import calibration_size
from forecast.models.intermittent_batch import INTERMITTENT_BATCH
from forecast.models.registry import REGISTRY, create

TOLERANCE = 1e-10  # see the module docstring
CONFIGS: list[tuple[str, dict[str, Any]]] = [
    ("croston", {}),
    ("croston", {"variant": "sba"}),
    ("croston", {"variant": "optimized"}),
    ("tsb", {}),
    ("tsb", {"alpha_d": 0.3, "alpha_p": 0.05}),
    ("adida", {}),
    ("imapa", {}),
]
IDS = [name + "".join(f"-{v}" for v in params.values()) for name, params in CONFIGS]


def per_series(
    name: str, params: dict[str, Any], row: np.ndarray, horizon: int, levels: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The per-series model's mean [h] and bounds [levels, h]; None when it refuses the row or
    adds a note."""
    y = pd.Series(row, index=pd.date_range("2015-01-31", periods=row.size, freq="ME"))
    try:
        model = create(name, params).fit(y)
        forecast = model.predict(horizon, levels)
    except ForecastError:
        return None
    if model.summary_.notes:
        return None
    lower = np.array([forecast.bands[lv][0] for lv in levels]).reshape(len(levels), horizon)
    upper = np.array([forecast.bands[lv][1] for lv in levels]).reshape(len(levels), horizon)
    return forecast.mean, lower, upper


def assert_matches(
    name: str,
    params: dict[str, Any],
    block: np.ndarray,
    horizon: int,
    levels: tuple[float, ...],
) -> BatchForecast:
    """The batch forecast of ``block`` against the per-series model row by row."""
    batch = INTERMITTENT_BATCH[name](block, horizon, levels, "ME", params)
    rows = block.shape[0]
    assert batch.mean.shape == (rows, horizon)
    assert batch.lower.shape == batch.upper.shape == (rows, len(levels), horizon)
    assert batch.ok.shape == (rows,) and batch.ok.dtype == bool
    for i in range(rows):
        expected = per_series(name, params, block[i], horizon, levels)
        assert batch.ok[i] == (expected is not None), f"row {i}"
        if expected is None:
            continue
        mean, lower, upper = expected
        for got, want in ((batch.mean[i], mean), (batch.lower[i], lower), (batch.upper[i], upper)):
            np.testing.assert_allclose(
                got, want, rtol=TOLERANCE, atol=TOLERANCE, err_msg=f"row {i}"
            )
    return batch


def intermittent_block(
    rng: np.random.Generator, rows: int, n: int, zero_share: float, size_max: int = 20
) -> np.ndarray:
    """[rows, n]: each value zero with probability ``zero_share``, else an integer 1..size_max."""
    sizes = rng.integers(1, size_max + 1, (rows, n)).astype("float64")
    return np.where(rng.random((rows, n)) < zero_share, 0.0, sizes)


def simulated_block(rows: int, n: int, seed: int) -> np.ndarray:
    """As bench/bench_intermittent.py simulates: demand with probability p ~ U[0.05, 0.5], sizes
    1 + negative binomial (mean ~ U[0.5, 7], dispersion ~ U[0.5, 3]), series with no demand
    drawn again."""
    rng = np.random.default_rng(seed)
    out: list[np.ndarray] = []
    while len(out) < rows:
        p = rng.uniform(0.05, 0.5)
        mean, r = rng.uniform(0.5, 7.0), rng.uniform(0.5, 3.0)
        occurs = rng.random(n) < p
        y = np.where(occurs, 1 + rng.negative_binomial(r, r / (r + mean), n), 0).astype(float)
        if y.any():
            out.append(y)
    return np.array(out)


def test_every_intermittent_model_has_a_batch_function() -> None:
    family = {name for name, spec in REGISTRY.items() if spec.family == "intermittent"}
    assert set(INTERMITTENT_BATCH) == family


@pytest.mark.parametrize(("name", "params"), CONFIGS, ids=IDS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.integers(1, 20),
    n=st.integers(2, 150),
    zero_share=st.floats(0.3, 0.95),
    horizon=st.sampled_from([1, 8]),
    levels=st.sampled_from([(80.0, 95.0), (95.0, 80.0), (80.0,), ()]),
    odd_rows=st.sets(st.sampled_from(["negative", "missing", "no demand", "one demand"])),
    seed=st.integers(0, 2**32 - 1),
)
def test_batch_equals_per_series_on_random_blocks(
    name: str,
    params: dict[str, Any],
    rows: int,
    n: int,
    zero_share: float,
    horizon: int,
    levels: tuple[float, ...],
    odd_rows: set[str],
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    block = intermittent_block(rng, rows, n, zero_share)
    if "negative" in odd_rows:
        block[rng.integers(rows), rng.integers(n)] = -1.0  # refused by the per-series model
    if "missing" in odd_rows:
        block[rng.integers(rows), rng.integers(n)] = np.nan  # refused too
    if "no demand" in odd_rows:
        block[rng.integers(rows)] = 0.0
    if "one demand" in odd_rows:
        row = rng.integers(rows)
        block[row] = 0.0
        block[row, rng.integers(n)] = 7.0
    assert_matches(name, params, block, horizon, levels)


@pytest.mark.parametrize(("name", "params"), CONFIGS, ids=IDS)
def test_batch_equals_per_series_on_the_simulated_panel(name: str, params: dict[str, Any]) -> None:
    block = simulated_block(300, 104, seed=29)
    for horizon in (1, 8):
        batch = assert_matches(name, params, block, horizon, (80.0, 95.0))
        assert batch.ok.all()
        assert (batch.lower >= 0).all() and (batch.lower <= batch.upper).all()


@pytest.mark.parametrize(("name", "params"), CONFIGS, ids=IDS)
@pytest.mark.parametrize(("horizon", "levels"), [(8, (80.0, 95.0)), (1, (95.0,)), (3, (50.0,))])
def test_the_shortest_calibrated_length_and_one_less(
    name: str, params: dict[str, Any], horizon: int, levels: tuple[float, ...]
) -> None:
    """The fewest observations the conformal calibration takes (n - c = min_obs, 2): every row
    settled; one fewer: every row refused, as the per-series model refuses it."""
    shortest = next(n for n in range(2, 200) if n - calibration_size(n, horizon, levels) >= 2)
    rng = np.random.default_rng(shortest)
    for n, settled in ((shortest, True), (shortest - 1, False)):
        block = intermittent_block(rng, 6, n, 0.6)
        batch = assert_matches(name, params, block, horizon, levels)
        assert batch.ok.all() == settled and batch.ok.any() == settled


def test_a_wrong_parameter_is_refused_as_create_refuses_it() -> None:
    block = np.ones((2, 40))
    with pytest.raises(ForecastError, match="variant"):
        INTERMITTENT_BATCH["croston"](block, 1, (80.0,), "ME", {"variant": "fast"})
    with pytest.raises(ForecastError, match="alpha_d"):
        INTERMITTENT_BATCH["tsb"](block, 1, (80.0,), "ME", {"alpha_d": 1.5})
