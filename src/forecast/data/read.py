"""Reading a source into a :class:`~forecast.data.table.Table`: a CSV path, ``-`` for stdin,
a ``.parquet`` file or a directory of part files.

CSV text goes through :mod:`forecast.data.text` (encoding, delimiter, header) and
:mod:`forecast.data.columns` (which column is what), chosen on the first lines; the rows are
then read by pyarrow (:mod:`forecast.data.csv_arrow`) when the bytes allow it, else by pandas'
parser, with the same result. Parquet goes through :mod:`forecast.data.parquet`. Both end in
the same ``Table``, wide tables turned long.
"""

from __future__ import annotations

import io

from forecast.data.columns import choose_columns
from forecast.data.table import Table, wide_columns, wide_to_long
from forecast.data.values import NumberFormat
from forecast.errors import InputError, UsageError


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
    from forecast.data.csv_arrow import Layout, read_arrow_columns
    from forecast.data.input_limits import check_columns, check_line_length
    from forecast.data.text import decode, read_bytes, read_columns, read_sample, sniff_delimiter
    from forecast.errors import printable

    label = "<stdin>" if source == "-" else printable(source)
    notes: list[str] = []
    raw = read_bytes(source, stdin)
    check_line_length(raw, label)
    layout = None if wide else Layout(raw, encoding)  # whether pyarrow may read the rows
    prefix = None if layout is None else layout.prefix(raw)
    text = decode(raw if prefix is None else prefix, label, encoding)  # the first lines, then
    delimiter = sniff_delimiter(text, label)
    header, sample = read_sample(text, delimiter, label)
    check_columns(len(sample.columns), label)
    if header is None:
        notes.append(f"{label} has no header row; read its first two columns as time and value")
    if wide:
        columns = wide_columns(sample, time_col, label)
        values = [c for c in sample.columns if c != columns.time]
    else:
        columns = choose_columns(sample, time_col, value_col, label, id_col, single)
        values = [columns.value]
    text_cols = [columns.time] + ([columns.id] if columns.id and not wide else [])
    names = list(sample.columns)
    rows = None
    if layout is not None and prefix is not None and columns.number_format == NumberFormat():
        rows = read_arrow_columns(
            raw, layout, delimiter, header, names, text_cols, values, columns.id
        )
    if rows is None and prefix is not None and prefix is not raw:
        text = decode(raw, label, encoding)  # pyarrow refused it: pandas reads the whole text
    del raw, prefix  # before the rows become a frame: the bytes are not held beside both
    if rows is None:
        fmt = columns.number_format
        frame = read_columns(text, delimiter, header, names, text_cols, values, fmt, label)
    else:
        frame = rows.to_frame()
    del text, rows
    line_offset = 2 if header is not None else 1  # file line of frame row 0
    blank = frame.isna().all(axis=1).to_numpy()
    if blank.any():
        frame = frame[~blank]  # blank lines, rows of empty fields
    if frame.empty:
        raise InputError(f"{label} has no data rows; it needs a time column and a value column")
    read = {*text_cols, *values}
    others = tuple(str(c) for c in sample.columns if c not in read)
    return Table(frame, columns, label, line_offset, notes, others)
