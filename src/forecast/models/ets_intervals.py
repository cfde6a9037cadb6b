"""ETS forecast variances: R's ``forecast.ets`` formulas for classes 1-3 (Hyndman, Koehler, Ord
& Snyder 2008, chapter 6), sample paths for the others.

With the final states x_n and the ETS smoothing parameters (beta and gamma, not statsmodels'
starred ones), h steps ahead:

* class 1, additive error and no multiplicative part: v_h = sigma^2 (1 + sum_{j<h} c_j^2),
  c_j = alpha + beta (phi + ... + phi^j) + gamma [j = 0 mod m] (phi = 1 undamped);
* class 2, multiplicative error, additive or no trend and season: v_h = (1 + sigma^2) theta_h
  - mu_h^2, theta_h = mu_h^2 + sigma^2 sum_{j<h} c_j^2 theta_{h-j}, mu_h the point forecast;
* class 3, multiplicative error and season: y = (H1 x)(H2 z)(1 + e), x = (l, b) and z the m
  seasonal states moving as x_t = (F1 + G1 e) x_{t-1}, z_t = (F2 + G2 e) z_{t-1}; the mean M
  and covariance V of vec(x z') follow exactly (e independent of the past, E e^3 = 0,
  E e^4 = 3 sigma^4): M_t = (F21 + sigma^2 G21) M_{t-1},
  V_t = F21 V F21' + sigma^2 (F21 V G21' + G21 V F21' + K (V + M M') K'
        + sigma^2 G21 (3 V + 2 M M') G21'),
  with F21 = F2 x F1, G21 = G2 x G1, K = F2 x G1 + G2 x F1 (Kronecker products), and
  v_h = (1 + sigma^2) H21 V H21' + sigma^2 mu_h^2 (R's ``class3``; the damped trend's F1 and
  G1 carry phi in the slope's column, as the model's own equations have it).

The intervals are the point forecast plus and minus the normal quantile times sqrt(v_h), as R
does. sigma^2 is the mean squared one-step error (relative for a multiplicative error), with n
as divisor: statsmodels' ``mse``, which its exact intervals (class 1) and its simulations use.
"""

from __future__ import annotations

import numpy as np

from forecast.models.jit import jit


@jit
def coefficients(
    alpha: float, beta: float, gamma: float, phi: float, trend: int, m: int, steps: int
) -> np.ndarray:
    """c_1 .. c_{steps-1} of classes 1 and 2 (c[0] is c_1); ``gamma`` 0 without season."""
    c = np.empty(max(steps - 1, 0))
    damp = phi if trend == 2 else 1.0
    power = 1.0
    total = 0.0
    for j in range(1, steps):
        power *= damp
        total += power
        c[j - 1] = alpha + (beta * total if trend > 0 else 0.0)
        if m > 1 and j % m == 0:
            c[j - 1] += gamma
    return c


@jit
def class1_variance(sigma2: float, c: np.ndarray, steps: int) -> np.ndarray:
    out = np.empty(steps)
    acc = 1.0
    for h in range(steps):
        if h > 0:
            acc += c[h - 1] ** 2
        out[h] = sigma2 * acc
    return out


@jit
def class2_variance(sigma2: float, c: np.ndarray, mean: np.ndarray) -> np.ndarray:
    steps = mean.size
    theta = np.empty(steps)
    out = np.empty(steps)
    for h in range(steps):
        acc = 0.0
        for j in range(1, h + 1):
            acc += c[j - 1] ** 2 * theta[h - j]
        theta[h] = mean[h] ** 2 + sigma2 * acc
        out[h] = (1 + sigma2) * theta[h] - mean[h] ** 2
    return out


def class3_variance(
    last: np.ndarray,
    trend: int,
    params: tuple[float, float, float, float],
    sigma2: float,
    mean: np.ndarray,
) -> np.ndarray:
    """v_1 .. v_h of class 3 (module docstring); ``last`` = (l, b, s_n, ..., s_{n-m+1}),
    ``params`` = (alpha, beta, gamma, phi), ``mean`` the point forecasts."""
    alpha, beta, gamma, phi = params
    m = last.size - 2
    if trend == 0:
        F1, G1, x = np.array([[1.0]]), np.array([[alpha]]), last[:1]
    else:
        damp = phi if trend == 2 else 1.0
        F1 = np.array([[1.0, damp], [0.0, damp]])
        G1 = np.array([[alpha, alpha * damp], [beta, beta * damp]])
        x = last[:2]
    H1 = np.ones((1, x.size))
    H2 = np.zeros((1, m))
    H2[0, m - 1] = 1.0
    F2 = np.zeros((m, m))
    F2[0, m - 1] = 1.0
    F2[1:, : m - 1] = np.eye(m - 1)
    G2 = np.zeros((m, m))
    G2[0, m - 1] = gamma
    F21, G21 = np.kron(F2, F1), np.kron(G2, G1)
    K = np.kron(G2, F1) + np.kron(F2, G1)
    H21 = np.kron(H2, H1)[0]
    M = np.outer(last[2:], x).ravel()  # vec(x z'), column-major: z outer, x inner
    V = np.zeros((M.size, M.size))
    out = np.empty(mean.size)
    for h in range(mean.size):
        out[h] = (1 + sigma2) * (H21 @ V @ H21) + sigma2 * mean[h] ** 2
        S = V + np.outer(M, M)
        V = (
            F21 @ V @ F21.T
            + sigma2 * (F21 @ V @ G21.T + G21 @ V @ F21.T + K @ S @ K.T)
            + sigma2**2 * (G21 @ (3 * V + 2 * np.outer(M, M)) @ G21.T)
        )
        M = (F21 + sigma2 * G21) @ M
    return out


def interval_class(error: str, trend: str, season: str) -> int:
    """Hyndman et al.'s class of a form (4 and 5: no analytic variance here)."""
    if trend in ("mul", "mul_damped"):
        return 4 if error == "mul" else 5
    if error == "add":
        return 1 if season != "mul" else 5
    return 3 if season == "mul" else 2
