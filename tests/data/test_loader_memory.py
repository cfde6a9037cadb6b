"""The loader's memory-lean steps (issue 26, part 6) against the plain steps they replace.

Each lean step is compared with the obvious whole-array version it stands for, kept here as
the oracle: the grid checks of a panel done in blocks of rows (``panel._grid_span``) against
the panel-long arithmetic they replaced; ``take_rows`` against ``u[codes]``; the in-place unit
cast of the final timestamps against numpy's ``astype``; ``table.arrow_frame`` (a column at a
time) against ``Table.to_pandas``; the chunk-by-chunk ``take`` of the CSV's id runs against
``ChunkedArray.take``. Then whole loads: a panel read with blocks of a few rows equals the one
read with the default blocks (values, timestamps, failures and their messages). Integer and
timestamp arithmetic is exact, so every comparison is equality (NaN where NaN).
"""

from __future__ import annotations

import io
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import BaseOffset, Tick

from forecast.data import Panel, load, panel_arrays
from forecast.data.csv_arrow import _take_sorted
from forecast.data.panel import MAX_GRID, _grid_span
from forecast.data.panel_arrays import NAT, as_index, take_rows
from forecast.data.table import arrow_frame
from forecast.errors import ForecastError, InputError


def _old_calendar_positions(t: np.ndarray, offset: BaseOffset) -> tuple[np.ndarray, np.ndarray]:
    valid = t != NAT
    lo, hi = int(t[valid].min()), int(t[valid].max())
    sample = pd.date_range(pd.Timestamp(lo), periods=2, freq=offset)
    approx = max(int((sample[1] - sample[0]).value), 1)
    if (hi - lo) // approx > MAX_GRID:
        raise InputError("too long")
    grid = pd.date_range(pd.Timestamp(lo).floor("D"), pd.Timestamp(hi), freq=offset, unit="ns").asi8
    where = np.clip(np.searchsorted(grid, t), 0, max(len(grid) - 1, 0))
    on = valid & (grid[where] == t) if len(grid) else np.zeros(len(t), bool)
    return where.astype(np.int64), on


def _old_grid_span(
    t: np.ndarray,
    bounds: np.ndarray,
    offset: BaseOffset,
    distinct: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``panel._grid_span`` before this change: whole-panel temporaries."""
    first, n_obs = bounds[:-1], np.diff(bounds)
    nonempty = n_obs > 0
    first, last = first[nonempty], bounds[1:][nonempty] - 1
    span = np.zeros(len(n_obs), np.int64)
    if distinct is not None and not isinstance(offset, Tick):
        codes, u = distinct
        if (u == NAT).all():
            return span, np.zeros(len(t), bool)
        where, on = _old_calendar_positions(np.append(u, NAT), offset)
        span[nonempty] = where[codes[last]] - where[codes[first]] + 1
        return span, on[codes]
    valid = t != NAT
    if not valid.any():
        return span, valid
    if isinstance(offset, Tick):
        step = int(offset.nanos)
        delta = t - np.repeat(t[first], n_obs[nonempty])
        span[nonempty] = delta[last] // step + 1
        return span, valid & (delta % step == 0)
    where, on = _old_calendar_positions(t, offset)
    span[nonempty] = where[last] - where[first] + 1
    return span, on


@st.composite
def _stamped_panels(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, str, np.ndarray, np.ndarray]:
    """Series of 0-12 rows (empty ones too), sorted by series then time; timestamps on or off
    a grid of hours, days, weeks or month starts, some NaT; each row's code into distinct
    timestamps ``u`` (``t == u[codes]``, -1 for NaT)."""
    freq = draw(st.sampled_from(["h", "D", "3D", "W-SUN", "MS", "QS"]))
    lengths = draw(st.lists(st.integers(0, 12), min_size=1, max_size=8))
    base = pd.Timestamp("2019-12-30 06:00")
    offset = to_offset(freq)
    u = pd.date_range(base.floor("D"), periods=40, freq=offset, unit="ns").asi8
    off = u[:10] + draw(st.sampled_from([3_600 * 10**9, 86_400 * 10**9 + 1, 7]))
    pool = np.concatenate([u, off])
    rows = []
    for n in lengths:
        picks = draw(st.lists(st.integers(-1, len(pool) - 1), min_size=n, max_size=n))
        rows.append(sorted(picks, key=lambda c: NAT if c < 0 else pool[c]))
    codes = np.array([c for series in rows for c in series], dtype=np.int32)
    t = np.where(codes >= 0, pool[np.maximum(codes, 0)], NAT).astype(np.int64)
    bounds = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return t, bounds, freq, codes, pool


@settings(max_examples=200, deadline=None)
@given(panel=_stamped_panels(), block=st.integers(1, 9), with_distinct=st.booleans())
def test_grid_span_in_blocks_equals_the_whole_panel_arithmetic(
    panel: tuple[np.ndarray, np.ndarray, str, np.ndarray, np.ndarray],
    block: int,
    with_distinct: bool,
) -> None:
    t, bounds, freq, codes, pool = panel
    offset = to_offset(freq)
    distinct = (codes, pool) if with_distinct else None
    expected = _old_grid_span(t.copy(), bounds, offset, distinct)
    with mock.patch.object(panel_arrays, "ROW_BLOCK", block):
        span, on = _grid_span(t.copy(), bounds, offset, distinct)
    np.testing.assert_array_equal(span, expected[0])
    np.testing.assert_array_equal(on, expected[1])
    assert span.dtype == np.int64 and on.dtype == bool


@settings(max_examples=100, deadline=None)
@given(
    codes=st.lists(st.integers(-1, 6), max_size=40),
    block=st.integers(1, 9),
    unit=st.sampled_from(["s", "ms", "us", "ns"]),
)
def test_take_rows_and_the_in_place_unit_cast(codes: list[int], block: int, unit: str) -> None:
    u = np.array([0, -5 * 10**9, 1_600_000_000_123_456_789, NAT, 10**9, 7, -1], dtype=np.int64)
    index = np.array(codes, dtype=np.int32)
    like = pd.DatetimeIndex(np.array([], dtype=f"M8[{unit}]"))
    with mock.patch.object(panel_arrays, "ROW_BLOCK", block):
        t = take_rows(u, index)
        np.testing.assert_array_equal(t, u[index])
        expected = t.view("M8[ns]").astype(f"M8[{unit}]")  # numpy's cast: toward -inf or 0
        got = as_index(t, like, own=True)
    np.testing.assert_array_equal(got.to_numpy(), expected)
    assert got.unit == unit


def _arrow_tables() -> list[tuple[str, pa.Table]]:
    """Tables as the loader meets them: pandas-written (its metadata restores indexes,
    extension types, time zones), several chunks, dictionaries, repeated names."""
    frames = [
        pd.DataFrame({"y": [1.0, 2.0]}, index=pd.DatetimeIndex(["2020-01-01", "2020-01-02"])),
        pd.DataFrame({"a": [1, 2], "b": ["x", None]}, index=pd.RangeIndex(5, 7)),
        pd.DataFrame({0: [1.5, 2.5], 1: ["u", "v"]}),
        pd.DataFrame(
            {
                "a": pd.array([1.5, None], dtype="Float64"),
                "s": pd.array(["u", None], dtype="string"),
                "t": pd.to_datetime(["2020-01-01", None]).tz_localize("Europe/Paris"),
            }
        ),
        pd.DataFrame({"a": [1.0, 2.0]}, index=pd.Index(["p", "q"], name="key")),
    ]
    tables = []
    for i, frame in enumerate(frames):
        buffer = io.BytesIO()
        frame.to_parquet(buffer)
        buffer.seek(0)
        table = pq.read_table(buffer)
        tables += [(f"pandas {i}", table), (f"pandas {i}, first column", table.select([0]))]
    ids = pa.chunked_array([["a", "a", None], ["b"], []], type=pa.string())
    days = pa.chunked_array([pa.array(["d1", "d2", "d1"]).dictionary_encode(), ["d3"], []])
    tables.append(
        ("chunks", pa.table({"id": ids, "ds": days.cast(pa.string()), "y": [1.0, None, 3, 4]}))
    )
    tables.append(("dictionary", pa.table({"ds": days, "y": pa.chunked_array([[1.0, 2, 3], [4]])})))
    tables.append(("repeated", pa.table([pa.array([1.0]), pa.array(["a"])], names=["x", "x"])))
    return tables


def test_arrow_frame_equals_to_pandas() -> None:
    for name, table in _arrow_tables():
        for categorical in (False, True):
            expected = table.to_pandas(strings_to_categorical=categorical)
            copy = pa.Table.from_batches(table.to_batches(), table.schema)  # given away
            got = arrow_frame(copy, strings_to_categorical=categorical)
            pd.testing.assert_frame_equal(got, expected, check_exact=True, obj=name)
            assert list(got.columns) == list(expected.columns), name


@settings(max_examples=100, deadline=None)
@given(
    chunks=st.lists(st.lists(st.sampled_from(["a", "b", "cc", ""]), max_size=6), max_size=5),
    data=st.data(),
)
def test_take_sorted_equals_take(chunks: list[list[str]], data: st.DataObject) -> None:
    column = pa.chunked_array(chunks, type=pa.string())
    rows = sorted(data.draw(st.sets(st.integers(0, max(len(column) - 1, 0)))))
    rows = [r for r in rows if r < len(column)]
    got = _take_sorted(column, np.array(rows, dtype=np.int64))
    assert got.to_pylist() == column.take(pa.array(rows, type=pa.int64())).to_pylist()


def _outcome(path: str, **options: object) -> Panel | str:
    try:
        return load(path, **options)  # type: ignore[arg-type]
    except ForecastError as exc:
        return f"{type(exc).__name__}: {exc.message}"


def _same(a: Panel | str, b: Panel | str) -> None:
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return
    assert a.ids == b.ids and a.freq == b.freq
    np.testing.assert_array_equal(a.values, b.values)
    pd.testing.assert_index_equal(a.index, b.index, exact=True)
    np.testing.assert_array_equal(a.bounds, b.bounds)
    np.testing.assert_array_equal(a.regular, b.regular)
    assert a.failures == b.failures and a.notes == b.notes
    assert dict(a.series_notes) == dict(b.series_notes)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10_000),
    freq=st.sampled_from(["h", "D", "MS"]),
    typed=st.booleans(),
    block=st.integers(1, 7),
    missing=st.sampled_from(["error", "drop", "ffill"]),
)
def test_a_panel_read_in_small_blocks_equals_the_default(
    tmp_path: Path, seed: int, freq: str, typed: bool, block: int, missing: str
) -> None:
    """Gaps, empty values, off-grid and duplicate timestamps, unsorted rows: the blocks are
    invisible in the panel, its failures and their messages (CSV and Parquet)."""
    rng = np.random.default_rng(seed)
    frames = []
    for s in range(int(rng.integers(1, 6))):
        stamps = pd.date_range("2020-01-01", periods=int(rng.integers(2, 15)), freq=freq)
        frame = pd.DataFrame(
            {"unique_id": f"s{s}", "ds": stamps, "y": rng.normal(size=len(stamps))}
        )
        frame.loc[rng.random(len(frame)) < 0.1, "y"] = np.nan
        frames.append(frame.drop(index=frame.index[rng.random(len(frame)) < 0.1]))
    panel = pd.concat(frames, ignore_index=True)
    if rng.random() < 0.3:
        panel.loc[0, "ds"] += pd.Timedelta(minutes=7)  # off the grid
    if rng.random() < 0.3:
        panel = pd.concat([panel, panel.iloc[:1]], ignore_index=True)  # a duplicate
    if rng.random() < 0.5:
        panel = panel.iloc[rng.permutation(len(panel))]
    if not typed:
        panel["ds"] = panel["ds"].dt.strftime("%Y-%m-%d %H:%M:%S")
    paths = [tmp_path / f"p{seed}.csv", tmp_path / f"p{seed}.parquet"]
    panel.to_csv(paths[0], index=False)
    panel.to_parquet(paths[1], index=False)
    for path in paths:
        expected = _outcome(str(path), missing=missing)
        with mock.patch.object(panel_arrays, "ROW_BLOCK", block):
            _same(_outcome(str(path), missing=missing), expected)
