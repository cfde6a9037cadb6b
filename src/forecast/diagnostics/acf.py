"""Autocorrelation, partial autocorrelation and Ljung-Box.

Two ACF definitions are offered because both are in use and they differ on short series:

* ``standard``: the sample ACF of Box & Jenkins, r_k = sum_{t=k+1..n} (x_t - m)(x_{t-k} - m)
  / sum_t (x_t - m)^2, with the global mean m and divisor n (statsmodels, R, Stata).
* ``pearson``: the Pearson correlation of the lagged pairs (x_{k+1..n}, x_{1..n-k}), each side
  with its own mean and variance (a spreadsheet's CORREL of the shifted columns).

Confidence bands are around zero: Bartlett's formula for the ACF, +/- z / sqrt(n) for the PACF.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from forecast.errors import UsageError
from forecast.types import AcfMethod, PacfMethod

LAG_RULE = "min(10*log10(n), n/2 - 1)"


@dataclass(frozen=True)
class Correlogram:
    """ACF and PACF at lags 1..nlags, with band half-widths and the significant lags."""

    acf: np.ndarray  # [nlags], lag 1 first
    acf_band: np.ndarray  # [nlags], Bartlett half-width at each lag
    pacf: np.ndarray  # [nlags]
    pacf_band: float  # z / sqrt(n)
    acf_method: AcfMethod
    pacf_method: PacfMethod
    alpha: float
    lag_rule: str

    @property
    def nlags(self) -> int:
        return int(self.acf.size)

    @property
    def significant_acf_lags(self) -> list[int]:
        return [int(k) + 1 for k in np.flatnonzero(np.abs(self.acf) > self.acf_band)]

    @property
    def significant_pacf_lags(self) -> list[int]:
        return [int(k) + 1 for k in np.flatnonzero(np.abs(self.pacf) > self.pacf_band)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "nlags": self.nlags,
            "lag_rule": self.lag_rule,
            "alpha": self.alpha,
            "acf_method": self.acf_method,
            "acf_band_method": "bartlett",
            "pacf_method": self.pacf_method,
            "pacf_band_method": "z/sqrt(n)",
        }


@dataclass(frozen=True)
class LjungBox:
    """Ljung-Box Q at one lag: H0 = no autocorrelation up to that lag."""

    lag: int
    statistic: float
    pvalue: float
    df: int

    def to_dict(self) -> dict[str, Any]:
        return {"lag": self.lag, "statistic": self.statistic, "pvalue": self.pvalue, "df": self.df}


def default_nlags(n: int) -> int:
    """min(10 log10 n, n/2 - 1), at least 1: the R/statsmodels default, capped for the PACF."""
    return max(1, min(int(10 * math.log10(n)), n // 2 - 1))


def sample_acf(x: np.ndarray, nlags: int, method: AcfMethod = "standard") -> np.ndarray:
    """ACF at lags 1..nlags (see the module docstring for the two methods)."""
    x = np.asarray(x, dtype="float64")
    if not 1 <= nlags < x.size:
        raise UsageError(f"--lags must be between 1 and n-1 = {x.size - 1}, got {nlags}")
    if method == "pearson":
        return np.array([_pearson(x[k:], x[:-k]) for k in range(1, nlags + 1)])
    if method != "standard":
        raise UsageError(f"--acf-method must be standard or pearson, got {method!r}")
    centred = x - x.mean()
    denom = float(centred @ centred)
    return np.array([float(centred[k:] @ centred[:-k]) / denom for k in range(1, nlags + 1)])


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if a.size < 2:
        return float("nan")
    a, b = a - a.mean(), b - b.mean()
    denom = math.sqrt(float(a @ a) * float(b @ b))
    return float(a @ b) / denom if denom > 0 else float("nan")


def bartlett_band(acf: np.ndarray, n: int, alpha: float = 0.05) -> np.ndarray:
    """Half-width z * sqrt((1 + 2 sum_{j<k} r_j^2) / n) of the band around zero at each lag k."""
    z = NormalDist().inv_cdf(1 - alpha / 2)
    cumulative = np.concatenate([[0.0], np.cumsum(np.nan_to_num(acf[:-1]) ** 2)])
    return np.asarray(z * np.sqrt((1 + 2 * cumulative) / n))


def partial_acf(x: np.ndarray, nlags: int, method: PacfMethod = "ywm") -> np.ndarray:
    """PACF at lags 1..nlags with a statsmodels estimator (``ywm`` matches Stata's)."""
    from statsmodels.tsa.stattools import pacf

    x = np.asarray(x, dtype="float64")
    if nlags >= x.size // 2:
        raise UsageError(f"--lags must be below n/2 = {x.size // 2} for the PACF, got {nlags}")
    try:
        return np.asarray(pacf(x, nlags=nlags, method=method))[1:]
    except ValueError as exc:
        raise UsageError(f"--pacf-method {method!r}: {exc}") from None


def correlogram(
    x: np.ndarray,
    nlags: int | None = None,
    acf_method: AcfMethod = "standard",
    pacf_method: PacfMethod = "ywm",
    alpha: float = 0.05,
) -> Correlogram:
    """ACF and PACF with their bands; ``nlags=None`` uses :func:`default_nlags`."""
    x = np.asarray(x, dtype="float64")
    rule = LAG_RULE if nlags is None else "--lags"
    nlags = default_nlags(x.size) if nlags is None else nlags
    acf = sample_acf(x, nlags, acf_method)
    return Correlogram(
        acf=acf,
        acf_band=bartlett_band(acf, x.size, alpha),
        pacf=partial_acf(x, nlags, pacf_method),
        pacf_band=NormalDist().inv_cdf(1 - alpha / 2) / math.sqrt(x.size),
        acf_method=acf_method,
        pacf_method=pacf_method,
        alpha=alpha,
        lag_rule=rule,
    )


def ljung_box_lags(n: int, period: int | None) -> list[int]:
    """The lags Q is reported at: 1, 5, 10, the period and twice the period, below n/2."""
    candidates = {1, 5, 10, 20}
    if period:
        candidates |= {period, 2 * period}
    return sorted(k for k in candidates if k < n // 2)


def ljung_box(x: np.ndarray, lags: list[int], model_df: int = 0) -> list[LjungBox]:
    """Ljung-Box Q, p-value from chi-squared with lag - model_df degrees of freedom."""
    from statsmodels.stats.diagnostic import acorr_ljungbox

    if not lags:
        return []
    table = acorr_ljungbox(np.asarray(x, dtype="float64"), lags=lags, model_df=model_df)
    return [
        LjungBox(int(lag), float(row.lb_stat), float(row.lb_pvalue), int(lag) - model_df)
        for lag, row in zip(lags, table.itertuples(), strict=True)
    ]
