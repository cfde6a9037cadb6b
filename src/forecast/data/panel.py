"""Panels: many series in long format (id, time, value), validated series by series.

One series is a panel of one: :func:`forecast.data.load` always returns a :class:`Panel`. A table
without an id column is read by the single-series rules of :mod:`forecast.data.series` (the first
problem is an error naming its line). With an id column, every single-series rule applies to
each series on its own, and a series that breaks one is left out and reported (its id and the
one-line reason) instead of stopping the others:

* unreadable timestamps or values, duplicates, timestamps off the grid;
* gaps and empty values under ``--missing`` (``error`` refuses the series);
* too few observations, or a constant series.

The frequency is ``--freq`` when given; otherwise it is inferred on up to 25 series spread over
the panel, which must agree (else the panel is refused: pass ``--freq``); every series must then
lie on that grid. The values are held in one float64 array and the timestamps in one index, both
sorted by id and then time; :meth:`Panel.__getitem__` builds one series' ``SeriesData`` on
demand, so a panel of 100,000 series never holds 100,000 pandas objects at once.

Array-level access, for code that works on the whole panel at once (a vectorised path):
:meth:`Panel.arrays` gives ``values`` (float64, series after series), ``offsets`` (series ``i``
is ``values[offsets[i]:offsets[i + 1]]``) and ``stamps`` (int64 nanoseconds since the epoch,
UTC for a time-zone-aware index), with ``Panel.freq`` the one frequency. The panel is built on
such arrays (:mod:`forecast.data.panel_arrays`): series codes from the id texts, each distinct
time text parsed once, no pandas object per series except one repaired by ``--missing``.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.offsets import BaseOffset, Tick

from forecast.data.grid import (
    apply_missing_policy,
    constant,
    infer_frequency,
    min_length_at,
    plural,
    too_short,
)
from forecast.data.panel_arrays import (
    NAT,
    as_index,
    assemble,
    compact,
    first_rows,
    id_codes,
    nanoseconds,
    repeated_timestamps,
    row_blocks,
    selected,
    series_bounds,
    sort_order,
    sorted_runs,
    stamp_text,
)
from forecast.data.series import SeriesData
from forecast.data.table import Table
from forecast.data.values import RowProblems, parse_values
from forecast.errors import InputError, UsageError
from forecast.types import MinLength, MissingPolicy

FREQ_SAMPLE = 25
MAX_GRID = 100_000_000  # timestamps a panel's span may imply on its grid


@dataclass(frozen=True)
class SeriesFailure:
    """A series left out of a run: its id, the stage and the one-line reason."""

    id: str
    reason: str
    stage: str = "load"

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "stage": self.stage, "error": self.reason}


GRID_INDEXES = 1024  # distinct (start, length) indexes a panel keeps for its series


@dataclass(frozen=True)
class Panel:
    """Validated series sorted by id (see the module doc). ``id_col is None``: one series read
    from a file without an id column, whose outputs keep the single-series shape."""

    source: str
    time_col: str
    value_col: str
    id_col: str | None
    freq: str
    missing_policy: MissingPolicy
    ids: tuple[str, ...]
    values: np.ndarray  # [total] float64, series after series
    index: pd.DatetimeIndex  # [total]
    bounds: np.ndarray  # [len(ids) + 1] series i is values[bounds[i]:bounds[i + 1]]
    regular: np.ndarray  # [len(ids)] bool: on the full grid (False after --missing drop)
    n_filled: np.ndarray  # [len(ids)]
    n_dropped: np.ndarray  # [len(ids)]
    series_notes: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    failures: tuple[SeriesFailure, ...] = ()
    notes: tuple[str, ...] = ()
    single: SeriesData | None = None

    @classmethod
    def of(cls, series: SeriesData) -> Panel:
        """One series (no id column) as a panel of one."""
        y = series.y
        return cls(
            source=series.source,
            time_col=series.time_col,
            value_col=series.value_col,
            id_col=None,
            freq=series.freq,
            missing_policy=series.missing_policy,
            ids=(str(series.value_col),),
            values=y.to_numpy(),
            index=pd.DatetimeIndex(y.index),
            bounds=np.array([0, y.size]),
            regular=np.array([getattr(y.index, "freq", None) is not None]),
            n_filled=np.array([series.n_filled]),
            n_dropped=np.array([series.n_dropped]),
            notes=series.notes,
            single=series,
        )

    @property
    def is_panel(self) -> bool:
        """True when the input had an id column (outputs then carry the id)."""
        return self.id_col is not None

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[SeriesData]:
        return (self[i] for i in range(len(self)))

    def __getitem__(self, i: int) -> SeriesData:
        if self.single is not None:
            return self.single
        start, stop = int(self.bounds[i]), int(self.bounds[i + 1])
        if self.regular[i] and stop - start > 1:
            index = self._grid_index(start, stop)
        else:
            index = self.index[start:stop].rename(self.time_col)
        y = pd.Series(self.values[start:stop], index=index, name=self.value_col, copy=False)
        y.attrs["freq"] = self.freq
        return SeriesData(
            y=y,
            freq=self.freq,
            source=self.source,
            time_col=self.time_col,
            value_col=self.value_col,
            missing_policy=self.missing_policy,
            n_filled=int(self.n_filled[i]),
            n_dropped=int(self.n_dropped[i]),
            notes=self.series_notes.get(i, ()),
            id=self.ids[i],
        )

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(values, offsets, stamps)``: the panel as contiguous arrays (see the module doc).

        ``values`` and ``offsets`` are the panel's own arrays (not copies); ``stamps`` is a
        view of the index when it is held in nanoseconds, else a converted copy.
        """
        return self.values, self.bounds, self._stamps

    def _grid_index(self, start: int, stop: int) -> pd.DatetimeIndex:
        """The index of a series on the full ``freq`` grid, rows ``start:stop``: one object per
        first timestamp and length, shared by the series that have both (pandas checks the
        frequency of each new index, 0.3 ms; an index is immutable)."""
        key = (int(self._stamps[start]), stop - start)
        index = self._grid_indexes.get(key)
        if index is None:
            index = pd.DatetimeIndex(self.index[start:stop], freq=self.freq, name=self.time_col)
            if len(self._grid_indexes) < GRID_INDEXES:
                self._grid_indexes[key] = index
        return index

    @functools.cached_property
    def _grid_indexes(self) -> dict[tuple[int, int], pd.DatetimeIndex]:
        return {}

    @functools.cached_property
    def _stamps(self) -> np.ndarray:
        """The index as int64 nanoseconds, converted once (a vectorised run asks per block)."""
        return nanoseconds(self.index)

    def position(self, series_id: str) -> int:
        try:
            return self.ids.index(series_id)
        except ValueError:
            raise UsageError(f"no series {series_id!r} in {self.source}") from None

    def values_of(self, series_id: str) -> pd.Series:
        """One series' observed values, by its id (``--plot``'s histories)."""
        return self[self.position(series_id)].y

    def to_frame(self) -> pd.DataFrame:
        """The validated series in long format: ``id, timestamp, value`` (one row per
        observation, series in id order; the id column empty for one series)."""
        lengths = np.diff(self.bounds)
        return pd.DataFrame(
            {
                "id": np.repeat(np.asarray(self.ids, dtype=object), lengths),
                "timestamp": self.index,
                "value": self.values,
            }
        )

    def describe(self) -> dict[str, Any]:
        """The provenance block of a panel run's JSON output."""
        lengths = np.diff(self.bounds)
        return {
            "source": self.source,
            "id_col": self.id_col,
            "time_col": self.time_col,
            "value_col": self.value_col,
            "freq": self.freq,
            "missing_policy": self.missing_policy,
            "n_series": len(self.ids) + len(self.failures),
            "n_usable": len(self.ids),
            "n_refused": len(self.failures),
            "n_obs": int(self.values.size),
            "min_length": int(lengths.min()) if lengths.size else 0,
            "max_length": int(lengths.max()) if lengths.size else 0,
        }


def merge_descriptions(source: str, blocks: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One provenance block (as :meth:`Panel.describe`) from those of the panels that make it
    up, e.g. the part files of a directory read by the workers; ``parts`` counts them."""
    usable = [b for b in blocks if b["n_usable"]]
    first = blocks[0] if blocks else {}
    merged: dict[str, Any] = {
        "source": source,
        "parts": len(blocks),
        **{k: first.get(k) for k in ("id_col", "time_col", "value_col", "freq", "missing_policy")},
    }
    for key in ("n_series", "n_usable", "n_refused", "n_obs"):
        merged[key] = sum(int(b[key]) for b in blocks)
    merged["min_length"] = min((b["min_length"] for b in usable), default=0)
    merged["max_length"] = max((b["max_length"] for b in usable), default=0)
    return merged


def panel_from_table(
    table: Table,
    *,
    freq: str | None,
    missing: MissingPolicy,
    min_length: MinLength,
    purpose: str,
    time_format: str | None,
    allow_constant: bool,
    ids: Sequence[str] | None = None,
    allow_empty: bool = False,
) -> Panel:
    """Validate a long table series by series (see the module doc). ``allow_empty``: a panel
    whose every series is refused is returned (no ids, the failures) instead of an error."""
    frame, columns, label = table.frame, table.columns, table.label
    assert columns.id is not None
    tcol, vcol, icol = columns.time, columns.value, columns.id
    notes = list(table.notes)
    problems: list[RowProblems] = []
    runs = table.id_runs if ids is None else None  # the series found by the reader
    codes, names = id_codes(frame[icol]) if runs is None else sorted_runs(frame[icol])
    keep = selected(names, codes, ids, label, icol)
    if keep is not None:
        frame = frame[keep]
        codes, names = compact(codes[keep], names)
    if frame.empty:
        raise InputError(f"{label} has no rows for the series asked for")
    offset_lines = table.line_offset
    t, like, distinct = repeated_timestamps(
        frame[tcol], tcol, time_format, offset_lines, notes, problems
    )
    values = parse_values(frame[vcol], vcol, columns.number_format, offset_lines, problems)
    reasons = _row_reasons(codes, problems)
    bounds = None if runs is None else np.append(runs, len(codes))  # still so once sorted:
    order = sort_order(codes, t, bounds)  # the codes are, only times within a series move
    if order is not None:
        codes, t, values = codes[order], t[order], values[order]
        distinct = None if distinct is None else (distinct[0][order], distinct[1])
    if bounds is None:
        bounds = series_bounds(codes, len(names))
    labels = frame.index

    def line(row: int) -> int:  # the file line of sorted row ``row``
        return int(labels[row if order is None else order[row]]) + offset_lines

    same = np.zeros(len(t), bool)
    same[1:] = t[1:] == t[:-1]
    same[bounds[1:-1]] = False  # a series' first row against the previous series' last
    for c, row in first_rows(codes, same).items():  # a series' earlier problem stands
        reasons.setdefault(
            c,
            f"duplicate timestamp {stamp_text(t, row, like)} (lines {line(row - 1)} and "
            f"{line(row)}); remove duplicates or aggregate them first",
        )
    series_names = _series_names(names)
    offset = _panel_frequency(t, like, bounds, series_names, reasons, freq)
    span, on_grid = _grid_span(t, bounds, offset, distinct)
    for c, row in first_rows(codes, ~on_grid).items():
        reasons.setdefault(
            c,
            f"timestamp {stamp_text(t, row, like)} is off the {offset.freqstr} grid; pass the "
            "right --freq or resample the data first",
        )
    checks = _Checks(
        offset, min_length_at(min_length, offset), purpose, allow_constant, missing, tcol, vcol
    )
    arrays = (values, t, like, bounds, span)
    return _validated_panel(table, checks, series_names, arrays, reasons, notes, allow_empty)


def _series_names(names: np.ndarray) -> list[str]:
    """The ids as the panel names its series (an empty id as ``(empty id)``)."""
    if pd.api.types.infer_dtype(names, skipna=False) != "string":
        return [str(u) if u != "" else "(empty id)" for u in names]
    named = names.copy()  # strings: no str() a name, one comparison over the array
    named[names == ""] = "(empty id)"
    return list(named.tolist())


@dataclass(frozen=True)
class _Checks:
    """What every series of a panel is held to, once its rows are read."""

    offset: BaseOffset
    min_length: int
    purpose: str
    allow_constant: bool
    missing: MissingPolicy
    tcol: str
    vcol: str


def _row_reasons(codes: np.ndarray, problems: list[RowProblems]) -> dict[int, str]:
    """Series code -> the message of its first unreadable row, in file order."""
    first_problem: dict[int, tuple[int, RowProblems]] = {}
    for problem in problems:
        for c, row in first_rows(codes, problem.mask).items():
            if c not in first_problem or row < first_problem[c][0]:
                first_problem[c] = (row, problem)
    return {c: problem.message(row) for c, (row, problem) in first_problem.items()}


def _validated_panel(
    table: Table,
    checks: _Checks,
    names: list[str],
    arrays: tuple[np.ndarray, np.ndarray, pd.DatetimeIndex, np.ndarray, np.ndarray],
    reasons: dict[int, str],
    notes: list[str],
    allow_empty: bool,
) -> Panel:
    """The series that pass every check, as contiguous arrays; the others as failures. Only
    the series refused or repaired (a missing-value policy) are looked at one by one."""
    values, t, like, bounds, span = arrays
    starts, n_obs = bounds[:-1], np.diff(bounds)
    incomplete = _incomplete(values, bounds, span)
    degenerate = _degenerate_all(
        values, starts, n_obs, checks.min_length, checks.purpose, checks.allow_constant
    )
    k = len(names)
    kept, regular = np.ones(k, bool), np.ones(k, bool)
    filled, dropped = np.zeros(k, np.int64), np.zeros(k, np.int64)
    repaired: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    own_notes: dict[int, tuple[str, ...]] = {}
    failures: list[SeriesFailure] = []
    for c in sorted({*reasons, *degenerate, *np.flatnonzero(incomplete).tolist()}):
        refusal = reasons.get(c, "")
        if not refusal and incomplete[c]:
            said: list[str] = []
            try:
                v, stamps, filled[c], dropped[c] = _repair(values, t, like, bounds, c, checks, said)
            except InputError as exc:
                refusal = exc.message
            else:
                repaired[c] = (v, nanoseconds(stamps))
                regular[c] = checks.missing != "drop" or stamps.freq is not None
                refusal = _degenerate(v, checks.min_length, checks.purpose, checks.allow_constant)
                own_notes[c] = tuple(said)
        elif not refusal:
            refusal = degenerate.get(c, "")
        if refusal:
            failures.append(SeriesFailure(names[c], refusal))
            kept[c] = False
            repaired.pop(c, None)
    if not kept.any() and not allow_empty:
        first = failures[0] if failures else None
        why = f"; the first, {first.id!r}: {first.reason}" if first else ""
        raise InputError(f"{table.label}: no usable series ({len(failures)} refused){why}")
    out_values, out_t, out_bounds = assemble(values, t, bounds, kept, repaired)
    position = np.cumsum(kept) - 1  # a kept series' place in the panel
    return Panel(
        source=table.label,
        time_col=checks.tcol,
        value_col=checks.vcol,
        id_col=table.columns.id,
        freq=checks.offset.freqstr,
        missing_policy=checks.missing,
        ids=tuple(itertools.compress(names, kept)),
        values=out_values,
        index=as_index(out_t, like, own=True),  # t is not used again
        bounds=out_bounds,
        regular=regular[kept],
        n_filled=filled[kept],
        n_dropped=dropped[kept],
        series_notes={int(position[c]): n for c, n in own_notes.items() if kept[c] and n},
        failures=tuple(failures),
        notes=tuple(notes),
    )


def _incomplete(values: np.ndarray, bounds: np.ndarray, span: np.ndarray) -> np.ndarray:
    """Per series: a gap in its grid (``span`` slots, more than its rows) or an empty value."""
    starts, n_obs = bounds[:-1], np.diff(bounds)
    incomplete = span != n_obs
    if not values.size or not np.isnan(values).any():
        return np.asarray(incomplete)
    nonempty = n_obs > 0
    nan_count = np.zeros(len(n_obs), np.int64)
    nan_count[nonempty] = np.add.reduceat(np.isnan(values), starts[nonempty])
    return np.asarray(incomplete | (nan_count > 0))


def _repair(
    values: np.ndarray,
    t: np.ndarray,
    like: pd.DatetimeIndex,
    bounds: np.ndarray,
    c: int,
    checks: _Checks,
    notes: list[str],
) -> tuple[np.ndarray, pd.DatetimeIndex, int, int]:
    """Series ``c`` under the missing-value policy: its values, timestamps, filled, dropped."""
    start, stop = int(bounds[c]), int(bounds[c + 1])
    index = as_index(t[start:stop], like).rename(checks.tcol)
    y = pd.Series(values[start:stop], index=index, name=checks.vcol)
    y, n_fill, n_drop = apply_missing_policy(y, checks.offset, checks.missing, notes)
    return y.to_numpy(), pd.DatetimeIndex(y.index), n_fill, n_drop


def _panel_frequency(
    t: np.ndarray,
    like: pd.DatetimeIndex,
    bounds: np.ndarray,
    names: list[str],
    reasons: dict[int, str],
    freq: str | None,
) -> BaseOffset:
    from forecast.data.grid import to_offset

    if freq is not None:
        return to_offset(freq)
    long_enough = np.flatnonzero(np.diff(bounds) >= 3).tolist()
    usable = [c for c in long_enough if c not in reasons]
    if not usable:
        raise InputError(
            "cannot infer the frequency: no series has 3 readable timestamps; pass --freq"
        )
    picks = sorted({usable[int(i)] for i in np.linspace(0, len(usable) - 1, FREQ_SAMPLE)})
    found: dict[str, str] = {}
    for c in picks:
        inferred = infer_frequency(as_index(t[bounds[c] : bounds[c + 1]], like))
        if inferred is not None:
            found.setdefault(to_offset(inferred).freqstr, names[c])
    if not found:
        raise InputError(
            "cannot infer the frequency: the timestamps are irregular; pass --freq (e.g. D, h, "
            "MS) or resample the data first"
        )
    if len(found) > 1:
        shown = ", ".join(f"{name!r} is {f}" for f, name in list(found.items())[:3])
        raise InputError(
            f"the series disagree on the frequency ({shown}); pass --freq to choose one (series "
            "off its grid are then reported and left out)"
        )
    return to_offset(next(iter(found)))


def _grid_span(
    t: np.ndarray,
    bounds: np.ndarray,
    offset: BaseOffset,
    distinct: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per series, the slots of the ``offset`` grid from its first to its last timestamp; per
    timestamp, whether it lies on the grid. Fixed steps (hours, days...) are measured from each
    series' own first timestamp; calendar steps (month starts, weeks...) against one grid over
    the panel's span, placed once per distinct timestamp when ``distinct`` gives them
    (``t == u[codes]``, code -1 for NaT). The rows are looked at a block at a time: no
    temporary the length of the panel but the boolean result."""
    first, n_obs = bounds[:-1], np.diff(bounds)
    nonempty = n_obs > 0
    first, last = first[nonempty], bounds[1:][nonempty] - 1
    span = np.zeros(len(n_obs), np.int64)
    if distinct is not None and not isinstance(offset, Tick):
        codes, u = distinct
        if (u == NAT).all():
            return span, np.zeros(len(t), bool)
        where, on = _calendar_positions(np.append(u, NAT), offset)  # code -1: the NaT slot
        span[nonempty] = where[codes[last]] - where[codes[first]] + 1
        if on[:-1].all() and int(codes.min(initial=0)) >= 0:
            return span, np.ones(len(t), bool)  # every time on the grid, none missing
        return span, on[codes]
    valid = t != NAT
    if not valid.any():
        return span, valid
    on = valid  # refined in place, block by block
    if isinstance(offset, Tick):
        step = int(offset.nanos)
        span[nonempty] = (t[last] - t[first]) // step + 1
        for block in row_blocks(len(t)):
            since = t[block] - _series_firsts(t, first, block)
            on[block] &= since % step == 0
        return span, on
    grid = _calendar_grid(t, valid, offset)
    span[nonempty] = _grid_places(grid, t[last]) - _grid_places(grid, t[first]) + 1
    for block in row_blocks(len(t)):
        on[block] &= _on_grid(grid, t[block])
    return span, on


def _series_firsts(t: np.ndarray, first: np.ndarray, block: slice) -> np.ndarray:
    """For each row of ``block``, the first timestamp of its series (``first``: the first row
    of every non-empty series, in order; together they cover every row)."""
    lo = int(np.searchsorted(first, block.start, side="right")) - 1
    hi = int(np.searchsorted(first, block.stop - 1, side="right"))
    starts = np.clip(first[lo:hi], block.start, None)
    ends = np.append(starts[1:], block.stop)
    return np.repeat(t[first[lo:hi]], ends - starts)


def _calendar_positions(t: np.ndarray, offset: BaseOffset) -> tuple[np.ndarray, np.ndarray]:
    valid = t != NAT
    grid = _calendar_grid(t, valid, offset)
    return _grid_places(grid, t), valid & _on_grid(grid, t)


def _calendar_grid(t: np.ndarray, valid: np.ndarray, offset: BaseOffset) -> np.ndarray:
    """The ``offset`` grid (int64 nanoseconds) over the span of the valid timestamps of ``t``
    (at least one), from the first one's day; refused when it would be too long."""
    hi = int(t.max())  # NaT is the smallest int64
    lo = min(int(t[block][valid[block]].min(initial=hi)) for block in row_blocks(len(t)))
    sample = pd.date_range(pd.Timestamp(lo), periods=2, freq=offset)
    approx = max(int((sample[1] - sample[0]).value), 1)
    if (hi - lo) // approx > MAX_GRID:
        raise InputError(
            f"the series span {plural((hi - lo) // approx, 'step')} of {offset.freqstr}, more "
            f"than the {MAX_GRID:,} allowed; check --freq and the timestamps"
        )
    return pd.date_range(pd.Timestamp(lo).floor("D"), pd.Timestamp(hi), freq=offset, unit="ns").asi8


def _grid_places(grid: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The slot of ``grid`` at or after each timestamp, within the grid."""
    where = np.searchsorted(grid, t)
    return np.clip(where, 0, max(len(grid) - 1, 0), out=where).astype(np.int64, copy=False)


def _on_grid(grid: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Whether each timestamp is a point of ``grid`` (NaT never is: it precedes the grid)."""
    if not len(grid):
        return np.zeros(len(t), bool)
    return np.asarray(grid[_grid_places(grid, t)] == t)


def _degenerate(values: np.ndarray, min_length: int, purpose: str, allow_constant: bool) -> str:
    if len(values) < min_length:
        return too_short(len(values), min_length, purpose)
    if not allow_constant and len(values) and np.ptp(values) == 0:
        return constant(values[0])
    return ""


def _degenerate_all(
    values: np.ndarray,
    starts: np.ndarray,
    n_obs: np.ndarray,
    min_length: int,
    purpose: str,
    allow_constant: bool,
) -> dict[int, str]:
    """The refusals of :func:`_degenerate` for every series at once (as read, before any
    missing-value repair): too short, or constant."""
    out = {
        int(c): too_short(int(n_obs[c]), min_length, purpose)
        for c in np.flatnonzero(n_obs < min_length)
    }
    if allow_constant:
        return out
    nonempty = np.flatnonzero(n_obs > 0)
    with np.errstate(invalid="ignore"):
        low = np.minimum.reduceat(values, starts[nonempty]) if nonempty.size else values[:0]
        high = np.maximum.reduceat(values, starts[nonempty]) if nonempty.size else values[:0]
    for c, value in zip(nonempty[low == high], low[low == high], strict=True):
        out.setdefault(int(c), constant(value))
    return out
