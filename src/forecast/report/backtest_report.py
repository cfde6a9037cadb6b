"""Backtest reports: HTML with its plots embedded as data URIs (one self-contained file), or
Markdown with its plots written beside it as PNG files (``report_files/``) and linked, because
GitHub and GitLab do not render images embedded in Markdown.

A report holds the exact command, the versions, the configuration, the folds drawn over the
data, the metric tables (best per column marked), error by lead time, forecasts against actuals,
and the definitions of the metrics, so that a reader can tell how every number was computed.
Nothing is fetched from the network when it is opened.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from forecast.backtesting.scoring import best_value
from forecast.errors import UsageError
from forecast.report.formatting import interval_rows, num

if TYPE_CHECKING:
    from forecast.backtesting.result import BacktestResult
    from forecast.backtesting.uncertainty import (
        BootstrapSummary,
        Comparison,
        MetricIntervals,
    )

REPORT_FORMATS = ("md", "html")


def report_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix == "markdown":
        suffix = "md"
    if suffix not in REPORT_FORMATS:
        raise UsageError(f"--report {path}: the file must end in .md or .html")
    return suffix


Table = tuple[str, list[str], list[list[str]], list[list[bool]]]  # ("table", header, rows, best)
Section = tuple[str, list[str | bytes | Table]]  # title, paragraphs / PNG images / tables


def render_report(result: BacktestResult, fmt: str) -> bytes:
    """The report as bytes (UTF-8), in ``md`` or ``html``."""
    return render_sections(_sections(result), fmt, "Backtest report")


def render_sections(
    sections: Sequence[Section], fmt: str, title: str, images: dict[str, bytes] | None = None
) -> bytes:
    """Sections as one Markdown or HTML document (UTF-8). HTML embeds its plots; Markdown links
    them as ``{images dir}/figure-N.png`` and puts their bytes in ``images`` (name -> PNG)
    for the caller to write (``images`` None: the directory is ``report_files``)."""
    if fmt != "md":
        return _html(sections, title).encode("utf-8")
    return _markdown(sections, title, "report_files", {} if images is None else images).encode(
        "utf-8"
    )


def images_dir(path: str | Path) -> Path:
    """Where a Markdown report's PNGs go: ``report.md`` -> ``report_files/`` beside it."""
    target = Path(path)
    return target.with_name(f"{target.stem}_files")


def write_document(sections: Sequence[Section], path: str | Path, title: str) -> Path:
    """Write a report: HTML as one file; Markdown with its PNGs in ``<stem>_files/`` beside
    it. Every file is written atomically, the PNGs first, so that the report never links an
    image that is not there yet."""
    from forecast.io.atomic import atomic_write_bytes

    fmt = report_format(path)
    if fmt != "md":
        return atomic_write_bytes(path, _html(sections, title).encode("utf-8"))
    folder = images_dir(path)
    images: dict[str, bytes] = {}
    text = _markdown(sections, title, folder.name, images)
    created = bool(images) and not folder.exists()
    try:
        if images:
            folder.mkdir(exist_ok=True)
            for name, data in images.items():
                atomic_write_bytes(folder / name, data)
        return atomic_write_bytes(path, text.encode("utf-8"))
    except BaseException:
        if created:  # nothing half-written: a folder this run made goes with its failure
            import shutil

            shutil.rmtree(folder, ignore_errors=True)
        raise


# --- content -----------------------------------------------------------------------------------


def _sections(result: BacktestResult) -> list[Section]:
    from forecast.report.backtest_plots import error_by_step_figure, folds_figure, forecasts_figure
    from forecast.report.plots import figure_bytes

    c = result.setup
    sections: list[Section] = [
        (
            "How this was made",
            [
                f"Command: `{c.command}`" if c.command else "Command: (library call)",
                "Versions: " + ", ".join(f"{k} {v}" for k, v in c.versions.items()) + ".",
                *_setup_lines(result),
            ],
        ),
        (
            "Data and folds",
            [
                "Each row below the series is a fold: blue = observations the models were "
                "trained on, orange = the targets they were scored on. White between them is "
                "what the purge and the embargo removed (k-fold, CPCV) or the future "
                "(walk-forward).",
                figure_bytes(folds_figure(result)),
            ],
        ),
        (
            "Accuracy",
            [
                "Over all folds; the best value of each column is marked (lowest error, bias "
                "closest to 0, coverage closest to its nominal level)."
                if not result.partial_models
                else f"Some models were scored on fewer folds: {result.ranking_note()}. The "
                "best value of each column is marked (lowest error, bias closest to 0, "
                "coverage closest to its nominal level).",
                _overall_table(result),
            ],
        ),
        ("Error by lead time", [_step_table(result), figure_bytes(error_by_step_figure(result))]),
    ]
    paths = _paths_table(result)
    if paths is not None:
        sections.append(
            (
                "Distribution over the CPCV backtest paths",
                [
                    "Each path is one complete backtest assembled from the splits (López de Prado, "
                    "AFML ch. 12); the spread shows how much the result depends on the split.",
                    paths,
                ],
            )
        )
    sections.append(
        (
            "Forecasts against actuals",
            [
                "Each short line is the forecast made at one origin for all its lead times (a dot "
                "at the first), with its widest interval; forecasts made at different origins "
                "are never joined into one line.",
                figure_bytes(forecasts_figure(result)),
            ],
        )
    )
    sections += _uncertainty_sections(result)
    problems: list[str | bytes | Table] = [
        f"Failed: {f['model']} on folds {f['folds']}: {f['error']}" for f in result.failures
    ]
    problems += [f"Note: {n}" for n in result.notes]
    if problems:
        sections.append(("Failures and notes", problems))
    definitions: list[str | bytes | Table] = [f"{k}: {v}" for k, v in c.metric_definitions.items()]
    sections.append(("Metric definitions", definitions))
    return sections


def _setup_lines(result: BacktestResult) -> list[str | bytes | Table]:
    """The series, the scheme, the purge and scale periods, the models and their intervals."""
    c = result.setup
    s = c.series
    return [
        f"Series: {s.get('source', '')} ({s.get('value_col', 'value')}), n = {s['n']}, "
        f"{s['start']} .. {s['end']}, frequency {s['freq']}.",
        f"Scheme: {c.scheme}; {c.n_folds} folds; refit policy: {c.refit}.",
        f"Lookback for purging: {c.lookback} ({c.lookback_source}). Period of the MASE / "
        f"RMSSE scale: {c.season_period} ({c.season_period_source}).",
        "Models: "
        + "; ".join(f"{m['label']} = {m['model']} {m['params'] or ''}".strip() for m in c.models)
        + ".",
        "Intervals: " + "; ".join(f"{k}: {v}" for k, v in c.interval_methods.items()) + ".",
    ]


def _overall_table(result: BacktestResult) -> Table:
    overall = result.ranked()
    columns = list(overall.columns)
    best = {
        m: best_value(m, {str(k): v for k, v in overall[m].items()}, result.levels) for m in columns
    }
    n_folds = result.setup.n_folds
    partial = set(result.partial_models)
    rows, marks = [], []
    for label, row in overall.iterrows():
        scored = result.folds_scored.get(str(label), n_folds)
        folds = f"{scored} of {n_folds} (partial)" if label in partial else str(scored)
        rows.append([str(label), *(num(row[m], 4) for m in columns), folds])
        marks.append([False, *(best[m] is not None and row[m] == best[m] for m in columns), False])
    return ("table", ["model", *columns, "folds"], rows, marks)


def _step_table(result: BacktestResult) -> Table:
    frame = result.by_step("mae")
    rows, marks = [], []
    for step, row in frame.iterrows():
        best = best_value("mae", {str(k): v for k, v in row.items()}, result.levels)
        rows.append([str(step), *(num(v, 4) for v in row)])
        marks.append([False, *(v == best for v in row)])
    return ("table", ["lead time (MAE)", *map(str, frame.columns)], rows, marks)


def _paths_table(result: BacktestResult) -> Table | None:
    rows = [r for r in result.metrics if r["scope"] == "paths" and r["metric"] == "mae"]
    if not rows:
        return None
    stats = list(dict.fromkeys(r["key"] for r in rows))
    body = []
    for label in result.labels:
        values = {r["key"]: r["value"] for r in rows if r["model"] == label}
        if values:
            body.append([label, *(num(values.get(s), 4) for s in stats)])
    return ("table", ["model (MAE)", *stats], body, [[False] * (len(stats) + 1)] * len(body))


def _uncertainty_sections(result: BacktestResult) -> list[Section]:
    """The --ci, --compare and bootstrap sections, when they were asked for."""
    sections: list[Section] = []
    if result.ci is not None:
        sections.append(_ci_section(result.ci))
    if result.comparison is not None:
        sections.append(comparison_section(result.comparison))
    if result.bootstrap is not None:
        sections.append(_bootstrap_section(result.bootstrap))
    return sections


def _ci_section(ci: MetricIntervals) -> Section:
    st = ci.settings
    metrics = list(dict.fromkeys(r.metric for r in ci.intervals))
    body = interval_rows(ci.intervals, metrics)
    return (
        f"Confidence intervals of the metrics ({st.level:g}%, {ci.scaling} losses)",
        [
            "Each number above is one draw: this series, these folds. Each model's per-origin "
            f"losses were resampled in blocks (a {st.method} block bootstrap, {st.reps} "
            "replicates, block length by Politis-White), which keeps the dependence between "
            "overlapping multi-step errors, and the metric recomputed on every replicate; the "
            f"{st.interval} interval holds {st.level:g}% of them. Read it as the range the metric "
            "would likely take on another stretch of history generated the same way. Two models "
            "whose intervals overlap may still differ: the comparison below tests the "
            "difference directly.",
            ("table", ["model", *metrics], body, [[False] * (len(metrics) + 1)] * len(body)),
        ],
    )


def comparison_section(comparison: Comparison) -> Section:
    """The ``--compare`` section: the model confidence set and every Diebold-Mariano test."""
    mcs = comparison.mcs
    mcs_rows = [
        [m, num(mcs.mean_losses[m], 5), num(p, 3), "yes" if m in mcs.included else "no"]
        for m, p in mcs.pvalues.items()
    ]
    dm_rows = [
        [
            f"{t.model} vs {t.other}",
            str(t.step),
            num(t.test.hln_statistic, 4),
            num(t.test.p_value, 3),
            f"{t.winner} better" if t.winner else "no significant difference",
        ]
        for t in comparison.diebold_mariano
    ]
    return (
        "Which models can be told apart",
        [
            f"Losses: {comparison.loss} per origin, {comparison.origins} origins. The model "
            "confidence set (Hansen, Lunde & Nason 2011; arch) keeps the models that cannot be "
            f"told apart from the best at size {mcs.size:g}: "
            f"{', '.join(comparison.indistinguishable_from_best)}. A model outside it is "
            "worse than the best with high confidence; the models inside it are not "
            "distinguishable on this evidence.",
            (
                "table",
                ["model", "mean loss", "MCS p-value", "in the set"],
                mcs_rows,
                [[False, False, False, r[3] == "yes"] for r in mcs_rows],
            ),
            "Diebold-Mariano tests with the Harvey-Leybourne-Newbold small-sample correction, "
            "for every pair of models at every lead time (Student t, n-1 degrees of freedom).",
            (
                "table",
                ["pair", "step", "DM*", "p-value", "verdict at 5%"],
                dm_rows,
                [[False] * 5] * len(dm_rows),
            ),
        ],
    )


def _bootstrap_section(boot: BootstrapSummary) -> Section:
    dist_rows = [
        [
            d.model,
            d.metric,
            num(d.mean, 4),
            num(d.median, 4),
            f"[{num(d.lower, 4)}, {num(d.upper, 4)}]",
        ]
        for d in boot.distribution
        if d.metric in ("mae", "rmse", "mase")
    ]
    share_rows = [
        [p.model, p.other, num(p.share_better, 3)] for p in boot.pairwise if p.metric == "mae"
    ]
    return (
        "Over bootstrap replicates of the series",
        [
            f"The whole backtest was repeated on {boot.reps} replicates of the series: "
            f"{boot.resample} resampled with a {boot.method} block bootstrap (block length "
            f"{boot.block_size:.3g}, {boot.block_size_source}), reference model: "
            f"{boot.reference_model}. The spread says how much the result depends on the one "
            f"history observed; {boot.interval}.",
            (
                "table",
                ["model", "metric", "mean", "median", "interval"],
                dist_rows,
                [[False] * 5] * len(dist_rows),
            ),
            "How often each model had the lower MAE than another, over the replicates:",
            (
                "table",
                ["model", "than", "share of replicates"],
                share_rows,
                [[False] * 3] * len(share_rows),
            ),
        ],
    )


# --- Markdown ------------------------------------------------------------------------------------


def _markdown(
    sections: Sequence[Section], title: str, folder: str, images: dict[str, bytes]
) -> str:
    """The Markdown text; each plot becomes ``folder/figure-N.png``, its bytes in ``images``."""
    out = [f"# {_md(title)}", ""]
    for title, body in sections:
        out += [f"## {_md(title)}", ""]
        for item in body:
            if isinstance(item, bytes):
                name = f"figure-{len(images) + 1}.png"
                images[name] = item
                out += [f"![{_md(title)}]({quote(folder)}/{name})", ""]
            elif isinstance(item, tuple):
                out += [*_markdown_table(item), ""]
            else:
                out += [_md(item), ""]
    return "\n".join(out)


def _markdown_table(table: Table) -> list[str]:
    _, header, rows, marks = table
    head = [_md_cell(h) for h in header]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(header)]
    for row, mark in zip(rows, marks, strict=True):
        cells = [f"**{_md_cell(c)}**" if m else _md_cell(c) for c, m in zip(row, mark, strict=True)]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _md(text: str) -> str:
    """Text from the data (column, file and model names) made inert in Markdown: HTML
    characters escaped, as the HTML report does, so a name like <script> shows as text."""
    return html.escape(str(text), quote=False)


def _md_cell(text: str) -> str:
    """A table cell: :func:`_md`, with pipes escaped and line breaks as spaces."""
    return _md(" ".join(str(text).split())).replace("|", "\\|")


# --- HTML ---------------------------------------------------------------------------------------

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}
td.best{background:#d9f2d9;font-weight:600}
img{max-width:100%;height:auto}
code{background:#f4f4f4;padding:.1em .3em}
"""


def _html(sections: Sequence[Section], title: str) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for title, body in sections:
        parts.append(f"<h2>{html.escape(title)}</h2>")
        for item in body:
            if isinstance(item, bytes):
                parts.append(
                    f'<img alt="{html.escape(title)}" src="data:image/png;base64,{_b64(item)}">'
                )
            elif isinstance(item, tuple):
                parts.append(_html_table(item))
            else:
                parts.append(f"<p>{_inline_code(html.escape(item))}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _html_table(table: Table) -> str:
    _, header, rows, marks = table
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for row, mark in zip(rows, marks, strict=True):
        cells = "".join(
            f'<td class="best">{html.escape(c)}</td>' if m else f"<td>{html.escape(c)}</td>"
            for c, m in zip(row, mark, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _inline_code(text: str) -> str:
    pieces = text.split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(pieces))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def write_report(result: BacktestResult, path: str | Path) -> Path:
    return write_document(_sections(result), path, "Backtest report")
