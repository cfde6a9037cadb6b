"""Atomic writes behave like a Unix tool (issue #17): umask and modes, symlinks, device nodes,
temp files cleaned up after SIGTERM/SIGHUP and after a SIGKILL, a full disk named."""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from forecast.errors import UsageError, WriteError
from forecast.io import atomic
from forecast.io.atomic import atomic_path, atomic_write_bytes

SRC = Path(__file__).resolve().parents[2] / "src"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_new_file_honours_the_umask(tmp_path, umask, mode) -> None:
    old = os.umask(umask)
    try:
        atomic_write_bytes(tmp_path / "out.csv", b"x")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "out.csv") == mode


def test_replaced_file_keeps_its_mode(tmp_path) -> None:
    path = tmp_path / "out.csv"
    path.write_bytes(b"old")
    path.chmod(0o640)
    atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"new" and _mode(path) == 0o640


def test_symlink_is_written_through(tmp_path) -> None:
    real = tmp_path / "real.csv"
    real.write_bytes(b"old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    atomic_write_bytes(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_dangling_symlink_creates_its_target(tmp_path) -> None:
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "made.csv")
    atomic_write_bytes(link, b"new")
    assert link.is_symlink() and (tmp_path / "made.csv").read_bytes() == b"new"


def test_device_node_is_refused() -> None:
    with pytest.raises(UsageError, match="not a regular file"):
        atomic_write_bytes("/dev/null", b"x")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_fifo_and_directory_are_refused(tmp_path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="not a regular file"):
        atomic_write_bytes(fifo, b"x")
    with pytest.raises(UsageError, match="is a directory; give a file name"):
        atomic_write_bytes(tmp_path, b"x")


def test_full_disk_is_a_write_error_naming_the_file(tmp_path, monkeypatch) -> None:
    path = tmp_path / "out.csv"
    path.write_bytes(b"old")

    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(WriteError, match=r"cannot write .*out\.csv: No space left on device"):
        atomic_write_bytes(path, b"new")
    monkeypatch.undo()
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_read_only_folder_is_a_write_error(tmp_path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(WriteError, match="Permission denied"):
            atomic_write_bytes(folder / "out.csv", b"x")
    finally:
        folder.chmod(0o700)


WRITER = textwrap.dedent(
    """
    import signal, sys, time
    signal.signal(signal.SIGHUP, signal.SIG_DFL)  # even if started ignoring it (under nohup)
    sys.path.insert(0, {src!r})
    from forecast.io.atomic import atomic_path
    with atomic_path({target!r}) as tmp:
        tmp.write_bytes(b"partial" * 1000)
        print("writing", flush=True)
        time.sleep(60)
    """
)


def _writer(tmp_path: Path, target: Path) -> subprocess.Popen[str]:
    script = WRITER.format(src=str(SRC), target=str(target))
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
    return proc


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_term_and_hup_remove_the_temp_file(tmp_path, sig) -> None:
    target = tmp_path / "m.fcm"
    target.write_bytes(b"old")
    proc = _writer(tmp_path, target)
    proc.send_signal(sig)
    assert proc.wait(timeout=30) == -sig
    assert [p.name for p in tmp_path.iterdir()] == ["m.fcm"]
    assert target.read_bytes() == b"old"


def test_temp_file_of_a_killed_writer_is_removed_by_the_next_write(tmp_path) -> None:
    target = tmp_path / "m.fcm"
    target.write_bytes(b"old")
    proc = _writer(tmp_path, target)
    proc.kill()
    proc.wait(timeout=30)
    assert len(list(tmp_path.iterdir())) == 2  # SIGKILL cannot be caught
    assert target.read_bytes() == b"old"
    atomic_write_bytes(target, b"new")
    assert [p.name for p in tmp_path.iterdir()] == ["m.fcm"] and target.read_bytes() == b"new"


def test_temp_file_of_a_running_writer_is_kept(tmp_path) -> None:
    target = tmp_path / "m.fcm"
    other = tmp_path / f".m.fcm.{os.getppid()}.abcd1234.tmp"  # a live process's write
    other.write_bytes(b"in progress")
    unrelated = tmp_path / ".m.fcm.backup"
    unrelated.write_bytes(b"mine")
    atomic_write_bytes(target, b"new")
    assert other.exists() and unrelated.exists()


def test_old_temp_file_without_a_pid_is_removed_after_a_day(tmp_path) -> None:
    target = tmp_path / "m.fcm"
    fresh = tmp_path / ".m.fcm.abcd1234.tmp"
    old = tmp_path / ".m.fcm.wxyz5678.tmp"
    for p in (fresh, old):
        p.write_bytes(b"x")
    day_ago = time.time() - atomic.STALE_AFTER_S - 60
    os.utime(old, (day_ago, day_ago))
    atomic_write_bytes(target, b"new")
    assert fresh.exists() and not old.exists()


def test_error_inside_the_block_removes_the_temp_file(tmp_path) -> None:
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "x.csv") as tmp:
        tmp.write_bytes(b"x")
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []
