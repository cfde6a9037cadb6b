"""Parquet input: a ``.parquet`` file or a directory of part files, read with pyarrow.

Only the chosen columns are read (the schema and the first rows choose them, as for CSV), so a
wide file with many unused columns costs what the three columns cost. Typed columns are kept:
a timestamp column stays datetime64, a float column float64; text columns are parsed as CSV
text would be.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from forecast.data.columns import choose_columns
from forecast.data.table import Table, wide_columns
from forecast.errors import InputError

SAMPLE_ROWS = 200


def is_parquet(source: str) -> bool:
    """A path ending in .parquet/.pq, or a directory holding .parquet files."""
    if source == "-":
        return False
    path = Path(source)
    if path.suffix.lower() in (".parquet", ".pq"):
        return True
    return path.is_dir() and any(path.glob("*.parquet"))


def read_parquet_table(
    source: str,
    time_col: str | None,
    value_col: str | None,
    id_col: str | None,
    wide: bool,
    single: bool,
) -> Table:
    dataset = _dataset(source)
    sample = _sample(dataset)
    if wide:
        columns = wide_columns(sample, time_col, source)
        wanted = list(sample.columns)
    else:
        columns = choose_columns(sample, time_col, value_col, source, id_col, single)
        wanted = [c for c in (columns.time, columns.id, columns.value) if c is not None]
    try:
        frame = dataset.to_table(columns=wanted).to_pandas()
    except Exception as exc:  # pyarrow raises its own classes for damaged files
        raise InputError(f"cannot read {source} as Parquet: {exc}") from None
    if frame.empty:
        raise InputError(f"{source} has no data rows; it needs a time column and a value column")
    for name in wanted:
        if name != columns.value and not pd.api.types.is_datetime64_any_dtype(frame[name]):
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
            frame[name] = frame[name].map(lambda v: v if v is None else str(v))
    if not wide and not pd.api.types.is_float_dtype(frame[columns.value]):
        numeric = pd.api.types.is_numeric_dtype(frame[columns.value])
        frame[columns.value] = frame[columns.value].astype("float64" if numeric else object)
    return Table(frame[wanted], columns, source, line_offset=0, notes=[])


def _dataset(source: str) -> Any:
    import pyarrow.dataset as ds

    path = Path(source)
    if not path.exists():
        raise InputError(f"file not found: {source}; check the path")
    try:
        if path.is_dir():
            parts = sorted(str(p) for p in path.glob("*.parquet"))
            return ds.dataset(parts, format="parquet")
        return ds.dataset(str(path), format="parquet")
    except Exception as exc:
        raise InputError(f"cannot read {source} as Parquet: {exc}") from None


def _sample(dataset: Any) -> pd.DataFrame:
    """The first rows as strings, for choosing columns exactly as for CSV."""
    try:
        head = dataset.head(SAMPLE_ROWS).to_pandas()
    except Exception as exc:
        raise InputError(f"cannot read Parquet data: {exc}") from None
    out = pd.DataFrame(index=head.index)
    for name in head.columns:
        column = head[name]
        if pd.api.types.is_datetime64_any_dtype(column):
            out[str(name)] = column.map(lambda t: None if pd.isna(t) else t.isoformat())
        else:
            out[str(name)] = column.map(lambda v: None if pd.isna(v) else str(v))
    return out
