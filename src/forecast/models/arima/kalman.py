"""A small Kalman filter and forecaster for univariate linear Gaussian state-space models.

statsmodels does the estimation and the first filtering pass; this module takes its system
matrices at fixed parameters and moves the state on: one new observation costs a few small
matrix products instead of building and filtering a new statsmodels model. The backtest engine
uses the same functions to forecast from many origins at once.

Model (predicted-state form, time index t = 0, 1, ...):

    y_t     = Z a_t + d_t + e_t,       e_t ~ N(0, H)
    a_{t+1} = T a_t + c + R u_t,       u_t ~ N(0, Q)

with a time-invariant system except the observation intercept d_t = d0 + d1 (t + 1), which is
how statsmodels' ARIMA carries a constant and a linear trend (``trend_offset=1``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class StateSpace:
    Z: np.ndarray  # [k]
    H: float
    T: np.ndarray  # [k, k]
    c: np.ndarray  # [k]
    RQR: np.ndarray  # [k, k]
    d0: float
    d1: float

    def intercept(self, t: np.ndarray) -> np.ndarray:
        return self.d0 + self.d1 * (np.asarray(t, dtype="float64") + 1)


@dataclass(frozen=True)
class KalmanState:
    """The predicted state for time ``t`` given the observations before it."""

    a: np.ndarray  # [k]
    P: np.ndarray  # [k, k]
    t: int


def from_statsmodels(
    results: Any, params: dict[str, float]
) -> tuple[StateSpace, KalmanState] | None:
    """The system and the final predicted state of a statsmodels filter run, or ``None`` when
    the system is time-varying in a way this module does not cover."""
    fr = results.filter_results
    names = ("design", "obs_cov", "transition", "selection", "state_cov", "state_intercept")
    found = {name: _time_invariant(np.asarray(getattr(fr, name))) for name in names}
    fixed = {name: value for name, value in found.items() if value is not None}
    if len(fixed) < len(names):
        return None
    d0 = params.get("const", 0.0)
    d1 = params.get("x1", 0.0)
    n = int(results.nobs)
    obs_intercept = np.asarray(fr.obs_intercept)[0]
    expected = d0 + d1 * (np.arange(n) + 1) if obs_intercept.size > 1 else np.array([d0 + d1])
    if obs_intercept.size > 1 and not np.allclose(obs_intercept, expected, rtol=1e-12, atol=1e-12):
        return None
    if obs_intercept.size == 1:
        d0, d1 = float(obs_intercept[0]), 0.0
    R = fixed["selection"]
    system = StateSpace(
        Z=np.array(fixed["design"][0]),
        H=float(fixed["obs_cov"][0, 0]),
        T=np.array(fixed["transition"]),
        c=np.array(fixed["state_intercept"]),
        RQR=R @ fixed["state_cov"] @ R.T,
        d0=float(d0),
        d1=float(d1),
    )
    state = KalmanState(
        a=np.array(fr.predicted_state[:, n]), P=np.array(fr.predicted_state_cov[:, :, n]), t=n
    )
    return system, state


def _time_invariant(array: np.ndarray) -> np.ndarray | None:
    """The matrix without its time axis (the last), if it is the same at every time."""
    first = array[..., 0]
    if array.shape[-1] > 1 and not np.array_equal(
        array, np.broadcast_to(first[..., None], array.shape)
    ):
        return None
    return np.array(first)


def filter_step(ss: StateSpace, state: KalmanState, y: float) -> KalmanState:
    a, P = state.a, state.P
    v = y - ss.Z @ a - ss.intercept(np.array(state.t))
    PZ = P @ ss.Z
    F = ss.Z @ PZ + ss.H
    K = ss.T @ PZ / F
    a_next = ss.T @ a + ss.c + K * v
    P_next = ss.T @ P @ ss.T.T + ss.RQR - np.outer(K, K) * F
    return KalmanState(a_next, (P_next + P_next.T) / 2, state.t + 1)


def filter_values(ss: StateSpace, state: KalmanState, values: np.ndarray) -> KalmanState:
    for y in np.asarray(values, dtype="float64"):
        state = filter_step(ss, state, float(y))
    return state


def forecast(ss: StateSpace, state: KalmanState, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Means and variances of y_{t}, ..., y_{t+h-1} from the predicted state at t."""
    means, variances = forecast_many(
        ss, state.a[None, :], state.P[None, :, :], np.array([state.t]), horizon
    )
    return means[0], variances[0]


def forecast_many(
    ss: StateSpace, a: np.ndarray, P: np.ndarray, t: np.ndarray, horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """Forecasts from many origins at once: ``a`` [O, k], ``P`` [O, k, k], ``t`` [O] the time
    index each state predicts. Returns means and variances, each [O, horizon]."""
    a, P = np.array(a, dtype="float64"), np.array(P, dtype="float64")
    t = np.asarray(t)
    means = np.empty((a.shape[0], horizon))
    variances = np.empty((a.shape[0], horizon))
    for j in range(horizon):
        means[:, j] = a @ ss.Z + ss.intercept(t + j)
        variances[:, j] = np.einsum("i,oij,j->o", ss.Z, P, ss.Z) + ss.H
        a = a @ ss.T.T + ss.c
        P = np.einsum("ij,ojk,lk->oil", ss.T, P, ss.T) + ss.RQR
    return means, variances
