"""The Arrow loading path (issue 26, part 6) against the pandas path it replaces.

CSV: pyarrow reads the rows (src/forecast/data/csv_arrow.py) unless the file has a layout where
it could differ from pandas' parser; the oracle is the same load with pyarrow switched off
(``read_arrow_columns`` returning None sends every file to pandas' parser, today's path before
this change). The panel builder works on codes and arrays; its oracle is a plain pandas
groupby over the same rows, and Parquet (read as dictionaries) must give the CSV's panel.
Every comparison is exact: the same bytes parsed to the same float64, the same timestamps.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecast.data import Panel, csv_arrow, load
from forecast.data.input_limits import check_line_length
from forecast.data.panel_arrays import first_occurrence, id_codes
from forecast.errors import ForecastError, InputError

FORMATS = {"MS": "%Y-%m-%d", "D": "%Y-%m-%d", "h": "%Y-%m-%d %H:%M:%S"}


def _panel(seed: int, k: int, freq: str, *, holes: bool, shuffle: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for s in range(k):
        n = int(rng.integers(3, 30))
        start = pd.Timestamp("2015-01-01") + pd.tseries.frequencies.to_offset(freq) * int(
            rng.integers(0, 12)
        )
        stamps = pd.date_range(start, periods=n, freq=freq)
        values = rng.normal(50, 10, n)
        # numbers written three ways: short decimals, full repr, integers
        kind = s % 3
        text = [
            f"{v:.3f}" if kind == 0 else repr(float(v)) if kind == 1 else str(int(v))
            for v in values
        ]
        if holes and n > 4:
            text[int(rng.integers(1, n - 1))] = ""  # an empty value
        frame = pd.DataFrame(
            {"unique_id": f"id{s:02d}", "ds": stamps.strftime(FORMATS[freq]), "y": text}
        )
        if holes and n > 5 and s % 2:
            frame = frame.drop(index=int(rng.integers(1, n - 1)))  # a gap in the grid
        frames.append(frame)
    panel = pd.concat(frames, ignore_index=True)
    if shuffle:
        panel = panel.iloc[rng.permutation(len(panel))]
    return panel.reset_index(drop=True)


def _write_csv(frame: pd.DataFrame, path: Path, eol: str = "\n", blank_every: int = 0) -> str:
    lines = [",".join(frame.columns)]
    for i, row in enumerate(frame.itertuples(index=False)):
        if blank_every and i and i % blank_every == 0:
            lines.append("")
        lines.append(",".join(str(v) for v in row))
    path.write_bytes((eol.join(lines) + eol).encode())
    return str(path)


def _slow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_arrow, "read_arrow_columns", lambda *a, **k: None)


def _fast(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record, for each CSV read, whether pyarrow read its rows (True) or pandas did."""
    used: list[bool] = []
    real = csv_arrow.read_arrow_columns

    def spy(*args: object, **kwargs: object) -> object:
        frame = real(*args, **kwargs)  # type: ignore[arg-type]
        used.append(frame is not None)
        return frame

    monkeypatch.setattr(csv_arrow, "read_arrow_columns", spy)
    return used


def _outcome(path: str, **options: object) -> Panel | str:
    try:
        return load(path, **options)  # type: ignore[arg-type]
    except ForecastError as exc:
        return f"{type(exc).__name__}: {exc.message}"


def assert_same_panel(a: Panel | str, b: Panel | str) -> None:
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return
    assert isinstance(a, Panel) and isinstance(b, Panel)
    assert a.ids == b.ids
    assert a.freq == b.freq and a.time_col == b.time_col and a.value_col == b.value_col
    np.testing.assert_array_equal(a.values, b.values)  # exact, NaN where NaN
    assert a.values.dtype == b.values.dtype == np.float64
    pd.testing.assert_index_equal(a.index, b.index, exact=True)
    np.testing.assert_array_equal(a.bounds, b.bounds)
    np.testing.assert_array_equal(a.regular, b.regular)
    np.testing.assert_array_equal(a.n_filled, b.n_filled)
    np.testing.assert_array_equal(a.n_dropped, b.n_dropped)
    assert dict(a.series_notes) == dict(b.series_notes)
    assert a.failures == b.failures
    assert a.notes == b.notes
    assert a.describe() == b.describe()


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10_000),
    k=st.integers(1, 6),
    freq=st.sampled_from(sorted(FORMATS)),
    holes=st.booleans(),
    shuffle=st.booleans(),
    eol=st.sampled_from(["\n", "\r\n"]),
    blank_every=st.sampled_from([0, 7]),
    missing=st.sampled_from(["error", "drop", "ffill", "interpolate"]),
)
def test_arrow_csv_gives_the_pandas_panel(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
    k: int,
    freq: str,
    holes: bool,
    shuffle: bool,
    eol: str,
    blank_every: int,
    missing: str,
) -> None:
    frame = _panel(seed, k, freq, holes=holes, shuffle=shuffle)
    path = _write_csv(frame, tmp_path / f"p{seed}.csv", eol, blank_every)
    with monkeypatch.context() as m:
        used = _fast(m)
        fast = _outcome(path, missing=missing, min_length=3)
    assert used == [True]  # these files are for pyarrow
    with monkeypatch.context() as m:
        _slow(m)
        slow = _outcome(path, missing=missing, min_length=3)
    assert_same_panel(fast, slow)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 6), freq=st.sampled_from(sorted(FORMATS)))
def test_the_panel_equals_a_pandas_groupby(tmp_path: Path, seed: int, k: int, freq: str) -> None:
    """Complete series, rows in any order: the panel is the rows sorted by id then time."""
    frame = _panel(seed, k, freq, holes=False, shuffle=True)
    panel = load(_write_csv(frame, tmp_path / "p.csv"))
    rows = frame.assign(y=frame["y"].astype(float), ds=pd.to_datetime(frame["ds"]))
    rows = rows.sort_values(["unique_id", "ds"], kind="stable")
    assert list(panel.ids) == sorted(rows["unique_id"].unique())
    np.testing.assert_array_equal(panel.values, rows["y"].to_numpy())
    np.testing.assert_array_equal(
        panel.index.as_unit("ns").asi8, rows["ds"].dt.as_unit("ns").to_numpy().view("i8")
    )
    sizes = rows.groupby("unique_id", sort=True).size().to_numpy()
    np.testing.assert_array_equal(np.diff(panel.bounds), sizes)
    values, offsets, stamps = panel.arrays()  # the array-level interface
    assert values is panel.values and offsets is panel.bounds
    np.testing.assert_array_equal(stamps, rows["ds"].dt.as_unit("ns").to_numpy().view("i8"))
    for i, series in enumerate(panel):  # the public per-series interface
        assert series.id == panel.ids[i]
        np.testing.assert_array_equal(
            series.y.to_numpy(), panel.values[panel.bounds[i] : panel.bounds[i + 1]]
        )


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 5), holes=st.booleans())
def test_parquet_gives_the_csv_panel(tmp_path: Path, seed: int, k: int, holes: bool) -> None:
    frame = _panel(seed, k, "MS", holes=holes, shuffle=True)
    csv_panel = _outcome(_write_csv(frame, tmp_path / "p.csv"), missing="ffill", min_length=3)
    typed = frame.assign(y=pd.to_numeric(frame["y"]))  # Parquet: a typed float column
    typed.to_parquet(tmp_path / "p.parquet", index=False)
    parquet_panel = _outcome(str(tmp_path / "p.parquet"), missing="ffill", min_length=3)
    assert isinstance(parquet_panel, Panel) and isinstance(csv_panel, Panel)
    assert_same_panel(
        parquet_panel, Panel(**{**csv_panel.__dict__, "source": parquet_panel.source})
    )


def _set(text: str, row: str, value: str) -> str:
    """``text`` with the value of the row that starts with ``row`` replaced."""
    start = text.index(row + ",") + len(row) + 1
    return text[:start] + value + text[text.index("\n", start) :]


GOOD = "unique_id,ds,y\n" + "".join(
    f"{s},2020-{m:02d}-01,{(m * 7 + len(s)) % 11}.5\n" for s in ("a", "b") for m in range(1, 13)
)


@pytest.mark.parametrize(
    ("name", "edit", "arrow"),
    [
        ("duplicate", lambda t: t + "a,2020-03-01,1\n", [True]),
        ("unparseable time", lambda t: t.replace("b,2020-05-01", "b,2020-05-0x"), [True]),
        ("empty time", lambda t: t.replace("b,2020-05-01", "b,"), [True]),
        ("bad value", lambda t: _set(t, "a,2020-02-01", "oops"), [False]),
        ("infinite value", lambda t: _set(t, "a,2020-02-01", "inf"), [True]),
        ("huge value", lambda t: _set(t, "a,2020-02-01", "1e200"), [True]),
        ("missing word", lambda t: _set(t, "a,2020-02-01", "NA"), [True]),
        ("off the grid", lambda t: t.replace("b,2020-05-01", "b,2020-05-02"), [True]),
        ("blank lines", lambda t: t.replace("\nb,", "\n\n\nb,", 1) + "\n\n", [True]),
        ("empty row", lambda t: t.replace("\nb,", "\n,,\nb,", 1), [True]),
        ("byte-order mark", lambda t: "\ufeff" + t, [True]),
        ("space after delimiter", lambda t: t.replace("a,2020", "a, 2020"), [False]),
        ("space before an id", lambda t: t.replace("\nb,", "\n b,"), [False]),
        ("quotes", lambda t: t.replace("\nb,", '\n"b",'), []),
        ("lone carriage return", lambda t: t.replace("\na,2020-06", "\ra,2020-06"), []),
        ("too many fields", lambda t: _set(t, "a,2020-02-01", "4.5,1"), []),
        ("too few fields", lambda t: t.replace("a,2020-02-01,4.5", "a,2020-02-01"), [False]),
        ("semicolons", lambda t: t.replace(",", ";"), [True]),
        ("constant", lambda t: t + "".join(f"k,2020-{m:02d}-01,4\n" for m in range(1, 13)), [True]),
        ("non-ASCII id", lambda t: t.replace("\nb,", "\nZürich,"), [True]),
        (
            "one series",
            lambda t: "ds,y\n" + "".join(f"2020-{m:02d}-01,{m}\n" for m in range(1, 13)),
            [True],
        ),
        (
            "epoch seconds",
            lambda t: (
                "id,ts,y\n" + "".join(f"a,{1600000000 + 3600 * i},{i % 5}\n" for i in range(30))
            ),
            [True],
        ),
    ],
)
def test_arrow_csv_gives_pandas_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, edit: object, arrow: list[bool]
) -> None:
    """Malformed input: the same panel, failures and error messages as pandas' path; ``arrow``
    says whether pyarrow read the rows (False: pandas did; empty: the sample was refused)."""
    path = tmp_path / "f.csv"
    path.write_bytes(edit(GOOD).encode())  # type: ignore[operator]
    with monkeypatch.context() as m:
        used = _fast(m)
        fast = _outcome(str(path), min_length=5)
    assert used == arrow
    with monkeypatch.context() as m:
        _slow(m)
        slow = _outcome(str(path), min_length=5)
    assert_same_panel(fast, slow)


def test_a_large_file_reads_its_sample_from_the_first_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over 4 x 65,536 bytes the delimiter and the sample come from a prefix of the bytes;
    the whole file read by pandas gives the same panel (and a bad row far down is named at
    its line by both)."""
    frame = _panel(3, 1000, "D", holes=True, shuffle=False)
    path = tmp_path / "big.csv"
    _write_csv(frame, path)
    assert path.stat().st_size > 4 * 65536
    fast = _outcome(str(path), missing="interpolate", min_length=3)
    with monkeypatch.context() as m:
        _slow(m)
        slow = _outcome(str(path), missing="interpolate", min_length=3)
    assert isinstance(fast, Panel)
    assert_same_panel(fast, slow)
    text = path.read_text().splitlines()
    text[len(text) - 3] = text[len(text) - 3].rsplit(",", 1)[0] + ",bad"
    path.write_text("\n".join(text) + "\n")
    fast = _outcome(str(path), min_length=3)
    with monkeypatch.context() as m:
        _slow(m)
        slow = _outcome(str(path), min_length=3)
    assert_same_panel(fast, slow)
    assert isinstance(fast, Panel)
    assert any(f"line {len(text) - 2}:" in f.reason for f in fast.failures)


def test_missing_words_are_pandas_own() -> None:
    from pandas._libs.parsers import STR_NA_VALUES

    assert set(csv_arrow.NA_TEXTS) == set(STR_NA_VALUES)


@settings(max_examples=60, deadline=None)
@given(
    lengths=st.lists(st.integers(0, 40), min_size=1, max_size=60),
    limit=st.integers(3, 25),
    final_newline=st.booleans(),
)
def test_line_length_check_refuses_exactly_the_long_lines(
    lengths: list[int], limit: int, final_newline: bool
) -> None:
    """The shortcut (every aligned piece holds a newline) never lets a long line through, and
    the refusal names the first long line, as the full scan does."""
    import os

    raw = b"\n".join(b"x" * n for n in lengths) + (b"\n" if final_newline else b"")
    longest = [i for i, n in enumerate(lengths) if n > limit]
    os.environ["FORECAST_MAX_LINE"] = str(limit)
    try:
        if not longest or len(raw) <= limit:
            check_line_length(raw, "f.csv")
            assert not longest or len(raw) <= limit
        else:
            with pytest.raises(InputError, match=f"line {longest[0] + 1} is"):
                check_line_length(raw, "f.csv")
    finally:
        del os.environ["FORECAST_MAX_LINE"]


@settings(max_examples=80, deadline=None)
@given(
    codes=st.lists(st.integers(-1, 12), max_size=300),
    n=st.integers(13, 16),
)
def test_first_occurrence_is_the_first_row_of_each_code(codes: list[int], n: int) -> None:
    array = np.array(codes, dtype=np.int32)
    want = np.full(n, -1)
    for row, code in enumerate(codes):
        if code >= 0 and want[code] < 0:
            want[code] = row
    np.testing.assert_array_equal(first_occurrence(array, n), want)


@settings(max_examples=80, deadline=None)
@given(
    texts=st.lists(st.sampled_from(["b", "a", "", "c", "a b", "Ä", None]), min_size=1, max_size=50),
    extra=st.lists(st.sampled_from(["z", "y", "", "a"]), max_size=3, unique=True),
)
def test_id_codes_of_a_categorical_are_pandas_factorize(
    texts: list[str | None], extra: list[str]
) -> None:
    """Categories in any order, unused ones, missing ids and an empty text: the same codes and
    names as factorizing the strings (missing ids read as the empty text)."""
    plain = pd.Series(texts, dtype=object)
    present = [t for t in dict.fromkeys(texts) if t is not None]
    categories = list(dict.fromkeys([*reversed(present), *extra]))
    categorical = pd.Series(pd.Categorical(texts, categories=categories))
    want_codes, want_names = pd.factorize(plain.where(plain.notna(), "").to_numpy(), sort=True)
    codes, names = id_codes(categorical)
    np.testing.assert_array_equal(codes, want_codes)
    assert list(names) == list(want_names)
    codes, names = id_codes(plain)
    np.testing.assert_array_equal(codes, want_codes)
    assert list(names) == list(want_names)


@pytest.mark.parametrize("ids", [None, ["s3", "s1"]])
def test_time_zones_and_selected_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ids: list[str] | None
) -> None:
    """Hourly stamps across a daylight-saving change, written with their UTC offsets (CSV) and
    typed (Parquet, a categorical id column): the same panel from every route, in UTC order."""
    rng = np.random.default_rng(5)
    frames = [
        pd.DataFrame(
            {
                "id": f"s{s}",
                "ts": pd.date_range("2021-03-27", periods=48, freq="h", tz="Europe/Berlin"),
                "v": rng.normal(size=48).round(3),
            }
        )
        for s in range(5)
    ]
    frame = pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=2)
    csv = tmp_path / "tz.csv"
    frame.assign(ts=frame["ts"].map(lambda t: t.isoformat())).to_csv(csv, index=False)
    with monkeypatch.context() as m:
        used = _fast(m)
        fast = _outcome(str(csv), ids=ids)
    assert used == [True]
    with monkeypatch.context() as m:
        _slow(m)
        slow = _outcome(str(csv), ids=ids)
    assert_same_panel(fast, slow)
    assert isinstance(fast, Panel) and list(fast.ids) == sorted(ids or [f"s{s}" for s in range(5)])
    parquet = tmp_path / "tz.parquet"
    frame.assign(id=frame["id"].astype("category")).to_parquet(parquet, index=False)
    typed = _outcome(str(parquet), ids=ids)
    assert isinstance(typed, Panel)
    np.testing.assert_array_equal(typed.values, fast.values)
    np.testing.assert_array_equal(typed.index.as_unit("ns").asi8, fast.index.as_unit("ns").asi8)
    assert typed.ids == fast.ids and typed.freq == fast.freq


@pytest.mark.parametrize("freq", ["MS", "D"])
def test_no_readable_timestamp_with_freq(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, freq: str
) -> None:
    """Repeated texts, none a timestamp, and --freq given: every series refused (calendar and
    fixed steps), on both paths; a text is parsed once, so it is named at the first line it
    appears on (line 2 for all three series)."""
    path = tmp_path / "bad.csv"
    path.write_text("id,ds,y\n" + "".join(f"{s},xx{m},{m}\n" for s in "abc" for m in (1, 2, 3)))
    options = {"time_col": "ds", "freq": freq, "allow_empty": True}
    fast = _outcome(str(path), **options)
    with monkeypatch.context() as m:
        _slow(m)
        slow = _outcome(str(path), **options)
    assert_same_panel(fast, slow)
    assert isinstance(fast, Panel) and not fast.ids
    assert [f.reason.split(":")[0] for f in fast.failures] == ["line 2"] * 3


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=64).map(lambda b: b.replace(b"x", b"\r").replace(b"y", b"\n")))
def test_crlf_check_is_the_count_of_pairs(raw: bytes) -> None:
    """Every carriage return followed by a newline: as many ``\\r`` as ``\\r\\n``."""
    from forecast.data.csv_arrow import _crlf_only

    assert _crlf_only(raw) == (raw.count(b"\r") == raw.count(b"\r\n"))
