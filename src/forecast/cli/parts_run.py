"""`fit`, `diagnose`, `backtest` and `predict --data` with `--engine dask` on a Parquet
directory: the workers read the part files themselves (:mod:`forecast.execution.parts`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from forecast.cli import options as o
from forecast.types import EngineChoice, FormatChoice, MissingChoice

if TYPE_CHECKING:
    from forecast.diagnostics.diagnose import DiagnoseOptions
    from forecast.workflows.source import PartRun


def workers_read(engine: EngineChoice, data: str | None, wide: bool = False) -> bool:
    """Whether ``--engine dask`` has the workers read ``data`` themselves: a long-format
    Parquet directory (:func:`forecast.workflows.source.reads_parts`)."""
    from forecast.workflows.source import SourceRequest, reads_parts

    return data is not None and reads_parts(SourceRequest(data, engine=engine, wide=wide))


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

    def run(
        self, min_length: int, purpose: str, quiet: bool, allow_constant: bool = False
    ) -> PartRun | None:
        """The run over the part files (:func:`forecast.workflows.source.open_parts`), its
        notices printed on stderr; None when there is no id column."""
        from forecast.cli.render import notifier
        from forecast.workflows.source import SourceRequest, open_parts

        request = SourceRequest(
            self.data,
            time_col=self.time_col,
            value_col=self.value_col,
            id_col=self.id_col,
            freq=self.freq,
            missing=self.missing,
            time_format=self.time_format,
            ids=tuple(self.ids) if self.ids is not None else None,
            engine=self.engine,
            jobs=self.jobs,
            scheduler=self.scheduler,
            scheduler_timeout=o.SCHEDULER_TIMEOUT.get(),
        )
        return open_parts(
            request,
            min_length=min_length,
            purpose=purpose,
            notify=notifier(quiet),
            allow_constant=allow_constant,
        )


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

    run = source.run(min_length, "diagnose", quiet)
    if run is None:
        return False
    with run.planned(source.ids) as plan:
        summarise_panel(
            run.map(plan, summarise_one, options),
            plan.n_series,
            run.data_block(plan),
            run.load_failures,
            options,
            fmt,
            quiet,
            threads,
        )
    return True
