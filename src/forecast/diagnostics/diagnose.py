"""`forecast diagnose`: every diagnostic on one series, as one result object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecast.data import SeriesData
from forecast.diagnostics.acf import Correlogram, LjungBox, correlogram, ljung_box, ljung_box_lags
from forecast.diagnostics.seasonality import Seasonality, detect_seasonality
from forecast.diagnostics.stationarity import (
    Differencing,
    SkippedTest,
    TestResult,
    run_tests,
    suggest_differencing,
)
from forecast.errors import InputError, UsageError
from forecast.types import AcfMethod, PacfMethod, TrendSpec

MIN_OBS = 10


@dataclass(frozen=True)
class DiagnoseOptions:
    """What `forecast diagnose` computes; the defaults are the CLI's."""

    lags: int | None = None
    acf_method: AcfMethod = "standard"
    pacf_method: PacfMethod = "ywm"
    alpha: float = 0.05
    trend: TrendSpec = "c"
    adf_lags: int | None = None
    period: int | None = None
    log: bool = False
    diff: int = 0
    tests: tuple[str, ...] | None = None  # names from stationarity.TESTS; None: all of them

    def __post_init__(self) -> None:
        if not 0.001 <= self.alpha <= 0.5:  # False for NaN too
            raise UsageError(
                f"--alpha must be a significance level between 0.001 and 0.5, got {self.alpha}"
            )


@dataclass(frozen=True)
class Diagnosis:
    """The diagnostics of one series; ``to_dict`` is the JSON document, ``to_rows`` the CSV."""

    series: SeriesData
    transform: str
    y: pd.Series  # the series the diagnostics were computed on (after --log / --diff)
    correlogram: Correlogram
    ljung_box: list[LjungBox]
    tests: list[TestResult | SkippedTest]
    differencing: Differencing
    seasonality: Seasonality

    @property
    def notes(self) -> list[str]:
        """What was approximated or could not be measured, once each: the approximations of the
        tests (lag-search caps), of the seasonal test and of the seasonality (subsamples, the
        calendar's period kept). A skipped test says why in its own row."""
        notes: list[str] = []
        for test in self.tests:
            if isinstance(test, TestResult):
                notes += [f"{test.name}: {n}" for n in test.notes if n.startswith("approximation")]
        notes += list(self.differencing.notes) + list(self.seasonality.notes)
        return list(dict.fromkeys(notes))

    def to_dict(self) -> dict[str, Any]:
        c = self.correlogram
        return {
            "series": {
                **self.series.describe(),
                "transform": self.transform,
                "n_used": self.y.size,
            },
            "correlogram": c.to_dict(),
            "acf": c.acf.tolist(),
            "acf_band": c.acf_band.tolist(),
            "pacf": c.pacf.tolist(),
            "pacf_band": c.pacf_band,
            "significant_acf_lags": c.significant_acf_lags,
            "significant_pacf_lags": c.significant_pacf_lags,
            "ljung_box": [q.to_dict() for q in self.ljung_box],
            "tests": [self._test_dict(t) for t in self.tests],
            "differencing": self.differencing.to_dict(),
            "seasonality": self.seasonality.to_dict(),
            "notes": self.notes,
        }

    def _test_dict(self, test: TestResult | SkippedTest) -> dict[str, Any]:
        out = test.to_dict()
        if "break_index" in out:
            out["break_at"] = self.y.index[out["break_index"]].isoformat()
        return out

    def to_rows(self) -> list[tuple[str, str, str, Any]]:
        """Long format: (section, item, statistic, value)."""
        c = self.correlogram
        rows: list[tuple[str, str, str, Any]] = []
        for lag in range(1, c.nlags + 1):
            rows.append(("acf", str(lag), "value", c.acf[lag - 1]))
            rows.append(("acf", str(lag), "band", c.acf_band[lag - 1]))
            rows.append(("pacf", str(lag), "value", c.pacf[lag - 1]))
            rows.append(("pacf", str(lag), "band", c.pacf_band))
        for q in self.ljung_box:
            rows += [("ljung_box", str(q.lag), k, getattr(q, k)) for k in ("statistic", "pvalue")]
        for test in self.tests:
            for key, value in self._test_dict(test).items():
                if key == "critical_values":
                    rows += [("test", test.name, f"cv_{lvl}", v) for lvl, v in value.items()]
                elif key not in ("name", "notes"):
                    rows.append(("test", test.name, key, value))
        for key, value in self.differencing.to_dict().items():
            rows.append(("differencing", "suggested", key, value))
        s = self.seasonality
        rows += [
            ("seasonality", "chosen", "period", s.period),
            ("seasonality", "chosen", "source", s.source),
        ]
        rows.append(("seasonality", "chosen", "stl_strength", s.stl_strength))
        for cand in s.candidates:
            rows.append(("seasonality", str(cand.period), "strength", cand.strength))
            rows.append(("seasonality", str(cand.period), "sources", "+".join(cand.sources)))
        rows += [("notes", str(i), "note", note) for i, note in enumerate(self.notes, 1)]
        return rows


def transformed(series: SeriesData, options: DiagnoseOptions) -> tuple[pd.Series, str]:
    """The series the diagnostics run on (after --log / --diff, at least MIN_OBS long), and
    what was done to it."""
    y, transform = _transform(series.y, options.log, options.diff)
    if y.size < MIN_OBS:
        raise InputError(
            f"{series.source} has {y.size} observations after {transform}; diagnose needs at "
            f"least {MIN_OBS}"
        )
    return y, transform


def diagnose_series(series: SeriesData, options: DiagnoseOptions = DiagnoseOptions()) -> Diagnosis:
    """Correlogram, Ljung-Box, unit-root tests, differencing and seasonality of one series."""
    y, transform = transformed(series, options)
    x = y.to_numpy()
    first_d = suggest_differencing(x, None, options.alpha).d
    seasonality = detect_seasonality(x, series.freq, first_d, options.period)
    gram = correlogram(x, options.lags, options.acf_method, options.pacf_method, options.alpha)
    lb_lags = ljung_box_lags(x.size, seasonality.period)
    standard = gram.acf if options.acf_method == "standard" else None
    return Diagnosis(
        series=series,
        transform=transform,
        y=y,
        correlogram=gram,
        ljung_box=ljung_box(x, lb_lags, acf=standard),
        tests=run_tests(x, options.trend, options.alpha, options.adf_lags, options.tests),
        differencing=suggest_differencing(x, seasonality.period, options.alpha),
        seasonality=seasonality,
    )


def _transform(y: pd.Series, log: bool, diff: int) -> tuple[pd.Series, str]:
    steps = []
    if log:
        if (y <= 0).any():
            i = int(np.argmax((y <= 0).to_numpy()))
            raise InputError(
                f"--log needs positive values; the value at {y.index[i].isoformat()} is "
                f"{y.iloc[i]:g}"
            )
        y = np.log(y)
        steps.append("log")
    if diff:
        y = _difference(y, diff)
        steps.append(f"diff x{diff}")
    return y, " then ".join(steps) if steps else "none"


def _difference(y: pd.Series, times: int) -> pd.Series:
    for _ in range(times):
        y = y.diff().iloc[1:]
    return y
