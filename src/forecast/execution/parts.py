"""A Parquet directory on a cluster: each worker reads its own part files.

Rule: a series lives in exactly one part (partition the data by id). A part is a file of a flat
directory, or an innermost ``KEY=VALUE`` folder of a Hive-partitioned one (all its files, the
folders' values restored as columns: :mod:`forecast.data.parquet`). A task is one part: the
worker reads it with the same options as a whole-panel run, and maps the per-series function
over its series; the client reads only the first rows of
one file (to choose the columns) and, in a first pass run by the workers, each part's ids (to
check the rule, count the series and apply ``--ids``). It never holds the panel. Tasks are
batches of whole part files, by the executor's batching rule.

Results come back part after part, each part's series in id order, the parts in the order of
their first ids: the same order (and bytes) as a whole-panel run when the parts hold
consecutive id ranges, as a directory written sorted by id or partitioned by id does. Every
part infers its own frequency unless ``--freq`` is given; parts that disagree stop the run
(pass ``--freq``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from forecast.data import SeriesFailure
from forecast.data.columns import Columns
from forecast.errors import InputError, UsageError
from forecast.execution.executor import Executor


def part_files(source: str) -> list[str]:
    """The parts of a Parquet directory (its files, or its innermost partition folders), in
    path order; [] for anything else, or a directory without part files (the reader refuses
    it, and says why)."""
    from forecast.data.parquet import part_layout

    if not Path(source).is_dir():
        return []
    try:
        return part_layout(source).parts()
    except InputError:
        return []


def shown_part(path: str, root: str | None) -> str:
    """A part as messages name it: its path inside the directory (``store=007`` or
    ``part-0.parquet``)."""
    return os.path.relpath(path, root) if root is not None else Path(path).name


@dataclass(frozen=True)
class PartLoad:
    """The loader options every part is read with (those of :func:`forecast.data.load`)."""

    id_col: str
    time_col: str
    value_col: str
    freq: str | None
    missing: str
    min_length: int
    purpose: str
    time_format: str | None = None
    allow_constant: bool = False
    root: str | None = None  # the directory the parts are in (its partition folders: columns)


@dataclass(frozen=True)
class PartResult:
    """One part's outcomes (in id order), the series its loader refused, its frequency and
    its panel's provenance block (:meth:`forecast.data.Panel.describe`)."""

    path: str
    freq: str
    outcomes: list[Any]
    failures: tuple[SeriesFailure, ...] = ()
    notes: tuple[str, ...] = ()
    described: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PartPlan:
    """The tasks of a run: each part file with the ids to run in it (None: all), and every
    id found in each part file."""

    parts: list[tuple[str, list[str] | None]]
    n_series: int
    found: dict[str, list[str]] = field(default_factory=dict)


def part_columns(
    source: str, time_col: str | None, value_col: str | None, id_col: str | None
) -> Columns:
    """The columns (as for a whole-directory load) chosen on the first rows of the first part."""
    from forecast.data.parquet import dataset_head
    from forecast.data.table import choose_frame_columns

    head = dataset_head(part_files(source)[0], root=source)
    columns, _ = choose_frame_columns(head, source, time_col, value_col, id_col, False, False)
    return columns


def part_ids(task: tuple[str, str, str]) -> list[str]:
    """Worker side: the ids in one part (only its id column is read, or none when the id is a
    partition folder), sorted."""
    import pyarrow.compute as pc

    from forecast.data.parquet import read_column

    path, id_col, root = task
    ids = pc.unique(read_column(path, id_col, root)).to_pylist()
    return sorted("" if i is None else str(i) for i in ids)


def plan_parts(executor: Executor, source: str, id_col: str, ids: Sequence[str] | None) -> PartPlan:
    """Check that no series is split across parts, apply ``--ids``, and order the parts by
    their first id (a Hive directory's ``region=.../id=...`` folders come in id order)."""
    paths = part_files(source)
    owner: dict[str, str] = {}
    parts: list[tuple[str, list[str] | None]] = []
    n_series = 0
    wanted = set(ids) if ids is not None else None
    tasks = [(p, id_col, source) for p in paths]
    found_ids = dict(zip(paths, executor.map(part_ids, tasks), strict=True))
    for path, found in found_ids.items():
        for sid in found:
            if sid in owner:
                raise InputError(
                    f"series {sid!r} is split across {shown_part(owner[sid], source)} and "
                    f"{shown_part(path, source)}; --engine dask reads one part per task, so "
                    f"write the data partitioned by '{id_col}' (all rows of a series in one "
                    f"part file or folder, e.g. df.to_parquet(DIR, partition_cols=['{id_col}']))"
                )
            owner[sid] = path
        chosen = found if wanted is None else [s for s in found if s in wanted]
        if chosen:
            parts.append((path, None if wanted is None else chosen))
            n_series += len(chosen)
    if wanted is not None:
        unknown = [i for i in dict.fromkeys(ids or ()) if i not in owner]
        if unknown:
            shown = ", ".join(repr(u) for u in unknown[:5])
            raise UsageError(f"--ids: series not in column '{id_col}' of {source}: {shown}")
    parts.sort(key=lambda part: (part[1] or found_ids[part[0]])[0])
    return PartPlan(parts, n_series, found_ids)


def run_part(task: tuple[str, list[str] | None, PartLoad, Callable[[Any], Any], Any]) -> PartResult:
    """Worker side: read one part and run ``fn((series, spec))`` on each of its series."""
    from forecast.data import from_table
    from forecast.data.parquet import read_parquet_table

    path, ids, opts, fn, spec = task
    try:
        table = read_parquet_table(
            path, opts.time_col, opts.value_col, opts.id_col, False, False, root=opts.root
        )
        panel = from_table(
            table,
            freq=opts.freq,
            missing=opts.missing,  # type: ignore[arg-type]
            min_length=opts.min_length,
            purpose=opts.purpose,
            time_format=opts.time_format,
            allow_constant=opts.allow_constant,
            ids=ids,
            allow_empty=True,
        )
    except InputError as exc:
        raise InputError(f"part {shown_part(path, opts.root)}: {exc.message}") from None
    outcomes = [fn((panel[i], spec)) for i in range(len(panel))]
    return PartResult(path, panel.freq, outcomes, panel.failures, panel.notes, panel.describe())


def map_parts(
    executor: Executor,
    plan: PartPlan,
    opts: PartLoad,
    fn: Callable[[Any], Any],
    spec: Any,
    on_part: Callable[[PartResult], None],
    part_specs: Mapping[str, Any] | None = None,
) -> Iterator[Any]:
    """Every part's outcomes in plan order; ``on_part`` sees each part (its load failures)
    before its outcomes are yielded. ``part_specs`` (path -> spec) gives a part its own spec
    instead of ``spec``. Parts that disagree on the frequency stop the run."""
    specs = part_specs or {}
    tasks = [(path, ids, opts, fn, specs.get(path, spec)) for path, ids in plan.parts]
    first: PartResult | None = None
    for part in executor.map(run_part, tasks):
        first = first or part
        if part.freq != first.freq:
            raise InputError(
                f"part files disagree on the frequency ({shown_part(first.path, opts.root)}: "
                f"{first.freq}, {shown_part(part.path, opts.root)}: {part.freq}); pass --freq"
            )
        on_part(part)
        yield from part.outcomes


def in_order(outcomes: Iterable[Any], order: Sequence[str]) -> Iterator[Any]:
    """``outcomes`` (each with an ``id``) in the order of the ids ``order``, each yielded as
    soon as those before it have come; the rest are held until then."""
    held: dict[str, Any] = {}
    position = 0
    for outcome in outcomes:
        held[outcome.id] = outcome
        while position < len(order) and order[position] in held:
            yield held.pop(order[position])
            position += 1
    yield from held.values()  # none, when every id in order came
