"""numba kernels of the window averages and simple exponential smoothing
(:mod:`forecast.models.window_models`).

Window averages: the forecast of the value at index ``t`` from the values before it is the mean
of the ``window`` values ``y[t - window * lag], ..., y[t - lag]`` (summed in that order, divided
by ``window``): ``lag`` 1 is the window average, ``lag`` m the seasonal window average (the
values at the same position of the last ``window`` seasons). Its in-sample one-step errors are
those of every ``t`` from ``window * lag`` on.

SES starts its one-step forecast at the first value (statsforecast's ``ses_forecast``):
``f_1 = y_0``, ``f_{t+1} = alpha y_t + (1 - alpha) f_t``; the forecast after ``y[: n]`` is
``f_n`` and the errors are ``y_t - f_t`` for ``t >= 1`` (the sum of their squares is
:func:`~forecast.models.intermittent_kernels.ses_sse`, whose golden-section search chooses
``alpha`` when it is not given).

Every per-series model and the vectorised panel path run these same kernels, so their numbers
agree bit for bit. Importing this module imports numba (DESIGN rule 9).
"""

from __future__ import annotations

import numpy as np

from forecast.models.intermittent_kernels import golden_alpha
from forecast.models.jit import jit

SES_SEARCH = (0.01, 0.99)  # statsforecast's SimpleExponentialSmoothingOptimized bounds


@jit
def window_mean(y: np.ndarray, t: int, window: int, lag: int) -> float:
    """The window forecast of index ``t`` (which may lie past the end of ``y``) from the
    ``window`` values ``y[t - window * lag], ..., y[t - lag]``."""
    total = 0.0
    for j in range(window, 0, -1):
        total += y[t - j * lag]
    return total / window


@jit
def window_rows(values: np.ndarray, window: int, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """For every row of ``values`` ``[k, n]`` (``n > window * lag``): the forecasts of the
    next ``lag`` values ``[k, lag]`` and the mean squared in-sample one-step error ``[k]``."""
    rows, n = values.shape
    last = np.empty((rows, lag))
    mse = np.empty(rows)
    first = window * lag
    for i in range(rows):
        y = values[i]
        total = 0.0
        for t in range(first, n):
            error = y[t] - window_mean(y, t, window, lag)
            total += error * error
        mse[i] = total / (n - first)
        for k in range(lag):
            last[i, k] = window_mean(y, n + k, window, lag)
    return last, mse


@jit
def window_origins(y: np.ndarray, origins: np.ndarray, window: int, lag: int) -> np.ndarray:
    """The forecasts of the ``lag`` values after each origin ``t`` (from ``y[: t + 1]``),
    ``[len(origins), lag]``."""
    out = np.empty((origins.size, lag))
    for i in range(origins.size):
        for k in range(lag):
            out[i, k] = window_mean(y, origins[i] + 1 + k, window, lag)
    return out


@jit
def ses_run(y: np.ndarray, alpha: float) -> tuple[float, float]:
    """The SES forecast after ``y`` and the sum of squared one-step errors (module doc)."""
    keep = 1.0 - alpha
    level = y[0]
    sse = 0.0
    for t in range(1, y.size):
        level = alpha * y[t - 1] + keep * level
        error = y[t] - level
        sse += error * error
    return alpha * y[y.size - 1] + keep * level, sse


@jit
def ses_prefixes(y: np.ndarray, alpha: float) -> np.ndarray:
    """``[n]``: the SES forecast after every prefix ``y[: t + 1]`` (the ``ses_run`` forecast
    of each, bit for bit)."""
    keep = 1.0 - alpha
    out = np.empty(y.size)
    level = y[0]
    for t in range(y.size):
        if t > 0:
            level = alpha * y[t - 1] + keep * level
        out[t] = alpha * y[t] + keep * level
    return out


@jit
def ses_rows(values: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every row of ``values`` ``[k, n]`` (``n >= 2``): the smoothing constant (``alpha``,
    or the golden-section search's in :data:`SES_SEARCH` when ``alpha`` is negative), the
    forecast and the mean squared one-step error, ``[k]`` each."""
    rows, n = values.shape
    alphas = np.empty(rows)
    forecasts = np.empty(rows)
    mse = np.empty(rows)
    for i in range(rows):
        y = values[i]
        a = golden_alpha(y, SES_SEARCH[0], SES_SEARCH[1]) if alpha < 0 else alpha
        forecast, sse = ses_run(y, a)
        alphas[i], forecasts[i], mse[i] = a, forecast, sse / (n - 1)
    return alphas, forecasts, mse
