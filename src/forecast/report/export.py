"""Machine-readable output: JSON-safe values, JSON documents and CSV tables."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from forecast.io.jsonable import jsonable


def to_json(document: Mapping[str, Any]) -> str:
    """One JSON document, strict (no NaN), with a trailing newline."""
    return json.dumps(jsonable(document), indent=2, allow_nan=False) + "\n"


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV table; missing numbers are empty fields, floats keep full precision. An empty
    ``header`` writes no header line."""
    return "".join(csv_chunks(header, rows, len_chunk=None))


CHUNK_ROWS = 100_000  # rows of a CSV table formatted at once (csv_chunks)


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Any]], len_chunk: int | None = CHUNK_ROWS
) -> Iterator[str]:
    """:func:`to_csv`'s text in pieces of ``len_chunk`` rows (None: one piece), so that a table
    of millions of rows is written without being held whole."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(header)
    held = 0
    for row in rows:
        writer.writerow([_cell(v) for v in row])
        held += 1
        if len_chunk is not None and held >= len_chunk:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            held = 0
    yield buffer.getvalue()


def _cell(value: Any) -> Any:
    """A CSV field: what :func:`jsonable` makes of the value, None (a missing number) empty.
    Plain floats, strings and ints, nearly every cell, skip the general conversion."""
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else ""
    if kind is str or kind is int:
        return value
    plain = jsonable(value)
    return "" if plain is None else plain
