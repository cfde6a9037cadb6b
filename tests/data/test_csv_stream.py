"""A large CSV streamed to pyarrow (src/forecast/data/csv_stream.py, issue 26 part 6) against
the whole-file read it replaces.

The oracles: the byte rules as they were written over the whole file (kept here, from
``csv_arrow.Layout`` before the stream) against the same rules fed block by block at any cuts;
the line-length rule against the lines themselves; and whole loads, streamed (every file
streamed, pyarrow reading a few dozen bytes at a time, so rows, carriage returns and UTF-8
characters straddle the blocks) against the whole-file path (no file streamed): the same panel,
failures, notes and error messages. Parsing is exact, so every comparison is equality.
"""

from __future__ import annotations

import codecs
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.data.test_arrow_loader import assert_same_panel

from forecast.data import Panel, csv_arrow, csv_stream, load
from forecast.errors import ForecastError


def _old_plain(raw: bytes, encoding: str | None) -> bool:
    """The byte rules of ``Layout`` as they were checked on the whole file."""
    if encoding is not None:
        try:
            if codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig", "ascii"):
                return False
        except LookupError:
            return False
    if raw.isascii():
        readable = True
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        readable = False
    else:
        try:
            codecs.decode(memoryview(raw), "utf-8")
            readable = True
        except UnicodeDecodeError:
            readable = False
    crlf = all(raw[i + 1 : i + 2] == b"\n" for i in range(len(raw)) if raw[i] == 13)
    return b'"' not in raw and readable and (b"\r" not in raw or crlf)


def _blocks(raw: bytes, cuts: list[int]) -> list[bytes]:
    edges = sorted({0, len(raw), *(c % (len(raw) + 1) for c in cuts)})
    return [raw[a:b] for a, b in itertools.pairwise(edges) if b > a]


PIECES = [b"a", b",", b"1", b"\n", b"\r", b"\r\n", b'"', "é".encode(), "€".encode(), b"\xff"]


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.sampled_from(PIECES), max_size=40),
    cuts=st.lists(st.integers(0, 200), max_size=8),
    encoding=st.sampled_from([None, "utf-8", "UTF8", "utf-8-sig", "ascii", "latin-1", "nope"]),
)
def test_the_byte_rules_in_blocks_are_the_whole_file_rules(
    parts: list[bytes], cuts: list[int], encoding: str | None
) -> None:
    raw = b"".join(parts)
    rules = csv_stream.PlainBytes(encoding)
    fed = all([rules.feed(block) for block in _blocks(raw, cuts)])  # every block, in order
    assert (fed and rules.close()) == _old_plain(raw, encoding)
    whole = csv_stream.PlainBytes(encoding)
    assert (whole.feed(raw) and whole.close()) == _old_plain(raw, encoding)


@settings(max_examples=300, deadline=None)
@given(
    lengths=st.lists(st.integers(0, 30), min_size=1, max_size=30),
    cuts=st.lists(st.integers(0, 400), max_size=12),
    limit=st.integers(1, 25),
    open_line=st.sampled_from([0, 3]),
)
def test_line_lengths_in_blocks(
    lengths: list[int], cuts: list[int], limit: int, open_line: int
) -> None:
    """Never "fits" when a line is longer than ``limit`` (the whole-file check then names
    it); exact when no block is longer than ``limit`` (pyarrow's blocks are 1 MiB, the
    default limit)."""
    raw = b"\n".join(b"x" * n for n in lengths)
    longest = max(len(line) for line in raw.split(b"\n"))
    first = len(raw.split(b"\n")[0])
    fits = longest <= limit and first + open_line <= limit  # a byte-order mark: 3 more
    lines = csv_stream.LineLengths(limit, open_line)
    blocks = _blocks(raw, cuts)
    for block in blocks:
        lines.feed(block)
    ok = lines.ok
    if ok:
        assert fits
    if all(len(block) <= limit for block in blocks):
        assert ok == fits


def _panel_text(seed: int, k: int, eol: str, blank_every: int, tail: str, bom: bool) -> str:
    rng = np.random.default_rng(seed)
    lines = ["unique_id,ds,y"]
    for s in range(k):
        name = f"id{s:02d}" if s % 3 else f"Zür{s:02d}"  # UTF-8 across the blocks too
        for m in range(int(rng.integers(3, 25))):
            value = f"{rng.normal(50, 10):.3f}" if rng.random() > 0.05 else ""
            lines.append(f"{name},2015-{1 + m // 28:02d}-{1 + m % 28:02d},{value}")
            if blank_every and len(lines) % blank_every == 0:
                lines.append("")
    text = eol.join(lines) + eol + tail
    return ("\ufeff" if bom else "") + text


def _streamed(path: str, monkeypatch: pytest.MonkeyPatch, **options: object) -> Panel | str:
    """The load with every file streamed and pyarrow reading 37 bytes at a time; asserts the
    stream was used to the end (or given back to the whole-file path) as ``expect`` says."""
    with monkeypatch.context() as m:
        m.setattr(csv_stream, "STREAM_BYTES", 0)
        m.setattr(csv_arrow, "READ_BLOCK", 37)
        return _outcome(path, **options)


def _whole(path: str, monkeypatch: pytest.MonkeyPatch, **options: object) -> Panel | str:
    with monkeypatch.context() as m:
        m.setattr(csv_stream, "STREAM_BYTES", 1 << 62)
        return _outcome(path, **options)


def _outcome(path: str, **options: object) -> Panel | str:
    try:
        return load(path, **options)  # type: ignore[arg-type]
    except ForecastError as exc:
        return f"{type(exc).__name__}: {exc.message}"


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each streamed attempt, whether pyarrow's rows passed every check (True)."""
    seen: list[bool] = []
    real = csv_stream.CheckedFile.complete

    def complete(self: csv_stream.CheckedFile) -> bool:
        seen.append(real(self))
        return seen[-1]

    monkeypatch.setattr(csv_stream.CheckedFile, "complete", complete)
    return seen


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10_000),
    k=st.integers(1, 5),
    eol=st.sampled_from(["\n", "\r\n"]),
    blank_every=st.sampled_from([0, 9]),
    tail=st.sampled_from(["", "\n", "\n\r\n\n"]),
    bom=st.booleans(),
    missing=st.sampled_from(["error", "drop", "interpolate"]),
)
def test_a_streamed_file_gives_the_whole_file_panel(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
    k: int,
    eol: str,
    blank_every: int,
    tail: str,
    bom: bool,
    missing: str,
) -> None:
    path = tmp_path / f"p{seed}.csv"
    path.write_bytes(_panel_text(seed, k, eol, blank_every, tail, bom).encode())
    options = {"missing": missing, "min_length": 3, "allow_empty": True}
    with monkeypatch.context() as m:
        seen = _spy(m)
        streamed = _streamed(str(path), m, **options)
    if not blank_every:  # blank lines inside: pyarrow refuses the file, pandas reads it
        assert seen == [True]
    assert_same_panel(streamed, _whole(str(path), monkeypatch, **options))


GOOD = "unique_id,ds,y\n" + "".join(
    f"{s},2020-{m:02d}-01,{(m * 7 + len(s)) % 11}.5\n" for s in ("a", "b") for m in range(1, 13)
)


def _with_note(text: str, odd: str) -> str:
    """A panel of 1,100 series (more than the first lines the columns are chosen on) with a
    fourth column, ``note``, that the loader does not read; the last note holds ``odd``."""
    rows = [f"s{s:04d},2020-{m:02d}-01,{m % 7}.25,n" for s in range(1100) for m in range(1, 13)]
    return "unique_id,ds,y,note\n" + "\n".join(rows) + odd + "\n"


@pytest.mark.parametrize(
    ("name", "edit", "env"),
    [
        ("quotes", lambda t: t.replace("\nb,", '\n"b",', 1), {}),
        ("quote far down", lambda t: t[:-12] + '"' + t[-11:], {}),
        ("lone carriage return", lambda t: t.replace("\na,2020-06", "\ra,2020-06"), {}),
        ("carriage return at the end", lambda t: t + "\r", {}),
        ("bad value", lambda t: t.replace("a,2020-02-01,4.5", "a,2020-02-01,oops"), {}),
        ("too many fields", lambda t: t.replace("a,2020-02-01,4.5", "a,2020-02-01,4.5,1"), {}),
        ("space before an id", lambda t: t.replace("\nb,", "\n b,"), {}),
        (
            "a long line far down",
            lambda t: t.replace("b,2020-11-01", "b" * 40 + ",2020-11-01"),
            {"FORECAST_MAX_LINE": "30"},
        ),
        ("a long first line", lambda t: t, {"FORECAST_MAX_LINE": "10"}),
        ("invalid UTF-8", lambda t: t.replace("\nb,", "\nb\udcff,"), {}),
        ("invalid UTF-8 in a column not read", lambda t: _with_note(t, "\udcff"), {}),
        ("a column not read", lambda t: _with_note(t, "é"), {}),
        ("latin-1 text", lambda t: t.replace("\nb,", "\nb\udce9,"), {"encoding": "latin-1"}),
        ("NUL bytes", lambda t: "\0" + t, {}),
        ("blank start", lambda t: "\n" + t, {}),
        ("only blank after the header", lambda t: "unique_id,ds,y\n\n\n", {}),
        ("thousands separator", lambda t: t.replace(",", ";").replace(".5", ",5"), {}),
        ("no header", lambda t: "\n".join(t.splitlines()[1:]) + "\n", {}),
    ],
)
def test_a_streamed_file_gives_the_whole_file_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, edit: object, env: dict[str, str]
) -> None:
    """Malformed or unusual files: whatever the stream cannot vouch for goes to the whole-file
    path, which names the problem as before (or reads the file with pandas)."""
    path = tmp_path / "f.csv"
    path.write_bytes(edit(GOOD).encode("utf-8", "surrogateescape"))  # type: ignore[operator]
    options: dict[str, object] = {"min_length": 5, "allow_empty": True}
    for key, value in env.items():
        if key == "encoding":
            options[key] = value
        else:
            monkeypatch.setenv(key, value)
    assert_same_panel(
        _streamed(str(path), monkeypatch, **options), _whole(str(path), monkeypatch, **options)
    )


@pytest.mark.parametrize("change", ["append", "rewrite", "truncate"])
def test_a_file_changed_while_streamed_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """The file changes after its first lines were read: the stream gives up (the size, or
    the first lines, differ) and the whole-file path reads the file as it is then."""
    path = tmp_path / "f.csv"
    path.write_text(GOOD)
    after = {
        "append": GOOD + "c,2020-01-01,1\nc,2020-02-01,2\nc,2020-03-01,3\n",
        "rewrite": GOOD.replace("unique_id", "series_id"),  # the same size
        "truncate": GOOD[: GOOD.index("b,")],
    }[change]
    real = csv_stream.open_checked

    def open_then_change(source: str, encoding: str | None) -> object:
        stream = real(source, encoding)
        path.write_text(after)
        return stream

    with monkeypatch.context() as m:
        m.setattr(csv_stream, "open_checked", open_then_change)
        seen = _spy(m)
        streamed = _streamed(str(path), m, min_length=3)
    assert seen in ([], [False])  # stopped in a read, or at the end
    assert_same_panel(streamed, _whole(str(path), monkeypatch, min_length=3))
    assert isinstance(streamed, Panel)
    assert len(streamed.ids) == (3 if change == "append" else 1 if change == "truncate" else 2)
