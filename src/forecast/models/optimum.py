"""Reaching an optimum that does not depend on the machine: polishing, and the data's scale.

Why a fit moved in its 4th digit between CPUs. scipy's L-BFGS-B runs its own linear algebra on
the BLAS that OpenBLAS picks for the CPU (SkylakeX, Haswell, Sandybridge... kernels round
differently), so two machines follow two paths that part at the 1e-16 level. A path stops at
the first iteration that improves the objective by less than ``factr`` machine epsilons
(statsmodels' fits: the default factr 1e7, a 2e-9 relative improvement) or when the
forward-difference gradient falls under ``pgtol`` (1e-5). On a flat likelihood such a stop
lies 1e-4 (relative) from the optimum, in a different place on each path: ETS(M,A,M) on
AirPassengers gave alpha 0.74102 on one kernel and 0.74111 on another.

:func:`polish` restarts L-BFGS-B from where the first fit stopped, with central-difference
gradients (error ~ eps^(2/3) instead of eps^(1/2): steps of eps^(1/3) ~ 6e-6 relative),
stopping only when an iteration improves the objective by no more than its rounding
(``ftol`` 1e-15) or the projected gradient is below ``gtol``, and restarts it (fresh
curvature memory) until a round no longer improves it. What is then left is the optimum's
own conditioning: a parameter moves by about ``gradient error / curvature`` along its
direction, 1e-9 on a well-posed likelihood.

:func:`data_scale` is the power of two nearest a series' typical magnitude: dividing by it is
exact, so a model fitted on ``y / scale`` (all of whose parameters are then of order one, where
the optimisers' absolute steps and tolerances belong) gives the same fit for ``y`` and for
``c * y``, up to the rounding of ``c * y`` itself.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

FTOL = 1e-15  # relative improvement of one iteration at which L-BFGS-B stops (rounding level)
GTOL = 1e-9  # projected-gradient size at which it stops (central differences reach ~1e-10)
ROUNDS = 4  # L-BFGS-B runs at most, each from where the previous one stopped
NEWTON_GTOL = 1e-8  # a gradient this small after the first Newton steps: done
MAXITER = 300  # iterations per round

Bounds = Sequence[tuple[float | None, float | None]]


@dataclass(frozen=True)
class Polished:
    """Where the polish ended: the point, its objective, the work done and the gradient."""

    x: np.ndarray
    fun: float
    rounds: int
    evaluations: int
    gradient: float  # largest projected-gradient component at x (central differences)
    message: str


def polish(
    fn: Callable[[np.ndarray], float],
    x0: np.ndarray,
    bounds: Bounds | None = None,
    *,
    ftol: float = FTOL,
    gtol: float = GTOL,
    rounds: int = ROUNDS,
    maxiter: int = MAXITER,
    deadline: float | None = None,
    newton_steps: int = 0,
    value_grad: Callable[[np.ndarray], tuple[float, np.ndarray]] | None = None,
) -> Polished:
    """Minimise ``fn`` from ``x0`` (a near-optimum) to the precision of its rounding.

    L-BFGS-B with central-difference gradients (one-sided near a bound), restarted from its
    own end point while a round still improves ``fn`` (module docstring). With
    ``newton_steps`` (unbounded problems), Newton steps (:func:`newton`) come first, and when
    they bring the gradient under 1e-8 that is the end; otherwise L-BFGS-B runs, and Newton
    again after it. The objective never increases (beyond its rounding, in a Newton step):
    the result is ``x0`` itself when nothing improves on it.

    Parameters
    ----------
    fn : callable
        The objective, ``fn(x) -> float``.
    x0 : ndarray
        The start, [k]; clipped into ``bounds``.
    bounds : sequence of (low, high) or None
        Per-coordinate bounds (None: unbounded side).
    ftol : float
        Relative improvement of one iteration at which a round stops (and below which a
        round counts as no improvement).
    gtol : float
        Projected-gradient size at which a round stops.
    rounds : int
        At most this many L-BFGS-B runs.
    maxiter : int
        Iterations per run.
    deadline : float or None
        A ``time.perf_counter()`` value: no round starts after it, and a round stops after
        the first iteration that ends past it.
    newton_steps : int
        Newton steps before (and after) L-BFGS-B (unbounded problems only; 0: none).
    value_grad : callable or None
        ``fn`` and its central-difference gradient in one call (a compiled one saves the
        overhead of differencing in Python); None: scipy differences ``fn``.

    Returns
    -------
    Polished
    """
    x = np.asarray(x0, dtype="float64").copy()
    if bounds is not None:
        low = np.array([-np.inf if b[0] is None else b[0] for b in bounds])
        high = np.array([np.inf if b[1] is None else b[1] for b in bounds])
        x = np.clip(x, low, high)
    best = float(fn(x))
    if x.size == 0 or not math.isfinite(best):
        return Polished(x, best, 0, 1, math.inf, "nothing to polish")
    newton_ok = bool(newton_steps) and bounds is None
    evaluations = 1
    if newton_ok:  # from a near-optimum Newton converges at once (and L-BFGS-B crawls)
        x, best, gradient, used = newton(fn, x, best, newton_steps, value_grad)
        evaluations += used
        if gradient <= NEWTON_GTOL:
            return Polished(x, best, 0, evaluations, gradient, "Newton steps")
    found = _rounds(fn, value_grad, x, best, bounds, (ftol, gtol, rounds, maxiter), deadline)
    x, best, done, gradient, message = found[:5]
    evaluations += found[5]
    past = deadline is not None and time.perf_counter() > deadline
    if newton_ok and math.isfinite(gradient) and not past:
        x, best, gradient, used = newton(fn, x, best, newton_steps, value_grad)
        evaluations += used
    return Polished(x, best, done, evaluations, gradient, message)


def _rounds(
    fn: Callable[[np.ndarray], float],
    value_grad: Callable[[np.ndarray], tuple[float, np.ndarray]] | None,
    x: np.ndarray,
    best: float,
    bounds: Bounds | None,
    stops: tuple[float, float, int, int],
    deadline: float | None,
) -> tuple[np.ndarray, float, int, float, str, int]:
    """The L-BFGS-B rounds of :func:`polish`; ``stops``: ftol, gtol, rounds, maxiter.
    Returns the point, its value, the rounds run, the projected gradient's size, the last
    message and the evaluations."""
    from scipy.optimize import minimize

    ftol, gtol, rounds, maxiter = stops
    evaluations, done, message, gradient = 0, 0, "nothing to polish", math.inf

    def stop(intermediate_result: object) -> None:
        if deadline is not None and time.perf_counter() > deadline:
            raise StopIteration

    for _ in range(rounds):
        if deadline is not None and time.perf_counter() > deadline:
            message = "stopped at the time limit"
            break
        done += 1
        res = minimize(
            fn if value_grad is None else value_grad,
            x,
            jac="3-point" if value_grad is None else True,
            method="L-BFGS-B",
            bounds=bounds,
            callback=stop if deadline is not None else None,
            options={"ftol": ftol, "gtol": gtol, "maxiter": maxiter},
        )
        evaluations += int(res.nfev)
        message = str(res.message)
        gradient = _projected(res.x, np.asarray(res.jac, dtype="float64"), bounds)
        improvement = best - float(res.fun)
        if float(res.fun) <= best:
            x, best = np.asarray(res.x, dtype="float64"), float(res.fun)
        if gradient <= gtol or not improvement > ftol * max(1.0, abs(best)):
            break
    return x, best, done, gradient, message, evaluations


def newton(
    fn: Callable[[np.ndarray], float],
    x: np.ndarray,
    f: float,
    steps: int,
    value_grad: Callable[[np.ndarray], tuple[float, np.ndarray]] | None = None,
) -> tuple[np.ndarray, float, float, int]:
    """Newton steps from a near-optimum ``x`` (``f = fn(x)``) of an unbounded problem.

    L-BFGS-B stops where one iteration no longer lowers ``fn`` by more than its rounding; in
    a flat direction (the mean of a near-integrated AR: curvature 6e-4 against 16 in the
    steep ones) that is still 1e-5 from the optimum. The gradient goes on pointing there: a
    Newton step with the central-difference Hessian (steps 1e-4 relative: error ~1e-8) takes
    its size from 5e-8 to 1e-10. A step is kept only when it shrinks the gradient and does
    not raise ``fn`` beyond its rounding. Returns the point, its value, its gradient's size
    and the evaluations used."""
    from scipy.optimize._numdiff import approx_derivative

    def gradient(point: np.ndarray, value: float) -> np.ndarray:
        if value_grad is not None:
            return np.asarray(value_grad(point)[1], dtype="float64")
        return np.asarray(approx_derivative(fn, point, method="3-point", f0=value))

    used = 2 * x.size
    g = gradient(x, f)
    size = float(np.max(np.abs(g), initial=0.0))
    for _ in range(steps):
        H, evaluations = hessian(fn, x, f)
        used += evaluations
        try:
            np.linalg.cholesky(H)  # a minimum: positive definite
            step = np.linalg.solve(H, -g)
        except np.linalg.LinAlgError:
            break
        trial = x + step
        value = float(fn(trial))
        g_trial = gradient(trial, value)
        used += 1 + 2 * x.size
        trial_size = float(np.max(np.abs(g_trial)))
        if not (trial_size < size and value <= f + 4 * FTOL * max(1.0, abs(f))):
            break
        x, f, g, size = trial, value, g_trial, trial_size
    return x, f, size, used


def hessian(fn: Callable[[np.ndarray], float], x: np.ndarray, f: float) -> tuple[np.ndarray, int]:
    """Central second differences of ``fn`` at ``x`` (``f = fn(x)``), steps 1e-4 max(1, |x|):
    rounding error ~ eps |f| / h^2 ~ 1e-8, truncation ~ h^2. Returns it and the evaluations."""
    k = x.size
    h = 1e-4 * np.maximum(1.0, np.abs(x))
    H = np.empty((k, k))

    def at(*moves: tuple[int, float]) -> float:
        shifted = x.copy()
        for i, sign in moves:
            shifted[i] += sign * h[i]
        return float(fn(shifted))

    for i in range(k):
        H[i, i] = (at((i, 1.0)) - 2 * f + at((i, -1.0))) / h[i] ** 2
        for j in range(i):
            H[i, j] = H[j, i] = (
                at((i, 1.0), (j, 1.0))
                - at((i, 1.0), (j, -1.0))
                - at((i, -1.0), (j, 1.0))
                + at((i, -1.0), (j, -1.0))
            ) / (4 * h[i] * h[j])
    return H, 2 * k + 4 * k * (k - 1) // 2


def _projected(x: np.ndarray, grad: np.ndarray, bounds: Bounds | None) -> float:
    """The largest component of the gradient projected on the feasible box: zero where a
    coordinate sits on a bound that the gradient pushes it against."""
    if not grad.size:
        return 0.0
    g = grad.copy()
    if bounds is not None:
        for i, (low, high) in enumerate(bounds):
            if low is not None and x[i] <= low and g[i] > 0:
                g[i] = 0.0
            if high is not None and x[i] >= high and g[i] < 0:
                g[i] = 0.0
    return float(np.max(np.abs(g))) if np.isfinite(g).all() else math.inf


def data_scale(y: np.ndarray) -> float:
    """The power of two nearest the root mean square of the finite values of ``y`` (1 when
    there are none or they are all zero): ``y / data_scale(y)`` is exact and of order one."""
    values = np.asarray(y, dtype="float64")
    values = values[np.isfinite(values)]
    if not values.size:
        return 1.0
    peak = float(np.max(np.abs(values)))
    if not peak > 0:
        return 1.0
    rms = peak * math.sqrt(float(np.mean((values / peak) ** 2)))  # no overflow near 1e300
    return math.ldexp(1.0, round(math.log2(rms)))
