"""Options shared by the commands, as annotated types, and the loader call they feed."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Annotated

import typer

from forecast.types import FormatChoice, MissingChoice

if TYPE_CHECKING:
    from forecast.data import SeriesData

# The arguments of this run (main() sets them), for reports that print their own command.
INVOCATION: ContextVar[tuple[str, ...]] = ContextVar("forecast_invocation", default=())

DATA_PANEL = "Input data"
OUTPUT_PANEL = "Output"

DataArg = Annotated[
    str,
    typer.Argument(metavar="DATA", help="CSV file with a time and a value column, or - for stdin."),
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
        help="strftime format of the timestamps, e.g. %d/%m/%Y (default: inferred).",
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


def load(
    data: str,
    *,
    time_col: str | None,
    value_col: str | None,
    freq: str | None,
    missing: MissingChoice,
    time_format: str | None,
    encoding: str | None,
    min_length: int,
    purpose: str,
    quiet: bool,
    freq_default: str | None = None,
    allow_constant: bool = False,
) -> SeriesData:
    """Load the series the shared options describe and print the loader's notes on stderr."""
    from forecast.cli.render import warn_all
    from forecast.data import load_series

    series = load_series(
        data,
        time_col=time_col,
        value_col=value_col,
        freq=freq or freq_default,
        missing=missing.value,
        time_format=time_format,
        encoding=encoding,
        min_length=min_length,
        purpose=purpose,
        allow_constant=allow_constant,
    )
    warn_all(series.notes, quiet)
    return series
