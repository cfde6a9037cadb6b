"""Reading data: CSV (a file or stdin) and Parquet, one series or a panel of many.

:func:`load` is the way data enters the tool; it returns a :class:`Panel`, and one series is a
panel of one. :func:`load_series` reads a whole file as exactly one series (model updates, tests).
Every refusal is an :class:`~forecast.errors.InputError` with a one-line message naming the
problem, where it is, and the option or fix that resolves it; in a panel, a series that breaks a
rule is left out and listed in ``Panel.failures`` instead.

Modules: ``text`` (bytes, encoding, delimiter, header), ``values`` (numbers and timestamps),
``columns`` (which column is what), ``table`` (the rows of CSV, Parquet or wide input),
``csv_arrow`` (CSV rows read by pyarrow when it reads them as pandas would), ``csv_stream``
(a large CSV streamed to pyarrow, its byte rules checked block by block), ``csv_blocks`` (a
streamed panel CSV parsed piece by piece and made compact as it comes), ``grid``
(frequency, gaps, missing values), ``series`` (one series), ``panel`` (many) and
``panel_arrays`` (its array work), ``parquet``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from forecast.data.grid import future_index
from forecast.data.panel import Panel, SeriesFailure
from forecast.data.series import SeriesData, check_missing, load_series
from forecast.data.table import Table
from forecast.types import MinLength, MissingPolicy

__all__ = [
    "Panel",
    "SeriesData",
    "SeriesFailure",
    "Table",
    "from_table",
    "future_index",
    "load",
    "load_series",
]


def load(
    source: str,
    *,
    id_col: str | None = None,
    time_col: str | None = None,
    value_col: str | None = None,
    freq: str | None = None,
    missing: MissingPolicy = "error",
    min_length: MinLength = 2,
    purpose: str = "this command",
    time_format: str | None = None,
    encoding: str | None = None,
    stdin: io.BufferedIOBase | None = None,
    allow_constant: bool = False,
    ids: Sequence[str] | None = None,
    wide: bool = False,
    single: bool = False,
    allow_empty: bool = False,
) -> Panel:
    """Read and validate one series or a panel.

    Parameters are those of :func:`load_series`, and:

    id_col
        The column naming the series (long format); ``None`` detects one (see
        :mod:`forecast.data.columns`). Without an id column the file is one series.
    ids
        Only these series (an unknown id is a usage error).
    wide
        The time column plus one numeric column per series.
    single
        Read the whole file as one series (never look for an id column).
    allow_empty
        A panel whose every series is refused is returned (with its failures), not an error
        (one part file of a directory read by a worker).
    """
    from forecast.data.read import read_table

    check_missing(missing)
    table = read_table(
        source,
        time_col=time_col,
        value_col=value_col,
        id_col=id_col,
        encoding=encoding,
        stdin=stdin,
        wide=wide,
        single=single,
    )
    return from_table(
        table,
        freq=freq,
        missing=missing,
        min_length=min_length,
        purpose=purpose,
        time_format=time_format,
        allow_constant=allow_constant,
        ids=ids,
        allow_empty=allow_empty,
    )


def from_table(
    table: Table,
    *,
    freq: str | None = None,
    missing: MissingPolicy = "error",
    min_length: MinLength = 2,
    purpose: str = "this command",
    time_format: str | None = None,
    allow_constant: bool = False,
    ids: Sequence[str] | None = None,
    allow_empty: bool = False,
) -> Panel:
    """Validate the rows of a :class:`~forecast.data.table.Table` (a file's, or a DataFrame's)
    as one series (no id column) or a panel; the options are :func:`load`'s."""
    from forecast.data.panel import panel_from_table
    from forecast.data.series import series_from_table
    from forecast.errors import UsageError

    check_missing(missing)
    if table.columns.id is None:
        if ids is not None:
            raise UsageError(
                f"--ids selects series of a panel, but {table.label} has no id column; "
                "pass --id-col NAME"
            )
        series = series_from_table(
            table, freq, missing, min_length, purpose, time_format, allow_constant
        )
        return Panel.of(series)
    return panel_from_table(
        table,
        freq=freq,
        missing=missing,
        min_length=min_length,
        purpose=purpose,
        time_format=time_format,
        allow_constant=allow_constant,
        ids=ids,
        allow_empty=allow_empty,
    )
