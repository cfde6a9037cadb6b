"""Atomic file writes that behave like a Unix tool: a crash or kill mid-write leaves the previous
file intact, and the result looks like any file a tool writes.

* A new file gets the mode the umask allows (0666 & ~umask); a replaced file keeps its mode,
  and its group where the user may set it.
* A symbolic link is written through: its target is replaced, the link stays.
* A target that is not a regular file (a directory, a device such as /dev/null, a FIFO) is a
  usage error: it is never replaced by a regular file.
* The temporary file ``.NAME.PID.<random>.tmp`` beside the target is removed on an error, on
  Ctrl-C, and on SIGTERM/SIGHUP; one left by a process that no longer runs (SIGKILL, a power cut)
  is removed by the next write to the same target.
* A failure of the file system (disk full, read-only folder) is a :class:`WriteError` naming the
  file and the cause.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from forecast.errors import ForecastError, UsageError, WriteError, printable

STALE_AFTER_S = 24 * 3600  # a temp file of an unknown writer this old is abandoned
_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def resolve_target(path: str | Path) -> Path:
    """The file a write to ``path`` replaces: symbolic links followed; refused when it is not a
    regular file or its folder does not exist."""
    given = Path(path)
    target = Path(os.path.realpath(given)) if given.is_symlink() else given
    shown = printable(str(given))
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise UsageError(f"cannot write {shown}: {exc.strerror or exc}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise UsageError(f"cannot write {shown}: it is a directory; give a file name")
    if mode is not None and not stat.S_ISREG(mode):
        raise UsageError(
            f"cannot write {shown}: it is not a regular file (a device, FIFO or socket); give "
            "a file name"
        )
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        shown_folder = printable(str(folder))
        raise UsageError(
            f"cannot write {shown}: folder {shown_folder} does not exist; create it first"
        )
    return target


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write (or stream) into; on a clean exit it is
    fsynced and renamed over ``path``, on an error removed.

    The rename is atomic on POSIX file systems, so readers see the old file or the new one,
    never a half-written one. The directory is fsynced too, so the rename survives a power cut.
    """
    target = resolve_target(path)
    folder = target.parent if str(target.parent) else Path(".")
    shown = printable(str(path))
    _remove_stale(folder, target.name)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=folder
        )
    except OSError as exc:
        raise WriteError(f"cannot write {shown}: {exc.strerror or exc}") from None
    os.close(fd)
    with _cleanup_on_signal(tmp_name):
        try:
            yield Path(tmp_name)
            _set_mode(tmp_name, target)
            with open(tmp_name, "rb") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp_name, target)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            if isinstance(exc, OSError) and not isinstance(exc, ForecastError):
                raise WriteError(
                    f"cannot write {shown}: {exc.strerror or exc}; the previous file, if any, is "
                    "unchanged"
                ) from None
            raise
    with contextlib.suppress(OSError):  # not every file system lets a directory be fsynced
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def _set_mode(tmp_name: str, target: Path) -> None:
    """The mode (and group) the file would have if written in place: the replaced file's, or
    0666 less the umask for a new one. mkstemp creates 0600, which the rename would keep."""
    try:
        old = target.stat()
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)
        return
    os.chmod(tmp_name, stat.S_IMODE(old.st_mode))
    with contextlib.suppress(OSError):  # only the owner or root may change the group
        os.chown(tmp_name, -1, old.st_gid)


@contextlib.contextmanager
def _cleanup_on_signal(tmp_name: str) -> Iterator[None]:
    """While writing, SIGTERM and SIGHUP remove the temporary file, then end the process as the
    signal would have."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        for sig, old in previous.items():
            signal.signal(sig, old)
        os.kill(os.getpid(), signum)  # the previous handler (by default: terminate)

    for sig in _SIGNALS:
        try:
            previous[sig] = signal.signal(sig, handler)
        except (ValueError, OSError):
            continue
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _remove_stale(folder: Path, name: str) -> None:
    """Remove temporary files for ``name`` left by writers that were killed: those whose
    process no longer runs, and any of our naming older than a day."""
    prefix = f".{name}."
    try:
        candidates = [e for e in os.scandir(folder) if e.name.startswith(prefix)]
    except OSError:
        return
    ours = re.compile(rf"^\.{re.escape(name)}\.(?:(?P<pid>\d+)\.)?[a-z0-9_]{{8}}\.tmp$")
    now = time.time()
    for entry in candidates:
        match = ours.match(entry.name)
        if match is None:
            continue
        stale = match["pid"] is not None and not _running(int(match["pid"]))
        with contextlib.suppress(OSError):
            if not entry.is_file(follow_symlinks=False):
                continue
            stale = stale or now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER_S
            if stale:
                os.unlink(entry.path)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True
