"""Forecast quantiles at any probabilities, for every model, from its own predictive
distribution.

:func:`forecast_quantiles` gives, for probabilities p (e.g. 0.05, 0.5, 0.95) and h steps, the
values q_p [P, h]. Where a model knows its distribution it says so itself, through a method
``_predict_quantiles(horizon, probs) -> (values [P, h], method)`` (used for a model without
regressors):

* Gaussian models (ARIMA family and sparse-AR from the Kalman forecast variance; naive,
  snaive and drift from their textbook standard errors; ETS classes 1-3 from R's analytic
  variances; Theta's ``ses-drift``): ``mean + z_p * sd`` with the model's own sd;
* the mean model: ``mean + t_{p, T-1} * se`` (its Student t);
* models that simulate (ETS classes 4-5: 2,000 paths, seed 0; the other Theta variants:
  statsforecast's 200 paths, seed 0): the empirical quantiles of the very paths their intervals
  come from, with the same widening to hold the point forecast (a quantile below 1/2 is at most
  the mean, one above 1/2 at least the mean);
* MSTL: the remainder model's quantiles plus the carried-forward seasonal terms;
* the ensemble: its members' quantiles combined as it combines their bounds (mean, median or
  weighted mean of quantiles: quantile averaging), widened to hold its mean;
* croston, tsb, adida, imapa: split conformal (below), clipped at 0 as their bounds are.

Split conformal quantiles (:func:`conformal_quantiles`: ``--intervals conformal``, and the
intermittent models): with the absolute calibration errors of lead time k (n_k of them), the
quantile at p < 1/2 is ``mean - w_k(L)`` and at p > 1/2 ``mean + w_k(L)``, with L = |2p - 1| and
w_k(L) the ceil((n_k + 1) L)-th smallest error (the (n + 1) rule of
:mod:`forecast.models.conformal`, per level); at p = 1/2 the mean.

Every other model (the per-series networks' split conformal intervals, the per-series tree
models, a model fitted with regressors, and, through :func:`global_quantiles`, the global tree
and network models: split conformal, or the trees' quantile objective) gives its quantiles
the way it makes its bands: q_p is the lower bound of its level-|2p - 1|
interval below 1/2, the upper one above, the point forecast at 1/2.

Quantiles never cross: each route above is monotone in p by construction (a Gaussian or t
quantile function, empirical quantiles of one set of paths, sorted calibration errors, and
positive combinations of those); the bands route also applies the monotone rearrangement
(Chernozhukov, Fernandez-Val & Galichon 2010: sort the values at each step), which leaves
non-crossing bounds as they are and never increases the pinball loss of crossing ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

from forecast.errors import ComputeError, UsageError
from forecast.models.base import (
    BaseForecaster,
    Forecast,
    ForecastBatch,
    check_horizon,
    quantile_column,
)

if TYPE_CHECKING:
    from forecast.models.conformal import Calibration

BANDS = "the lower bound of the model's level-|2p-1| interval below p = 0.5, the upper above"


@dataclass(frozen=True)
class QuantileForecast:
    """Forecast quantiles over the future index."""

    index: pd.DatetimeIndex
    probs: tuple[float, ...]
    values: np.ndarray  # [P, horizon], rows in the order of probs (ascending)
    method: str

    def quantile(self, p: float) -> np.ndarray:
        """The quantile at probability ``p`` (one of :attr:`probs`), ``[horizon]``."""
        return self.values[self.probs.index(float(p))]

    def columns(self) -> list[str]:
        """``q_0.05``, ``q_0.5``, ...: one column name per probability."""
        return [quantile_label(p) for p in self.probs]


def quantile_label(p: float) -> str:
    """0.05 -> "q_0.05": the name of a quantile column (as ``Forecast.columns`` names it)."""
    return quantile_column(p)


def check_probs(probs: Sequence[float]) -> tuple[float, ...]:
    """Probabilities strictly between 0 and 1, returned sorted and unique.

    Raises
    ------
    UsageError
        For an empty list, or a value outside (0, 1) (a percentage such as 95 is named as
        one, with the fraction it meant).
    """
    out = sorted({float(p) for p in probs})
    if not out:
        raise UsageError("--quantiles needs at least one probability, e.g. 0.1,0.5,0.9")
    for p in out:
        if 1 < p < 100:
            raise UsageError(
                f"--quantiles takes probabilities between 0 and 1, got {p:g}; did you mean "
                f"{p / 100:g}?"
            )
        if not 0 < p < 1:
            raise UsageError(f"--quantiles takes probabilities strictly between 0 and 1, got {p:g}")
    return tuple(out)


def level_of(p: float) -> float:
    """The central interval level (percent) whose bound is the p-quantile: 100 |2p - 1|,
    rounded to 10 decimals so that 0.05 gives exactly 90 (the (n + 1) rule's rank
    ceil((n + 1) L) would otherwise jump where (n + 1) L is a whole number)."""
    return round(abs(2 * p - 1) * 100, 10)


def normal_quantiles(mean: np.ndarray, sd: np.ndarray, probs: Sequence[float]) -> np.ndarray:
    """``mean + z_p sd`` for each probability: ``[P, horizon]``."""
    z = np.array([NormalDist().inv_cdf(p) for p in probs])
    return np.asarray(mean)[None, :] + z[:, None] * np.asarray(sd)[None, :]


def hold_mean(values: np.ndarray, probs: Sequence[float], mean: np.ndarray) -> np.ndarray:
    """Quantiles below 1/2 at most ``mean``, above 1/2 at least ``mean``: the widening the
    simulated bands of ETS, Theta and the ensemble apply (monotone in p stays monotone)."""
    p = np.asarray(probs)[:, None]
    out = np.where(p < 0.5, np.minimum(values, mean[None, :]), values)
    return np.where(p > 0.5, np.maximum(out, mean[None, :]), out)


def sample_quantiles(samples: np.ndarray, probs: Sequence[float]) -> np.ndarray:
    """numpy's linear empirical quantiles of ``samples`` ``[n, horizon]``: ``[P, horizon]``."""
    return np.quantile(np.asarray(samples, dtype="float64"), np.asarray(probs), axis=0)


def conformal_quantiles(
    calibration: Calibration, mean: np.ndarray, probs: Sequence[float]
) -> np.ndarray:
    """Split-conformal quantiles around ``mean`` ``[horizon]`` (module docstring).

    Raises
    ------
    UsageError
        When a lead time has fewer calibration errors than a level asks for (the message of
        :meth:`forecast.models.conformal.Calibration.widths`).
    """
    levels = sorted({level_of(p) for p in probs} - {0.0})
    widths = calibration.widths(levels, int(mean.shape[-1])) if levels else {}
    rows = []
    for p in probs:
        level = level_of(p)
        sign = 0.0 if level == 0 else math.copysign(1.0, p - 0.5)
        rows.append(mean + sign * widths[level] if level else np.array(mean, dtype="float64"))
    return np.array(rows)


def quantiles_from_bands(forecast: Forecast | ForecastBatch, probs: Sequence[float]) -> np.ndarray:
    """The quantiles a forecast's bands hold: its level-|2p - 1| lower bound for p < 1/2, the
    upper for p > 1/2, the mean at 1/2, sorted over p at each step (the monotone
    rearrangement). ``forecast`` must carry the levels :func:`band_levels` names: one
    series' :class:`Forecast` (``[P, horizon]``; for a global model, from its
    ``predict(horizon, band_levels(probs))``) or a backtest's :class:`ForecastBatch` from
    ``forecast_from(..., band_levels(probs))`` (``[P, origins, horizon]``).

    Raises
    ------
    UsageError
        When ``forecast`` lacks one of those levels.
    """
    rows = []
    for p in probs:
        level = level_of(p)
        if level == 0:
            rows.append(forecast.mean)
            continue
        if level not in forecast.bands:
            raise UsageError(
                f"the forecast has no {level:g}% interval for the {p:g} quantile; predict "
                "with the levels band_levels(probs) names"
            )
        rows.append(forecast.bands[level][0 if p < 0.5 else 1])
    return np.sort(np.array(rows, dtype="float64"), axis=0)


def band_levels(probs: Sequence[float]) -> tuple[float, ...]:
    """The interval levels (percent) whose bounds are the quantiles at ``probs``."""
    return tuple(sorted({level_of(p) for p in probs} - {0.0}))


def forecast_quantiles(
    model: BaseForecaster,
    horizon: int,
    probs: Sequence[float],
    exog_future: pd.DataFrame | None = None,
    calibration: Calibration | None = None,
) -> QuantileForecast:
    """Forecast quantiles of a fitted model at the probabilities ``probs``.

    Parameters
    ----------
    model : BaseForecaster
        A fitted model.
    horizon : int
        Steps ahead.
    probs : sequence of float
        Probabilities strictly between 0 and 1 (sorted and made unique).
    exog_future : pandas.DataFrame, optional
        The regressors over the horizon, for a model fitted with them.
    calibration : Calibration, optional
        Split-conformal calibration errors (``--intervals conformal``): the quantiles are
        conformal around the model's point forecast instead of the model's own.

    Returns
    -------
    QuantileForecast
        ``values`` ``[len(probs), horizon]``, non-decreasing in p at every step, and the method.

    Raises
    ------
    UsageError
        For probabilities outside (0, 1) or a bad horizon; ComputeError for non-finite values.
    """
    from forecast.data import future_index

    model._check_fitted()
    horizon = check_horizon(horizon)
    probs = check_probs(probs)
    own: Callable[[int, tuple[float, ...]], tuple[np.ndarray, str]] | None = getattr(
        model, "_predict_quantiles", None
    )
    if calibration is not None:
        from forecast.models.conformal import METHOD

        mean = model.predict(horizon, (), exog_future).mean
        values, method = conformal_quantiles(calibration, mean, probs), METHOD
    elif own is not None and not model.exog_names_:
        values, method = own(horizon, probs)
    else:
        forecast = model.predict(horizon, band_levels(probs), exog_future)
        values = quantiles_from_bands(forecast, probs)
        method = f"{BANDS} ({forecast.interval_method})" if forecast.bands else "point forecast"
    values = np.asarray(values, dtype="float64").reshape(len(probs), horizon)
    if not np.isfinite(values).all():
        raise ComputeError(f"{model.name}: the fitted model gives non-finite quantiles")
    return QuantileForecast(future_index(model.end_, model.freq_, horizon), probs, values, method)


def member_quantiles(
    models: Sequence[BaseForecaster], horizon: int, probs: tuple[float, ...]
) -> tuple[np.ndarray, list[str]]:
    """Each model's quantiles ``[M, P, horizon]`` and methods (models built of others)."""
    found = [forecast_quantiles(m, horizon, probs) for m in models]
    return np.array([q.values for q in found]), [q.method for q in found]


class PanelModel(Protocol):
    """A global model (one fit across a panel: the tree and network models)."""

    def predict(
        self, horizon: int, levels: Sequence[float] = (), ids: Sequence[str] | None = None
    ) -> Mapping[str, Forecast | str]: ...


def global_quantiles(
    model: PanelModel, horizon: int, probs: Sequence[float], ids: Sequence[str] | None = None
) -> dict[str, QuantileForecast | str]:
    """Forecast quantiles of a global model's series, from its bands
    (:func:`quantiles_from_bands`: split conformal, or the tree models' quantile objective).

    Parameters
    ----------
    model : PanelModel
        A fitted global model.
    horizon : int
        Steps ahead.
    probs : sequence of float
        Probabilities strictly between 0 and 1.
    ids : sequence of str, optional
        The series (all when None).

    Returns
    -------
    dict
        Per series id, its :class:`QuantileForecast`, or the one-line reason the model gives
        for a series it cannot forecast.

    Raises
    ------
    UsageError
        For bad probabilities, or levels the model cannot give (a quantile objective trained
        for other levels; too few calibration errors).
    """
    probs = check_probs(probs)
    out: dict[str, QuantileForecast | str] = {}
    for sid, forecast in model.predict(horizon, band_levels(probs), ids).items():
        out[sid] = forecast if isinstance(forecast, str) else band_quantiles(forecast, probs)
    return out


def band_quantiles(forecast: Forecast, probs: Sequence[float]) -> QuantileForecast:
    """One forecast's quantiles at ``probs`` from its bands (:func:`quantiles_from_bands`:
    it must carry the levels :func:`band_levels` names), with the method that says so.

    Raises
    ------
    UsageError
        For bad probabilities, or a level the forecast lacks.
    """
    probs = check_probs(probs)
    values = quantiles_from_bands(forecast, probs)
    return QuantileForecast(forecast.index, probs, values, f"{BANDS} ({forecast.interval_method})")
