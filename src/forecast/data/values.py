"""Numbers and timestamps: the conventions a column is written in, and parsing them."""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from forecast.errors import InputError

SAMPLE_ROWS = 200
# A number written with '.' thousands groups and a ',' decimal, or with ',' groups and '.' decimal.
_EU_NUMBER = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
_US_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


@dataclass(frozen=True)
class NumberFormat:
    """How numbers are written in the value column."""

    decimal: str = "."
    thousands: str | None = None


def number_format(column: pd.Series) -> NumberFormat | None:
    """The convention under which at least 80% of the sample's values are numbers, if any."""
    values = [str(v).strip() for v in column.dropna()]
    if not values:
        return None
    for fmt in (
        NumberFormat(),
        NumberFormat(thousands=","),
        NumberFormat(decimal=",", thousands="."),
    ):
        parsed = sum(parse_number(v, fmt) is not None for v in values)
        if parsed >= 0.8 * len(values):
            return fmt
    return None


def parse_number(text: str, fmt: NumberFormat = NumberFormat()) -> float | None:
    s = text.strip()
    if fmt.thousands == "," and not _US_GROUPED.match(s):
        return None
    if fmt.decimal == ",":
        if not _EU_NUMBER.match(s):
            return None
        s = s.replace(".", "").replace(",", ".")
    elif fmt.thousands:
        s = s.replace(fmt.thousands, "")
    try:
        return float(s)
    except ValueError:
        return None


# --time-format epoch|epoch_ms: Unix time in whole seconds or milliseconds since 1970 (UTC).
EPOCH_UNITS = {"epoch": "s", "epoch_ms": "ms"}
# Detected without --time-format when every value is a whole number in these ranges: seconds
# 1973-03-03 .. 2286-11-20, milliseconds 1973-03-03 .. 2286-11-20.
_EPOCH_RANGES = {"epoch": (1e8, 1e10), "epoch_ms": (1e11, 1e13)}


def epoch_format(values: pd.Series) -> str | None:
    """``epoch`` or ``epoch_ms`` when every value of the sample is a whole number of seconds
    (milliseconds) in the range of plausible dates, else None."""
    numbers = pd.to_numeric(values.dropna().astype(str).str.strip(), errors="coerce")
    if numbers.empty or numbers.isna().any() or (numbers % 1 != 0).any():
        return None  # (a fraction below a float's resolution is refused when the rows are read)
    for name, (low, high) in _EPOCH_RANGES.items():
        if ((numbers >= low) & (numbers < high)).all():
            return name
    return None


# An ISO date, or date and time, in pandas' bounds: read by pandas whenever numpy reads it.
_ISO_STAMP = re.compile(r"(1[7-9]\d\d|2[01]\d\d)-\d\d-\d\d([ T]\d\d:\d\d(:\d\d(\.\d{1,9})?)?)?")


@functools.lru_cache(maxsize=4096)  # the sample's columns repeat their texts (ids, dates)
def is_timestamp_text(text: str) -> bool:
    if not any(ch.isdigit() for ch in text) or parse_number(text) is not None:
        return False
    if _ISO_STAMP.fullmatch(text):  # the common case, without pandas' format guessing
        try:
            np.datetime64(text, "ns")
            return True
        except ValueError:
            pass  # 2021-02-30: pandas decides
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return not pd.isna(pd.to_datetime(text, errors="coerce"))
        except (ValueError, OverflowError, TypeError):
            return False


@dataclass
class RowProblems:
    """Rows that cannot be read, collected instead of raised (a panel refuses only the series
    they belong to): ``mask`` marks them, ``message(i)`` says what is wrong with row ``i``."""

    mask: np.ndarray
    message: Callable[[int], str]


def _refuse_rows(
    bad: np.ndarray, message: Callable[[int], str], collect: list[RowProblems] | None
) -> None:
    if not bad.any():
        return
    if collect is None:
        raise InputError(message(int(bad.argmax())))
    collect.append(RowProblems(bad, message))


def parse_timestamps(
    raw: pd.Series,
    tcol: str,
    time_format: str | None,
    line_offset: int,
    notes: list[str],
    collect: list[RowProblems] | None = None,
) -> pd.DatetimeIndex:
    """The timestamps of ``raw``; an unreadable one raises, or with ``collect`` is recorded
    there and left NaT."""

    def line(i: int) -> int:
        return int(raw.index[i]) + line_offset

    empty = raw.isna().to_numpy()
    _refuse_rows(
        empty,
        lambda i: f"line {line(i)}: empty timestamp in column '{tcol}'; every row needs a time",
        collect,
    )
    if pd.api.types.is_datetime64_any_dtype(raw):  # Parquet timestamps are typed already
        return pd.DatetimeIndex(raw)
    if time_format is None:
        time_format = epoch_format(raw.iloc[:SAMPLE_ROWS])
    if time_format in EPOCH_UNITS:
        return _epoch_stamps(raw, empty, time_format, tcol, line, collect)
    text = raw.astype(str).where(~empty, "")
    time_format = time_format or _guess_time_format(text.iloc[:SAMPLE_ROWS].str.strip())
    if time_format is None or "%f" in time_format:  # pandas keeps nanoseconds, drops the rest
        _refuse_rows(
            text.str.contains(_FINER_THAN_NS, regex=True).to_numpy(dtype=bool) & ~empty,
            lambda i: (
                f"line {line(i)}: timestamp {text.iloc[i].strip()!r} in column '{tcol}' is finer "
                "than a nanosecond (off its grid by less than 1 ns); round it to nanoseconds"
            ),
            collect,
        )
    stamps = _to_datetime(text, time_format, notes)
    if stamps is None or stamps.isna().any():  # surrounding spaces, or formats that vary
        text = text.str.strip()
        stamps = _to_datetime(text, time_format, notes)
    if stamps is None or stamps.isna().any():
        if time_format is None:
            stamps = _to_datetime(text, "mixed", notes)  # formats vary between rows
        bad = np.ones(len(text), bool) if stamps is None else stamps.isna().to_numpy()
        hint = "fix it" if time_format else "fix it or pass --time-format (e.g. %d/%m/%Y)"
        shown = text
        _refuse_rows(
            bad & ~empty,
            lambda i: (
                f"line {line(i)}: cannot parse timestamp {shown.iloc[i]!r} in column "
                f"'{tcol}'; {hint}"
            ),
            collect,
        )
    if stamps is None:
        stamps = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    return pd.DatetimeIndex(stamps)


def _epoch_stamps(
    raw: pd.Series,
    empty: np.ndarray,
    time_format: str,
    tcol: str,
    line: Callable[[int], int],
    collect: list[RowProblems] | None,
) -> pd.DatetimeIndex:
    """Unix timestamps (``epoch``: seconds, ``epoch_ms``: milliseconds) as naive UTC times."""
    text = raw.astype(str).str.strip().where(~empty)
    numbers = pd.to_numeric(text, errors="coerce")
    # a fraction below a float's resolution (1e9 s carries ~1e-7 s) parses as whole: read the text
    bad = (numbers.isna() | (numbers % 1 != 0) | _fraction(text)).to_numpy() & ~empty
    words = "seconds" if time_format == "epoch" else "milliseconds"
    _refuse_rows(
        bad,
        lambda i: (
            f"line {line(i)}: timestamp {raw.iloc[i]!r} in column '{tcol}' is not a whole "
            f"number of {words} since 1970 (--time-format {time_format}); fix it"
        ),
        collect,
    )
    whole = numbers.where(~bad).to_numpy(dtype="float64")
    unit: Literal["s", "ms"] = "s" if time_format == "epoch" else "ms"
    stamps = pd.to_datetime(whole, unit=unit, errors="coerce")
    return pd.DatetimeIndex(stamps)


# a fraction of a second with a non-zero digit after the ninth (pandas truncates to nanoseconds)
_FINER_THAN_NS = r"[.,]\d{9}\d*[1-9]"


def _fraction(text: pd.Series) -> pd.Series:
    """Whether each number's text has a non-zero fractional digit (no exponent: ``1.5e9`` is
    left to the float); a float of 1e9 cannot hold 1e-8, so its ``% 1`` would say whole."""
    text = text.fillna("")
    digits = text.str.contains(r"\.\d*[1-9]", regex=True)
    return digits & ~text.str.contains("[eE]", regex=True)


def day_month_swapped(raw: pd.Series, time_format: str | None) -> str | None:
    """When the timestamps were read with a guessed format that has both a day and a month
    (no ``--time-format``), the format with the two swapped if it reads every row, else None:
    ``01/02/2020`` files may be day-first or month-first."""
    if time_format is not None or pd.api.types.is_datetime64_any_dtype(raw):
        return None
    text = raw.dropna().astype(str).str.strip()
    if text.empty:
        return None
    guessed = _guess_time_format(text.iloc[:SAMPLE_ROWS])
    if guessed is None or "%d" not in guessed or "%m" not in guessed:
        return None
    swapped = guessed.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = pd.to_datetime(text, format=swapped, errors="coerce")
        except (ValueError, TypeError):
            return None
    return swapped if not parsed.isna().any() else None


def _guess_time_format(text: pd.Series) -> str | None:
    """One strftime format that parses the first rows, day-first or month-first.

    A single format keeps every row read the same way (``format="mixed"`` would read 01/02 as
    January and 13/02 as February). Dotted dates (31.12.2020) try day-first first, others
    month-first; a day above 12 settles it.
    """
    from pandas.tseries.api import guess_datetime_format

    head = text.iloc[:SAMPLE_ROWS]
    first = str(head.iloc[0])
    for dayfirst in (True, False) if "." in first else (False, True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fmt = guess_datetime_format(first, dayfirst=dayfirst)
            if fmt is None:
                continue
            try:
                parsed = pd.to_datetime(head, format=fmt, errors="coerce")
            except (ValueError, TypeError):
                continue
        if not parsed.isna().any():
            return fmt
    return None


def _to_datetime(text: pd.Series, fmt: str | None, notes: list[str]) -> pd.Series | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pd.to_datetime(text, format=fmt, errors="coerce")
        except (ValueError, TypeError) as exc:
            if "tz" not in str(exc).lower() and "offset" not in str(exc).lower():
                return None
        try:  # mixed UTC offsets (daylight saving): compare instants in UTC
            stamps = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
        except (ValueError, TypeError):
            return None
    notes.append("timestamps carry different UTC offsets; converted them to UTC")
    return stamps


MAX_MAGNITUDE = 1e100  # squares and sums of squares stay finite; LAPACK stays quiet


def parse_values(
    raw: pd.Series,
    vcol: str,
    fmt: NumberFormat,
    line_offset: int,
    collect: list[RowProblems] | None = None,
) -> np.ndarray:
    """The values of ``raw`` as float64 (empty is NaN); a non-number or an infinite value
    raises, or with ``collect`` is recorded there."""

    def line(i: int) -> int:
        return int(raw.index[i]) + line_offset

    if raw.dtype == np.float64:
        numbers = raw.to_numpy()
    else:
        text = raw.astype(str).str.strip().where(raw.notna())
        if fmt.decimal == ",":
            text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        elif fmt.thousands:
            text = text.str.replace(fmt.thousands, "", regex=False)
        numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64")
        bad = np.isnan(numbers) & raw.notna().to_numpy()
        _refuse_rows(
            bad,
            lambda i: (
                f"line {line(i)}: value '{raw.iloc[i]}' in column '{vcol}' is not a "
                "number; fix it, or leave it empty and choose a --missing policy"
            ),
            collect,
        )
    if not numbers.size or (  # fmax/fmin skip NaN: two passes, nothing allocated
        np.fmax.reduce(numbers) <= MAX_MAGNITUDE and np.fmin.reduce(numbers) >= -MAX_MAGNITUDE
    ):
        return numbers
    with np.errstate(invalid="ignore"):
        huge = np.abs(numbers) > MAX_MAGNITUDE  # infinite ones too
    infinite = np.isinf(numbers)
    _refuse_rows(
        infinite,
        lambda i: (
            f"line {line(i)}: value '{raw.iloc[i]}' in column '{vcol}' is infinite; "
            "replace it with a finite number or leave it empty"
        ),
        collect,
    )
    _refuse_rows(
        huge & ~infinite,
        lambda i: (
            f"line {line(i)}: value '{raw.iloc[i]}' in column '{vcol}' is too large to "
            f"compute with (magnitude above {MAX_MAGNITUDE:g}); rescale the column, e.g. "
            "divide it by a power of ten"
        ),
        collect,
    )
    return numbers
