"""A single Parquet file read a row group at a time, each row group made compact as it comes.

The dataset scanner (``dataset.to_table``) decodes row groups ahead on every thread, and
Arrow's pool keeps their pages: at the end of a 10M-row read it held 1.3x the table's bytes
beside the table; then ``to_pandas`` copies a column of several chunks (a timestamp column
even from one chunk), and joins the dictionaries of a text column into new codes while the
old ones are held. Here each row group's pages are let go before the next is read: float64
and time-zone-naive timestamp columns are copied into one array of the file's length (a null
as NaN or NaT, as ``to_pandas`` writes it), and dictionary-encoded text into one array of codes,
each row group's dictionary kept once and joined at the end as pyarrow joins them (its
``unify_dictionaries``: the same categories in the same order). The frame equals the one
:func:`forecast.data.table.arrow_frame` gives for the scanner's table: the same values,
dtypes, categories and column labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def compact_kind(kind: Any) -> str | None:
    """How a column of Arrow type ``kind`` is gathered: "float", "stamp", "text" (a
    dictionary of strings with int32 codes), or None (the scanner reads the file)."""
    import pyarrow as pa

    if kind == pa.float64():
        return "float"
    if pa.types.is_timestamp(kind) and kind.tz is None:
        return "stamp"
    if pa.types.is_dictionary(kind) and kind.index_type == pa.int32():
        return "text" if pa.types.is_string(kind.value_type) else None
    return None


def read_row_groups(dataset: Any, wanted: list[str]) -> pd.DataFrame | None:
    """The frame of the columns ``wanted`` of a single-file ``dataset``, a row group at a
    time; None (the scanner reads it) for a directory, repeated names, a pandas index column,
    a column of another type, no timestamp column, a file without rows, or one pyarrow
    refuses (the scanner then says why, in its words). Without a typed timestamp column (text
    times, read as a dictionary) the scanner's frame peaks lower (0.80x the Arrow table of a
    10M-row panel against 0.86x here: ``to_pandas`` narrows each column's codes as it goes,
    where this holds every text column's int32 codes at once)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = getattr(dataset, "files", None)
    keys = getattr(getattr(dataset, "partitioning", None), "schema", None)
    if files is None or len(files) != 1 or (keys is not None and len(keys)):
        return None
    schema = dataset.schema
    index = (schema.pandas_metadata or {}).get("index_columns", ())
    if len(set(wanted)) != len(wanted) or set(wanted) & {c for c in index if isinstance(c, str)}:
        return None
    fields = [schema.field(n) for n in wanted]
    kinds = [compact_kind(f.type) for f in fields]
    if None in kinds or "stamp" not in kinds:  # text times: the scanner's frame is leaner
        return None
    pool = pa.default_memory_pool()
    try:
        text = [f.name for f, kind in zip(fields, kinds, strict=True) if kind == "text"]
        reader = pq.ParquetFile(files[0], read_dictionary=text)
        rows = reader.metadata.num_rows
        if not rows or not reader.schema_arrow.equals(schema):
            return None
        gathered = [_Column(f, kind, rows) for f, kind in zip(fields, kinds, strict=True)]
        done = 0
        for group in range(reader.num_row_groups):
            part = reader.read_row_group(group, columns=wanted)
            if done + part.num_rows > rows:
                return None
            for column, chunks in zip(gathered, part.columns, strict=True):
                column.add(chunks, done)
            done += part.num_rows
            del part
            pool.release_unused()
        if done != rows:
            return None
        data = {f.name: column.finish() for f, column in zip(fields, gathered, strict=True)}
        labels = pa.schema(fields, metadata=schema.metadata).empty_table().to_pandas().columns
    except Exception:  # pyarrow's own classes, for a damaged file
        return None
    frame = pd.DataFrame(data, copy=False)
    frame.columns = labels  # to_pandas' labels (their dtype, a name from the metadata)
    return frame


class _Column:
    """One column's row groups gathered into an array of the file's length."""

    def __init__(self, field: Any, kind: str | None, rows: int) -> None:
        self.field, self.kind = field, kind  # compact_kind(field.type)
        dtype: Any = {"float": np.float64, "text": np.int32}.get(str(self.kind))
        if self.kind == "stamp":
            dtype = f"M8[{field.type.unit}]"
        self.array = np.empty(rows, dtype=dtype)
        self.dictionaries: list[Any] = []  # text: each row group's dictionary, once
        self.which: list[tuple[int, int, int]] = []  # rows start, stop: their dictionary

    def add(self, column: Any, start: int) -> None:
        for chunk in column.chunks:
            stop = start + len(chunk)
            if self.kind != "text":
                self.array[start:stop] = chunk.to_numpy(zero_copy_only=False)
            else:
                self._add_text(chunk, start, stop)
            start = stop

    def _add_text(self, chunk: Any, start: int, stop: int) -> None:
        if chunk.dictionary.null_count:
            raise ValueError("a dictionary holds a null")
        if not self.dictionaries or not chunk.dictionary.equals(self.dictionaries[-1]):
            self.dictionaries.append(chunk.dictionary)
        self.which.append((start, stop, len(self.dictionaries) - 1))
        self.array[start:stop] = chunk.indices.fill_null(-1).to_numpy()

    def finish(self) -> Any:
        """The column as ``to_pandas`` gives it; text as a categorical of the dictionaries
        joined in order (each code moved to its place among them)."""
        import pyarrow as pa

        array, self.array = self.array, np.empty(0)
        if self.kind != "text":
            return array
        own = [
            pa.DictionaryArray.from_arrays(pa.array(np.arange(len(d), dtype=np.int32)), d)
            for d in self.dictionaries
        ]
        joined = pa.chunked_array(own, type=self.field.type).unify_dictionaries()
        moves = [np.append(c.indices.to_numpy(), -1).astype(np.int32) for c in joined.chunks]
        if any((m[:-1] != np.arange(len(m) - 1)).any() for m in moves):
            for start, stop, d in self.which:  # code -1 (a null) takes the last: -1
                array[start:stop] = moves[d][array[start:stop]]
        empty = pa.DictionaryArray.from_arrays(pa.array([], pa.int32()), joined.chunk(0).dictionary)
        dtype = empty.to_pandas().dtype
        return pd.Series(pd.Categorical.from_codes(array, dtype=dtype), copy=False)
