"""A single Parquet file read a row group at a time (``data/parquet_groups.py``) against the
scanner's whole table it replaces (``arrow_frame(dataset.to_table(...))``, kept as the oracle):
random files (row groups of random sizes, pages small enough that a dictionary falls back to
plain encoding, nulls in every column, every timestamp unit) give the same frame (values,
dtypes, categories in the same order, labels) and the same panel or the same refusal; the
files the row-group reader leaves to the scanner are named."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecast.data import load, parquet, parquet_groups
from forecast.data.table import arrow_frame
from forecast.errors import ForecastError

WANTED = ["ds", "unique_id", "y"]


def _scanner_frame(path: Path, text: list[str], wanted: list[str] = WANTED) -> pd.DataFrame:
    dataset = parquet._dataset(str(path), dictionary=text)
    return arrow_frame(dataset.to_table(columns=wanted), strings_to_categorical=True)


def _groups_frame(path: Path, text: list[str], wanted: list[str] = WANTED) -> pd.DataFrame | None:
    return parquet_groups.read_row_groups(parquet._dataset(str(path), dictionary=text), wanted)


def _outcome(path: Path, whole: bool) -> object:
    """The panel (its fields) or the refusal's message; ``whole``: the scanner's path."""
    patch = mock.patch.object(parquet_groups, "read_row_groups", return_value=None)
    with patch if whole else contextlib.nullcontext():
        try:
            panel = load(str(path), missing="drop", allow_empty=True)
        except ForecastError as exc:
            return ("refused", type(exc).__name__, str(exc))
    out = []
    for field in dataclasses.fields(panel):
        value = getattr(panel, field.name)
        out.append(
            value.astype("M8[ns]").view(np.int64).tolist()
            if field.name == "index"
            else np.asarray(value).tolist()
            if isinstance(value, np.ndarray)
            else value
        )
    return out


@st.composite
def panel_files(draw: st.DrawFn) -> tuple[pa.Table, dict[str, int]]:
    n_ids = draw(st.integers(1, 40))
    lengths = draw(st.lists(st.integers(1, 30), min_size=n_ids, max_size=n_ids))
    unit = draw(st.sampled_from(["s", "ms", "us", "ns"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    order = rng.permutation(n_ids) if draw(st.booleans()) else np.arange(n_ids)
    ids = np.repeat([f"s{i:03d}" for i in order], np.array(lengths)[order])
    start = np.datetime64("2020-01-01", "D")
    stamps = np.concatenate([start + np.arange(n) for n in np.array(lengths)[order]])
    n = len(ids)
    shuffled = draw(st.booleans())
    rows = rng.permutation(n) if shuffled else np.arange(n)
    values = rng.normal(size=n)
    values[rng.random(n) < 0.05] = np.nan  # a NaN that is not a null
    null = draw(st.sampled_from([0.0, 0.03]))
    table = pa.table(
        {
            "unique_id": pa.array(ids[rows], mask=rng.random(n) < null),
            "ds": pa.array(stamps[rows].astype(f"M8[{unit}]"), mask=rng.random(n) < null),
            "y": pa.array(values[rows], mask=rng.random(n) < null, from_pandas=False),
        }
    )
    layout = {
        "row_group_size": draw(st.integers(1, max(n, 1))),
        "dictionary_pagesize_limit": draw(st.sampled_from([32, 256, 1 << 20])),
        "data_page_size": draw(st.sampled_from([64, 1 << 20])),
    }
    return table, layout


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=panel_files())
def test_row_groups_equal_the_scanner(
    case: tuple[pa.Table, dict[str, int]], tmp_path: Path
) -> None:
    table, layout = case
    path = tmp_path / "panel.parquet"
    pq.write_table(table, path, **layout)
    frame = _groups_frame(path, ["unique_id"])
    assert frame is not None  # the row-group path read it (the comparison is not vacuous)
    expected = _scanner_frame(path, ["unique_id"])
    pd.testing.assert_frame_equal(frame, expected, check_exact=True)
    assert frame.columns.equals(expected.columns) and frame.columns.dtype == expected.columns.dtype
    assert _outcome(path, whole=False) == _outcome(path, whole=True)


def test_the_bench_layout_one_row_group_per_block_of_series(tmp_path: Path) -> None:
    """The typed layout of bench_million.py (ids written from a dictionary, row groups of
    whole series) with a pandas frame's metadata, and a typed file with one row group."""
    stamps = pd.date_range("2010-01-01", periods=24, freq="MS").as_unit("ns")
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat([f"id{i:03d}" for i in range(50)], 24),
            "ds": np.tile(stamps, 50),
            "y": np.arange(1200, dtype=float) % 17,
        }
    )
    path = tmp_path / "typed.parquet"
    frame.to_parquet(path, index=False, row_group_size=240)
    got = _groups_frame(path, ["unique_id"])
    assert got is not None and pq.ParquetFile(path).num_row_groups == 5
    pd.testing.assert_frame_equal(got, _scanner_frame(path, ["unique_id"]), check_exact=True)
    assert list(got["unique_id"].cat.categories) == [f"id{i:03d}" for i in range(50)]
    assert _outcome(path, whole=False) == _outcome(path, whole=True)
    panel = load(str(path))
    assert panel.ids == tuple(f"id{i:03d}" for i in range(50)) and panel.freq == "MS"
    np.testing.assert_array_equal(panel.values, frame["y"].to_numpy())


def test_left_to_the_scanner(tmp_path: Path) -> None:
    """Text times, an integer value column, a pandas index column, a directory of two files:
    the scanner reads them (and the load is what it was)."""
    base = pd.DataFrame(
        {
            "unique_id": ["a"] * 3 + ["b"] * 3,
            "ds": pd.date_range("2020", periods=6, freq="D"),
            "y": [1.0, 2, 3, 4, 5, 6],
        }
    )
    text = tmp_path / "text.parquet"
    base.assign(ds=base["ds"].dt.strftime("%Y-%m-%d")).to_parquet(text, index=False)
    assert _groups_frame(text, ["unique_id", "ds"]) is None
    ints = tmp_path / "ints.parquet"
    base.assign(y=np.arange(6)).to_parquet(ints, index=False)
    assert _groups_frame(ints, ["unique_id"]) is None
    indexed = tmp_path / "indexed.parquet"
    base.set_index("ds").to_parquet(indexed)
    assert _groups_frame(indexed, ["unique_id"]) is None
    folder = tmp_path / "parts"
    folder.mkdir()
    base.iloc[:3].to_parquet(folder / "part-0.parquet", index=False)
    base.iloc[3:].to_parquet(folder / "part-1.parquet", index=False)
    assert _groups_frame(folder, ["unique_id"]) is None
    plain = tmp_path / "plain.parquet"
    base.to_parquet(plain, index=False)
    assert _groups_frame(plain, ["unique_id"]) is not None
    for path in (text, ints, indexed, folder, plain):
        assert _outcome(path, whole=False) == _outcome(path, whole=True)


def test_a_damaged_file_is_named_as_the_scanner_names_it(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "unique_id": ["a"] * 50,
            "ds": pd.date_range("2020", periods=50, freq="D"),
            "y": np.arange(50.0),
        }
    )
    path = tmp_path / "damaged.parquet"
    frame.to_parquet(path, index=False)
    raw = bytearray(path.read_bytes())
    raw[200:260] = bytes(60)  # pages overwritten; the footer (schema, row counts) intact
    path.write_bytes(bytes(raw))
    new, old = _outcome(path, whole=False), _outcome(path, whole=True)
    assert new == old
    with pytest.raises(ForecastError):
        load(str(path))
