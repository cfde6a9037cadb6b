"""One validated series (SeriesData) and the single-series loader."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecast.data.grid import (
    apply_missing_policy,
    min_length_at,
    refuse_degenerate,
    refuse_duplicates,
    resolve_frequency,
)
from forecast.data.panel_arrays import decategorize
from forecast.data.table import Table
from forecast.data.values import parse_timestamps, parse_values
from forecast.errors import InputError, UsageError
from forecast.types import MinLength, MissingPolicy


@dataclass(frozen=True)
class SeriesData:
    """A validated, regularly indexed series and how it was read.

    ``y`` is float64 with a sorted, unique DatetimeIndex. ``freq`` is a pandas offset alias; the
    index carries it too unless ``--missing drop`` left holes in the grid.
    """

    y: pd.Series
    freq: str
    source: str
    time_col: str
    value_col: str
    missing_policy: MissingPolicy
    n_filled: int = 0
    n_dropped: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)
    id: str | None = None  # the series' id in a panel; None for a file without an id column

    def describe(self) -> dict[str, Any]:
        """The provenance block every command puts in its JSON output."""
        return {
            **({"id": self.id} if self.id is not None else {}),
            "source": self.source,
            "time_col": self.time_col,
            "value_col": self.value_col,
            "n": int(self.y.size),
            "start": self.y.index[0].isoformat(),
            "end": self.y.index[-1].isoformat(),
            "freq": self.freq,
            "missing_policy": self.missing_policy,
            "n_filled": self.n_filled,
            "n_dropped": self.n_dropped,
        }


def load_series(
    source: str,
    *,
    time_col: str | None = None,
    value_col: str | None = None,
    freq: str | None = None,
    missing: MissingPolicy = "error",
    min_length: MinLength = 2,
    purpose: str = "this command",
    time_format: str | None = None,
    encoding: str | None = None,
    stdin: io.BufferedIOBase | None = None,
    allow_constant: bool = False,
) -> SeriesData:
    """Read, validate and regularise one series (the whole file, never split by an id column).

    Parameters
    ----------
    source
        A CSV path, ``"-"`` for standard input, or a Parquet file or directory.
    time_col, value_col
        Column names; ``None`` detects a single date-like and a single numeric column.
    freq
        A pandas offset alias (``"D"``, ``"h"``, ``"MS"``...); ``None`` infers it.
    missing
        What to do with empty values and timestamps missing from the grid.
    min_length
        The fewest observations ``purpose`` can work with, checked after the missing policy (a
        number, or a function of the frequency: :data:`forecast.types.MinLength`).
    time_format
        An explicit ``strftime`` format for the timestamps.
    encoding
        The text encoding; ``None`` means UTF-8 (a byte-order mark is honoured).
    stdin
        The stream read for ``"-"`` (tests pass one; default ``sys.stdin.buffer``).
    allow_constant
        Accept a constant series (new observations for a fitted model may be a single row).
    """
    from forecast.data import load

    panel = load(
        source,
        time_col=time_col,
        value_col=value_col,
        freq=freq,
        missing=missing,
        min_length=min_length,
        purpose=purpose,
        time_format=time_format,
        encoding=encoding,
        stdin=stdin,
        allow_constant=allow_constant,
        single=True,
    )
    assert panel.single is not None  # single=True never looks for an id column
    return panel.single


def check_missing(missing: str) -> None:
    if missing not in ("error", "drop", "ffill", "interpolate"):
        raise UsageError(f"--missing must be error, drop, ffill or interpolate, got {missing!r}")


def series_from_table(
    table: Table,
    freq: str | None,
    missing: MissingPolicy,
    min_length: MinLength,
    purpose: str,
    time_format: str | None,
    allow_constant: bool,
) -> SeriesData:
    """The one series of a table without an id column: every row is checked, and the first
    problem raises an :class:`~forecast.errors.InputError` naming its line."""
    label, frame = table.label, table.frame
    tcol, vcol = table.columns.time, table.columns.value
    frame = frame.assign(**{tcol: decategorize(frame[tcol])})  # one series: texts mostly unique
    notes = list(table.notes)
    line_offset = table.line_offset
    stamps = parse_timestamps(frame[tcol], tcol, time_format, line_offset, notes)
    values = parse_values(frame[vcol], vcol, table.columns.number_format, line_offset)
    lines = frame.index.to_numpy() + line_offset

    if not stamps.is_monotonic_increasing:
        order = np.argsort(stamps.asi8, kind="stable")
        stamps, values, lines = stamps[order], values[order], lines[order]
        notes.append(f"rows of {label} were not in time order; sorted them by '{tcol}'")
    refuse_duplicates(stamps, lines, table.others)

    try:  # a day-first file read month-first looks irregular, or full of gaps
        offset = resolve_frequency(stamps, freq)
        y = pd.Series(values, index=stamps.rename(tcol), name=vcol, dtype="float64")
        y, n_filled, n_dropped = apply_missing_policy(y, offset, missing, notes)
    except InputError as exc:
        raise day_first_hint(exc, frame[tcol], time_format) from None
    refuse_degenerate(y, min_length_at(min_length, offset), purpose, label, allow_constant)
    y.attrs["freq"] = offset.freqstr  # kept when --missing drop leaves holes in the index
    return SeriesData(
        y=y,
        freq=offset.freqstr,
        source=label,
        time_col=tcol,
        value_col=vcol,
        missing_policy=missing,
        n_filled=n_filled,
        n_dropped=n_dropped,
        notes=tuple(notes),
    )


def day_first_hint(exc: InputError, raw: pd.Series, time_format: str | None) -> InputError:
    """An irregular or off-grid series whose dates read the other way round (day-first for
    month-first) are regular: say so, and which ``--time-format`` reads them."""
    from forecast.data.grid import grid_of, infer_frequency, to_offset
    from forecast.data.values import day_month_swapped

    swapped = day_month_swapped(raw, time_format)
    if swapped is None:
        return exc
    stamps = pd.DatetimeIndex(pd.to_datetime(raw.astype(str).str.strip(), format=swapped))
    stamps = stamps.sort_values()
    inferred = infer_frequency(stamps) if len(stamps) >= 3 else None
    if inferred is None or stamps.has_duplicates:
        return exc
    if len(grid_of(stamps, to_offset(inferred))) != len(stamps):  # gaps that way too
        return exc
    order = "day-first" if swapped.index("%d") < swapped.index("%m") else "month-first"
    return InputError(
        f"{exc.message}; read {order} the dates are regular: pass --time-format {swapped}"
    )
