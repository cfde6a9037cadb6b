"""Rich tables for `forecast fit`, `forecast predict` and `forecast models`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from forecast.models.base import level_label
from forecast.report.formatting import num, pvalue

if TYPE_CHECKING:
    from rich.console import RenderableType

    from forecast.fitting.series import ForecastRun
    from forecast.models.base import Forecast, ModelSummary
    from forecast.models.registry import ModelSpec


def run_tables(run: ForecastRun) -> list[RenderableType]:
    return [summary_table(run.summary, run.extra), forecast_table(run.forecast)]


def summary_table(summary: ModelSummary, extra: dict[str, Any] | None = None) -> RenderableType:
    parts: list[RenderableType] = [Text(f"{summary.model}: {summary.description}", style="bold")]
    details = {
        k: v for k, v in summary.extra.items() if k in ("selection", "estimation", "selected_lags")
    }
    shown = {k: v for k, v in (extra or {}).items() if k != "config"}  # threads: JSON only
    for key, value in {**details, **shown}.items():
        if isinstance(value, dict):  # e.g. the conformal calibration's sizes
            value = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in value.items())
        parts.append(Text(f"{key.replace('_', ' ')}: {value}"))
    if summary.coefficients:
        table = Table(title="Coefficients", title_justify="left")
        for name in ("name", "value", "std. error", "z"):
            table.add_column(name, justify="left" if name == "name" else "right")
        for c in summary.coefficients:
            z = c.value / c.se if c.se else None
            table.add_row(c.name, num(c.value, 5), num(c.se, 4), num(z, 3))
        parts.append(table)
    if summary.stats:
        stats = "  ".join(f"{k} {num(v, 6)}" for k, v in summary.stats.items())
        parts.append(Text(stats))
    if summary.residual_ljung_box:
        lb = ", ".join(
            f"Q({q['lag']})={num(q['statistic'], 4)} p={pvalue(q['pvalue'])}"
            for q in summary.residual_ljung_box
        )
        parts.append(Text(f"residual Ljung-Box (standardised residuals): {lb}"))
    return Group(*parts)


def forecast_table(forecast: Forecast) -> RenderableType:
    table = Table(title="Forecast", title_justify="left")
    table.add_column("timestamp")
    table.add_column("mean", justify="right")
    for level in forecast.levels:
        table.add_column(f"lower {level_label(level)}%", justify="right")
        table.add_column(f"upper {level_label(level)}%", justify="right")
    for p in forecast.probs:
        table.add_column(f"q {p:g}", justify="right")
    for row in forecast.rows():
        stamp = str(row[0]).replace("T00:00:00", "")
        table.add_row(stamp, *(num(v, 6) for v in row[1:]))
    notes = [Text(f"intervals: {forecast.interval_method}", style="dim")]
    if forecast.probs:
        notes.append(Text(f"quantiles: {forecast.quantile_method}", style="dim"))
    return Group(table, *notes)


def models_table(specs: list[ModelSpec]) -> RenderableType:
    table = Table(title="Models", title_justify="left")
    for name in ("model", "family", "what it is", "parameters (default)"):
        table.add_column(name)
    for spec in specs:
        params = ", ".join(f"{p.name} ({_default(p.default)})" for p in spec.params) or "-"
        table.add_row(spec.name, spec.family, spec.summary, params)
    return Group(
        table, Text("set with --param key=value; details: forecast models NAME", style="dim")
    )


def model_params_table(spec: ModelSpec) -> RenderableType:
    table = Table(title=f"{spec.name}: {spec.summary}", title_justify="left")
    for name in ("parameter", "type", "default", "meaning"):
        table.add_column(name)
    for p in spec.params:
        table.add_row(p.name, p.type_name, _default(p.default), p.help)
    if not spec.params:
        return Text(f"{spec.name}: {spec.summary} (no parameters)")
    return table


def _default(value: Any) -> str:
    if value is None:
        return "auto"
    if isinstance(value, (tuple, list)):
        return ",".join(map(str, value))
    return str(value).lower() if isinstance(value, bool) else str(value)
