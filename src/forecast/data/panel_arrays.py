"""The array work of building a panel from a long table: series codes, timestamps parsed once
per distinct text, the (id, time) order, and the kept series assembled as contiguous arrays.

Every function works on numpy arrays the length of the table (no pandas object per series, no
Python loop over rows). Text columns come either as Python strings (CSV read by pandas, a
DataFrame) or as a pandas ``Categorical`` (CSV read by pyarrow, Parquet text: codes and the
distinct texts), and both give the same codes, names and messages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
import pandas as pd

from forecast.data.grid import plural
from forecast.data.values import RowProblems, parse_timestamps
from forecast.errors import UsageError

NAT = np.iinfo(np.int64).min
ROW_BLOCK = 1 << 20  # rows a panel-long step works on at once (its temporaries' length)


def row_blocks(n: int) -> Iterator[slice]:
    """Consecutive slices of ``ROW_BLOCK`` rows covering ``0..n-1``."""
    return (slice(start, min(start + ROW_BLOCK, n)) for start in range(0, n, ROW_BLOCK))


def take_rows(u: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``u[codes]`` for codes in ``-1..len(u) - 1``, block by block: ``take`` first casts
    32-bit codes to 64-bit ones, a temporary as long as the result. ``wrap`` gives those codes
    the same rows as the default mode, unbuffered (3x faster into ``out``)."""
    out = np.empty(len(codes), dtype=u.dtype)
    for block in row_blocks(len(codes)):
        np.take(u, codes[block], out=out[block], mode="wrap")
    return out


def decategorize(column: pd.Series) -> pd.Series:
    """A categorical text column as Python strings (missing as None); others unchanged."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        return column
    codes = column.array.codes
    labels = category_texts(column)[codes]
    labels[codes < 0] = None
    return pd.Series(labels, index=column.index, dtype=object, name=column.name)


def category_texts(column: pd.Series) -> np.ndarray:
    """The categories of a categorical column as Python strings (an object array)."""
    categories = column.cat.categories
    if categories.inferred_type == "string":
        return categories.to_numpy(dtype=object)
    return categories.map(str).to_numpy(dtype=object)


def id_codes(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's series code and the ids' texts (sorted; an empty or missing id is ``""``):
    ``pd.factorize(ids, sort=True)``, from the categories alone when ``raw`` is categorical."""
    if not isinstance(raw.dtype, pd.CategoricalDtype):
        id_text = raw.where(raw.notna(), "")
        codes, uniques = pd.factorize(id_text.to_numpy(), sort=True)
        return codes, np.asarray(uniques, dtype=object)
    texts = np.append(category_texts(raw), "")
    row_codes = raw.array.codes  # a view: no copy of the codes
    if (row_codes < 0).any():
        row_codes = np.where(row_codes < 0, len(texts) - 1, row_codes)
    used = np.zeros(len(texts), bool)
    used[row_codes] = True
    if used[:-1].all() and not used[-1] and (texts[:-2] < texts[1:-1]).all():
        return row_codes, texts[:-1]  # the categories are sorted, distinct and all used
    sorted_codes, uniques = pd.factorize(texts[used], sort=True)  # "" may be there twice
    remap = np.full(len(texts), -1, dtype=np.int32)
    remap[used] = sorted_codes
    return remap[row_codes], np.asarray(uniques, dtype=object)


def sorted_runs(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """:func:`id_codes` of a categorical whose categories are sorted, distinct and all used
    (a reader's :attr:`forecast.data.table.Table.id_runs`): its codes and categories."""
    return raw.array.codes, category_texts(raw)


def compact(codes: np.ndarray, names: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The codes renumbered over the names that still occur (after rows were left out)."""
    used = np.zeros(len(names), bool)
    used[codes] = True
    if used.all():
        return codes, names
    remap = np.cumsum(used) - 1
    return remap[codes], names[used]


def selected(
    names: np.ndarray, codes: np.ndarray, ids: Sequence[str] | None, label: str, icol: str
) -> np.ndarray | None:
    """The rows of the series ``ids`` (``--ids``); an id not in the table is a usage error."""
    if ids is None:
        return None
    wanted = list(dict.fromkeys(ids))
    present = {str(n): i for i, n in enumerate(names)}
    unknown = [i for i in wanted if i not in present]
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:5])
        raise UsageError(
            f"--ids: {plural(len(unknown), 'series')} not in column '{icol}' of {label}: {shown}"
        )
    chosen = np.zeros(len(names), bool)
    chosen[[present[i] for i in wanted]] = True
    return chosen[codes]


def _distinct_texts(raw: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``pd.factorize`` of a text column: codes (-1 missing), the distinct texts in the order
    they first appear, and the row each first appears on (from the categories alone when
    ``raw`` is categorical)."""
    if not isinstance(raw.dtype, pd.CategoricalDtype):
        codes, uniques = pd.factorize(raw.to_numpy(dtype=object))
        first = np.full(len(uniques), -1, dtype=np.int64)
        rows = np.flatnonzero(codes >= 0)[::-1]
        first[codes[rows]] = rows  # the last write wins: the first row
        return codes, np.asarray(uniques, dtype=object), first
    cat_codes = raw.array.codes
    first_cat = first_occurrence(cat_codes, len(raw.cat.categories))
    used = np.flatnonzero(first_cat >= 0)
    in_order = used[np.argsort(first_cat[used], kind="stable")]
    texts = category_texts(raw)[in_order]
    if len(in_order) == len(first_cat) and (in_order == np.arange(len(in_order))).all():
        return cat_codes, texts, first_cat  # the categories are in order of appearance
    remap = np.full(len(first_cat) + 1, -1, dtype=np.int32)  # the last slot: -1 stays -1
    remap[in_order] = np.arange(len(in_order))
    return remap[cat_codes], texts, first_cat[in_order]


def first_occurrence(codes: np.ndarray, n: int) -> np.ndarray:
    """The first row of each code ``0..n-1`` in ``codes`` (-1: absent; code -1 is missing),
    looked for in blocks that double: the first rows of a panel hold most of its texts, and
    the search stops when every code is found."""
    first = np.full(n, -1, dtype=np.int64)
    to_find = np.ones(n, bool)
    start, size, left = 0, 4096, n
    while left and start < len(codes):
        block = codes[start : start + size]
        found, where = np.unique(block, return_index=True)
        where, found = where[found >= 0], found[found >= 0]
        new = to_find[found]
        first[found[new]] = where[new] + start
        to_find[found[new]] = False
        left -= int(new.sum())
        start, size = start + size, size * 2
    return first


def repeated_timestamps(
    raw: pd.Series,
    tcol: str,
    time_format: str | None,
    line_offset: int,
    notes: list[str],
    problems: list[RowProblems],
) -> tuple[np.ndarray, pd.DatetimeIndex, tuple[np.ndarray, np.ndarray] | None]:
    """The timestamps of a panel as int64 nanoseconds ``t`` (NaT for the unreadable), an empty
    index of their unit and time zone, and (when the texts repeat) each row's code and the
    distinct timestamps ``u`` (``t == u[code]``, code -1 for NaT). Each distinct text is
    parsed once (the series of a panel share their dates); a problem is named at the first
    line the text appears on."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        return _as_nanoseconds(
            parse_timestamps(raw, tcol, time_format, line_offset, notes, problems)
        )
    codes, uniques, first = _distinct_texts(raw)
    if len(uniques) * 2 > len(raw):
        plain = decategorize(raw)
        return _as_nanoseconds(
            parse_timestamps(plain, tcol, time_format, line_offset, notes, problems)
        )
    present = codes >= 0
    distinct = pd.Series(uniques, index=raw.index[first], dtype=object)
    own: list[RowProblems] = []
    parsed = parse_timestamps(distinct, tcol, time_format, line_offset, notes, own)
    for problem in own:
        problems.append(
            RowProblems(problem.mask[codes] & present, _by_code(problem.message, codes))
        )
    if not present.all():
        index = raw.index
        problems.append(
            RowProblems(
                ~present,
                lambda i: (
                    f"line {int(index[i]) + line_offset}: empty timestamp in column "
                    f"'{tcol}'; every row needs a time"
                ),
            )
        )
    u = nanoseconds(parsed)
    t = take_rows(u, codes)  # code -1 takes the last: NaT is written over it
    if not present.all():
        t[~present] = NAT
    return t, parsed[:0], (codes, u)


def _as_nanoseconds(
    stamps: pd.DatetimeIndex,
) -> tuple[np.ndarray, pd.DatetimeIndex, tuple[np.ndarray, np.ndarray] | None]:
    return nanoseconds(stamps), stamps[:0], None


def nanoseconds(stamps: pd.DatetimeIndex) -> np.ndarray:
    """The timestamps as int64 nanoseconds since the epoch (UTC when time-zone aware): a view
    of the index when it is held in nanoseconds (``as_unit`` copies even then), else a copy."""
    return stamps.asi8 if stamps.unit == "ns" else stamps.as_unit("ns").asi8


def _by_code(message: Callable[[int], str], codes: np.ndarray) -> Callable[[int], str]:
    return lambda i: message(int(codes[i]))


def first_rows(codes: np.ndarray, mask: np.ndarray) -> dict[int, int]:
    """Series code -> its first row where ``mask`` holds (rows in the order of ``codes``)."""
    rows = np.flatnonzero(mask)
    found, first = np.unique(codes[rows], return_index=True)
    return {int(c): int(rows[i]) for c, i in zip(found, first, strict=True)}


def sort_order(
    codes: np.ndarray, t: np.ndarray, bounds: np.ndarray | None = None
) -> np.ndarray | None:
    """The stable order by series, then time; None when the rows are in that order already
    (the common file, written series after series), which the stable sort would keep.
    ``bounds``: the rows are in series order already, series ``c`` rows ``bounds[c]`` to
    ``bounds[c + 1]`` (:func:`series_bounds`); only the times are looked at."""
    if len(codes) < 2:
        return None
    if bounds is not None:
        back = t[1:] < t[:-1]
        back[bounds[1:-1] - 1] = False  # a series' first time after the previous one's last
        return np.lexsort((t, codes)) if back.any() else None
    before, after = codes[:-1], codes[1:]
    if (after < before).any():
        return np.lexsort((t, codes))
    if ((after == before) & (t[1:] < t[:-1])).any():
        return np.lexsort((t, codes))
    return None


def as_index(
    nanoseconds: np.ndarray, like: pd.DatetimeIndex, own: bool = False
) -> pd.DatetimeIndex:
    """Timestamps from int64 nanoseconds, in the unit and time zone of ``like``. ``own``: the
    caller gives ``nanoseconds`` away, and another unit is written over it, block by block
    (the same numpy cast, no second array the length of the panel)."""
    if like.tz is None:  # numpy's cast: NaT stays NaT, whole units convert exactly
        stamps = nanoseconds.view("M8[ns]")
        if like.unit != "ns" and own and nanoseconds.flags.writeable:
            unit = f"M8[{like.unit}]"
            for block in row_blocks(len(stamps)):
                nanoseconds[block] = stamps[block].astype(unit).view(np.int64)
            stamps = nanoseconds.view(unit)
        elif like.unit != "ns":
            stamps = stamps.astype(f"M8[{like.unit}]")
        return pd.DatetimeIndex(stamps, copy=False)
    index = pd.DatetimeIndex(nanoseconds.view("M8[ns]"))
    return index.tz_localize("UTC").tz_convert(like.tz).as_unit(like.unit)


def stamp_text(t: np.ndarray, row: int, like: pd.DatetimeIndex) -> str:
    """The ISO text of timestamp ``row`` of ``t`` (as the panel's index will show it)."""
    return str(as_index(t[row : row + 1], like)[0].isoformat())


def assemble(
    values: np.ndarray,
    t: np.ndarray,
    bounds: np.ndarray,
    kept: np.ndarray,
    repaired: dict[int, tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values, timestamps and bounds of the kept series (``kept[c]``), contiguous, series after
    series; ``repaired[c]`` replaces series ``c``'s rows (a missing-value policy's result).
    With every series kept as read, the arrays are returned as they are (no copy)."""
    lengths = np.diff(bounds)
    if kept.all() and not repaired:
        return values, t, bounds
    row_kept = np.repeat(kept, lengths)
    for c in repaired:
        row_kept[bounds[c] : bounds[c + 1]] = False
    value_parts, stamp_parts, done = [], [], 0
    for c in sorted(repaired):  # the rows kept as read before series c, then c's own
        block = slice(done, int(bounds[c]))
        value_parts += [values[block][row_kept[block]], repaired[c][0]]
        stamp_parts += [t[block][row_kept[block]], repaired[c][1]]
        done = int(bounds[c + 1])
    value_parts.append(values[done:][row_kept[done:]])
    stamp_parts.append(t[done:][row_kept[done:]])
    out_lengths = np.where(kept, lengths, 0)
    for c, (v, _) in repaired.items():
        out_lengths[c] = len(v)
    out_bounds = np.concatenate([[0], np.cumsum(out_lengths[kept])]).astype(np.int64)
    return np.concatenate(value_parts), np.concatenate(stamp_parts), out_bounds


def series_bounds(codes: np.ndarray, k: int) -> np.ndarray:
    """Where each series starts in ``codes`` sorted by series (every code ``0..k-1`` present),
    and the end: series ``c`` is rows ``bounds[c]:bounds[c + 1]``."""
    if not len(codes):
        return np.zeros(k + 1, np.int64)
    starts = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    return np.concatenate([[0], starts, [len(codes)]]).astype(np.int64)
