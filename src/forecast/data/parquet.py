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

from forecast.data.table import Table, choose_frame_columns, typed_table
from forecast.data.values import SAMPLE_ROWS
from forecast.errors import InputError


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
    head = _head(dataset)
    columns, wanted = choose_frame_columns(head, source, time_col, value_col, id_col, wide, single)
    try:
        frame = dataset.to_table(columns=wanted).to_pandas(strings_to_categorical=True)
    except Exception as exc:  # pyarrow raises its own classes for damaged files
        raise InputError(f"cannot read {source} as Parquet: {exc}") from None
    return typed_table(frame, columns, wanted, source, wide)


def dataset_head(source: str) -> pd.DataFrame:
    """The first rows of a Parquet file or directory (to choose columns without reading it)."""
    return _head(_dataset(source))


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


def _head(dataset: Any) -> pd.DataFrame:
    try:
        return dataset.head(SAMPLE_ROWS).to_pandas()
    except Exception as exc:
        raise InputError(f"cannot read Parquet data: {exc}") from None
