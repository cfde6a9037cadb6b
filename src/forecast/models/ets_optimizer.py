"""A compiled bound-constrained quasi-Newton minimiser of the ETS objective (numba, cached).

scipy's L-BFGS-B spends about 40 microseconds of Python a step around an objective and exact
gradient that cost 8 (:func:`forecast.models.ets_kernels.value_grad` on 144 points): most of
an ETS fit was that overhead. This is projected L-BFGS in one compiled loop:

* the direction: the L-BFGS two-loop recursion (memory 10, initial scaling s'y / y'y) on the
  free coordinates, those not held at a bound by the gradient (x at its lower bound with a
  positive gradient, or at its upper one with a negative gradient); steepest descent, scaled
  to a unit first step, when that is not a descent direction or the memory is empty;
* the step: backtracking along the projected path P(x + t d), t = 1, 1/2, ... (quadratic
  interpolation, kept within [t/10, t/2]), accepted at the Armijo decrease
  f(x_t) <= f(x) + 1e-4 g'(x_t - x); a pair (s, y) enters the memory only when s'y > 0;
* the stops: the projected gradient's largest component at most ``gtol``, or a relative
  decrease of at most ``ftol``, or ``maxiter`` steps, or no acceptable step.

:func:`minimise` is hard-wired to the ETS objective (numba functions are not passed as
arguments: loaded from the disk cache in a fresh worker they fail).
"""

from __future__ import annotations

import math

import numpy as np

from forecast.models.ets_kernels import value_grad
from forecast.models.jit import jit

MEMORY = 10
ARMIJO = 1e-4


@jit
def projected_gradient(x: np.ndarray, g: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """The largest component of the gradient projected on the box."""
    worst = 0.0
    for i in range(x.size):
        gi = g[i]
        if (x[i] <= lower[i] and gi > 0) or (x[i] >= upper[i] and gi < 0):
            continue
        worst = max(worst, abs(gi))
    return worst


@jit
def _direction(
    g: np.ndarray,
    free: np.ndarray,
    S: np.ndarray,
    Y: np.ndarray,
    rho: np.ndarray,
    count: int,
    head: int,
) -> np.ndarray:
    """-H g on the free coordinates by the two-loop recursion over the stored pairs."""
    memory = S.shape[0]
    q = g * free
    alphas = np.zeros(memory)
    for j in range(count):
        i = (head - 1 - j) % memory
        a = rho[i] * np.dot(S[i], q)
        alphas[j] = a
        q -= a * Y[i]
    newest = (head - 1) % memory
    q *= np.dot(S[newest], Y[newest]) / np.dot(Y[newest], Y[newest])
    for j in range(count - 1, -1, -1):
        i = (head - 1 - j) % memory
        b = rho[i] * np.dot(Y[i], q)
        q += (alphas[j] - b) * S[i]
    return -q * free


@jit
def minimise(
    x0: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    y: np.ndarray,
    error: int,
    trend: int,
    season: int,
    m: int,
    ftol: float,
    gtol: float,
    maxiter: int,
) -> tuple[np.ndarray, float, int]:
    """Minimise :func:`~forecast.models.ets_kernels.objective` over the box from ``x0``
    (clipped into it); returns the point, its value and the steps taken."""
    k = x0.size
    x = np.minimum(np.maximum(x0, lower), upper)
    f, g = value_grad(x, y, error, trend, season, m)
    S = np.zeros((MEMORY, k))
    Y = np.zeros((MEMORY, k))
    rho = np.zeros(MEMORY)
    count = 0
    head = 0
    free = np.empty(k)
    steps = 0
    for _ in range(maxiter):
        steps += 1
        if projected_gradient(x, g, lower, upper) <= gtol:
            break
        for i in range(k):
            held = (x[i] <= lower[i] and g[i] > 0) or (x[i] >= upper[i] and g[i] < 0)
            free[i] = 0.0 if held else 1.0
        d = _direction(g, free, S, Y, rho, count, head) if count else -g * free
        slope = np.dot(g, d)
        if count == 0 or not slope < 0:
            count = 0
            d = -g * free
            d /= max(1.0, math.sqrt(np.dot(d, d)))
            slope = np.dot(g, d)
        t = 1.0
        accepted = False
        xn = x.copy()
        fn = f
        gn = g
        for _ in range(60):
            xn = np.minimum(np.maximum(x + t * d, lower), upper)
            fn, gn = value_grad(xn, y, error, trend, season, m)
            decrease = np.dot(g, xn - x)
            if fn <= f + ARMIJO * decrease and decrease < 0:
                accepted = True
                break
            curvature = fn - f - slope * t
            guess = -slope * t * t / (2 * curvature) if curvature > 0 else 0.5 * t
            t = min(max(guess, 0.1 * t), 0.5 * t)
        if not accepted:
            break
        s = xn - x
        v = gn - g
        sy = np.dot(s, v)
        if sy > 1e-12 * np.dot(v, v):
            S[head] = s
            Y[head] = v
            rho[head] = 1.0 / sy
            head = (head + 1) % MEMORY
            count = min(count + 1, MEMORY)
        change = (f - fn) / max(abs(f), abs(fn), 1.0)
        x, f, g = xn, fn, gn
        if change <= ftol:
            break
    return x, f, steps
