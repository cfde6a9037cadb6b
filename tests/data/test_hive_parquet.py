"""Hive-partitioned Parquet directories (``unique_id=A/part.parquet``, any depth) read as the
same data in one flat file: the partition folders come back as text columns, an id folder is
the id, written values are kept as written (``store=007`` is ``"007"``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import forecast
from forecast.data import Panel
from forecast.data.parquet import part_layout, read_parquet_frame
from forecast.errors import InputError

# ids that a type-inferring reader would turn into numbers (7, 12, 3) or split into folders
IDS = ("007", "012", "3", "N/9")


def _frame(ids: tuple[str, ...] = IDS, n: int = 28) -> pd.DataFrame:
    """One random walk per id (its own length), daily, rows grouped by id."""
    rng = np.random.default_rng(5)
    parts = []
    for k, sid in enumerate(ids):
        length = n + 3 * k
        parts.append(
            pd.DataFrame(
                {
                    "unique_id": sid,
                    "ds": pd.date_range("2021-03-01", periods=length, freq="D"),
                    "y": np.round(40 + rng.normal(size=length).cumsum(), 6),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _same_panel(ours: Panel, flat: Panel) -> None:
    """The same series, ids, timestamps and values (bit for bit: both are float64 read from the
    same float64 column, no arithmetic)."""
    assert sorted(s.id for s in ours) == sorted(s.id for s in flat)
    assert ours.freq == flat.freq
    theirs = {s.id: s for s in flat}
    for series in ours:
        other = theirs[series.id]
        pd.testing.assert_index_equal(series.y.index, other.y.index)
        np.testing.assert_array_equal(series.y.to_numpy(), other.y.to_numpy())


def test_one_level_written_by_pandas_is_the_flat_panel(tmp_path: Path) -> None:
    frame = _frame()
    frame.to_parquet(tmp_path / "hive", partition_cols=["unique_id"])
    frame.to_parquet(tmp_path / "flat.parquet", index=False)
    frame.to_csv(tmp_path / "flat.csv", index=False)
    assert (tmp_path / "hive" / "unique_id=007").is_dir()  # the layout we mean to read
    ours = forecast.load(str(tmp_path / "hive"))
    assert [s.id for s in ours] == sorted(IDS)  # "007" stays "007", "N/9" is decoded
    _same_panel(ours, forecast.load(str(tmp_path / "flat.parquet")))
    _same_panel(ours, forecast.load(str(tmp_path / "flat.csv")))


def test_two_levels_written_by_pyarrow_with_a_partition_key_as_the_id(tmp_path: Path) -> None:
    """``region=N/store=007/part-0.parquet``: both folders become columns; ``--id-col store``
    picks the inner one; the region column is read as any other unused column."""
    frame = _frame().rename(columns={"unique_id": "store"})
    frame.insert(0, "region", np.where(frame["store"].isin(["007", "3"]), "N", "S"))
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_to_dataset(table, tmp_path / "hive", partition_cols=["region", "store"])
    assert (tmp_path / "hive" / "region=N" / "store=007").is_dir()
    frame.to_csv(tmp_path / "flat.csv", index=False)
    ours = forecast.load(str(tmp_path / "hive"), id_col="store")
    assert [s.id for s in ours] == sorted(IDS)
    _same_panel(ours, forecast.load(str(tmp_path / "flat.csv"), id_col="store"))
    layout = part_layout(str(tmp_path / "hive"))
    assert layout.keys == ("region", "store") and len(layout.parts()) == len(IDS)
    everything = read_parquet_frame(str(tmp_path / "hive"))
    assert sorted(everything["store"].astype(str).unique()) == sorted(IDS)
    assert set(everything["region"].astype(str)) == {"N", "S"}


def test_without_an_id_column_the_refusal_names_the_partition_keys_first(tmp_path: Path) -> None:
    """Two text columns (region and store) leave the id undecided, as in a CSV file; the
    refusal names the folders' keys, innermost first (not the index pandas wrote)."""
    frame = _frame().rename(columns={"unique_id": "store"})
    frame["region"] = np.where(frame["store"].isin(["007", "3"]), "N", "S")
    frame.index = pd.Index(frame.index.to_numpy())  # not a RangeIndex: written as a column
    frame.to_parquet(tmp_path / "hive", partition_cols=["region", "store"])
    part = next((tmp_path / "hive").glob("*/*/*.parquet"))
    assert "__index_level_0__" in pq.read_schema(part).names
    with pytest.raises(InputError, match=r"pass --id-col NAME \(one of 'store', 'region'\?\)"):
        forecast.load(str(tmp_path / "hive"))


def test_a_partition_key_as_the_time_column_is_parsed_as_text_times(tmp_path: Path) -> None:
    """Folders ``year=1875``...: the time comes from the folder names, read as CSV text would
    be (a year column)."""
    years = pd.DataFrame({"year": [str(y) for y in range(1875, 1915)], "level": np.arange(40.0)})
    years.to_parquet(tmp_path / "byyear", partition_cols=["year"])
    years.to_csv(tmp_path / "flat.csv", index=False)
    ours = forecast.load(str(tmp_path / "byyear"))
    _same_panel(ours, forecast.load(str(tmp_path / "flat.csv")))


def test_markers_hidden_and_foreign_files_are_skipped(tmp_path: Path) -> None:
    """Spark's ``_SUCCESS``, pyarrow's ``_metadata``, ``.crc`` files and a README are not
    data; only ``*.parquet`` files in ``KEY=VALUE`` folders are read."""
    frame = _frame(IDS[:2])
    folder = tmp_path / "hive"
    frame.to_parquet(folder, partition_cols=["unique_id"])
    (folder / "_SUCCESS").write_text("{}")
    (folder / "README.txt").write_text("not data")
    (folder / "unique_id=007" / ".part.parquet.crc").write_bytes(b"\0")
    (folder / "_tmp").mkdir()
    frame.to_parquet(folder / "_tmp" / "stale.parquet")  # a writer's temporary folder
    frame.to_csv(tmp_path / "flat.csv", index=False)
    ours = forecast.load(str(folder))
    assert [s.id for s in ours] == ["007", "012"]
    _same_panel(ours, forecast.load(str(tmp_path / "flat.csv")))  # nothing read twice


def test_a_directory_without_part_files_names_the_layout_it_needs(tmp_path: Path) -> None:
    empty = tmp_path / "hive"
    (empty / "unique_id=A").mkdir(parents=True)
    (empty / "unique_id=A" / "data.csv").write_text("ds,y\n2020-01-01,1\n")
    with pytest.raises(InputError) as caught:
        forecast.load(str(empty))
    message = caught.value.message
    assert message.startswith(f"{empty} is a directory with no .parquet part files; give ")
    assert "unique_id=A/part-0.parquet" in message and "\n" not in message


def test_part_files_at_different_levels_are_refused(tmp_path: Path) -> None:
    frame = _frame(IDS[:2])
    folder = tmp_path / "mixed"
    frame.to_parquet(folder, partition_cols=["unique_id"])
    frame.to_parquet(folder / "loose.parquet", index=False)
    with pytest.raises(
        InputError,
        match=r"mixes partition levels: loose\.parquet has no partition folders, unique_id=0",
    ):
        forecast.load(str(folder))
