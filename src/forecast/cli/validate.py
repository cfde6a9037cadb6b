"""Checks of the CLI's output paths, done before any work (issue #17); that no output
overlaps an input is :func:`forecast.io.paths.refuse_overlap`'s (issue #24)."""

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
    """``--output``: a directory (an existing one, or a name without a suffix) takes
    partitioned Parquet parts and is replaced whole by a run, so it must be new, empty or hold
    only an earlier run's parts; any name with a suffix is checked as a file."""
    if path is not None:
        from forecast.report.parquet_parts import check_directory_output, is_directory_output

        if is_directory_output(path):
            check_directory_output(path)
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
