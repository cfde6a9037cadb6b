"""Where a command's series come from and where they run: the one place that decides.

A workflow (fit, predict, backtest, diagnose) describes its input with a :class:`SourceRequest`
(the path, the column and loader options, the engine) and runs its series one of three ways:

- **a loaded panel through an executor**: :func:`load_panel` reads and validates every series
  here, and :func:`executor` maps them over local processes (``jobs``) or a Dask cluster
  (``engine="dask"``, ``scheduler``);
- **Parquet part files read by the workers**: with ``engine="dask"`` on a long-format Parquet
  directory, flat or Hive-partitioned (:func:`reads_parts`), :func:`open_parts` plans the
  parts and each worker reads its own (:mod:`forecast.execution.parts`); the client never
  holds the panel. It returns None when the directory has no id column (one series: load it);
- **one global model on one device**: a neural network or boosted trees trained once, in this
  process, on the loaded panel (:func:`runs_global`); never mapped over workers, so a command
  that will fit one reads the panel on the client (``reads_parts(..., one_model=True)`` is
  False).

Nothing here prints: the loader's notes and the series it left out go to ``notify(kind, text)``
(``kind``: ``"note"`` for information, ``"warning"`` for what to act on, ``"message"`` for
what was written), in the order they happen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from forecast.types import EngineChoice, MinLength, MissingChoice

if TYPE_CHECKING:
    from forecast.data import Panel
    from forecast.data.columns import Columns
    from forecast.execution import Executor
    from forecast.execution.parts import PartLoad, PartPlan, PartResult

NoticeKind = Literal["note", "warning", "message"]
Notify = Callable[[NoticeKind, str], None]
SCHEDULER_TIMEOUT_S = 10.0  # forecast.execution.dask.CONNECT_TIMEOUT_S (dask stays unimported)


def silent(kind: NoticeKind, text: str) -> None:
    """A ``notify`` that drops every notice (the library API's default)."""


@dataclass(frozen=True)
class SourceRequest:
    """Where the series are and how to read and run them.

    Attributes
    ----------
    data
        A CSV file (``-``: stdin), a Parquet file or a directory of Parquet part files.
    time_col, value_col, id_col
        The columns (None: detected; no id column: one series).
    freq, missing, time_format, encoding, wide
        The loader's options (:func:`forecast.data.load`).
    ids
        Only these series (None: all).
    engine, jobs, scheduler, scheduler_timeout
        Where the series run: local processes (``jobs``) or a Dask cluster (``scheduler``;
        None: ``$FORECAST_DASK_SCHEDULER``, else a local cluster of ``jobs`` workers).
    """

    data: str
    time_col: str | None = None
    value_col: str | None = None
    id_col: str | None = None
    freq: str | None = None
    missing: MissingChoice = MissingChoice.error
    time_format: str | None = None
    encoding: str | None = None
    ids: tuple[str, ...] | None = None
    wide: bool = False
    engine: EngineChoice = EngineChoice.local
    jobs: int = 1
    scheduler: str | None = None
    scheduler_timeout: float = SCHEDULER_TIMEOUT_S


def load_panel(
    source: SourceRequest,
    *,
    min_length: MinLength,
    purpose: str,
    notify: Notify = silent,
    allow_constant: bool = False,
    freq_default: str | None = None,
    single: bool = False,
) -> Panel:
    """Read and validate the series of ``source`` (:func:`forecast.data.load`); the loader's
    notes (sorted rows, filled gaps...) go to ``notify`` as notes, each once, and the series a
    panel left out as warnings. ``freq_default``: the frequency when ``source.freq`` is None."""
    from forecast.data import load

    panel = load(
        source.data,
        id_col=source.id_col,
        time_col=source.time_col,
        value_col=source.value_col,
        freq=source.freq or freq_default,
        missing=source.missing.value,
        time_format=source.time_format,
        encoding=source.encoding,
        min_length=min_length,
        purpose=purpose,
        allow_constant=allow_constant,
        ids=list(source.ids) if source.ids is not None else None,
        wide=source.wide,
        single=single,
    )
    for text in dict.fromkeys(panel.notes):  # information, not alarms
        notify("note", text)
    if panel.single is None:
        for failure in panel.failures:
            notify("warning", f"series {failure.id!r} left out: {failure.reason}")
    return panel


def executor(source: SourceRequest) -> Executor:
    """The executor that maps a loaded panel's series: local processes, or a Dask cluster
    (the environment's ``FORECAST_DASK_SCHEDULER`` applies to ``engine="dask"`` only); a
    scheduler that cannot be reached stops the run here, before any output."""
    import os

    from forecast.execution import make_executor

    if source.engine is EngineChoice.local:
        return make_executor("local", source.jobs, source.scheduler)  # refuses a scheduler
    from forecast.execution.dask import SCHEDULER_ENV, DaskExecutor

    address = source.scheduler or os.environ.get(SCHEDULER_ENV) or None
    dask = DaskExecutor(source.jobs, address, connect_timeout=source.scheduler_timeout)
    if dask.scheduler is not None:
        dask.start()
    return dask


def reads_parts(source: SourceRequest, *, exog: bool = False, one_model: bool = False) -> bool:
    """Whether the workers read the part files themselves: ``engine="dask"`` on a long-format
    Parquet directory, for a run without regressors (read on the client) that does not fit one
    global model (trained here, on the loaded panel)."""
    from forecast.execution.parts import part_files

    if exog or one_model:
        return False
    if source.engine is not EngineChoice.dask or source.wide:
        return False
    return bool(part_files(source.data))


def runs_global(panel: Panel, applies: Callable[[int], bool]) -> bool:
    """Whether a loaded panel runs as one global model on one device: a panel (not one series)
    for which ``applies(number of series)`` (``GlobalOptions.applies`` for the model)."""
    return panel.single is None and applies(len(panel))


def open_parts(
    source: SourceRequest,
    *,
    min_length: int,
    purpose: str,
    notify: Notify = silent,
    allow_constant: bool = False,
) -> PartRun | None:
    """The run over the part files of ``source.data``, every part read by its worker with
    these loader options; None when there is no id column (one series: :func:`load_panel`)."""
    from forecast.execution.parts import PartLoad, part_columns

    columns = part_columns(source.data, source.time_col, source.value_col, source.id_col)
    if columns.id is None:
        return None
    opts = PartLoad(
        columns.id,
        columns.time,
        columns.value,
        source.freq,
        source.missing.value,
        min_length,
        purpose,
        source.time_format,
        allow_constant,
        root=source.data,
    )
    return PartRun(source, columns, opts, notify)


class PartRun:
    """One command's run over the part files: the executor, the plan, and what comes back
    with each part besides its outcomes (loader notes, sent to ``notify`` once each as
    warnings; the series the loaders left out, warned and kept in ``load_failures``; each
    part's provenance block, in ``described``)."""

    def __init__(
        self, source: SourceRequest, columns: Columns, opts: PartLoad, notify: Notify
    ) -> None:
        self.source, self.columns, self.opts = source, columns, opts
        self.load_failures: list[dict[str, Any]] = []
        self.described: list[dict[str, Any]] = []
        self._notify = notify
        self._seen_notes: set[str] = set()
        self._executor: Executor | None = None

    @property
    def executor(self) -> Executor:
        """The connected executor (inside :meth:`planned` only)."""
        assert self._executor is not None, "inside planned() only"
        return self._executor

    @contextmanager
    def planned(self, ids: list[str] | None) -> Iterator[PartPlan]:
        """Connect (an unreachable scheduler stops the run here, before any output), plan
        the parts (``ids``: None for all) and keep the executor until the block ends."""
        from forecast.execution.parts import plan_parts

        runner = executor(self.source)
        with runner if isinstance(runner, AbstractContextManager) else nullcontext():
            self._executor = runner
            yield plan_parts(runner, self.source.data, self.opts.id_col, ids)

    def map(
        self,
        plan: PartPlan,
        fn: Callable[[Any], Any],
        spec: Any,
        part_specs: Mapping[str, Any] | None = None,
    ) -> Iterator[Any]:
        """``fn`` over every series of the plan's parts, where each part is read."""
        from forecast.execution.parts import map_parts

        return map_parts(self.executor, plan, self.opts, fn, spec, self._on_part, part_specs)

    def _on_part(self, part: PartResult) -> None:
        self.described.append(part.described)
        for text in part.notes:
            if text not in self._seen_notes:
                self._seen_notes.add(text)
                self._notify("warning", text)
        for failure in part.failures:
            self._notify("warning", f"series {failure.id!r} left out: {failure.reason}")
            self.load_failures.append(failure.to_dict())

    def data_block(self, plan: PartPlan) -> dict[str, Any]:
        """The ``data`` block of the output (the client never loads the panel)."""
        return {
            "source": self.source.data,
            "parts": len(plan.parts),
            "id_col": self.columns.id,
            "time_col": self.columns.time,
            "value_col": self.columns.value,
            "n_series": plan.n_series,
        }
