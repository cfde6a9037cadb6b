"""`fit` and `diagnose` with `--engine dask` on a Parquet directory: the workers read the part
files themselves (:mod:`forecast.execution.parts`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forecast.cli import options as o
from forecast.types import EngineChoice, FormatChoice, MissingChoice

if TYPE_CHECKING:
    from forecast.data.columns import Columns
    from forecast.diagnostics.diagnose import DiagnoseOptions
    from forecast.execution.parts import PartPlan, PartResult
    from forecast.panel_fit import FitSpec


def fit_parts(
    data: str,
    make_spec: Callable[[], FitSpec],
    *,
    engine: EngineChoice,
    jobs: int,
    scheduler: str | None,
    time_col: str | None,
    value_col: str | None,
    id_col: str | None,
    freq: str | None,
    missing: MissingChoice,
    time_format: str | None,
    min_length: int,
    purpose: str,
    ids: list[str] | None,
    save: Path | None,
    output: Path | None,
    fmt: FormatChoice,
    quiet: bool,
    no_header: bool,
) -> bool:
    """Run ``fit`` part file by part file (see :mod:`forecast.execution.parts`) on the
    executor of ``engine``/``jobs``/``scheduler``; False when the directory has no id
    column (one series: the ordinary path reads it)."""
    from forecast.cli.panel_run import stream_outcomes
    from forecast.execution import batch_size
    from forecast.execution.parts import PartLoad, map_parts, part_columns, plan_parts
    from forecast.panel_fit import fit_one

    columns = part_columns(data, time_col, value_col, id_col)
    if columns.id is None:
        return False
    spec = make_spec()  # a panel: its spec's checks apply
    # connects now: an unreachable scheduler stops the run before any output
    executor = o.executor(engine, jobs, scheduler)
    opts = PartLoad(
        columns.id,
        columns.time,
        columns.value,
        freq,
        missing.value,
        min_length,
        purpose,
        time_format,
    )
    load_failures: list[dict[str, Any]] = []
    on_part = _part_reporter(load_failures, quiet)
    with executor if isinstance(executor, AbstractContextManager) else nullcontext():
        plan = plan_parts(executor, data, columns.id, ids)
        header = {
            "data": _data_block(data, columns, plan),
            **spec.header(),
        }
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
            id_col=columns.id,
            defaults=spec.defaults(),
            quiet=quiet,
            no_header=no_header,
            part_size=batch_size(plan.n_series, executor.workers),
            workers=executor.workers,
        )
    return True


def diagnose_parts(
    data: str,
    options: DiagnoseOptions,
    *,
    engine: EngineChoice,
    jobs: int,
    scheduler: str | None,
    time_col: str | None,
    value_col: str | None,
    id_col: str | None,
    freq: str | None,
    missing: MissingChoice,
    time_format: str | None,
    min_length: int,
    ids: list[str] | None,
    fmt: FormatChoice,
    quiet: bool,
    threads: dict[str, Any],
) -> bool:
    """The panel summary of ``diagnose`` part file by part file; False when the directory has
    no id column (one series: the ordinary path reads it)."""
    from forecast.cli.diagnose import summarise_panel
    from forecast.diagnostics.panel import summarise_one
    from forecast.execution.parts import PartLoad, map_parts, part_columns, plan_parts

    columns = part_columns(data, time_col, value_col, id_col)
    if columns.id is None:
        return False
    executor = o.executor(engine, jobs, scheduler)
    opts = PartLoad(
        columns.id,
        columns.time,
        columns.value,
        freq,
        missing.value,
        min_length,
        "diagnose",
        time_format,
    )
    load_failures: list[dict[str, Any]] = []
    on_part = _part_reporter(load_failures, quiet)
    with executor if isinstance(executor, AbstractContextManager) else nullcontext():
        plan = plan_parts(executor, data, columns.id, ids)
        summarise_panel(
            map_parts(executor, plan, opts, summarise_one, options, on_part),
            plan.n_series,
            _data_block(data, columns, plan),
            load_failures,
            options,
            fmt,
            quiet,
            threads,
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
