"""Rich tables for `forecast diagnose`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from forecast.diagnostics.stationarity import SkippedTest
from forecast.report.formatting import num, pvalue

if TYPE_CHECKING:
    from rich.console import RenderableType

    from forecast.diagnostics.diagnose import Diagnosis


def diagnosis_tables(d: Diagnosis) -> list[RenderableType]:
    return [_summary(d), _correlogram(d), _ljung_box(d), _tests(d), _seasonality(d)]


def _summary(d: Diagnosis) -> Table:
    s = d.series
    table = Table(title="Series", show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value")
    table.add_row("source", f"{s.source} ({s.time_col} -> {s.value_col})")
    table.add_row("span", f"{d.y.index[0]} .. {d.y.index[-1]}, n={d.y.size}, freq {s.freq}")
    table.add_row("transform", d.transform)
    diff = d.differencing
    seasonal = f", D={diff.seasonal_d} ({diff.seasonal_d_test}, m={diff.period})" if diff.period else ""
    table.add_row("suggested differencing", f"d={diff.d} ({diff.d_test}){seasonal}")
    season = d.seasonality
    if season.period:
        table.add_row(
            "seasonal period",
            f"{season.period} ({season.source}), STL strength {num(season.stl_strength, 3)}",
        )
    else:
        table.add_row("seasonal period", "none detected")
    return table


def _correlogram(d: Diagnosis) -> Table:
    c = d.correlogram
    title = (
        f"ACF ({c.acf_method}, Bartlett band) and PACF ({c.pacf_method}, band "
        f"{num(c.pacf_band, 3)}), {1 - c.alpha:.0%} level, lags 1..{c.nlags} ({c.lag_rule})"
    )
    table = Table(title=title, title_justify="left")
    for name in ("lag", "acf", "band", "pacf", ""):
        table.add_column(name, justify="right")
    for k in range(c.nlags):
        marks = ("A" if abs(c.acf[k]) > c.acf_band[k] else " ") + (
            "P" if abs(c.pacf[k]) > c.pacf_band else " "
        )
        table.add_row(
            str(k + 1),
            _signif(c.acf[k], abs(c.acf[k]) > c.acf_band[k]),
            num(c.acf_band[k], 3),
            _signif(c.pacf[k], abs(c.pacf[k]) > c.pacf_band),
            marks,
        )
    table.caption = "A / P: outside the band (significant)"
    return table


def _signif(value: float, significant: bool) -> Text:
    return Text(f"{value:+.3f}", style="bold" if significant else "")


def _ljung_box(d: Diagnosis) -> Table:
    table = Table(title="Ljung-Box (H0: no autocorrelation up to the lag)", title_justify="left")
    for name in ("lag", "Q", "df", "p-value"):
        table.add_column(name, justify="right")
    for q in d.ljung_box:
        table.add_row(str(q.lag), num(q.statistic, 5), str(q.df), pvalue(q.pvalue))
    return table


def _tests(d: Diagnosis) -> Table:
    table = Table(title=f"Stationarity tests (trend '{_trend(d)}')", title_justify="left")
    for name, justify in (("test", "left"), ("H0", "left"), ("statistic", "right"),
                          ("p-value", "right"), ("lags", "right"), ("1% / 5% / 10%", "right"),
                          ("verdict", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for t in d.tests:
        if isinstance(t, SkippedTest):
            table.add_row(t.name, "", "", "", "", "", f"skipped: {t.reason}")
            continue
        cv = " / ".join(num(t.critical_values.get(k), 3) for k in ("1%", "5%", "10%"))
        verdict = t.verdict
        if "break_index" in t.extra:
            verdict += f"; break at {d.y.index[t.extra['break_index']].date()}"
        table.add_row(t.name, t.null, num(t.statistic, 5), pvalue(t.pvalue), str(t.lags), cv, verdict)
    return table


def _trend(d: Diagnosis) -> str:
    return next((t.trend for t in d.tests if not isinstance(t, SkippedTest)), "c")


def _seasonality(d: Diagnosis) -> Table:
    s = d.seasonality
    table = Table(
        title=f"Seasonal period candidates (on the series differenced {s.differences}x; "
        f"score = classical seasonal strength, seasonal at >= {s.threshold})",
        title_justify="left",
    )
    for name in ("period", "found by", "score"):
        table.add_column(name, justify="right")
    for c in s.candidates:
        mark = " *" if c.period == s.period else ""
        table.add_row(f"{c.period}{mark}", ", ".join(c.sources), num(c.strength, 3))
    return table
