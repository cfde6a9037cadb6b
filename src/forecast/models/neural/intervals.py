"""Split-conformal prediction intervals of a per-series network (Vovk et al. 2005; Lei et al.
2018): per step ahead, the absolute errors of the forecasts from the validation-tail origins,
computed once and cached (:mod:`forecaster` describes the method)."""

from __future__ import annotations

import numpy as np

from forecast.models import conformal
from forecast.models.neural.inference import NetworkInference
from forecast.models.neural.regressors import RegressorInputs
from forecast.models.neural.windows import window_view

CONFORMAL = (
    "split-conformal: forecast -/+ the ceil((n+1)*level)-th smallest absolute error at that step "
    "ahead over the n validation-tail origins (residuals of the trained network, per step)"
)


class ConformalIntervals(NetworkInference, RegressorInputs):
    """Interval half-widths from the calibration errors."""

    def _quantiles(self, steps: int, levels: tuple[float, ...]) -> dict[float, np.ndarray]:
        """Per level, the split-conformal half-width at each step ahead, ``[steps]``."""
        if not levels:
            return {}
        return conformal.half_widths(self._errors(steps), levels, self._too_few)

    def _too_few(self, level: float, step: int, n: int) -> str:
        need = conformal.errors_needed(level)
        where = (
            f"intervals are calibrated up to {self.cal_limit_} steps ahead (the trained horizon)"
            if self.cal_limit_ is not None and step > self.cal_limit_
            else f"the validation tail gives {n} errors at step {step}"
        )
        return (
            f"{self.name}: a {level:g}% interval needs at least {need} validation errors per step; "
            f"{where}; ask for a lower --level or a shorter --horizon, or refit with a larger "
            "--param val_fraction"
        )

    def _errors(self, steps: int) -> np.ndarray:
        """|actual - forecast| from each calibration origin, steps 1..``steps`` (cached)."""
        if self._residuals is None or self._residuals.shape[1] < steps:
            k = max(steps, self.horizon_)
            scaled = self.scaler_.transform(self.cal_values_).astype(np.float32)
            view = window_view(scaled, self.window_)
            rows = self.cal_origins_ - (self.window_ - 1)
            exog = None
            if self.exog_names_ and self.cal_exog_ is not None:
                exog = self._exog_view(self.cal_exog_, self._exog_span(k))
            forecast = self.scaler_.inverse(
                self._paths(view, rows, rows, self._cal_phase(), k, exog)
            )
            padded = np.concatenate([self.cal_values_, np.full(k, np.nan)])
            actual = window_view(padded, k)[self.cal_origins_ + 1]  # [n_cal, k]
            errors = np.abs(actual - forecast)
            if self.cal_limit_ is not None:
                errors[:, self.cal_limit_ :] = np.nan
            self._residuals = errors
        return self._residuals[:, :steps]
