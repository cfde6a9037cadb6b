"""The per-lead-time metric rows come from one vectorised call: each equals the slow version,
the metric of that lead time's column alone (issue 26: backtest bookkeeping)."""

from __future__ import annotations

import numpy as np
import pytest

from forecast.backtesting.scoring import ModelForecasts, compute, metric_rows


def _forecasts(seed: int, origins: int, h: int, unknown_scale: bool) -> ModelForecasts:
    rng = np.random.default_rng(seed)
    actual = rng.normal(10, 3, (origins, h))
    actual[0, 0] = 0.0  # a zero actual: mape leaves it out
    mean = actual + rng.normal(0, 1, (origins, h))
    half = np.abs(rng.normal(2, 0.5, (origins, h)))
    scale = np.abs(rng.normal(1, 0.2, origins))
    if unknown_scale:
        scale[-1] = np.nan
    return ModelForecasts(
        "m",
        np.arange(origins) * h + 50,
        np.arange(origins),
        actual,
        mean,
        {80.0: (mean - half, mean + half), 95.0: (mean - 2 * half, mean + 2 * half)},
        scale,
        scale**2,
        "test",
    )


def _column(mf: ModelForecasts, j: int) -> ModelForecasts:
    keep = slice(j, j + 1)
    return ModelForecasts(
        mf.label,
        mf.origins,
        mf.folds,
        mf.actual[:, keep],
        mf.mean[:, keep],
        {lv: (lo[:, keep], hi[:, keep]) for lv, (lo, hi) in mf.bands.items()},
        mf.scale,
        mf.scale_sq,
        mf.interval_method,
    )


@pytest.mark.parametrize("origins", [1, 3, 40])
@pytest.mark.parametrize("unknown_scale", [False, True])
def test_step_rows_equal_each_columns_own_metrics(origins: int, unknown_scale: bool) -> None:
    mf = _forecasts(origins, origins, 6, unknown_scale)
    rows = metric_rows(mf, gap=2)
    for j in range(6):
        slow = compute(_column(mf, j))
        fast = {r["metric"]: r["value"] for r in rows if r["scope"] == "step" and r["key"] == j + 3}
        assert fast.keys() == slow.keys()
        for name, value in slow.items():
            # the same sums over the same origins, in numpy's pairwise order or row by row:
            # equal to a few ulps of the values summed
            np.testing.assert_allclose(fast[name], value, rtol=1e-13, atol=0, err_msg=name)
