"""CSV text: bytes from a file or stdin, the encoding, the delimiter, the header, the columns."""

from __future__ import annotations

import csv
import io
import sys
import warnings
from collections import Counter
from typing import Any

import pandas as pd

from forecast.data.input_limits import max_bytes
from forecast.data.values import SAMPLE_ROWS, NumberFormat, is_timestamp_text, parse_number
from forecast.errors import InputError, UsageError, printable

DELIMITERS = (",", ";", "\t", "|")


def read_bytes(source: str, stdin: io.BufferedIOBase | None) -> bytes:
    """The bytes of a file or of stdin, at most FORECAST_MAX_BYTES of them (through the one
    bounded reader, :mod:`forecast.io.bounded`: a device is refused); a stream that starts with
    NUL bytes (a binary file) is refused after its first block."""
    from forecast.io.bounded import read_bounded, read_stream

    label = "<stdin>" if source == "-" else printable(source)
    limit, override = max_bytes(), "FORECAST_MAX_BYTES"

    def refuse_binary(first: bytes) -> None:
        if first[:4096].count(b"\x00") and not first.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise InputError(f"{label} looks binary (it contains NUL bytes), not a CSV file")

    if source != "-":
        return read_bounded(
            source, what="CSV file", limit=limit, override=override, check_start=refuse_binary
        )
    stream = stdin if stdin is not None else getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError("stdin is closed; pipe the CSV in or give a file name")
    try:
        return read_stream(
            stream,
            what="CSV input",
            label=label,
            limit=limit,
            override=override,
            check_start=refuse_binary,
        )
    except (ValueError, OSError):
        raise InputError(
            "stdin is closed or unreadable; pipe the CSV in or give a file name"
        ) from None


def decode(raw: bytes, label: str, encoding: str | None) -> str:
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


def sniff_delimiter(text: str, label: str) -> str:
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


def read_sample(text: str, delimiter: str, label: str) -> tuple[int | None, pd.DataFrame]:
    """The first rows as strings, and whether row 0 is a header (0) or data (None)."""
    sample = read_csv(
        text, label, sep=delimiter, dtype=str, nrows=SAMPLE_ROWS, skipinitialspace=True
    )
    if looks_like_data(list(sample.columns)):
        sample = read_csv(
            text,
            label,
            sep=delimiter,
            dtype=str,
            nrows=SAMPLE_ROWS,
            header=None,
            skipinitialspace=True,
        )
        sample.columns = default_names(sample.shape[1])
        return None, sample
    if sample.empty:
        raise InputError(f"{label} has a header but no data rows")
    sample.columns = [str(c).strip() for c in sample.columns]
    return 0, sample


def read_columns(
    text: str,
    delimiter: str,
    header: int | None,
    names: list[str],
    text_cols: list[str],
    value_cols: list[str],
    fmt: NumberFormat,
    label: str,
) -> pd.DataFrame:
    """The chosen columns of every row; blank lines are kept so rows map to file lines.

    Value columns are parsed to float64 by the C parser when they can be (fast, no Python
    strings); otherwise they come back as strings so the bad row can be named. Text columns
    (time, id) are strings; the parser reuses one string object for repeated values.
    """
    usecols = [*text_cols, *value_cols]
    kwargs: dict[str, Any] = {
        "sep": delimiter,
        "skip_blank_lines": False,
        "skipinitialspace": True,
        "usecols": usecols,
        "header": header,
        "names": names,  # the sample's names, stripped of surrounding spaces
    }
    fast: dict[str, Any] = {"decimal": fmt.decimal, "thousands": fmt.thousands}
    fast["dtype"] = {**{c: object for c in text_cols}, **{c: "float64" for c in value_cols}}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = pd.read_csv(io.StringIO(text), engine="c", index_col=False, **fast, **kwargs)
    except (ValueError, TypeError, OverflowError):
        frame = read_csv(text, label, dtype=object, **kwargs)
    return frame[usecols]


def read_csv(text: str, label: str, **kwargs: Any) -> pd.DataFrame:
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


def default_names(width: int) -> list[str]:
    return ["time", "value"] + [f"column{i + 1}" for i in range(2, width)]


def looks_like_data(names: list[str]) -> bool:
    """True when the 'header' is a data row: a timestamp then a number."""
    if len(names) < 2:
        return False
    first, second = str(names[0]), str(names[1])
    return parse_number(second) is not None and is_timestamp_text(first)
