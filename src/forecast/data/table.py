"""The rows of a CSV file, stdin, Parquet input or a DataFrame, before any validation: a
``Table``.

:mod:`forecast.data.read` reads a source into one: CSV text through :mod:`forecast.data.text`
(encoding, delimiter, header) and :mod:`forecast.data.columns` (which column is what), Parquet
through :mod:`forecast.data.parquet`. A wide table (``--wide``: the time column and one
numeric column per series) is turned into the long shape here, so everything after sees id, time
and value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecast.data.columns import Columns, choose_columns
from forecast.data.panel_arrays import decategorize
from forecast.data.values import SAMPLE_ROWS, NumberFormat, number_format
from forecast.errors import InputError, UsageError

WIDE_ID = "series"


@dataclass
class Table:
    """The chosen columns of every row; ``line_offset`` maps frame row labels to file lines."""

    frame: pd.DataFrame
    columns: Columns
    label: str
    line_offset: int
    notes: list[str] = field(default_factory=list)
    others: tuple[str, ...] = ()  # the file's columns that were not read (a missed id column?)
    # the first row of each id's run when the rows list their series one after another in
    # increasing id order, no id missing: the id column is a categorical of those ids, sorted,
    # its codes 0, 0, ..., 1, 1, ... (the panel then skips finding the series again)
    id_runs: np.ndarray | None = None


def wide_columns(sample: pd.DataFrame, time_col: str | None, label: str) -> Columns:
    """``--wide``: the time column (given or detected); every other column is a series."""
    from forecast.data.columns import is_time_column

    names = [str(c) for c in sample.columns]
    if time_col is None:
        dates = [c for c in names if is_time_column(c, sample[c], number_format(sample[c]))]
        if len(dates) != 1:
            found = "no date-like column" if not dates else f"several date-like columns {dates}"
            raise UsageError(f"{label} has {found}; pass --time-col NAME (columns: {names})")
        time_col = dates[0]
    elif time_col not in names:
        raise UsageError(f"--time-col {time_col!r} is not a column of {label}; columns: {names}")
    others = [c for c in names if c != time_col]
    if not others:
        raise UsageError(f"--wide: {label} has no series columns besides {time_col!r}")
    formats = [number_format(sample[c]) for c in others]
    fmt = next((f for f in formats if f is not None), NumberFormat())
    return Columns(time_col, "value", WIDE_ID, fmt)


def frame_table(
    frame: pd.DataFrame,
    label: str = "<frame>",
    *,
    time_col: str | None = None,
    value_col: str | None = None,
    id_col: str | None = None,
    wide: bool = False,
    single: bool = False,
) -> Table:
    """A pandas DataFrame (a notebook's, or Parquet's) as a Table, columns chosen as for CSV."""
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    head = frame.iloc[:SAMPLE_ROWS]
    columns, wanted = choose_frame_columns(head, label, time_col, value_col, id_col, wide, single)
    table = typed_table(frame[wanted].copy(), columns, wanted, label, wide)
    return wide_to_long(table) if wide else table


def choose_frame_columns(
    head: pd.DataFrame,
    label: str,
    time_col: str | None,
    value_col: str | None,
    id_col: str | None,
    wide: bool,
    single: bool,
) -> tuple[Columns, list[str]]:
    """The columns of a typed frame, chosen on its first rows written as text."""
    sample = as_text(head)
    if wide:
        return wide_columns(sample, time_col, label), list(sample.columns)
    columns = choose_columns(sample, time_col, value_col, label, id_col, single)
    return columns, [c for c in (columns.time, columns.id, columns.value) if c is not None]


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as strings (timestamps in ISO format), missing values as None."""
    out: dict[str, pd.Series] = {}  # built at once: inserting column by column is quadratic
    for i, name in enumerate(frame.columns):
        column = frame.iloc[:, i]
        if pd.api.types.is_datetime64_any_dtype(column):
            out[str(name)] = column.map(lambda t: None if pd.isna(t) else t.isoformat())
        else:
            out[str(name)] = column.map(lambda v: None if pd.isna(v) else str(v))
    return pd.DataFrame(out, index=frame.index)


def typed_table(
    frame: pd.DataFrame, columns: Columns, wanted: list[str], label: str, wide: bool
) -> Table:
    """Typed columns as the loader reads them: timestamps kept, ids and text times as strings
    (a categorical of strings stays one, except in a wide table), numeric values as float64
    (others as text, to name a bad row)."""
    if frame.empty:
        raise InputError(f"{label} has no data rows; it needs a time column and a value column")
    values = [c for c in wanted if c != columns.time] if wide else [columns.value]
    for name in wanted:
        column = frame[name]
        if name in values:
            if not pd.api.types.is_float_dtype(column):
                numeric = pd.api.types.is_numeric_dtype(column)
                frame[name] = column.astype("float64" if numeric else object)
        elif isinstance(column.dtype, pd.CategoricalDtype):  # Parquet text: codes and texts
            of_strings = column.cat.categories.inferred_type == "string"
            frame[name] = column if of_strings and not wide else decategorize(column)
        elif not pd.api.types.is_datetime64_any_dtype(column):
            text = column.astype(object).where(column.notna(), None)
            frame[name] = text.map(lambda v: v if v is None else str(v))
    return Table(frame[wanted], columns, label, line_offset=0, notes=[])


def arrow_frame(table: Any, strings_to_categorical: bool = False) -> pd.DataFrame:
    """``table.to_pandas(strings_to_categorical=...)``, one column at a time: each column's
    Arrow buffers are let go as soon as its pandas column exists, and the memory Arrow's pool
    kept from the read (decoded pages, the chunks a column was joined from) is handed back to
    the system, instead of standing beside the panel's arrays. The caller passes its only
    reference to ``table``."""
    import pyarrow as pa

    pool = pa.default_memory_pool()
    metadata = table.schema.pandas_metadata or {}
    index_columns = {c for c in metadata.get("index_columns", ()) if isinstance(c, str)}
    names = table.column_names
    whole = len(set(names)) != len(names) or bool(index_columns & set(names))
    parts: list[pd.DataFrame] = []
    while table.num_columns > 1 and not whole:
        pool.release_unused()
        one, table = table.select([0]), table.remove_column(0)
        parts.append(
            one.to_pandas(strings_to_categorical=strings_to_categorical, self_destruct=True)
        )
        del one
    pool.release_unused()  # the rest at once (pandas' index columns restored as the index,
    # repeated names as pyarrow gives them)
    parts.append(table.to_pandas(strings_to_categorical=strings_to_categorical, self_destruct=True))
    del table
    pool.release_unused()
    return parts[0] if len(parts) == 1 else pd.concat(parts, axis=1)


def wide_to_long(table: Table) -> Table:
    """A wide table (time + one column per series) as id, time, value rows, series by series."""
    frame, tcol = table.frame, table.columns.time
    series = [c for c in frame.columns if c != tcol]
    rows = len(frame)
    ids = np.repeat(np.array(series, dtype=object), rows)
    index = np.tile(frame.index.to_numpy(), len(series))
    long = pd.DataFrame(
        {
            tcol: np.tile(frame[tcol].to_numpy(), len(series)),
            WIDE_ID: ids,
            "value": np.concatenate([frame[c].to_numpy(dtype=object) for c in series])
            if any(frame[c].dtype != np.float64 for c in series)
            else np.concatenate([frame[c].to_numpy() for c in series]),
        },
        index=index,
    )
    columns = Columns(tcol, "value", WIDE_ID, table.columns.number_format)
    return Table(long, columns, table.label, table.line_offset, table.notes)
