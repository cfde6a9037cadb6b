"""Seasonal period detection and seasonal strength: the one rule every default period follows.

The rule (diagnose, every model's ``period=auto``, the ensemble's members, the panel path, the
backtest's MASE scale all call it on the training data only):

1. A given period is used as given.
2. The calendar's period of the frequency (12 monthly, 4 quarterly, 52 weekly, 7 daily, 5
   business-daily, 24 hourly, 48 half-hourly...) is used when the training data support it
   (:func:`calendar_test`: the ACF at that lag above the M3 Theta test's 90 % band, or a
   classical strength of at least ``threshold``). R's ``forecast`` always uses the calendar's
   frequency and lets each model decide; here every model gets the same decision, with its
   numbers, in its summary.
3. Otherwise a period from the candidates below is used only on strong evidence: a classical
   strength of at least :data:`STRONG` when the frequency has a calendar period (a 17 or 29 on
   monthly data is noise far more often than a cycle), ``threshold`` when it has none. It is
   reported as *found*.

Candidates come from three places: the largest peaks of the periodogram (FFT, Hann window,
linear detrend), the significant local maxima of the ACF, and the calendar period of the
frequency. All of them are computed on the series after ``d`` regular differences (the KPSS
test's choice, as auto-ARIMA's), so that a trend does not pass for a long cycle.

Each candidate is scored with the seasonal strength of a classical decomposition (centred moving
average, phase means), which costs O(n) per candidate: F = max(0, 1 - Var(R) / Var(S + R)).
Among candidates, the strongest wins, except that a candidate which is a multiple of a shorter
one that is nearly as strong (>= 85 %) gives way to the shorter one (12 beats 24 and 36 on
monthly data). The chosen period's strength is also reported as Hyndman's STL seasonal
strength (statsmodels STL, robust), the number people usually quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

import numpy as np

from forecast.diagnostics.acf import bartlett_band, sample_acf

THRESHOLD = 0.4
MIN_CYCLES = 4  # a candidate period must repeat at least this many times
MAX_PERIOD = 1000
STL_MAX_OBS = 20_000  # STL strength is computed on the last this-many observations
NEAR = 0.85
TOP_PERIODS = 5  # the periodogram's and the ACF's candidate periods, each
KPSS_MIN_OBS = 10  # resolve_period tests for differences from this many observations

PeriodSource = Literal["given", "calendar", "found", "none"]


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
    reason: str = ""  # why this period (or none): the numbers of the rule
    calendar_test: CalendarTest | None = None  # None: no calendar period, or too few points

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
            "reason": self.reason,
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


def centred_weights(period: int) -> np.ndarray:
    """The weights of the classical decomposition's centred moving average: 2 x ``period``
    for an even period (halves at both ends), ``period`` equal weights for an odd one."""
    if period % 2 == 0:
        return np.r_[0.5, np.ones(period - 1), 0.5] / period
    return np.full(period, 1.0 / period)


def classical_strength(x: np.ndarray, period: int) -> float:
    """Seasonal strength of a classical additive decomposition of ``x`` with ``period``."""
    n = x.size
    if period < 2 or n < 2 * period + 1:
        return float("nan")
    weights = centred_weights(period)
    half = (weights.size - 1) // 2
    detrended = x[half : n - half] - np.convolve(x, weights, mode="valid")
    phase = np.arange(half, n - half) % period
    means = np.bincount(phase, detrended, minlength=period) / np.bincount(phase, minlength=period)
    seasonal = (means - means.mean())[phase]
    remainder = detrended - seasonal
    total = float(np.var(detrended))
    return max(0.0, 1.0 - float(np.var(remainder)) / total) if total > 0 else 0.0


def stl_strength(y: np.ndarray, period: int) -> float:
    """Hyndman's F_s from a robust STL of the last :data:`STL_MAX_OBS` observations (the
    compiled STL, :func:`forecast.models.stl_kernels.stl_decompose`: statsmodels' ``STL`` with
    the same settings, bit for bit, without its 0.9 s import)."""
    from forecast.models.stl_kernels import stl_decompose

    y = np.asarray(y, dtype="float64")[-STL_MAX_OBS:]
    if period < 2 or y.size < 2 * period + 1:
        return float("nan")
    jump = max(1, period // 10)  # statsmodels' speed-up: interpolate between every jump-th point
    season, _, resid, _ = stl_decompose(y, period, jumps=(jump,) * 3, robust=True)
    total = float(np.var(season + resid))
    return max(0.0, 1.0 - float(np.var(resid)) / total) if total > 0 else 0.0


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


def periodogram_periods(x: np.ndarray, max_period: int, top: int = TOP_PERIODS) -> list[int]:
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


def acf_periods(x: np.ndarray, max_period: int, top: int = TOP_PERIODS) -> list[int]:
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
    """The period to use (``period`` overrides the rule), why, and the candidates.
    ``strength=False`` is a model's fit: it needs only the period, so neither the STL strength
    (statsmodels' import) nor, when the calendar's period is kept, the other candidates are
    computed."""
    y = np.asarray(y, dtype="float64")
    x = np.diff(y, n=differences) if differences else y
    if x.size == 0 or np.ptp(x) == 0:
        what = f"the series differenced {differences}x" if differences else "the series"
        why = f"{what} is constant: no seasonal period can be measured"
        source: PeriodSource = "given" if period else "none"
        return Seasonality(
            period, source, None, (), differences, threshold, (f"seasonality: {why}",), why
        )
    stl_note = (
        (f"seasonality: approximation: STL strength on the last {STL_MAX_OBS:,} observations",)
        if strength and x.size > STL_MAX_OBS
        else ()
    )
    if period is not None:
        measured = stl_strength(x, period) if strength else None
        candidates = _candidates(x, freq, period)
        return Seasonality(
            period, "given", measured, candidates, differences, threshold, stl_note, "given"
        )
    calendar = calendar_period(freq)
    test = calendar_test(x, calendar) if calendar else None
    if test is not None and test.seasonal:
        found: int | None = test.period
        candidates = _candidates(x, freq, None) if strength else ()
        source, why = "calendar", f"calendar's, seasonal: {test.numbers}"
    else:
        candidates = _candidates(x, freq, None)
        threshold = STRONG if calendar else threshold
        chosen = _choose(tuple(c for c in candidates if c.period != calendar), threshold)
        found = chosen.period if chosen else None
        if test is not None:
            why = f"calendar's {calendar} not seasonal: {test.numbers}"
        elif calendar:
            why = f"calendar's {calendar} needs {2 * calendar + 1} observations, {x.size} given"
        else:
            why = f"frequency {freq or 'unknown'} has no calendar period"
        if chosen is None:
            why += f"; no other period with strength >= {threshold}"
            source = "none"
        else:
            why = f"found: strength {chosen.strength:.3f} >= {threshold}; {why}"
            source = "found"
    note = f"seasonality: {describe_period(found, why)}"
    measured = stl_strength(x, found) if strength and found else None
    notes = (note, *stl_note)
    return Seasonality(
        found, source, measured, candidates, differences, threshold, notes, why, test
    )


STRONG = 0.6  # a period other than the calendar's needs this strength when there is a calendar
CALENDAR_Z = NormalDist().inv_cdf(0.95)  # the M3 test's 90 % two-sided band, upper side


@dataclass(frozen=True)
class CalendarTest:
    """Whether the training data support the calendar's period, and the numbers that say so."""

    period: int
    seasonal: bool
    numbers: str  # "ACF(12) 0.829 > 90 % band 0.193, strength 0.767"


def calendar_test(x: np.ndarray, period: int) -> CalendarTest | None:
    """The seasonality test behind every default period: the calendar's period ``m`` is kept
    when ``x`` (the training data, differenced as the caller chose) has an ACF at lag ``m``
    above the upper edge of the 90 % band ``1.645 sqrt((1 + 2 sum_{k<m} r_k^2) / n)`` (the test
    of the M3 Theta method, Assimakopoulos & Nikolopoulos 2000, one-sided: a season repeats,
    so its ACF at the lag is positive), or when its classical seasonal strength is at least
    :data:`THRESHOLD` (a strong season whose ACF a long cycle dilutes). None when ``x`` holds
    fewer than two full cycles and one more point: nothing can be tested."""
    if period < 2 or x.size < 2 * period + 1:
        return None
    acf = sample_acf(x, period)
    band = CALENDAR_Z * float(np.sqrt((1 + 2 * np.sum(np.nan_to_num(acf[:-1]) ** 2)) / x.size))
    r = float(acf[-1])
    score = classical_strength(x, period)
    relation = ">" if r > band else "<="
    numbers = f"ACF({period}) {r:.3f} {relation} 90 % band {band:.3f}, strength {score:.3f}"
    return CalendarTest(period, bool(r > band or score >= THRESHOLD), numbers)


def _candidates(x: np.ndarray, freq: str | None, period: int | None) -> tuple[Candidate, ...]:
    """The periodogram's and the ACF's peaks, the calendar's and the given period, each with
    its classical strength, strongest first."""
    max_period = min(x.size // MIN_CYCLES, MAX_PERIOD)
    sources: dict[int, list[str]] = {}
    calendar = calendar_period(freq)
    for name, found in (
        ("periodogram", periodogram_periods(x, max_period) if max_period >= 2 else []),
        ("acf", acf_periods(x, max_period) if max_period >= 1 else []),
        ("calendar", [p for p in [calendar] if p and p >= 2 and 2 * p + 1 <= x.size]),
        ("given", [period] if period else []),
    ):
        for p in found:
            sources.setdefault(p, []).append(name)
    return tuple(
        sorted(
            (Candidate(p, tuple(src), classical_strength(x, p)) for p, src in sources.items()),
            key=lambda c: (-np.nan_to_num(c.strength), c.period),
        )
    )


def detect_period(y: np.ndarray, freq: str | None = None) -> int | None:
    """The period :func:`resolve_period` chooses for ``y`` when none is given, or None."""
    return resolve_period(None, y, freq)[0]


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
        and c.strength >= NEAR * best.strength
    ]
    if divisors:
        best = min(divisors, key=lambda c: c.period)
    return best if best.strength >= threshold else None


def describe_period(period: int | None, source: str) -> str:
    """A period and why, for summaries: ``period 12 (given)``, ``period 12 (calendar's,
    seasonal: ACF(12) ...)``, ``no seasonal period (calendar's 12 not seasonal: ...)``."""
    if period:
        return f"period {period} ({source})"
    return f"no seasonal period ({source})"


def resolve_period(
    period: int | None, y: np.ndarray, freq: str | None, model_decides: bool = False
) -> tuple[int | None, str]:
    """The seasonal period every model uses, and why: the given one, else the rule of
    :func:`detect_seasonality` on ``y`` (the training data) after the differences the KPSS
    test asks for (as auto-ARIMA chooses d).

    ``model_decides``: the model chooses between seasonal and non-seasonal forms itself (ets
    by AICc, auto-arima by the OCSB test and AICc, theta by the M3 test), so it gets the
    calendar's period whenever the data hold two cycles of it, also when the rule's test says
    not seasonal, with the test's numbers in the reason: R's ``forecast`` does so, and on 300
    M3 series it cost ets and auto-arima 2 % of MASE on the monthly ones to withhold it
    (bench/RESULTS.md)."""
    if period is not None:
        return period, "given"
    from forecast.diagnostics.stationarity import kpss_differences

    y = np.asarray(y, dtype="float64")
    d = kpss_differences(y) if y.size >= KPSS_MIN_OBS else 0
    found = detect_seasonality(y, freq, differences=d, strength=False)
    if model_decides and found.period is None and found.calendar_test is not None:
        return found.calendar_test.period, f"calendar's, left to the model: {found.reason}"
    return found.period, found.reason
