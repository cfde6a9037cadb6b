"""Helpers for the benchmarks: timing commands in fresh processes, peak memory, reporting."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "_work"
PYTHON = sys.executable
FORECAST = str(Path(PYTHON).with_name("forecast"))


def run_timed(cmd: list[str], stdin: bytes | None = None) -> tuple[float, int]:
    """Wall seconds and peak resident memory (KiB) of one run of ``cmd`` in a fresh process
    (the seconds timed by the ``_peak.py`` wrapper around ``cmd`` alone: the wrapper's own
    interpreter start, which pulled start-up ratios towards 1, is not in them)."""
    wrapper = [PYTHON, str(ROOT / "bench" / "_peak.py"), *cmd]
    proc = subprocess.run(
        wrapper, input=stdin, capture_output=True, check=False, env={**os.environ, "NO_COLOR": "1"}
    )
    if proc.returncode != 0:
        raise SystemExit(f"{cmd} failed: {proc.stderr.decode()[-500:]}")
    *_, wall_line, peak_line = proc.stderr.decode().strip().splitlines()
    return float(wall_line.split("=")[1]), int(peak_line.split("=")[1])


def median_time(cmd: list[str], repeat: int = 7, stdin: bytes | None = None) -> float:
    run_timed(cmd, stdin)  # warm the file cache
    return statistics.median(run_timed(cmd, stdin)[0] for _ in range(repeat))


def best(fn: Callable[[], Any], repeat: int = 3, warm: bool = False) -> tuple[float, Any]:
    """The fastest of ``repeat`` timed calls of ``fn`` (wall seconds) and the last result;
    ``warm``: one untimed call first (numba compiles or loads its cache)."""
    if warm:
        fn()
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def machine() -> str:
    return f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {sys.platform}"
