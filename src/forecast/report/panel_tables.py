"""Rich tables for a panel run on the terminal: the first series' forecasts and a summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from forecast.models.base import level_label
from forecast.report.formatting import num

if TYPE_CHECKING:
    from rich.console import RenderableType

    from forecast.fitting.panel import SeriesOutcome


def panel_forecast_tables(
    shown: list[SeriesOutcome], more: int, levels: tuple[float, ...], summary: dict[str, Any]
) -> list[RenderableType]:
    table = Table(title="Forecasts", title_justify="left")
    for name in ("id", "model", "timestamp", "mean"):
        table.add_column(name, justify="left" if name != "mean" else "right")
    for level in levels:
        table.add_column(f"lower {level_label(level)}", justify="right")
        table.add_column(f"upper {level_label(level)}", justify="right")
    probs = shown[0].forecast.probs if shown and shown[0].forecast is not None else ()
    for p in probs:
        table.add_column(f"q {p:g}", justify="right")
    for outcome in shown:
        assert outcome.forecast is not None
        for i, row in enumerate(outcome.forecast.rows()):
            first = i == 0
            stamp, *numbers = row
            table.add_row(
                outcome.id if first else "",
                outcome.row_model if first else "",
                str(stamp)[:19].replace("T00:00:00", ""),
                *(num(v, 4) for v in numbers),
            )
    parts: list[RenderableType] = [table]
    if more:
        parts.append(
            Text(f"... and {more} more series: --format csv or --output FILE.parquet for all")
        )
    parts.append(Text(summary_line(summary)))
    return parts


def summary_line(summary: dict[str, Any]) -> str:
    s = summary["summary"]
    text = f"{s['forecast']} of {s['series']} series forecast"
    if s.get("models"):
        n, k = s["series"], s["models"]
        text = f"{s['forecast']} of {n * k} forecasts made ({n} series x {k} models)"
    if s.get("fallback"):
        text += f", {s['fallback']} by the fallback model"
    if s.get("failed"):
        text += f", {s['failed']} failed (see failures)"
    return text
