"""Choosing the columns of a table: the time, the value and (for a panel) the series id.

Detection rules, applied to the first rows (the sample):

* time: the one date-like column (or a numeric column named like a year holding years, or
  named like a time holding Unix seconds or milliseconds);
* id: a column named ``--id-col``; else one named ``unique_id`` (statsforecast), ``segment``
  (ETNA), ``id``, ``series_id``, ``series`` or ``item_id`` whose values repeat; else the single
  text column, other than the time, whose values repeat. None: the table is one series;
* value: the one numeric column other than the time and the id (``y`` and ``target`` are
  preferred by name when there are several).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from forecast.data.values import (
    NumberFormat,
    epoch_format,
    is_timestamp_text,
    number_format,
    parse_number,
)
from forecast.errors import UsageError

YEAR_NAMES = {"year", "yr", "date", "time", "period", "ds", "timestamp"}
_DATE_NAME_HINTS = ("date", "time", "month", "year", "day", "period", "week", "quarter")
TIME_HINTS = (*_DATE_NAME_HINTS, "ts", "epoch", "unix")  # a numeric column may be Unix time
ID_NAMES = ("unique_id", "segment", "id", "series_id", "series", "item_id")
VALUE_NAMES = ("y", "target", "value")


@dataclass(frozen=True)
class Columns:
    """The columns chosen, and how the value column writes its numbers."""

    time: str
    value: str
    id: str | None
    number_format: NumberFormat


def choose_columns(
    sample: pd.DataFrame,
    time_col: str | None,
    value_col: str | None,
    label: str,
    id_col: str | None = None,
    single: bool = False,
) -> Columns:
    """The columns to read (see the module doc); ``single`` skips the id detection."""
    columns = [str(c) for c in sample.columns]
    sample.columns = columns
    given = (("--time-col", time_col), ("--value-col", value_col), ("--id-col", id_col))
    for option, name in given:
        if name is not None and name not in columns:
            raise UsageError(f"{option} {name!r} is not a column of {label}; columns: {columns}")
    named = [name for _, name in given if name is not None]
    if len(set(named)) != len(named):
        raise UsageError(f"--time-col, --value-col and --id-col name the same column: {named}")

    formats = {c: number_format(sample[c]) for c in columns}
    if time_col is None:
        dates = [
            c
            for c in columns
            if c not in (value_col, id_col) and is_time_column(c, sample[c], formats[c])
        ]
        if len(dates) != 1:
            found = "no date-like column" if not dates else f"several date-like columns {dates}"
            raise UsageError(f"{label} has {found}; pass --time-col NAME (columns: {columns})")
        time_col = dates[0]
    if id_col is None and not single:
        id_col = _detect_id(sample, formats, exclude={time_col, value_col})
    if value_col is None:
        numeric = [c for c in columns if c not in (time_col, id_col) and formats[c] is not None]
        preferred = [c for c in numeric if c.strip().lower() in VALUE_NAMES]
        if len(numeric) != 1 and len(preferred) == 1:
            numeric = preferred
        if len(numeric) != 1:
            empty = [c for c in columns if c != time_col and sample[c].isna().all()]
            found = f"several numeric columns {numeric}" if numeric else "no numeric column"
            found += f" (empty: {empty})" if empty and not numeric else ""
            hint = "pass --value-col NAME"
            if numeric and id_col is None:
                hint += (
                    " (and --id-col NAME if one of them names the series of a long-format "
                    "panel), or --wide if each column is a series"
                )
            raise UsageError(f"{label} has {found}; {hint} (columns: {columns})")
        value_col = numeric[0]
    return Columns(time_col, value_col, id_col, formats[value_col] or NumberFormat())


def _detect_id(
    sample: pd.DataFrame, formats: dict[str, NumberFormat | None], exclude: set[str | None]
) -> str | None:
    candidates = [c for c in sample.columns if c not in exclude]
    repeats = {c: _repeats(sample[c]) for c in candidates}
    by_name = [c for c in candidates if c.strip().lower() in ID_NAMES and repeats[c]]
    if by_name:
        return by_name[0]
    text = [c for c in candidates if formats[c] is None and repeats[c] and not _empty(sample[c])]
    return text[0] if len(text) == 1 else None


def _repeats(column: pd.Series) -> bool:
    values = column.dropna()
    return len(values) > 1 and values.nunique() < len(values)


def _empty(column: pd.Series) -> bool:
    return bool(column.isna().all())


def is_time_column(name: str, column: pd.Series, fmt: NumberFormat | None) -> bool:
    values = [str(v).strip() for v in column.dropna()]
    if not values:
        return False
    if fmt is not None:  # numeric: a time column only if it holds years or Unix time and says so
        lower = name.strip().lower()
        timelike = any(hint in lower for hint in TIME_HINTS)
        if timelike and epoch_format(column) is not None:
            return True
        years = [parse_number(v) for v in values]
        return lower in YEAR_NAMES and all(
            y is not None and y.is_integer() and 1000 <= y <= 2999 for y in years
        )
    parsed = sum(is_timestamp_text(v) for v in values)
    lower = name.strip().lower()
    named = lower == "ds" or any(hint in lower for hint in _DATE_NAME_HINTS)
    return parsed >= (0.2 if named else 0.5) * len(values)
