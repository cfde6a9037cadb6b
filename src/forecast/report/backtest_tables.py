"""Rich tables for `forecast backtest`: models x metrics, error by lead time, CPCV paths."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from forecast.backtesting.scoring import best_value
from forecast.report.formatting import interval_rows, num

if TYPE_CHECKING:
    from rich.console import RenderableType

    from forecast.backtesting.result import BacktestResult
    from forecast.backtesting.uncertainty import BootstrapSummary, Comparison, MetricIntervals

HIGHLIGHT = "bold green"


def backtest_tables(result: BacktestResult) -> list[RenderableType]:
    parts: list[RenderableType] = [_header(result), metrics_table(result), step_table(result)]
    paths = path_table(result)
    if paths is not None:
        parts.append(paths)
    parts += uncertainty_tables(result)
    return parts  # failures and notes go to stderr, once (warning: / note:)


MAIN_METRICS = ("mae", "rmse", "mase")


def uncertainty_tables(result: BacktestResult) -> list[RenderableType]:
    """The --ci, --compare and bootstrap sections, when they were asked for."""
    parts: list[RenderableType] = []
    if result.ci is not None:
        parts.append(ci_table(result.ci))
    if result.comparison is not None:
        parts += comparison_tables(result.comparison)
    if result.bootstrap is not None:
        parts += bootstrap_tables(result.bootstrap, result.labels)
    return parts


def ci_table(ci: MetricIntervals) -> RenderableType:
    rows = ci.intervals
    coverage = [r.metric for r in rows if r.metric.startswith("coverage_")]
    widest = max(coverage, key=lambda m: float(m[9:]), default="")
    shown = {"mae", "rmse", "mase", "smape", widest}
    if ci.scaling == "scaled":
        shown.add("rmsse")
    metrics = [m for m in dict.fromkeys(r.metric for r in rows) if m in shown]
    settings = ci.settings
    title = f"{settings.level:g}% confidence intervals of the metrics"
    if ci.pooling is not None:
        title += f", on the pooled {ci.scaling} losses (not the mean over series)"
    elif ci.scaling == "scaled":
        title += ", on scaled losses"
    table = Table(title=title, title_justify="left")
    table.add_column("model")
    for metric in metrics:
        table.add_column(metric, justify="right")
    for row in interval_rows(rows, metrics):
        table.add_row(*row)
    blocks = sorted({round(r.interval.block_size, 1) for r in rows})
    note = (
        f"{settings.interval} intervals from a {settings.method} block bootstrap of each "
        f"model's per-origin losses ({settings.reps} replicates, block lengths "
        f"{blocks[0]:g}..{blocks[-1]:g} by Politis-White): the range the metric would likely "
        "take on another stretch of history like this one; every metric's interval is in "
        "--format json and --report"
    )
    return Group(table, Text(note, style="dim"))


def comparison_tables(comparison: Comparison) -> list[RenderableType]:
    mcs = comparison.mcs
    table = Table(
        title=f"Model confidence set (size {mcs.size:g}, {comparison.loss})",
        title_justify="left",
    )
    for name in ("model", "mean loss", "MCS p-value", "in the set"):
        table.add_column(name, justify="left" if name == "model" else "right")
    for model, p in mcs.pvalues.items():
        table.add_row(
            model,
            num(mcs.mean_losses[model], 5),
            num(p, 3),
            Text("yes", style=HIGHLIGHT) if model in mcs.included else "no",
        )
    dm = Table(
        title=f"Diebold-Mariano tests, HLN-corrected ({comparison.loss})", title_justify="left"
    )
    for name in ("pair", "step", "DM*", "p-value", "verdict at 5%"):
        dm.add_column(name, justify="left" if name in ("pair", "verdict at 5%") else "right")
    for t in comparison.diebold_mariano:
        verdict = f"{t.winner} better" if t.winner else "no significant difference"
        dm.add_row(
            f"{t.model} vs {t.other}",
            str(t.step),
            num(t.test.hln_statistic, 4),
            num(t.test.p_value, 3),
            verdict,
        )
    note = Text(
        f"in the set = statistically indistinguishable from the best: "
        f"{', '.join(comparison.indistinguishable_from_best)}",
        style="dim",
    )
    return [Group(table, note), dm]


def bootstrap_tables(boot: BootstrapSummary, labels: list[str]) -> list[RenderableType]:
    table = Table(
        title=f"Over {boot.reps} {boot.method} block-bootstrap replicates of the series "
        f"({boot.interval})",
        title_justify="left",
    )
    table.add_column("model")
    for metric in MAIN_METRICS:
        table.add_column(f"{metric} mean", justify="right")
        table.add_column(f"{metric} interval", justify="right")
    for model in labels:
        cells = {d.metric: d for d in boot.distribution if d.model == model}
        row = []
        for metric in MAIN_METRICS:
            d = cells.get(metric)
            row += [num(d.mean, 4), f"[{num(d.lower, 4)}, {num(d.upper, 4)}]"] if d else ["", ""]
        table.add_row(model, *row)
    wins = Table(
        title="Share of replicates where the row model has the lower MAE", title_justify="left"
    )
    wins.add_column("model")
    for other in labels:
        wins.add_column(other, justify="right")
    shares = {(p.model, p.other): p.share_better for p in boot.pairwise if p.metric == "mae"}
    for model in labels:
        wins.add_row(
            model, *(num(shares.get((model, o)), 3) if o != model else "-" for o in labels)
        )
    note = Text(
        f"resampled: {boot.resample} ({boot.reference_model}); block length "
        f"{boot.block_size:.3g} ({boot.block_size_source}); inner scheme: "
        f"{boot.inner_scheme}",
        style="dim",
    )
    return [Group(table, note), wins]


def _header(result: BacktestResult) -> RenderableType:
    c = result.setup
    s = c.series
    lines = [
        f"{c.scheme}",
        f"series: {s.get('source', '')} n={s['n']} {s['start'][:10]} .. {s['end'][:10]} "
        f"freq {s['freq']}",
        f"folds: {c.n_folds}; refit: {c.refit}; lookback: {c.lookback} "
        f"({c.lookback_source}); MASE period: {c.season_period} "
        f"({c.season_period_source})",
    ]
    return Text("\n".join(lines))


def metrics_table(result: BacktestResult) -> RenderableType:
    overall = result.ranked()
    common = result.setup.common_folds
    over = f"the {len(common)} folds every model scored" if common else "all folds"
    table = Table(title=f"Accuracy over {over} (best per column highlighted)", title_justify="left")
    table.add_column("model")
    if overall.empty:
        return Text("no model produced a forecast", style="bold red")
    for metric in overall.columns:
        table.add_column(metric, justify="right")
    table.add_column("folds", justify="right")
    n_folds = result.setup.n_folds
    partial = set(result.partial_models)
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
        scored = result.folds_scored.get(str(label), n_folds)
        folds = f"{scored} of {n_folds} (partial)" if label in partial else str(scored)
        table.add_row(str(label), *cells, Text(folds, style="bold red" if label in partial else ""))
    lines = [
        "mase/rmsse: scaled by each origin's own training data; coverage: share inside the "
        "interval (nominal = its level); bias = mean(forecast - actual)"
    ]
    ranking = result.ranking_note()
    if ranking is not None:
        lines.insert(0, ranking)
    return Group(table, *(Text(line, style="dim") for line in lines))


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
