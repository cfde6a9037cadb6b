"""`forecast diagnose DATA`: correlogram, Ljung-Box, unit-root tests, differencing, seasonality."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from forecast.cli import options as o
from forecast.types import (
    AcfChoice,
    EngineChoice,
    FormatChoice,
    MissingChoice,
    PacfChoice,
    TrendChoice,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from forecast.diagnostics.diagnose import DiagnoseOptions
    from forecast.diagnostics.panel import SeriesSummary

PANEL = "Diagnostics"


def diagnose(
    data: o.DataArg,
    lags: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Lags of the ACF/PACF (default: min(10*log10(n), n/2 - 1)).",
            rich_help_panel=PANEL,
        ),
    ] = None,
    acf_method: Annotated[
        AcfChoice,
        typer.Option(
            help="standard: global mean, divisor n; pearson: correlation of the lagged pairs.",
            rich_help_panel=PANEL,
        ),
    ] = AcfChoice.standard,
    pacf_method: Annotated[
        PacfChoice, typer.Option(help="PACF estimator (ywm matches Stata).", rich_help_panel=PANEL)
    ] = PacfChoice.ywm,
    alpha: Annotated[
        float,
        typer.Option(
            min=0.001,
            max=0.5,
            help="Significance level of bands and verdicts.",
            rich_help_panel=PANEL,
        ),
    ] = 0.05,
    trend: Annotated[
        TrendChoice,
        typer.Option(
            help="Deterministic terms in the tests: c (constant) or ct (constant + trend).",
            rich_help_panel=PANEL,
        ),
    ] = TrendChoice.c,
    adf_lags: Annotated[
        int | None,
        typer.Option(
            min=0, help="Fix the ADF lag order (default: chosen by AIC).", rich_help_panel=PANEL
        ),
    ] = None,
    tests: Annotated[
        str | None,
        typer.Option(
            "--tests",
            help="Stationarity tests to run, comma-separated: adf,kpss,pp,za,dfgls (default: all).",
            rich_help_panel=PANEL,
        ),
    ] = None,
    period: Annotated[
        int | None,
        typer.Option(
            min=2, help="Seasonal period to use instead of the detected one.", rich_help_panel=PANEL
        ),
    ] = None,
    log: Annotated[
        bool,
        typer.Option(
            "--log", help="Diagnose log(y) (values must be positive).", rich_help_panel=PANEL
        ),
    ] = False,
    diff: Annotated[
        int,
        typer.Option(
            min=0, max=2, help="Difference the series this many times first.", rich_help_panel=PANEL
        ),
    ] = 0,
    plot: Annotated[
        Path | None,
        typer.Option(
            help="Write the series, ACF and PACF with bands to this .png/.svg/.pdf.",
            rich_help_panel=o.OUTPUT_PANEL,
        ),
    ] = None,
    series_id: Annotated[
        str | None,
        typer.Option(
            "--id", help="Panels: the full report of this one series.", rich_help_panel=PANEL
        ),
    ] = None,
    jobs: o.Jobs = 1,
    engine: o.Engine = EngineChoice.local,
    scheduler: o.Scheduler = None,
    scheduler_timeout: o.SchedulerTimeout = o.SCHEDULER_TIMEOUT_S,
    id_col: o.IdCol = None,
    ids: o.Ids = None,
    ids_file: o.IdsFile = None,
    wide: o.Wide = False,
    time_col: o.TimeCol = None,
    value_col: o.ValueCol = None,
    freq: o.Freq = None,
    missing: o.Missing = MissingChoice.error,
    time_format: o.TimeFormat = None,
    encoding: o.Encoding = None,
    fmt: o.Format = FormatChoice.table,
    quiet: o.Quiet = False,
    threads: o.Threads = None,
    debug: o.Debug = False,
) -> None:
    """Diagnose a series: ACF/PACF, Ljung-Box, ADF/KPSS/PP/ZA/DF-GLS, differencing, seasonality.

    On a panel: one summary row per series (n, span, suggested d and D, period and strength,
    ADF and KPSS verdicts); --id X gives the full report of series X."""
    from forecast.cli.render import emit, message
    from forecast.diagnostics.diagnose import MIN_OBS, DiagnoseOptions, diagnose_series
    from forecast.diagnostics.stationarity import parse_test_names
    from forecast.errors import InputError, UsageError
    from forecast.io.atomic import atomic_write_bytes
    from forecast.io.paths import refuse_overlap
    from forecast.threads import limited, resolve

    refuse_overlap({"DATA": data, "--ids-file": ids_file}, {"--plot": plot})
    policy = resolve(threads)
    chosen_tests = parse_test_names(tests) if tests is not None else None

    plot_format = None
    if plot is not None:
        from forecast.report.plots import image_format

        plot_format = image_format(plot)
        from forecast.cli.validate import check_output

        check_output(plot)  # a directory or device is refused before any work
    options = DiagnoseOptions(
        lags=lags,
        acf_method=acf_method.value,
        pacf_method=pacf_method.value,
        alpha=alpha,
        trend=trend.value,
        adf_lags=adf_lags,
        period=period,
        log=log,
        diff=diff,
        tests=chosen_tests,
    )
    chosen_ids = [series_id] if series_id is not None else o.selected_ids(ids, ids_file)
    if engine is EngineChoice.dask and not wide and series_id is None and plot is None:
        from forecast.cli.parts_run import PartSource, diagnose_parts
        from forecast.execution.parts import part_files

        if part_files(data):
            source = PartSource(data, engine, jobs, scheduler, time_col, value_col, id_col, freq,
                                missing, time_format, chosen_ids)  # fmt: skip
            with limited(policy):
                done = diagnose_parts(
                    source,
                    options,
                    min_length=MIN_OBS,
                    fmt=fmt,
                    quiet=quiet,
                    threads=policy.to_dict(jobs),
                )
            if done:
                return
    panel = o.load(
        data,
        time_col=time_col,
        value_col=value_col,
        freq=freq,
        missing=missing,
        time_format=time_format,
        encoding=encoding,
        min_length=MIN_OBS,
        purpose="diagnose",
        quiet=quiet,
        id_col=id_col,
        ids=chosen_ids,
        wide=wide,
    )
    if panel.single is None and series_id is None:
        if plot is not None:
            raise UsageError("--plot draws one series; on a panel pass --id X")
        from forecast.diagnostics.panel import diagnose_panel

        with limited(policy):
            summarise_panel(
                diagnose_panel(panel, options, o.executor(engine, jobs, scheduler)),
                len(panel),
                panel.describe(),
                [f.to_dict() for f in panel.failures],
                options,
                fmt,
                quiet,
                policy.to_dict(jobs),
            )
        return
    if panel.single is None and not panel.ids:
        raise InputError(f"series {series_id!r}: {panel.failures[0].reason}")
    with limited(policy):
        result = diagnose_series(panel[0], options)
    if plot is not None and plot_format is not None:
        from forecast.report.plots import diagnosis_figure, figure_bytes

        atomic_write_bytes(plot, figure_bytes(diagnosis_figure(result), plot_format))
        message(f"wrote {plot}", quiet)
    tables = []
    if fmt is FormatChoice.table:
        from forecast.report.diagnose_tables import diagnosis_tables

        tables = diagnosis_tables(result)
    emit(
        fmt.value,
        document={**result.to_dict(), "config": {"threads": policy.to_dict()}},
        csv_header=("section", "item", "statistic", "value"),
        csv_rows=result.to_rows(),
        tables=tables,
        quiet=quiet,
    )


def summarise_panel(
    summaries: Iterable[SeriesSummary],
    total: int,
    data_block: dict[str, Any],
    load_failures: list[dict[str, Any]],
    options: DiagnoseOptions,
    fmt: FormatChoice,
    quiet: bool,
    threads: dict[str, Any],
) -> None:
    """One row per series; exit 1 when a series could not be loaded or diagnosed.
    ``load_failures`` may grow while ``summaries`` is read (part files load as they go)."""
    from forecast.cli.render import emit, progress_allowed, warn
    from forecast.diagnostics.panel import SUMMARY_COLUMNS
    from forecast.progress import progress_enabled, task

    rows = []
    failed: list[dict[str, Any]] = []
    with progress_enabled(progress_allowed(quiet)), task("series", total=total) as advance:
        for summary in summaries:
            rows.append(summary)
            if summary.error is not None:
                failed.append({"id": summary.id, "stage": "diagnose", "error": summary.error})
                warn(f"series {summary.id!r} could not be diagnosed: {summary.error}", quiet)
            advance(failed=len(load_failures) + len(failed))
    failures = load_failures + failed
    tables = []
    if fmt is FormatChoice.table:
        from forecast.report.diagnose_tables import panel_summary_table

        tables = [panel_summary_table(rows, options.alpha)]
    emit(
        fmt.value,
        document={
            "data": data_block,
            "config": {"threads": threads},
            "alpha": options.alpha,
            "series": [r.to_dict() for r in rows],
            "failures": failures,
        },
        csv_header=SUMMARY_COLUMNS,
        csv_rows=[r.row() for r in rows],
        tables=tables,
        quiet=quiet,
    )
    if failures:
        from forecast.cli.render import exit_failed

        exit_failed(failures, quiet)
