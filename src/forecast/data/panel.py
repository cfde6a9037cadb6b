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
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
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
from forecast.data.series import SeriesData
from forecast.data.table import Table
from forecast.data.values import RowProblems, parse_timestamps, parse_values
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
        index = self.index[start:stop].rename(self.time_col)
        if self.regular[i] and len(index) > 1:
            index = pd.DatetimeIndex(index, freq=self.freq)
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

    def position(self, series_id: str) -> int:
        try:
            return self.ids.index(series_id)
        except ValueError:
            raise UsageError(f"no series {series_id!r} in {self.source}") from None

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
    raw_ids = frame[icol]  # text: every reader of a Table gives ids as strings
    id_text = raw_ids.where(raw_ids.notna(), "")
    keep = _selected(id_text, ids, label, icol)
    if keep is not None:
        frame, id_text = frame[keep], id_text[keep]
    if frame.empty:
        raise InputError(f"{label} has no rows for the series asked for")
    offset_lines = table.line_offset
    stamps = _parse_repeated_timestamps(
        frame[tcol], tcol, time_format, offset_lines, notes, problems
    )
    values = parse_values(frame[vcol], vcol, columns.number_format, offset_lines, problems)
    codes, uniques = pd.factorize(id_text.to_numpy(), sort=True)
    names = [str(u) if u != "" else "(empty id)" for u in uniques]
    k = len(names)
    first_problem: dict[int, tuple[int, RowProblems]] = {}
    for problem in problems:  # the first unreadable row of each series, in file order
        for c, row in _first_rows(codes, problem.mask).items():
            if c not in first_problem or row < first_problem[c][0]:
                first_problem[c] = (row, problem)
    reasons = {c: problem.message(row) for c, (row, problem) in first_problem.items()}
    lines = frame.index.to_numpy() + offset_lines

    t = stamps.as_unit("ns").asi8.copy()  # nanoseconds, whatever unit pandas parsed to
    t[stamps.isna()] = np.iinfo(np.int64).min
    order = np.lexsort((t, codes))
    codes, t, values, lines = codes[order], t[order], values[order], lines[order]
    index = pd.DatetimeIndex(stamps[order])
    bounds = np.searchsorted(codes, np.arange(k + 1))

    same = np.zeros(len(t), bool)
    same[1:] = (codes[1:] == codes[:-1]) & (t[1:] == t[:-1])
    for c, row in _first_rows(codes, same).items():  # a series' earlier problem stands
        reasons.setdefault(
            c,
            f"duplicate timestamp {index[row].isoformat()} (lines {lines[row - 1]} and "
            f"{lines[row]}); remove duplicates or aggregate them first",
        )

    offset = _panel_frequency(index, bounds, names, reasons, freq)
    min_length = min_length_at(min_length, offset)
    positions, on_grid = _grid_positions(t, bounds, offset)
    for c, row in _first_rows(codes, ~on_grid).items():
        reasons.setdefault(
            c,
            f"timestamp {index[row].isoformat()} is off the {offset.freqstr} grid; pass the "
            "right --freq or resample the data first",
        )

    starts, stops = bounds[:-1], bounds[1:]
    n_obs = stops - starts
    nonempty = n_obs > 0
    span = np.zeros(k, np.int64)
    span[nonempty] = positions[stops[nonempty] - 1] - positions[starts[nonempty]] + 1
    n_nan = np.add.reduceat(np.isnan(values), starts[nonempty]) if values.size else np.zeros(0)
    nan_count = np.zeros(k, np.int64)
    nan_count[nonempty] = n_nan
    incomplete = (span != n_obs) | (nan_count > 0)

    degenerate = _degenerate_all(values, starts, n_obs, min_length, purpose, allow_constant)
    kept_values: list[np.ndarray] = []
    kept_stamps: list[np.ndarray] = []  # int64 nanoseconds, views where nothing was repaired
    out_ids: list[str] = []
    regular: list[bool] = []
    filled: list[int] = []
    dropped: list[int] = []
    series_notes: dict[int, tuple[str, ...]] = {}
    failures: list[SeriesFailure] = []
    for c in range(k):
        if c in reasons:
            failures.append(SeriesFailure(names[c], reasons[c]))
            continue
        start, stop = int(starts[c]), int(stops[c])
        v, stamp = values[start:stop], t[start:stop]
        n_fill = n_drop = 0
        own_notes: list[str] = []
        is_regular = True
        if incomplete[c]:
            y = pd.Series(v, index=index[start:stop].rename(tcol), name=vcol)
            try:
                y, n_fill, n_drop = apply_missing_policy(y, offset, missing, own_notes)
            except InputError as exc:
                failures.append(SeriesFailure(names[c], exc.message))
                continue
            ix = pd.DatetimeIndex(y.index)
            v, stamp = y.to_numpy(), ix.as_unit("ns").asi8
            is_regular = missing != "drop" or ix.freq is not None
            refusal = _degenerate(v, min_length, purpose, allow_constant)
        else:
            refusal = degenerate.get(c, "")
        if refusal:
            failures.append(SeriesFailure(names[c], refusal))
            continue
        if own_notes:
            series_notes[len(out_ids)] = tuple(own_notes)
        out_ids.append(names[c])
        kept_values.append(v)
        kept_stamps.append(stamp)
        regular.append(is_regular)
        filled.append(n_fill)
        dropped.append(n_drop)
    lengths = [len(v) for v in kept_values]
    if not out_ids and allow_empty:
        kept_values, kept_stamps = [values[:0]], [t[:0]]
    elif not out_ids:
        first = failures[0] if failures else None
        why = f"; the first, {first.id!r}: {first.reason}" if first else ""
        raise InputError(f"{label}: no usable series ({len(failures)} refused){why}")
    return Panel(
        source=label,
        time_col=tcol,
        value_col=vcol,
        id_col=icol,
        freq=offset.freqstr,
        missing_policy=missing,
        ids=tuple(out_ids),
        values=np.concatenate(kept_values),
        index=_as_index(np.concatenate(kept_stamps), index),
        bounds=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        regular=np.array(regular),
        n_filled=np.array(filled),
        n_dropped=np.array(dropped),
        series_notes=series_notes,
        failures=tuple(failures),
        notes=tuple(notes),
    )


def _parse_repeated_timestamps(
    raw: pd.Series,
    tcol: str,
    time_format: str | None,
    line_offset: int,
    notes: list[str],
    problems: list[RowProblems],
) -> pd.DatetimeIndex:
    """The timestamps of a panel, each distinct text parsed once (the series of a panel share
    their dates, so there are far fewer texts than rows). A problem is named at the first line
    the text appears on."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        return parse_timestamps(raw, tcol, time_format, line_offset, notes, problems)
    codes, uniques = pd.factorize(raw.to_numpy(dtype=object))
    if len(uniques) * 2 > len(raw):
        return parse_timestamps(raw, tcol, time_format, line_offset, notes, problems)
    present = codes >= 0
    first = np.full(len(uniques), -1, dtype=np.int64)
    rows = np.flatnonzero(present)[::-1]
    first[codes[rows]] = rows  # the first row of each distinct text
    distinct = pd.Series(uniques, index=raw.index[first], dtype=object)
    own: list[RowProblems] = []
    parsed = parse_timestamps(distinct, tcol, time_format, line_offset, notes, own)
    for problem in own:
        mask = np.zeros(len(raw), bool)
        mask[present] = problem.mask[codes[present]]
        problems.append(RowProblems(mask, _by_code(problem.message, codes)))
    if not present.all():
        empty = ~present
        problems.append(
            RowProblems(
                empty,
                lambda i: (
                    f"line {int(raw.index[i]) + line_offset}: empty timestamp in column "
                    f"'{tcol}'; every row needs a time"
                ),
            )
        )
    values = parsed.as_unit("ns").asi8.take(np.where(present, codes, 0))
    values[~present] = np.iinfo(np.int64).min  # NaT
    stamps = pd.DatetimeIndex(values.view("M8[ns]"))
    if parsed.tz is not None:
        stamps = stamps.tz_localize("UTC").tz_convert(parsed.tz)
    return stamps.as_unit(parsed.unit)


def _first_rows(codes: np.ndarray, mask: np.ndarray) -> dict[int, int]:
    """Series code -> its first row where ``mask`` holds (rows in the order of ``codes``)."""
    rows = np.flatnonzero(mask)
    found, first = np.unique(codes[rows], return_index=True)
    return {int(c): int(rows[i]) for c, i in zip(found, first, strict=True)}


def _by_code(message: Callable[[int], str], codes: np.ndarray) -> Callable[[int], str]:
    return lambda i: message(int(codes[i]))


def _selected(
    id_text: pd.Series, ids: Sequence[str] | None, label: str, icol: str
) -> np.ndarray | None:
    if ids is None:
        return None
    wanted = list(dict.fromkeys(ids))
    present = set(pd.unique(id_text.to_numpy()))
    unknown = [i for i in wanted if i not in present]
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:5])
        raise UsageError(
            f"--ids: {plural(len(unknown), 'series')} not in column '{icol}' of {label}: {shown}"
        )
    return np.asarray(id_text.isin(wanted))


def _panel_frequency(
    index: pd.DatetimeIndex,
    bounds: np.ndarray,
    names: list[str],
    reasons: dict[int, str],
    freq: str | None,
) -> BaseOffset:
    from forecast.data.grid import to_offset

    if freq is not None:
        return to_offset(freq)
    usable = [c for c in range(len(names)) if c not in reasons and bounds[c + 1] - bounds[c] >= 3]
    if not usable:
        raise InputError(
            "cannot infer the frequency: no series has 3 readable timestamps; pass --freq"
        )
    picks = sorted({usable[int(i)] for i in np.linspace(0, len(usable) - 1, FREQ_SAMPLE)})
    found: dict[str, str] = {}
    for c in picks:
        inferred = infer_frequency(index[bounds[c] : bounds[c + 1]])
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


def _grid_positions(
    t: np.ndarray, bounds: np.ndarray, offset: BaseOffset
) -> tuple[np.ndarray, np.ndarray]:
    """Each timestamp's position on the ``offset`` grid, and whether it lies on it. Fixed
    steps (hours, days...) are measured from each series' own first timestamp; calendar steps
    (month starts, weeks...) against one grid over the panel's span."""
    valid = t != np.iinfo(np.int64).min
    positions = np.zeros(len(t), np.int64)
    on = valid.copy()
    if not valid.any():
        return positions, on
    if isinstance(offset, Tick):
        step = int(offset.nanos)
        lengths = np.diff(bounds)
        first = np.repeat(t[bounds[:-1][lengths > 0]], lengths[lengths > 0])
        delta = t - first
        positions = delta // step
        on &= delta % step == 0
        return positions, on
    lo, hi = int(t[valid].min()), int(t[valid].max())
    sample = pd.date_range(pd.Timestamp(lo), periods=2, freq=offset)
    approx = max(int((sample[1] - sample[0]).value), 1)
    if (hi - lo) // approx > MAX_GRID:
        raise InputError(
            f"the series span {plural((hi - lo) // approx, 'step')} of {offset.freqstr}, more "
            f"than the {MAX_GRID:,} allowed; check --freq and the timestamps"
        )
    grid = pd.date_range(pd.Timestamp(lo).floor("D"), pd.Timestamp(hi), freq=offset, unit="ns").asi8
    where = np.clip(np.searchsorted(grid, t), 0, max(len(grid) - 1, 0))
    on &= grid[where] == t if len(grid) else False
    return where.astype(np.int64), on


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


def _as_index(nanoseconds: np.ndarray, like: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Timestamps from int64 nanoseconds, in the unit and time zone of ``like``."""
    index = pd.DatetimeIndex(nanoseconds.view("M8[ns]"))
    if like.tz is not None:
        index = index.tz_localize("UTC").tz_convert(like.tz)
    return index.as_unit(like.unit)
