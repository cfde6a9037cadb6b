"""``atomic_directory`` (issue #24): a directory written beside its target and swapped in by
renames; the previous one stays whole until then; temporary siblings removed on errors and
signals, and those of killed writers by the next write."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from forecast.errors import UsageError
from forecast.io import atomic
from forecast.io.atomic import atomic_directory

SRC = Path(__file__).resolve().parents[2] / "src"


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _fill(folder: Path, text: str) -> None:
    (folder / "part-00000.parquet").write_text(text, encoding="utf-8")
    (folder / "_SUCCESS").write_text(text, encoding="utf-8")


def test_new_directory_appears_whole_with_the_umask_mode(tmp_path: Path) -> None:
    target = tmp_path / "out"
    old = os.umask(0o027)
    try:
        with atomic_directory(target) as tmp:
            _fill(tmp, "new")
            assert not target.exists() and tmp.parent == tmp_path
    finally:
        os.umask(old)
    assert _names(tmp_path) == ["out"]
    assert _names(target) == ["_SUCCESS", "part-00000.parquet"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o750


def test_previous_directory_stays_until_the_new_one_is_complete(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    _fill(target, "old")
    target.chmod(0o700)
    with atomic_directory(target) as tmp:
        _fill(tmp, "new")
        assert (target / "_SUCCESS").read_text(encoding="utf-8") == "old"
    assert (target / "_SUCCESS").read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o700  # the replaced directory's mode
    assert _names(tmp_path) == ["out"]


def test_error_inside_the_block_keeps_the_previous_directory(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    _fill(target, "old")
    with pytest.raises(RuntimeError), atomic_directory(target) as tmp:
        _fill(tmp, "half")
        raise RuntimeError
    assert _names(tmp_path) == ["out"]
    assert (target / "_SUCCESS").read_text(encoding="utf-8") == "old"


def test_symlink_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    with atomic_directory(link) as tmp:
        _fill(tmp, "new")
    assert link.is_symlink() and (real / "_SUCCESS").read_text(encoding="utf-8") == "new"


def test_a_file_or_a_missing_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="it is a file, not a directory"):
        atomic.resolve_directory(tmp_path / "file")
    with pytest.raises(UsageError, match="does not exist; create it first"):
        atomic.resolve_directory(tmp_path / "missing" / "out")
    with pytest.raises(UsageError, match="not a regular file or directory"):
        atomic.resolve_directory("/dev/null")
    assert _names(tmp_path) == ["file"]


def test_siblings_of_dead_writers_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    target = tmp_path / "out"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    left = [tmp_path / f".out.new.{dead}.abcd1234", tmp_path / f".out.old.{dead}"]
    live = tmp_path / f".out.new.{os.getppid()}.wxyz5678"
    unrelated = tmp_path / ".out.backup"
    for folder in (*left, live, unrelated):
        folder.mkdir()
        _fill(folder, "x")
    old_live = tmp_path / f".out.old.{os.getppid()}"
    old_live.mkdir()
    day_ago = time.time() - atomic.STALE_AFTER_S - 60
    os.utime(old_live, (day_ago, day_ago))  # a live pid, but a day old: reused, abandoned
    with atomic_directory(target) as tmp:
        _fill(tmp, "new")
    assert _names(tmp_path) == sorted(["out", live.name, unrelated.name])


def _writer(target: Path) -> subprocess.Popen[str]:
    """A process that fills a directory beside ``target`` and waits."""
    script = textwrap.dedent(
        f"""
        import signal, sys, time
        signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignoring it
        signal.signal(signal.SIGHUP, signal.SIG_DFL)  # the same for SIGHUP (under nohup)
        sys.path.insert(0, {str(SRC)!r})
        from forecast.io.atomic import atomic_directory
        with atomic_directory({str(target)!r}) as tmp:
            (tmp / "_SUCCESS").write_text("new")
            print("writing", flush=True)
            time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    return proc


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_signals_remove_the_temporary_directory(tmp_path: Path, sig: int) -> None:
    target = tmp_path / "out"
    target.mkdir()
    _fill(target, "old")
    proc = _writer(target)
    assert len(_names(tmp_path)) == 2
    proc.send_signal(sig)
    assert proc.wait(timeout=30) != 0
    assert _names(tmp_path) == ["out"]
    assert (target / "_SUCCESS").read_text(encoding="utf-8") == "old"


def test_sigkill_leaves_the_previous_directory_and_the_next_write_cleans(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    _fill(target, "old")
    proc = _writer(target)
    proc.kill()
    proc.wait(timeout=30)
    assert len(_names(tmp_path)) == 2  # SIGKILL cannot be caught
    assert (target / "_SUCCESS").read_text(encoding="utf-8") == "old"
    with atomic_directory(target) as tmp:
        _fill(tmp, "new")
    assert _names(tmp_path) == ["out"]
    assert (target / "_SUCCESS").read_text(encoding="utf-8") == "new"


def test_signal_during_the_renames_is_held_until_both_are_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGINT between the two renames would leave no directory; it is acted on after them."""
    target = tmp_path / "out"
    target.mkdir()
    _fill(target, "old")
    real_rename = os.rename
    calls: list[str] = []

    def rename(source: str | Path, destination: str | Path) -> None:
        real_rename(source, destination)
        calls.append(Path(destination).name)
        if len(calls) == 1:  # the old tree is aside, the new not yet in place
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(os, "rename", rename)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt), atomic_directory(target) as tmp:
            _fill(tmp, "new")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert calls == [f".out.old.{os.getpid()}", "out"]
    assert (target / "_SUCCESS").read_text(encoding="utf-8") == "new"
    assert _names(tmp_path) == ["out"]


def test_another_writer_between_the_renames_is_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs into one DIR: each state is a complete tree and the last writer wins."""
    target = tmp_path / "out"
    target.mkdir()
    _fill(target, "old")
    real_rename = os.rename
    raced: list[bool] = []

    def rename(source: str | Path, destination: str | Path) -> None:
        if Path(destination) == target and not raced:  # the other run gets in first
            raced.append(True)
            other = tmp_path / "other"
            other.mkdir()
            _fill(other, "other")
            real_rename(other, target)
        real_rename(source, destination)

    monkeypatch.setattr(os, "rename", rename)
    with atomic_directory(target) as tmp:
        _fill(tmp, "new")
    assert (target / "_SUCCESS").read_text(encoding="utf-8") == "new"
    assert _names(tmp_path) == ["out"]
