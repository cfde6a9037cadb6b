"""Sample paths of a fitted model's future: ``[n, horizon]`` draws of y_{T+1..T+h}, seeded.

:func:`sample_paths` asks the model: a model that can simulate has ``_sample_paths(horizon, n,
rng)`` and ``_path_method()``; every other model gets :func:`bootstrap_paths`.
:func:`path_method` says which, in words. By family:

* ARIMA, SARIMA, AR, MA, ARMA, auto-ARIMA, sparse-AR (:func:`state_space_paths`): the fitted
  state-space model run forward from its final state: the state drawn from its filtered
  distribution N(a_T, P_T), then a_{t+1} = T a_t + c + R u_t with Gaussian innovations of
  variance sigma2, y_t = Z a_t + d_t (+ N(0, H)); the differences (d, D) are part of the
  state, so the paths are integrated. Each step's mean and variance are the Kalman forecast's.
* ETS: its state-space recursion (:func:`forecast.models.ets_kernels.simulate_paths`, the code
  its class 4-5 intervals use), N(0, sigma^2) errors with R's sigma^2 (relative errors for a
  multiplicative error).
* Theta (stm, otm, dstm, dotm): statsforecast's Theta simulation, the code its intervals use:
  N(0, sigma^2) errors added to each one-step forecast and fed back into the level, the mean
  and the trend line (A, B), reseasonalised. ``ses-drift``: Hyndman & Billah's SES with drift
  in state space, y_t = l_{t-1} + b + e_t, l_t = l_{t-1} + b + alpha e_t: around the model's
  point forecast, the error at step h is e_h + alpha (e_1 + ... + e_{h-1}), variance sigma^2
  (1 + (h - 1) alpha^2) (its intervals use statsmodels' sigma^2 (1 + (h - 1)(1 + (alpha -
  1)^2)) instead).
* naive, drift: a random walk with N(0, mse) steps (drift: plus one draw of the drift's
  estimation error per path, as the intervals hold it); snaive: a seasonal random walk (one
  walk per seasonal position); mean: the mean's estimation error plus N(0, sd^2) noise.
* MSTL: the remainder model's paths plus the carried-forward seasonal terms.
* everything else (the ensemble, croston/tsb/adida/imapa (clipped at 0), the per-series
  networks and tree models, an ARIMA system the Kalman module does not cover):
  :func:`bootstrap_paths`. Global models (one fit across a panel) have no paths here.

Repeatable: the same seed gives the same paths (a numpy ``Generator`` from the seed).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from forecast.errors import ComputeError, InputError, UsageError
from forecast.models.arima.kalman import KalmanState, StateSpace
from forecast.models.base import BaseForecaster, check_horizon

MAX_PATHS = 1_000_000
BOOTSTRAP = (
    "bootstrapped errors: the point forecast plus the whole h-step error vector of one "
    "walk-forward origin inside the training data, drawn with replacement (a fresh model "
    "with the same hyperparameters fitted before the origins, as split conformal does)"
)
BOOTSTRAP_LEVEL = 95.0  # the origins split conformal takes for 95 % (19 at least)


def sample_paths(
    model: BaseForecaster,
    horizon: int,
    n: int,
    seed: int,
    exog_future: pd.DataFrame | None = None,
) -> np.ndarray:
    """Sample paths of a fitted model's next ``horizon`` values.

    Parameters
    ----------
    model : BaseForecaster
        A fitted model.
    horizon : int
        Steps ahead.
    n : int
        Number of paths (1 to 1,000,000).
    seed : int
        Seed of the numpy ``Generator``: the same seed gives the same paths.
    exog_future : pandas.DataFrame, optional
        The regressors over the horizon: an ARIMA-family model fitted with them adds
        X_future b to paths of its ARIMA errors (b taken as known, as its forecasts do).

    Returns
    -------
    numpy.ndarray
        ``[n, horizon]``.

    Raises
    ------
    UsageError
        For a bad horizon or count, or regressors with a model whose paths cannot take them.
    """
    model._check_fitted()
    horizon = check_horizon(horizon)
    if int(n) != n or not 1 <= n <= MAX_PATHS:
        raise UsageError(f"--samples must be a whole number from 1 to {MAX_PATHS:,}, got {n}")
    rng = np.random.default_rng(seed)
    shift = _exog_shift(model, exog_future, horizon)
    own: Callable[[int, int, np.random.Generator], np.ndarray] | None = getattr(
        model, "_sample_paths", None
    )
    paths = (
        own(horizon, int(n), rng) if own is not None else bootstrap_paths(model, horizon, n, rng)
    )
    paths = np.asarray(paths, dtype="float64").reshape(int(n), horizon) + shift
    if not np.isfinite(paths).all():
        raise ComputeError(
            f"{model.name}: some simulated paths are not finite (the model's own recursion "
            "diverged); ask for fewer steps or use another model"
        )
    return paths


def path_method(model: BaseForecaster) -> str:
    """How :func:`sample_paths` simulates ``model`` (fitted), in words."""
    own: Callable[[], str] | None = getattr(model, "_path_method", None)
    return own() if own is not None else BOOTSTRAP


def _exog_shift(
    model: BaseForecaster, exog_future: pd.DataFrame | None, horizon: int
) -> np.ndarray:
    """X_future b ``[horizon]`` for an ARIMA-family model with regressors, else zeros."""
    if not model.exog_names_:
        if exog_future is not None:
            raise UsageError(
                f"{model.name}: the model was fitted without regressors; drop --future"
            )
        return np.zeros(horizon)
    coef = getattr(model, "exog_coef_", None)
    if coef is None or getattr(model, "arx_", None) is not None or not hasattr(model, "spec_"):
        raise UsageError(
            f"{model.name}: sample paths are not available for a model with regressors; fit "
            "without --exog, or use an ARIMA-family model"
        )
    return model._future_matrix(exog_future, horizon) @ np.asarray(coef)


def psd_root(matrix: np.ndarray) -> np.ndarray:
    """S with S S' = ``matrix`` (symmetric, positive semi-definite: eigenvalues below 0 from
    rounding are taken as 0)."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    return vectors * np.sqrt(np.clip(values, 0.0, None))[None, :]


def state_space_paths(
    system: StateSpace, state: KalmanState, horizon: int, n: int, rng: np.random.Generator
) -> np.ndarray:
    """``[n, horizon]`` paths of y_t = Z a_t + d_t + e_t, a_{t+1} = T a_t + c + R u_t from the
    predicted state ``state`` (a_T ~ N(a, P)), Gaussian e (variance H) and R u (covariance
    R Q R'): the model :mod:`forecast.models.arima.kalman` forecasts, so each step's mean and
    variance are :func:`forecast.models.arima.kalman.forecast`'s."""
    k = state.a.size
    a = state.a[None, :] + rng.standard_normal((n, k)) @ psd_root(state.P).T  # [n, k]
    shock = psd_root(system.RQR)
    noise = np.sqrt(max(system.H, 0.0))
    out = np.empty((n, horizon))
    for j in range(horizon):
        level = a @ system.Z + system.intercept(np.array(state.t + j))
        out[:, j] = level + noise * rng.standard_normal(n) if noise else level
        a = a @ system.T.T + system.c + rng.standard_normal((n, k)) @ shock.T
    return out


def bootstrap_paths(
    model: BaseForecaster, horizon: int, n: int, rng: np.random.Generator
) -> np.ndarray:
    """``[n, horizon]``: the point forecast plus whole rows of walk-forward errors.

    The errors are :func:`forecast.models.conformal.walk_forward_errors`' (signed): a fresh
    model with ``model``'s hyperparameters is fitted on the first n - c training values and
    forecasts ``horizon`` steps from each origin after that at fixed parameters; the origins
    whose every target is a training value give one error vector each, and each path adds one
    of them, drawn with replacement, to ``model``'s point forecast. Resampling whole vectors
    keeps the errors' dependence across lead times.

    Raises
    ------
    InputError
        When the training data are too short for ``horizon`` steps of errors.
    """
    from forecast.models.conformal import walk_forward_errors

    index = pd.date_range(model.start_, periods=model.y_.size, freq=model.freq_)
    series = pd.Series(model.y_, index=index)
    series.attrs["freq"] = model.freq_
    try:
        errors, _ = walk_forward_errors(
            lambda: type(model)(**model.get_params()), series, horizon, (BOOTSTRAP_LEVEL,)
        )
    except InputError as exc:
        raise InputError(
            f"{model.name}: bootstrapped sample paths for {horizon} steps need a longer "
            f"series ({exc.message}); shorten --horizon"
        ) from None
    rows = errors[np.isfinite(errors).all(axis=1)]
    if rows.shape[0] == 0:
        raise InputError(
            f"{model.name}: no walk-forward origin has {horizon} steps of training data after "
            "it for bootstrapped sample paths; shorten --horizon"
        )
    mean = model.predict(horizon).mean
    return mean[None, :] + rows[rng.integers(0, rows.shape[0], size=n)]
