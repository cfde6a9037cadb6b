"""Machine-readable output: JSON-safe values, JSON documents and CSV tables."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from forecast.io.jsonable import jsonable


def to_json(document: Mapping[str, Any]) -> str:
    """One JSON document, strict (no NaN), with a trailing newline."""
    return json.dumps(jsonable(document), indent=2, allow_nan=False) + "\n"


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV table; missing numbers are empty fields, floats keep full precision. An empty
    ``header`` writes no header line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in jsonable(list(row))])
    return buffer.getvalue()
