"""Checks of the CLI's output paths, done before any work (issue #17)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from forecast.errors import WriteError


def check_output(path: Path | None) -> None:
    """``--save``/``--report``/``--output``: refuse a directory, a device, a FIFO or a missing
    folder now (exit 2), not after the computation."""
    if path is not None:
        from forecast.io.atomic import resolve_target

        resolve_target(path)


def check_panel_output(path: Path | None) -> None:
    """``--output``: a directory (an existing one, or a new name without a suffix) takes
    partitioned Parquet parts (the parts sink checks it); anything else that exists (a device,
    a FIFO, a file) and any name with a suffix is checked as a file."""
    if path is not None:
        if path.is_dir() or (path.suffix == "" and not path.exists()):
            return
        check_output(path)


def write_then_emit(write: Callable[[], Any], emit: Callable[[bool], None]) -> None:
    """Write a file, then print the results (``emit(written)``); when the write fails (disk
    full, read-only folder) the results are printed all the same and the WriteError is raised
    after them."""
    try:
        write()
    except WriteError:
        emit(False)
        raise
    emit(True)
