"""Rich tables for `forecast diagnose`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from forecast.diagnostics.stationarity import SkippedTest
from forecast.report.formatting import num, pvalue

if TYPE_CHECKING:
    from rich.console import RenderableType

    from forecast.diagnostics.diagnose import Diagnosis
    from forecast.diagnostics.panel_summary import SeriesSummary


def diagnosis_tables(d: Diagnosis) -> list[RenderableType]:
    tables: list[RenderableType] = [
        _summary(d),
        _correlogram(d),
        _ljung_box(d),
        _tests(d),
        _seasonality(d),
    ]
    if d.notes:
        tables.append(Text("Notes\n" + "\n".join(f"- {note}" for note in d.notes)))
    return tables


def _summary(d: Diagnosis) -> Table:
    s = d.series
    table = Table(title="Series", show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value")
    table.add_row("source", f"{s.source} ({s.time_col} -> {s.value_col})")
    table.add_row(
        "span", f"{_when(d.y.index[0])} .. {_when(d.y.index[-1])}, n={d.y.size}, freq {s.freq}"
    )
    table.add_row("transform", d.transform)
    diff = d.differencing
    seasonal = (
        f", D={diff.seasonal_d} ({diff.seasonal_d_test}, m={diff.period})" if diff.period else ""
    )
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


def _when(stamp: object) -> str:
    text = str(stamp)
    return text[:-9] if text.endswith(" 00:00:00") else text


def _correlogram(d: Diagnosis) -> Group:
    c = d.correlogram
    table = Table(title="Autocorrelation", title_justify="left")
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
    return _noted(
        table,
        f"acf: {c.acf_method}, band: Bartlett; pacf: {c.pacf_method}, band: z/sqrt(n); "
        f"{1 - c.alpha:.0%} level; lags 1..{c.nlags} ({c.lag_rule}); A / P: outside the band",
    )


def _noted(table: Table, note: str) -> Group:
    """A table with a line of explanation under it, at full width (captions wrap narrow)."""
    return Group(table, Text(note, style="dim"))


def _signif(value: float, significant: bool) -> Text:
    return Text(f"{value:+.3f}", style="bold" if significant else "")


def _ljung_box(d: Diagnosis) -> Group:
    table = Table(title="Ljung-Box", title_justify="left")
    for name in ("lag", "Q", "df", "p-value"):
        table.add_column(name, justify="right")
    for q in d.ljung_box:
        table.add_row(str(q.lag), num(q.statistic, 5), str(q.df), pvalue(q.pvalue))
    return _noted(table, "H0: no autocorrelation up to the lag; p-value from chi-squared(df)")


def _tests(d: Diagnosis) -> Group:
    table = Table(title=f"Stationarity tests (trend '{_trend(d)}')", title_justify="left")
    for name, justify in (
        ("test", "left"),
        ("H0", "left"),
        ("statistic", "right"),
        ("p-value", "right"),
        ("lags", "right"),
        ("1% / 5% / 10%", "right"),
        ("verdict", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for t in d.tests:
        if isinstance(t, SkippedTest):
            table.add_row(t.name, "", "", "", "", "", f"skipped: {t.reason}")
            continue
        cv = " / ".join(num(t.critical_values.get(k), 3) for k in ("1%", "5%", "10%"))
        verdict = t.verdict
        if "break_index" in t.extra:
            verdict += f"; break at {d.y.index[t.extra['break_index']].date()}"
        shown = {"smaller": "<", "greater": ">"}.get(t.pvalue_bound or "", "") + pvalue(t.pvalue)
        table.add_row(t.name, t.null, num(t.statistic, 5), shown, str(t.lags), cv, verdict)
    return _noted(table, "p-values: MacKinnon (ADF, PP, DF-GLS), lookup tables (KPSS, ZA)")


def _trend(d: Diagnosis) -> str:
    return next((t.trend for t in d.tests if not isinstance(t, SkippedTest)), "c")


def _seasonality(d: Diagnosis) -> Group:
    s = d.seasonality
    table = Table(title="Seasonal period candidates", title_justify="left")
    for name in ("period", "found by", "score"):
        table.add_column(name, justify="right")
    for c in s.candidates:
        mark = " *" if c.period == s.period else ""
        table.add_row(f"{c.period}{mark}", ", ".join(c.sources), num(c.strength, 3))
    return _noted(
        table,
        f"computed on the series differenced {s.differences}x; score: classical seasonal "
        f"strength; seasonal at >= {s.threshold}; * chosen",
    )


def panel_summary_table(rows: Sequence[SeriesSummary], alpha: float) -> RenderableType:
    """One row per series of a panel (``forecast diagnose`` on a panel)."""
    table = Table(title=f"Series (verdicts at {alpha:.0%})", title_justify="left")
    for name in ("id", "n", "start", "end", "d", "D", "period", "strength", "ADF", "KPSS"):
        table.add_column(name, justify="left" if name in ("id", "start", "end") else "right")

    def verdict(stationary: bool | None) -> str:
        return "-" if stationary is None else ("stationary" if stationary else "unit root")

    for r in rows:
        if r.error is not None:
            table.add_row(r.id, str(r.n), r.start[:10], r.end[:10], f"error: {r.error}")
            continue
        table.add_row(
            r.id,
            str(r.n),
            r.start[:10],
            r.end[:10],
            str(r.d),
            "-" if r.D is None else str(r.D),
            "-" if r.period is None else str(r.period),
            num(r.strength, 3),
            verdict(r.adf_stationary),
            verdict(r.kpss_stationary),
        )
    return table
