"""The ETS recursions, likelihood and forecasts, compiled (numba, cached on disk).

The model is statsmodels' ``ETSModel`` (error A/M, trend N/A/Ad, season N/A/M), in its own
parametrisation, so that a fit can be checked against it at the same parameters: the
smoothing runs in the Holt-Winters error-correction form of ``_ets_smooth.pyx``,

    yhat_t = (l + phi b) o s_{t-m}
    l_t = alpha (y_t o^-1 s_{t-m}) + (1 - alpha) (l + phi b)
    b_t = beta* (l_t - l) + (1 - beta*) phi b              beta* = beta / alpha
    s_t = gamma* (y_t o^-1 l_t) + (1 - gamma*) s_{t-m}     gamma* = gamma / (1 - alpha)

(``o`` is + or x as the season is additive or multiplicative), which is the same recursion
for additive and multiplicative errors: the error type only changes the likelihood,

    log L = -n/2 (log(2 pi mean(r_t^2)) + 1) - [multiplicative error] sum log |yhat_t|

with r_t = y_t - yhat_t (additive) or (y_t - yhat_t) / yhat_t (multiplicative), the variance
concentrated out (statsmodels' ``loglike``). The seasonal states live in a ring buffer
(statsmodels shifts all m of them every step: O(n m) where this is O(n)).

Codes: ``error`` 0 additive, 1 multiplicative; ``trend`` 0 none, 1 additive, 2 damped;
``season`` 0 none, 1 additive, 2 multiplicative. ``seasons`` holds statsmodels'
``initial_seasonal.0 .. .{m-1}``, that is s_{-1}, ..., s_{-m}.

The optimiser's vector (:func:`free_to_internal`) is the one statsmodels' fit and the former
polish of ``ets.py`` used: alpha, beta / alpha, gamma / (1 - alpha), phi (only
when damped), the initial level, slope (with a trend) and the first m - 1 seasonal states (the
last is fixed at 0 or 1, as statsmodels fixes it).
"""

from __future__ import annotations

import math

import numpy as np

from forecast.models.jit import jit

STEP = 6.0554544523933395e-06  # eps^(1/3): central differences' balance of rounding and truncation
PENALTY = 1e10  # the objective where the likelihood is not finite


@jit
def smooth(
    y: np.ndarray,
    error: int,
    trend: int,
    season: int,
    alpha: float,
    beta_star: float,
    gamma_star: float,
    phi: float,
    level: float,
    slope: float,
    seasons: np.ndarray,
    yhat: np.ndarray,
    last: np.ndarray,
) -> float:
    """Run the recursion over ``y``: one-step fitted values into ``yhat`` [n], the final
    states into ``last`` [2 + m] (level, slope, then s_n, s_{n-1}, ..., s_{n-m+1}: the
    order of statsmodels' states), and return statsmodels' log-likelihood."""
    n = y.size
    m = seasons.size
    ring = np.empty(m)
    for j in range(m):
        ring[j] = seasons[m - 1 - j]  # ring[t % m] holds s_{t-m}
    if trend == 0:
        slope, phi, beta_star = 0.0, 1.0, 0.0
    sse = 0.0
    logs = 0.0
    for t in range(n):
        k = t % m
        s = ring[k]
        base = level + phi * slope
        if season == 0:
            fitted = base
            adjusted = y[t]
        elif season == 1:
            fitted = base + s
            adjusted = y[t] - s
        else:
            if s == 0:
                return math.nan  # statsmodels divides by zero here: no finite likelihood
            fitted = base * s
            adjusted = y[t] / s
        yhat[t] = fitted
        new_level = alpha * adjusted + (1 - alpha) * base
        slope = beta_star * (new_level - level) + (1 - beta_star) * phi * slope
        level = new_level
        if season == 1:
            ring[k] = gamma_star * (y[t] - level) + (1 - gamma_star) * s
        elif season == 2:
            if level == 0:
                return math.nan
            ring[k] = gamma_star * (y[t] / level) + (1 - gamma_star) * s
        if error == 0:
            r = y[t] - fitted
        else:
            if fitted == 0:
                return math.nan
            r = (y[t] - fitted) / fitted
            logs += math.log(abs(fitted))
        sse += r * r
    last[0] = level
    last[1] = slope
    for j in range(m):
        last[2 + j] = ring[(n - 1 - j) % m]  # s_{n-1-j}: the newest first
    loglik = -n / 2 * (math.log(2 * math.pi * sse / n) + 1)
    return loglik - logs


@jit
def free_to_internal(
    x: np.ndarray, trend: int, season: int, m: int
) -> tuple[float, float, float, float, float, float, np.ndarray]:
    """alpha, beta*, gamma*, phi, level, slope and the m seasonal states from the
    optimiser's vector (module docstring)."""
    alpha = x[0]
    i = 1
    beta_star = 0.0
    gamma_star = 0.0
    phi = 1.0
    slope = 0.0
    if trend > 0:
        beta_star = x[i]
        i += 1
    if season > 0:
        gamma_star = x[i]
        i += 1
    if trend == 2:
        phi = x[i]
        i += 1
    level = x[i]
    i += 1
    if trend > 0:
        slope = x[i]
        i += 1
    seasons = np.zeros(m)
    if season > 0:
        for j in range(m - 1):
            seasons[j] = x[i + j]
        seasons[m - 1] = 1.0 if season == 2 else 0.0
    return alpha, beta_star, gamma_star, phi, level, slope, seasons


@jit
def objective(x: np.ndarray, y: np.ndarray, error: int, trend: int, season: int, m: int) -> float:
    """Minus the log-likelihood per observation at the optimiser's vector ``x`` (PENALTY
    where it is not finite): statsmodels' ``-loglike / nobs``."""
    alpha, beta_star, gamma_star, phi, level, slope, seasons = free_to_internal(x, trend, season, m)
    yhat = np.empty(y.size)
    last = np.empty(2 + m)
    value = (
        -smooth(
            y,
            error,
            trend,
            season,
            alpha,
            beta_star,
            gamma_star,
            phi,
            level,
            slope,
            seasons,
            yhat,
            last,
        )
        / y.size
    )
    return value if math.isfinite(value) else PENALTY


@jit
def value_grad_central(
    x: np.ndarray, y: np.ndarray, error: int, trend: int, season: int, m: int
) -> tuple[float, np.ndarray]:
    """:func:`objective` and its central-difference gradient (steps eps^(1/3) max(1, |x|):
    error ~1e-10): the slow, obvious oracle of :func:`value_grad` in the tests."""
    f0 = objective(x, y, error, trend, season, m)
    grad = np.empty(x.size)
    shifted = x.copy()
    for i in range(x.size):
        h = STEP * max(1.0, abs(x[i]))
        shifted[i] = x[i] + h
        up = objective(shifted, y, error, trend, season, m)
        shifted[i] = x[i] - h
        down = objective(shifted, y, error, trend, season, m)
        grad[i] = (up - down) / (2 * h)
        shifted[i] = x[i]
    return f0, grad


@jit
def value_grad(
    x: np.ndarray, y: np.ndarray, error: int, trend: int, season: int, m: int
) -> tuple[float, np.ndarray]:
    """:func:`objective` and its exact gradient, by forward-mode differentiation of the
    recursion: the derivatives of the level, slope and each seasonal state with respect to
    the optimiser's vector ride along with the states (O(n k) for k parameters, where
    central differences cost 2k recursions). PENALTY and a zero gradient where the
    likelihood is not finite."""
    k = x.size
    alpha, beta_star, gamma_star, phi, level, slope, seasons = free_to_internal(x, trend, season, m)
    ib = 1 if trend > 0 else -1
    ig = (2 if trend > 0 else 1) if season > 0 else -1
    ip = 1 + (trend > 0) + (season > 0) if trend == 2 else -1
    il = 1 + (trend > 0) + (season > 0) + (trend == 2)
    first_season = il + 1 + (trend > 0)
    ring = np.empty(m)
    dring = np.zeros((m, k))
    for j in range(m):
        ring[j] = seasons[m - 1 - j]
        if season > 0 and j >= 1:
            dring[j, first_season + m - 1 - j] = 1.0
    dlevel = np.zeros(k)
    dslope = np.zeros(k)
    dlevel[il] = 1.0
    if trend > 0:
        dslope[il + 1] = 1.0
    dbase = np.empty(k)
    dfit = np.empty(k)
    dadj = np.empty(k)
    dnew = np.empty(k)
    dsse = np.zeros(k)
    dlogs = np.zeros(k)
    n = y.size
    sse = 0.0
    logs = 0.0
    for t in range(n):
        c = t % m
        s = ring[c]
        ds = dring[c]
        base = level + phi * slope
        for i in range(k):
            dbase[i] = dlevel[i] + phi * dslope[i]
        if ip >= 0:
            dbase[ip] += slope
        if season == 0:
            fitted = base
            adjusted = y[t]
            for i in range(k):
                dfit[i] = dbase[i]
                dadj[i] = 0.0
        elif season == 1:
            fitted = base + s
            adjusted = y[t] - s
            for i in range(k):
                dfit[i] = dbase[i] + ds[i]
                dadj[i] = -ds[i]
        else:
            if s == 0:
                return PENALTY, np.zeros(k)
            fitted = base * s
            adjusted = y[t] / s
            q = -y[t] / (s * s)
            for i in range(k):
                dfit[i] = dbase[i] * s + base * ds[i]
                dadj[i] = q * ds[i]
        new_level = alpha * adjusted + (1 - alpha) * base
        for i in range(k):
            dnew[i] = alpha * dadj[i] + (1 - alpha) * dbase[i]
        dnew[0] += adjusted - base
        if trend > 0:
            step = new_level - level
            for i in range(k):
                dslope[i] = beta_star * (dnew[i] - dlevel[i]) + (1 - beta_star) * phi * dslope[i]
            dslope[ib] += step - phi * slope
            if ip >= 0:
                dslope[ip] += (1 - beta_star) * slope
            slope = beta_star * step + (1 - beta_star) * phi * slope
        level = new_level
        for i in range(k):
            dlevel[i] = dnew[i]
        if season == 1:
            ring[c] = gamma_star * (y[t] - level) + (1 - gamma_star) * s
            for i in range(k):
                ds[i] = (1 - gamma_star) * ds[i] - gamma_star * dlevel[i]
            ds[ig] += y[t] - level - s
        elif season == 2:
            if level == 0:
                return PENALTY, np.zeros(k)
            ratio = y[t] / level
            ring[c] = gamma_star * ratio + (1 - gamma_star) * s
            q = -gamma_star * ratio / level
            for i in range(k):
                ds[i] = (1 - gamma_star) * ds[i] + q * dlevel[i]
            ds[ig] += ratio - s
        if error == 0:
            r = y[t] - fitted
            for i in range(k):
                dsse[i] -= 2 * r * dfit[i]
        else:
            if fitted == 0:
                return PENALTY, np.zeros(k)
            r = (y[t] - fitted) / fitted
            q = -2 * r * y[t] / (fitted * fitted)
            logs += math.log(abs(fitted))
            for i in range(k):
                dsse[i] += q * dfit[i]
                dlogs[i] += dfit[i] / fitted
        sse += r * r
    value = 0.5 * (math.log(2 * math.pi * sse / n) + 1) + logs / n
    grad = np.empty(k)
    for i in range(k):
        grad[i] = 0.5 * dsse[i] / sse + dlogs[i] / n
    if not (math.isfinite(value) and np.isfinite(grad).all()):
        return PENALTY, np.zeros(k)
    return value, grad


@jit
def forecast_path(last: np.ndarray, trend: int, season: int, phi: float, steps: int) -> np.ndarray:
    """Point forecasts from the final states ``last`` (:func:`smooth`): yhat_{n+h} =
    (l + (phi + ... + phi^h) b) o s_{n+h-m(k+1)}, k = floor((h - 1) / m)."""
    m = last.size - 2
    out = np.empty(steps)
    level = last[0]
    slope = last[1] if trend > 0 else 0.0
    damp = phi if trend == 2 else 1.0
    total = 0.0
    power = 1.0
    for h in range(1, steps + 1):
        power *= damp
        total += power
        base = level + total * slope
        if season == 0:
            out[h - 1] = base
        else:
            s = last[2 + (m - 1 - (h - 1) % m)]  # s_{n-m+((h-1) mod m)}
            out[h - 1] = base + s if season == 1 else base * s
    return out


@jit
def simulate_paths(
    last: np.ndarray,
    error: int,
    trend: int,
    season: int,
    alpha: float,
    beta: float,
    gamma: float,
    phi: float,
    eps: np.ndarray,
) -> np.ndarray:
    """Sample paths [steps, reps] of the state-space model from the final states ``last``,
    driven by the errors ``eps`` [steps, reps] (already scaled by sigma): statsmodels'
    ``ETSResults.simulate`` (y = Y + eta e, each state moved by its smoothing parameter
    times (M_e x + kappa) e), here without the seasonal shift of every state."""
    steps, reps = eps.shape
    m = last.size - 2
    out = np.empty((steps, reps))
    ring = np.empty(m)
    damp = phi if trend == 2 else 1.0
    mul = 1.0 if error == 1 else 0.0
    for r in range(reps):
        level = last[0]
        slope = last[1] if trend > 0 else 0.0
        for j in range(m):
            ring[j] = last[2 + m - 1 - j]  # ring[h % m] holds s_{n+h-m}
        for h in range(steps):
            k = h % m
            e = eps[h, r]
            B = damp * slope
            L = level + B
            S = ring[k] if season > 0 else (1.0 if season == 2 else 0.0)
            Y = L + S if season < 2 else L * S
            if season == 2 and (S == 0 or L == 0):
                out[h:, r] = math.nan  # the model's own division by zero: no path
                break
            if error == 0:
                eta = 1.0
                kl = 1.0 / S if season == 2 else 1.0
                kb = kl
                ks = 1.0 / L if season == 2 else 1.0
            else:
                eta = Y
                kl = 0.0 if season == 2 else S
                kb = kl + level
                ks = 0.0 if season == 2 else L
            out[h, r] = Y + eta * e
            level = L + alpha * (mul * L + kl) * e
            slope = B + beta * (mul * B + kb) * e
            if season > 0:
                ring[k] = S + gamma * (mul * S + ks) * e
    return out
