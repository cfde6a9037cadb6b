"""Loading panels: long, wide, Parquet (file and directory), --ids; every single-series rule per
series, bad series reported and left out, the others exactly as when read alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecast.data import load, load_series
from forecast.errors import InputError, UsageError
from tests.panel.helpers import make_panel, one_series, write


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 6), freq=st.sampled_from(["MS", "D", "h"]))
def test_each_series_equals_the_series_read_alone(
    tmp_path: Path, seed: int, k: int, freq: str
) -> None:
    frame = make_panel(seed, k, freq, min_n=12, max_n=40)
    panel = load(write(frame, tmp_path / f"p{seed}.csv"))
    assert panel.is_panel and panel.id_col == "unique_id"
    assert list(panel.ids) == sorted(frame["unique_id"].unique())
    for i, sid in enumerate(panel.ids):
        alone = load_series(one_series(frame, sid, tmp_path / f"{sid}.csv"))
        got = panel[i].y
        pd.testing.assert_series_equal(got, alone.y, check_index_type=False)
        assert got.index.freq == alone.y.index.freq
        assert panel[i].freq == alone.freq


def test_bad_series_are_reported_and_the_others_kept(tmp_path: Path) -> None:
    frame = make_panel(1, 3)
    bad = pd.DataFrame(
        {
            "unique_id": ["dup"] * 12
            + ["short"] * 3
            + ["flat"] * 12
            + ["text"] * 12
            + ["gap"] * 11
            + ["stamp"] * 12,
            "ds": [
                *pd.date_range("2020-01-01", periods=12, freq="MS").strftime("%Y-%m-%d")[:11],
                "2020-01-01",
            ]
            + list(pd.date_range("2020-01-01", periods=3, freq="MS").strftime("%Y-%m-%d"))
            + list(pd.date_range("2020-01-01", periods=12, freq="MS").strftime("%Y-%m-%d")) * 2
            + list(
                pd.date_range("2020-01-01", periods=12, freq="MS").strftime("%Y-%m-%d").delete(5)
            )
            + [
                *pd.date_range("2020-01-01", periods=11, freq="MS").strftime("%Y-%m-%d"),
                "not a date",
            ],
            "y": list(np.arange(12.0))
            + [1.0, 2.0, 3.0]
            + [5.0] * 12
            + [*map(str, range(11)), "oops"]
            + list(np.arange(11.0))
            + list(np.arange(12.0)),
        }
    )
    path = write(pd.concat([frame, bad]), tmp_path / "bad.csv")
    panel = load(path, min_length=5)
    assert list(panel.ids) == ["s00", "s01", "s02"]
    reasons = {f.id: f.reason for f in panel.failures}
    assert set(reasons) == {"dup", "short", "flat", "text", "gap", "stamp"}
    assert reasons["dup"].startswith("duplicate timestamp 2020-01-01")
    assert reasons["short"] == "3 observations; this command needs at least 5"
    assert reasons["flat"].startswith("constant (every value is 5)")
    assert "'oops'" in reasons["text"] and "is not a number" in reasons["text"]
    assert "absent from the MS grid" in reasons["gap"] and "--missing" in reasons["gap"]
    assert "cannot parse timestamp 'not a date'" in reasons["stamp"]
    filled = load(path, min_length=5, missing="interpolate")
    assert "gap" in filled.ids and filled[filled.position("gap")].n_filled == 1


def test_no_usable_series_is_an_input_error(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "id": ["a", "a", "b", "b"],
            "t": ["2020-01-01", "2020-02-01"] * 2,
            "v": [1.0, 2.0, 3.0, 4.0],
        }
    )
    with pytest.raises(InputError, match="no usable series"):
        load(write(frame, tmp_path / "x.csv"), min_length=5, freq="MS")


def test_frequencies_must_agree_unless_given(tmp_path: Path) -> None:
    monthly = make_panel(2, 2, "MS")
    daily = make_panel(3, 1, "D").assign(unique_id="daily")
    path = write(pd.concat([monthly, daily]), tmp_path / "mixed.csv")
    with pytest.raises(InputError, match="disagree on the frequency"):
        load(path)
    panel = load(path, freq="MS")
    assert list(panel.ids) == ["s00", "s01"]
    assert "off the MS grid" in panel.failures[0].reason


def test_parquet_file_and_directory_equal_csv(tmp_path: Path) -> None:
    frame = make_panel(4, 5)
    from_csv = load(write(frame, tmp_path / "p.csv"))
    from_file = load(write(frame, tmp_path / "p.parquet"))
    parts = tmp_path / "parts"
    parts.mkdir()
    for i, start in enumerate(range(0, len(frame), len(frame) // 3 + 1)):
        chunk = frame.iloc[start : start + len(frame) // 3 + 1]
        chunk.to_parquet(parts / f"part-{i}.parquet", index=False)
    from_dir = load(str(parts))
    typed = frame.assign(ds=pd.to_datetime(frame["ds"]))
    from_typed = load(write(typed, tmp_path / "typed.parquet"))
    for other in (from_file, from_dir, from_typed):
        assert other.ids == from_csv.ids
        for i in range(len(from_csv)):
            np.testing.assert_array_equal(other[i].y.to_numpy(), from_csv[i].y.to_numpy())
            assert list(other[i].y.index) == list(from_csv[i].y.index)


def test_wide_equals_long(tmp_path: Path) -> None:
    index = pd.date_range("2020-01-01", periods=24, freq="MS").strftime("%Y-%m-%d")
    rng = np.random.default_rng(5)
    wide = pd.DataFrame(
        {"month": index, "north": rng.normal(size=24), "south": rng.normal(size=24)}
    )
    wide.loc[3, "south"] = np.nan
    long = wide.melt(id_vars="month", var_name="region", value_name="sales").dropna()
    a = load(write(wide, tmp_path / "wide.csv"), wide=True, missing="interpolate")
    b = load(write(long, tmp_path / "long.csv"), missing="interpolate")
    assert a.ids == b.ids == ("north", "south")
    for i in range(2):
        np.testing.assert_allclose(a[i].y.to_numpy(), b[i].y.to_numpy())


def test_ids_select_and_unknown_ids_are_usage_errors(tmp_path: Path) -> None:
    path = write(make_panel(6, 4), tmp_path / "p.csv")
    assert load(path, ids=["s03", "s01"]).ids == ("s01", "s03")
    with pytest.raises(UsageError, match="'nope'"):
        load(path, ids=["s01", "nope"])


def test_id_column_detection_by_name_and_by_shape(tmp_path: Path) -> None:
    frame = make_panel(7, 2).rename(columns={"unique_id": "shop", "ds": "date", "y": "units"})
    assert load(write(frame, tmp_path / "shop.csv")).id_col == "shop"
    etna = make_panel(8, 2).rename(
        columns={"unique_id": "segment", "ds": "timestamp", "y": "target"}
    )
    assert load(write(etna, tmp_path / "etna.csv")).id_col == "segment"
    single = load(str(Path(__file__).resolve().parents[2] / "sample_data" / "nile.csv"))
    assert single.single is not None and not single.is_panel


def test_shared_timestamp_texts_still_name_bad_lines(tmp_path: Path) -> None:
    frame = make_panel(9, 20, min_n=24, max_n=24)  # 480 rows, 24 distinct dates or so
    frame.loc[frame.index[7], "ds"] = "2019-13-45"
    frame.loc[frame.index[11], "ds"] = None
    path = write(frame, tmp_path / "p.csv")
    panel = load(path)
    reasons = {f.id: f.reason for f in panel.failures}
    bad, empty = frame.loc[frame.index[7], "unique_id"], frame.loc[frame.index[11], "unique_id"]
    assert reasons[bad] == (
        "line 9: cannot parse timestamp '2019-13-45' in column 'ds'; fix it or pass "
        "--time-format (e.g. %d/%m/%Y)"
    )
    assert reasons[empty] == "line 13: empty timestamp in column 'ds'; every row needs a time"
    assert len(panel) == 20 - len({bad, empty})
    typed = load(write(frame, tmp_path / "p.parquet"))
    assert typed.ids == panel.ids
