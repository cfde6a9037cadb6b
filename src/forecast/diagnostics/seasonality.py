"""Seasonal period detection and seasonal strength.

Candidates come from three places: the largest peaks of the periodogram (FFT, Hann window,
linear detrend), the significant local maxima of the ACF, and the calendar period of the
frequency (12 for monthly data, 7 for daily, 48 for half-hourly...). All of them are computed on
the series after ``d`` regular differences, so that a trend does not pass for a long cycle.

Each candidate is scored with the seasonal strength of a classical decomposition (centred moving
average, phase means), which costs O(n) per candidate: F = max(0, 1 - Var(R) / Var(S + R)).
The chosen period is the strongest candidate, except that a candidate which is a multiple of a
shorter one that is nearly as strong (>= 85 %) gives way to the shorter one (12 beats 24 and 36
on monthly data). It counts as seasonal when its score is at least ``threshold``. Its strength is
then also reported as Hyndman's STL seasonal strength (statsmodels STL, robust), the number
people usually quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from forecast.diagnostics.acf import bartlett_band, sample_acf

THRESHOLD = 0.4
MIN_CYCLES = 4  # a candidate period must repeat at least this many times
MAX_PERIOD = 1000
STL_MAX_OBS = 20_000  # STL strength is computed on the last this-many observations
_NEAR = 0.85

PeriodSource = Literal["given", "detected", "none"]


@dataclass(frozen=True)
class Candidate:
    """A candidate period, where it came from, and its classical seasonal strength."""

    period: int
    sources: tuple[str, ...]
    strength: float

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period, "sources": list(self.sources), "strength": self.strength}


@dataclass(frozen=True)
class Seasonality:
    """The period used (given, detected or none), its STL strength and every candidate."""

    period: int | None
    source: PeriodSource
    stl_strength: float | None
    candidates: tuple[Candidate, ...]
    differences: int
    threshold: float = THRESHOLD
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "source": self.source,
            "strength": self.stl_strength,
            "strength_method": "STL seasonal strength max(0, 1 - Var(R)/Var(S+R)), robust STL",
            "candidates": [c.to_dict() for c in self.candidates],
            "candidate_score": "classical decomposition seasonal strength",
            "threshold": self.threshold,
            "differences": self.differences,
            "notes": list(self.notes),
        }


def calendar_period(freq: str | None) -> int | None:
    """The natural cycle of a pandas frequency: a year of months, a week of days, a day of hours."""
    if not freq:
        return None
    import pandas as pd

    match = re.match(r"^(\d*)([A-Za-z]+)", freq)
    if match is None:
        return None
    mult = int(match.group(1) or 1)
    code = match.group(2)
    per_year = {"MS": 12, "ME": 12, "M": 12, "BMS": 12, "BME": 12, "SMS": 24, "SME": 24}
    per_year |= {"QS": 4, "QE": 4, "Q": 4, "BQS": 4, "BQE": 4, "W": 52}
    if code in per_year:
        return per_year[code] // mult if per_year[code] % mult == 0 else None
    if code == "B" and mult == 1:
        return 5
    if code == "D" and mult == 1:
        return 7
    try:
        seconds = pd.Timedelta(f"{mult}{code}").total_seconds()
    except (ValueError, TypeError):
        return None
    if 0 < seconds < 86400 and 86400 % seconds == 0:
        return int(86400 // seconds)
    return None


def classical_strength(x: np.ndarray, period: int) -> float:
    """Seasonal strength of a classical additive decomposition of ``x`` with ``period``."""
    n = x.size
    if period < 2 or n < 2 * period + 1:
        return float("nan")
    if period % 2 == 0:
        weights = np.r_[0.5, np.ones(period - 1), 0.5] / period  # 2 x p moving average
    else:
        weights = np.ones(period) / period
    half = (weights.size - 1) // 2
    detrended = x[half : n - half] - np.convolve(x, weights, mode="valid")
    phase = np.arange(half, n - half) % period
    means = np.bincount(phase, detrended, minlength=period) / np.bincount(phase, minlength=period)
    seasonal = (means - means.mean())[phase]
    remainder = detrended - seasonal
    total = float(np.var(detrended))
    return max(0.0, 1.0 - float(np.var(remainder)) / total) if total > 0 else 0.0


def stl_strength(y: np.ndarray, period: int) -> float:
    """Hyndman's F_s from a robust STL of the last :data:`STL_MAX_OBS` observations."""
    from statsmodels.tsa.seasonal import STL

    y = np.asarray(y, dtype="float64")[-STL_MAX_OBS:]
    if period < 2 or y.size < 2 * period + 1:
        return float("nan")
    jump = max(1, period // 10)  # statsmodels' speed-up: interpolate between every jump-th point
    fit = STL(
        y, period=period, robust=True, seasonal_jump=jump, trend_jump=jump, low_pass_jump=jump
    ).fit()
    total = float(np.var(fit.seasonal + fit.resid))
    return max(0.0, 1.0 - float(np.var(fit.resid)) / total) if total > 0 else 0.0


def periodogram(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One-sided periodogram density with linear detrend and a periodic Hann window, as
    ``scipy.signal.periodogram(x, detrend="linear", window="hann")`` computes it, in numpy
    (``scipy.signal`` costs 0.7 s to import, on every fit that detects a period)."""
    n = x.size
    t = np.arange(n, dtype="float64")
    tc = t - t.mean()  # least-squares line in closed form (np.polyfit's SVD costs 0.5 s at 1e6)
    slope = float(tc @ (x - x.mean())) / float(tc @ tc) if n > 1 else 0.0
    intercept = x.mean() - slope * t.mean()
    window = 0.5 - 0.5 * np.cos(2 * np.pi * t / n)
    power = np.abs(np.fft.rfft((x - slope * t - intercept) * window)) ** 2 / float(window @ window)
    power[1 : n // 2 + (n % 2)] *= 2  # fold the negative frequencies (not DC, not Nyquist)
    return np.fft.rfftfreq(n), power


def local_maxima(x: np.ndarray) -> np.ndarray:
    """Positions of the local maxima of ``x``, flat tops at their middle, ends excluded:
    ``scipy.signal.find_peaks(x)[0]`` without its import."""
    if x.size < 3:
        return np.zeros(0, dtype=np.intp)
    starts = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])
    ends = np.r_[starts[1:], x.size] - 1
    level = x[starts]
    inner = np.arange(1, starts.size - 1)
    peak = (level[inner] > level[inner - 1]) & (level[inner] > level[inner + 1])
    return (starts[inner[peak]] + ends[inner[peak]]) // 2


def periodogram_periods(x: np.ndarray, max_period: int, top: int = 5) -> list[int]:
    """Periods (rounded 1/f) of the ``top`` highest periodogram peaks, 2 <= p <= max_period."""
    freqs, power = periodogram(x)
    freqs, power = freqs[1:], power[1:]
    peaks = local_maxima(power)
    periods: list[int] = []
    for i in peaks[np.argsort(power[peaks])[::-1]]:
        period = round(1 / freqs[i])
        if 2 <= period <= max_period and period not in periods:
            periods.append(period)
        if len(periods) == top:
            break
    return periods


def acf_periods(x: np.ndarray, max_period: int, top: int = 5) -> list[int]:
    """The first ``top`` lags where the ACF has a local maximum above its Bartlett band."""
    if max_period < 2:
        return []
    acf = sample_acf(x, min(max_period, x.size - 1))
    band = bartlett_band(acf, x.size)
    peaks = local_maxima(acf)
    return [int(k + 1) for k in peaks if acf[k] > band[k] and k + 1 >= 2][:top]


def detect_seasonality(
    y: np.ndarray,
    freq: str | None = None,
    differences: int = 0,
    period: int | None = None,
    threshold: float = THRESHOLD,
    strength: bool = True,
) -> Seasonality:
    """Candidates, their scores, and the period to use (``period`` overrides detection).
    ``strength=False`` skips the STL strength of the chosen period (a model's fit needs only
    the period, and STL costs the statsmodels import)."""
    y = np.asarray(y, dtype="float64")
    x = np.diff(y, n=differences) if differences else y
    max_period = min(x.size // MIN_CYCLES, MAX_PERIOD)
    if x.size == 0 or np.ptp(x) == 0:
        what = f"the series differenced {differences}x" if differences else "the series"
        note = f"seasonality: {what} is constant: no seasonal period can be measured"
        return Seasonality(
            period, "given" if period else "none", None, (), differences, threshold, (note,)
        )
    sources: dict[int, list[str]] = {}
    for name, found in (
        ("periodogram", periodogram_periods(x, max_period) if max_period >= 2 else []),
        ("acf", acf_periods(x, max_period)),
        ("calendar", [p for p in [calendar_period(freq)] if p and 2 <= p <= max_period]),
        ("given", [period] if period else []),
    ):
        for p in found:
            sources.setdefault(p, []).append(name)
    candidates = tuple(
        sorted(
            (Candidate(p, tuple(src), classical_strength(x, p)) for p, src in sources.items()),
            key=lambda c: (-np.nan_to_num(c.strength), c.period),
        )
    )
    stl_note = (
        (f"seasonality: approximation: STL strength on the last {STL_MAX_OBS:,} observations",)
        if strength and x.size > STL_MAX_OBS
        else ()
    )
    if period is not None:
        measured = stl_strength(x, period) if strength else None
        return Seasonality(period, "given", measured, candidates, differences, threshold, stl_note)
    best = _choose(candidates, threshold)
    notes: tuple[str, ...] = ()
    if best is None:
        kept = _calendar_kept(x, calendar_period(freq), max_period)
        if kept is None:
            return Seasonality(None, "none", None, candidates, differences, threshold)
        best, notes = kept
    measured = stl_strength(x, best.period) if strength else None
    notes += stl_note
    return Seasonality(best.period, "detected", measured, candidates, differences, threshold, notes)


CALENDAR_ALPHA = 0.01  # the calendar's period is kept when its ACF clears this band


def _calendar_kept(
    x: np.ndarray, period: int | None, max_period: int
) -> tuple[Candidate, tuple[str, ...]] | None:
    """The calendar's period when no candidate reaches the threshold but the ACF at that lag
    is above the Bartlett band at :data:`CALENDAR_ALPHA`: a clear daily
    (weekly, yearly) cycle drowned by noise in the strength score, which falls with the length
    of a noisy series. (A sinusoidal cycle's ACF is flat around its peak, so no local-maximum
    condition.)"""
    if not period or period < 2 or period > max_period or period >= x.size:
        return None
    acf = sample_acf(x, period)
    band = bartlett_band(acf, x.size, CALENDAR_ALPHA)
    r = acf[period - 1]
    if not r > band[period - 1]:
        return None
    score = classical_strength(x, period)
    note = (
        f"seasonality: period {period} kept from the calendar: its ACF {r:.3f} is above the "
        f"{1 - CALENDAR_ALPHA:.0%} band {band[period - 1]:.3f}, although its strength "
        f"{score:.3f} is below the threshold"
    )
    return Candidate(period, ("calendar",), score), (note,)


def detect_period(y: np.ndarray, freq: str | None = None) -> int | None:
    """The period a model or a metric uses when none is given: detected on ``y`` after the
    number of differences the KPSS tests ask for (as auto-ARIMA chooses d), or None."""
    from forecast.diagnostics.stationarity import kpss_differences

    y = np.asarray(y, dtype="float64")
    d = kpss_differences(y) if y.size >= 10 else 0
    return detect_seasonality(y, freq, differences=d, strength=False).period


def _choose(candidates: tuple[Candidate, ...], threshold: float) -> Candidate | None:
    scored = [c for c in candidates if np.isfinite(c.strength)]
    if not scored:
        return None
    best = max(scored, key=lambda c: c.strength)
    divisors = [
        c
        for c in scored
        if best.period % c.period == 0
        and c.period < best.period
        and c.strength >= _NEAR * best.strength
    ]
    if divisors:
        best = min(divisors, key=lambda c: c.period)
    return best if best.strength >= threshold else None


def describe_period(period: int | None, source: str) -> str:
    """A period and where it came from, for summaries: ``period 12 (detected)``, ``no seasonal
    period detected``, ``no seasonal period (not seasonal)``."""
    if period:
        return f"period {period} ({source})"
    if source == "detected":
        return "no seasonal period detected"
    return f"no seasonal period ({source})"


def resolve_period(period: int | None, y: np.ndarray, freq: str | None) -> tuple[int | None, str]:
    """The seasonal period to use: the given one, or the one detected on ``y`` (training data)."""
    if period is not None:
        return period, "given"
    return detect_period(y, freq), "detected"
