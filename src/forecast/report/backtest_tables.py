"""Rich tables for `forecast backtest`: models x metrics, error by lead time, CPCV paths."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from forecast.backtest.scoring import best_value
from forecast.report.formatting import num

if TYPE_CHECKING:
    from rich.console import RenderableType

    from forecast.backtest.result import BacktestResult

HIGHLIGHT = "bold green"


def backtest_tables(result: BacktestResult) -> list[RenderableType]:
    parts: list[RenderableType] = [_header(result), metrics_table(result), step_table(result)]
    paths = path_table(result)
    if paths is not None:
        parts.append(paths)
    if result.failures or result.notes:
        parts.append(_problems(result))
    return parts


def _header(result: BacktestResult) -> RenderableType:
    c = result.config
    s = c["series"]
    lines = [
        f"{c['scheme']}",
        f"series: {s.get('source', '')} n={s['n']} {s['start'][:10]} .. {s['end'][:10]} "
        f"freq {s['freq']}",
        f"folds: {c['n_folds']}; refit: {c['refit']}; lookback: {c['lookback']} "
        f"({c['lookback_source']}); MASE period: {c['season_period']} "
        f"({c['season_period_source']})",
    ]
    return Text("\n".join(lines))


def metrics_table(result: BacktestResult) -> RenderableType:
    overall = result.overall()
    table = Table(
        title="Accuracy over all folds (best per column highlighted)", title_justify="left"
    )
    table.add_column("model")
    if overall.empty:
        return Text("no model produced a forecast", style="bold red")
    for metric in overall.columns:
        table.add_column(metric, justify="right")
    best = {
        m: best_value(m, {str(k): v for k, v in overall[m].items()}, result.levels)
        for m in overall.columns
    }
    for label, row in overall.iterrows():
        cells = []
        for metric in overall.columns:
            value = row[metric]
            text = Text(num(value, 4))
            if best[metric] is not None and value == best[metric]:
                text.stylize(HIGHLIGHT)
            cells.append(text)
        table.add_row(str(label), *cells)
    return Group(
        table,
        Text(
            "mase/rmsse: scaled by each origin's own training data; coverage: share inside the "
            "interval (nominal = its level); bias = mean(forecast - actual)",
            style="dim",
        ),
    )


def step_table(result: BacktestResult, metric: str = "mae") -> RenderableType:
    frame = result.by_step(metric)
    table = Table(title=f"{metric.upper()} by lead time", title_justify="left")
    table.add_column("step", justify="right")
    if frame.empty:
        return Text("")
    for label in frame.columns:
        table.add_column(str(label), justify="right")
    for step, row in frame.iterrows():
        values = {str(k): float(v) for k, v in row.items()}
        best = best_value(metric, values, result.levels)
        cells = [Text(num(v, 4), style=HIGHLIGHT if v == best else "") for v in values.values()]
        table.add_row(str(step), *cells)
    return table


def path_table(result: BacktestResult, metric: str = "mae") -> RenderableType | None:
    rows = [r for r in result.metrics if r["scope"] == "paths" and r["metric"] == metric]
    if not rows:
        return None
    stats = list(dict.fromkeys(r["key"] for r in rows))
    table = Table(title=f"{metric.upper()} over the CPCV backtest paths", title_justify="left")
    table.add_column("model")
    for stat in stats:
        table.add_column(stat, justify="right")
    for label in result.labels:
        values = {r["key"]: r["value"] for r in rows if r["model"] == label}
        if values:
            table.add_row(label, *(num(values.get(s), 4) for s in stats))
    return table


def _problems(result: BacktestResult) -> RenderableType:
    lines = []
    for failure in result.failures:
        folds = failure["folds"]
        where = f"fold {folds[0]}" if len(folds) == 1 else f"folds {folds[0]}..{folds[-1]}"
        lines.append(
            Text(f"failed: {failure['model']} on {where}: {failure['error']}", style="red")
        )
    lines += [Text(f"note: {note}", style="dim") for note in result.notes]
    return Group(*lines)
