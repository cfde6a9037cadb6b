"""`fit`, `diagnose` and `backtest` with `--engine dask` on a Parquet directory: the workers
read the part files themselves (:mod:`forecast.execution.parts`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forecast.cli import options as o
from forecast.types import EngineChoice, FormatChoice, MissingChoice

if TYPE_CHECKING:
    from forecast.backtest.engine import ModelEntry
    from forecast.backtest.runner import BacktestSpec
    from forecast.cli.backtest import PanelReporting
    from forecast.data.columns import Columns
    from forecast.diagnostics.diagnose import DiagnoseOptions
    from forecast.execution.parts import PartLoad, PartPlan, PartResult
    from forecast.panel_fit import FitSpec


@dataclass(frozen=True)
class PartSource:
    """A Parquet directory and the options it is read with (``--engine``, ``--jobs``,
    ``--scheduler``, the column and loader options, ``--ids``)."""

    data: str
    engine: EngineChoice
    jobs: int
    scheduler: str | None
    time_col: str | None
    value_col: str | None
    id_col: str | None
    freq: str | None
    missing: MissingChoice
    time_format: str | None
    ids: list[str] | None

    def layout(self, min_length: int, purpose: str) -> tuple[Columns, PartLoad] | None:
        """The columns and every part's loader options; None when there is no id column
        (one series: the ordinary path reads it)."""
        from forecast.execution.parts import PartLoad, part_columns

        columns = part_columns(self.data, self.time_col, self.value_col, self.id_col)
        if columns.id is None:
            return None
        opts = PartLoad(
            columns.id,
            columns.time,
            columns.value,
            self.freq,
            self.missing.value,
            min_length,
            purpose,
            self.time_format,
        )
        return columns, opts


def fit_parts(
    source: PartSource,
    make_spec: Callable[[], FitSpec],
    *,
    min_length: int,
    purpose: str,
    save: Path | None,
    output: Path | None,
    fmt: FormatChoice,
    quiet: bool,
    no_header: bool,
) -> bool:
    """Run ``fit`` part file by part file (see :mod:`forecast.execution.parts`); False when
    the directory has no id column."""
    from forecast.cli.panel_run import stream_outcomes
    from forecast.execution import batch_size
    from forecast.execution.parts import map_parts, plan_parts
    from forecast.panel_fit import fit_one

    layout = source.layout(min_length, purpose)
    if layout is None:
        return False
    columns, opts = layout
    spec = make_spec()  # a panel: its spec's checks apply
    # connects now: an unreachable scheduler stops the run before any output
    executor = o.executor(source.engine, source.jobs, source.scheduler)
    load_failures: list[dict[str, Any]] = []
    on_part = _part_reporter(load_failures, quiet)
    with executor if isinstance(executor, AbstractContextManager) else nullcontext():
        plan = plan_parts(executor, source.data, opts.id_col, source.ids)
        header = {"data": _data_block(source.data, columns, plan), **spec.header()}
        stream_outcomes(
            map_parts(executor, plan, opts, fit_one, spec, on_part),
            total=plan.n_series,
            header=header,
            levels=spec.levels,
            load_failures=load_failures,
            fmt=fmt,
            output=output,
            save=save,
            model_name=spec.model,
            id_col=opts.id_col,
            defaults=spec.defaults(),
            quiet=quiet,
            no_header=no_header,
            part_size=batch_size(plan.n_series, executor.workers),
            workers=executor.workers,
        )
    return True


def diagnose_parts(
    source: PartSource,
    options: DiagnoseOptions,
    *,
    min_length: int,
    fmt: FormatChoice,
    quiet: bool,
    threads: dict[str, Any],
) -> bool:
    """The panel summary of ``diagnose`` part file by part file; False when the directory has
    no id column."""
    from forecast.cli.diagnose import summarise_panel
    from forecast.diagnostics.panel import summarise_one
    from forecast.execution.parts import map_parts, plan_parts

    layout = source.layout(min_length, "diagnose")
    if layout is None:
        return False
    columns, opts = layout
    executor = o.executor(source.engine, source.jobs, source.scheduler)
    load_failures: list[dict[str, Any]] = []
    on_part = _part_reporter(load_failures, quiet)
    with executor if isinstance(executor, AbstractContextManager) else nullcontext():
        plan = plan_parts(executor, source.data, opts.id_col, source.ids)
        summarise_panel(
            map_parts(executor, plan, opts, summarise_one, options, on_part),
            plan.n_series,
            _data_block(source.data, columns, plan),
            load_failures,
            options,
            fmt,
            quiet,
            threads,
        )
    return True


def backtest_parts(
    source: PartSource,
    entries: list[ModelEntry],
    spec: BacktestSpec,
    command: str,
    reporting: PanelReporting,
    min_length: int,
    purpose: str,
) -> bool:
    """The panel backtest part file by part file: each series backtested where its part was
    read, the report built on the client from the results and the parts' provenance blocks;
    False when the directory has no id column."""
    from dataclasses import replace

    from forecast.backtest.panel import backtest_in_part, collect, panel_backtest
    from forecast.data.panel import merge_descriptions
    from forecast.execution.parts import map_parts, plan_parts

    layout = source.layout(min_length, purpose)
    if layout is None:
        return False
    _, opts = layout
    executor = o.executor(source.engine, source.jobs, source.scheduler)
    load_failures: list[dict[str, Any]] = []
    described: list[dict[str, Any]] = []
    report_part = _part_reporter(load_failures, reporting.quiet)

    def on_part(part: PartResult) -> None:
        described.append(part.described)
        report_part(part)

    inner = (entries, replace(spec, jobs=1))  # the executor parallelises
    with executor if isinstance(executor, AbstractContextManager) else nullcontext():
        plan = plan_parts(executor, source.data, opts.id_col, source.ids)

        def run(on_series: Callable[[Any], None]) -> Any:
            outcomes = map_parts(executor, plan, opts, backtest_in_part, inner, on_part)
            results = collect(outcomes, on_series)
            data = merge_descriptions(source.data, described)
            return panel_backtest(results, entries, spec, data, load_failures, command)

        reporting.run(run, plan.n_series)
    return True


def _data_block(source: str, columns: Columns, plan: PartPlan) -> dict[str, Any]:
    """The ``data`` block of a run over part files (the client never loads the panel)."""
    return {
        "source": source,
        "parts": len(plan.parts),
        "id_col": columns.id,
        "time_col": columns.time,
        "value_col": columns.value,
        "n_series": plan.n_series,
    }


def _part_reporter(
    load_failures: list[dict[str, Any]], quiet: bool
) -> Callable[[PartResult], None]:
    """What to do with each part as it arrives: print its loader's notes (each once) and the
    series it left out, which go to ``load_failures``."""
    from forecast.cli.render import warn

    seen_notes: set[str] = set()

    def on_part(part: PartResult) -> None:
        for text in part.notes:
            if text not in seen_notes:
                seen_notes.add(text)
                warn(text, quiet)
        for failure in part.failures:
            warn(f"series {failure.id!r} left out: {failure.reason}", quiet)
            load_failures.append(failure.to_dict())

    return on_part
