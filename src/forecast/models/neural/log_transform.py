"""Which series of a global nbeats / nhits panel are modelled on their logarithms
(``--param transform``), decided on the training values only.

- ``none``: every series as it is;
- ``log``: every series on ``log y`` (each needs positive values);
- ``auto`` (the default): on a panel of more than one series whose frequency has a calendar
  period of at least :data:`MIN_PERIOD` (monthly, weekly, hourly, ...), a series is modelled on
  its logarithms when every training value is positive and Guerrero's Box-Cox lambda is below
  :data:`LAMBDA_CUT`: its spread grows with its level (multiplicative seasonality, spikes that
  scale with the level). Otherwise (one series, quarterly or yearly data, no calendar period)
  nothing is transformed, so that a panel of one is the per-series model.

Guerrero (1993), as R's ``forecast::BoxCox.lambda(method = "guerrero")``: the last
``floor(n / p) * p`` values are cut into subseries of one period p (at least 2); lambda in
[-1, 2] minimises the coefficient of variation of ``sd_h / mean_h ** (1 - lambda)`` over the
subseries h.

Measured (bench/RESULTS.md, issue 33, ``bench/bench_stacked_m3.py``): with the window's mean as
anchor (:mod:`nbeats`), the global nhits on 250 M3 monthly series went from MASE 0.896 to 0.873
(draw A) and 0.919 to 0.865 (a disjoint draw B), sMAPE 13.66 -> 13.18 and 14.68 -> 13.99, with
coverage nearer nominal; on 250 quarterly series every logarithmic variant
was worse (MASE 1.140 -> 1.157-1.208 on A, 1.299 -> 1.367 on B: smooth trends extrapolated on
the log scale grow too fast over 8 quarters), hence the period rule. The network forecasts
``log y``; the forecast and its interval bounds are exponentiated (the bounds' coverage is kept:
the map is monotone; the point forecast is then a median, not a mean).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from forecast.errors import InputError, UsageError

TRANSFORMS = ("auto", "none", "log")
MIN_PERIOD = 12  # auto transforms only data with a calendar period of at least this
LAMBDA_CUT = 0.5  # auto: logarithms where Guerrero's lambda is below this
LAMBDA_BOUNDS = (-1.0, 2.0)


def guerrero_lambda(y: np.ndarray, period: int) -> float:
    """Guerrero's Box-Cox lambda of the positive values ``y`` (subseries of ``period``, at least
    2, taken from the end); 1 where fewer than two subseries have a spread."""
    from scipy.optimize import minimize_scalar

    p = max(int(period), 2)
    k = y.size // p
    if k < 2:
        return 1.0
    sub = np.asarray(y[y.size - k * p :], dtype="float64").reshape(k, p)
    mean, sd = sub.mean(axis=1), sub.std(axis=1, ddof=1)
    if np.count_nonzero(sd > 0) < 2:
        return 1.0

    def variation(lam: float) -> float:
        ratio = sd / mean ** (1.0 - lam)
        return float(np.std(ratio, ddof=1) / np.mean(ratio))

    return float(minimize_scalar(variation, bounds=LAMBDA_BOUNDS, method="bounded").x)


def choose_logs(
    values: Sequence[np.ndarray], transform: str, period: int | None, model: str
) -> tuple[np.ndarray, str]:
    """``[N]`` booleans, the series modelled on their logarithms, and the reason in words.
    ``period``: the frequency's calendar period (None without one)."""
    if transform not in TRANSFORMS:
        raise UsageError(f"{model}: transform must be auto, none or log, got {transform!r}")
    n = len(values)
    if transform == "none":
        return np.zeros(n, dtype=bool), "none"
    if transform == "log":
        for y in values:
            if not np.all(y > 0):
                raise InputError(
                    f"{model}: transform=log needs positive values, found "
                    f"{float(y[~(y > 0)][0]):g}; use --param transform=auto or none"
                )
        return np.ones(n, dtype=bool), "log (transform=log)"
    if n < 2 or period is None or period < MIN_PERIOD:
        why = "one series" if n < 2 else f"calendar period {period or 'none'} < {MIN_PERIOD}"
        return np.zeros(n, dtype=bool), f"none (auto: {why})"
    logs = np.array(
        [bool(np.all(y > 0)) and guerrero_lambda(y, period) < LAMBDA_CUT for y in values]
    )
    return logs, (
        f"log on {int(logs.sum())} of {n} series (auto: positive, Guerrero's lambda < "
        f"{LAMBDA_CUT:g} with subseries of {period})"
    )


def to_model_units(values: np.ndarray, log: bool, what: str) -> np.ndarray:
    """``values`` as the network sees them (their logarithms for a log series); an InputError
    naming ``what`` where a log series meets a value that is not positive."""
    if not log:
        return values
    bad = ~(values > 0) & np.isfinite(values)
    if bad.any():
        raise InputError(
            f"{what}: the model forecasts this series on its logarithms (every training value "
            f"was positive) and got {float(values[bad][0]):g}; refit with --param transform=none"
        )
    return np.log(values)


def from_model_units(values: np.ndarray, log: bool) -> np.ndarray:
    """The inverse of :func:`to_model_units`."""
    return np.exp(values) if log else values


def band(center: np.ndarray, half: np.ndarray, log: bool) -> tuple[np.ndarray, np.ndarray]:
    """The bounds ``center -/+ half`` (model units) in the data's units."""
    return from_model_units(center - half, log), from_model_units(center + half, log)
