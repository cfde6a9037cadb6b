"""Rich tables for `forecast backtest` on a panel: metrics aggregated over series, the worst
series, the pooled --ci / --compare sections, and the failures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from forecast.backtesting.scoring import best_value
from forecast.report.backtest_tables import HIGHLIGHT, ci_table, comparison_tables
from forecast.report.formatting import num

if TYPE_CHECKING:
    from rich.console import RenderableType

    from forecast.backtesting.panel_backtest import PanelBacktest

SHOWN_METRICS = ("mae", "rmse", "smape", "mase", "rmsse")
WORST_SHOWN = 10


def panel_backtest_tables(result: PanelBacktest) -> list[RenderableType]:
    parts: list[RenderableType] = [
        _header(result),
        aggregate_table(result, "mean"),
        aggregate_table(result, "median"),
        aggregate_table(result, "share_best"),
    ]
    worst = worst_series_table(result)
    if worst is not None:
        parts.append(worst)
    if result.hierarchy is not None:
        parts.append(level_table(result))
    if result.ci is not None:
        parts.append(ci_table(result.ci))
    if result.comparison is not None:
        parts += comparison_tables(result.comparison)
    failures = result.failures()
    if failures:
        parts.append(Text(f"{len(failures)} failures: see the warnings (and JSON 'failures')"))
    return parts


def level_table(result: PanelBacktest, metric: str = "mase") -> RenderableType:
    """``--hierarchy``: each level's mean ``metric`` over its nodes, a column per model (the
    base models and their reconciled twins), the best per level highlighted."""
    rows = [r for r in result.hierarchy.rows if r["metric"] == metric]
    levels = list(dict.fromkeys(r["level"] for r in rows))
    table = Table(title=f"Mean {metric} per level of the hierarchy", title_justify="left")
    table.add_column("level")
    for label in result.labels:
        table.add_column(label, justify="right")
    for level in levels:
        values = {r["model"]: r["mean"] for r in rows if r["level"] == level}
        best = best_value(metric, values, result.levels)
        cells = [
            Text(num(values.get(m), 4), style=HIGHLIGHT if values.get(m) == best else "")
            for m in result.labels
        ]
        table.add_row(level, *cells)
    return table


def _header(result: PanelBacktest) -> RenderableType:
    c = result.setup
    d = c.data
    return Text(
        f"{c.scheme}\n"
        f"panel: {d['source']} {d['n_usable']} series backtested of {d['n_series']} "
        f"(lengths {d['min_length']}..{d['max_length']}, freq {d['freq']})\n"
        f"aggregation: {c.aggregation}"
    )


def aggregate_table(result: PanelBacktest, stat: str) -> RenderableType:
    rows = result.aggregate()
    metrics = [m for m in dict.fromkeys(r["metric"] for r in rows) if _shown(m)]
    titles = {
        "mean": "Mean over series (best per column highlighted)",
        "median": "Median over series",
        "share_best": "Share of series on which the model is best",
    }
    table = Table(title=titles[stat], title_justify="left")
    table.add_column("model")
    for m in metrics:
        table.add_column(m, justify="right")
    table.add_column("series", justify="right")
    values: dict[tuple[str, str], Any] = {(r["model"], r["metric"]): r for r in rows}
    best = {}
    for m in metrics:
        column = {
            label: values[(label, m)][stat] for label in result.labels if (label, m) in values
        }
        if stat == "share_best":
            finite = [v for v in column.values() if v is not None]
            best[m] = max(finite) if finite else None
        else:
            best[m] = best_value(m, column, result.levels)
    for label in result.labels:
        cells = []
        n = 0
        for m in metrics:
            row = values.get((label, m))
            value = row[stat] if row else None
            n = max(n, row["n_series"] if row else 0)
            text = Text(num(value, 4))
            if value is not None and value == best[m]:
                text.stylize(HIGHLIGHT)
            cells.append(text)
        table.add_row(label, *cells, str(n))
    return table


def _shown(metric: str) -> bool:
    return metric in SHOWN_METRICS or metric.startswith("coverage_")


def worst_series_table(result: PanelBacktest, metric: str = "mase") -> RenderableType | None:
    leader, rows = result.worst_series(metric)
    if not rows:
        return None
    table = Table(
        title=f"Worst series by {metric.upper()} of {leader} (the best model on average)",
        title_justify="left",
    )
    table.add_column("id")
    for label in result.labels:
        table.add_column(label, justify="right")
    for r in rows[:WORST_SHOWN]:
        table.add_row(r["id"], *(num(r[label], 4) for label in result.labels))
    more = len(rows) - WORST_SHOWN
    if more > 0:
        return Group(table, Text(f"... {more} more series in --format json/csv", style="dim"))
    return table
