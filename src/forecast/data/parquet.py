"""Parquet input: a ``.parquet`` file or a directory of part files, read with pyarrow.

A directory is read flat (``part-0.parquet``, ``part-1.parquet``...) or Hive-partitioned, at any
depth (``region=N/store=007/part-0.parquet``): each ``KEY=VALUE`` folder level becomes a text
column ``KEY`` (the value as written: ``007`` stays ``"007"``), which may be the id, the time or
any other column. Names starting with ``.`` or ``_`` (``_SUCCESS``, ``_metadata``) are skipped,
as Spark, Hive and pyarrow skip them; so is any file not named ``*.parquet``.

Only the chosen columns are read (the schema and the first rows choose them, as for CSV), so a
wide file with many unused columns costs what the three columns cost. Typed columns are kept:
a timestamp column stays datetime64, a float column float64; text columns are parsed as CSV
text would be.
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from forecast.data.columns import ID_NAMES, TIME_HINTS, VALUE_NAMES, YEAR_NAMES
from forecast.data.table import Table, arrow_frame, choose_frame_columns, typed_table
from forecast.data.values import SAMPLE_ROWS
from forecast.errors import InputError, UsageError


def is_parquet(source: str) -> bool:
    """A path ending in .parquet/.pq, or a directory (of part files: flat or Hive-partitioned;
    one without any is refused by the Parquet reader, which says so)."""
    if source == "-":
        return False
    path = Path(source)
    return path.suffix.lower() in (".parquet", ".pq") or path.is_dir()


@dataclass(frozen=True)
class PartFiles:
    """The part files of a directory: ``files`` (sorted by path), ``keys`` the Hive partition
    columns, outermost first (``()`` for a flat directory)."""

    root: str
    files: tuple[str, ...]
    keys: tuple[str, ...] = ()

    def parts(self) -> list[str]:
        """The units a worker reads whole: each file of a flat directory, each innermost
        ``KEY=VALUE`` folder of a partitioned one (all its files), in path order."""
        if not self.keys:
            return list(self.files)
        return list(dict.fromkeys(os.path.dirname(f) for f in self.files))


def part_layout(source: str) -> PartFiles:
    """The ``*.parquet`` files of the directory ``source`` and its ``KEY=VALUE`` folders;
    refused when it has none, or when files sit at different partition levels."""
    found: list[tuple[str, tuple[str, ...]]] = []
    _walk(source, (), found)
    if not found:
        raise InputError(
            f"{source} is a directory with no .parquet part files; give a directory of "
            "*.parquet files (flat, or Hive-partitioned: unique_id=A/part-0.parquet), a "
            ".parquet file or a CSV file"
        )
    levels = {keys for _, keys in found}
    if len(levels) > 1:
        first, other = sorted(levels, key=len)[:2]
        where = [next(f for f, k in found if k == keys) for keys in (first, other)]
        raise InputError(
            f"{source} mixes partition levels: {os.path.relpath(where[0], source)} has "
            f"{_keys(first)}, {os.path.relpath(where[1], source)} has {_keys(other)}; every part "
            "file needs the same KEY=VALUE folders"
        )
    return PartFiles(source, tuple(f for f, _ in found), found[0][1])


def _walk(folder: str, keys: tuple[str, ...], found: list[tuple[str, tuple[str, ...]]]) -> None:
    """Collect the ``*.parquet`` entries under ``folder`` (a directory named so is kept, for
    the reader to refuse by name), descending into ``KEY=VALUE`` folders (not through links)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        raise InputError(f"cannot list {folder}: {exc.strerror or exc}") from None
    for entry in entries:
        if entry.name.startswith((".", "_")):
            continue
        key, sep, _ = entry.name.partition("=")
        if sep and key and entry.is_dir(follow_symlinks=False):
            _walk(entry.path, (*keys, key), found)
        elif entry.name.lower().endswith(".parquet"):
            found.append((entry.path, keys))


def _keys(keys: tuple[str, ...]) -> str:
    return "no partition folders" if not keys else "partitions " + "/".join(keys)


def read_parquet_table(
    source: str,
    time_col: str | None,
    value_col: str | None,
    id_col: str | None,
    wide: bool,
    single: bool,
    root: str | None = None,
) -> Table:
    """The chosen columns of ``source`` (a file or a directory); ``root``: the partitioned
    directory that ``source`` (one part of it) lies in, whose ``KEY=VALUE`` folders above
    ``source`` are restored as columns too."""
    dataset = _dataset(source, root=root)
    columns, wanted = _choose(dataset, source, time_col, value_col, id_col, wide, single)
    if not wide:  # text ids and times read as dictionaries: codes, each text once
        text = _text_columns(dataset.schema, [columns.time, columns.id])
        dataset = _dataset(source, dictionary=text, root=root) if text else dataset
    try:
        frame = _read_frame(dataset, wanted)
    except Exception as exc:  # pyarrow raises its own classes for damaged files
        raise InputError(f"cannot read {source} as Parquet: {exc}") from None
    read = typed_table(frame, columns, wanted, source, wide)
    return dataclasses.replace(read, others=_unread(dataset, wanted))


def _read_frame(dataset: Any, wanted: list[str]) -> pd.DataFrame:
    """The columns ``wanted`` as a frame: a single file's a row group at a time, each made
    compact as it comes (:mod:`forecast.data.parquet_groups`), else the scanner's whole
    table, which ``arrow_frame`` lets go a column at a time."""
    from forecast.data.parquet_groups import read_row_groups

    frame = read_row_groups(dataset, wanted)
    if frame is None:
        frame = arrow_frame(dataset.to_table(columns=wanted), strings_to_categorical=True)
    return frame


def _unread(dataset: Any, wanted: list[str]) -> tuple[str, ...]:
    """The columns not read, for a refusal to name (a missed id column?): the partition
    folders' first, innermost first, then the files' own, in their order."""
    partitioning = getattr(dataset, "partitioning", None)
    schema = getattr(partitioning, "schema", None)
    keys = [str(n) for n in schema.names] if schema is not None else []
    names = [*reversed(keys), *(str(n) for n in dataset.schema.names if n not in keys)]
    index = re.compile(r"^__index_level_\d+__$")  # a pandas index written as a column
    return tuple(n for n in dict.fromkeys(names) if n not in wanted and not index.match(n))


def _text_columns(schema: Any, names: list[str | None]) -> list[str]:
    """Those of ``names`` that the schema types as text."""
    import pyarrow as pa

    fields = {str(f.name): f.type for f in schema}
    kinds = (pa.types.is_string, pa.types.is_large_string)
    return [n for n in names if n in fields and any(kind(fields[n]) for kind in kinds)]


def _choose(
    dataset: Any,
    source: str,
    time_col: str | None,
    value_col: str | None,
    id_col: str | None,
    wide: bool,
    single: bool,
) -> tuple[Any, list[str]]:
    """The columns, chosen on the first rows of only those that may play a part (from the
    schema); a refusal is worded on every column, as CSV's."""
    options = (time_col, value_col, id_col, wide, single)
    nested = _nested(dataset.schema, source, options)
    plain = [str(n) for n in dataset.schema.names if n not in nested]
    few = None
    if not wide:
        few = candidate_columns(dataset.schema, time_col, value_col, id_col, single, nested)
    if few is not None:
        try:
            chosen = choose_frame_columns(_head(dataset, few), source, *options)
        except UsageError:
            chosen = None  # the message names every column: choose again on all of them
        # a value column found by its name (y, target, value) stands; another one was chosen
        # only because the others were left out (an empty y in the first rows): look at all
        if chosen is not None and (
            value_col is not None or chosen[0].value.strip().lower() in VALUE_NAMES
        ):
            return chosen
    return choose_frame_columns(_head(dataset, plain if nested else None), source, *options)


def _nested(schema: Any, source: str, options: tuple[Any, ...]) -> set[str]:
    """The columns of lists, structs or maps, left out of the choice; one that is named, or
    named like a time, value or id column (or any in ``--wide``), is refused, with its type."""
    import pyarrow as pa

    time_col, value_col, id_col, wide, _ = options
    nested = {str(f.name): str(f.type) for f in schema if pa.types.is_nested(f.type)}
    for name, kind in nested.items():
        lower = name.strip().lower()
        named = name in (time_col, value_col, id_col) or lower in (*VALUE_NAMES, *ID_NAMES)
        if wide or named or lower in YEAR_NAMES or any(h in lower for h in TIME_HINTS):
            raise InputError(
                f"{source}: column {name!r} holds {kind} values, not numbers, text or "
                "timestamps; a time, value or id column needs one value per row (flatten it)"
            )
    return set(nested)


def candidate_columns(
    schema: Any,
    time_col: str | None,
    value_col: str | None,
    id_col: str | None,
    single: bool,
    nested: set[str],
) -> list[str] | None:
    """The columns whose first rows can change the choice of the time, value and id columns
    (see :mod:`forecast.data.columns`), or None for all of them. A numeric column (typed so in
    the schema) is left out unless it is named, may be a year or Unix time by its name, an id
    by its name, or the value (when ``--value-col`` is not given: the ones named y, target or
    value if there are any, else every numeric column). ``nested`` columns are left out."""
    import pyarrow as pa

    names = [str(n) for n in schema.names]
    if len(set(names)) != len(names):
        return None
    names = [n for n in names if n not in nested]
    kinds = (pa.types.is_integer, pa.types.is_floating, pa.types.is_decimal)
    numeric = {str(f.name) for f in schema if any(kind(f.type) for kind in kinds)}
    given = {time_col, value_col, id_col}

    def may_matter(name: str) -> bool:
        lower = name.strip().lower()
        if name in given or name not in numeric:
            return True
        if time_col is None and (lower in YEAR_NAMES or any(h in lower for h in TIME_HINTS)):
            return True
        return id_col is None and not single and lower in ID_NAMES

    kept = [n for n in names if may_matter(n)]
    if value_col is None:
        values = [n for n in names if n in numeric and n not in kept]
        preferred = [n for n in values if n.strip().lower() in VALUE_NAMES]
        kept += preferred or values
    return [n for n in names if n in kept] if len(kept) < len(names) else None


def dataset_head(source: str, root: str | None = None) -> pd.DataFrame:
    """The first rows of a Parquet file or directory (to choose columns without reading it);
    ``root`` as in :func:`read_parquet_table`."""
    return _head(_dataset(source, root=root))


def read_column(source: str, name: str, root: str | None = None) -> Any:
    """The column ``name`` of a Parquet file or directory (a partition folder's too), as a
    pyarrow ChunkedArray; ``root`` as in :func:`read_parquet_table`."""
    dataset = _dataset(source, root=root)
    try:
        return dataset.to_table(columns=[name]).column(0)
    except Exception as exc:  # pyarrow raises its own classes for damaged files
        raise InputError(f"cannot read column {name!r} of {source} as Parquet: {exc}") from None


def read_parquet_frame(source: str) -> pd.DataFrame:
    """Every column of a Parquet file or directory (partition columns as text), as a frame."""
    dataset = _dataset(source)
    try:
        return dataset.to_table().to_pandas()
    except Exception as exc:  # pyarrow raises its own classes for damaged files
        raise InputError(f"cannot read {source} as Parquet: {exc}") from None


def _dataset(source: str, dictionary: list[str] | None = None, root: str | None = None) -> Any:
    """The file or the directory's part files, their ``KEY=VALUE`` folders as text columns;
    ``dictionary``: text columns read as dictionaries (pandas categoricals); ``root``: the
    partitioned directory ``source`` is a part of (its folders above ``source`` count too)."""
    import pyarrow.dataset as ds

    from forecast.io.bounded import require_regular

    info = require_regular(source, what="Parquet file", allow_dir=True)
    files: list[str] = [source]
    keys: tuple[str, ...] = ()
    if stat.S_ISDIR(info.st_mode):
        layout = part_layout(source)
        files, keys = list(layout.files), layout.keys
        for part in files:
            require_regular(part, what="Parquet part file", error=InputError)
    if root is not None:
        keys = (*_folder_keys(root, source, stat.S_ISDIR(info.st_mode)), *keys)
    file_format: Any = "parquet"
    if dictionary:
        read_options = ds.ParquetReadOptions(dictionary_columns=set(dictionary))
        file_format = ds.ParquetFileFormat(read_options=read_options)
    try:
        if not keys:
            return ds.dataset(files, format=file_format)
        return ds.dataset(
            files,
            format=file_format,
            partitioning=_hive(keys),
            partition_base_dir=source if root is None else root,
        )
    except Exception as exc:
        raise InputError(f"cannot read {source} as Parquet: {exc}") from None


def _folder_keys(root: str, source: str, is_dir: bool) -> tuple[str, ...]:
    """The partition keys of the ``KEY=VALUE`` folders between ``root`` and ``source``."""
    folder = source if is_dir else os.path.dirname(source)
    relative = os.path.relpath(folder, root)
    if relative == os.curdir:
        return ()
    return tuple(name.partition("=")[0] for name in relative.split(os.sep))


def _hive(keys: tuple[str, ...]) -> Any:
    """Hive partitioning with every key as text: a folder ``store=007`` gives ``"007"``
    (pyarrow would infer 7), as the id was written."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    return ds.partitioning(pa.schema([pa.field(k, pa.string()) for k in keys]), flavor="hive")


def _head(dataset: Any, columns: list[str] | None = None) -> pd.DataFrame:
    """The first SAMPLE_ROWS rows: from the first file's first batches when it holds them and
    has the dataset's schema (``dataset.head`` reads ahead, tenths of a second on a large
    file), else ``dataset.head``."""
    try:
        head = _first_file_head(dataset, columns)
        if head is None:
            head = dataset.head(SAMPLE_ROWS, columns=columns)
        return head.to_pandas()
    except Exception as exc:
        raise InputError(f"cannot read Parquet data: {exc}") from None


def _first_file_head(dataset: Any, columns: list[str] | None) -> Any:
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = getattr(dataset, "files", None)
    if not files:
        return None
    reader = pq.ParquetFile(files[0])
    if not reader.schema_arrow.equals(dataset.schema) or reader.metadata.num_rows < SAMPLE_ROWS:
        return None
    batches = reader.iter_batches(batch_size=SAMPLE_ROWS, columns=columns, use_threads=False)
    table = pa.Table.from_batches([next(batches)])
    return table if table.num_rows == SAMPLE_ROWS else None
