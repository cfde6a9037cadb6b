"""`forecast diagnose` on a panel: one summary row per series.

Each row is computed by the same functions as the single-series report, on that series alone:
suggested d (repeated KPSS) and D (OCSB), the seasonal period (given or detected) and its STL
strength, and the ADF and KPSS verdicts at ``alpha`` (the trend, lag and alpha options apply).
The other tests (Phillips-Perron, Zivot-Andrews, DF-GLS) and the correlogram are in the full
report of one series (``diagnose --id X``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from forecast.data import Panel, SeriesData
from forecast.diagnostics.diagnose import MIN_OBS, DiagnoseOptions
from forecast.execution import Executor
from forecast.execution.executor import SeriesTasks

SUMMARY_TESTS = ("ADF", "KPSS")
SUMMARY_COLUMNS = (
    "id",
    "n",
    "start",
    "end",
    "freq",
    "d",
    "D",
    "period",
    "strength",
    "adf_stationary",
    "adf_pvalue",
    "kpss_stationary",
    "kpss_pvalue",
    "error",
)


@dataclass(frozen=True)
class SeriesSummary:
    """One series' row; ``error`` says why it could not be diagnosed (the rest then empty)."""

    id: str
    n: int
    start: str
    end: str
    freq: str
    d: int | None = None
    D: int | None = None
    period: int | None = None
    strength: float | None = None
    adf_stationary: bool | None = None
    adf_pvalue: float | None = None
    kpss_stationary: bool | None = None
    kpss_pvalue: float | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in SUMMARY_COLUMNS}

    def row(self) -> list[Any]:
        return [getattr(self, name) for name in SUMMARY_COLUMNS]


def summarise_one(task: tuple[SeriesData, DiagnoseOptions]) -> SeriesSummary:
    """The summary row of one series (see the module doc)."""
    from forecast.diagnostics.diagnose import transformed
    from forecast.diagnostics.seasonality import detect_seasonality
    from forecast.diagnostics.stationarity import (
        SkippedTest,
        run_tests,
        suggest_differencing,
    )
    from forecast.errors import describe_error

    series, options = task
    y = series.y
    base = SeriesSummary(
        id=series.id or "",
        n=int(y.size),
        start=y.index[0].isoformat(),
        end=y.index[-1].isoformat(),
        freq=series.freq,
    )
    try:
        x = transformed(series, options)[0].to_numpy()
        first_d = suggest_differencing(x, None, options.alpha).d
        seasonality = detect_seasonality(x, series.freq, first_d, options.period)
        differencing = suggest_differencing(x, seasonality.period, options.alpha)
        tests = run_tests(x, options.trend, options.alpha, options.adf_lags, SUMMARY_TESTS)
    except Exception as exc:  # one series' failure never stops the others
        return SeriesSummary(**{**base.__dict__, "error": describe_error(exc)})
    found = {t.name: t for t in tests if not isinstance(t, SkippedTest)}
    adf, kpss = found.get("ADF"), found.get("KPSS")
    return SeriesSummary(
        **{
            **base.__dict__,
            "d": differencing.d,
            "D": differencing.seasonal_d,
            "period": seasonality.period,
            "strength": seasonality.stl_strength,
            "adf_stationary": adf.stationary if adf else None,
            "adf_pvalue": adf.pvalue if adf else None,
            "kpss_stationary": kpss.stationary if kpss else None,
            "kpss_pvalue": kpss.pvalue if kpss else None,
        }
    )


def diagnose_panel(
    panel: Panel, options: DiagnoseOptions, executor: Executor
) -> Iterator[SeriesSummary]:
    """Every series' summary row, in id order, as each finishes."""
    yield from executor.map(summarise_one, SeriesTasks(panel, options))


__all__ = ["MIN_OBS", "SUMMARY_COLUMNS", "SeriesSummary", "diagnose_panel", "summarise_one"]
