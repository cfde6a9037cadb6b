"""Atomic writes that behave like a Unix tool: a crash or kill mid-write leaves the previous
file (or directory) intact, and the result looks like any file a tool writes.

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

Directories (:func:`atomic_directory`, ``--output DIR``) are written the same way, whole: into a
new sibling ``.NAME.new.PID.<random suffix>`` on the same file system, whose files are fsynced, then
swapped in by two renames, ``NAME -> .NAME.old.PID`` and ``.NAME.new.PID.<random suffix> -> NAME``,
after which the old tree is removed. What a reader of ``NAME`` sees:

* until the first rename: the previous directory, complete (or no ``NAME`` on a first run);
* between the two renames, a few microseconds: no ``NAME`` (opening it fails with "no such file
  or directory"; the old and new trees are complete under their hidden names);
* after the second rename: the new directory, complete.

A reader that has listed ``NAME`` before the swap and opens its files after it may get files of
the new run; comparing a marker file's (``_SUCCESS``, or ``--success-file NAME``) device, inode
and modification time before and after reading tells (the new marker is made while the old one
exists, so its inode differs). Without a marker (``--success-file none``) compare the directory
itself: the swap gives ``NAME`` the new tree's inode.

SIGTERM, SIGHUP and SIGINT arriving during the two renames (in the main thread) are acted on
once both are done. The temporary sibling is removed on an error, Ctrl-C, SIGTERM and SIGHUP;
siblings left by a process that no longer runs (SIGKILL, a power cut, including a kill between
the two renames), and any older than a day, are removed by the next write to the same directory.
Two writers into one ``NAME`` at once: every state is a complete tree, the last to finish wins.
``NAME`` must not be a mount point, and the folder holding it must be writable. A symbolic link
``NAME`` is written through to its target.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from forecast.errors import ForecastError, UsageError, WriteError, printable

STALE_AFTER_S = 24 * 3600  # a temp file of an unknown writer this old is abandoned
_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
_HELD = (signal.SIGINT, *_SIGNALS)  # held while a directory is swapped in
_SWAP_TRIES = 5  # another writer may swap its own result in between ours


def resolve_target(path: str | Path) -> Path:
    """The file a write to ``path`` replaces: symbolic links followed; refused when it is not a
    regular file or its folder does not exist."""
    given = Path(path)
    target = Path(os.path.realpath(given)) if given.is_symlink() else given
    shown = printable(str(given))
    mode = _mode(target, shown)
    if mode is not None and stat.S_ISDIR(mode):
        raise UsageError(f"cannot write {shown}: it is a directory; give a file name")
    if mode is not None and not stat.S_ISREG(mode):
        raise UsageError(
            f"cannot write {shown}: it is not a regular file (a device, FIFO or socket); give "
            "a file name"
        )
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise _no_folder(shown, folder)
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
    with _cleanup_on_signal(lambda: _unlink(tmp_name)):
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
    _fsync_dir(folder)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def resolve_directory(path: str | Path) -> Path:
    """The directory a write to ``path`` replaces: its real path (symbolic links followed);
    refused when it exists and is not a directory, or its folder does not exist."""
    shown = printable(str(path))
    target = Path(os.path.realpath(path))
    mode = _mode(target, shown)
    if mode is not None and stat.S_ISREG(mode):
        raise UsageError(f"cannot write {shown}: it is a file, not a directory; name a directory")
    if mode is not None and not stat.S_ISDIR(mode):
        raise UsageError(
            f"cannot write {shown}: it is not a regular file or directory (a device, FIFO or "
            "socket); name a directory"
        )
    if not target.name or not target.parent.is_dir():
        raise _no_folder(shown, target.parent)
    return target


def _mode(target: Path, shown: str) -> int | None:
    """The ``st_mode`` of ``target`` (links followed); None when it does not exist; a
    UsageError naming ``shown`` when it cannot be read."""
    try:
        return target.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"cannot write {shown}: {exc.strerror or exc}") from None


def _no_folder(shown: str, folder: Path) -> UsageError:
    """The error for a write to ``shown`` whose ``folder`` does not exist."""
    return UsageError(
        f"cannot write {shown}: folder {printable(str(folder))} does not exist; create it first"
    )


@contextlib.contextmanager
def atomic_directory(path: str | Path) -> Iterator[Path]:
    """A new, empty directory beside ``path`` to fill; on a clean exit its files are fsynced
    and it replaces ``path`` by two renames, on an error it is removed and ``path`` is left as
    it was (see the module doc for what a reader sees meanwhile)."""
    target = resolve_directory(path)
    shown = printable(str(path))
    _remove_stale_dirs(target.parent, target.name)
    try:
        made = tempfile.mkdtemp(prefix=f".{target.name}.new.{os.getpid()}.", dir=target.parent)
    except OSError as exc:
        raise WriteError(f"cannot write {shown}: {exc.strerror or exc}") from None
    tmp = Path(made)
    with _cleanup_on_signal(lambda: shutil.rmtree(tmp, ignore_errors=True)):
        try:
            yield tmp
            _set_mode(tmp, target, 0o777)
            _fsync_tree(tmp)
            _swap_in(tmp, target)
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(exc, OSError):
                raise WriteError(
                    f"cannot write {shown}: {exc.strerror or exc}; the previous {shown}, if "
                    "any, is unchanged"
                ) from None
            raise
    _fsync_dir(target.parent)


def _swap_in(new: Path, target: Path) -> None:
    """``new`` becomes ``target``: ``target -> .NAME.old.PID``, ``new -> target``, then the old
    tree goes. Signals are held between the two renames. When another writer swaps its result
    in between, ours replaces it (the last writer wins; every state is a complete tree)."""
    old = target.with_name(f".{target.name}.old.{os.getpid()}")
    done = False
    try:
        for _ in range(_SWAP_TRIES):
            with _signals_held():
                moved = _rename_present(target, old)
                try:
                    os.rename(new, target)
                    done = True
                    break
                except OSError as exc:
                    if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                        if moved:  # put the previous tree back
                            with contextlib.suppress(OSError):
                                os.rename(old, target)
                        raise
            shutil.rmtree(old, ignore_errors=True)  # another writer's result, now replaced
        if not done:
            raise OSError(errno.EBUSY, "other runs kept replacing it at the same time")
    finally:
        if done:  # also when a signal held during the renames is acted on
            shutil.rmtree(old, ignore_errors=True)


def _rename_present(source: Path, destination: Path) -> bool:
    try:
        os.rename(source, destination)
    except FileNotFoundError:
        return False
    return True


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP are recorded, not acted on, inside the block, and sent again
    after it (Python runs signal handlers in the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []
    previous: dict[int, Any] = {}
    for sig in _HELD:
        with contextlib.suppress(ValueError, OSError):
            previous[sig] = signal.signal(sig, lambda signum, frame: held.append(signum))
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)
        for signum in held:
            os.kill(os.getpid(), signum)


def _fsync_tree(root: Path) -> None:
    """Every file and folder under ``root`` on disk before it is renamed into place, so that a
    power cut cannot leave a complete-looking directory of empty files."""
    for folder, _, files in os.walk(root):
        for name in files:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(folder)


def _remove_stale_dirs(folder: Path, name: str) -> None:
    """Remove the ``.NAME.new.PID.*`` and ``.NAME.old.PID`` siblings left by writers that were
    killed: those whose process no longer runs (or has our pid: nothing of ours exists yet),
    and any older than a day."""
    ours = re.compile(
        rf"^\.{re.escape(name)}\.(?:new\.(?P<new>\d+)\.[a-z0-9_]{{8}}|old\.(?P<old>\d+))$"
    )
    try:
        candidates = [e for e in os.scandir(folder) if e.name.startswith(f".{name}.")]
    except OSError:
        return
    now = time.time()
    for entry in candidates:
        match = ours.match(entry.name)
        with contextlib.suppress(OSError):
            if match is None or not entry.is_dir(follow_symlinks=False):
                continue
            pid = int(match["new"] or match["old"])
            age = now - entry.stat(follow_symlinks=False).st_mtime
            if pid == os.getpid() or not _running(pid) or age > STALE_AFTER_S:
                shutil.rmtree(entry.path, ignore_errors=True)


def _set_mode(tmp_name: str | Path, target: Path, new: int = 0o666) -> None:
    """The mode (and group) the file or directory would have if written in place: the
    replaced one's, or ``new`` (0666 for a file, 0777 for a directory) less the umask for a new
    one. mkstemp creates 0600 and mkdtemp 0700, which the rename would keep."""
    try:
        old = target.stat()
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, new & ~umask)
        return
    os.chmod(tmp_name, stat.S_IMODE(old.st_mode))
    with contextlib.suppress(OSError):  # only the owner or root may change the group
        os.chown(tmp_name, -1, old.st_gid)


def _unlink(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)


def _fsync_dir(folder: str | Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a directory be fsynced
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@contextlib.contextmanager
def _cleanup_on_signal(remove: Callable[[], None]) -> Iterator[None]:
    """While writing, SIGTERM and SIGHUP call ``remove`` (the temporary file or directory goes),
    then end the process as the signal would have."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        remove()
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
