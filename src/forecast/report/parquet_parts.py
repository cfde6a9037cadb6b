"""``--output DIR``: a panel's forecasts as a partitioned Parquet dataset.

One part file per batch of series (``part-00000.parquet``, ``part-00001.parquet``... in id
order, the executor's batch size), each written as soon as its batch is complete, and
``_SUCCESS`` (the run's failures and summary, JSON) last. The whole directory is written beside
DIR (a hidden sibling on the same file system) and swapped in by renames only once ``_SUCCESS``
is written (:func:`forecast.io.atomic.atomic_directory`): a reader of DIR sees the previous
complete result until then, the new complete result after, never a mix of the two or a partial
one (only, for a few microseconds between the two renames, no DIR at all). A run that stops
midway (an error, Ctrl-C, SIGTERM, a lost scheduler) leaves DIR as it was and removes its
sibling; a SIGKILL leaves the sibling, which the next run into DIR removes.

The marker's name is ``--success-file NAME`` (default ``_SUCCESS``, which Spark, pyarrow and
this tool's reader skip as data); ``--success-file none`` writes none: DIR holds only the part
files, so that ``pl.scan_parquet("DIR/")`` reads it, but the failures and summary are then only
on stderr and stdout, and a reader can neither tell a complete directory by its marker nor
compare the marker before and after reading (:mod:`forecast.io.atomic`). The swap is the same.

Because a rerun replaces the whole directory, DIR must be new, empty, or hold only what this
sink writes (``part-NNNNN.parquet``, a marker: ``_SUCCESS``, the run's ``--success-file`` or a
file holding a marker's JSON, and the temporary files of earlier versions); anything else in it
is refused before any work.

Each part is written by :class:`ParquetSink`, the one-file writer that ``--output F.parquet``
uses too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard, cast

from forecast.errors import ForecastError, UsageError, printable
from forecast.io.jsonable import jsonable
from forecast.report.forecast_rows import (
    TIDY,
    Layout,
    SeriesGroups,
    band,
    block_columns,
    forecast_columns,
    wide_rows,
)

if TYPE_CHECKING:
    from forecast.fitting.batch import ForecastBlock
    from forecast.fitting.panel import SeriesOutcome

MARKER = "_SUCCESS"  # the default --success-file
NO_MARKER = "none"  # --success-file none
MARKER_BYTES = 64 << 20  # a file larger than this is not read to see whether it is a marker
PARQUET_GROUP = 256  # series per Parquet row group
# what this sink writes into DIR (and the atomic temporary files earlier versions wrote there)
_OURS = re.compile(
    r"^(?:_SUCCESS|part-\d{5,}\.parquet)$|^\.(?:_SUCCESS|part-\d{5,}\.parquet)\.\d+\.\w{8}\.tmp$"
)


def is_directory_output(path: Path) -> bool:
    """``--output`` names a directory: an existing one, or a name without a suffix."""
    return path.is_dir() or path.suffix == ""


def marker_name(value: str) -> str | None:
    """The marker file of ``--success-file VALUE``: None for ``none``; a plain file name that
    no Parquet reader takes for data (not ``*.parquet``), else a UsageError."""
    if value == NO_MARKER:
        return None
    problem = None
    if value in ("", ".", "..") or "/" in value or "\\" in value or "\0" in value:
        problem = "is not a plain file name"
    elif value.lower().endswith((".parquet", ".pq")):
        problem = "would be read as a part file"
    if problem is not None:
        raise UsageError(
            f"--success-file {printable(value)!r} {problem}; give a file name such as "
            f"{MARKER} (or {NO_MARKER} for no marker file)"
        )
    return value


def check_directory_output(path: Path, marker: str | None = MARKER) -> None:
    """Refuse, before any work, a ``--output DIR`` that a run may not replace: a file, a name in
    a missing folder, or a directory holding anything this sink did not write (a marker of any
    name is recognised by its JSON; ``marker``: this run's, by name)."""
    from forecast.io.atomic import resolve_directory

    target = resolve_directory(path)
    if not target.exists():
        return
    shown = printable(str(path))
    try:
        entries = list(target.iterdir())
    except OSError as exc:
        raise UsageError(f"cannot write {shown}: {exc.strerror or exc}") from None
    for entry in entries:
        ours = _OURS.match(entry.name) or entry.name == marker or _is_marker(entry)
        if not ours or entry.is_symlink() or not entry.is_file():
            raise UsageError(
                f"--output {shown} holds {printable(entry.name)}, which is not a part of a "
                "forecast output; a run replaces the whole directory: name a new or empty "
                "directory"
            )


def _is_marker(entry: Path) -> bool:
    """Whether ``entry`` is a regular file holding what :meth:`PartsSink.close` writes (the
    marker of an earlier run with another ``--success-file``)."""
    try:
        if entry.is_symlink() or not entry.is_file() or entry.stat().st_size > MARKER_BYTES:
            return False
        content = json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    summary = content.get("summary") if isinstance(content, dict) else None
    return (
        isinstance(summary, dict)
        and isinstance(content.get("failures"), list)
        and {"series", "forecast", "failed"} <= set(summary)
    )


class ParquetSink:
    """One Parquet file of long-format forecasts, a row group per :data:`PARQUET_GROUP` series."""

    def __init__(self, path: Path, levels: tuple[float, ...], layout: Layout = TIDY):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.layout = layout
        self.columns = forecast_columns(levels, layout)
        keys = 1 if layout.wide else 2  # id (and model): text
        fields = [pa.field(c, pa.string()) for c in self.columns[:keys]]
        fields += [pa.field(self.columns[keys], pa.timestamp("ns"))]
        fields += [pa.field(c, pa.float64()) for c in self.columns[keys + 1 :]]
        self.schema = pa.schema(fields)
        self.writer = pq.ParquetWriter(str(path), self.schema)
        self.levels = levels
        self.pending: list[SeriesOutcome] = []
        self.groups = SeriesGroups()
        self.rows: list[list[Any]] = []  # nixtla: rows of complete series
        self.held: list[Any] = []  # tables of the next row group, in order
        self.held_series = 0

    def write(self, outcome: SeriesOutcome) -> None:
        if self.layout.wide:
            done = self.groups.add(outcome)
            if done:
                self.rows += wide_rows(done, self.layout, self.levels)
                self.pending.append(done[0])  # counts series
        elif outcome.forecast is not None and not outcome.repeat:
            self.pending.append(outcome)
        if len(self.pending) >= PARQUET_GROUP:
            self._flush()

    def write_block(self, block: ForecastBlock) -> None:
        """Many series' rows at once (:mod:`forecast.fitting.batch`), after the rows before;
        written with the tables before it once they hold :data:`PARQUET_GROUP` series (a run
        of small blocks between series forecast one by one makes one row group)."""
        import pyarrow as pa

        if self.layout.wide:
            self.rows += wide_rows(self.groups.rest(), self.layout, self.levels)
        self._hold_pending()
        data = block_columns(block, self.layout, _texts)  # no Python string per row
        time_name = self.layout.names()[1]
        data[time_name] = data[time_name].astype("datetime64[ns]")
        self.held.append(pa.table(data, schema=self.schema))
        self.held_series += len(block)
        if self.held_series >= PARQUET_GROUP:
            self._write_held()

    def _flush(self) -> None:
        self._hold_pending()
        self._write_held()

    def _hold_pending(self) -> None:
        """The series written one by one so far, as a table held for the next row group."""
        import pyarrow as pa

        if self.layout.wide:
            if self.rows:
                data = dict(zip(self.columns, map(list, zip(*self.rows, strict=True)), strict=True))
                data[self.columns[1]] = _instants(data[self.columns[1]])
                self.held.append(pa.table(data, schema=self.schema))
            self.held_series += len(self.pending)
            self.rows, self.pending = [], []
            return
        if not self.pending:
            return
        self.held.append(pa.table(self._tidy(), schema=self.schema))
        self.held_series += len(self.pending)
        self.pending = []

    def _write_held(self) -> None:
        import pyarrow as pa

        if self.held:
            self.writer.write_table(pa.concat_tables(self.held))
        self.held, self.held_series = [], 0

    def _tidy(self) -> dict[str, Any]:
        import numpy as np

        pending = [(o, o.forecast) for o in self.pending if o.forecast is not None]
        id_name, model, time_name, mean = self.columns[:4]
        data: dict[str, Any] = {
            id_name: [o.id for o, fc in pending for _ in range(len(fc.index))],
            model: [o.row_model for o, fc in pending for _ in range(len(fc.index))],
            time_name: np.concatenate([fc.index.as_unit("ns").asi8 for _, fc in pending]).astype(
                "datetime64[ns]"
            ),
            mean: np.concatenate([fc.mean for _, fc in pending]),
        }
        for name in self.columns[4:]:
            kind, level = name.split("_", 1)
            if kind == "q":
                data[name] = np.concatenate([fc.quantiles[float(level)] for _, fc in pending])
                continue
            side = 0 if kind == "lower" else 1
            data[name] = np.concatenate(
                [band(o, level)[side] for o, _ in pending]  # per series' own levels
            )
        return data

    def close(self, summary: dict[str, Any]) -> None:
        if self.layout.wide:
            self.rows += wide_rows(self.groups.rest(), self.layout, self.levels)
        self._flush()
        self.writer.close()


def _texts(names: Sequence[str], codes: Any) -> Any:
    """A string column of ``names[codes]``, made by Arrow from a dictionary."""
    import numpy as np
    import pyarrow as pa

    indices = pa.array(np.asarray(codes, dtype=np.int32))
    return pa.DictionaryArray.from_arrays(indices, pa.array(list(names), pa.string())).cast(
        pa.string()
    )


def _is_block(item: object) -> TypeGuard[ForecastBlock]:
    from forecast.fitting.batch import ForecastBlock

    return isinstance(item, ForecastBlock)


def _instants(stamps: list[str]) -> Any:
    import numpy as np

    return np.array(stamps, dtype="datetime64[ns]")


class PartsSink:
    """Writes ``part_size`` series per part file into ``folder``, the private directory that
    becomes ``directory`` when the run is complete (see the module doc); ``marker``: the name of
    the failures and summary file, written last (None: none)."""

    def __init__(
        self,
        folder: Path,
        directory: Path,
        levels: tuple[float, ...],
        part_size: int,
        marker: str | None = MARKER,
        layout: Layout = TIDY,
    ):
        self.layout = layout
        self.folder = folder
        self.marker = marker
        self.directory = directory
        self.levels = levels
        self.part_size = max(1, part_size)
        self.pending: list[SeriesOutcome | ForecastBlock] = []
        self.count = 0  # series in pending
        self.written: list[Path] = []
        self.closed = False

    def write(self, outcome: SeriesOutcome) -> None:
        last = self.pending[-1] if self.pending else None
        last_id = last.ids[-1] if _is_block(last) else getattr(last, "id", None)
        if self.count >= self.part_size and outcome.id != last_id:
            self._flush()  # a series' models stay in one part
        self.pending.append(outcome)
        self.count += 1

    def write_block(self, block: ForecastBlock) -> None:
        """Many series' rows (:mod:`forecast.fitting.batch`), cut at the parts' size."""
        start = 0
        while start < len(block):
            if self.count >= self.part_size:
                self._flush()
            stop = start + self.part_size - self.count
            piece = block.rows(start, stop)
            self.pending.append(piece)
            self.count += len(piece)
            start = stop

    def _flush(self) -> None:
        if not self.pending:
            return
        path = self.folder / f"part-{len(self.written):05d}.parquet"
        part = ParquetSink(path, self.levels, self.layout)  # private until it is complete
        for item in self.pending:
            if _is_block(item):
                part.write_block(item)
            else:
                part.write(cast("SeriesOutcome", item))
        part.close({})
        self.written.append(path)
        self.pending, self.count = [], 0

    def close(self, summary: dict[str, Any]) -> None:
        self._flush()
        if self.marker is not None:
            text = json.dumps(jsonable(summary), indent=2, allow_nan=False) + "\n"
            (self.folder / self.marker).write_text(text, encoding="utf-8")
        self.closed = True

    def progress_note(self) -> str:
        """What a run that stopped has left: DIR as it was."""
        done = (
            f"the {len(self.written)} part files of this run were discarded; "
            if self.written
            else ""
        )
        return f"{done}{printable(str(self.directory))} is unchanged (its previous result, if any)"


@contextmanager
def parts_output(
    directory: Path,
    levels: tuple[float, ...],
    part_size: int,
    marker: str | None = MARKER,
    layout: Layout = TIDY,
) -> Iterator[PartsSink]:
    """The sink of ``--output DIR``: parts written beside DIR and swapped in when the caller
    has closed the sink (``marker``: the name of its summary file, None for none); a failure
    inside the block leaves DIR unchanged and says so."""
    from forecast.io.atomic import atomic_directory

    check_directory_output(directory, marker)
    with atomic_directory(directory) as folder:
        sink = PartsSink(folder, directory, levels, part_size, marker, layout)
        try:
            yield sink
        except ForecastError as exc:
            raise type(exc)(f"{exc.message}; {sink.progress_note()}") from None
        if not sink.closed:  # a caller's bug: never swap in a result without its marker
            raise RuntimeError("the parts sink was left unclosed (without its marker)")
