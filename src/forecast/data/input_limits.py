"""Input size limits: checked before anything is allocated, so work and memory follow what the
user asked for, not what a file claims.

The README (Exit codes, "Limits") states each rule and its override:

* a CSV input, a ``--future`` file or a model file is read up to ``FORECAST_MAX_BYTES`` bytes
  (default 8 GiB), a ``--config`` or ``--ids-file`` up to ``FORECAST_MAX_OPTION_BYTES`` (default
  64 MiB); a device is not read (:mod:`forecast.io.bounded`);
* a CSV line is at most ``FORECAST_MAX_LINE`` bytes (default 1 MiB);
* a CSV has at most 10,000 columns;
* a series' time grid (first to last timestamp at the frequency) holds at most
  ``FORECAST_MAX_ROWS`` slots (default 100,000,000) and at most 1,000 slots per observed row
  (plus 100,000): a grid mostly empty is a wrong frequency, not data.
"""

from __future__ import annotations

import os

from forecast.errors import InputError, UsageError

MAX_COLUMNS = 10_000
GRID_SLOTS_PER_ROW = 1_000
GRID_SLACK = 100_000


def _env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        raise UsageError(
            f"{name}={raw!r} is not a whole number; set it to e.g. {default}"
        ) from None
    if value < 1:
        raise UsageError(f"{name} must be >= 1, got {value}")
    return value


def max_bytes() -> int:
    return _env("FORECAST_MAX_BYTES", 8 * 2**30)


def max_option_bytes() -> int:
    """The bytes of a ``--config`` or ``--ids-file``."""
    return _env("FORECAST_MAX_OPTION_BYTES", 64 * 2**20)


def max_line() -> int:
    return _env("FORECAST_MAX_LINE", 2**20)


def max_rows() -> int:
    return _env("FORECAST_MAX_ROWS", 100_000_000)


def check_line_length(raw: bytes, label: str) -> None:
    """Refuse a line longer than FORECAST_MAX_LINE bytes (a binary or runaway file). A line
    that long holds a whole aligned piece of half the limit: when every such piece holds a
    newline (a search that stops at the first), no line is too long; otherwise newline
    positions are found by numpy, 16 MB at a time, to name the line (no copy)."""
    import numpy as np

    limit = max_line()
    if len(raw) <= limit:
        return
    piece = (limit + 2) // 2  # 2 * piece - 1 <= limit + 1: a longer line holds a whole piece
    if all(raw.find(b"\n", i, i + piece) >= 0 for i in range(0, len(raw) - piece + 1, piece)):
        return
    data = np.frombuffer(raw, dtype=np.uint8)
    block = 1 << 24
    line_start, lines_before = 0, 0  # of the line open at the start of the block
    for offset in range(0, data.size, block):
        ends = np.flatnonzero(data[offset : offset + block] == 10) + offset
        starts = np.concatenate(([line_start], ends[:-1] + 1)) if ends.size else None
        if starts is not None:
            lengths = ends - starts
            over = np.flatnonzero(lengths > limit)
            if over.size:
                i = int(over[0])
                _long_line(label, lines_before + i + 1, int(lengths[i]), limit)
            line_start, lines_before = int(ends[-1]) + 1, lines_before + int(ends.size)
        if min(offset + block, data.size) - line_start > limit:
            following = raw.find(b"\n", line_start)
            length = (len(raw) if following < 0 else following) - line_start
            _long_line(label, lines_before + 1, length, limit)


def _long_line(label: str, number: int, length: int, limit: int) -> None:
    raise InputError(
        f"{label} line {number} is {length:,} bytes long, over the {limit:,} limit; is it a "
        "CSV file? (FORECAST_MAX_LINE raises the limit)"
    )


def check_columns(count: int, label: str) -> None:
    if count > MAX_COLUMNS:
        raise InputError(
            f"{label} has {count:,} columns, over the {MAX_COLUMNS:,} limit; keep the time, "
            "value and id columns"
        )


def check_grid(slots: float, rows: int, freq: str, first: str, last: str) -> None:
    """Refuse a time grid of ``slots`` timestamps for ``rows`` observations before building it."""
    where = f"the {freq} grid from {first} to {last} would have {slots:,.0f} timestamps"
    if slots > GRID_SLOTS_PER_ROW * rows + GRID_SLACK:
        raise InputError(
            f"{where} for {rows:,} rows (more than {GRID_SLOTS_PER_ROW:,} per row); the "
            "frequency looks wrong: pass the right --freq"
        )
    if slots > max_rows():
        raise InputError(
            f"{where}, over the limit of {max_rows():,}; pass the right --freq, or raise "
            "FORECAST_MAX_ROWS for a grid that large"
        )
