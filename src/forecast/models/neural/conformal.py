"""Split-conformal prediction intervals from calibration errors (Vovk et al. 2005; Lei et al.
2018): for step k with absolute errors r_1..r_n at that step, the level-L half-width is the
ceil((n + 1) L)-th smallest r, which covers a new error with probability at least L when the
errors are exchangeable."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from forecast.errors import UsageError


def half_widths(
    errors: np.ndarray, levels: tuple[float, ...], too_few: Callable[[float, int, int], str]
) -> dict[float, np.ndarray]:
    """Per level (percent), the half-width at each step: ``errors`` is ``[n_cal, steps]`` with
    NaN where a calibration origin has no target. ``too_few(level, step, n)`` words the
    UsageError raised when a step has fewer errors than the level needs."""
    out: dict[float, np.ndarray] = {}
    for level in levels:
        q = np.empty(errors.shape[1])
        for k in range(errors.shape[1]):
            column = np.sort(errors[:, k][np.isfinite(errors[:, k])])
            rank = math.ceil((column.size + 1) * level / 100)
            if rank > column.size:
                raise UsageError(too_few(level, k + 1, column.size))
            q[k] = column[rank - 1]
        out[level] = q
    return out


def errors_needed(level: float) -> int:
    """The fewest errors a level-L interval can be calibrated from: rank <= n  <=>  n >= L/(1-L)."""
    return math.ceil(level / (100 - level) - 1e-9)
