"""A large panel CSV read by pyarrow one piece of whole lines at a time, each piece made
compact as soon as it is parsed: the path of :func:`forecast.data.read.read_table` for a
streamed file (:class:`forecast.data.csv_stream.CheckedFile`) with an id column.

:func:`forecast.data.csv_arrow.read_arrow_columns` parses the whole file into one Arrow table
and only then makes its columns compact: the ids, as text (about 10 bytes a row), stand whole
beside the rest, with the blocks pyarrow's reader read ahead and the parser's own buffers.
Here the bytes are read ``READ_BLOCK`` at a time and cut into pieces of whole lines
(:func:`line_pieces`), each parsed on its own with the same options: a row never straddles
two pieces, and no quote character can make a newline part of a field (a file with one is
not streamed). A few threads parse while this one makes the pieces compact, in order: the
values are written into one float64 array, the time texts are kept dictionary-encoded (as the
whole read keeps them), and the ids leave only the first row and the text of each run
(:class:`IdRuns`). The rows are those of the whole read, with the same values, categories and
codes (the tests compare them at random cuts), so :meth:`ArrowRows.to_frame` gives the same
frame.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from forecast.data import csv_arrow
from forecast.data.csv_arrow import ArrowRows, run_codes, runs_categorical

MAX_GUESS = 1 << 25  # rows reserved at first at most (256 MiB of float64, not resident)
MAX_WORKERS = 3  # the threads parsing pieces: more idle, waiting on this one's own work

if TYPE_CHECKING:
    import pandas as pd

    from forecast.data.csv_stream import CheckedFile


def line_pieces(stream: Any, size: int) -> Iterator[bytes | memoryview]:
    """The bytes of ``stream`` read ``size`` at a time, as pieces of whole lines, in order:
    each ends with a newline but the last, which ends where the bytes end; none is empty. The
    line a read leaves open is a piece of its own, joined to the start of the next read (a
    short copy); the whole lines of a read are a view of it (not copied)."""
    carry = b""
    while True:
        block = stream.read(size)
        if not block:
            break
        first, last = block.find(b"\n") + 1, block.rfind(b"\n") + 1
        if not first:
            carry += block  # a line longer than a read (the stream bounds its length)
            continue
        view = memoryview(block)
        if carry:
            yield carry + view[:first]
        if last > (first if carry else 0):
            yield view[first if carry else 0 : last]
        carry = bytes(view[last:])
    if carry:
        yield carry


class Growing:
    """A float64 array written piece after piece: its room grows in place (``realloc``, which
    moves the pages of a large array without copying them) and what was never written is not
    resident (``np.empty``); :meth:`result` trims it to the rows written."""

    def __init__(self, capacity: int) -> None:
        self._array = np.empty(max(capacity, 1), dtype=np.float64)
        self.n = 0

    def extend(self, values: np.ndarray) -> None:
        end = self.n + len(values)
        if end > len(self._array):
            self._array.resize(max(end, len(self._array) * 5 // 4), refcheck=False)
        self._array[self.n : end] = values
        self.n = end

    def result(self) -> np.ndarray:
        array, self._array = self._array, np.empty(0)
        array.resize(self.n, refcheck=False)  # no other reference: not a view of it
        return array


class IdRuns:
    """The id column, piece after piece, as its runs: the first row and the text of each run of
    equal ids, while the ids are listed one series after another in increasing order with none
    missing (then the rows' codes are the runs' numbers); from the first piece that breaks
    this, dictionary-encoded (as :func:`forecast.data.csv_arrow._id_categorical` encodes them,
    the rows before rebuilt from their runs)."""

    def __init__(self) -> None:
        self.n = 0
        self._firsts: list[np.ndarray] = []
        self._texts: list[Any] = []  # each piece's new runs' texts (Arrow strings)
        self._last: Any = None  # the last id so far (an Arrow scalar)
        self._encoded: list[Any] | None = None  # once the runs are broken: Arrow dictionaries

    def add(self, column: Any) -> None:
        """The ids of the next piece (a chunked Arrow string column)."""
        for chunk in column.chunks:
            if len(chunk) and not (self._encoded is None and self._runs(chunk)):
                self._encode(chunk)
            self.n += len(chunk)

    def _runs(self, chunk: Any) -> bool:
        """Whether ``chunk`` continues the sorted runs (then its runs are kept)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        k = len(chunk)
        if chunk.null_count:
            return False
        change = pc.not_equal(chunk.slice(1), chunk.slice(0, k - 1))
        starts = pc.indices_nonzero(change).to_numpy().astype(np.int64) + 1  # (uint64)
        if self._last is None or chunk[0] != self._last:  # not the last run going on
            starts = np.concatenate([np.zeros(1, np.int64), starts])
        texts = chunk.take(pa.array(starts))  # the new runs' ids: after the last, increasing
        if len(texts) and self._last is not None and not pc.less(self._last, texts[0]).as_py():
            return False
        if len(texts) > 1 and not pc.all(pc.less(texts[:-1], texts[1:])).as_py():
            return False
        self._firsts.append(starts + self.n)
        self._texts.append(texts)
        self._last = chunk[k - 1]
        return True

    def _encode(self, chunk: Any) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        if self._encoded is None:  # the rows so far, from their runs
            self._encoded = []
            if self.n:
                firsts, runs = self._joined()
                codes = run_codes(firsts, self.n)
                self._encoded.append(pa.DictionaryArray.from_arrays(codes, runs.combine_chunks()))
            self._firsts, self._texts = [], []
        self._encoded.append(pc.dictionary_encode(chunk))

    def _joined(self) -> tuple[np.ndarray, Any]:
        import pyarrow as pa

        firsts = np.concatenate(self._firsts) if self._firsts else np.zeros(0, np.int64)
        return firsts, pa.chunked_array(self._texts, type=pa.string())

    def categorical(self) -> tuple[pd.Categorical, Any, np.ndarray | None]:
        """What :func:`forecast.data.csv_arrow._id_categorical` gives for the whole column:
        the ids as a categorical, their distinct texts as Arrow holds them, and the first row
        of each run when the runs held to the end."""
        import pandas as pd
        import pyarrow as pa

        if self._encoded is not None:
            encoded = pa.chunked_array(self._encoded)
            return pd.Categorical(encoded.to_pandas()), encoded, None
        firsts, runs = self._joined()
        return runs_categorical(firsts, runs, self.n), runs, firsts


def read_pieces(
    stream: CheckedFile,
    delimiter: str,
    header: int | None,
    names: list[str],
    text_cols: list[str],
    value_cols: list[str],
    id_col: str,
) -> ArrowRows | None:
    """:func:`forecast.data.csv_arrow.read_arrow_columns` of a streamed panel (one value
    column), parsed piece by piece (see the module doc): the same rows, or None where it gives
    None (pyarrow refuses a piece, a block breaks a byte rule, a text starts with a blank) or
    no row was read (the whole-file path then reads the file)."""
    import pyarrow as pa

    from forecast.data.csv_arrow import _starts_blank
    from forecast.data.csv_stream import NotPlain

    (time_col,) = [c for c in text_cols if c != id_col]
    (value_col,) = value_cols
    options = csv_arrow.arrow_options(delimiter, text_cols, value_cols, id_col)
    ids, values, times = IdRuns(), Growing(_rows_guess(stream)), []
    try:
        for table in _parsed(stream, names, 0 if header is None else 1, options):
            ids.add(table.column(id_col))
            values.extend(table.column(value_col).to_numpy())
            times += table.column(time_col).chunks
            del table
    except (pa.ArrowException, ValueError, NotPlain):
        return None
    if not stream.complete() or not ids.n:
        return None
    pa.default_memory_pool().release_unused()
    categorical, distinct, runs = ids.categorical()
    time_texts = pa.chunked_array(times, type=pa.dictionary(pa.int32(), pa.string()))
    if _starts_blank(distinct) or _starts_blank(time_texts):
        return None  # pandas skips a space or tab that starts a field, pyarrow keeps it
    del distinct
    made = {id_col: categorical, value_col: values.result()}  # a frame's columns as they are
    rows = ArrowRows(pa.table({time_col: time_texts}), made, text_cols, value_cols)
    rows.id_runs = runs
    return rows


def _parsed(stream: CheckedFile, names: list[str], skip: int, options: Any) -> Iterator[Any]:
    """The pieces of ``stream`` parsed, in order: the bytes are read and checked here, and
    parsed by up to ``MAX_WORKERS`` threads (one less than Arrow's CPU count: this thread
    makes the pieces compact meanwhile), one piece ahead each (pyarrow lets the interpreter
    go while it parses); on one CPU, here."""
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    import pyarrow as pa

    workers = min(pa.cpu_count() - 1, MAX_WORKERS)
    if workers < 1:
        for piece in line_pieces(stream, csv_arrow.READ_BLOCK):
            yield _parse(piece, names, skip, options)
            skip = 0
        return
    pending: deque[Future[Any]] = deque()
    with ThreadPoolExecutor(workers) as pool:
        for piece in line_pieces(stream, csv_arrow.READ_BLOCK):
            pending.append(pool.submit(_parse, piece, names, skip, options))
            skip = 0
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _parse(piece: bytes | memoryview, names: list[str], skip: int, options: Any) -> Any:
    """One piece of whole lines parsed as the whole file is, in one block of pyarrow's."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    parse, convert = options
    read = pcsv.ReadOptions(
        column_names=names, skip_rows=skip, block_size=len(piece) + 1, use_threads=False
    )
    return pcsv.read_csv(
        pa.BufferReader(pa.py_buffer(piece)),
        read_options=read,
        parse_options=parse,
        convert_options=convert,
    )


def _rows_guess(stream: CheckedFile) -> int:
    """Room for the rows of the file, guessed generously from its first lines (room never
    written is not resident; too little grows), at most ``MAX_GUESS`` rows (first lines far
    shorter than the rest would reserve far too much)."""
    per_line = len(stream.head) / max(stream.head.count(b"\n"), 1)
    return min(int((stream.end - stream.start) / per_line * 1.25) + 1024, MAX_GUESS)
