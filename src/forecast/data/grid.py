"""The time grid: frequency, duplicates, gaps and the missing-value policy, degenerate series."""

from __future__ import annotations

import functools
import warnings
from collections import Counter

import numpy as np
import pandas as pd
from pandas.tseries.offsets import BaseOffset

from forecast.data.input_limits import check_grid
from forecast.errors import InputError, UsageError
from forecast.types import MinLength, MissingPolicy

MISSING_OPTION_HINT = "pass --missing drop|ffill|interpolate"


def refuse_duplicates(
    stamps: pd.DatetimeIndex, lines: np.ndarray, others: tuple[str, ...] = ()
) -> None:
    """Refuse a repeated timestamp. When most timestamps repeat, the rows are several series
    in long format whose id column was not found: say so and name ``--id-col`` (aggregating
    would add different series together); ``others`` are the columns that were not read."""
    dup = stamps.duplicated(keep="first")
    if dup.any():
        i = int(np.argmax(dup))
        first = int(np.flatnonzero(stamps == stamps[i])[0])
        where = f"duplicate timestamp {stamps[i].isoformat()} (lines {lines[first]} and {lines[i]})"
        if 2 * stamps.nunique() <= len(stamps):
            named = f" (one of {', '.join(repr(c) for c in others)}?)" if others else ""
            raise InputError(
                f"{where}: most timestamps repeat, so the file looks like several series in "
                f"long format; pass --id-col NAME{named}, the column that names the series, to "
                "read each series on its own (do not aggregate different series)"
            )
        raise InputError(f"{where}; remove duplicates or aggregate them first")


def to_offset(freq: str) -> BaseOffset:
    """``--freq`` as a pandas offset; a bad alias is a usage error naming good ones."""
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except (ValueError, OverflowError):
        raise UsageError(
            f"--freq {freq!r} is not a pandas frequency; use e.g. D, h, 30min, W-SUN, MS, "
            "ME, QS, YS"
        ) from None
    if offset.n < 1:
        raise UsageError(
            f"--freq {freq!r} must step forward (a positive multiple such as D, 2h, 30min)"
        )
    return offset


def resolve_frequency(stamps: pd.DatetimeIndex, freq: str | None) -> BaseOffset:
    if freq is not None:
        offset = to_offset(freq)
    else:
        if len(stamps) < 3:
            raise InputError(
                f"cannot infer the frequency from {len(stamps)} timestamps; pass --freq"
            )
        inferred = infer_frequency(stamps)
        if inferred is None:
            raise InputError(
                "cannot infer the frequency: the timestamps are irregular; pass --freq (e.g. D, "
                "h, MS) or resample the data first"
            )
        offset = pd.tseries.frequencies.to_offset(inferred)
    off_grid = ~stamps.isin(grid_of(stamps, offset))
    if off_grid.any():
        where = stamps[int(np.argmax(off_grid))].isoformat()
        raise InputError(
            f"timestamp {where} is off the {offset.freqstr} grid that starts at "
            f"{stamps[0].isoformat()}; pass the right --freq or resample the data first"
        )
    return offset


def infer_frequency(stamps: pd.DatetimeIndex) -> str | None:
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


def grid_of(stamps: pd.DatetimeIndex, offset: BaseOffset) -> pd.DatetimeIndex:
    check_grid(
        grid_slots(stamps[0], stamps[-1], offset),
        len(stamps),
        offset.freqstr,
        stamps[0].isoformat(),
        stamps[-1].isoformat(),
    )
    return pd.date_range(start=stamps[0], end=stamps[-1], freq=offset)


def grid_slots(first: pd.Timestamp, last: pd.Timestamp, offset: BaseOffset) -> float:
    """How many timestamps the grid from ``first`` to ``last`` holds, without building it (for
    calendar offsets, from the length of their first step)."""
    try:
        span = (pd.Timestamp(last) - pd.Timestamp(first)).total_seconds()
        step = (pd.Timestamp(first) + offset - pd.Timestamp(first)).total_seconds()
    except (OverflowError, ValueError):
        return float("inf")
    return span / max(step, 1e-9) + 1


def apply_missing_policy(
    y: pd.Series, offset: BaseOffset, missing: MissingPolicy, notes: list[str]
) -> tuple[pd.Series, int, int]:
    grid = grid_of(pd.DatetimeIndex(y.index), offset).rename(y.index.name)
    n_gaps = len(grid) - len(y)
    n_empty = int(y.isna().sum())
    if n_gaps == 0 and n_empty == 0:
        return with_freq(y, offset), 0, 0
    full = y.reindex(grid)
    first = full.index[int(np.argmax(full.isna().to_numpy()))].isoformat()
    what = f"{plural(n_gaps + n_empty, 'missing value')} ({n_empty} empty, "
    what += f"{plural(n_gaps, 'timestamp')} absent from the {offset.freqstr} grid); "
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
    return with_freq(filled, offset), n_gaps + n_empty - n_edge, n_edge


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def with_freq(y: pd.Series, offset: BaseOffset) -> pd.Series:
    index = pd.DatetimeIndex(y.index, freq=offset) if len(y) > 1 else y.index
    return pd.Series(y.to_numpy(dtype="float64"), index=index, name=y.name)


def min_length_at(min_length: MinLength, offset: BaseOffset) -> int:
    """The fewest observations at the frequency ``offset`` (:data:`forecast.types.MinLength`)."""
    return min_length if isinstance(min_length, int) else int(min_length(offset.freqstr))


def too_short(n: int, min_length: int, purpose: str) -> str:
    """Why ``n`` observations are refused (the subject, a file or a series, comes before)."""
    return f"{plural(n, 'observation')}; {purpose} needs at least {min_length}"


def constant(value: float) -> str:
    """Why a constant series is refused (the subject comes before)."""
    return f"constant (every value is {value:g}); there is nothing to model"


def refuse_degenerate(
    y: pd.Series, min_length: int, purpose: str, label: str, allow_constant: bool
) -> None:
    if len(y) < min_length:
        raise InputError(f"{label} has {too_short(len(y), min_length, purpose)}")
    values = y.to_numpy()
    if not allow_constant and len(values) and np.ptp(values) == 0:
        raise InputError(f"{label} is {constant(values[0])}")


def future_index(last: pd.Timestamp, freq: str, horizon: int) -> pd.DatetimeIndex:
    """The ``horizon`` timestamps that follow ``last`` on the ``freq`` grid.

    Remembered per (last, freq, horizon): the series of a panel mostly end on the same stamp,
    and a calendar frequency's ``date_range`` steps through its offsets in Python (0.2 ms for
    18 months). Each caller gets its own shallow copy, so naming it changes no other."""
    return _future_index(pd.Timestamp(last), freq, horizon).copy()


@functools.lru_cache(maxsize=4096)
def _future_index(last: pd.Timestamp, freq: str, horizon: int) -> pd.DatetimeIndex:
    return pd.date_range(start=last, periods=horizon + 1, freq=freq)[1:]
