"""`forecast diagnose DATA`: correlogram, Ljung-Box, unit-root tests, differencing, seasonality."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forecast.cli import options as o
from forecast.types import AcfChoice, FormatChoice, MissingChoice, PacfChoice, TrendChoice

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
    """Diagnose a series: ACF/PACF, Ljung-Box, ADF/KPSS/PP/ZA/DF-GLS, differencing, seasonality."""
    from forecast.cli.render import emit, message
    from forecast.diagnostics.diagnose import MIN_OBS, DiagnoseOptions, diagnose_series
    from forecast.io.atomic import atomic_write_bytes
    from forecast.threads import limited, resolve

    policy = resolve(threads)

    plot_format = None
    if plot is not None:
        from forecast.report.plots import image_format

        plot_format = image_format(plot)
    series = o.load(
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
    )
    with limited(policy):
        result = diagnose_series(
            series,
            DiagnoseOptions(
                lags=lags,
                acf_method=acf_method.value,
                pacf_method=pacf_method.value,
                alpha=alpha,
                trend=trend.value,
                adf_lags=adf_lags,
                period=period,
                log=log,
                diff=diff,
            ),
        )
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
