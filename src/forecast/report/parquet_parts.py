"""``--output DIR``: a panel's forecasts as a partitioned Parquet dataset.

One part file per batch of series (``part-00000.parquet``, ``part-00001.parquet``... in id
order, the executor's batch size), each written atomically as soon as its batch is complete;
``_SUCCESS`` (the run's failures and summary, JSON) is written last, so a reader that sees it
sees every part. A rerun into the same directory removes ``_SUCCESS`` first and the parts it
no longer writes last. A run that stops midway leaves whole parts and no ``_SUCCESS``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forecast.errors import UsageError
from forecast.io.jsonable import jsonable

if TYPE_CHECKING:
    from forecast.panel_fit import SeriesOutcome

MARKER = "_SUCCESS"


def is_directory_output(path: Path) -> bool:
    """``--output`` names a directory: an existing one, or a name without a suffix."""
    return path.is_dir() or path.suffix == ""


class PartsSink:
    """Writes ``part_size`` series per part file (see the module doc)."""

    def __init__(self, directory: Path, levels: tuple[float, ...], part_size: int):
        if directory.exists() and not directory.is_dir():
            raise UsageError(f"--output {directory} is a file; name a directory for parts")
        if not directory.parent.is_dir():
            raise UsageError(
                f"cannot write {directory}: folder {directory.parent} does not exist; create it"
            )
        directory.mkdir(exist_ok=True)
        (directory / MARKER).unlink(missing_ok=True)
        self.directory = directory
        self.levels = levels
        self.part_size = max(1, part_size)
        self.pending: list[SeriesOutcome] = []
        self.written: list[Path] = []

    def write(self, outcome: SeriesOutcome) -> None:
        self.pending.append(outcome)
        if len(self.pending) >= self.part_size:
            self._flush()

    def _flush(self) -> None:
        from forecast.io.atomic import atomic_path
        from forecast.report.panel_output import ParquetSink

        if not self.pending:
            return
        path = self.directory / f"part-{len(self.written):05d}.parquet"
        with atomic_path(path) as tmp:
            part = ParquetSink(tmp, self.levels)
            for outcome in self.pending:
                part.write(outcome)
            part.close({})
        self.written.append(path)
        self.pending = []

    def close(self, summary: dict[str, Any]) -> None:
        from forecast.io.atomic import atomic_write_bytes

        self._flush()
        keep = {p.name for p in self.written}
        for stale in self.directory.glob("part-*.parquet"):
            if stale.name not in keep:
                stale.unlink()
        text = json.dumps(jsonable(summary), indent=2, allow_nan=False) + "\n"
        atomic_write_bytes(self.directory / MARKER, text.encode())

    def progress_note(self) -> str:
        """What a run that stopped has left: whole parts, no marker."""
        if not self.written:
            return f"nothing written to {self.directory}"
        return (
            f"{len(self.written)} whole part files written to {self.directory} "
            f"({self.written[0].name}..{self.written[-1].name}), no {MARKER}"
        )
