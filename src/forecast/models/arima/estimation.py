"""Exact maximum likelihood for (S)ARIMA with a constant or drift: the estimation core.

As R's ``arima(method = "CSS-ML")`` and statsmodels' ``ARIMA``:

1. difference the series and the trend regressors (1, t) by (1-B)^d (1-B^m)^D; least squares
   of one on the other gives the starting regression coefficients;
2. conditional sum of squares (CSS) by L-BFGS-B gives the starting ARMA coefficients (zeros
   when they are not stationary / invertible); the likelihood is also climbed from white
   noise (every partial autocorrelation 0), and the higher of the two optima is kept: the
   ARMA likelihood has several on over-parametrised models with nearly cancelling roots
   (ARIMA(3,1,2) with drift on monthly sunspots: log-likelihoods -11781.8 from the CSS start,
   -11744.0 from white noise);
3. the exact Gaussian likelihood (Kalman filter, :mod:`forecast.models.arima.kernels`), with
   sigma^2 concentrated out, is maximised by L-BFGS-B over *transformed* parameters: each AR
   polynomial (and each MA polynomial, negated) is the Durbin-Levinson image of partial
   autocorrelations ``u / sqrt(1 + u^2)``, so every trial point is stationary and invertible
   (statsmodels' transformation, Monahan 1984 / Jones 1980).

Both optimisations run with forward-difference gradients (step 1e-8: error ~1e-7 here) and
are then polished (:func:`forecast.models.optimum.polish`): the CSS search restarted from where
it stopped until it no longer improves (a start only has to land in the right basin), the
likelihood's optimum by Newton steps with central differences (compiled:
:mod:`forecast.models.arima.central_gradient`), L-BFGS-B restarts where those do not
converge. An order search scores its candidates at the unpolished optimum (its log-likelihood
is within rounding of the optimum's) and polishes the one it keeps (:func:`refine`).
Without that, where the search stopped depended on the BLAS kernels under scipy's L-BFGS-B:
the CSS start of ARIMA(3,1,2) with drift on monthly sunspots stopped at two different points on
two kernels, the exact likelihood then climbed two different hills (log-likelihoods 38 apart)
and auto-arima chose two different models; the mean of AR(12) on AirPassengers (a flat
direction: curvature 6e-4 against 16) differed in its 6th digit. Polished, the estimates agree
across kernels to 1e-7 (relative) or better. A fit cut short (``maxiter``, ``deadline``) is not
polished.

Parameters come back in statsmodels ``ARIMA``'s order and names (``const``, ``x1``, ``ar.L1``
..., ``ma.S.L12`` ..., ``sigma2``), the *mean* form, so the state-space forecaster filters them
exactly as before. Subset AR lags (``p`` a tuple) and series with missing values are not
handled here: :func:`supported` says so and the caller uses statsmodels for them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from forecast.models.optimum import polish

if TYPE_CHECKING:
    from forecast.models.arima.spec import SarimaxSpec

LOG_2PI = float(np.log(2 * np.pi))
CSS_FTOL = 1e-8  # a starting point only (R: optim's reltol 1e-8)
# the CSS polish only has to put the start in the same basin on every machine: it stops at a
# 1e-12 relative improvement (restarts get it past the stalls that left the CSS search 0.2
# from its minimum), not at the objective's rounding
CSS_POLISH_FTOL = 1e-12
# the likelihood from the white-noise start must beat the CSS start's by this (relative to
# -loglik / n): two runs that end on the same optimum differ by ~1e-13
SECOND_START_MARGIN = 1e-9
ML_FTOL = 1e-13  # relative reduction of -loglik / n at which L-BFGS-B stops
GRADIENT_STEP = 1e-8  # forward differences, as scipy's L-BFGS-B without a gradient


@dataclass(frozen=True)
class MleFit:
    """The optimum: parameters (statsmodels order), log-likelihood, optimiser report."""

    params: np.ndarray
    names: tuple[str, ...]
    loglik: float
    nobs: int  # observations in the likelihood (after differencing)
    converged: bool
    message: str
    evaluations: int
    start: str  # where the optimiser started: "CSS" or "zeros"
    polished: bool = True  # False: as L-BFGS-B left it (an order search's candidates)

    @property
    def n_params(self) -> int:
        """Estimated parameters, sigma^2 included (R's and statsmodels' count for the AIC)."""
        return int(self.params.size)

    def information_criteria(self) -> dict[str, float]:
        return information_criteria(self.loglik, self.n_params, self.nobs)


def information_criteria(loglik: float, k: int, n: int) -> dict[str, float]:
    """AIC, AICc, BIC and HQIC as R's ``arima`` / ``auto.arima``: ``k`` estimated parameters
    (sigma^2 included), ``n`` observations in the likelihood (after differencing)."""
    aic = -2 * loglik + 2 * k
    aicc = aic + 2 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else float("inf")
    bic = -2 * loglik + k * float(np.log(n))
    hqic = -2 * loglik + 2 * k * float(np.log(np.log(n))) if n > 1 else float("inf")
    return {"aic": aic, "aicc": aicc, "bic": bic, "hqic": hqic}


def supported(spec: SarimaxSpec, y: np.ndarray) -> bool:
    """Whether this core estimates ``spec`` on ``y`` (else statsmodels does)."""
    return (
        spec.form == "mean"
        and not isinstance(spec.p, tuple)
        and bool(np.isfinite(y).all())
        and spec.enforce_stationarity
        and spec.enforce_invertibility
    )


def difference(x: np.ndarray, d: int, D: int, m: int) -> np.ndarray:
    """(1-B)^d (1-B^m)^D along the first axis."""
    for _ in range(D):
        x = x[m:] - x[:-m]
    for _ in range(d):
        x = x[1:] - x[:-1]
    return x


def trend_columns(trend: str, n: int) -> tuple[np.ndarray, tuple[str, ...]]:
    """The regressors of statsmodels' ARIMA trend: 1 (``const``), t = 1..n (``x1``)."""
    columns, names = [], []
    if "c" in trend:
        columns.append(np.ones(n))
        names.append("const")
    if "t" in trend:
        columns.append(np.arange(1, n + 1, dtype="float64"))
        names.append("x1")
    return (np.column_stack(columns) if columns else np.empty((n, 0))), tuple(names)


def param_names(spec: SarimaxSpec) -> tuple[str, ...]:
    p, q = int(spec.p), spec.q  # type: ignore[arg-type]
    P, _, Q, m = spec.seasonal
    return (
        trend_columns(spec.trend, 1)[1]
        + tuple(f"ar.L{i}" for i in range(1, p + 1))
        + tuple(f"ma.L{i}" for i in range(1, q + 1))
        + tuple(f"ar.S.L{m * i}" for i in range(1, P + 1))
        + tuple(f"ma.S.L{m * i}" for i in range(1, Q + 1))
        + ("sigma2",)
    )


class Problem:
    """One model on one series: the differenced data and the map from the optimiser's
    unconstrained vector to the model's polynomials."""

    def __init__(self, spec: SarimaxSpec, y: np.ndarray) -> None:
        from forecast.models.arima import kernels as kern

        self.kern = kern
        P, D, Q, m = spec.seasonal
        self.p, self.q, self.P, self.Q = int(spec.p), spec.q, P, Q  # type: ignore[arg-type]
        self.m = max(m, 1)
        X, _ = trend_columns(spec.trend, y.size)
        self.w = np.ascontiguousarray(difference(y.astype("float64"), spec.d, D, self.m))
        self.X = np.ascontiguousarray(difference(X, spec.d, D, self.m))
        self.k = self.X.shape[1]
        if self.w.size <= self.k + self.p + self.q + self.P + self.Q + 1:
            raise ValueError(f"too few observations after differencing ({self.w.size})")
        self.names = param_names(spec)
        self.beta0, self.beta_scale = self._regression_start()

    def _regression_start(self) -> tuple[np.ndarray, np.ndarray]:
        """OLS of the differenced series on the differenced trend, and a scale for the
        optimiser (10 standard errors, R's ``parscale``)."""
        if not self.k:
            return np.zeros(0), np.ones(0)
        beta, *_ = np.linalg.lstsq(self.X, self.w, rcond=None)
        resid = self.w - self.X @ beta
        dof = max(self.w.size - self.k, 1)
        cov = np.linalg.pinv(self.X.T @ self.X) * float(resid @ resid) / dof
        scale = 10 * np.sqrt(np.maximum(np.diag(cov), 0))
        scale[~(scale > 0)] = 1.0
        return beta, scale

    # -- the polynomials ---------------------------------------------------------------------
    @property
    def orders(self) -> np.ndarray:
        return np.array([self.p, self.q, self.P, self.Q], dtype=np.int64)

    def split(self, arma: np.ndarray) -> tuple[np.ndarray, ...]:
        bounds = np.cumsum([0, self.p, self.q, self.P, self.Q])
        return tuple(arma[bounds[i] : bounds[i + 1]] for i in range(4))

    def constrain(self, u: np.ndarray) -> np.ndarray:
        """Unconstrained -> stationary AR and invertible MA coefficients, block by block."""
        return np.asarray(self.kern.constrain(np.asarray(u, dtype="float64"), self.orders))

    def unconstrain(self, arma: np.ndarray) -> np.ndarray | None:
        """The inverse of :meth:`constrain`, or ``None`` outside the admissible region."""
        out = []
        for block, sign in zip(self.split(arma), (1, -1, 1, -1), strict=True):
            pacf = _coefficients_to_pacf(sign * block)
            if pacf is None:
                return None
            out.append(sign * pacf / np.sqrt(1 - pacf * pacf))
        return np.concatenate(out)

    def hannan_rissanen(self) -> np.ndarray:
        """Starting ARMA coefficients by Hannan & Rissanen (1982): residuals of a long AR by
        least squares, then least squares of the series on its own lags and the residuals'
        lags (non-seasonal and seasonal lags side by side, their products left out). Zeros
        when the series is too short for it."""
        e = self.w - self.X @ self.beta0 if self.k else self.w
        m, p, q, P, Q = self.m, self.p, self.q, self.P, self.Q
        ar_lags = [*range(1, p + 1), *(m * j for j in range(1, P + 1))]
        ma_lags = [*range(1, q + 1), *(m * j for j in range(1, Q + 1))]
        zeros = np.zeros(p + q + P + Q)
        long = max(ar_lags + ma_lags, default=0) + (max(ma_lags, default=0) if ma_lags else 0)
        if e.size < 3 * (long + len(ar_lags) + len(ma_lags)) + 10:
            return zeros
        resid = np.zeros(e.size)
        if ma_lags:
            lag_ar = max(2 * max(ma_lags), max(ar_lags, default=0))
            lagged = np.column_stack([e[lag_ar - i : e.size - i] for i in range(1, lag_ar + 1)])
            coef, *_ = np.linalg.lstsq(lagged, e[lag_ar:], rcond=None)
            resid[lag_ar:] = e[lag_ar:] - lagged @ coef
        start = max(ar_lags + ma_lags) + (
            max(2 * max(ma_lags), max(ar_lags, default=0)) if ma_lags else 0
        )
        columns = [e[start - i : e.size - i] for i in ar_lags]
        columns += [resid[start - i : e.size - i] for i in ma_lags]
        coef, *_ = np.linalg.lstsq(np.column_stack(columns), e[start:], rcond=None)
        if not np.isfinite(coef).all():
            return zeros
        nar = len(ar_lags)
        return np.concatenate([coef[:p], coef[nar : nar + q], coef[p:nar], coef[nar + q :]])

    def invert_ma(self, arma: np.ndarray) -> np.ndarray:
        """MA blocks with their roots inside the unit circle moved outside (R's ``maInvert``):
        the same autocorrelations, an invertible polynomial."""
        blocks = list(self.split(np.array(arma, dtype="float64")))
        for b in (1, 3):
            blocks[b] = _invert_ma(blocks[b])
        return np.concatenate(blocks)

    # -- objectives --------------------------------------------------------------------------
    def _args(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
        return (self.w, self.X, self.beta0, self.beta_scale, self.orders, self.m)

    def beta(self, z: np.ndarray) -> np.ndarray:
        return self.beta0 + self.beta_scale * z

    def css_value_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        w, X, b0, sc, orders, m = self._args()
        return self.kern.css_value_grad(x, w, X, b0, sc, orders, m, GRADIENT_STEP)

    def ml_value_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        w, X, b0, sc, orders, m = self._args()
        return self.kern.ml_value_grad(x, w, X, b0, sc, orders, m, GRADIENT_STEP)

    def ml_central(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """:meth:`ml_objective` and its central-difference gradient (the polish's)."""
        from forecast.models.arima.central_gradient import ml_central

        return ml_central(x, *self._args())

    def css_objective(self, x: np.ndarray) -> float:
        return float(self.kern.css_objective(x, *self._args()))

    def ml_objective(self, x: np.ndarray) -> float:
        """Minus the concentrated log-likelihood per observation (up to a constant)."""
        return float(self.kern.ml_objective(x, *self._args()))

    def pieces(self, arma: np.ndarray, z: np.ndarray) -> tuple[float, float, int]:
        phi, theta = self.kern.polynomials(np.asarray(arma, dtype="float64"), self.orders, self.m)
        e = self.w - self.X @ self.beta(z) if self.k else self.w
        ssq, sumlog, nu = self.kern.arma_filter(e, phi, theta)
        return float(ssq), float(sumlog), int(nu)

    def loglik(self, arma: np.ndarray, z: np.ndarray) -> tuple[float, float, int]:
        """The exact log-likelihood at the MLE of sigma^2, and that sigma^2."""
        ssq, sumlog, nu = self.pieces(arma, z)
        sigma2 = ssq / nu
        return -0.5 * (nu * (LOG_2PI + np.log(sigma2) + 1) + sumlog), sigma2, nu


def _invert_ma(ma: np.ndarray) -> np.ndarray:
    """``ma`` with the roots of 1 + ma_1 z + ... + ma_q z^q inside the unit circle moved to
    their reciprocals, as many coefficients as ``ma``.

    A last coefficient of exactly 0 lowers the polynomial's degree (np.roots drops leading
    zeros): the CSS search leaves a seasonal MA coefficient at 0 when its lag never reaches
    the short differenced series (Theta_2, lag 24, on 36 monthly points), and a block one
    short shifted every later parameter and left sigma^2 without its slot: an ``IndexError``
    in the filter (issue 27). The missing high-order coefficients are zeros."""
    if not ma.size or not np.isfinite(ma).all():
        return ma
    roots = np.roots(np.r_[ma[::-1], 1.0])  # roots of 1 + ma_1 z + ... + ma_q z^q
    inside = np.abs(roots) < 1
    if not inside.any():
        return ma
    roots[inside] = 1 / roots[inside]
    poly = np.real(np.poly(roots))  # monic in z, highest power first
    coef = poly[::-1] / poly[-1]  # constant term 1
    out = np.zeros(ma.size)
    out[: coef.size - 1] = coef[1:]
    return out


def _coefficients_to_pacf(phi: np.ndarray) -> np.ndarray | None:
    """Reverse Durbin-Levinson: AR coefficients -> partial autocorrelations, or ``None``
    when the polynomial is not stationary (a |pacf| >= 1)."""
    phi = np.array(phi, dtype="float64")
    k = phi.size
    pacf = np.zeros(k)
    for j in range(k - 1, -1, -1):
        r = phi[j]
        if not abs(r) < 1 - 1e-8:
            return None
        pacf[j] = r
        if j:
            phi = (phi[:j] + r * phi[:j][::-1]) / (1 - r * r)
    return pacf


STOPPED_AT_DEADLINE = "stopped at the time limit before it converged"


def _minimize(
    fn: Any, x0: np.ndarray, maxiter: int, ftol: float, deadline: float | None = None
) -> Any:
    """L-BFGS-B; with ``deadline`` (a ``time.perf_counter()`` value) it stops after the first
    iteration that ends past it, at the best point so far (``success`` False)."""
    from scipy.optimize import minimize

    def stop(intermediate_result: Any) -> None:
        if deadline is not None and time.perf_counter() > deadline:
            raise StopIteration

    res = minimize(
        fn,
        x0,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": maxiter, "ftol": ftol, "gtol": 1e-7},
        callback=stop if deadline is not None else None,
    )
    if deadline is not None and "StopIteration" in str(res.message):
        res.success, res.message = False, STOPPED_AT_DEADLINE
    return res


def _converged(res: Any) -> bool:
    """L-BFGS-B's own verdict; a line search that fails at a point where the (numerical)
    gradient is already flat is the optimum reached to the precision of the gradient."""
    if res.success:
        return True
    jac = np.asarray(getattr(res, "jac", np.array([np.inf])))
    return "ABNORMAL" in str(res.message) and bool(np.max(np.abs(jac), initial=0.0) < 1e-4)


def _css(prob: Problem, maxiter: int) -> tuple[np.ndarray, int]:
    """The conditional-sum-of-squares minimum from a Hannan-Rissanen start: L-BFGS-B with
    forward differences, then restarted from where it stopped down to a 1e-12 relative
    improvement (:func:`forecast.models.optimum.polish`, with the same forward differences:
    a start only has to be in the right basin), so that the start of the exact likelihood's
    search, and the basin it ends in, do not depend on where a loose stop left the CSS
    search. Returns the optimiser's vector and the evaluations."""
    x0 = np.r_[np.zeros(prob.k), prob.hannan_rissanen()]
    res = _minimize(prob.css_value_grad, x0, maxiter, CSS_FTOL)
    polished = polish(
        prob.css_objective, res.x, ftol=CSS_POLISH_FTOL, gtol=1e-7, value_grad=prob.css_value_grad
    )
    return polished.x, int(res.nfev) + polished.evaluations


def fit(
    spec: SarimaxSpec,
    y: np.ndarray,
    maxiter: int = 500,
    deadline: float | None = None,
    polished: bool = True,
) -> MleFit:
    """CSS start, then exact ML by L-BFGS-B on transformed parameters (see the module doc).
    With ``deadline`` (a ``time.perf_counter()`` value) the ML optimisation stops at the first
    iteration that ends past it: ``converged`` is then False and ``message`` says so. With
    ``polished`` False the likelihood's optimum is left as L-BFGS-B found it (its value is
    within rounding of the optimum's, its point 1e-5 from it in flat directions): an order
    search scores candidates so, and :func:`refine` polishes the one it keeps."""
    prob = Problem(spec, y)
    k = prob.k
    n_arma = prob.p + prob.q + prob.P + prob.Q
    evaluations = 0
    start, u0, z0 = "zeros", np.zeros(n_arma), np.zeros(k)
    if n_arma:
        css_x, nfev = _css(prob, 50)
        evaluations += nfev
        found = prob.unconstrain(prob.invert_ma(css_x[k:])) if np.isfinite(css_x).all() else None
        if found is not None:
            start, u0, z0 = "CSS", found, css_x[:k]
    x0 = np.r_[z0, u0]
    if x0.size != k + n_arma:  # the compiled kernels read past a short vector unchecked
        raise ValueError(f"a start of {x0.size} values for {k + n_arma} parameters")
    if not x0.size:
        return _result(prob, x0, True, "nothing to optimise", evaluations, start, True)
    res = _minimize(prob.ml_value_grad, x0, maxiter, ML_FTOL, deadline)
    evaluations += int(res.nfev)
    if start == "CSS":  # the second start: white noise (all partial autocorrelations 0)
        other = _minimize(prob.ml_value_grad, np.zeros_like(x0), maxiter, ML_FTOL, deadline)
        evaluations += int(other.nfev)
        margin = SECOND_START_MARGIN * max(1.0, abs(float(res.fun)))
        if other.fun < res.fun - margin or not res.fun < 1e9:
            res, start = other, "zeros"
    x, converged, message = res.x, _converged(res), str(res.message)
    if converged and polished:  # at a near-optimum (not cut short by maxiter or the deadline)
        found_x, used = _polish_ml(prob, x, deadline)
        x, evaluations = found_x, evaluations + used
    return _result(prob, x, converged, message, evaluations, start, polished and converged)


def refine(spec: SarimaxSpec, y: np.ndarray, found: MleFit) -> MleFit:
    """``found`` (a fit of ``spec`` on ``y``) polished, if it was not yet (:func:`fit`)."""
    if found.polished or not found.converged:
        return found
    prob = Problem(spec, y)
    k = prob.k
    u = prob.unconstrain(found.params[k:-1])
    if u is None:
        return found
    x, used = _polish_ml(prob, np.r_[(found.params[:k] - prob.beta0) / prob.beta_scale, u])
    evaluations = found.evaluations + used
    return _result(prob, x, True, found.message, evaluations, found.start, True)


def _polish_ml(
    prob: Problem, x: np.ndarray, deadline: float | None = None
) -> tuple[np.ndarray, int]:
    """The likelihood's optimum from a near-optimum ``x``: Newton steps (central-difference
    gradient and Hessian), L-BFGS-B if they do not get there (:func:`optimum.polish`)."""
    done = polish(
        prob.ml_objective, x, deadline=deadline, newton_steps=2, value_grad=prob.ml_central
    )
    return done.x, done.evaluations


def _result(
    prob: Problem,
    x: np.ndarray,
    converged: bool,
    message: str,
    evaluations: int,
    start: str,
    polished: bool,
) -> MleFit:
    """The fit at the optimiser's vector ``x``: parameters in the model's form, the
    log-likelihood at the MLE of sigma^2."""
    k = prob.k
    arma = prob.constrain(x[k:])
    loglik, sigma2, nu = prob.loglik(arma, x[:k])
    return MleFit(
        params=np.r_[prob.beta(x[:k]), arma, sigma2],
        names=prob.names,
        loglik=float(loglik),
        nobs=nu,
        converged=converged and bool(np.isfinite(loglik)),
        message=message,
        evaluations=evaluations,
        start=start,
        polished=polished,
    )


def fit_css(spec: SarimaxSpec, y: np.ndarray, maxiter: int = 100) -> MleFit:
    """Conditional sum of squares only (R's ``arima(method = "CSS")``): the coefficients
    minimising the CSS from a Hannan-Rissanen start, sigma^2 = CSS / residuals and R's CSS
    log-likelihood ``-n/2 (log(2 pi sigma^2) + 1)`` over the n observations after
    differencing. The fast estimate auto-ARIMA scores candidates with under ``approximation``."""
    prob = Problem(spec, y)
    k = prob.k
    x0 = np.r_[np.zeros(k), prob.hannan_rissanen()]
    if x0.size:
        x, nfev = _css(prob, maxiter)
        converged, message = True, "CSS minimum (polished)"
    else:
        x, converged, message, nfev = x0, True, "nothing to optimise", 0
    arma = x[k:]
    orders = prob.orders
    phi, theta = prob.kern.polynomials(np.asarray(arma, dtype="float64"), orders, prob.m)
    ncond = prob.p + prob.m * prob.P
    e = prob.w - prob.X @ prob.beta(x[:k]) if k else prob.w
    ssq, nu = prob.kern.css(e, phi[:ncond], theta[1 : prob.q + prob.m * prob.Q + 1], ncond)
    sigma2 = float(ssq) / max(int(nu), 1)
    n = prob.w.size
    loglik = -0.5 * n * (LOG_2PI + np.log(sigma2) + 1) if sigma2 > 0 else -np.inf
    return MleFit(
        params=np.r_[prob.beta(x[:k]), arma, sigma2],
        names=prob.names,
        loglik=float(loglik),
        nobs=n,
        converged=converged and bool(np.isfinite(loglik)),
        message=message,
        evaluations=nfev,
        start="Hannan-Rissanen",
    )


def standard_errors(spec: SarimaxSpec, y: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Standard errors from the observed information: the numerical Hessian of the exact
    log-likelihood in the model's own parameters (sigma^2 included), as R's ``arima``.
    NaN where the Hessian is not negative definite."""
    prob = Problem(spec, y)
    k = prob.k
    beta, arma = params[:k], params[k:-1]

    def loglik(theta: np.ndarray) -> float:
        z = (theta[:k] - prob.beta0) / prob.beta_scale
        ssq, sumlog, nu = prob.pieces(theta[k:-1], z)
        s2 = theta[-1]
        if not s2 > 0:
            return -np.inf
        return -0.5 * (nu * (LOG_2PI + np.log(s2)) + sumlog + ssq / s2)

    x = np.r_[beta, arma, params[-1]]
    h = 1e-4 * np.maximum(np.abs(x), 1e-2)
    n = x.size
    f0 = loglik(x)
    H = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            ei, ej = np.eye(n)[i] * h[i], np.eye(n)[j] * h[j]
            H[i, j] = H[j, i] = (
                loglik(x + ei + ej)
                - loglik(x + ei - ej)
                - loglik(x - ei + ej)
                + loglik(x - ei - ej)
            ) / (4 * h[i] * h[j])
    if not np.isfinite(f0) or not np.isfinite(H).all():
        return np.full(n, np.nan)
    try:
        cov = np.linalg.inv(-H)
    except np.linalg.LinAlgError:
        return np.full(n, np.nan)
    diag = np.diag(cov)
    return np.where(diag > 0, np.sqrt(np.abs(diag)), np.nan)
