"""The features of a boosted-tree row, computed from the past only.

A *row* is a forecast origin ``t`` of one series: its features read the transformed values
``z[.. t]`` (never a later one) and its target is ``z[t + h]`` (h = 1 for the recursive model,
1..H for the direct models). The columns, in this order (mlforecast's: lags, lag transforms,
date features, then the static series feature):

=====================  ==========================================================================
``lag{k}``             ``z[t + 1 - k]``, k >= 1 (lag 1 is the latest value)
``rolling_{s}_{w}``    statistic ``s`` (mean, std, min, max) of ``z[t - w + 1 .. t]``: a window
                       over the lagged values (lag 1 to lag w); std with ddof 1, as pandas
``expanding_mean``     the mean of every value from the first one to ``z[t]``
calendar fields        of the row's timestamp, the step after the origin (month, quarter, week,
                       dayofweek, hour, minute), chosen from the frequency
``series``             the series' position in the panel, a categorical feature (``series_id``)
=====================  ==========================================================================

A row's window is ``lookback = max(lags, windows)`` values ending at ``t``; the training rows
of a series are its origins with a full window (after the differences' first values) and a
target. A forecast step builds the same columns with the same functions from the values known
at that step (the forecasts of earlier steps included), so a training row and a forecast step
with the same past have identical features, bit for bit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecast.errors import UsageError

ROLLING_STATS = ("mean", "std", "min", "max")
SEASONAL_LAGS = 2  # the default seasonal lags: m and 2m
SHORT_LAGS = 12  # the default lags 1..min(m, 12) with a period
SHORT_LAGS_NO_PERIOD = 6  # and 1..6 without one
MAX_LAG = 100_000


@dataclass(frozen=True)
class FeatureSpec:
    """Which columns a row has (see the module docstring)."""

    lags: tuple[int, ...]
    rolling: tuple[tuple[str, int], ...] = ()
    expanding: bool = False
    calendar: tuple[str, ...] = ()
    series_id: bool = False

    @property
    def lookback(self) -> int:
        """Transformed values one row reads, ending at its origin."""
        return max([*self.lags, *(w for _, w in self.rolling), 1])

    def names(self) -> list[str]:
        out = [f"lag{k}" for k in self.lags]
        out += [f"rolling_{s}_{w}" for s, w in self.rolling]
        out += ["expanding_mean"] if self.expanding else []
        out += list(self.calendar)
        return out + (["series"] if self.series_id else [])

    @property
    def width(self) -> int:
        return len(self.names())

    def to_dict(self) -> dict[str, Any]:
        return {
            "lags": list(self.lags),
            "rolling": [f"{s}:{w}" for s, w in self.rolling],
            "expanding": self.expanding,
            "calendar": list(self.calendar),
            "series_id": self.series_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FeatureSpec:
        lags = tuple(int(k) for k in data["lags"])
        calendar = tuple(str(c) for c in data["calendar"])
        unknown = [c for c in calendar if c not in CALENDAR_FIELDS]
        if not lags or min(lags) < 1 or max(lags) > MAX_LAG or unknown:
            raise ValueError(f"features {dict(data)!r} are not valid")
        return cls(
            lags,
            parse_rolling("features", list(data["rolling"])),
            bool(data["expanding"]),
            calendar,
            bool(data["series_id"]),
        )


def parse_rolling(model: str, items: Sequence[str]) -> tuple[tuple[str, int], ...]:
    """``["mean:12", "std:12"]`` -> ``(("mean", 12), ("std", 12))``; ``["none"]`` -> ``()``."""
    if list(items) in ([], ["none"]):
        return ()
    out: list[tuple[str, int]] = []
    for item in items:
        stat, sep, raw = str(item).partition(":")
        window = int(raw) if sep and raw.strip().isdigit() else 0
        if stat not in ROLLING_STATS or not 1 <= window <= MAX_LAG:
            raise UsageError(
                f"{model}: parameter rolling={item} is not valid; expected STAT:WINDOW with STAT "
                f"one of {', '.join(ROLLING_STATS)} and a window from 1 to {MAX_LAG:,}, e.g. "
                "rolling=mean:12,std:12"
            )
        if stat == "std" and window < 2:
            raise UsageError(
                f"{model}: parameter rolling={item}: a std needs a window of 2 or more"
            )
        if (stat, window) not in out:
            out.append((stat, window))
    return tuple(out)


def check_params(model: str, values: Mapping[str, Any]) -> None:
    """The checks across a tree model's parameters that need no data (the registry's hook)."""
    parse_rolling(model, values.get("rolling") or ())
    levels = values.get("quantile_levels") or ()
    if levels and values.get("objective") != "quantile":
        raise UsageError(
            f"{model}: parameter quantile_levels applies to objective=quantile; drop it or add "
            "--param objective=quantile"
        )


def default_lags(period: int | None, limit: int) -> tuple[tuple[int, ...], str]:
    """Lags ``1..p`` and the seasonal lags ``m, 2m`` (p = min(m, 12); 6 without a period),
    those above ``limit`` left out; and how they were chosen."""
    short = min(period, SHORT_LAGS) if period else SHORT_LAGS_NO_PERIOD
    wanted = list(range(1, short + 1))
    if period:
        wanted += [period * k for k in range(1, SEASONAL_LAGS + 1)]
    kept = sorted({k for k in wanted if k <= limit}) or [1]
    dropped = sorted({k for k in wanted if k > limit})
    why = f"1..{short}" + (f" and {period}, {2 * period} (period {period})" if period else "")
    if dropped:
        why += f"; {', '.join(map(str, dropped))} left out (longer than a third of the data)"
    return tuple(kept), why


# --- calendar -------------------------------------------------------------------------------

CALENDAR_FIELDS = ("month", "quarter", "week", "dayofweek", "hour", "minute")


def calendar_fields(freq: str) -> tuple[str, ...]:
    """The calendar fields that vary along a series of this frequency."""
    offset = pd.tseries.frequencies.to_offset(freq)
    name = type(offset).__name__
    if "Year" in name:
        return ()
    if "Quarter" in name:
        return ("quarter",)
    if "Month" in name:
        return ("month",)
    if name == "Week":
        return ("week",)
    if name in ("BusinessDay", "CustomBusinessDay"):
        return ("dayofweek", "month")
    try:
        seconds = pd.Timedelta(offset).total_seconds()  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ()
    if seconds >= 86400:
        return ("dayofweek", "month")
    if seconds >= 3600:
        return ("hour", "dayofweek")
    return ("hour", "minute", "dayofweek")


def calendar_values(index: pd.DatetimeIndex, fields: Sequence[str]) -> np.ndarray:
    """``[len(index), len(fields)]`` float64: each field of each timestamp."""
    out = np.empty((len(index), len(fields)), dtype=np.float64)
    for j, field in enumerate(fields):
        if field == "week":
            out[:, j] = index.isocalendar().week.to_numpy(dtype=np.float64)
        else:
            name = "day_of_week" if field == "dayofweek" else field
            out[:, j] = np.asarray(getattr(index, name), dtype=np.float64)
    return out


# --- the columns ----------------------------------------------------------------------------


def assemble(
    spec: FeatureSpec,
    windows: np.ndarray,
    exp_sum: np.ndarray,
    exp_count: np.ndarray,
    calendar: np.ndarray,
    codes: np.ndarray,
) -> np.ndarray:
    """The feature matrix ``[R, spec.width]`` of R rows.

    ``windows`` ``[R, L]`` (L >= lookback): each row's last L transformed values, the origin's
    last; ``exp_sum``/``exp_count`` ``[R]``: the sum and number of every value up to the origin;
    ``calendar`` ``[R, C]``: the fields of the row's timestamp; ``codes`` ``[R]``: the series.
    """
    rows, size = windows.shape
    columns = [windows[:, size - k] for k in spec.lags]
    for stat, w in spec.rolling:
        block = windows[:, size - w :]
        if stat == "mean":
            columns.append(np.mean(block, axis=1))
        elif stat == "std":
            columns.append(np.std(block, axis=1, ddof=1))
        elif stat == "min":
            columns.append(np.min(block, axis=1))
        else:
            columns.append(np.max(block, axis=1))
    if spec.expanding:
        columns.append(exp_sum / exp_count)
    columns += [calendar[:, j] for j in range(calendar.shape[1])]
    if spec.series_id:
        columns.append(codes.astype(np.float64))
    out = np.empty((rows, len(columns)), dtype=np.float64)
    for j, column in enumerate(columns):
        out[:, j] = column
    return out


def training_features(
    spec: FeatureSpec,
    z: np.ndarray,
    origins: np.ndarray,
    exp_sum: np.ndarray,
    exp_count: np.ndarray,
    calendar: np.ndarray,
    codes: np.ndarray,
) -> np.ndarray:
    """The features of the rows at ``origins``, positions in ``z`` (the panel's transformed
    values, series after series) whose windows lie inside their own series. ``exp_sum``,
    ``exp_count``, ``calendar`` (of each position's timestamp) and ``codes`` are over the
    positions of ``z``; a row takes the calendar of the position after its origin."""
    lookback = spec.lookback
    if origins.size == 0:
        return np.empty((0, spec.width), dtype=np.float64)
    view = np.lib.stride_tricks.sliding_window_view(z, lookback)  # [len(z) - L + 1, L]
    windows = view[origins - lookback + 1]  # [R, L]
    return assemble(
        spec,
        windows,
        exp_sum[origins],
        exp_count[origins],
        calendar[origins + 1],
        codes[origins],
    )


def series_calendars(fields: Sequence[str], stamps: Sequence[pd.DatetimeIndex]) -> list[np.ndarray]:
    """Per series, the calendar fields ``[n_i, C]`` of its own timestamps (one pass over all)."""
    lengths = [len(s) for s in stamps]
    if not fields or not stamps:
        return [np.empty((m, len(fields))) for m in lengths]
    joined = pd.DatetimeIndex(
        np.concatenate([np.asarray(s, dtype="datetime64[ns]") for s in stamps])
    )
    return np.split(calendar_values(joined, fields), np.cumsum(lengths)[:-1])


def future_blocks(
    fields: Sequence[str], freq: str, ends: Sequence[pd.Timestamp], horizon: int
) -> list[tuple[pd.DatetimeIndex, np.ndarray]]:
    """Per series, the ``horizon`` timestamps after its end and their calendar fields
    ``[horizon, C]``: one date range over the panel, cut per series (a series off that grid
    gets its own)."""
    offset = pd.tseries.frequencies.to_offset(freq)
    grid = pd.date_range(min(ends), max(ends) + horizon * offset, freq=offset)
    table = calendar_values(grid, fields)
    where = grid.get_indexer(pd.DatetimeIndex(list(ends)))
    out = []
    for end, at in zip(ends, where, strict=True):
        if at >= 0 and at + 1 + horizon <= len(grid):
            block = slice(at + 1, at + 1 + horizon)
            out.append((grid[block], table[block]))
        else:
            index = pd.date_range(end, periods=horizon + 1, freq=offset)[1:]
            out.append((index, calendar_values(index, fields)))
    return out
