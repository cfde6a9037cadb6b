"""Bounded reads: every file the tool reads goes through :func:`read_bounded`.

Data (CSV, ``--future``), model files, ``--config`` and ``--ids-file`` are read here, each with a
byte limit that names its override (:mod:`forecast.data.input_limits`), so a file's size, not its
claims, bounds the memory a read takes:

* a regular file larger than the limit is refused from its size, before a byte is read;
* a FIFO or a pipe (``<(...)``, ``/dev/stdin`` in a pipeline) is read in blocks until its writer
  closes it, and refused as soon as it passes the limit (with no writer it waits, as ``cat``
  does);
* a device (``/dev/zero``, a terminal) or a socket is refused before it is opened: it has no
  end;
* ``check_start`` sees the first block before the rest is read, so a file that cannot be what
  it claims (NUL bytes in a CSV, a model file's header length) is refused at once.

Parquet input is not read here (pyarrow reads only the columns it needs);
:func:`require_regular` gives it the same refusals of devices, FIFOs and unreadable paths.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from forecast.errors import ForecastError, InputError, printable

FIRST_BLOCK = 65536
BLOCK = 1 << 24  # read(n) would allocate n bytes up front: read in blocks


def read_bounded(
    path: str | Path,
    *,
    what: str,
    limit: int,
    override: str,
    error: type[ForecastError] = InputError,
    check_start: Callable[[bytes], None] | None = None,
) -> bytes:
    """The bytes of ``path``, at most ``limit`` of them.

    Parameters
    ----------
    path
        The file, a FIFO or a pipe; a directory, a device or a socket is refused.
    what
        What the file is, for messages: ``"model file"``, ``"config file"``...
    limit, override
        The byte limit and the environment variable that raises it.
    error
        The exception class of every refusal (all exit 2).
    check_start
        Called with the first block (up to 64 KiB) before the rest is read.

    Returns
    -------
    bytes
        The whole file.
    """
    label = printable(str(path))
    info = _stat(path, what, label, error)
    if stat.S_ISREG(info.st_mode) and info.st_size > limit:
        raise error(too_large(what, label, limit, override))
    try:
        with open(path, "rb") as handle:
            if stat.S_ISREG(info.st_mode):
                first = handle.read(min(FIRST_BLOCK, limit + 1))
                if check_start is not None:
                    check_start(first)
                handle.seek(0)  # one read of the known size: one buffer, no joined copy
                data = handle.read(info.st_size + 1)
                if len(data) <= info.st_size:
                    return data
                handle.seek(0)  # the file grew while it was read: read it as a stream
            return read_stream(
                handle,
                what=what,
                label=label,
                limit=limit,
                override=override,
                error=error,
                check_start=check_start,
            )
    except OSError as exc:
        raise error(_os_reason(exc, what, label)) from None


def read_stream(
    stream: Any,
    *,
    what: str,
    label: str,
    limit: int,
    override: str,
    error: type[ForecastError] = InputError,
    check_start: Callable[[bytes], None] | None = None,
) -> bytes:
    """The bytes of an open binary ``stream`` (stdin), in blocks, refused past ``limit``."""
    first = stream.read(min(FIRST_BLOCK, limit + 1))
    if check_start is not None:
        check_start(first)
    chunks, size = [first], len(first)
    while first and size <= limit:
        first = stream.read(min(BLOCK, limit + 1 - size))
        chunks.append(first)
        size += len(first)
    if size > limit:
        raise error(too_large(what, label, limit, override))
    return b"".join(chunks)


def require_regular(
    path: str | Path,
    *,
    what: str,
    error: type[ForecastError] = InputError,
    allow_dir: bool = False,
) -> os.stat_result:
    """Refuse what cannot be read as a seekable file (Parquet): a missing path, a device, a
    FIFO, a socket, a directory unless ``allow_dir`` (of part files), or a file or directory
    the user cannot read."""
    label = printable(str(path))
    info = _stat(path, what, label, error, allow_dir=allow_dir)
    if stat.S_ISFIFO(info.st_mode):
        raise error(f"{label} is a FIFO or pipe; {_a(what)} must be a regular file")
    try:
        if stat.S_ISDIR(info.st_mode):
            os.listdir(path)
        else:
            with open(path, "rb"):
                pass
    except OSError as exc:
        raise error(_os_reason(exc, what, label)) from None
    return info


def too_large(what: str, label: str, limit: int, override: str) -> str:
    return f"{what} {label} is larger than the {limit:,}-byte limit; raise {override} to read it"


def _stat(
    path: str | Path,
    what: str,
    label: str,
    error: type[ForecastError],
    allow_dir: bool = False,
) -> os.stat_result:
    """The file's kind, from ``stat`` (which never blocks, unlike opening a FIFO)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise error(f"{what} not found: {label}; check the path") from None
    except OSError as exc:
        raise error(_os_reason(exc, what, label)) from None
    mode = info.st_mode
    if stat.S_ISDIR(mode) and not allow_dir:
        raise error(f"{label} is a directory, not {_a(what)}")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISSOCK(mode):
        raise error(
            f"{label} is a device or socket, not {_a(what)}: it has no end; give a file (or pipe "
            "the data in)"
        )
    return info


def _os_reason(exc: OSError, what: str, label: str) -> str:
    if isinstance(exc, PermissionError):
        return f"cannot read {what} {label}: permission denied; check its permissions"
    if isinstance(exc, IsADirectoryError):
        return f"{label} is a directory, not {_a(what)}"
    return f"cannot read {what} {label}: {exc.strerror or exc}"


def _a(what: str) -> str:
    """``what`` with its article: a model file, an ids file."""
    return f"{'an' if what[:1] in 'aeiou' else 'a'} {what}"
