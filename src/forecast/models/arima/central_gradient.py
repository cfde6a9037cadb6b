"""The central-difference gradient of the ARIMA likelihood, compiled (numba, cached on disk).

The polish of :mod:`forecast.models.arima.estimation` needs gradients accurate to the objectives'
rounding: forward differences (step 1e-8) carry an error of ~1e-7 here, central ones with a
step of eps^(1/3) ~ 6e-6 (relative to max(1, |x|)) about 1e-10. One call returns the value
and the gradient, as :func:`forecast.models.arima.kernels.ml_value_grad` does for forward
differences (a finite-difference gradient taken in Python cost 25 microseconds of overhead an
evaluation, more than the likelihood of a short series itself).
"""

from __future__ import annotations

import numpy as np

from forecast.models.arima.kernels import ml_objective
from forecast.models.jit import jit

STEP = 6.0554544523933395e-06  # eps^(1/3): the step that balances rounding and truncation


@jit
def ml_central(
    x: np.ndarray,
    w: np.ndarray,
    X: np.ndarray,
    beta0: np.ndarray,
    scale: np.ndarray,
    orders: np.ndarray,
    m: int,
) -> tuple[float, np.ndarray]:
    """:func:`~forecast.models.arima.kernels.ml_objective` and its central-difference
    gradient."""
    f0 = ml_objective(x, w, X, beta0, scale, orders, m)
    grad = np.empty(x.size)
    shifted = x.copy()
    for i in range(x.size):
        h = STEP * max(1.0, abs(x[i]))
        shifted[i] = x[i] + h
        up = ml_objective(shifted, w, X, beta0, scale, orders, m)
        shifted[i] = x[i] - h
        down = ml_objective(shifted, w, X, beta0, scale, orders, m)
        grad[i] = (up - down) / (2 * h)
        shifted[i] = x[i]
    return f0, grad
