"""`fit`, `diagnose`, `backtest` and `predict --data` with `--engine dask` on a Parquet
directory: the workers read the part files themselves (:mod:`forecast.execution.parts`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
    from forecast.models.base import BaseForecaster
    from forecast.panel_fit import ContinueSpec, FitSpec, SeriesOutcome


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

    def layout(
        self, min_length: int, purpose: str, allow_constant: bool = False
    ) -> tuple[Columns, PartLoad] | None:
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
            allow_constant,
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


def predict_parts(
    source: PartSource,
    models: list[tuple[str, BaseForecaster]],
    modelled: set[str],
    spec: ContinueSpec,
    emit: Callable[[Iterator[SeriesOutcome], dict[str, Any], list[dict[str, Any]]], None],
    quiet: bool,
) -> bool:
    """``predict --data DIR`` for a panel's model file, part file by part file: each part's
    series are moved on by their saved models where the part was read (each part gets the
    models of its own series); models without rows in DIR forecast from their saved state, as
    the local engine does. ``emit(outcomes, data_block, load_failures)`` writes the outcomes,
    which come in the file's order. False when the directory has no id column."""
    from forecast.cli.render import warn
    from forecast.execution.parts import in_order, map_parts, plan_parts
    from forecast.panel_fit import continue_in_part, continue_one

    layout = source.layout(1, "updating a model", allow_constant=True)
    if layout is None:
        return False
    columns, opts = layout
    executor = o.executor(source.engine, source.jobs, source.scheduler)
    load_failures: list[dict[str, Any]] = []
    on_part = _part_reporter(load_failures, quiet)
    chosen = dict(models)
    with executor if isinstance(executor, AbstractContextManager) else nullcontext():
        plan = plan_parts(executor, source.data, opts.id_col, None)
        part_models = {
            path: ({sid: chosen[sid] for sid in found if sid in chosen}, spec)
            for path, found in plan.found.items()
        }

        in_dir = {sid for found in plan.found.values() for sid in found}

        def outcomes() -> Iterator[SeriesOutcome]:
            absent = [(sid, model, None, spec) for sid, model in models if sid not in in_dir]
            yield from executor.map(continue_one, absent)
            seen: set[str] = set()
            unknown: list[str] = []
            for item in map_parts(executor, plan, opts, continue_in_part, None, on_part,
                                  part_models):  # fmt: skip
                if isinstance(item, str):
                    if item not in modelled:
                        unknown.append(item)
                    continue
                seen.add(item.id)
                yield item
            if unknown:
                shown = ", ".join(repr(s) for s in unknown[:5])
                warn(
                    f"--data has {len(unknown)} series without a model, ignored: {shown}; fit "
                    "them with 'forecast fit'",
                    quiet,
                )
            refused = [  # by their part's loader: they forecast from their saved state
                (sid, model, None, spec) for sid, model in models if sid in in_dir - seen
            ]
            yield from executor.map(continue_one, refused)

        emit(
            in_order(outcomes(), [sid for sid, _ in models]),
            _data_block(source.data, columns, plan),
            load_failures,
        )
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
