"""Split-conformal prediction intervals of a per-series network (Vovk et al. 2005; Lei et al.
2018): per step ahead, the absolute errors of the forecasts from the validation-tail origins,
computed once and cached (:mod:`forecaster` describes the method)."""

from __future__ import annotations

import numpy as np

from forecast.errors import UsageError
from forecast.models import conformal
from forecast.models.base import Bands
from forecast.models.neural.inference import NetworkInference
from forecast.models.neural.options import NeuralOptions
from forecast.models.neural.quantile_head import DEFAULT_LEVELS, METHOD, levels_of, probabilities
from forecast.models.neural.regressors import RegressorInputs
from forecast.models.neural.windows import window_view

CONFORMAL = (
    "split-conformal: forecast -/+ the ceil((n+1)*level)-th smallest absolute error at that step "
    "ahead over the n validation-tail origins (residuals of the trained network, per step)"
)

HEAD = METHOD  # the intervals of a network fitted with loss=quantile


def quantile_probs(options: NeuralOptions, model: str, exog: int) -> list[float]:
    """The probabilities a ``loss=quantile`` head of ``model`` is trained for (its
    ``quantile_levels``, else :data:`DEFAULT_LEVELS`); ``exog`` regressors are refused (their
    known future values feed a mean head)."""
    if exog:
        raise UsageError(
            f"{model}: loss=quantile does not take regressors; drop the regressors or use the "
            "default loss (conformal intervals)"
        )
    return list(probabilities(options.quantile_levels or DEFAULT_LEVELS))


def head_bands(
    model: str, probs: tuple[float, ...], values: np.ndarray, steps: int, levels: tuple[float, ...]
) -> Bands:
    """The bands of ``levels`` from a quantile head's outputs ``values`` ``[n, out, P]`` (in the
    data's units) over the first ``steps`` steps: the quantiles (1-L)/2 and (1+L)/2, each
    ``[n, steps]``. A level the head was not trained for, or steps past its ``out``, is a
    UsageError."""
    trained = levels_of(probs)
    missing = [lv for lv in levels if not np.isclose(trained, lv).any()]
    if missing:
        shown = ", ".join(f"{v:g}" for v in trained)
        raise UsageError(
            f"{model}'s quantile head was trained for the levels {shown}; ask for those (--level) "
            "or refit with --param quantile_levels=..."
        )
    if levels and steps > values.shape[1]:
        raise UsageError(
            f"{model}'s quantile head covers {values.shape[1]} steps ahead; ask for --horizon "
            f"{values.shape[1]} or less, or refit with --param horizon={steps}"
        )
    p = np.asarray(probs)
    bands: Bands = {}
    for lv in levels:
        lo = int(np.argmin(np.abs(p - (100.0 - lv) / 200.0)))
        hi = int(np.argmin(np.abs(p - (100.0 + lv) / 200.0)))
        bands[lv] = (values[:, :steps, lo], values[:, :steps, hi])
    return bands


class ConformalIntervals(NetworkInference, RegressorInputs):
    """Interval half-widths from the calibration errors, or the bands of a quantile head."""

    def _head_bands(
        self,
        view: np.ndarray,
        rows: np.ndarray,
        first: np.ndarray,
        phase0: int,
        steps: int,
        levels: tuple[float, ...],
        exog: np.ndarray | None = None,
    ) -> Bands:
        """The quantile head's bands (:func:`head_bands`) from the windows ``view[rows]``, each
        ``[len(rows), steps]``; ``exog`` must be None (the head takes no regressors)."""
        if not levels:
            return {}
        assert exog is None, "a quantile head takes no regressors"
        values = self.scaler_.inverse(self._head_quantiles(view, rows, first, phase0))
        return head_bands(self.name, tuple(self.arch_["quantiles"]), values, steps, levels)

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
