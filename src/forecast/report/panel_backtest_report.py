"""The report of a panel backtest (Markdown or HTML, self-contained): how it was made, the
metrics aggregated over series, their distribution over series, every series sorted worst first,
a few series drawn with their forecasts, the pooled --ci / --compare sections and the failures."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from forecast.report.backtest_report import (
    Section,
    Table,
    render_sections,
    report_format,
    write_document,
)
from forecast.report.formatting import num

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from forecast.backtesting.panel_backtest import PanelBacktest

DISTRIBUTION_METRICS = ("mase", "smape", "mae")
DRAWN_SERIES = 3


def render_panel_report(result: PanelBacktest, fmt: str) -> bytes:
    return render_sections(_sections(result), fmt, "Panel backtest report")


def write_panel_report(result: PanelBacktest, path: str | Path) -> Path:
    report_format(path)
    return write_document(_sections(result), path, "Panel backtest report")


def _sections(result: PanelBacktest) -> list[Section]:
    from forecast.report.backtest_plots import forecasts_figure
    from forecast.report.plots import figure_bytes

    c = result.setup
    d = c.data
    sections: list[Section] = [
        (
            "How this was made",
            [
                f"Command: `{c.command}`" if c.command else "Command: (library call)",
                "Versions: " + ", ".join(f"{k} {v}" for k, v in c.versions.items()) + ".",
                f"Panel: {d['source']}, id column {d['id_col']}, {d['n_usable']} of "
                f"{d['n_series']} series backtested, lengths {d['min_length']} .. "
                f"{d['max_length']}, frequency {d['freq']}.",
                f"Scheme: {c.scheme}, applied to every series on its own; refit policy: {c.refit}.",
                "Models: "
                + "; ".join(
                    f"{m['label']} = {m['model']} {m['params'] or ''}".strip() for m in c.models
                )
                + ".",
                f"Aggregation: {c.aggregation}.",
            ],
        ),
        ("Mean over series", [_aggregate_table(result, "mean")]),
        ("Median over series", [_aggregate_table(result, "median")]),
        ("Share of series on which each model is best", [_aggregate_table(result, "share_best")]),
    ]
    figure = distribution_figure(result)
    if figure is not None:
        sections.append(
            (
                "Distribution over series",
                ["Each box is one model's per-series values of the metric.", figure_bytes(figure)],
            )
        )
    leader, rows = result.worst_series()
    if rows:
        header = ["id", *result.labels]
        sections.append(
            (
                f"Series, worst first (MASE of {leader}, the best model on average)",
                [
                    (
                        "table",
                        header,
                        [[r["id"], *(num(r[m], 4) for m in result.labels)] for r in rows],
                        [[False] * len(header) for _ in rows],
                    )
                ],
            )
        )
        by_id = {s.id: s for s in result.scored()}
        picks = [rows[0]["id"], rows[len(rows) // 2]["id"], rows[-1]["id"]][:DRAWN_SERIES]
        drawn: list[str | bytes | Table] = [
            "The worst, the median and the best series by that MASE, with every model's "
            "forecast path from each origin (all its lead times, a dot at the first) as its own "
            "line: forecasts made at different origins are never joined."
        ]
        for sid in dict.fromkeys(picks):
            series = by_id[sid].result
            if series is not None:
                drawn += [f"Series {sid}:", figure_bytes(forecasts_figure(series))]
        sections.append(("Some series and their forecasts", drawn))
    sections += _pooled_sections(result)
    failures = result.failures()
    if failures:
        sections.append(
            (
                "Failures",
                [
                    f"{f['id']}: {f.get('model', 'series')} ({f['stage']}): {f['error']}"
                    for f in failures
                ],
            )
        )
    return sections


def _aggregate_table(result: PanelBacktest, stat: str) -> Table:
    rows = result.aggregate()
    metrics = list(dict.fromkeys(r["metric"] for r in rows))
    values = {(r["model"], r["metric"]): r[stat] for r in rows}
    body = [[label, *(num(values.get((label, m)), 4) for m in metrics)] for label in result.labels]
    return ("table", ["model", *metrics], body, [[False] * (len(metrics) + 1) for _ in body])


def _pooled_sections(result: PanelBacktest) -> list[Section]:
    from forecast.report.backtest_report import comparison_section

    out: list[Section] = []
    ci = result.ci
    if ci is not None:
        header = ["model", "metric", "estimate", "lower", "upper"]
        rows = [
            [
                r.model,
                r.metric,
                num(r.interval.estimate, 4),
                num(r.interval.lower, 4),
                num(r.interval.upper, 4),
            ]
            for r in ci.intervals
        ]
        out.append(
            (
                f"{ci.settings.level:g}% confidence intervals on the pooled {ci.scaling} losses "
                "(not the mean over series)",
                [
                    pooled_estimate_note(ci.scaling, ci.left_out),
                    ci.pooling or "",
                    ("table", header, rows, [[False] * 5 for _ in rows]),
                ],
            )
        )
    comparison = result.comparison
    if comparison is not None:
        title, body = comparison_section(comparison)
        out.append(
            (
                f"{title} (pooled {comparison.scaling} losses)",
                [
                    comparison.pooling or "",
                    loss_note(comparison.scaling, comparison.left_out),
                    *body,
                ],
            )
        )
    return out


def pooled_estimate_note(scaling: str, left_out: int) -> str:
    """What a pooled interval's estimate is, and why it is not the headline mean over series."""
    return (
        "Each estimate is its metric computed once over every origin of every series together "
        "(each origin weighs the same); its interval comes from a block bootstrap of those "
        "pooled per-origin losses. It is not the 'Mean over series' above, which averages each "
        "series' own metric (each series weighs the same): the two differ when series have "
        "different numbers of origins and, for RMSE and RMSSE, always (the root of a pooled "
        "mean square is not the mean of the series' roots). "
        + loss_note(scaling, left_out)
        + (" MSIS is the interval score over the same MAE scale (M4)." if scaling != "raw" else "")
    )


def loss_note(scaling: str, left_out: int) -> str:
    """The losses a pooled section works on, in a sentence."""
    if scaling == "raw":
        return (
            "Raw losses, in the data's unit: pooled over series of different levels, the "
            "largest series decide these numbers (--compare-loss scaled makes them scale-free)."
        )
    dropped = (
        f" {left_out} origins whose training data has a naive scale of 0 or none were left out."
        if left_out
        else ""
    )
    return (
        "Scaled losses: each origin's absolute (squared) errors divided by the naive MAE (MSE) "
        "of that origin's own training data, as MASE (RMSSE) does, so that every series weighs "
        "alike whatever its level (--compare-loss raw gives the losses in the data's unit)."
        + dropped
    )


def distribution_figure(result: PanelBacktest) -> Figure | None:
    """Box plots of each metric's per-series values, one box per model."""
    from matplotlib.figure import Figure

    per_series = result.per_series()
    metrics = [m for m in DISTRIBUTION_METRICS if any(r["metric"] == m for r in per_series)]
    if not metrics:
        return None
    fig = Figure(figsize=(4 * len(metrics), 3.2), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(metrics)))
    for ax, metric in zip(axes, metrics, strict=True):
        data = []
        for label in result.labels:
            values = [
                r["value"]
                for r in per_series
                if r["model"] == label and r["metric"] == metric and r["value"] is not None
            ]
            data.append([v for v in values if np.isfinite(v)])
        ax.boxplot(data, tick_labels=result.labels)
        ax.set_title(metric.upper(), fontsize=9)
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    return fig
