"""Machine-readable output: JSON-safe values, JSON documents and CSV tables."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def jsonable(value: Any) -> Any:
    """Plain JSON types: NaN and infinities become null, numpy scalars and timestamps plain."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return jsonable(value.tolist())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} in JSON")


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
