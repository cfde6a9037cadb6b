"""Streaming a panel's forecasts: rows are written as series finish, in id order.

Long format, one row per (series, model, lead time): ``id, model, timestamp, mean, lower_L,
upper_L...`` (:mod:`forecast.report.forecast_rows`).
``csv`` and ``json`` go to stdout (or a file); ``parquet`` to a file (``--output F.parquet``,
one row group per batch of series, renamed into place when complete); ``table`` shows the
first series and a summary. Nothing holds every forecast in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from forecast.io.jsonable import jsonable
from forecast.report.export import to_csv
from forecast.report.forecast_rows import (
    TIDY,
    Layout,
    SeriesGroups,
    block_csv_rows,
    forecast_columns,
    outcome_rows,
    wide_rows,
)

if TYPE_CHECKING:
    from forecast.fitting.batch import ForecastBlock
    from forecast.fitting.panel import SeriesOutcome

TABLE_SERIES = 10  # series shown by the table format; the rest are counted


class Sink(Protocol):
    def write(self, outcome: SeriesOutcome) -> None: ...

    def write_block(self, block: ForecastBlock) -> None: ...

    def close(self, summary: dict[str, Any]) -> None: ...


class CsvSink:
    """CSV rows as each series finishes (nixtla: once all of its models have come)."""

    def __init__(
        self,
        stream: IO[str],
        levels: tuple[float, ...],
        header: bool = True,
        layout: Layout = TIDY,
    ):
        self.stream, self.levels, self.layout = stream, levels, layout
        self.groups = SeriesGroups()
        if header:
            stream.write(to_csv(forecast_columns(levels, layout), []))

    def write(self, outcome: SeriesOutcome) -> None:
        if self.layout.wide:
            self._write(wide_rows(self.groups.add(outcome), self.layout, self.levels))
        else:
            self._write(outcome_rows(outcome))

    def write_block(self, block: ForecastBlock) -> None:
        """Many series' rows at once (:mod:`forecast.fitting.batch`)."""
        import csv

        if self.layout.wide:
            self._write(wide_rows(self.groups.rest(), self.layout, self.levels))
        csv.writer(self.stream, lineterminator="\n").writerows(block_csv_rows(block, self.layout))
        self.stream.flush()

    def _write(self, rows: list[list[Any]]) -> None:
        if rows:
            self.stream.write(to_csv((), rows))
            self.stream.flush()

    def close(self, summary: dict[str, Any]) -> None:
        if self.layout.wide:
            self._write(wide_rows(self.groups.rest(), self.layout, self.levels))
        self.stream.flush()


class JsonSink:
    """One JSON document, written as it grows: the run's header, then ``series`` (one object
    per series, forecasts or error), then ``failures`` and ``summary``."""

    def __init__(self, stream: IO[str], header: dict[str, Any]):
        self.stream = stream
        self.first = True
        opening = json.dumps(jsonable(header), indent=2, allow_nan=False)[:-2]  # without "\n}"
        stream.write(opening + ',\n  "series": [')

    def write(self, outcome: SeriesOutcome) -> None:
        text = json.dumps(jsonable(outcome.to_dict()), allow_nan=False)
        self.stream.write(("\n    " if self.first else ",\n    ") + text)
        self.first = False
        self.stream.flush()

    def write_block(self, block: ForecastBlock) -> None:
        raise TypeError("JSON output holds each series' summary: the batch path does not apply")

    def close(self, summary: dict[str, Any]) -> None:
        tail = json.dumps(jsonable(summary), indent=2, allow_nan=False)[1:]
        self.stream.write(("\n  ],\n" if not self.first else "],\n") + tail.lstrip("\n") + "\n")
        self.stream.flush()


class TableSink:
    """The first series' forecasts for the terminal, and a count of the rest."""

    def __init__(self, levels: tuple[float, ...]):
        self.levels = levels
        self.shown: list[SeriesOutcome] = []
        self.more = 0

    def write(self, outcome: SeriesOutcome) -> None:
        if outcome.forecast is None or outcome.repeat:
            return
        if len(self.shown) < TABLE_SERIES:
            self.shown.append(outcome)
        else:
            self.more += 1

    def write_block(self, block: ForecastBlock) -> None:
        raise TypeError("the table shows each series' forecast: the batch path does not apply")

    def close(self, summary: dict[str, Any]) -> None:
        from forecast.report.console import print_renderables
        from forecast.report.panel_tables import panel_forecast_tables

        print_renderables(panel_forecast_tables(self.shown, self.more, self.levels, summary))


@contextmanager
def open_sink(
    fmt: str,
    output: Path | None,
    levels: tuple[float, ...],
    header: dict[str, Any],
    csv_header: bool = True,
    part_size: int | None = None,
    marker: str | None = "_SUCCESS",
    layout: Layout = TIDY,
) -> Iterator[Sink]:
    """The sink for ``--format`` (stdout) or ``--output FILE`` (.csv, .json or .parquet,
    written atomically: the file appears only when the run completes), or ``--output DIR``
    (Parquet parts of ``part_size`` series and the ``marker`` file, None for none, written
    beside DIR and swapped in whole when the run completes, see
    :mod:`forecast.report.parquet_parts`). ``layout``: the rows' columns (CSV and Parquet;
    :mod:`forecast.report.forecast_rows`)."""
    import sys

    from forecast.io.atomic import atomic_path
    from forecast.report.parquet_parts import (
        PARQUET_GROUP,
        ParquetSink,
        is_directory_output,
        parts_output,
    )

    if output is None:
        yield _stream_sink(fmt, sys.stdout, levels, header, csv_header, layout)
        return
    if is_directory_output(output):
        size = part_size or PARQUET_GROUP
        with parts_output(output, levels, size, marker, layout) as parts:
            yield parts
        return
    kind = output_format(output)
    with atomic_path(output) as tmp:
        if kind == "parquet":
            yield ParquetSink(tmp, levels, layout)
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as handle:
                yield _stream_sink(kind, handle, levels, header, csv_header, layout)


def _stream_sink(
    fmt: str,
    stream: IO[str],
    levels: tuple[float, ...],
    header: dict[str, Any],
    csv_header: bool,
    layout: Layout = TIDY,
) -> Sink:
    if fmt == "csv":
        return CsvSink(stream, levels, csv_header, layout)
    if fmt == "json":
        return JsonSink(stream, header)
    return TableSink(levels)


def output_format(path: Path) -> str:
    from forecast.errors import UsageError

    suffix = path.suffix.lower()
    kinds = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".json": "json"}
    if suffix not in kinds:
        raise UsageError(
            f"--output {path}: use a .parquet, .csv or .json file name, or a directory"
        )
    return kinds[suffix]


FAILURE_COLUMNS = ["id", "outcome", "stage", "model", "reason"]


def failures_path(output: Path) -> Path | None:
    """Where the failures of a run with ``--output F.csv``/``F.parquet`` go (``F.failures.csv``
    beside it); None for a JSON file (its ``failures``) or a directory (its marker file, see
    ``--success-file``)."""
    from forecast.report.parquet_parts import is_directory_output

    if is_directory_output(output) or output_format(output) == "json":
        return None
    return output.with_name(f"{output.stem}.failures.csv")


def write_failures(
    output: Path, failures: list[dict[str, Any]], fallbacks: list[dict[str, Any]]
) -> Path | None:
    """The series a run left out (``outcome`` failed; ``model``: the model that failed, empty
    when the series failed before fitting) or forecast by the fallback (``outcome`` fallback;
    ``model``: the fallback; the reason names the model that failed), one row each, written
    atomically beside ``output`` (header only when there are none, so a cron job always finds
    this run's list); the path, or None (see :func:`failures_path`)."""
    from forecast.io.atomic import atomic_path

    path = failures_path(output)
    if path is None:
        return None
    rows = [
        ["" if f.get("id") is None else f["id"], "failed", f.get("stage", ""),
         f.get("model", ""), f.get("error")]
        for f in failures
    ]  # fmt: skip
    rows += [
        [f["id"], "fallback", "fit", f["model"], f"{f['for']} failed: {f['reason']}"]
        for f in fallbacks
    ]
    with atomic_path(path) as tmp:
        tmp.write_text(to_csv(FAILURE_COLUMNS, rows), encoding="utf-8", newline="")
    return path
