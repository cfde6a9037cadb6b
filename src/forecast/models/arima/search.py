"""Hyndman-Khandakar automatic ARIMA (R ``forecast::auto.arima``, as pmdarima implements it).

1. D by the OCSB seasonal unit-root test (:func:`seasonal_differences`), d by repeated KPSS
   tests on the seasonally differenced series (:func:`forecast.diagnostics.stationarity.
   kpss_differences`).
2. Candidates are fitted by the compiled exact-likelihood core
   (:mod:`forecast.models.arima.estimation`) and scored by AICc (or AIC, BIC, HQIC) as R
   counts them; a model with a root of one of its AR or MA factors within 1.01 of the unit
   circle scores infinity (R's ``myarima``, but seasonal factors tested in B^m: see
   :func:`_root_ok`).
3. Stepwise: the four starting models (2,d,2)(1,D,1), (0,d,0)(0,D,0), (1,d,0)(1,D,0),
   (0,d,1)(0,D,1) with the constant, then (0,d,0)(0,D,0) without it; then the neighbourhood
   moves in R's order (P, Q, both; p, q, both; each +/- 1; the constant toggled), restarting
   from the first move after every improvement, until no neighbour improves or ``max_models``
   models were fitted. Exhaustive (``stepwise=False``): every order with p+q+P+Q <= max_order.

Approximation (R's ``approximation``, default here for m > 12 only: pmdarima has none): the
candidates are fitted by conditional sum of squares and scored by R's approximate criterion,
then the winner is refitted by exact maximum likelihood (the next best when that fails).

The constant is a mean when d + D = 0 and a drift when d + D = 1 (R's ``allowmean`` /
``allowdrift``); with more differencing there is none.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from forecast.models.arima.estimation import MleFit
    from forecast.models.arima.spec import SarimaxSpec

ROOT_MARGIN = 1.01  # R's myarima: a root modulus below this makes the model inadmissible


@dataclass(frozen=True)
class Candidate:
    """One model of the search: orders and whether it has a constant (mean or drift)."""

    order: tuple[int, int, int]
    seasonal: tuple[int, int, int, int]
    constant: bool

    def spec(self) -> SarimaxSpec:
        from forecast.models.arima.spec import SarimaxSpec

        d, D = self.order[1], self.seasonal[1]
        trend = "n"
        if self.constant:
            trend = "c" if d + D == 0 else "t"
        return SarimaxSpec(*self.order, self.seasonal, trend=trend, exact_diffuse=True)


@dataclass
class SearchResult:
    """The winner, its fit, and every model tried with its score (in the order tried)."""

    best: Candidate | None = None
    fit: MleFit | None = None
    score: float = np.inf
    tried: list[tuple[Candidate, float]] = field(default_factory=list)
    stopped: str | None = None  # why the search ended early, if it did


# -- D: the OCSB test -------------------------------------------------------------------------


def _embed(x: np.ndarray, k: int) -> np.ndarray:
    """R's ``embed(x, k)``: row t holds x[t+k-1], x[t+k-2], ..., x[t]."""
    n = x.size - k + 1
    return np.column_stack([x[k - 1 - i : k - 1 - i + n] for i in range(k)])


def _ols(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Coefficients, their t-values and the Gaussian log-likelihood."""
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    n, k = X.shape
    if n <= k:  # as many coefficients as rows: no residual degree of freedom
        raise ValueError(f"the OCSB regression has {n} rows for {k} coefficients")
    ssr = float(resid @ resid)
    sigma2 = ssr / (n - k)
    cov = np.linalg.inv(X.T @ X) * sigma2
    llf = -n / 2 * (np.log(2 * np.pi) + np.log(ssr / n) + 1)
    return beta, beta / np.sqrt(np.diag(cov)), llf


def _ocsb_regression(x: np.ndarray, m: int, lag: int, trim: int) -> tuple[float, float]:
    """The OCSB regression with ``lag`` lags of (1-B)(1-B^m)x (its sample trimmed by
    ``trim``): the t-value of the (1-B^m) regressor Z5 and the AIC of the AR step."""
    seasonal = x[m:] - x[:-m]
    y = np.diff(seasonal)
    lags = _embed(y, lag)
    y = y[trim:]
    own = lags[: y.size]
    with_constant = np.column_stack([np.ones(y.size), own])
    beta, _, llf = _ols(y, with_constant)
    aic = -2 * llf + 2 * with_constant.shape[1]

    def residual(series: np.ndarray) -> np.ndarray:
        target = series[lag:]
        design = _embed(series, lag)[: target.size]
        return np.asarray(target - np.column_stack([np.ones(target.size), design]) @ beta)

    z4 = residual(seasonal)[: own.shape[0]]
    z5 = residual(np.diff(x))[: own.shape[0]]
    _, tvalues, _ = _ols(y, np.column_stack([own, z4, z5]))
    return float(tvalues[-1]), float(aic)


def ocsb_statistic(x: np.ndarray, m: int, max_lag: int = 3) -> float:
    """The OCSB statistic (Osborn, Chui, Smith & Birchenhall 1988) as pmdarima computes it:
    the lag order of the auxiliary AR is chosen by AIC over 1..max_lag on a common sample,
    then the test regression is refitted with pmdarima's lag (the chosen index minus one,
    at least 1)."""
    aics = []
    for lag in range(1, max_lag + 1):
        try:
            aics.append(_ocsb_regression(x, m, lag, max_lag)[1])
        except (np.linalg.LinAlgError, ValueError):
            aics.append(np.nan)
    if np.isnan(aics).all():
        raise ValueError("the OCSB regressions are singular for every lag")
    lag = max(int(np.nanargmin(aics)) - 1, 1)
    return _ocsb_regression(x, m, lag, lag)[0]


def ocsb_critical_value(m: int) -> float:
    """The smoothed 5 % critical value of Osborn et al.'s simulations (R ``forecast``)."""
    u = np.log(m) - 0.7656451
    return float(-0.2937411 * np.exp(-0.2850853 * u - 0.05983644 * u * u) - 1.652202)


def _ocsb_rejects_stationarity(x: np.ndarray, m: int) -> bool:
    """Whether the OCSB statistic is above its critical value; False when the test cannot run
    (too few points for its regressions), as R's ``auto.arima`` takes D = 0 when ``nsdiffs``
    fails."""
    try:
        return ocsb_statistic(x, m) > ocsb_critical_value(m)
    except (ValueError, np.linalg.LinAlgError):
        return False


def seasonal_differences(x: np.ndarray, m: int, max_D: int = 1) -> int:
    """How many seasonal differences the OCSB test asks for (pmdarima's ``nsdiffs``)."""
    x = np.asarray(x, dtype="float64")
    D = 0
    if max_D <= 0 or np.ptp(x) == 0:
        return 0
    while max_D > D and _ocsb_rejects_stationarity(x, m):
        D += 1
        x = x[m:] - x[:-m]
        if np.ptp(x) == 0 or x.size < m:
            break
    return D


# -- the search -------------------------------------------------------------------------------


def _root_ok(fit: MleFit, cand: Candidate) -> bool:
    """No root of the AR, MA, seasonal AR or seasonal MA polynomial within ``ROOT_MARGIN`` of
    the unit circle, each polynomial in its own variable (B for the non-seasonal ones, B^m for
    the seasonal ones).

    R's ``myarima`` tests the *expanded* polynomials instead. Their roots in B are those of the
    non-seasonal factor and the m-th roots of the seasonal factor's roots, so R's margin on a
    seasonal factor is 1.01^m in B^m (1.13 for m = 12): it rejects every seasonal AR
    coefficient above 0.887, which on a strongly seasonal series left undifferenced (D = 0)
    rules out the seasonal AR models that fit best (co2: ARIMA(2,1,2)(1,0,1)[12] with
    Phi = 0.96, AICc 619 against 742 for the best model R's rule admits). Testing each factor
    in its own variable keeps R's margin where it matters (a factor near a unit root)."""
    p, _, q = cand.order
    P, _, Q, _ = cand.seasonal
    k = fit.params.size - 1 - (p + q + P + Q)
    return min_root_modulus(fit.params[k:-1], (p, q, P, Q)) >= ROOT_MARGIN


def min_root_modulus(arma: np.ndarray, orders: tuple[int, int, int, int]) -> float:
    """The smallest root modulus over the factors 1 - phi(z), 1 + theta(z), 1 - Phi(z),
    1 + Theta(z) (seasonal ones in z = B^m) of the coefficients ``arma`` (statsmodels' order:
    AR, MA, seasonal AR, seasonal MA, sizes ``orders``); infinity with none."""
    bounds = np.cumsum([0, *orders])
    smallest = np.inf
    for i, sign in enumerate((-1.0, 1.0, -1.0, 1.0)):
        coefficients = sign * np.asarray(arma[bounds[i] : bounds[i + 1]], dtype="float64")
        last = np.flatnonzero(np.abs(coefficients) > 1e-8)
        if last.size:
            roots = np.roots(np.r_[coefficients[: last[-1] + 1][::-1], 1.0])
            smallest = min(smallest, float(np.min(np.abs(roots))))
    return smallest


class Search:
    """Fits and scores candidates once each; keeps the best.

    With ``offset`` given (R's ``approximation``) candidates are fitted by conditional sum of
    squares and scored by R's approximate criterion ``offset + n log(sigma^2) + 2 k``;
    :meth:`finish` then refits the winner by exact maximum likelihood."""

    def __init__(
        self,
        y: np.ndarray,
        ic: str,
        max_models: int,
        time_limit: float | None,
        offset: float | None = None,
    ) -> None:
        self.y = y
        self.ic = ic
        self.max_models = max_models
        self.time_limit = time_limit
        self.deadline = None if time_limit is None else time.perf_counter() + time_limit
        self.offset = offset
        self.result = SearchResult()
        self.scores: dict[Candidate, float] = {}
        self.advance: Callable[..., None] = _no_progress  # set by auto_arima to a progress bar

    @property
    def exhausted(self) -> bool:
        if len(self.scores) >= self.max_models:
            self.result.stopped = f"stopped after max_models={self.max_models} models"
            return True
        if self._past_deadline():
            self.result.stopped = "stopped at the time limit"
            return True
        return False

    def _criterion(self, fit: MleFit) -> float:
        from forecast.models.arima.estimation import information_criteria

        if self.offset is None:
            return fit.information_criteria()[self.ic]
        k, n = fit.n_params, fit.nobs
        aic = self.offset + n * float(np.log(fit.params[-1])) + 2 * k
        found = information_criteria(0.0, k, n)  # the penalties only, at loglik 0
        return aic + found[self.ic] - found["aic"]

    def score(self, cand: Candidate) -> float:
        from forecast.models.arima import estimation

        try:
            if self.offset is None:  # the winner is polished at the end (auto.py)
                fit = estimation.fit(cand.spec(), self.y, polished=False)
            else:
                fit = estimation.fit_css(cand.spec(), self.y)
        except (ValueError, FloatingPointError, np.linalg.LinAlgError):
            return np.inf
        if not np.isfinite(fit.loglik) or not _root_ok(fit, cand):
            return np.inf
        value = self._criterion(fit)
        if value < self.result.score:
            self.result.best, self.result.fit, self.result.score = cand, fit, value
        return value

    def improves(self, cand: Candidate) -> bool:
        """Fit ``cand`` if new (and the budget allows): does it beat the best so far?"""
        if cand in self.scores or self.exhausted:
            return False
        before = self.result.score
        value = self.score(cand)
        self.scores[cand] = value
        self.result.tried.append((cand, value))
        self.advance(tried=cand.spec().describe(), best=self.result.score)
        return value < before

    def finish(self) -> None:
        """Under the approximation: refit by exact ML, best approximate score first, until one
        fits and passes the root test (R's ``auto.arima``).

        ``time_limit`` gives the refits a budget of their own, as long as the search's (each
        refit can take tens of seconds on a long seasonal series): a refit still optimising at
        the budget's end stops there (not converged), and no further refit starts. If no
        refit has passed the root test by then, the one with the best exact criterion is
        kept. ``stopped`` says which of these happened."""
        if self.offset is None:
            return
        from forecast.models.arima import estimation

        deadline = None if self.time_limit is None else time.perf_counter() + self.time_limit
        ranked = sorted((v, i, c) for i, (c, v) in enumerate(self.result.tried) if np.isfinite(v))
        self.result.best, self.result.fit, self.result.score = None, None, np.inf
        kept: tuple[float, Candidate, MleFit] | None = None  # best refit failing the root test
        for _, _, cand in ranked:
            if kept is not None and deadline is not None and time.perf_counter() > deadline:
                self._refitted(*kept, roots_failed=True)
                return
            self.advance(refit=cand.spec().describe())
            try:
                fit = estimation.fit(cand.spec(), self.y, deadline=deadline)
            except (ValueError, FloatingPointError, np.linalg.LinAlgError):
                continue
            if not np.isfinite(fit.loglik):
                continue
            value = fit.information_criteria()[self.ic]
            if _root_ok(fit, cand):
                self._refitted(value, cand, fit)
                return
            if kept is None or value < kept[0]:
                kept = (value, cand, fit)

    def _refitted(
        self, value: float, cand: Candidate, fit: MleFit, roots_failed: bool = False
    ) -> None:
        """``cand`` is the result; ``stopped`` gains what the time limit cut short."""
        from forecast.models.arima.estimation import STOPPED_AT_DEADLINE

        self.result.best, self.result.fit, self.result.score = cand, fit, value
        said = [self.result.stopped] if self.result.stopped else []  # the search's, if any
        if roots_failed:
            said.append(
                f"stopped its exact refits at the time limit: kept {cand.spec().describe()}, "
                f"whose roots lie within {ROOT_MARGIN} of the unit circle (R would refit the "
                "next model; a larger time_limit lets it)"
            )
        if fit.message == STOPPED_AT_DEADLINE:
            said.append(
                f"stopped the exact-likelihood refit of {cand.spec().describe()} at the time "
                "limit before it converged: its estimates are the optimiser's last point, not "
                "the maximum likelihood (a larger time_limit lets it finish)"
            )
        self.result.stopped = "; ".join(said) or None

    def _past_deadline(self) -> bool:
        return self.deadline is not None and time.perf_counter() > self.deadline


def _no_progress(steps: int = 1, **fields: object) -> None:
    """No progress bar."""


def _neighbours(
    p: int, q: int, P: int, Q: int, limits: tuple[int, int, int, int]
) -> Iterator[tuple[int, int, int, int]]:
    """R's order of moves: seasonal first (P-1, Q-1, P+1, Q+1, both), then non-seasonal."""
    max_p, max_q, max_P, max_Q = limits
    for dP, dQ in ((-1, 0), (0, -1), (1, 0), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)):
        if 0 <= P + dP <= max_P and 0 <= Q + dQ <= max_Q:
            yield p, q, P + dP, Q + dQ
    for dp, dq in ((-1, 0), (0, -1), (1, 0), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)):
        if 0 <= p + dp <= max_p and 0 <= q + dq <= max_q:
            yield p + dp, q + dq, P, Q


def stepwise(
    search: Search,
    d: int,
    D: int,
    m: int,
    limits: tuple[int, int, int, int],
    constant: bool,
    allow_constant: bool,
) -> None:
    max_p, max_q, max_P, max_Q = limits
    seasonal = m > 1

    def cand(p: int, q: int, P: int, Q: int, c: bool) -> Candidate:
        return Candidate((p, d, q), (P, D, Q, m) if seasonal else (0, 0, 0, 0), c)

    p, q = min(2, max_p), min(2, max_q)
    P, Q = (min(1, max_P), min(1, max_Q)) if seasonal else (0, 0)
    search.improves(cand(p, q, P, Q, constant))
    if search.improves(cand(0, 0, 0, 0, constant)):
        p = q = P = Q = 0
    if max_p > 0 or max_P > 0:
        p1, P1 = (1 if max_p > 0 else 0), (1 if seasonal and max_P > 0 else 0)
        if search.improves(cand(p1, 0, P1, 0, constant)):
            p, q, P, Q = p1, 0, P1, 0
    if max_q > 0 or max_Q > 0:
        q1, Q1 = (1 if max_q > 0 else 0), (1 if seasonal and max_Q > 0 else 0)
        if search.improves(cand(0, q1, 0, Q1, constant)):
            p, q, P, Q = 0, q1, 0, Q1
    if constant and search.improves(cand(0, 0, 0, 0, False)):
        p = q = P = Q = 0
        constant = False
    improved = True
    while improved and not search.exhausted:
        improved = False
        for np_, nq, nP, nQ in _neighbours(p, q, P, Q, (max_p, max_q, max_P, max_Q)):
            if search.improves(cand(np_, nq, nP, nQ, constant)):
                p, q, P, Q = np_, nq, nP, nQ
                improved = True
                break
        if not improved and allow_constant and search.improves(cand(p, q, P, Q, not constant)):
            constant = not constant
            improved = True


def exhaustive(
    search: Search,
    d: int,
    D: int,
    m: int,
    limits: tuple[int, int, int, int],
    allow_constant: bool,
    max_order: int,
) -> None:
    max_p, max_q, max_P, max_Q = limits
    seasonal = m > 1
    for p in range(max_p + 1):
        for q in range(max_q + 1):
            for P in range(max_P + 1 if seasonal else 1):
                for Q in range(max_Q + 1 if seasonal else 1):
                    if p + q + P + Q > max_order:
                        continue
                    for constant in (True, False) if allow_constant else (False,):
                        orders = (P, D, Q, m) if seasonal else (0, 0, 0, 0)
                        search.improves(Candidate((p, d, q), orders, constant))
                        if search.result.stopped:
                            return


@dataclass(frozen=True)
class Limits:
    """The search's bounds (R's defaults)."""

    max_p: int = 5
    max_q: int = 5
    max_P: int = 2
    max_Q: int = 2
    max_d: int = 2
    max_D: int = 1
    max_order: int = 5
    max_models: int = 94  # R's nmodels
    time_limit: float | None = None  # seconds
    approximation: str = "auto"  # "css": score by CSS (R's approximation); "exact"; "auto": m > 12


def differences(y: np.ndarray, m: int, limits: Limits) -> tuple[int, int]:
    """D by OCSB (seasonal models only), then d by KPSS on the seasonally differenced series."""
    from forecast.diagnostics.stationarity import kpss_differences

    D = seasonal_differences(y, m, limits.max_D) if m > 1 else 0
    x = y
    for _ in range(D):
        x = x[m:] - x[:-m]
    return kpss_differences(x, max_d=limits.max_d), D


def auto_arima(
    y: np.ndarray, m: int, ic: str = "aicc", stepwise_search: bool = True, limits: Limits = Limits()
) -> tuple[SearchResult, int, int]:
    """The search of the module doc on ``y`` with seasonal period ``m`` (1: none).
    Returns the result and the differencing orders (d, D) it used."""
    y = np.asarray(y, dtype="float64")
    m = m if m > 1 else 1
    d, D = differences(y, m, limits)
    n = y.size
    max_p, max_q = min(limits.max_p, n // 3), min(limits.max_q, n // 3)
    max_P, max_Q = (limits.max_P, limits.max_Q) if m > 1 else (0, 0)
    if m > 1:
        max_p = min(max_p, m - 1) if max_P > 0 else max_p
        max_q = min(max_q, m - 1) if max_Q > 0 else max_q
    allow_constant = d + D <= 1
    approximate = limits.approximation == "css" or (limits.approximation == "auto" and m > 12)
    offset = _offset(y, d, D, m) if approximate else None
    from forecast.progress import task

    search = Search(y, ic, limits.max_models, limits.time_limit, offset)
    bounds = (max_p, max_q, max_P, max_Q)
    label = f"auto-arima m={m}, d={d}, D={D}"
    with task(f"{label}: search", total=limits.max_models) as search.advance:
        if stepwise_search:
            stepwise(search, d, D, m, bounds, allow_constant, allow_constant)
        else:
            exhaustive(search, d, D, m, bounds, allow_constant, limits.max_order)
    with task(f"{label}: exact-likelihood refits", total=None) as search.advance:
        search.finish()
    return search.result, d, D


def _offset(y: np.ndarray, d: int, D: int, m: int) -> float | None:
    """R's offset of the approximate criterion: -2 loglik - n log(sigma^2) of ARIMA(1,d,0)
    (0,D,0)[m] by exact ML (``None``, no approximation, when that fails)."""
    from forecast.models.arima import estimation

    cand = Candidate((1, d, 0), (0, D, 0, m) if m > 1 else (0, 0, 0, 0), d + D == 0)
    try:
        fit = estimation.fit(cand.spec(), y)
    except (ValueError, FloatingPointError, np.linalg.LinAlgError):
        return None
    return -2 * fit.loglik - y.size * float(np.log(fit.params[-1]))
