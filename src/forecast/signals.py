"""The signal rule: how Ctrl-C and SIGTERM end a run, its worker processes included.

* The command's process turns SIGINT into :class:`KeyboardInterrupt` (Python's default) and
  SIGTERM into :class:`Terminated` (a KeyboardInterrupt, so every clean-up written for Ctrl-C
  runs for it too) while :func:`terminate_raises` is in force; the CLI exits 130 or 143.
* Worker processes ignore SIGINT: Ctrl-C reaches the whole process group, and the parent, not
  each worker, decides; the parent ends its workers with SIGTERM (then SIGKILL) when the run
  stops early. They are started under :func:`deferred`, so they begin life with SIGINT blocked
  (a pool's worker then ignores it, :func:`enter_worker`; a Dask worker keeps it blocked), and
  a signal that arrives while they start takes effect once they have started, never half-way.
* A pool worker also dies with its parent (Linux: ``PR_SET_PDEATHSIG``), so a parent killed
  with SIGKILL leaves no worker behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

INTERRUPTED = 130  # 128 + SIGINT
TERMINATED = 143  # 128 + SIGTERM
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: unwinds the run like Ctrl-C (clean-ups run), then exit 143."""


# Set when SIGTERM arrives under terminate_raises: typer turns any KeyboardInterrupt into a
# bare exit status 130, so the exception's type does not always reach the CLI.
_TERMINATED_SEEN = threading.Event()


def exit_code(exc: BaseException | None) -> int:
    """143 after SIGTERM (:class:`Terminated`), else 130 (Ctrl-C)."""
    if isinstance(exc, Terminated) or _TERMINATED_SEEN.is_set():
        return TERMINATED
    return INTERRUPTED


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    _TERMINATED_SEEN.set()
    raise Terminated


@contextlib.contextmanager
def terminate_raises() -> Iterator[None]:
    """SIGTERM raises :class:`Terminated` in the main thread for the block (the handler in
    force before is restored afterwards); elsewhere than the main thread, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _TERMINATED_SEEN.clear()
    previous: Any = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for the block (in the main thread; elsewhere nothing
    changes), then act on any that came, once each: start worker processes under it.

    Both are recorded instead of handled (the kernel may deliver a signal to any thread, but
    Python runs its handler in the main thread, which a block of its own would not stop).
    SIGINT is also blocked in this thread, so the threads and processes started in the block
    inherit it blocked: a process's blocked signals survive fork and exec, where a handler does
    not. SIGTERM is not blocked, as a process started with it blocked could not be terminated."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []

    def record(signum: int, frame: FrameType | None) -> None:
        if signum not in came:
            came.append(signum)

    previous = {sig: signal.signal(sig, record) for sig in (signal.SIGINT, signal.SIGTERM)}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a pending SIGINT is recorded here
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for signum in came:
            signal.raise_signal(signum)  # again, to the handler in force


def enter_worker(parent: int) -> None:
    """A pool worker's signals, for the rest of its life: SIGINT ignored, SIGTERM ends it at
    once (a forked worker inherits the parent's handlers), and it dies with ``parent``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked by deferred()
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(TERMINATED)
