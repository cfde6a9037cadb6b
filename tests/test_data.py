"""The loader: what it accepts, how it regularises, and the errors it gives (one line each)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from forecast.data import future_index, load_series
from forecast.errors import InputError, UsageError

from .conftest import SAMPLES, write_csv

DAILY = "date,v\n" + "".join(f"2020-01-{d:02d},{d * 1.5}\n" for d in range(1, 11))


def test_sample_series_have_documented_shapes() -> None:
    expected = {
        "airpassengers": (144, "MS", "1949-01-01", "1960-12-01", 112.0),
        "nile": (100, "YS-JAN", "1871-01-01", "1970-01-01", 1120.0),
        "sunspots": (2820, "MS", "1749-01-01", "1983-12-01", 58.0),
        "taylor": (4032, "30min", "2000-06-05 00:00", "2000-08-27 23:30", 22262.0),
    }
    for name, (n, freq, start, end, first) in expected.items():
        s = load_series(str(SAMPLES / f"{name}.csv"))
        assert (len(s.y), s.freq) == (n, freq)
        assert s.y.index[0] == pd.Timestamp(start) and s.y.index[-1] == pd.Timestamp(end)
        assert s.y.iloc[0] == first
        assert s.y.index.freq is not None and s.y.dtype == np.float64


def test_detects_columns_and_keeps_values(tmp_path) -> None:
    s = load_series(str(write_csv(tmp_path, DAILY)))
    assert (s.time_col, s.value_col, s.freq) == ("date", "v", "D")
    np.testing.assert_array_equal(s.y.to_numpy(), np.arange(1, 11) * 1.5)


@pytest.mark.parametrize(
    "text",
    [
        "date;v\n" + "".join(f"2020-01-{d:02d};{d},5\n" for d in range(1, 11)),  # decimal comma
        "date\tv\n" + "".join(f"2020-01-{d:02d}\t{d}.5\n" for d in range(1, 11)),  # tab
        "date|v\n" + "".join(f"2020-01-{d:02d}|{d}.5\n" for d in range(1, 11)),  # pipe
        '"date","v"\n' + "".join(f'"2020-01-{d:02d}","{d}.5"\n' for d in range(1, 11)),  # quoted
        "\ufeffdate,v\n" + "".join(f"2020-01-{d:02d},{d}.5\n" for d in range(1, 11)),  # BOM
        "date,v\r\n" + "".join(f"2020-01-{d:02d},{d}.5\r\n" for d in range(1, 11)),  # CRLF
        "date , v \n" + "".join(f" 2020-01-{d:02d} , {d}.5 \n" for d in range(1, 11)),  # spaces
    ],
)
def test_dialects(tmp_path, text: str) -> None:
    s = load_series(str(write_csv(tmp_path, text)))
    np.testing.assert_allclose(s.y.to_numpy(), np.arange(1, 11) + 0.5)
    assert s.freq == "D"


def test_thousands_separators(tmp_path) -> None:
    us = "date,v\n" + "".join(f'2020-01-{d:02d},"1,{d:03d}.25"\n' for d in range(1, 11))
    eu = "Datum;Wert\n" + "".join(f"{d:02d}.01.2020;1.{d:03d},25\n" for d in range(1, 11))
    for text in (us, eu):
        s = load_series(str(write_csv(tmp_path, text)))
        np.testing.assert_allclose(s.y.to_numpy(), 1000 + np.arange(1, 11) + 0.25)
        assert s.y.index[1] == pd.Timestamp("2020-01-02")  # 02.01.2020 is day-first


def test_utf16_and_explicit_encoding(tmp_path) -> None:
    s = load_series(str(write_csv(tmp_path, DAILY.encode("utf-16"))))
    assert len(s.y) == 10
    latin = ("date,café\n" + DAILY.split("\n", 1)[1]).encode("latin-1")
    assert load_series(str(write_csv(tmp_path, latin)), encoding="latin-1").value_col == "café"
    with pytest.raises(InputError, match="--encoding latin-1"):
        load_series(str(write_csv(tmp_path, latin)))
    with pytest.raises(UsageError, match="not a known text encoding"):
        load_series(str(write_csv(tmp_path, DAILY)), encoding="klingon")


def test_unsorted_input_is_sorted_with_a_note(tmp_path) -> None:
    lines = DAILY.strip().split("\n")
    text = "\n".join([lines[0], *reversed(lines[1:])]) + "\n"
    s = load_series(str(write_csv(tmp_path, text)))
    assert s.y.index.is_monotonic_increasing
    np.testing.assert_array_equal(s.y.to_numpy(), np.arange(1, 11) * 1.5)
    assert any("not in time order" in n for n in s.notes)


def test_headerless_file(tmp_path) -> None:
    s = load_series(str(write_csv(tmp_path, DAILY.split("\n", 1)[1])))
    assert (s.time_col, s.value_col, len(s.y)) == ("time", "value", 10)
    assert any("no header" in n for n in s.notes)


def test_year_column_of_integers(tmp_path) -> None:
    text = "year,flow\n" + "".join(f"{1900 + i},{i * i}\n" for i in range(12))
    s = load_series(str(write_csv(tmp_path, text)))
    assert s.freq == "YS-JAN" and s.y.index[0] == pd.Timestamp("1900-01-01")


def test_explicit_columns_and_ambiguity(tmp_path) -> None:
    text = "when,a,b\n" + "".join(f"2020-01-{d:02d},{d},{-d}\n" for d in range(1, 11))
    path = str(write_csv(tmp_path, text))
    with pytest.raises(UsageError, match=r"several numeric columns \['a', 'b'\].*--value-col"):
        load_series(path)
    assert load_series(path, value_col="b").y.iloc[0] == -1
    with pytest.raises(UsageError, match="--value-col 'c' is not a column"):
        load_series(path, value_col="c")


def test_stdin(tmp_path) -> None:
    s = load_series("-", stdin=io.BytesIO(DAILY.encode()))
    assert s.source == "<stdin>" and len(s.y) == 10


def test_missing_policies(tmp_path) -> None:
    text = "date,v\n2020-01-01,1\n2020-01-02,\n2020-01-03,3\n2020-01-05,5\n2020-01-06,6\n"
    path = str(write_csv(tmp_path, text))
    with pytest.raises(InputError) as err:
        load_series(path)
    message = str(err.value)
    assert "2 missing values (1 empty, 1 timestamp absent" in message
    assert "2020-01-02" in message and "--missing drop|ffill|interpolate" in message

    ffill = load_series(path, missing="ffill").y
    assert ffill.tolist() == [1, 1, 3, 3, 5, 6] and ffill.index.freq == "D"
    interp = load_series(path, missing="interpolate").y
    assert interp.tolist() == [1, 2, 3, 4, 5, 6]
    dropped = load_series(path, missing="drop")
    assert dropped.y.tolist() == [1, 3, 5, 6] and dropped.freq == "D"


def test_ffill_drops_leading_missing(tmp_path) -> None:
    text = "date,v\n2020-01-01,\n2020-01-02,2\n2020-01-03,\n2020-01-04,4\n"
    s = load_series(str(write_csv(tmp_path, text)), missing="ffill")
    assert s.y.tolist() == [2, 2, 4] and s.n_dropped == 1 and s.n_filled == 1


def test_explicit_freq(tmp_path) -> None:
    path = str(write_csv(tmp_path, DAILY))
    assert load_series(path, freq="D").freq == "D"
    with pytest.raises(UsageError, match="not a pandas frequency"):
        load_series(path, freq="fortnightly")
    with pytest.raises(InputError, match=r"off the h grid|missing value"):
        load_series(path, freq="h")


def test_min_length_names_the_purpose(tmp_path) -> None:
    with pytest.raises(InputError, match="has 10 observations; fitting needs at least 24"):
        load_series(str(write_csv(tmp_path, DAILY)), min_length=24, purpose="fitting")


def test_time_zones(tmp_path) -> None:
    local = pd.date_range("2020-03-28 22:00", periods=8, freq="h", tz="UTC").tz_convert(
        "Europe/Paris"
    )
    text = "t,v\n" + "".join(f"{t.isoformat()},{i}\n" for i, t in enumerate(local))  # DST jump
    s = load_series(str(write_csv(tmp_path, text)))
    assert str(s.y.index.tz) == "UTC" and s.freq == "h"


def test_future_index() -> None:
    idx = future_index(pd.Timestamp("1960-12-01"), "MS", 3)
    assert list(idx) == [
        pd.Timestamp("1961-01-01"),
        pd.Timestamp("1961-02-01"),
        pd.Timestamp("1961-03-01"),
    ]


def test_missing_file_and_directory(tmp_path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_series(str(tmp_path / "nope.csv"))
    with pytest.raises(InputError, match="is a directory"):
        load_series(str(tmp_path))
