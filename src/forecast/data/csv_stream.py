"""A large CSV file handed to pyarrow block by block, each block held to the byte rules of
:class:`forecast.data.csv_arrow.Layout` as it passes: the bytes parsed are the bytes checked,
and the file is never held whole (reading it whole into one buffer cost about a tenth of a
second of page faults per 250 MB, and its size in memory beside the parse).

:func:`open_checked` reads the first lines (the delimiter, the header and the sample are
chosen on them, as :meth:`Layout.prefix` does) and the last bytes (blank lines at the very end
are left out, as :class:`Layout` does); :class:`CheckedFile` is the rest, read by pyarrow (a
panel's in pieces of whole lines, each parsed on its own: :mod:`forecast.data.csv_blocks`).
Whatever the streamed read cannot vouch for (a rule broken in any block, a line that may be
longer than ``FORECAST_MAX_LINE``, the file changing while it is read) sends the file back to
the whole-file path (:func:`forecast.data.read.read_table`), which reads it as before and names
the problem the same way.
"""

from __future__ import annotations

import codecs
import os
import stat
from typing import Any

from forecast.data.values import SAMPLE_ROWS

STREAM_BYTES = 1 << 24  # files at least this large are streamed; smaller ones are read whole
HEAD_BYTES = 1 << 20  # the first lines: enough for the sample but for very long lines
TAIL_BYTES = 1 << 16  # the last bytes: the blank lines at the very end
SNIFF_BYTES = 4 * 65536  # sniff_delimiter reads 65,536 characters, at most 4 bytes each
_UTF8 = ("utf-8", "utf-8-sig", "ascii")


class NotPlain(Exception):
    """A block broke a rule: pyarrow's read stops, the whole-file path reads the file."""


def prefix_length(raw: bytes) -> int | None:
    """How many bytes of ``raw`` (the start of a file) hold the first lines the delimiter and
    the sample are chosen on: through the first newline after ``SNIFF_BYTES`` and the header
    and ``SAMPLE_ROWS`` lines after it, whole lines; None when ``raw`` ends first."""
    sniffed = raw.find(b"\n", SNIFF_BYTES)
    line = -1
    for _ in range(SAMPLE_ROWS + 2):
        line = raw.find(b"\n", line + 1)
        if line < 0:
            break
    if sniffed < 0 or line < 0:
        return None
    return max(sniffed, line) + 1


def first_lines(raw: bytes, size: int) -> bytes | None:
    """The first lines of a file of ``size`` bytes that starts with ``raw``
    (:func:`prefix_length`; the whole file when it is shorter); None when ``raw`` is too short
    to hold them or they are blank."""
    n = prefix_length(raw)
    if n is None and len(raw) < size:
        return None
    lines = raw if n is None else raw[:n]
    return lines if lines.strip() else None


def utf8_encoding(encoding: str | None) -> bool:
    """Whether ``encoding`` (None: the default) reads bytes as UTF-8 does."""
    if encoding is None:
        return True
    try:
        return codecs.lookup(encoding).name in _UTF8
    except LookupError:
        return False  # pandas' path names it


class PlainBytes:
    """The byte rules of :class:`forecast.data.csv_arrow.Layout` over consecutive blocks: no
    quote character, no carriage return but in ``\\r\\n``, ASCII or valid UTF-8 under a UTF-8
    ``encoding``. :meth:`feed` each block in order, then :meth:`close`."""

    def __init__(self, encoding: str | None) -> None:
        self.ok = utf8_encoding(encoding)
        self._decoder: Any = None  # made at the first block that is not ASCII
        self._crlf = CrlfOnly()

    text = True  # the UTF-8 rule checked here (not left to pyarrow: PlainBytes.feed)

    def feed(self, block: bytes) -> bool:
        if not self.ok:
            return False
        if b'"' in block:
            self.ok = False
        elif self.text and (self._decoder is not None or not _ascii(block)):
            if self._decoder is None:
                self._decoder = codecs.getincrementaldecoder("utf-8")()
            self.ok = self._decoded(block, final=False)
        self.ok = self.ok and self._crlf.feed(block)
        return self.ok

    def close(self) -> bool:
        """The verdict once every block was fed: a carriage return or a UTF-8 character that
        the last block left open breaks the rules."""
        self.ok = self.ok and self._crlf.close()
        if self.ok and self._decoder is not None:
            self.ok = self._decoded(b"", final=True)
        return self.ok

    def _decoded(self, block: bytes, final: bool) -> bool:
        try:
            self._decoder.decode(block, final)
        except UnicodeDecodeError:
            return False
        return True


class CrlfOnly:
    """Whether every carriage return of consecutive blocks is followed by a newline: in each
    block, as many ``\r`` as ``\r\n`` but a last ``\r`` whose newline starts the next."""

    def __init__(self) -> None:
        self.ok = True
        self._open = False  # the last block ended with a carriage return

    def feed(self, block: bytes) -> bool:
        if self.ok and (self._open or b"\r" in block):
            if self._open and not block.startswith(b"\n"):
                self.ok = False
            self._open = block.endswith(b"\r")
            if block.count(b"\r") - self._open != block.count(b"\r\n"):
                self.ok = False
        return self.ok

    def close(self) -> bool:
        self.ok = self.ok and not self._open
        return self.ok


def _ascii(block: bytes) -> bool:
    """``block.isascii()``: numpy's maximum reads 16 bytes at a time (twice as fast)."""
    import numpy as np

    return not block or int(np.frombuffer(block, dtype=np.uint8).max()) < 128


class LineLengths:
    """Whether every line of consecutive blocks is at most ``limit`` bytes, as
    :func:`forecast.data.input_limits.check_line_length` counts them; it errs on the side of
    "maybe not" (the whole-file check then decides and names the line)."""

    def __init__(self, limit: int, open_line: int = 0) -> None:
        self.limit = limit
        self.ok = open_line <= limit
        self._open = open_line  # the bytes of the line the last block left open

    def feed(self, block: bytes) -> bool:
        first = block.find(b"\n")
        if first < 0:
            self._open += len(block)
        else:
            last = block.rfind(b"\n")
            # the whole lines between (bytes first + 1 to last, not copied) each fit if every
            # piece of half the limit holds a newline (see check_line_length)
            piece = (self.limit + 2) // 2
            self.ok &= self._open + first <= self.limit and (
                last - first - 1 <= self.limit
                or all(
                    block.find(b"\n", i, i + piece) >= 0
                    for i in range(first + 1, last - piece + 1, piece)
                )
            )
            self._open = len(block) - last - 1
        self.ok &= self._open <= self.limit
        return self.ok


class CheckedFile:
    """Bytes ``start:end`` of a regular file as a stream for pyarrow (``read``): each block is
    checked as it is read (:class:`PlainBytes`, :class:`LineLengths`, the first lines equal to
    those the columns were chosen on) and a broken rule stops the read (:class:`NotPlain`).
    :meth:`complete` says whether the whole of it was read and every rule held."""

    def __init__(
        self,
        handle: Any,
        head: bytes,
        bounds: tuple[int, int, int],
        rules: tuple[PlainBytes, LineLengths, bytes],
    ) -> None:
        self._handle = handle
        self.head = head  # the first bytes of the file (the columns are chosen on them)
        self.start, self.end, self.size = bounds  # read start:end of the file's size bytes
        self._pos = self.start
        self._rules, self._lines, self._trailing = rules  # the bytes after end: newlines
        self.aborted = False  # a block broke a rule, or the file changed

    @property
    def closed(self) -> bool:
        return bool(self._handle.closed)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        return self._pos - self.start

    def read(self, size: int = -1) -> bytes:
        want = self.end - self._pos if size is None or size < 0 else min(size, self.end - self._pos)
        if want <= 0:
            return b""
        block = self._handle.read(want)
        same_head = self._pos >= len(self.head) or block.startswith(
            self.head[self._pos : self._pos + len(block)]
        )
        changed = len(block) != want or not same_head  # the file changed as it was read
        if changed or not (self._rules.feed(block) and self._lines.feed(block)):
            self.aborted = True
            raise NotPlain("a block breaks a rule, or the file changed")
        self._pos += len(block)
        return block

    def text_checked_by_reader(self) -> None:
        """Leave the UTF-8 rule to pyarrow, before it reads: right when every column is read,
        text or number, so that every byte but delimiters and newlines is in a field pyarrow
        checks (a string is validated as UTF-8, a number is ASCII or refused) and the header
        was decoded already; a file it refuses is read by pandas, as one that broke the rule
        (:attr:`refused`)."""
        self._rules.text = False

    def complete(self) -> bool:
        """Whether every byte to the end was read and held to the rules (the blank lines at
        the end too), and the file kept its size."""
        done = self._pos == self.end and os.fstat(self._handle.fileno()).st_size == self.size
        self.aborted = not (
            done
            and self._rules.feed(self._trailing)
            and self._rules.close()
            and self._lines.feed(self._trailing)
        )
        return not self.aborted

    @property
    def refused(self) -> bool:
        """Whether pyarrow read rows that broke no rule and refused them (no row was read when
        the columns were not chosen)."""
        return self._pos > self.start and not self.aborted

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> CheckedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_checked(path: str, encoding: str | None) -> CheckedFile | None:
    """A large regular CSV file opened to be streamed (:class:`CheckedFile`), its first lines
    read; None when the whole-file path must read it (a small file, not a regular one, over
    the byte limit, not UTF-8, a first line it would refuse or not read as pyarrow does,
    first lines longer than ``HEAD_BYTES``, blank lines filling its last ``TAIL_BYTES``)."""
    from forecast.data.input_limits import max_bytes, max_line

    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or not STREAM_BYTES <= info.st_size <= max_bytes():
            return None
        if not utf8_encoding(encoding):
            return None
        handle = open(path, "rb", buffering=0)  # noqa: SIM115 (CheckedFile closes it)
    except OSError:
        return None
    try:
        size = info.st_size
        head = handle.read(HEAD_BYTES)
        handle.seek(max(size - TAIL_BYTES, 0))
        tail = handle.read(TAIL_BYTES)
        start = 3 if head.startswith(codecs.BOM_UTF8) else 0
        kept = len(tail.rstrip(b"\r\n"))
        usable = (
            len(tail) == min(size, TAIL_BYTES)
            and kept > 0
            and b"\x00" not in head[:4096]
            and not head[start:].startswith((b"\n", b"\r"))
            and first_lines(head, size) is not None
        )
        if usable:
            handle.seek(start)
            rules = (PlainBytes(encoding), LineLengths(max_line(), start), tail[kept:])
            bounds = (start, size - len(tail) + kept, size)
            return CheckedFile(handle, head, bounds, rules)
    except OSError:
        pass
    handle.close()
    return None
