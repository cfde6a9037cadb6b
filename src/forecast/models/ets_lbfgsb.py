"""scipy's L-BFGS-B on a compiled objective, without ``minimize``'s per-step Python.

``scipy.optimize.minimize(method="L-BFGS-B")`` wraps the objective in a ``ScalarFunction``
(copies, equality checks, caches) and drives the L-BFGS-B routine from a Python loop: about
40 microseconds a step around an ETS objective and exact gradient that cost 5-10. This driver
calls the same routine (``scipy.optimize._lbfgsb.setulb``, the C port of scipy >= 1.15) with
the same work arrays and the same stops, and evaluates the objective directly: the iterates
are those of ``minimize`` to the last bit (the tests compare the two), at a fraction of the
overhead. With another scipy (the routine's signature differs before 1.15, or refuses these
arguments) it is ``minimize`` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

Bounds = Sequence[tuple[float | None, float | None]]
ValueGrad = Callable[[np.ndarray], tuple[float, np.ndarray]]
MEMORY = 10  # scipy's maxcor
MAXLS = 20  # scipy's line-search steps
FG, NEW_X, STOP = 3, 1, 5  # the routine's task codes: wants f and g; a new iterate; halted


def lean_available() -> bool:
    """Whether this scipy has the routine :func:`minimise` drives (scipy >= 1.15)."""
    import scipy

    try:
        major, minor = (int(part) for part in scipy.__version__.split(".")[:2])
        from scipy.optimize import _lbfgsb
    except (ValueError, ImportError):
        return False
    return (major, minor) >= (1, 15) and hasattr(_lbfgsb, "setulb")


def minimise(
    value_grad: ValueGrad,
    x0: np.ndarray,
    bounds: Bounds,
    ftol: float,
    gtol: float,
    maxiter: int = 1000,
    maxfun: int = 15000,
) -> np.ndarray:
    """L-BFGS-B from ``x0`` (clipped into ``bounds``) with scipy's stops ``ftol`` (relative
    decrease, ``factr`` times eps) and ``gtol`` (projected gradient): the point where
    ``scipy.optimize.minimize`` stops."""
    low = np.array([-np.inf if lo is None else lo for lo, _ in bounds], dtype="float64")
    high = np.array([np.inf if hi is None else hi for _, hi in bounds], dtype="float64")
    x = np.clip(np.asarray(x0, dtype="float64"), low, high)
    if lean_available():
        try:
            return _drive(value_grad, x.copy(), low, high, (ftol, gtol, maxiter, maxfun))
        except TypeError:  # a scipy whose routine takes other arguments: minimize itself
            pass
    from scipy.optimize import minimize

    options = {"maxiter": maxiter, "maxfun": maxfun, "ftol": ftol, "gtol": gtol}
    res = minimize(value_grad, x, jac=True, method="L-BFGS-B", bounds=bounds, options=options)
    return np.asarray(res.x, dtype="float64")


def _drive(
    value_grad: ValueGrad,
    x: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    stops: tuple[float, float, int, int],
) -> np.ndarray:
    """scipy's ``_minimize_lbfgsb`` loop (scipy 1.15-1.17) with the objective called
    directly; ``stops``: ftol, gtol, maxiter, maxfun."""
    from scipy.optimize import _lbfgsb

    ftol, gtol, maxiter, maxfun = stops
    n = x.size
    finite_low, finite_high = np.isfinite(low), np.isfinite(high)
    # scipy's bound codes: 0 free, 1 lower only, 2 both, 3 upper only
    nbd = np.where(finite_low, np.where(finite_high, 2, 1), np.where(finite_high, 3, 0))
    nbd = nbd.astype(np.int32)
    lower = np.where(finite_low, low, 0.0)
    upper = np.where(finite_high, high, 0.0)
    m = MEMORY
    wa = np.zeros(2 * m * n + 5 * n + 11 * m * m + 8 * m, np.float64)
    iwa = np.zeros(3 * n, dtype=np.int32)
    task = np.zeros(2, dtype=np.int32)
    ln_task = np.zeros(2, dtype=np.int32)
    lsave = np.zeros(4, dtype=np.int32)
    isave = np.zeros(44, dtype=np.int32)
    dsave = np.zeros(29, dtype=np.float64)
    f: float | np.ndarray = np.array(0.0, dtype=np.float64)
    g = np.zeros(n, dtype=np.float64)
    factr = ftol / np.finfo(float).eps
    iterations = evaluations = 0
    while True:
        _lbfgsb.setulb(
            m, x, lower, upper, nbd, f, g, factr, gtol, wa, iwa, task, lsave, isave, dsave,
            MAXLS, ln_task,
        )  # fmt: skip
        if task[0] == FG:
            value, grad = value_grad(x)
            f, g = float(value), np.asarray(grad, dtype=np.float64)
            evaluations += 1
        elif task[0] == NEW_X:
            iterations += 1
            if iterations >= maxiter or evaluations > maxfun:
                task[0] = STOP
        else:
            break
    return x.copy()
