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
    if denom == 0:  # a constant series (e.g. the differences of a straight line): undefined
        return np.full(nlags, np.nan)
    return lagged_products(centred, nlags)[1:] / denom


BAND_ALPHA = 0.05  # the size of bartlett_band's default band (95 %)
DIRECT_MAX = 20_000_000  # n * nlags up to which lagged products are summed directly (exactly)


def lagged_products(centred: np.ndarray, nlags: int) -> np.ndarray:
    """s_k = sum_t x_t x_{t-k} for k = 0..nlags: dot products while n * nlags is at most
    :data:`DIRECT_MAX`, otherwise by FFT (O(n log n); equal to about 1e-12 relative)."""
    n = centred.size
    nlags = min(nlags, n - 1)
    if n * (nlags + 1) <= DIRECT_MAX:
        return np.array([float(centred[k:] @ centred[: n - k]) for k in range(nlags + 1)])
    size = 1 << int(2 * n - 1).bit_length()
    spectrum = np.fft.rfft(centred, size)
    return np.fft.irfft(spectrum * np.conj(spectrum), size)[: nlags + 1]


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if a.size < 2:
        return float("nan")
    a, b = a - a.mean(), b - b.mean()
    denom = math.sqrt(float(a @ a) * float(b @ b))
    return float(a @ b) / denom if denom > 0 else float("nan")


def bartlett_band(acf: np.ndarray, n: int, alpha: float = BAND_ALPHA) -> np.ndarray:
    """Half-width z * sqrt((1 + 2 sum_{j<k} r_j^2) / n) of the band around zero at each lag k."""
    z = NormalDist().inv_cdf(1 - alpha / 2)
    cumulative = np.concatenate([[0.0], np.cumsum(np.nan_to_num(acf[:-1]) ** 2)])
    return np.asarray(z * np.sqrt((1 + 2 * cumulative) / n))


def partial_acf(
    x: np.ndarray, nlags: int, method: PacfMethod = "ywm", acf: np.ndarray | None = None
) -> np.ndarray:
    """PACF at lags 1..nlags. ``ywm`` (Stata's, statsmodels' ``method="ywm"``) is computed here by
    the Durbin-Levinson recursion on the standard ACF (O(n log n + nlags^2), the same numbers);
    the other estimators come from statsmodels. ``acf``: the standard ACF of ``x`` at lags
    1..nlags when the caller has it already."""
    x = np.asarray(x, dtype="float64")
    if nlags >= x.size // 2:
        raise UsageError(f"--lags must be below n/2 = {x.size // 2} for the PACF, got {nlags}")
    if method == "ywm":
        return durbin_levinson(sample_acf(x, nlags) if acf is None else acf[:nlags])
    from statsmodels.tsa.stattools import pacf

    try:
        return np.asarray(pacf(x, nlags=nlags, method=method))[1:]
    except ValueError as exc:
        raise UsageError(f"--pacf-method {method!r}: {exc}") from None


def durbin_levinson(acf: np.ndarray) -> np.ndarray:
    """Partial autocorrelations phi_kk, k = 1..len(acf), from the autocorrelations r_1..r_K
    (Durbin-Levinson: the Yule-Walker solutions of orders 1..K); NaN where undefined."""
    nlags = acf.size
    out = np.full(nlags, np.nan)
    if nlags == 0 or not np.all(np.isfinite(acf)):
        return out
    phi = np.zeros(0)
    for k in range(1, nlags + 1):
        denom = 1.0 - float(phi @ acf[: k - 1])
        if denom <= 0:
            break
        kk = (acf[k - 1] - float(phi @ acf[k - 2 :: -1][: k - 1])) / denom if k > 1 else acf[0]
        phi = np.r_[phi - kk * phi[::-1], kk]
        out[k - 1] = kk
    return out


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
        pacf=partial_acf(x, nlags, pacf_method, acf if acf_method == "standard" else None),
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


def ljung_box(
    x: np.ndarray, lags: list[int], model_df: int = 0, acf: np.ndarray | None = None
) -> list[LjungBox]:
    """Ljung-Box Q(h) = n (n + 2) sum_{k<=h} r_k^2 / (n - k) on the standard ACF, p-value from
    chi-squared with h - model_df degrees of freedom (statsmodels' ``acorr_ljungbox``).
    ``acf``: the standard ACF of ``x`` when the caller has it (used when long enough)."""
    from scipy.special import chdtrc  # chi-squared survival; scipy.stats costs 0.5 s to import

    if not lags:
        return []
    x = np.asarray(x, dtype="float64")
    n = x.size
    r = acf[: max(lags)] if acf is not None and acf.size >= max(lags) else sample_acf(x, max(lags))
    terms = np.cumsum(r**2 / (n - np.arange(1, r.size + 1)))
    out = []
    for lag in lags:
        q = float(n * (n + 2) * terms[lag - 1])
        df = int(lag) - model_df
        out.append(LjungBox(int(lag), q, float(chdtrc(df, q)) if df > 0 else float("nan"), df))
    return out
