"""The end of `fit` and `predict` on a panel: stream the outcomes, save, report failures."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forecast.types import FormatChoice

if TYPE_CHECKING:
    from forecast.cli.options import Common
    from forecast.fitting.batch import ForecastBlock
    from forecast.fitting.panel import SeriesOutcome
    from forecast.models.base import BaseForecaster
    from forecast.report.forecast_rows import Layout
    from forecast.report.panel_output import Sink
    from forecast.workflows.stream import PanelStream


@dataclass(frozen=True)
class PanelPlot:
    """``--plot FILE`` on a panel: a grid of the first ``max_series`` series (``--plot-max``)."""

    path: Path
    max_series: int = 16


def render_stream(
    stream: PanelStream,
    shown: Common,
    *,
    output: Path | None,
    save: Path | None,
    layout: Layout | None = None,
    plot: PanelPlot | None = None,
    samples: Path | None = None,
) -> None:
    """Write each series' forecast as it arrives (``--format`` on stdout, or ``--output``: a
    file or a directory of parts with its ``--success-file``; ``layout``: the columns of CSV
    and Parquet rows, None: tidy), then the failures and the summary; save every fitted model
    in one file (unless the workflow wrote its own: a global model); draw ``plot``; write each
    forecast's sample paths to ``samples``; exit 1 when a series failed (the others are
    complete)."""
    from contextlib import nullcontext

    from forecast.cli.render import message
    from forecast.report.sample_paths import samples_output, watched

    drawn = _Drawn(plot, stream) if plot is not None else None
    outcomes = drawn.watch(stream.outcomes) if drawn is not None else stream.outcomes
    with samples_output(samples) if samples is not None else nullcontext() as paths:
        outcomes = watched(outcomes, paths) if paths is not None else outcomes
        tally, summary = _write(stream, outcomes, shown, output, layout)
    if samples is not None:
        message(f"wrote {samples}", shown.quiet)
    failures, fallbacks = [*stream.load_failures, *tally.failures], tally.fallbacks
    if output is not None:
        from forecast.report.panel_output import write_failures

        message(f"wrote {output}", shown.quiet)
        beside = write_failures(output, failures, fallbacks)  # survives -q, for a cron job
        if beside is not None:
            message(
                f"wrote {beside} ({len(failures)} failed, {len(fallbacks)} fallback)", shown.quiet
            )
        _print_summary(summary, shown.fmt)
    if save is not None and stream.save_models and tally.kept:
        from forecast.io.modelfile import save_panel_model

        labels = list(stream.labels) or None
        save_panel_model(save, stream.model_name, tally.kept, stream.id_col, stream.defaults,
                         labels)  # fmt: skip
        message(f"wrote {save} ({len(tally.kept)} series)", shown.quiet)
    if drawn is not None:
        drawn.write(shown.quiet)
    if failures:
        from forecast.cli.render import exit_failed

        exit_failed(failures, shown.quiet)


def _write(
    stream: PanelStream,
    outcomes: Iterable[SeriesOutcome],
    shown: Common,
    output: Path | None,
    layout: Layout | None,
) -> tuple[_Tally, dict[str, Any]]:
    """Every outcome to its sink as it comes (``stream.load_failures`` may grow meanwhile:
    part files loaded by the workers), told and tallied; the tally and the run's summary."""
    from forecast.cli.render import progress_allowed, reader_may_stop
    from forecast.progress import progress_enabled, task
    from forecast.report.forecast_rows import TIDY
    from forecast.report.panel_output import open_sink
    from forecast.report.parquet_parts import marker_name

    models = len(stream.labels) or 1
    tally = _Tally(models, shown.quiet)
    with (
        reader_may_stop(),
        progress_enabled(progress_allowed(shown.quiet)),
        task("series", total=stream.total * models) as advance,
        open_sink(
            shown.fmt.value,
            output,
            stream.levels,
            stream.header,
            csv_header=not shown.no_header,
            part_size=stream.part_size,
            marker=marker_name(shown.success_file),
            layout=layout or TIDY,
        ) as sink,
    ):
        for item in outcomes:
            steps = _told(item, sink, tally)
            workers = {"workers": stream.workers} if stream.workers else {}
            advance(steps, **workers, failed=len(stream.load_failures) + len(tally.failures))
        failures = [*stream.load_failures, *tally.failures]
        summary = {
            "series": len(tally.ids) + len(stream.load_failures),
            **({"models": len(stream.labels)} if stream.labels else {}),
            "forecast": tally.forecast,
            "fallback": len(tally.fallbacks),
            "failed": len(failures),
        }
        listed = {"fallbacks": tally.fallbacks} if tally.fallbacks else {}
        sink.close({"failures": failures, **listed, "summary": summary})
    return tally, summary


def _told(item: SeriesOutcome | ForecastBlock, sink: Sink, tally: _Tally) -> int:
    """One outcome, or a block of series (:mod:`forecast.fitting.batch`), written and tallied;
    how many series it holds."""
    from forecast.fitting.batch import ForecastBlock

    if isinstance(item, ForecastBlock):
        sink.write_block(item)
        tally.add_block(item)
        return len(item)
    sink.write(item)
    tally.add(item)
    return 1


class _Drawn:
    """The outcomes of the first ``plot.max_series`` series kept as they stream by, then
    drawn as a grid (:func:`forecast.report.panel_plots.write_panel_plot`)."""

    def __init__(self, plot: PanelPlot, stream: PanelStream) -> None:
        self.plot, self.stream = plot, stream
        self.kept: list[SeriesOutcome] = []
        self.ids: list[str] = []
        self.seen: set[str] = set()

    def watch(self, outcomes: Iterable[SeriesOutcome]) -> Iterator[SeriesOutcome]:
        for outcome in outcomes:
            self.seen.add(outcome.id)
            chosen = outcome.id in self.ids or len(self.ids) < self.plot.max_series
            if chosen and outcome.forecast is not None and not outcome.repeat:
                if outcome.id not in self.ids:
                    self.ids.append(outcome.id)
                self.kept.append(outcome)
            yield outcome

    def _history(self, sid: str) -> Any:
        """The series' values: the workflow's, else its (moved on) model's."""
        from forecast.fitting.series import training_values

        if self.stream.history is not None:
            return self.stream.history(sid)
        fitted = next(o.fitted for o in self.kept if o.id == sid and o.fitted is not None)
        return training_values(fitted)

    def write(self, quiet: bool) -> None:
        import pandas as pd

        from forecast.cli.render import message, note
        from forecast.report.forecast_rows import forecast_columns, outcome_rows
        from forecast.report.panel_plots import write_panel_plot

        if not self.kept:
            note(f"--plot {self.plot.path}: no series was forecast; nothing drawn", quiet)
            return
        rows = [row for o in self.kept for row in outcome_rows(o)]
        frame = pd.DataFrame(rows, columns=forecast_columns(self.stream.levels))
        frame["timestamp"] = pd.to_datetime(frame["timestamp"])
        history = {sid: self._history(sid) for sid in self.ids}
        n, total = len(self.ids), len(self.seen)
        which = f"all {n}" if total <= n else f"the first {n} of {total}"
        write_panel_plot(self.plot.path, frame, history, ids=self.ids,
                         max_series=self.plot.max_series, title=f"{which} series")  # fmt: skip
        message(f"wrote {self.plot.path} ({which} series; --plot-max N, --ids)", quiet)


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

    def add_block(self, block: ForecastBlock) -> None:
        """Series forecast together (no notes, no fallbacks, no model kept)."""
        self.ids.update(block.ids)
        self.forecast += len(block)

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
