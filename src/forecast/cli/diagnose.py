"""`forecast diagnose DATA`: correlogram, Ljung-Box, unit-root tests, differencing, seasonality."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated

import typer

from forecast.cli import options as o
from forecast.cli.config_file import config_flag
from forecast.types import (
    AcfChoice,
    FormatChoice,
    PacfChoice,
    TrendChoice,
)

if TYPE_CHECKING:
    from forecast.workflows.diagnose import DiagnoseRequest, PanelDiagnosis, SingleDiagnosis

PANEL = "Diagnostics"

Lags = Annotated[
    int | None,
    typer.Option(
        min=1,
        help="Lags of the ACF/PACF (default: min(10*log10(n), n/2 - 1)).",
        rich_help_panel=PANEL,
    ),
]
AcfMethod = Annotated[
    AcfChoice,
    typer.Option(
        help="standard: global mean, divisor n; pearson: correlation of the lagged pairs.",
        rich_help_panel=PANEL,
    ),
]
PacfMethod = Annotated[
    PacfChoice, typer.Option(help="PACF estimator (ywm matches Stata).", rich_help_panel=PANEL)
]
Alpha = Annotated[
    float,
    typer.Option(
        min=0.001, max=0.5, help="Significance level of bands and verdicts.", rich_help_panel=PANEL
    ),
]
Trend = Annotated[
    TrendChoice,
    typer.Option(
        help="Deterministic terms in the tests: c (constant) or ct (constant + trend).",
        rich_help_panel=PANEL,
    ),
]
AdfLags = Annotated[
    int | None,
    typer.Option(
        min=0, help="Fix the ADF lag order (default: chosen by AIC).", rich_help_panel=PANEL
    ),
]
Tests = Annotated[
    str | None,
    typer.Option(
        "--tests",
        help="Stationarity tests to run, comma-separated: adf,kpss,pp,za,dfgls (default: all).",
        rich_help_panel=PANEL,
    ),
]
Period = Annotated[
    int | None,
    typer.Option(
        min=2, help="Seasonal period to use instead of the detected one.", rich_help_panel=PANEL
    ),
]
Log = Annotated[
    bool,
    typer.Option("--log", help="Diagnose log(y) (values must be positive).", rich_help_panel=PANEL),
]
Diff = Annotated[
    int,
    typer.Option(
        min=0, max=2, help="Difference the series this many times first.", rich_help_panel=PANEL
    ),
]
Plot = Annotated[
    Path | None,
    typer.Option(
        help="Write the series, ACF and PACF with bands to this .png/.svg/.pdf.",
        rich_help_panel=o.OUTPUT_PANEL,
    ),
]
DiagnoseConfig = Annotated[Path | None, config_flag("its options")]
SeriesId = Annotated[
    str | None,
    typer.Option("--id", help="Panels: the full report of this one series.", rich_help_panel=PANEL),
]

# the report's CSV always has its header; diagnose writes no --output DIR
COMMON = o.COMMON.without("no_header", "success_file")


@o.with_groups
def diagnose(
    data: o.DataArg,
    lags: Lags = None,
    acf_method: AcfMethod = AcfChoice.standard,
    pacf_method: PacfMethod = PacfChoice.ywm,
    alpha: Alpha = 0.05,
    trend: Trend = TrendChoice.c,
    adf_lags: AdfLags = None,
    tests: Tests = None,
    period: Period = None,
    log: Log = False,
    diff: Diff = 0,
    plot: Plot = None,
    series_id: SeriesId = None,
    config: DiagnoseConfig = None,
    execution: o.Execution = o.EXECUTION,
    reading: o.Reading = o.READING,
    common: o.Common = COMMON,
) -> None:
    """Diagnose a series: ACF/PACF, Ljung-Box, ADF/KPSS/PP/ZA/DF-GLS, differencing, seasonality.

    On a panel: one summary row per series (n, span, suggested d and D, period and strength,
    ADF and KPSS verdicts); --id X gives the full report of series X."""
    args = SimpleNamespace(**locals())  # the options, before anything else is named here
    from forecast.cli.render import notifier
    from forecast.workflows import diagnose as workflow

    result = workflow.run(_request(args), notifier(common.quiet))
    if isinstance(result, workflow.PanelDiagnosis):
        _render_panel(result, common.fmt, common.quiet)
    else:
        _render_single(result, plot, common.fmt, common.quiet)


def _request(a: SimpleNamespace) -> DiagnoseRequest:
    """The options as a :class:`~forecast.workflows.diagnose.DiagnoseRequest`, the outputs
    checked before anything is read."""
    from dataclasses import replace

    from forecast.cli.render import progress_allowed
    from forecast.diagnostics.diagnose import DiagnoseOptions
    from forecast.diagnostics.stationarity import parse_test_names
    from forecast.io.paths import refuse_overlap
    from forecast.threads import resolve
    from forecast.workflows.diagnose import DiagnoseRequest

    refuse_overlap(
        {"DATA": a.data, "--ids-file": a.reading.ids_file, "--config": a.config},
        {"--plot": a.plot},
    )
    _refuse_model_keys(a.config)
    policy = resolve(a.common.threads)
    chosen_tests = parse_test_names(a.tests) if a.tests is not None else None
    if a.plot is not None:
        from forecast.cli.validate import check_output
        from forecast.report.plots import image_format

        image_format(a.plot)
        check_output(a.plot)  # a directory or device is refused before any work
    options = DiagnoseOptions(
        lags=a.lags,
        acf_method=a.acf_method.value,
        pacf_method=a.pacf_method.value,
        alpha=a.alpha,
        trend=a.trend.value,
        adf_lags=a.adf_lags,
        period=a.period,
        log=a.log,
        diff=a.diff,
        tests=chosen_tests,
    )
    reading = a.reading
    if a.series_id is not None:  # --id names the one series: --ids/--ids-file not read
        reading = replace(reading, ids=None, ids_file=None)
    source = reading.source(a.data, a.execution)
    if a.series_id is not None:
        source = replace(source, ids=(a.series_id,))
    return DiagnoseRequest(
        source,
        options,
        series_id=a.series_id,
        plot=a.plot is not None,
        threads=policy,
        progress=progress_allowed(a.common.quiet),
    )


def _render_single(
    result: SingleDiagnosis, plot: Path | None, fmt: FormatChoice, quiet: bool
) -> None:
    """The plot (``--plot``), then the report on stdout."""
    from forecast.cli.render import emit, message

    if plot is not None:
        from forecast.io.atomic import atomic_write_bytes
        from forecast.report.plots import diagnosis_figure, figure_bytes, image_format

        figure = figure_bytes(diagnosis_figure(result.diagnosis), image_format(plot))
        atomic_write_bytes(plot, figure)
        message(f"wrote {plot}", quiet)
    tables = []
    if fmt is FormatChoice.table:
        from forecast.report.diagnose_tables import diagnosis_tables

        tables = diagnosis_tables(result.diagnosis)
    emit(
        fmt.value,
        document=result.to_dict(),
        csv_header=("section", "item", "statistic", "value"),
        csv_rows=result.diagnosis.to_rows(),
        tables=tables,
        quiet=quiet,
    )


def _render_panel(result: PanelDiagnosis, fmt: FormatChoice, quiet: bool) -> None:
    """One row per series; exit 1 when a series could not be loaded or diagnosed."""
    from forecast.cli.render import emit
    from forecast.diagnostics.panel_summary import SUMMARY_COLUMNS

    tables = []
    if fmt is FormatChoice.table:
        from forecast.report.diagnose_tables import panel_summary_table

        tables = [panel_summary_table(result.rows, result.alpha)]
    emit(
        fmt.value,
        document=result.to_dict(),
        csv_header=SUMMARY_COLUMNS,
        csv_rows=result.csv_rows(),
        tables=tables,
        quiet=quiet,
    )
    if result.failures:
        from forecast.cli.render import exit_failed

        exit_failed(result.failures, quiet)


def _refuse_model_keys(path: Path | None) -> None:
    """``--config``: diagnose fits no model; model, params, horizon and levels are refused."""
    from forecast.cli.config_file import file_config
    from forecast.errors import UsageError

    cfg = file_config(path)  # its option keys: checked and applied by apply_config
    if cfg.model is not None or cfg.models or cfg.params or cfg.horizon or cfg.levels:
        raise UsageError(
            f"config file {path}: diagnose fits no model; drop model, models, params, horizon "
            "and levels"
        )
