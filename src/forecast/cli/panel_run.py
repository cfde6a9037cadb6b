"""The end of `fit` and `predict` on a panel: stream the outcomes, save, report failures."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forecast.types import FormatChoice

if TYPE_CHECKING:
    from forecast.cli.options import Common
    from forecast.fitting.panel import SeriesOutcome
    from forecast.models.base import BaseForecaster
    from forecast.report.forecast_rows import Layout
    from forecast.workflows.stream import PanelStream


def render_stream(
    stream: PanelStream,
    shown: Common,
    *,
    output: Path | None,
    save: Path | None,
    layout: Layout | None = None,
) -> None:
    """:func:`stream_outcomes` over a workflow's :class:`PanelStream` (its models saved to
    ``save`` unless the workflow wrote its own file)."""
    stream_outcomes(
        stream.outcomes,
        total=stream.total,
        header=stream.header,
        levels=stream.levels,
        load_failures=stream.load_failures,
        fmt=shown.fmt,
        output=output,
        save=save if stream.save_models else None,
        model_name=stream.model_name,
        id_col=stream.id_col,
        defaults=stream.defaults,
        quiet=shown.quiet,
        no_header=shown.no_header,
        part_size=stream.part_size,
        workers=stream.workers,
        labels=stream.labels,
        success_file=shown.success_file,
        layout=layout,
    )


def stream_outcomes(
    outcomes: Iterable[SeriesOutcome],
    *,
    total: int,
    header: dict[str, Any],
    levels: tuple[float, ...],
    load_failures: list[dict[str, Any]],
    fmt: FormatChoice,
    output: Path | None,
    save: Path | None,
    model_name: str,
    id_col: str | None,
    defaults: dict[str, Any],
    quiet: bool,
    no_header: bool,
    part_size: int | None = None,
    workers: int | None = None,
    labels: tuple[str, ...] = (),
    success_file: str = "_SUCCESS",
    layout: Layout | None = None,
) -> None:
    """Write each series' forecast as it arrives, then the failures and the summary; save every
    fitted model in one file; exit 1 when a series failed (the others are complete).
    ``load_failures`` may grow while ``outcomes`` runs (part files loaded by the workers);
    ``part_size``: series per part of ``--output DIR`` (the executor's batch); ``workers``
    is shown beside the progress bar; ``labels``: the models of a several-model run (the
    outcomes come one per series and model; ``total`` counts series); ``success_file``: the
    marker of ``--output DIR`` (``none``: no marker); ``layout``: the columns of CSV and
    Parquet rows (None: tidy)."""
    from forecast.cli.render import message, progress_allowed, reader_may_stop
    from forecast.progress import progress_enabled, task
    from forecast.report.forecast_rows import TIDY
    from forecast.report.panel_output import open_sink
    from forecast.report.parquet_parts import marker_name

    tally = _Tally(len(labels) or 1, quiet)
    with (
        reader_may_stop(),
        progress_enabled(progress_allowed(quiet)),
        task("series", total=total * (len(labels) or 1)) as advance,
        open_sink(
            fmt.value,
            output,
            levels,
            header,
            csv_header=not no_header,
            part_size=part_size,
            marker=marker_name(success_file),
            layout=layout or TIDY,
        ) as sink,
    ):
        for outcome in outcomes:
            sink.write(outcome)
            tally.add(outcome)
            shown = {"workers": workers} if workers else {}
            advance(**shown, failed=len(load_failures) + len(tally.failures))
        failures, fallbacks, kept = [*load_failures, *tally.failures], tally.fallbacks, tally.kept
        summary = {
            "series": len(tally.ids) + len(load_failures),
            **({"models": len(labels)} if labels else {}),
            "forecast": tally.forecast,
            "fallback": len(fallbacks),
            "failed": len(failures),
        }
        listed = {"fallbacks": fallbacks} if fallbacks else {}
        sink.close({"failures": failures, **listed, "summary": summary})
    if output is not None:
        from forecast.report.panel_output import write_failures

        message(f"wrote {output}", quiet)
        beside = write_failures(output, failures, fallbacks)  # survives -q, for a cron job
        if beside is not None:
            message(f"wrote {beside} ({len(failures)} failed, {len(fallbacks)} fallback)", quiet)
        _print_summary(summary, fmt)
    if save is not None and kept:
        from forecast.io.modelfile import save_panel_model

        save_panel_model(save, model_name, kept, id_col, defaults, list(labels) or None)
        message(f"wrote {save} ({len(kept)} series)", quiet)
    if failures:
        from forecast.cli.render import exit_failed

        exit_failed(failures, quiet)


class _Tally:
    """What a panel's outcomes add up to as they stream: the failures, the fallbacks and the
    models to save; each failure warned and each note and fallback told as it comes."""

    def __init__(self, models: int, quiet: bool) -> None:
        self.several, self.quiet = models > 1, quiet
        self.ids: set[str] = set()
        self.failures: list[dict[str, Any]] = []
        self.fallbacks: list[dict[str, Any]] = []
        self.forecast = 0
        self.kept: list[tuple[str, BaseForecaster, dict[str, Any], str]] = []

    def add(self, outcome: SeriesOutcome) -> None:
        from forecast.cli.render import note, warn

        self.ids.add(outcome.id)
        which = f" ({outcome.asked})" if self.several else ""
        if outcome.error is not None:
            failure = {"id": outcome.id, "stage": "fit", "model": outcome.asked}
            self.failures.append({**failure, "error": outcome.error})
            warn(f"series {outcome.id!r}{which} failed: {outcome.error}", self.quiet)
            return
        self.forecast += 1
        for text in outcome.notes:
            note(f"series {outcome.id!r}{which}: {text}", self.quiet)
        if outcome.fallback_reason is not None:
            reason = outcome.fallback_reason
            self.fallbacks.append(
                {"id": outcome.id, "model": outcome.model, "for": outcome.asked, "reason": reason}
            )
            note(
                f"series {outcome.id!r} forecast by the fallback {outcome.model}; "
                f"{outcome.asked} failed: {reason}",
                self.quiet,
            )
        if outcome.fitted is not None and not outcome.repeat:
            self.kept.append((outcome.id, outcome.fitted, outcome.training, outcome.asked))


def _print_summary(summary: dict[str, Any], fmt: FormatChoice) -> None:
    from forecast.cli.render import write_stdout
    from forecast.report.export import to_csv, to_json
    from forecast.report.panel_tables import summary_line

    if fmt is FormatChoice.json:
        write_stdout(to_json({"summary": summary}))
    elif fmt is FormatChoice.csv:
        write_stdout(to_csv(list(summary), [list(summary.values())]))
    else:
        write_stdout(summary_line({"summary": summary}) + "\n")
