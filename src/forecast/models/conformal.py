"""Split-conformal prediction intervals for any model, calibrated inside its training data.

Calibration (Vovk et al. 2005; Lei et al. 2018; Stankeviciute et al. 2021 per lead time):
with n training observations, a fresh model with the same hyperparameters is fitted on the
first n - c of them, then forecasts ``steps`` ahead from every origin t = n - c - 1, ..., n - 2
at those fixed parameters (walk-forward inside the training data, state updates only). The
absolute errors |y_{t+k} - f_{t+k}| that fall inside the training data form the calibration set
of lead time k: c + 1 - k errors. Nothing after the training data is read.

Interval: at level L and lead time k, mean -/+ q_k, with q_k the ceil((n_k + 1) L)-th smallest
of the n_k errors: the finite-sample quantile, which covers a new exchangeable error with
probability at least L. (The plain linear-interpolation quantile under-covers: about 0.83
instead of 0.90 with 9 calibration errors; sktime issue 10758.) A level needs at least
L / (1 - L) errors at every lead time (19 for 95 %), so c = max(steps + that - 1, n / 4).
The neural models calibrate on their validation tail with the same two functions,
:func:`half_widths` and :func:`errors_needed`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from forecast.errors import InputError, UsageError
from forecast.models.base import Bands, BaseForecaster, Forecast

METHOD = (
    "split conformal: finite-sample quantile of the model's own walk-forward absolute errors "
    "per lead time, inside the training data"
)


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


@dataclass(frozen=True)
class Calibration:
    """Absolute errors by lead time from walk-forward forecasts inside the training data."""

    errors: np.ndarray  # [origins, steps]; NaN where the target lies after the training data
    fit_size: int  # observations the calibration model was fitted on

    @property
    def steps(self) -> int:
        return int(self.errors.shape[1])

    def widths(self, levels: Sequence[float], steps: int) -> dict[float, np.ndarray]:
        """Half-widths per level for lead times 1..steps."""
        if steps > self.steps:
            raise UsageError(
                f"the conformal intervals were calibrated for {self.steps} steps ahead, not "
                f"{steps}; use --horizon {self.steps} or less, or refit with a longer horizon"
            )
        return half_widths(
            self.errors[:, :steps],
            tuple(levels),
            lambda level, step, n: (
                f"{level:g}% conformal intervals need {errors_needed(level)} calibration "
                f"errors at lead time {step}, there are {n}; lower --level or use "
                "--intervals model"
            ),
        )

    def bands(self, mean: np.ndarray, levels: Sequence[float]) -> Bands:
        """mean -/+ half-width for each level; ``mean`` is [steps] or [origins, steps]."""
        widths = self.widths(levels, mean.shape[-1])
        return {lv: (mean - w, mean + w) for lv, w in widths.items()}

    def apply(self, forecast: Forecast) -> Forecast:
        """``forecast`` with conformal bands at its levels in place of the model's."""
        bands = self.bands(forecast.mean, forecast.levels)
        return replace(forecast, bands=bands, interval_method=METHOD)

    def to_defaults(self) -> dict[str, Any]:
        """What a model file keeps so that `forecast predict` gives the same intervals."""
        return {"intervals": "conformal", "conformal_errors": self.errors.tolist(),
                "conformal_fit_size": self.fit_size}  # fmt: skip

    @classmethod
    def from_defaults(cls, defaults: dict[str, Any]) -> Calibration | None:
        if defaults.get("intervals") != "conformal":
            return None
        errors = np.array(defaults["conformal_errors"], dtype="float64")  # null -> NaN
        return cls(errors, int(defaults["conformal_fit_size"]))

    def to_dict(self) -> dict[str, Any]:
        counts = np.isfinite(self.errors).sum(axis=0)
        return {
            "fit_size": self.fit_size,
            "origins": int(self.errors.shape[0]),
            "errors_per_lead_time": [int(c) for c in counts],
        }


def calibration_size(n: int, steps: int, levels: Sequence[float]) -> int:
    """c: the calibration origins for ``steps`` lead times and the highest level."""
    need = max((errors_needed(lv) for lv in levels), default=1)
    return max(steps + need - 1, n // 4)


def calibrate(
    create: Callable[[], BaseForecaster], y: pd.Series, steps: int, levels: Sequence[float]
) -> Calibration:
    """Walk-forward absolute errors of a fresh model inside ``y``.

    Parameters
    ----------
    create : callable
        Returns a fresh, unfitted model with the hyperparameters being calibrated.
    y : pandas.Series
        The training data; nothing else is read.
    steps : int
        Lead times to calibrate (the forecast horizon).
    levels : sequence of float
        Interval levels in percent; the highest sets how many origins are needed.

    Returns
    -------
    Calibration
        Absolute errors ``[origins, steps]`` and the size of the calibration fit.

    Raises
    ------
    InputError
        When ``y`` is too short for the levels and the horizon.
    """
    errors, fit_size = walk_forward_errors(create, y, steps, levels)
    return Calibration(np.abs(errors), fit_size)


def walk_forward_errors(
    create: Callable[[], BaseForecaster], y: pd.Series, steps: int, levels: Sequence[float]
) -> tuple[np.ndarray, int]:
    """The signed errors y_{t+k} - f_t(k) ``[origins, steps]`` (NaN where the target lies
    after ``y``) of :func:`calibrate`'s walk-forward, and the size of its fit: the same
    origins, the same fresh model (:func:`calibrate` takes their absolute values; sample
    paths resample whole rows)."""
    n = len(y)
    c = calibration_size(n, steps, levels)
    model = create()
    fit_size = n - c
    if fit_size < max(model.min_obs, 2):
        top = max(levels, default=80.0)
        raise InputError(
            f"{model.name}: conformal intervals at {top:g}% for {steps} steps ahead need "
            f"{c + max(model.min_obs, 2)} training observations, got {n}; lower --level, "
            "shorten --horizon or use --intervals model"
        )
    model.fit(y.iloc[:fit_size])
    origins = np.arange(fit_size - 1, n - 1)
    batch = model.forecast_from(y, origins, steps)
    targets = origins[:, None] + 1 + np.arange(steps)[None, :]  # [origins, steps]
    inside = targets < n
    actual = np.where(inside, y.to_numpy(dtype="float64")[np.minimum(targets, n - 1)], np.nan)
    return actual - batch.mean, fit_size
