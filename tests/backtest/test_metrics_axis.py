"""`axis=1` (one value per origin) equals calling each metric on each row alone."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from forecast.backtesting import metrics

VALUES = st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: round(v, 1))  # some exact zeros


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda rows: st.tuples(
            arrays(np.float64, (rows, 4), elements=VALUES),
            arrays(np.float64, (rows, 4), elements=VALUES),
            arrays(np.float64, (rows, 4), elements=st.floats(0, 50)),
            arrays(np.float64, (rows,), elements=st.sampled_from([0.0, 0.5, 2.0, 7.25])),
        )
    )
)
def test_per_row_equals_row_by_row(data) -> None:
    y, f, width, scale = data
    lo, hi = f - width, f + width
    for i in range(y.shape[0]):
        one = {
            "mae": metrics.mae(y[i], f[i]),
            "rmse": metrics.rmse(y[i], f[i]),
            "bias": metrics.bias(y[i], f[i]),
            "mape": metrics.mape(y[i], f[i]),
            "smape": metrics.smape(y[i], f[i]),
            "mase": metrics.mase(y[i], f[i], scale[i]),
            "rmsse": metrics.rmsse(y[i], f[i], scale[i]),
            "coverage": metrics.coverage(y[i], lo[i], hi[i]),
            "winkler": metrics.winkler(y[i], lo[i], hi[i], 90),
        }
        rows = {
            "mae": metrics.mae(y, f, axis=1),
            "rmse": metrics.rmse(y, f, axis=1),
            "bias": metrics.bias(y, f, axis=1),
            "mape": metrics.mape(y, f, axis=1),
            "smape": metrics.smape(y, f, axis=1),
            "mase": metrics.mase(y, f, scale, axis=1),
            "rmsse": metrics.rmsse(y, f, scale, axis=1),
            "coverage": metrics.coverage(y, lo, hi, axis=1),
            "winkler": metrics.winkler(y, lo, hi, 90, axis=1),
        }
        for name, value in one.items():
            np.testing.assert_allclose(rows[name][i], value, rtol=1e-12, atol=0, err_msg=name)


def test_pooled_mase_is_nan_when_any_scale_is_zero_but_rows_keep_theirs() -> None:
    y = np.array([[1.0, 2.0], [3.0, 5.0]])
    f = np.array([[2.0, 2.0], [3.0, 3.0]])
    scale = np.array([0.0, 2.0])
    assert np.isnan(metrics.mase(y, f, scale))
    per_row = metrics.mase(y, f, scale, axis=1)
    assert np.isnan(per_row[0]) and per_row[1] == (0 + 2) / 2 / 2.0
