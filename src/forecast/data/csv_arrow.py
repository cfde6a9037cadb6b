"""CSV rows read by pyarrow: the fast path of :func:`forecast.data.read.read_table`.

pandas' C parser with ``skip_blank_lines=False`` and ``skipinitialspace=True`` is the reference
(:func:`forecast.data.text.read_columns`); pyarrow reads the same rows to the same values when
the bytes rule out every place the two parsers differ, which :class:`Layout` checks on the
bytes and :func:`read_arrow_columns` on what pyarrow read:

* the text is ASCII, or valid UTF-8 under the default or a UTF-8 ``--encoding``;
* no quote character (quoting, and line numbers inside quoted fields), no carriage return but
  in ``\\r\\n``;
* blank lines: pandas keeps each as a row of missing values (rows map to file lines), and so
  does pyarrow with ``ignore_empty_lines=False`` (those at the very end are cut off first);
* no id or time text that starts with a space or tab (pandas skips it, pyarrow keeps it).

Then pyarrow reads only the chosen columns: in a panel the id and the time as pandas
categoricals (the time dictionary-encoded by pyarrow, the ids from their runs when the file
lists its series one after another in sorted order), the value as float64, pandas'
missing-value words as missing. Anything pyarrow refuses (a row with too few or too many
fields, a value that is not a number, a number format with a thousands separator) sends the
whole file to pandas, which names the problem exactly as before.
"""

from __future__ import annotations

import codecs
from typing import Any

import numpy as np
import pandas as pd

# pandas' words for a missing value (pandas._libs.parsers.STR_NA_VALUES; a test compares them)
# the bytes pyarrow parses at a time: 4 MiB took 7 % less CPU than its default 1 MiB on a
# 268 MB panel (fewer chunks to join, fewer dictionaries to unify); tests use a few bytes
READ_BLOCK = 1 << 22
NA_TEXTS = (
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
)


class Layout:
    """Whether pyarrow may read the bytes as pandas does (see the module doc): the checks that
    need the bytes (:class:`forecast.data.csv_stream.PlainBytes`, each rule one linear scan at
    memory speed); the rest is checked on what pyarrow read (:func:`read_arrow_columns`)."""

    def __init__(self, raw: bytes, encoding: str | None) -> None:
        from forecast.data.csv_stream import PlainBytes

        end = len(raw)
        while end and raw[end - 1] in b"\r\n":  # blank lines at the very end: no row follows
            end -= 1
        start = raw[3:64] if raw.startswith(codecs.BOM_UTF8) else raw[:64]
        rules = PlainBytes(encoding)
        self.plain = not start.startswith((b"\n", b"\r")) and rules.feed(raw) and rules.close()
        self.end = end

    def prefix(self, raw: bytes) -> bytes | None:
        """The first lines of ``raw``: enough for the delimiter and the sample (the same result
        as the whole text gives); None when pandas must read the file."""
        from forecast.data.csv_stream import first_lines

        return first_lines(raw, len(raw)) if self.plain else None

    def arrow_input(self, raw: bytes) -> Any:
        """The rows' bytes as pyarrow reads them: ``raw`` without its byte-order mark and the
        blank lines at the very end, not copied."""
        import pyarrow as pa

        start = 3 if raw.startswith(codecs.BOM_UTF8) else 0
        return pa.BufferReader(pa.py_buffer(raw).slice(start, self.end - start))


def _crlf_only(raw: bytes) -> bool:
    """Whether every carriage return of ``raw`` is followed by a newline (the rule
    :class:`forecast.data.csv_stream.CrlfOnly` checks block by block)."""
    from forecast.data.csv_stream import CrlfOnly

    rule = CrlfOnly()
    return rule.feed(raw) and rule.close()


def read_arrow_columns(
    source: Any,
    delimiter: str,
    header: int | None,
    names: list[str],
    text_cols: list[str],
    value_cols: list[str],
    id_col: str | None,
) -> ArrowRows | None:
    """The chosen columns of every row as pyarrow read them, or None when pyarrow refuses the
    file; :meth:`ArrowRows.to_frame` gives them as :func:`forecast.data.text.read_columns`
    does (text as strings, values as float64; with an id column, a panel whose ids and times
    repeat, the id and the time as categoricals). ``source``: the bytes
    (:meth:`Layout.arrow_input`), or a large file streamed through its checks
    (:class:`forecast.data.csv_stream.CheckedFile`: None when a block breaks a rule); it is
    not needed after this returns."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    from forecast.data.csv_stream import CheckedFile, NotPlain

    parse, convert = arrow_options(delimiter, text_cols, value_cols, id_col)
    try:
        table = pcsv.read_csv(
            source,
            read_options=pcsv.ReadOptions(
                column_names=names, skip_rows=0 if header is None else 1, block_size=READ_BLOCK
            ),
            parse_options=parse,
            convert_options=convert,
        )
    except (pa.ArrowException, ValueError, NotPlain):
        return None
    if isinstance(source, CheckedFile) and not source.complete():
        return None
    pa.default_memory_pool().release_unused()  # the parser's blocks: not held beside the rows
    ids, distinct, runs = (
        (None, None, None) if id_col is None else _id_categorical(table.column(id_col))
    )
    if distinct is not None and _starts_blank(distinct):
        return None  # pandas skips a space or tab that starts a field, pyarrow keeps it
    del distinct
    if any(_starts_blank(table.column(c)) for c in text_cols if c != id_col):
        return None
    rest = table.drop_columns([id_col] if id_col else [])
    rows = ArrowRows(rest, {} if id_col is None else {id_col: ids}, text_cols, value_cols)
    rows.id_runs = runs
    return rows


def arrow_options(
    delimiter: str, text_cols: list[str], value_cols: list[str], id_col: str | None
) -> tuple[Any, Any]:
    """pyarrow's parse and convert options for the chosen columns (see the module doc)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    text_type = pa.dictionary(pa.int32(), pa.string()) if id_col else pa.string()
    types: dict[str, Any] = {c: pa.string() if c == id_col else text_type for c in text_cols}
    types.update({c: pa.float64() for c in value_cols})
    # a blank line is a row of missing values, as in pandas (rows map to file lines)
    parse = pcsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False)
    convert = pcsv.ConvertOptions(
        column_types=types,
        include_columns=[*text_cols, *value_cols],
        null_values=list(NA_TEXTS),
        strings_can_be_null=True,
    )
    return parse, convert


class ArrowRows:
    """The rows :func:`read_arrow_columns` read: the Arrow columns but those made already
    (``made``: the ids as a categorical; a streamed panel's values as float64), by name."""

    def __init__(
        self, table: Any, made: dict[str, Any], text_cols: list[str], value_cols: list[str]
    ) -> None:
        self._table = table
        self._made = made
        self._columns = (text_cols, value_cols)
        self.id_runs: np.ndarray | None = None  # see forecast.data.table.Table.id_runs

    def to_frame(self) -> pd.DataFrame:
        """The rows as a frame (once: each Arrow column is let go as its pandas column is
        made, so the two are never held whole together)."""
        from forecast.data.table import arrow_frame

        table, self._table = self._table, None
        if table is None:
            raise RuntimeError("ArrowRows.to_frame is called once")
        frame = arrow_frame(table)
        del table
        made, self._made = self._made, {}
        for name, column in made.items():  # a Series not copied (a Categorical set is copied)
            frame[name] = pd.Series(column, index=frame.index, copy=False)
        del made
        text_cols, value_cols = self._columns
        for name in text_cols:
            if not isinstance(frame[name].dtype, pd.CategoricalDtype):
                frame[name] = frame[name].astype(object)  # pandas' parser gives Python strings
        return frame[[*text_cols, *value_cols]]


def _id_categorical(column: Any) -> tuple[pd.Categorical, Any, np.ndarray | None]:
    """The ids as a categorical, its distinct texts as Arrow holds them (a chunked array of
    strings or dictionaries), and the first row of each id's run when the file lists its
    series one after another, in sorted order: then the codes come from the runs (one
    comparison of neighbours, no hashing); any other order, or a missing id, is
    dictionary-encoded by pyarrow."""
    import pyarrow.compute as pc

    n = len(column)
    if n and not column.null_count:
        change = pc.not_equal(column.slice(1), column.slice(0, n - 1))
        later = pc.indices_nonzero(change).to_numpy().astype(np.int64) + 1  # (uint64)
        firsts = np.concatenate([np.zeros(1, np.int64), later])
        runs = _take_sorted(column, firsts)
        if len(runs) < 2 or pc.all(pc.less(runs.slice(0, len(runs) - 1), runs.slice(1))).as_py():
            return runs_categorical(firsts, runs, n), runs, firsts
    encoded = pc.dictionary_encode(column)
    return pd.Categorical(encoded.to_pandas()), encoded, None


def runs_categorical(firsts: np.ndarray, runs: Any, n: int) -> pd.Categorical:
    """The categorical of ``n`` ids listed as runs: run ``i`` starts at row ``firsts[i]`` and
    its id is ``runs[i]`` (Arrow strings, increasing): its codes are the runs' numbers."""
    codes = run_codes(firsts, n)
    texts = pd.Index(runs.to_numpy(zero_copy_only=False), dtype=object)
    return pd.Categorical.from_codes(codes, categories=texts, validate=False)


def run_codes(firsts: np.ndarray, n: int) -> np.ndarray:
    """Row codes of ``n`` rows in runs starting at ``firsts`` (0, then increasing, below
    ``n``): run ``i``'s rows are ``i``."""
    return np.repeat(np.arange(len(firsts), dtype=np.int32), np.diff(np.append(firsts, n)))


def _take_sorted(column: Any, rows: Any) -> Any:
    """``column.take(rows)`` for increasing ``rows``, chunk by chunk (a chunked array's
    ``take`` joins its chunks first: a copy of the whole column)."""
    import numpy as np
    import pyarrow as pa

    pieces, start = [], 0
    for chunk in column.chunks:
        lo, hi = np.searchsorted(rows, [start, start + len(chunk)])
        if hi > lo:
            pieces.append(chunk.take(pa.array(rows[lo:hi] - start)))
        start += len(chunk)
    return pa.chunked_array(pieces, type=column.type)


def _starts_blank(column: Any) -> bool:
    """Whether a text of ``column`` (a chunked string or dictionary array) starts with a space
    or a tab."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = [c.dictionary if pa.types.is_dictionary(c.type) else c for c in column.chunks]
    if not texts:
        return False
    every = pa.chunked_array(texts, type=texts[0].type)  # one call, not one a chunk
    return any(pc.any(pc.starts_with(every, blank)).as_py() for blank in (" ", "\t"))
