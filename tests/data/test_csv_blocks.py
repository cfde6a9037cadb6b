"""A streamed panel CSV parsed piece by piece (src/forecast/data/csv_blocks.py, issue 26 part
6) against the whole-file parse it stands for.

The oracles: ``csv_arrow.read_arrow_columns`` over the whole bytes (one Arrow table, then its
columns made compact) gives the frame and the id runs that ``read_pieces`` must give, exactly
(categories, their order, the codes' dtype, NaN where NaN), at random read sizes, so rows, ids'
runs and UTF-8 characters straddle the reads; ``_id_categorical`` over the whole id column
gives what ``IdRuns`` builds piece by piece; ``b"".join`` and ``np.concatenate`` are the
oracles of the line pieces and of the growing array. Last, the memory the change is for:
Arrow's pool never holds the whole table (the ids as text were most of it).
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecast.data import csv_arrow, csv_blocks, csv_stream
from forecast.data.csv_arrow import Layout, _id_categorical, read_arrow_columns
from forecast.data.csv_blocks import Growing, IdRuns, line_pieces, read_pieces


class _Reads:
    """A stream that returns its bytes ``sizes[i]`` at a time (the last size repeated)."""

    def __init__(self, raw: bytes, sizes: list[int]) -> None:
        self.raw, self.sizes, self.pos, self.calls = raw, sizes, 0, 0

    def read(self, size: int) -> bytes:
        n = self.sizes[min(self.calls, len(self.sizes) - 1)]
        self.calls += 1
        block = self.raw[self.pos : self.pos + min(n, size)]
        self.pos += len(block)
        return block


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.binary(max_size=12).map(lambda b: b.replace(b"\n", b"")), max_size=30),
    final_newline=st.booleans(),
    sizes=st.lists(st.integers(1, 40), min_size=1, max_size=10),
)
def test_line_pieces_are_whole_lines_in_order(
    lines: list[bytes], final_newline: bool, sizes: list[int]
) -> None:
    raw = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    pieces = [bytes(p) for p in line_pieces(_Reads(raw, sizes), 1 << 30)]
    assert b"".join(pieces) == raw
    assert all(pieces)
    assert all(p.endswith(b"\n") for p in pieces[:-1])
    if pieces and raw.endswith(b"\n"):
        assert pieces[-1].endswith(b"\n")


@settings(max_examples=100, deadline=None)
@given(
    parts=st.lists(st.integers(0, 50), max_size=20),
    capacity=st.integers(0, 60),
)
def test_a_growing_array_is_the_concatenation(parts: list[int], capacity: int) -> None:
    rng = np.random.default_rng(len(parts))
    arrays = [rng.normal(size=n) for n in parts]
    grown = Growing(capacity)
    for a in arrays:
        grown.extend(a)
    want = np.concatenate([np.zeros(0), *arrays])
    got = grown.result()
    assert got.dtype == np.float64 and got.flags.owndata
    np.testing.assert_array_equal(got, want)


def _ids(seed: int, k: int, order: str, missing: bool) -> list[str | None]:
    """Ids in runs of 1 to 6 rows: sorted series, series out of order, or a series that comes
    back; ``missing``: some ids missing."""
    rng = np.random.default_rng(seed)
    names = [f"s{i:03d}" if i % 4 else f"Zü{i:03d}" for i in range(k)]  # sorted by code point
    names.sort()
    if order == "unsorted":
        rng.shuffle(names)
    elif order == "back" and k > 1:
        names.append(names[0])
    ids: list[str | None] = []
    for name in names:
        ids += [name] * int(rng.integers(1, 7))
    if missing:
        for i in rng.choice(len(ids), size=max(1, len(ids) // 10)):
            ids[i] = None
    return ids


def _cut(column: pa.Array, cuts: list[int]) -> list[pa.ChunkedArray]:
    """``column`` as consecutive pieces, each a chunked array of one or two chunks."""
    edges = sorted({0, len(column), *(c % (len(column) + 1) for c in cuts)})
    pieces = []
    for a, b in itertools.pairwise(edges):
        mid = (a + b) // 2
        pieces.append(pa.chunked_array([column[a:mid], column[mid:b]], type=pa.string()))
    return pieces


def _same_categorical(a: pd.Categorical, b: pd.Categorical) -> None:
    pd.testing.assert_index_equal(a.categories, b.categories, exact=True)
    assert a.codes.dtype == b.codes.dtype
    np.testing.assert_array_equal(a.codes, b.codes)


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    k=st.integers(1, 12),
    order=st.sampled_from(["sorted", "unsorted", "back"]),
    missing=st.booleans(),
    cuts=st.lists(st.integers(0, 100), max_size=8),
)
def test_id_runs_piece_by_piece_equal_the_whole_column(
    seed: int, k: int, order: str, missing: bool, cuts: list[int]
) -> None:
    ids = _ids(seed, k, order, missing)
    column = pa.array(ids, type=pa.string())
    heads = [t for i, t in enumerate(ids) if i == 0 or t != ids[i - 1]]
    in_runs = None not in heads and all(a < b for a, b in itertools.pairwise(heads))
    want, want_distinct, want_runs = _id_categorical(pa.chunked_array([column]))
    runs = IdRuns()
    for piece in _cut(column, cuts):
        runs.add(piece)
    got, distinct, firsts = runs.categorical()
    assert runs.n == len(column)
    _same_categorical(got, want)
    assert (firsts is not None) == (want_runs is not None) == in_runs
    if firsts is not None:
        np.testing.assert_array_equal(firsts, want_runs)
        assert firsts.dtype == np.int64
    texts = {t for c in distinct.chunks for t in _texts(c)}
    assert texts == {t for c in want_distinct.chunks for t in _texts(c)}


def _texts(chunk: pa.Array) -> list[str]:
    return (chunk.dictionary if pa.types.is_dictionary(chunk.type) else chunk).to_pylist()


def _panel_bytes(seed: int, order: str, missing: bool, eol: str, odd: str) -> bytes:
    rng = np.random.default_rng(seed)
    ids = _ids(seed, int(rng.integers(1, 9)), order, False)
    lines = ["id,ds,y"]
    for i, name in enumerate(ids):
        gone = missing and rng.random() < 0.1
        value = "" if gone else f"{rng.normal(50, 10):.3f}"
        stamp = f"2020-{1 + i % 12:02d}-0{1 + i % 3}" if not (gone and i % 2) else "NA"
        lines.append(f"{'' if gone and i % 3 == 0 else name},{stamp},{value}")
    if odd == "blank line":
        lines.insert(len(lines) // 2, "")
    elif odd == "bad value":
        lines[-1] = lines[-1].rsplit(",", 1)[0] + ",x1"
    elif odd == "space before an id":
        lines[-1] = " " + lines[-1]
    elif odd == "space before a time":
        lines[-1] = lines[-1].replace(",", ", ", 1)
    return (eol.join(lines) + eol).encode()


ARGS = (",", 0, ["id", "ds", "y"], ["ds", "id"], ["y"])


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10_000),
    order=st.sampled_from(["sorted", "unsorted", "back"]),
    missing=st.booleans(),
    eol=st.sampled_from(["\n", "\r\n"]),
    odd=st.sampled_from(["", "", "", "blank line", "bad value", "space before an id"]),
    block=st.integers(1, 300),
    workers=st.sampled_from([0, 1, 3]),
)
def test_read_pieces_gives_the_whole_file_rows(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
    order: str,
    missing: bool,
    eol: str,
    odd: str,
    block: int,
    workers: int,
) -> None:
    """At any read size, parsed here (0 workers) or by 1 or 3 threads."""
    raw = _panel_bytes(seed, order, missing, eol, odd)
    path = tmp_path / "p.csv"
    path.write_bytes(raw)
    whole = read_arrow_columns(Layout(raw, None).arrow_input(raw), *ARGS, "id")
    with monkeypatch.context() as m:
        m.setattr(csv_stream, "STREAM_BYTES", 0)
        m.setattr(csv_arrow, "READ_BLOCK", block)
        m.setattr(csv_blocks, "MAX_WORKERS", workers)
        stream = csv_stream.open_checked(str(path), None)
        assert stream is not None
        cpus = pa.cpu_count()
        pa.set_cpu_count(workers + 1)
        try:
            with stream:
                pieces = read_pieces(stream, *ARGS, "id")
        finally:
            pa.set_cpu_count(cpus)
    assert (pieces is None) == (whole is None)
    if odd in ("bad value", "space before an id"):
        assert pieces is None
    if pieces is None or whole is None:
        return
    assert not stream.aborted  # read to the end, every rule held
    want, got = whole.to_frame(), pieces.to_frame()
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_categorical=True)
    for name in ("id", "ds"):
        _same_categorical(got[name].array, want[name].array)
    assert (pieces.id_runs is None) == (whole.id_runs is None)
    if whole.id_runs is not None:
        np.testing.assert_array_equal(pieces.id_runs, whole.id_runs)


def test_a_text_starting_with_a_blank_in_a_later_piece(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pandas skips a space that starts a field: the pieces give None, as the whole read."""
    raw = _panel_bytes(1, "sorted", False, "\n", "space before a time")
    path = tmp_path / "p.csv"
    path.write_bytes(raw)
    assert read_arrow_columns(Layout(raw, None).arrow_input(raw), *ARGS, "id") is None
    with monkeypatch.context() as m:
        m.setattr(csv_stream, "STREAM_BYTES", 0)
        m.setattr(csv_arrow, "READ_BLOCK", 50)
        stream = csv_stream.open_checked(str(path), None)
        assert stream is not None
        with stream:
            assert read_pieces(stream, *ARGS, "id") is None


CHILD = """
import json, sys
import pyarrow as pa
import pyarrow.csv as pcsv
from forecast.data import csv_arrow, csv_blocks, csv_stream
from forecast.data.read import read_table
csv_stream.STREAM_BYTES = int(sys.argv[2])
csv_arrow.READ_BLOCK = 1 << 16
table = read_table(sys.argv[1])
print(json.dumps({"max": pa.default_memory_pool().max_memory(), "runs": table.id_runs is not None}))
"""


def _arrow_peak(path: Path, stream_bytes: int) -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(stream_bytes)],
        capture_output=True,
        check=True,
        text=True,
    )
    result: dict[str, int] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_arrow_never_holds_the_whole_table(tmp_path: Path) -> None:
    """The most Arrow's pool held during the read of a 4 MB panel: the whole-file parse holds
    its table (the ids as text, the times' codes, the values); piece by piece, the times'
    codes (4 bytes a row, then their pandas copy) and a few pieces."""
    n_series, n_obs = 4000, 50
    ids = np.repeat([f"series{i:05d}" for i in range(n_series)], n_obs)
    stamps = np.tile(pd.date_range("2001-01-01", periods=n_obs, freq="MS").strftime("%F"), n_series)
    frame = pd.DataFrame({"unique_id": ids, "ds": stamps, "y": np.arange(n_series * n_obs) / 7})
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False, float_format="%.3f")
    table_bytes = pcsv.read_csv(path).nbytes
    whole, streamed = _arrow_peak(path, 1 << 62), _arrow_peak(path, 0)
    assert whole["runs"] and streamed["runs"]
    assert whole["max"] > table_bytes * 0.9
    assert streamed["max"] < table_bytes * 0.4  # 0.31 when written
    assert streamed["max"] * 4 < whole["max"]
