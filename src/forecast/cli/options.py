"""Options shared by the commands, as annotated types, and the
:class:`~forecast.workflows.source.SourceRequest` the data and engine options make."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from forecast.types import EngineChoice, FormatChoice, MissingChoice

if TYPE_CHECKING:
    from forecast.workflows.source import SourceRequest

# The arguments of this run (main() sets them), for reports that print their own command.
INVOCATION: ContextVar[tuple[str, ...]] = ContextVar("forecast_invocation", default=())

DATA_PANEL = "Input data"
OUTPUT_PANEL = "Output"

DataArg = Annotated[
    str,
    typer.Argument(
        metavar="DATA",
        help="CSV file (or - for stdin) or Parquet file/directory (flat, or Hive-partitioned: "
        "KEY=VALUE folders become columns): time and value columns, and an id column for a "
        "panel of many series.",
    ),
]
IdCol = Annotated[
    str | None,
    typer.Option(
        "--id-col",
        help="Series id column of a long-format panel (default: unique_id, segment, id... or "
        "the one repeating text column; none: one series).",
        rich_help_panel=DATA_PANEL,
    ),
]
Ids = Annotated[
    str | None,
    typer.Option("--ids", help="Only these series of a panel: A,B,C.", rich_help_panel=DATA_PANEL),
]
IdsFile = Annotated[
    Path | None,
    typer.Option(
        "--ids-file",
        help="Only the series listed in this file, one id per line.",
        rich_help_panel=DATA_PANEL,
    ),
]
Wide = Annotated[
    bool,
    typer.Option(
        "--wide",
        help="Wide table: the time column plus one numeric column per series.",
        rich_help_panel=DATA_PANEL,
    ),
]
Jobs = Annotated[
    int,
    typer.Option("--jobs", "-j", help="Worker processes for the series of a panel.", min=1),
]
Engine = Annotated[
    EngineChoice,
    typer.Option(
        "--engine",
        help="Where a panel's series run: local processes (--jobs) or a Dask cluster "
        "(--scheduler; without it a local Dask cluster of --jobs workers).",
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="Dask scheduler for --engine dask (default: $FORECAST_DASK_SCHEDULER, else a "
        "local cluster).",
    ),
]
# --scheduler-timeout: its value goes on in the SourceRequest
SCHEDULER_TIMEOUT_S = 10.0  # forecast.execution.dask.CONNECT_TIMEOUT_S (dask stays unimported)
MAX_SCHEDULER_TIMEOUT_S = 3600.0


def _scheduler_timeout(value: float) -> float:
    import math

    if not (math.isfinite(value) and 0 < value <= MAX_SCHEDULER_TIMEOUT_S):
        raise typer.BadParameter(
            f"must be more than 0 and at most {MAX_SCHEDULER_TIMEOUT_S:g} seconds, got {value:g}"
        )
    return value


SchedulerTimeout = Annotated[
    float,
    typer.Option(
        "--scheduler-timeout",
        metavar="SECONDS",
        help="How long to wait for the --scheduler to answer (connection and handshake) and to "
        "have a worker; then exit 2.",
        callback=_scheduler_timeout,
    ),
]
TimeCol = Annotated[
    str | None,
    typer.Option(
        "--time-col",
        help="Time column (default: the one date-like column).",
        rich_help_panel=DATA_PANEL,
    ),
]
ValueCol = Annotated[
    str | None,
    typer.Option(
        "--value-col",
        help="Value column (default: the one numeric column).",
        rich_help_panel=DATA_PANEL,
    ),
]
Freq = Annotated[
    str | None,
    typer.Option(
        "--freq",
        help="pandas frequency: D, h, 30min, W-SUN, MS, QS, YS... (default: inferred).",
        rich_help_panel=DATA_PANEL,
    ),
]
Missing = Annotated[
    MissingChoice,
    typer.Option(
        "--missing",
        help="Empty values and timestamps absent from the grid: fail, drop them, "
        "forward-fill or interpolate in time.",
        rich_help_panel=DATA_PANEL,
    ),
]
TimeFormat = Annotated[
    str | None,
    typer.Option(
        "--time-format",
        help="strftime format of the timestamps, e.g. %d/%m/%Y, or epoch / epoch_ms for Unix "
        "seconds / milliseconds (default: inferred).",
        rich_help_panel=DATA_PANEL,
    ),
]
Encoding = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="Text encoding of the CSV (default: UTF-8, with or without BOM).",
        rich_help_panel=DATA_PANEL,
    ),
]
Format = Annotated[
    FormatChoice,
    typer.Option(
        "--format",
        "-f",
        help="table for people; json or csv for programs (stdout).",
        rich_help_panel=OUTPUT_PANEL,
    ),
]
NoHeader = Annotated[
    bool,
    typer.Option(
        "--no-header",
        help="CSV without its header line (to append to a file from cron).",
        rich_help_panel=OUTPUT_PANEL,
    ),
]
Quiet = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="Print results only: no warnings, notes or progress.",
        rich_help_panel=OUTPUT_PANEL,
    ),
]


def _success_file(value: str) -> str:
    from forecast.errors import UsageError
    from forecast.report.parquet_parts import marker_name

    try:
        marker_name(value)
    except UsageError as exc:
        raise typer.BadParameter(exc.message.removeprefix(f"--success-file {value!r} ")) from None
    return value


SuccessFile = Annotated[
    str,
    typer.Option(
        "--success-file",
        metavar="NAME|none",
        help="The file that --output DIR gets last, once complete: the run's failures and "
        "summary (JSON). none writes no marker, so that pl.scan_parquet('DIR/') reads DIR; "
        "lost with it: the failures list (stderr only), and the marker a reader checks to know "
        "DIR is complete (the directory is still swapped in whole).",
        rich_help_panel=OUTPUT_PANEL,
        callback=_success_file,
    ),
]
Threads = Annotated[
    int | None,
    typer.Option(
        "--threads",
        help="Threads of the numeric libraries (default: 1 for classical models and "
        "diagnostics, the core count for neural models; FORECAST_THREADS=N sets it too).",
    ),
]
Debug = Annotated[
    bool,
    typer.Option("--debug", help="Show the traceback of an error.", rich_help_panel=OUTPUT_PANEL),
]


@dataclass(frozen=True)
class Execution:
    """Where a panel's series run: ``--jobs``, ``--engine``, ``--scheduler``,
    ``--scheduler-timeout``."""

    jobs: Jobs = 1
    engine: Engine = EngineChoice.local
    scheduler: Scheduler = None
    scheduler_timeout: SchedulerTimeout = SCHEDULER_TIMEOUT_S


@dataclass(frozen=True)
class Reading:
    """How DATA is read and which of its series: ``--id-col`` ... ``--encoding``."""

    id_col: IdCol = None
    ids: Ids = None
    ids_file: IdsFile = None
    wide: Wide = False
    time_col: TimeCol = None
    value_col: ValueCol = None
    freq: Freq = None
    missing: Missing = MissingChoice.error
    time_format: TimeFormat = None
    encoding: Encoding = None

    def source(self, data: str, execution: Execution) -> SourceRequest:
        """These options and ``execution`` as a workflow's
        :class:`~forecast.workflows.source.SourceRequest` (``--ids``/``--ids-file`` read here)."""
        from forecast.workflows.source import SourceRequest

        wanted = selected_ids(self.ids, self.ids_file)
        return SourceRequest(
            data,
            time_col=self.time_col,
            value_col=self.value_col,
            id_col=self.id_col,
            freq=self.freq,
            missing=self.missing,
            time_format=self.time_format,
            encoding=self.encoding,
            ids=tuple(wanted) if wanted is not None else None,
            wide=self.wide,
            engine=execution.engine,
            jobs=execution.jobs,
            scheduler=execution.scheduler,
            scheduler_timeout=execution.scheduler_timeout,
        )


@dataclass(frozen=True)
class Common:
    """The options the data commands end with: ``--format``, ``--no-header``, ``--quiet``,
    ``--success-file`` (the commands that write ``--output DIR``), ``--threads``, ``--debug``."""

    fmt: Format = FormatChoice.table
    no_header: NoHeader = False
    quiet: Quiet = False
    success_file: SuccessFile = "_SUCCESS"
    threads: Threads = None
    debug: Debug = False


@dataclass(frozen=True)
class _Group:
    """A command parameter that stands for one of the option groups above: ``with_groups``
    puts the group's options in its place and hands the command the group's object.
    ``absent``: options this command does not have (their fields keep the defaults);
    ``shared``: options the command declares itself elsewhere (the group reads their value)."""

    kind: type
    absent: tuple[str, ...] = ()
    shared: tuple[str, ...] = ()

    def without(self, *names: str) -> Any:
        return replace(self, absent=self.absent + names)

    def sharing(self, *names: str) -> Any:
        return replace(self, shared=self.shared + names)

    def parameters(self) -> list[inspect.Parameter]:
        """The group's own options as keyword parameters, in the order of its fields."""
        import typing

        hints = typing.get_type_hints(self.kind, include_extras=True)
        return [
            inspect.Parameter(f.name, KEYWORD, annotation=hints[f.name], default=f.default)
            for f in fields(self.kind)
            if f.name not in self.absent + self.shared
        ]

    def build(self, values: dict[str, Any]) -> Any:
        """The group's object from the parsed values (its own options taken out of them)."""
        own = {p.name: values.pop(p.name) for p in self.parameters()}
        return self.kind(**own, **{name: values[name] for name in self.shared})


KEYWORD = inspect.Parameter.POSITIONAL_OR_KEYWORD
# Defaults of the group parameters (typed Any: with_groups replaces them): e.g.
# ``execution: o.Execution = o.EXECUTION``.
EXECUTION: Any = _Group(Execution)
READING: Any = _Group(Reading)
COMMON: Any = _Group(Common)


def with_groups(command: Callable[..., None]) -> Callable[..., None]:
    """``command`` with each group parameter (default ``EXECUTION``, ``READING``, ``COMMON``)
    replaced by that group's options, in its place: typer sees every option, in the order
    written, and the command gets one frozen object per group."""
    import functools

    signature = inspect.signature(command, eval_str=True)
    groups = {
        p.name: p.default for p in signature.parameters.values() if isinstance(p.default, _Group)
    }
    parameters: list[inspect.Parameter] = []
    for p in signature.parameters.values():
        parameters += groups[p.name].parameters() if p.name in groups else [p]
    names = [p.name for p in parameters]
    missing = {n for g in groups.values() for n in g.shared} - set(names)
    if len(set(names)) != len(names) or missing:
        raise TypeError(f"{command.__name__}: option names clash or are missing: {missing}")

    @functools.wraps(command)
    def parsed(**values: Any) -> None:
        for name, group in groups.items():
            values[name] = group.build(values)
        command(**values)

    parsed.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    parsed.__annotations__ = {p.name: p.annotation for p in parameters}
    return parsed


def selected_ids(ids: str | None, ids_file: Path | None) -> list[str] | None:
    """``--ids A,B`` and ``--ids-file F`` (one id per line; blank lines and # comments skipped)."""
    from forecast.errors import UsageError

    chosen: list[str] = []
    if ids is not None:
        chosen += [i.strip() for i in ids.split(",") if i.strip()]
    if ids_file is not None:
        from forecast.data.input_limits import max_option_bytes
        from forecast.io.bounded import read_bounded

        raw = read_bounded(
            ids_file,
            what="ids file",
            limit=max_option_bytes(),
            override="FORECAST_MAX_OPTION_BYTES",
            error=UsageError,
        )
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UsageError(f"--ids-file {ids_file} is not UTF-8 text: {exc}") from None
        lines = (line.strip() for line in text.splitlines())
        chosen += [line for line in lines if line and not line.startswith("#")]
    if (ids is not None or ids_file is not None) and not chosen:
        raise UsageError("--ids/--ids-file name no series")
    return chosen or None


# --- regressors (exogenous covariates) ---------------------------------------------------

EXOG_PANEL = "Regressors"
Exog = Annotated[
    str | None,
    typer.Option(
        "--exog",
        metavar="COL[,COL...]|auto",
        help="Columns of DATA that are regressors (numeric; known in the future), or 'auto' for "
        "every other numeric column. Needs a model that takes them (the ARIMA family and "
        "the neural models) and their future values (--future).",
        rich_help_panel=EXOG_PANEL,
    ),
]
Future = Annotated[
    str | None,
    typer.Option(
        "--future",
        metavar="FILE",
        help="The regressors' values over the horizon: the same time (and id) columns as the "
        "data, one row per future timestamp.",
        rich_help_panel=EXOG_PANEL,
    ),
]
ExogLag = Annotated[
    int,
    typer.Option(
        "--exog-lag",
        metavar="N",
        help="Backtest: the target at t uses the regressors' values at t - N (0: the realised "
        "values at t, an oracle backtest; N >= gap + horizon: only values known at the origin).",
        rich_help_panel=EXOG_PANEL,
    ),
]
ExogModels = Annotated[
    str | None,
    typer.Option(
        "--exog-models",
        metavar="LABEL[,LABEL...]",
        help="Backtest: only these models get the regressors; the others run without them "
        "(baselines, or the same model without regressors to compare). Default: every model.",
        rich_help_panel=EXOG_PANEL,
    ),
]
