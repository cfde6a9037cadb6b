"""Unit-root and stationarity tests, and the number of differences they suggest.

ADF, KPSS and Zivot-Andrews come from statsmodels, Phillips-Perron and DF-GLS from arch. Each
result carries the null hypothesis, so the one-line verdict reads the same way for all of them:
ADF, PP, ZA and DF-GLS test H0 "unit root"; KPSS tests H0 "stationary".
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forecast.types import AdfTrend, TrendSpec

UNIT_ROOT = "unit root"
BOUND_NOTE = "p-value is a bound of the lookup table; the true p-value is "
STATIONARY = "stationary"


@dataclass(frozen=True)
class TestResult:
    """One test: statistic, p-value, lags, critical values and the verdict at ``alpha``."""

    __test__ = False  # not a pytest class

    name: str
    null: str
    statistic: float
    pvalue: float
    lags: int | None
    critical_values: dict[str, float]
    trend: str
    alpha: float
    notes: tuple[str, ...] = field(default_factory=tuple)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rejects(self) -> bool:
        return self.pvalue < self.alpha

    @property
    def stationary(self) -> bool:
        """The reading of the test: stationary unless the evidence says unit root."""
        return self.rejects if self.null == UNIT_ROOT else not self.rejects

    @property
    def pvalue_bound(self) -> str | None:
        """ "smaller" or "greater" when the p-value is the edge of a lookup table (KPSS)."""
        for note in self.notes:
            if note.startswith(BOUND_NOTE):
                return note.rsplit(" ", 1)[-1]
        return None

    @property
    def verdict(self) -> str:
        level = f"{self.alpha:.0%}"
        if self.null == UNIT_ROOT:
            if self.rejects:
                return f"stationary: rejects a unit root at {level}"
            return f"non-stationary: cannot reject a unit root at {level}"
        if self.rejects:
            return f"non-stationary: rejects stationarity at {level}"
        return f"stationary: cannot reject stationarity at {level}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "null": self.null,
            "statistic": self.statistic,
            "pvalue": self.pvalue,
            "pvalue_bound": self.pvalue_bound,
            "lags": self.lags,
            "critical_values": self.critical_values,
            "trend": self.trend,
            "verdict": self.verdict,
            "stationary": self.stationary,
            "notes": list(self.notes),
            **self.extra,
        }


@dataclass(frozen=True)
class SkippedTest:
    """A test that could not run on this series, and why."""

    name: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "skipped": self.reason}


@dataclass(frozen=True)
class Differencing:
    """Suggested regular and seasonal differences, and the tests that chose them."""

    d: int
    d_test: str
    seasonal_d: int | None
    seasonal_d_test: str | None
    period: int | None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "d": self.d,
            "d_test": self.d_test,
            "D": self.seasonal_d,
            "D_test": self.seasonal_d_test,
            "period": self.period,
            "notes": list(self.notes),
        }


def _cv(values: dict[str, Any]) -> dict[str, float]:
    return {str(k): float(v) for k, v in values.items()}


def _captured(fn: Callable[[], Any]) -> tuple[Any, tuple[str, ...]]:
    """Run a test, turning its warnings (p-value out of the table...) into notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = fn()
    messages = (
        _short_note(str(w.message))
        for w in caught
        if not issubclass(w.category, (DeprecationWarning, FutureWarning))
    )
    return value, tuple(dict.fromkeys(messages))


def _short_note(message: str) -> str:
    bound = re.search(r"actual p-value is (smaller|greater) than", message)
    if bound:
        return f"{BOUND_NOTE}{bound.group(1)}"
    return " ".join(message.split())


# Above this many observations ADF, DF-GLS and Zivot-Andrews come from cross products
# (unitroot_fast: the same statistics, O(n k^2)), and Phillips-Perron from our own regression.
EXACT_MAX_OBS = 2_000
# Automatic lag searches consider at most this many lags (Schwert's 12 (n/100)^(1/4) exceeds
# it above 62,500 observations: 120 lags at 1e6).
MAX_SEARCH_LAGS = 60


def _search_maxlag(n: int) -> tuple[int, tuple[str, ...]]:
    """Schwert's maximum lag, capped at :data:`MAX_SEARCH_LAGS`, and the note saying so."""
    from forecast.diagnostics.unitroot_fast import schwert_maxlag

    full = schwert_maxlag(n, None)
    if full <= MAX_SEARCH_LAGS:
        return full, ()
    note = (
        f"approximation: lag search up to {MAX_SEARCH_LAGS} lags (Schwert's 12 (n/100)^(1/4) "
        f"would search {full})"
    )
    return MAX_SEARCH_LAGS, (note,)


def adf(
    x: np.ndarray,
    trend: AdfTrend = "c",
    lags: int | None = None,
    alpha: float = 0.05,
) -> TestResult:
    """Augmented Dickey-Fuller; ``lags=None`` picks the lag by AIC up to 12 (n/100)^(1/4)
    (at most :data:`MAX_SEARCH_LAGS`)."""
    from forecast.diagnostics.unitroot_fast import df_tstat, select_lag

    chosen = ("lag chosen by AIC",) if lags is None else ("lag fixed by --adf-lags",)
    x = np.asarray(x, dtype="float64")
    if x.size <= EXACT_MAX_OBS or trend == "ctt":  # "ctt": statsmodels at every length
        from statsmodels.tsa.stattools import adfuller

        autolag = "AIC" if lags is None else None
        res, captured = _captured(
            lambda: adfuller(x, maxlag=lags, regression=trend, autolag=autolag, result_object=True)
        )
        if trend != "ctt":
            df_tstat(x, int(res.lags), trend)  # refuses an exact fit (statsmodels gives 1e14)
        return _from_result("ADF", UNIT_ROOT, res, trend, alpha, chosen + captured)
    from statsmodels.tsa.adfvalues import mackinnoncrit, mackinnonp

    notes: tuple[str, ...] = ()
    if lags is None:
        maxlag, notes = _search_maxlag(x.size)
        lags = select_lag(x, maxlag, trend)
    stat, nobs = df_tstat(x, lags, trend)
    cv = mackinnoncrit(N=1, regression=trend, nobs=nobs)
    return TestResult(
        name="ADF",
        null=UNIT_ROOT,
        statistic=stat,
        pvalue=float(mackinnonp(stat, regression=trend, N=1)),
        lags=lags,
        critical_values=_cv(dict(zip(("1%", "5%", "10%"), cv, strict=True))),
        trend=trend,
        alpha=alpha,
        notes=chosen + notes,
    )


def kpss(
    x: np.ndarray, trend: TrendSpec = "c", alpha: float = 0.05, lags: int | None = None
) -> TestResult:
    """KPSS; ``lags=None`` uses the Hobijn et al. (2004) automatic bandwidth. Above
    :data:`EXACT_MAX_OBS` statsmodels' formulas here, with the autocovariances by FFT
    (statsmodels loops over the lags)."""
    x = np.asarray(x, dtype="float64")
    if x.size <= EXACT_MAX_OBS:
        from statsmodels.tsa.stattools import kpss as sm_kpss

        nlags: int | str = "auto" if lags is None else lags
        res, notes = _captured(
            lambda: sm_kpss(x, regression=trend, nlags=nlags, result_object=True)
        )
        return _from_result("KPSS", STATIONARY, res, trend, alpha, notes)
    return _kpss_long(x, trend, alpha, lags)


_KPSS_CRIT = {"c": [0.347, 0.463, 0.574, 0.739], "ct": [0.119, 0.146, 0.176, 0.216]}
KPSS_LEVEL_PVALS = [0.10, 0.05, 0.025, 0.01]


def _kpss_long(x: np.ndarray, trend: TrendSpec, alpha: float, lags: int | None) -> TestResult:
    """statsmodels' ``kpss`` (Kwiatkowski et al. 1992 table, Hobijn et al. 2004 bandwidth)."""
    from forecast.diagnostics.acf import lagged_products

    nobs = x.size
    if trend == "ct":
        t = np.arange(1.0, nobs + 1)
        z = np.column_stack([np.ones(nobs), t])
        resids = x - z @ np.linalg.lstsq(z, x, rcond=None)[0]
    else:
        resids = x - x.mean()
    if lags is None:
        covlags = int(np.power(nobs, 2.0 / 9.0))
        prods = lagged_products(resids, covlags)
        s0 = prods[0] / nobs + float(np.sum(prods[1:] / (nobs / 2)))
        s1 = float(np.arange(1, covlags + 1) @ (prods[1:] / (nobs / 2)))
        gamma_hat = 1.1447 * np.power((s1 / s0) ** 2, 1.0 / 3.0)
        lags = min(int(gamma_hat * np.power(nobs, 1.0 / 3.0)), nobs - 1)
    prods = lagged_products(resids, lags)
    weights = 1 - np.arange(1, lags + 1) / (lags + 1)
    s_hat = float(prods[0] + 2 * weights @ prods[1:]) / nobs
    eta = float(np.sum(np.cumsum(resids) ** 2)) / nobs**2
    if s_hat <= 0:
        raise ValueError("the long-run variance of the KPSS residuals is 0")
    stat = eta / s_hat
    crit = _KPSS_CRIT[trend]
    pvalue = float(np.interp(stat, crit, KPSS_LEVEL_PVALS))
    notes: tuple[str, ...] = ()
    if pvalue == KPSS_LEVEL_PVALS[-1]:
        notes = (f"{BOUND_NOTE}smaller",)
    elif pvalue == KPSS_LEVEL_PVALS[0]:
        notes = (f"{BOUND_NOTE}greater",)
    return TestResult(
        name="KPSS",
        null=STATIONARY,
        statistic=stat,
        pvalue=pvalue,
        lags=lags,
        critical_values={"10%": crit[0], "5%": crit[1], "2.5%": crit[2], "1%": crit[3]},
        trend=trend,
        alpha=alpha,
        notes=notes,
    )


def phillips_perron(x: np.ndarray, trend: TrendSpec = "c", alpha: float = 0.05) -> TestResult:
    """Phillips-Perron Z_tau (arch), Newey-West bandwidth 12 (n/100)^(1/4); above
    :data:`EXACT_MAX_OBS` the same formulas here (arch's HAC refit costs O(n lags k^2))."""
    x = np.asarray(x, dtype="float64")
    _refuse_exact_ar1(x, trend)
    if x.size <= EXACT_MAX_OBS:
        from arch.unitroot import PhillipsPerron

        res, notes = _captured(lambda: PhillipsPerron(x, trend=trend, test_type="tau"))
        return _from_result("Phillips-Perron", UNIT_ROOT, res, trend, alpha, notes)
    return _phillips_perron_long(x, trend, alpha)


def _refuse_exact_ar1(x: np.ndarray, trend: TrendSpec) -> None:
    """Phillips-Perron's regression y_t on (y_{t-1}, 1[, t]) must leave residuals: a straight
    line or a pure step fits it exactly, and the statistic is then rounding noise."""
    cols = [x[:-1], np.ones(x.size - 1)] + ([np.arange(1.0, x.size)] if trend == "ct" else [])
    rhs = np.column_stack(cols)
    lhs = x[1:]
    resid = lhs - rhs @ np.linalg.lstsq(rhs, lhs, rcond=None)[0]
    centred = lhs - lhs.mean()
    if float(resid @ resid) <= 1e-20 * max(float(centred @ centred), float(lhs @ lhs)):
        raise ValueError("the regression fits the series exactly (a deterministic series)")


def _phillips_perron_long(x: np.ndarray, trend: TrendSpec, alpha: float) -> TestResult:
    """arch's ``PhillipsPerron._compute_statistic`` (Z_tau) with the long-run variance of the
    residuals from :func:`forecast.diagnostics.acf.lagged_products`."""
    from arch.unitroot.unitroot import mackinnoncrit, mackinnonp

    from forecast.diagnostics.acf import lagged_products

    nobs = x.size
    lags = math.ceil(12.0 * (nobs / 100.0) ** 0.25)
    cols = [x[:-1], np.ones(nobs - 1)]
    if trend == "ct":
        cols.append(np.arange(1.0, nobs))
    rhs = np.column_stack(cols)
    lhs = x[1:]
    params, *_ = np.linalg.lstsq(rhs, lhs, rcond=None)
    u = lhs - rhs @ params
    n, k = u.size, rhs.shape[1]
    gam = lagged_products(u, lags)
    weights = 1 - np.arange(1, lags + 1) / (lags + 1)
    lam2 = float(gam[0] + 2 * weights @ gam[1:]) / n
    s2 = float(u @ u) / (n - k)
    gamma0 = s2 * (n - k) / n
    xpxi = np.linalg.inv(rhs.T @ rhs)
    sigma = math.sqrt(s2 * xpxi[0, 0])
    if sigma <= 0 or lam2 <= 0:
        raise ValueError("the residual variance of the Phillips-Perron regression is 0")
    lam = math.sqrt(lam2)
    stat = math.sqrt(gamma0 / lam2) * ((params[0] - 1) / sigma) - 0.5 * ((lam2 - gamma0) / lam) * (
        n * sigma / math.sqrt(s2)
    )
    cv = mackinnoncrit(regression=trend, nobs=n, dist_type="adf-t")
    return TestResult(
        name="Phillips-Perron",
        null=UNIT_ROOT,
        statistic=float(stat),
        pvalue=float(mackinnonp(stat, regression=trend, dist_type="adf-t")),
        lags=lags,
        critical_values=_cv(dict(zip(("1%", "5%", "10%"), cv, strict=True))),
        trend=trend,
        alpha=alpha,
    )


def dfgls(x: np.ndarray, trend: TrendSpec = "c", alpha: float = 0.05) -> TestResult:
    """Elliott-Rothenberg-Stock DF-GLS (arch), lag chosen by AIC; above
    :data:`EXACT_MAX_OBS` arch's steps with the regressions from cross products."""
    x = np.asarray(x, dtype="float64")
    if x.size <= EXACT_MAX_OBS:
        from arch.unitroot import DFGLS

        res, notes = _captured(lambda: DFGLS(x, trend=trend, method="aic"))
        return _from_result("DF-GLS", UNIT_ROOT, res, trend, alpha, notes)
    return _dfgls_long(x, trend, alpha)


def _dfgls_long(x: np.ndarray, trend: TrendSpec, alpha: float) -> TestResult:
    """arch's ``DFGLS._compute_statistic``: GLS detrending (c-bar -7 or -13.5), lag by AIC on
    the OLS-detrended series, the DF regression without deterministic terms."""
    from arch.unitroot.unitroot import mackinnoncrit, mackinnonp

    from forecast.diagnostics.unitroot_fast import df_tstat, select_lag

    nobs = x.size
    cbar = -7.0 if trend == "c" else -13.5
    z = (
        np.ones((nobs, 1))
        if trend == "c"
        else np.column_stack([np.ones(nobs), np.arange(1.0, nobs + 1)])
    )
    delta_z = z.copy()
    delta_z[1:] -= (1 + cbar / nobs) * z[:-1]
    delta_y = x.copy()
    delta_y[1:] -= (1 + cbar / nobs) * x[:-1]
    detrended = x - z @ np.linalg.lstsq(delta_z, delta_y, rcond=None)[0]
    ols_detrended = x - z @ np.linalg.lstsq(z, x, rcond=None)[0]
    maxlag, notes = _search_maxlag(nobs)
    lags = select_lag(ols_detrended, maxlag, "n")
    stat, n_used = df_tstat(detrended, lags, "n")
    cv = mackinnoncrit(regression=trend, nobs=n_used, dist_type="dfgls")
    return TestResult(
        name="DF-GLS",
        null=UNIT_ROOT,
        statistic=stat,
        pvalue=float(mackinnonp(stat, regression=trend, dist_type="dfgls")),
        lags=lags,
        critical_values=_cv(dict(zip(("1%", "5%", "10%"), cv, strict=True))),
        trend=trend,
        alpha=alpha,
        notes=notes,
    )


def _from_result(
    name: str, null: str, res: Any, trend: str, alpha: float, notes: tuple[str, ...]
) -> TestResult:
    """A TestResult from a statsmodels result object (``statistic``) or an arch test (``stat``)."""
    statistic = res.statistic if hasattr(res, "statistic") else res.stat
    return TestResult(
        name=name,
        null=null,
        statistic=float(statistic),
        pvalue=float(res.pvalue),
        lags=int(res.lags),
        critical_values=_cv(res.critical_values),
        trend=trend,
        alpha=alpha,
        notes=notes,
    )


def zivot_andrews(x: np.ndarray, trend: TrendSpec = "c", alpha: float = 0.05) -> TestResult:
    """Zivot-Andrews: unit root against stationarity with one break (in the level for "c").
    statsmodels below :data:`EXACT_MAX_OBS`; above, the same regressions at every candidate
    break from updated cross products (:func:`unitroot_fast.zivot_andrews_stats`)."""
    from statsmodels.tsa.stattools import zivot_andrews as sm_za

    x = np.asarray(x, dtype="float64")
    if x.size <= EXACT_MAX_OBS:
        (stat, pvalue, cvdict, lags, breakpoint), notes = _captured(
            lambda: sm_za(x, regression=trend, autolag="AIC")
        )
        if int(x.size * 0.15) > lags + 1:  # the same breaks: refuses an exact fit (a pure step)
            from forecast.diagnostics.unitroot_fast import zivot_andrews_stats

            zivot_andrews_stats(x, int(lags), trend)
    else:
        from forecast.diagnostics.unitroot_fast import select_lag, zivot_andrews_stats

        maxlag, notes = _search_maxlag(x.size)
        lags = select_lag(x, maxlag, "ct")  # statsmodels: adfuller(x, regression="ct")
        stat, breakpoint = zivot_andrews_stats(x, lags, trend)
        pvalue, cvdict = sm_za._za_crit(stat, trend)
    return TestResult(
        name="Zivot-Andrews",
        null=UNIT_ROOT,
        statistic=float(stat),
        pvalue=float(pvalue),
        lags=int(lags),
        critical_values=_cv(cvdict),
        trend=trend,
        alpha=alpha,
        notes=notes,
        extra={"break_index": int(breakpoint)},
    )


TESTS: dict[str, Callable[..., TestResult]] = {
    "ADF": adf,
    "KPSS": kpss,
    "Phillips-Perron": phillips_perron,
    "Zivot-Andrews": zivot_andrews,
    "DF-GLS": dfgls,
}
# `diagnose --tests` names
TEST_KEYS = {
    "adf": "ADF",
    "kpss": "KPSS",
    "pp": "Phillips-Perron",
    "za": "Zivot-Andrews",
    "dfgls": "DF-GLS",
}


def parse_test_names(keys: str) -> tuple[str, ...]:
    """The tests named by a comma-separated list of :data:`TEST_KEYS` keys, in TESTS order."""
    from forecast.errors import UsageError

    chosen = [k.strip().lower() for k in keys.split(",") if k.strip()]
    unknown = [k for k in chosen if k not in TEST_KEYS]
    if unknown or not chosen:
        raise UsageError(
            f"--tests: unknown test {unknown[0] if unknown else keys!r}; choose from "
            f"{', '.join(TEST_KEYS)} (comma-separated)"
        )
    wanted = {TEST_KEYS[k] for k in chosen}
    return tuple(name for name in TESTS if name in wanted)


# The fewest observations each test gives a usable answer on (regressions with lags need room).
MIN_OBS = {"ADF": 10, "KPSS": 10, "Phillips-Perron": 10, "Zivot-Andrews": 30, "DF-GLS": 15}


def run_tests(
    x: np.ndarray,
    trend: TrendSpec = "c",
    alpha: float = 0.05,
    adf_lags: int | None = None,
    names: Sequence[str] | None = None,
) -> list[TestResult | SkippedTest]:
    """The tests of :data:`TESTS` named in ``names`` (all by default); a test that cannot run is
    reported as skipped, with why."""
    x = np.asarray(x, dtype="float64")
    results: list[TestResult | SkippedTest] = []
    constant = x.size > 0 and np.ptp(x) == 0
    for name, test in TESTS.items():
        if names is not None and name not in names:
            continue
        if constant:
            results.append(SkippedTest(name, f"the series is constant (every value is {x[0]:g})"))
            continue
        if x.size < MIN_OBS[name]:
            results.append(SkippedTest(name, f"needs at least {MIN_OBS[name]} observations"))
            continue
        kwargs: dict[str, Any] = {"trend": trend, "alpha": alpha}
        if name == "ADF":
            kwargs["lags"] = adf_lags
        try:
            result = test(x, **kwargs)
        except Exception as exc:  # one test failing (singular regression...) must not hide the rest
            reason = " ".join(str(exc).split())[:160]
            results.append(SkippedTest(name, f"could not be computed: {reason}"))
            continue
        if not math.isfinite(result.statistic):
            results.append(SkippedTest(name, "the statistic is not finite on this series"))
            continue
        results.append(result)
    return results


def suggest_differencing(x: np.ndarray, period: int | None, alpha: float = 0.05) -> Differencing:
    """d by repeated KPSS tests and D by the OCSB test, as auto-ARIMA chooses them (pmdarima)."""
    x = np.asarray(x, dtype="float64")
    seasonal_d = None
    notes: list[str] = []
    if period and period >= 2 and x.size >= 2 * period + 2:
        seasonal_d, note = _ocsb_differences(x, period)
        notes += [note] if note else []
    base = x[period:] - x[:-period] if seasonal_d and period else x
    d = kpss_differences(base, alpha=alpha, max_d=2)
    return Differencing(
        d=d,
        d_test="kpss",
        seasonal_d=seasonal_d,
        seasonal_d_test="ocsb" if seasonal_d is not None else None,
        period=period,
        notes=tuple(notes),
    )


OCSB_MAX_OBS = 20_000  # the OCSB test runs on the last this-many observations


def _ocsb_differences(x: np.ndarray, period: int) -> tuple[int | None, str | None]:
    """D by pmdarima's OCSB test, or None and why when it cannot be computed (a series that
    repeats its cycle exactly makes every OCSB regression singular)."""
    from pmdarima.arima import nsdiffs

    note = None
    if x.size > OCSB_MAX_OBS:
        x = x[-OCSB_MAX_OBS:]
        note = f"D: approximation: OCSB test on the last {OCSB_MAX_OBS:,} observations"
    if np.ptp(x[period:] - x[:-period]) == 0:
        return (
            1,
            "D: the series repeats its cycle exactly; one seasonal difference makes it constant",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return int(nsdiffs(x, m=period, max_D=1, test="ocsb")), note
    except (ValueError, np.linalg.LinAlgError) as exc:
        reason = " ".join(str(exc).split())[:160]
        return None, f"D: OCSB test skipped: {reason}"


# KPSS level statistic's 1%, 2.5%, 5% and 10% critical values (Kwiatkowski et al. 1992, table 1)
KPSS_LEVEL_CRITICAL = np.array([0.739, 0.574, 0.463, 0.347])
KPSS_LEVEL_P = np.array([0.01, 0.025, 0.05, 0.10])
KPSS_ALPHA = 0.05  # the level kpss_differences tests at (ndiffs' default)
KPSS_MAX_D = 2  # the most differences kpss_differences takes


def kpss_level_pvalue(x: np.ndarray) -> float:
    """KPSS test of level stationarity as R's ``tseries::kpss.test(lshort=TRUE)`` and pmdarima
    compute it for ``ndiffs``: Bartlett long-run variance with trunc(4 (n/100)^(1/4)) lags,
    p-value interpolated in the table and clamped to 0.01..0.10. Plain numpy (no imports):
    the period detection of every fit uses it."""
    n = x.size
    e = x - x.mean()
    partial = np.cumsum(e)
    eta = float(partial @ partial) / n**2
    lags = int(np.trunc(4 * (n / 100) ** 0.25))
    s2 = float(e @ e) / n
    for i in range(1, lags + 1):
        s2 += 2 * (1 - i / (lags + 1)) * float(e[i:] @ e[:-i]) / n
    if s2 <= 0:  # no variation left to test: nothing speaks against stationarity
        return float(KPSS_LEVEL_P[-1])
    stat = eta / s2
    return float(np.interp(stat, KPSS_LEVEL_CRITICAL[::-1], KPSS_LEVEL_P[::-1]))


def kpss_differences(x: np.ndarray, alpha: float = KPSS_ALPHA, max_d: int = KPSS_MAX_D) -> int:
    """How many differences make ``x`` pass the KPSS level test at ``alpha`` (at most
    ``max_d``): pmdarima's ``ndiffs(test="kpss")``, R's ``forecast::ndiffs``."""
    x = np.asarray(x, dtype="float64")
    d = 0
    while d < max_d and x.size > 1 and np.ptp(x) > 0 and kpss_level_pvalue(x) < alpha:
        x = np.diff(x)
        d += 1
    return d
