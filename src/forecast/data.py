"""Load one time series from a CSV file (or stdin) and validate it.

``load_series`` is the only way data enters the tool. It finds the delimiter, the encoding, the
decimal convention, the time column and the value column; parses timestamps; sorts; refuses
duplicates, non-numeric and infinite values; infers the frequency; applies the missing-value
policy to empty values and to timestamps absent from the regular grid; and refuses constant or
too-short series. Every refusal is an :class:`~forecast.errors.InputError` with a one-line
message naming the problem, where it is, and the option or fix that resolves it.
"""

from __future__ import annotations

import csv
import io
import re
import sys
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.offsets import BaseOffset

from forecast.errors import InputError, UsageError
from forecast.types import MissingPolicy

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_ROWS = 200
_YEAR_NAMES = {"year", "yr", "date", "time", "period", "ds", "timestamp"}
_DATE_NAME_HINTS = ("date", "time", "month", "year", "day", "period", "week", "quarter")
# A number written with '.' thousands groups and a ',' decimal, or with ',' groups and '.' decimal.
_EU_NUMBER = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
_US_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
MISSING_OPTION_HINT = "pass --missing drop|ffill|interpolate"


@dataclass(frozen=True)
class NumberFormat:
    """How numbers are written in the value column."""

    decimal: str = "."
    thousands: str | None = None


@dataclass(frozen=True)
class SeriesData:
    """A validated, regularly indexed series and how it was read.

    ``y`` is float64 with a sorted, unique DatetimeIndex. ``freq`` is a pandas offset alias; the
    index carries it too unless ``--missing drop`` left holes in the grid.
    """

    y: pd.Series
    freq: str
    source: str
    time_col: str
    value_col: str
    missing_policy: MissingPolicy
    n_filled: int = 0
    n_dropped: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def describe(self) -> dict[str, Any]:
        """The provenance block every command puts in its JSON output."""
        return {
            "source": self.source,
            "time_col": self.time_col,
            "value_col": self.value_col,
            "n": int(self.y.size),
            "start": self.y.index[0].isoformat(),
            "end": self.y.index[-1].isoformat(),
            "freq": self.freq,
            "missing_policy": self.missing_policy,
            "n_filled": self.n_filled,
            "n_dropped": self.n_dropped,
        }


def load_series(
    source: str,
    *,
    time_col: str | None = None,
    value_col: str | None = None,
    freq: str | None = None,
    missing: MissingPolicy = "error",
    min_length: int = 2,
    purpose: str = "this command",
    time_format: str | None = None,
    encoding: str | None = None,
    stdin: io.BufferedIOBase | None = None,
    allow_constant: bool = False,
) -> SeriesData:
    """Read, validate and regularise one series.

    Parameters
    ----------
    source
        A CSV path, or ``"-"`` for standard input.
    time_col, value_col
        Column names; ``None`` detects a single date-like and a single numeric column.
    freq
        A pandas offset alias (``"D"``, ``"h"``, ``"MS"``...); ``None`` infers it.
    missing
        What to do with empty values and timestamps missing from the grid.
    min_length
        The fewest observations ``purpose`` can work with, checked after the missing policy.
    time_format
        An explicit ``strftime`` format for the timestamps.
    encoding
        The text encoding; ``None`` means UTF-8 (a byte-order mark is honoured).
    stdin
        The stream read for ``"-"`` (tests pass one; default ``sys.stdin.buffer``).
    allow_constant
        Accept a constant series (new observations for a fitted model may be a single row).
    """
    if missing not in ("error", "drop", "ffill", "interpolate"):
        raise UsageError(f"--missing must be error, drop, ffill or interpolate, got {missing!r}")
    notes: list[str] = []
    label = "<stdin>" if source == "-" else source
    text = _decode(_read_bytes(source, stdin), label, encoding)
    delimiter = _sniff_delimiter(text, label)
    header, sample = _read_sample(text, delimiter, label)
    if header is None:
        notes.append(f"{label} has no header row; read its first two columns as time and value")
    tcol, vcol, number_format = _choose_columns(sample, time_col, value_col, label)
    frame = _read_columns(
        text, delimiter, header, list(sample.columns), tcol, vcol, number_format, label
    )
    line_offset = 2 if header is not None else 1  # file line of frame row 0
    frame = frame[~(frame[tcol].isna() & frame[vcol].isna())]  # blank lines
    if frame.empty:
        raise InputError(f"{label} has no data rows; it needs a time column and a value column")

    stamps = _parse_timestamps(frame[tcol], tcol, time_format, line_offset, notes)
    values = _parse_values(frame[vcol], vcol, number_format, line_offset)
    lines = frame.index.to_numpy() + line_offset

    if not stamps.is_monotonic_increasing:
        order = np.argsort(stamps.asi8, kind="stable")
        stamps, values, lines = stamps[order], values[order], lines[order]
        notes.append(f"rows of {label} were not in time order; sorted them by '{tcol}'")
    _refuse_duplicates(stamps, lines)

    offset = _resolve_frequency(stamps, freq)
    y = pd.Series(values, index=stamps.rename(tcol), name=vcol, dtype="float64")
    y, n_filled, n_dropped = _apply_missing_policy(y, offset, missing, notes)
    _refuse_degenerate(y, min_length, purpose, label, allow_constant)
    y.attrs["freq"] = offset.freqstr  # kept when --missing drop leaves holes in the index
    return SeriesData(
        y=y,
        freq=offset.freqstr,
        source=label,
        time_col=tcol,
        value_col=vcol,
        missing_policy=missing,
        n_filled=n_filled,
        n_dropped=n_dropped,
        notes=tuple(notes),
    )


def future_index(last: pd.Timestamp, freq: str, horizon: int) -> pd.DatetimeIndex:
    """The ``horizon`` timestamps that follow ``last`` on the ``freq`` grid."""
    return pd.date_range(start=last, periods=horizon + 1, freq=freq)[1:]


# --- reading ------------------------------------------------------------------------------------


def _read_bytes(source: str, stdin: io.BufferedIOBase | None) -> bytes:
    if source == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        return stream.read()
    path = Path(source)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"file not found: {source}; check the path (use - for stdin)") from None
    except IsADirectoryError:
        raise InputError(f"{source} is a directory, not a CSV file") from None
    except PermissionError:
        raise InputError(f"cannot read {source}: permission denied") from None
    except OSError as exc:
        raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None


def _decode(raw: bytes, label: str, encoding: str | None) -> str:
    if not raw.strip():
        raise InputError(f"{label} is empty; it needs a header and rows of time,value")
    if encoding is None:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            encoding = "utf-16"
        elif b"\x00" in raw[:4096]:
            raise InputError(f"{label} looks binary (it contains NUL bytes), not a CSV file")
        else:
            encoding = "utf-8-sig"  # strips a UTF-8 byte-order mark when there is one
    try:
        return raw.decode(encoding)
    except LookupError:
        raise UsageError(f"--encoding {encoding!r} is not a known text encoding") from None
    except UnicodeDecodeError as exc:
        bad = raw[exc.start : exc.start + 1].hex()
        raise InputError(
            f"{label} is not valid {encoding} (byte 0x{bad} at offset {exc.start}); "
            "pass --encoding latin-1 (or the file's encoding) or re-save it as UTF-8"
        ) from None


def _sniff_delimiter(text: str, label: str) -> str:
    """The delimiter that splits the header and most of the first lines into the same number
    (> 1) of fields; ties go to the one that splits the lines most consistently."""
    head = [line for line in text[:65536].splitlines()[:21] if line.strip()]
    if len(head) > 1 and len(text) > 65536:
        head = head[:-1]  # the last line of the sample may be cut in half
    best, best_score = None, (0.0, 1)
    for delimiter in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(head, delimiter=delimiter)]
        except csv.Error:
            continue
        if not counts:
            continue
        mode, frequency = Counter(counts).most_common(1)[0]
        score = (frequency / len(counts), mode)
        if mode > 1 and counts[0] == mode and frequency >= 0.5 * len(counts) and score > best_score:
            best, best_score = delimiter, score
    if best is None:
        first = head[0][:60] if head else ""
        raise InputError(
            f"{label} has a single column (first line {first!r}); a series needs a time column "
            "and a value column separated by ',', ';', tab or '|'"
        )
    return best


def _read_sample(text: str, delimiter: str, label: str) -> tuple[int | None, pd.DataFrame]:
    """The first rows as strings, and whether row 0 is a header (0) or data (None)."""
    sample = _read_csv(
        text, label, sep=delimiter, dtype=str, nrows=SAMPLE_ROWS, skipinitialspace=True
    )
    if _looks_like_data(list(sample.columns)):
        sample = _read_csv(
            text,
            label,
            sep=delimiter,
            dtype=str,
            nrows=SAMPLE_ROWS,
            header=None,
            skipinitialspace=True,
        )
        sample.columns = _default_names(sample.shape[1])
        return None, sample
    if sample.empty:
        raise InputError(f"{label} has a header but no data rows")
    sample.columns = [str(c).strip() for c in sample.columns]
    return 0, sample


def _read_columns(
    text: str,
    delimiter: str,
    header: int | None,
    names: list[str],
    tcol: str,
    vcol: str,
    fmt: NumberFormat,
    label: str,
) -> pd.DataFrame:
    """The two columns of every row; blank lines are kept so rows map to file lines.

    The value column is parsed to float64 by the C parser when it can be (fast, no Python
    strings); otherwise it comes back as strings so the bad row can be named.
    """
    kwargs: dict[str, Any] = {
        "sep": delimiter,
        "skip_blank_lines": False,
        "skipinitialspace": True,
        "usecols": [tcol, vcol],
        "header": header,
        "names": names,  # the sample's names, stripped of surrounding spaces
    }
    fast: dict[str, Any] = {"decimal": fmt.decimal, "thousands": fmt.thousands}
    fast["dtype"] = {tcol: object, vcol: "float64"}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pd.read_csv(io.StringIO(text), engine="c", index_col=False, **fast, **kwargs)
    except (ValueError, TypeError, OverflowError):
        return _read_csv(text, label, dtype=object, **kwargs)


def _read_csv(text: str, label: str, **kwargs: Any) -> pd.DataFrame:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pd.read_csv(io.StringIO(text), engine="c", index_col=False, **kwargs)
    except pd.errors.EmptyDataError:
        raise InputError(f"{label} has no columns to read; is it a CSV file?") from None
    except pd.errors.ParserError as exc:
        detail = str(exc).replace("Error tokenizing data. C error: ", "").strip().rstrip(".")
        raise InputError(
            f"{label} is malformed: {detail}; check the delimiter and the quoting"
        ) from None
    except (ValueError, csv.Error) as exc:
        raise InputError(f"{label} cannot be read as CSV: {exc}") from None


def _default_names(width: int) -> list[str]:
    return ["time", "value"] + [f"column{i + 1}" for i in range(2, width)]


def _looks_like_data(names: list[str]) -> bool:
    """True when the 'header' is a data row: a timestamp then a number."""
    if len(names) < 2:
        return False
    first, second = str(names[0]), str(names[1])
    return _parse_number(second) is not None and _is_timestamp_text(first)


# --- choosing columns ---------------------------------------------------------------------------


def _choose_columns(
    sample: pd.DataFrame, time_col: str | None, value_col: str | None, label: str
) -> tuple[str, str, NumberFormat]:
    columns = [str(c) for c in sample.columns]
    sample.columns = columns
    for option, name in (("--time-col", time_col), ("--value-col", value_col)):
        if name is not None and name not in columns:
            raise UsageError(f"{option} {name!r} is not a column of {label}; columns: {columns}")
    if time_col is not None and time_col == value_col:
        raise UsageError(f"--time-col and --value-col are both {time_col!r}; name two columns")

    formats = {c: _number_format(sample[c]) for c in columns}
    if time_col is None:
        dates = [c for c in columns if c != value_col and _is_time_column(c, sample[c], formats[c])]
        if len(dates) != 1:
            found = "no date-like column" if not dates else f"several date-like columns {dates}"
            raise UsageError(f"{label} has {found}; pass --time-col NAME (columns: {columns})")
        time_col = dates[0]
    if value_col is None:
        numeric = [c for c in columns if c != time_col and formats[c] is not None]
        if len(numeric) != 1:
            empty = [c for c in columns if c != time_col and sample[c].isna().all()]
            found = f"several numeric columns {numeric}" if numeric else "no numeric column"
            found += f" (empty: {empty})" if empty and not numeric else ""
            raise UsageError(f"{label} has {found}; pass --value-col NAME (columns: {columns})")
        value_col = numeric[0]
    return time_col, value_col, formats[value_col] or NumberFormat()


def _number_format(column: pd.Series) -> NumberFormat | None:
    """The convention under which at least 80% of the sample's values are numbers, if any."""
    values = [str(v).strip() for v in column.dropna()]
    if not values:
        return None
    for fmt in (
        NumberFormat(),
        NumberFormat(thousands=","),
        NumberFormat(decimal=",", thousands="."),
    ):
        parsed = sum(_parse_number(v, fmt) is not None for v in values)
        if parsed >= 0.8 * len(values):
            return fmt
    return None


def _parse_number(text: str, fmt: NumberFormat = NumberFormat()) -> float | None:
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


def _is_time_column(name: str, column: pd.Series, fmt: NumberFormat | None) -> bool:
    values = [str(v).strip() for v in column.dropna()]
    if not values:
        return False
    if fmt is not None:  # numeric: a time column only if it holds years and says so
        years = [_parse_number(v) for v in values]
        return name.strip().lower() in _YEAR_NAMES and all(
            y is not None and y.is_integer() and 1000 <= y <= 2999 for y in years
        )
    parsed = sum(_is_timestamp_text(v) for v in values)
    lower = name.strip().lower()
    named = lower == "ds" or any(hint in lower for hint in _DATE_NAME_HINTS)
    return parsed >= (0.2 if named else 0.5) * len(values)


def _is_timestamp_text(text: str) -> bool:
    if not any(ch.isdigit() for ch in text) or _parse_number(text) is not None:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return not pd.isna(pd.to_datetime(text, errors="coerce"))
        except (ValueError, OverflowError, TypeError):
            return False


# --- parsing ------------------------------------------------------------------------------------


def _parse_timestamps(
    raw: pd.Series, tcol: str, time_format: str | None, line_offset: int, notes: list[str]
) -> pd.DatetimeIndex:
    empty = raw.isna().to_numpy()
    if empty.any():
        line = int(raw.index[int(empty.argmax())]) + line_offset
        raise InputError(f"line {line}: empty timestamp in column '{tcol}'; every row needs a time")
    text = raw.astype(str)
    time_format = time_format or _guess_time_format(text.iloc[:SAMPLE_ROWS].str.strip())
    stamps = _to_datetime(text, time_format, notes)
    if stamps is None or stamps.isna().any():  # surrounding spaces, or formats that vary
        text = text.str.strip()
        stamps = _to_datetime(text, time_format, notes)
    if stamps is None or stamps.isna().any():
        if time_format is None:
            stamps = _to_datetime(text, "mixed", notes)  # formats vary between rows
        bad = np.ones(len(text), bool) if stamps is None else stamps.isna().to_numpy()
        if bad.any():
            i = int(bad.argmax())
            line = int(raw.index[i]) + line_offset
            hint = "fix it" if time_format else "fix it or pass --time-format (e.g. %d/%m/%Y)"
            raise InputError(
                f"line {line}: cannot parse timestamp {text.iloc[i]!r} in column '{tcol}'; {hint}"
            )
    assert stamps is not None
    return pd.DatetimeIndex(stamps)


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


def _parse_values(raw: pd.Series, vcol: str, fmt: NumberFormat, line_offset: int) -> np.ndarray:
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
        if bad.any():
            i = int(bad.argmax())
            line = int(raw.index[i]) + line_offset
            raise InputError(
                f"line {line}: value '{raw.iloc[i]}' in column '{vcol}' is not a number; "
                "fix it, or leave it empty and choose a --missing policy"
            )
    infinite = np.isinf(numbers)
    if infinite.any():
        i = int(infinite.argmax())
        line = int(raw.index[i]) + line_offset
        raise InputError(
            f"line {line}: value '{raw.iloc[i]}' in column '{vcol}' is infinite; "
            "replace it with a finite number or leave it empty"
        )
    return numbers


# --- validation ---------------------------------------------------------------------------------


def _refuse_duplicates(stamps: pd.DatetimeIndex, lines: np.ndarray) -> None:
    dup = stamps.duplicated(keep="first")
    if dup.any():
        i = int(np.argmax(dup))
        first = int(np.flatnonzero(stamps == stamps[i])[0])
        raise InputError(
            f"duplicate timestamp {stamps[i].isoformat()} (lines {lines[first]} and {lines[i]}); "
            "remove duplicates or aggregate them first"
        )


def _resolve_frequency(stamps: pd.DatetimeIndex, freq: str | None) -> BaseOffset:
    if freq is not None:
        try:
            offset = pd.tseries.frequencies.to_offset(freq)
        except ValueError:
            raise UsageError(
                f"--freq {freq!r} is not a pandas frequency; use e.g. D, h, 30min, W-SUN, MS, "
                "ME, QS, YS"
            ) from None
    else:
        if len(stamps) < 3:
            raise InputError(
                f"cannot infer the frequency from {len(stamps)} timestamps; pass --freq"
            )
        inferred = _infer_frequency(stamps)
        if inferred is None:
            raise InputError(
                "cannot infer the frequency: the timestamps are irregular; pass --freq (e.g. D, "
                "h, MS) or resample the data first"
            )
        offset = pd.tseries.frequencies.to_offset(inferred)
    off_grid = ~stamps.isin(_grid(stamps, offset))
    if off_grid.any():
        where = stamps[int(np.argmax(off_grid))].isoformat()
        raise InputError(
            f"timestamp {where} is off the {offset.freqstr} grid that starts at "
            f"{stamps[0].isoformat()}; pass the right --freq or resample the data first"
        )
    return offset


def _infer_frequency(stamps: pd.DatetimeIndex) -> str | None:
    """pandas' inference; with gaps, the frequency most runs of 3 timestamps agree on; failing
    that, the smallest step when every step is a whole multiple of it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = pd.infer_freq(stamps)
        if whole is not None:
            return str(whole)
        starts = np.unique(np.linspace(0, len(stamps) - 3, num=200).astype(int))
        votes = Counter(pd.infer_freq(stamps[s : s + 3]) for s in starts)
    votes.pop(None, None)
    if votes:
        return str(votes.most_common(1)[0][0])
    steps = pd.TimedeltaIndex(stamps[1:] - stamps[:-1])
    step = steps.min()
    if step <= pd.Timedelta(0) or (steps % step != pd.Timedelta(0)).any():
        return None
    if step % pd.Timedelta(days=1) == pd.Timedelta(0):
        return f"{step.days}D"
    return str(pd.tseries.frequencies.to_offset(step).freqstr)


def _grid(stamps: pd.DatetimeIndex, offset: BaseOffset) -> pd.DatetimeIndex:
    return pd.date_range(start=stamps[0], end=stamps[-1], freq=offset)


def _apply_missing_policy(
    y: pd.Series, offset: BaseOffset, missing: MissingPolicy, notes: list[str]
) -> tuple[pd.Series, int, int]:
    grid = _grid(pd.DatetimeIndex(y.index), offset).rename(y.index.name)
    n_gaps = len(grid) - len(y)
    n_empty = int(y.isna().sum())
    if n_gaps == 0 and n_empty == 0:
        return _with_freq(y, offset), 0, 0
    full = y.reindex(grid)
    first = full.index[int(np.argmax(full.isna().to_numpy()))].isoformat()
    what = f"{_plural(n_gaps + n_empty, 'missing value')} ({n_empty} empty, "
    what += f"{_plural(n_gaps, 'timestamp')} absent from the {offset.freqstr} grid); "
    what += f"the first is at {first}"
    if missing == "error":
        raise InputError(f"{what}; {MISSING_OPTION_HINT}")
    if missing == "drop":
        kept = y.dropna()
        notes.append(f"{what}; dropped them and treat the rest as consecutive observations")
        return kept, 0, n_empty
    filled = (
        full.ffill() if missing == "ffill" else full.interpolate(method="time", limit_area="inside")
    )
    n_edge = int(filled.isna().sum())
    filled = filled.dropna()
    notes.append(
        f"{what}; filled {n_gaps + n_empty - n_edge} with {missing}"
        + (f" and dropped {n_edge} at the ends that cannot be filled" if n_edge else "")
    )
    return _with_freq(filled, offset), n_gaps + n_empty - n_edge, n_edge


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _with_freq(y: pd.Series, offset: BaseOffset) -> pd.Series:
    index = pd.DatetimeIndex(y.index, freq=offset) if len(y) > 1 else y.index
    return pd.Series(y.to_numpy(dtype="float64"), index=index, name=y.name)


def _refuse_degenerate(
    y: pd.Series, min_length: int, purpose: str, label: str, allow_constant: bool
) -> None:
    if len(y) < min_length:
        raise InputError(
            f"{label} has {len(y)} observations; {purpose} needs at least {min_length}"
        )
    values = y.to_numpy()
    if not allow_constant and len(values) and np.ptp(values) == 0:
        raise InputError(
            f"{label} is constant (every value is {values[0]:g}); there is nothing to model"
        )
