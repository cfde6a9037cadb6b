"""Compiled kernels of the ARIMA estimation core (numba, cached on disk).

Everything here works on the *differenced* series with the regression part removed,
``e_t = (1-B)^d (1-B^m)^D (y_t - x_t' beta)``, which is ARMA(p', q') with the expanded
polynomials ``phi(B) Phi(B^m)`` and ``theta(B) Theta(B^m)``. The exact Gaussian likelihood of
the ARIMA model with diffuse differencing states (statsmodels' and R's) is the exact
likelihood of this ARMA series.

State space (Harvey's form, as R's ``arima``): state dimension r = max(p', q' + 1),
transition T with first column phi and ones on the superdiagonal, selection R = (1, theta_1,
..., theta_{r-1}), observation Z = (1, 0, ..., 0). The initial state covariance is the
stationary one, P0 = T P0 T' + R R' (solved by doubling), in units of sigma^2.

The likelihood runs the Kalman filter (O(r^2) a step until its covariance stops changing,
then O(r)). From ``CHANDRASEKHAR_MIN_STATE`` on (seasonal models; r = 99 for a seasonal AR(2)
at m = 48, where the covariance converges too slowly for the steady-state switch) the filter
hands over after 2r steps to the Chandrasekhar recursions, O(r) a step. Both are the exact
likelihood; in floating point they agree within 1e-7 in the log-likelihood (tests): with the
handover after the filter's transient, the recursions do not carry the rounding of F's fall
from the stationary variance.
"""

from __future__ import annotations

import numpy as np

from forecast.models.jit import jit


@jit
def expand(nonseasonal: np.ndarray, seasonal: np.ndarray, m: int) -> np.ndarray:
    """Coefficients c of ``(1 + sum a_i B^i)(1 + sum s_j B^(m j)) = 1 + sum c_k B^k``.

    For AR polynomials pass ``-phi`` and negate the result."""
    p, ps = nonseasonal.size, seasonal.size
    out = np.zeros(p + m * ps)
    for i in range(p):
        out[i] += nonseasonal[i]
    for j in range(ps):
        out[m * (j + 1) - 1] += seasonal[j]
        for i in range(p):
            out[m * (j + 1) + i] += seasonal[j] * nonseasonal[i]
    return out


@jit
def pacf_to_coefficients(r: np.ndarray) -> np.ndarray:
    """Durbin-Levinson: partial autocorrelations in (-1, 1) -> stationary AR coefficients."""
    k = r.size
    phi = np.zeros(k)
    work = np.zeros(k)
    for j in range(k):
        phi[j] = r[j]
        for i in range(j):
            work[i] = phi[i] - r[j] * phi[j - 1 - i]
        for i in range(j):
            phi[i] = work[i]
    return phi


@jit
def css(w: np.ndarray, ar: np.ndarray, ma: np.ndarray, ncond: int) -> tuple[float, int]:
    """Conditional sum of squares: residuals from ``ncond`` on, earlier residuals zero."""
    n = w.size
    resid = np.zeros(n)
    ssq = 0.0
    nu = 0
    for t in range(ncond, n):
        value = w[t]
        for i in range(ar.size):
            value -= ar[i] * w[t - i - 1]
        for j in range(min(t - ncond, ma.size)):
            value -= ma[j] * resid[t - j - 1]
        resid[t] = value
        if np.isfinite(value):
            ssq += value * value
            nu += 1
    return ssq, nu


@jit
def stationary_cov(phi: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """P0 with P0 = T P0 T' + R R' (doubling: P = sum_k T^k RR' T'^k, squared each step)."""
    r = phi.size
    A = np.zeros((r, r))
    for i in range(r):
        A[i, 0] = phi[i]
        if i + 1 < r:
            A[i, i + 1] = 1.0
    P = np.outer(theta, theta)
    for _ in range(200):
        step = A @ P @ A.T
        P = P + step
        A = A @ A
        if np.max(np.abs(step)) <= 1e-15 * np.max(np.abs(P)):
            break
    return P


CHANDRASEKHAR_MIN_STATE = 8  # state dimension from which the likelihood hands over


@jit
def arma_filter(e: np.ndarray, phi: np.ndarray, theta: np.ndarray) -> tuple[float, float, int]:
    """Exact ARMA likelihood pieces, in units of sigma^2 (see the module doc for the method).

    ``phi`` and ``theta`` are padded to r (theta[0] = 1). Returns (sum v_t^2 / F_t,
    sum log F_t, number of observations); the log-likelihood is
    ``-0.5 (nu log(2 pi sigma2) + sum log F + ssq / sigma2)``.

    The Kalman filter runs first; once its covariance stops changing it runs in its steady
    state (O(r) a step). A state of ``CHANDRASEKHAR_MIN_STATE`` or more hands over after 2r
    steps to the Chandrasekhar recursions (:func:`_chandrasekhar`), O(r) a step."""
    r = phi.size
    handover = 2 * r if r >= CHANDRASEKHAR_MIN_STATE else e.size
    a = np.zeros(r)
    P = stationary_cov(phi, theta)
    RR = np.outer(theta, theta)
    K = np.zeros(r)
    TP = np.zeros((r, r))
    row0 = np.zeros(r)
    ssq = 0.0
    sumlog = 0.0
    steady = False
    F = 1.0
    for t in range(e.size):
        if t == handover and not steady:
            more_ssq, more_log = _chandrasekhar(e[t:], a, P, phi, RR, TP, row0)
            return ssq + more_ssq, sumlog + more_log, e.size
        if not steady:
            F = _gain(P, K)
        v = e[t] - a[0]
        ssq += v * v / F
        sumlog += np.log(F)
        # a <- T (a + K v)
        for i in range(r):
            a[i] += K[i] * v
        head = a[0]
        for i in range(r - 1):
            a[i] = phi[i] * head + a[i + 1]
        a[r - 1] = phi[r - 1] * head
        if steady:
            continue
        change = _next_cov(P, F, K, phi, RR, row0, TP)
        P, TP = TP, P
        if change < 1e-14 * F:
            steady = True
            F = _gain(P, K)
    return ssq, sumlog, e.size


@jit
def _gain(P: np.ndarray, K: np.ndarray) -> float:
    """F = P[0, 0] and the gain K = P Z' / F (into ``K``); returns F."""
    F = P[0, 0]
    for i in range(P.shape[0]):
        K[i] = P[i, 0] / F
    return F


@jit
def _next_cov(
    P: np.ndarray,
    F: float,
    K: np.ndarray,
    phi: np.ndarray,
    RR: np.ndarray,
    row0: np.ndarray,
    out: np.ndarray,
) -> float:
    """The next predicted covariance T (P - F K K') T' + R R' into ``out``, in one symmetric
    pass (Pf = P - F K K'): out[i,j] = phi_i phi_j Pf[0,0] + phi_i Pf[0,j+1] + phi_j Pf[i+1,0]
    + Pf[i+1,j+1] + RR[i,j]. Returns the largest change of an element."""
    r = phi.size
    for j in range(r):
        row0[j] = P[0, j] - F * K[0] * K[j]
    change = 0.0
    for i in range(r):
        for j in range(i, r):
            value = phi[i] * phi[j] * row0[0] + RR[i, j]
            if j + 1 < r:
                value += phi[i] * row0[j + 1]
            if i + 1 < r:
                value += phi[j] * row0[i + 1]
                if j + 1 < r:
                    value += P[i + 1, j + 1] - F * K[i + 1] * K[j + 1]
            change = max(change, abs(value - P[i, j]))
            out[i, j] = value
            out[j, i] = value
    return change


@jit
def _chandrasekhar(
    e: np.ndarray,
    a: np.ndarray,
    P: np.ndarray,
    phi: np.ndarray,
    RR: np.ndarray,
    work: np.ndarray,
    row0: np.ndarray,
) -> tuple[float, float]:
    """The rest of :func:`arma_filter` from state ``a`` and predicted covariance ``P``
    (sum v^2 / F, sum log F over ``e``) by the Chandrasekhar recursions, which never form the
    covariance. In a time-invariant model its change P_{t+1} - P_t = m_t w_t w_t' keeps the
    rank of the first one, which is one from a stationary start, so F_t = Z P_t Z' and the
    unnormalised gain g_t = T P_t Z' follow in O(r) a step:
    F_{t+1} = F_t + m_t w_t[0]^2,  g_{t+1} = g_t + m_t w_t[0] T w_t,
    m_{t+1} = m_t + m_t^2 w_t[0]^2 / F_t,  w_{t+1} = T w_t - g_{t+1} w_t[0] / F_{t+1},
    and the state a_{t+1} = T a_t + g_t v_t / F_t. (w, m) come from the filter's own first
    change, taken after its transient: started at t = 0, the recursions carry the rounding
    of the collapse of F from the stationary variance for good, where the filter forgets it.
    """
    r = phi.size
    K = np.empty(r)
    F = _gain(P, K)
    _next_cov(P, F, K, phi, RR, row0, work)
    j = 0  # the change's largest diagonal element: w = its column, m = 1 / that element
    for i in range(r):
        if abs(work[i, i] - P[i, i]) > abs(work[j, j] - P[j, j]):
            j = i
    pivot = work[j, j] - P[j, j]
    w = np.zeros(r)
    m = 0.0  # no change left: the recursions run at the steady state
    if pivot != 0.0:
        m = 1.0 / pivot
        for i in range(r):
            w[i] = work[i, j] - P[i, j]
    g = np.empty(r)
    for i in range(r):
        g[i] = phi[i] * F + (P[i + 1, 0] if i + 1 < r else 0.0)
    tw = np.empty(r)
    ssq = 0.0
    sumlog = 0.0
    for t in range(e.size):
        v = e[t] - a[0]
        ssq += v * v / F
        sumlog += np.log(F)
        step = v / F
        head = a[0]
        for i in range(r - 1):
            a[i] = phi[i] * head + a[i + 1] + g[i] * step
        a[r - 1] = phi[r - 1] * head + g[r - 1] * step
        w0 = w[0]
        for i in range(r - 1):
            tw[i] = phi[i] * w0 + w[i + 1]
        tw[r - 1] = phi[r - 1] * w0
        previous = F
        F += m * w0 * w0
        for i in range(r):
            g[i] += m * w0 * tw[i]
        m += m * m * w0 * w0 / previous
        for i in range(r):
            w[i] = tw[i] - g[i] * (w0 / F)
    return ssq, sumlog


@jit
def constrain(u: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """Unconstrained -> stationary AR / invertible MA coefficients, block by block.

    ``orders`` = (p, q, P, Q); each block is the Durbin-Levinson image of the partial
    autocorrelations u / sqrt(1 + u^2), negated for the MA blocks (statsmodels' transform)."""
    out = np.empty(u.size)
    start = 0
    for b in range(4):
        size = orders[b]
        sign = 1.0 if b % 2 == 0 else -1.0
        pacf = np.empty(size)
        for i in range(size):
            pacf[i] = sign * u[start + i] / np.sqrt(1.0 + u[start + i] ** 2)
        coef = pacf_to_coefficients(pacf)
        for i in range(size):
            out[start + i] = sign * coef[i]
        start += size
    return out


@jit
def polynomials(arma: np.ndarray, orders: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """phi (r) and theta (r, theta[0] = 1) of the expanded ARMA, padded to r = max(p', q'+1)."""
    p, q, P, Q = orders[0], orders[1], orders[2], orders[3]
    full_ar = -expand(-arma[:p], -arma[p + q : p + q + P], m)
    full_ma = expand(arma[p : p + q], arma[p + q + P : p + q + P + Q], m)
    r = max(full_ar.size, full_ma.size + 1)
    phi = np.zeros(r)
    phi[: full_ar.size] = full_ar
    theta = np.zeros(r)
    theta[0] = 1.0
    theta[1 : full_ma.size + 1] = full_ma
    return phi, theta


@jit
def _residual_series(
    x: np.ndarray, w: np.ndarray, X: np.ndarray, beta0: np.ndarray, scale: np.ndarray
) -> np.ndarray:
    k = X.shape[1]
    e = w.copy()
    for j in range(k):
        b = beta0[j] + scale[j] * x[j]
        for t in range(w.size):
            e[t] -= X[t, j] * b
    return e


@jit
def ml_objective(
    x: np.ndarray,
    w: np.ndarray,
    X: np.ndarray,
    beta0: np.ndarray,
    scale: np.ndarray,
    orders: np.ndarray,
    m: int,
) -> float:
    """Minus the concentrated exact log-likelihood per observation (up to a constant) at the
    optimiser's vector x = (scaled regression coefficients, unconstrained ARMA)."""
    k = X.shape[1]
    arma = constrain(x[k:], orders)
    phi, theta = polynomials(arma, orders, m)
    ssq, sumlog, nu = arma_filter(_residual_series(x, w, X, beta0, scale), phi, theta)
    if not (ssq > 0 and np.isfinite(ssq) and np.isfinite(sumlog)):
        return 1e10
    return 0.5 * (np.log(ssq / nu) + sumlog / nu)


@jit
def css_objective(
    x: np.ndarray,
    w: np.ndarray,
    X: np.ndarray,
    beta0: np.ndarray,
    scale: np.ndarray,
    orders: np.ndarray,
    m: int,
) -> float:
    """Half the log of the mean conditional sum of squares, at raw ARMA coefficients."""
    k = X.shape[1]
    phi, theta = polynomials(x[k:], orders, m)
    ncond = orders[0] + m * orders[2]
    nma = orders[1] + m * orders[3]
    ssq, nu = css(_residual_series(x, w, X, beta0, scale), phi[:ncond], theta[1 : nma + 1], ncond)
    if nu == 0 or not (ssq > 0 and np.isfinite(ssq)):
        return 1e10
    return 0.5 * np.log(ssq / nu)


@jit
def ml_value_grad(
    x: np.ndarray,
    w: np.ndarray,
    X: np.ndarray,
    beta0: np.ndarray,
    scale: np.ndarray,
    orders: np.ndarray,
    m: int,
    eps: float,
) -> tuple[float, np.ndarray]:
    """:func:`ml_objective` and its forward-difference gradient (step ``eps``) in one call."""
    f0 = ml_objective(x, w, X, beta0, scale, orders, m)
    grad = np.empty(x.size)
    shifted = x.copy()
    for i in range(x.size):
        shifted[i] = x[i] + eps
        grad[i] = (ml_objective(shifted, w, X, beta0, scale, orders, m) - f0) / eps
        shifted[i] = x[i]
    return f0, grad


@jit
def css_value_grad(
    x: np.ndarray,
    w: np.ndarray,
    X: np.ndarray,
    beta0: np.ndarray,
    scale: np.ndarray,
    orders: np.ndarray,
    m: int,
    eps: float,
) -> tuple[float, np.ndarray]:
    """:func:`css_objective` and its forward-difference gradient (step ``eps``) in one call."""
    f0 = css_objective(x, w, X, beta0, scale, orders, m)
    grad = np.empty(x.size)
    shifted = x.copy()
    for i in range(x.size):
        shifted[i] = x[i] + eps
        grad[i] = (css_objective(shifted, w, X, beta0, scale, orders, m) - f0) / eps
        shifted[i] = x[i]
    return f0, grad
