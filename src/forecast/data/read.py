"""Reading a source into a :class:`~forecast.data.table.Table`: a CSV path, ``-`` for stdin,
a ``.parquet`` file or a directory of part files.

CSV text goes through :mod:`forecast.data.text` (encoding, delimiter, header) and
:mod:`forecast.data.columns` (which column is what), chosen on the first lines; the rows are
then read by pyarrow (:mod:`forecast.data.csv_arrow`) when the bytes allow it, else by pandas'
parser, with the same result. A regular file of 16 MiB or more is streamed to pyarrow block by
block, its bytes checked as they pass (:mod:`forecast.data.csv_stream`), instead of being read
whole first; a panel's blocks are parsed one at a time and made compact as they come
(:mod:`forecast.data.csv_blocks`); whatever the stream cannot vouch for is read whole, as a
smaller file is. Parquet
goes through :mod:`forecast.data.parquet`. Both end in the same ``Table``, wide tables turned
long.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forecast.data.columns import Columns, choose_columns
from forecast.data.table import Table, wide_columns, wide_to_long
from forecast.data.values import NumberFormat
from forecast.errors import ForecastError, InputError, UsageError

if TYPE_CHECKING:
    from forecast.data.csv_stream import CheckedFile


def read_table(
    source: str,
    *,
    time_col: str | None = None,
    value_col: str | None = None,
    id_col: str | None = None,
    encoding: str | None = None,
    stdin: io.BufferedIOBase | None = None,
    wide: bool = False,
    single: bool = False,
) -> Table:
    """Read ``source`` (a CSV path, ``-`` for stdin, a ``.parquet`` file or a directory of part
    files); ``single`` reads one series and never looks for an id column."""
    from forecast.data.parquet import is_parquet

    if wide and (id_col is not None or value_col is not None):
        raise UsageError("--wide reads one series per numeric column; drop --id-col/--value-col")
    if is_parquet(source):
        from forecast.data.parquet import read_parquet_table

        table = read_parquet_table(source, time_col, value_col, id_col, wide, single)
    else:
        table = _read_csv_table(source, time_col, value_col, id_col, encoding, stdin, wide, single)
    return wide_to_long(table) if wide else table


def _read_csv_table(
    source: str,
    time_col: str | None,
    value_col: str | None,
    id_col: str | None,
    encoding: str | None,
    stdin: io.BufferedIOBase | None,
    wide: bool,
    single: bool,
) -> Table:
    from forecast.data.csv_stream import open_checked

    options = _Options(source, time_col, value_col, id_col, encoding, wide, single)
    stream = None if source == "-" or wide else open_checked(source, encoding)
    if stream is None:
        return _read_whole(options, stdin, arrow=True)
    with stream:
        try:
            table = _read_streamed(options, stream)
        except ForecastError:
            table = None  # the whole-file path names it, after the checks it makes first
    # rows pyarrow refused are read by pandas (pyarrow would refuse the same bytes again)
    return table if table is not None else _read_whole(options, stdin, not stream.refused)


@dataclass(frozen=True)
class _Options:
    source: str
    time_col: str | None
    value_col: str | None
    id_col: str | None
    encoding: str | None
    wide: bool
    single: bool

    @property
    def label(self) -> str:
        from forecast.errors import printable

        return "<stdin>" if self.source == "-" else printable(self.source)


@dataclass
class _Sample:
    """What the first lines decide: the delimiter, the header, the columns and what to read."""

    delimiter: str
    header: int | None
    sample: pd.DataFrame
    columns: Columns
    values: list[str]
    notes: list[str]
    wide: bool

    @property
    def text_cols(self) -> list[str]:
        own = [self.columns.id] if self.columns.id and not self.wide else []  # not made up
        return [self.columns.time, *own]

    @property
    def names(self) -> list[str]:
        return list(self.sample.columns)


def _read_sample(text: str, options: _Options) -> _Sample:
    from forecast.data.input_limits import check_columns
    from forecast.data.text import read_sample, sniff_delimiter

    label, notes = options.label, []
    delimiter = sniff_delimiter(text, label)
    header, sample = read_sample(text, delimiter, label)
    check_columns(len(sample.columns), label)
    if header is None:
        notes.append(f"{label} has no header row; read its first two columns as time and value")
    if options.wide:
        columns = wide_columns(sample, options.time_col, label)
        values = [c for c in sample.columns if c != columns.time]
    else:
        columns = choose_columns(
            sample, options.time_col, options.value_col, label, options.id_col, options.single
        )
        values = [columns.value]
    return _Sample(delimiter, header, sample, columns, values, notes, options.wide)


def _read_streamed(options: _Options, stream: CheckedFile) -> Table | None:
    """A large regular file read by pyarrow as it streams past the byte checks; None when the
    whole-file path must read it."""
    from forecast.data.csv_arrow import read_arrow_columns
    from forecast.data.csv_blocks import read_pieces
    from forecast.data.csv_stream import first_lines
    from forecast.data.text import decode

    lines = first_lines(stream.head, stream.size)
    if lines is None:
        return None
    chosen = _read_sample(decode(lines, options.label, options.encoding), options)
    if not _arrow_numbers(chosen):
        return None
    if {*chosen.text_cols, *chosen.values} == set(chosen.names):
        stream.text_checked_by_reader()  # pyarrow checks every field's UTF-8 as it reads
    id_col = chosen.columns.id
    if id_col is not None and not chosen.wide:  # a panel: parsed piece by piece
        layout = (chosen.delimiter, chosen.header, chosen.names, chosen.text_cols, chosen.values)
        rows = read_pieces(stream, *layout, id_col)
    else:
        rows = read_arrow_columns(stream, *_arrow_arguments(chosen))
    return None if rows is None else _table(rows.to_frame(), chosen, options, rows.id_runs)


def _arrow_numbers(chosen: _Sample) -> bool:
    """Whether pyarrow reads the values as pandas does: plain numbers (no thousands
    separator, a decimal point)."""
    return chosen.columns.number_format == NumberFormat()


def _arrow_arguments(chosen: _Sample) -> tuple[Any, ...]:
    columns = chosen.columns
    return (
        chosen.delimiter,
        chosen.header,
        chosen.names,
        chosen.text_cols,
        chosen.values,
        columns.id,
    )


def _read_whole(options: _Options, stdin: io.BufferedIOBase | None, arrow: bool) -> Table:
    """The file (or stdin) read whole, then its rows by pyarrow when the bytes allow it and
    ``arrow``, else by pandas."""
    from forecast.data.csv_arrow import Layout, read_arrow_columns
    from forecast.data.input_limits import check_line_length
    from forecast.data.text import decode, read_bytes, read_columns

    label = options.label
    raw = read_bytes(options.source, stdin)
    check_line_length(raw, label)
    layout = None if options.wide else Layout(raw, options.encoding)  # may pyarrow read it
    prefix = None if layout is None else layout.prefix(raw)
    text = decode(raw if prefix is None else prefix, label, options.encoding)  # first lines
    chosen = _read_sample(text, options)
    rows = None
    if layout is not None and prefix is not None and arrow and _arrow_numbers(chosen):
        rows = read_arrow_columns(layout.arrow_input(raw), *_arrow_arguments(chosen))
    if rows is None and prefix is not None and prefix is not raw:
        text = decode(raw, label, options.encoding)  # pyarrow refused it: pandas reads it all
    del raw, prefix  # before the rows become a frame: the bytes are not held beside both
    if rows is None:
        fmt = chosen.columns.number_format
        args = (chosen.delimiter, chosen.header, chosen.names, chosen.text_cols, chosen.values)
        frame, runs = read_columns(text, *args, fmt, label), None
    else:
        frame, runs = rows.to_frame(), rows.id_runs
    del text, rows
    return _table(frame, chosen, options, runs)


def _table(
    frame: pd.DataFrame, chosen: _Sample, options: _Options, runs: np.ndarray | None = None
) -> Table:
    """The rows read (blank lines, rows of empty fields, left out) as a Table; ``runs``: the
    first row of each id's run (:attr:`Table.id_runs`) when pyarrow's rows gave them."""
    line_offset = 2 if chosen.header is not None else 1  # file line of frame row 0
    blank = None if runs is not None else _blank_rows(frame)  # runs: no id missing, no row
    if blank is not None:  # blank
        frame, runs = frame[~blank], None  # blank lines, rows of empty fields
    if frame.empty:
        raise InputError(
            f"{options.label} has no data rows; it needs a time column and a value column"
        )
    read = {*chosen.text_cols, *chosen.values}
    others = tuple(str(c) for c in chosen.sample.columns if c not in read)
    return Table(frame, chosen.columns, options.label, line_offset, chosen.notes, others, runs)


def _blank_rows(frame: pd.DataFrame) -> np.ndarray | None:
    """The rows missing in every column (``frame.isna().all(axis=1)``); None when there are
    none, known as soon as one column has no missing value."""
    blank = None
    for name in reversed(frame.columns):  # the value column first: floats are quickest
        missing = frame[name].isna().to_numpy()
        if not missing.any():
            return None
        blank = missing if blank is None else blank & missing
    return blank
