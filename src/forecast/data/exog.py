"""Exogenous regressors (known future covariates): read, validate and align them.

The covariates ride along in the same file as the series (``--exog price,promo`` names the
columns; ``--exog auto`` takes every other numeric column). Their future values, the horizon's
rows, come from a second file with the same time (and id) columns (``--future FILE``).

The series itself is read by :func:`forecast.data.load`; this module reads the covariate
columns of the same source and aligns them on each series' timestamps, so every row a series
keeps must have a finite value for every covariate (one-line error otherwise, naming the
column and the first timestamp without a value).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.errors import InputError, UsageError

AUTO = "auto"


@dataclass(frozen=True)
class Covariates:
    """Covariate columns of a file: float64, indexed by timestamp, or (id, timestamp) for a
    panel."""

    frame: pd.DataFrame
    names: tuple[str, ...]
    label: str
    id_col: str | None

    def for_series(self, series_id: str | None) -> pd.DataFrame:
        if self.id_col is None or series_id is None:
            return self.frame
        try:
            part = self.frame.xs(series_id, level=0)
        except KeyError:
            return self.frame.iloc[:0].droplevel(0)
        assert isinstance(part, pd.DataFrame)
        return part

    def training(
        self,
        index: pd.DatetimeIndex,
        series_id: str | None = None,
        names: Sequence[str] | None = None,
        constant_ok: bool = False,
    ) -> pd.DataFrame:
        """The covariates at every timestamp of a series; a missing or empty value raises, and
        so does a constant covariate unless ``constant_ok`` (new rows for an update: a few rows
        may well repeat a value)."""
        part = self.for_series(series_id)
        got = part.reindex(index)[list(names if names is not None else self.names)]
        _refuse_gaps(
            got,
            lambda column, stamp: (
                f"{self.label}: covariate {column!r} has no value at {stamp}{_of(series_id)}; "
                "regressors must be known at every training timestamp (fill them in the file)"
            ),
        )
        if not constant_ok:
            _refuse_constant(got, self.label, series_id)
        return got

    def future(
        self,
        last: pd.Timestamp,
        freq: str,
        horizon: int,
        series_id: str | None = None,
        names: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The ``horizon`` rows after ``last``; a missing row or value raises, naming the
        first timestamp without one."""
        from forecast.data.grid import future_index

        wanted = list(names if names is not None else self.names)
        lacking = [c for c in wanted if c not in self.frame.columns]
        if lacking:
            raise InputError(
                f"--future {self.label} lacks the covariate column {lacking[0]!r}; it needs "
                f"{', '.join(wanted)} (columns: {list(self.frame.columns)})"
            )
        index = future_index(last, freq, horizon)
        part = self.for_series(series_id)
        absent = ~index.isin(part.index)
        if absent.any():
            first = index[int(np.argmax(absent))]
            raise InputError(
                f"--future {self.label} has no row for {stamp_text(first)}{_of(series_id)}; it "
                f"needs the {horizon} timestamps after {stamp_text(last)} "
                f"({stamp_text(index[0])} .. {stamp_text(index[-1])})"
            )
        got = part.reindex(index)[wanted]
        _refuse_gaps(
            got,
            lambda column, stamp: (
                f"--future {self.label}: covariate {column!r} is empty at {stamp}"
                f"{_of(series_id)}; give every covariate a value at each future timestamp"
            ),
        )
        return got


def stamp_text(stamp: pd.Timestamp) -> str:
    """2020-03-01 for a midnight, the full ISO form otherwise."""
    stamp = pd.Timestamp(stamp)
    return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()


def _of(series_id: str | None) -> str:
    return f" (series {series_id!r})" if series_id is not None else ""


def _refuse_gaps(frame: pd.DataFrame, message: object) -> None:
    values = frame.to_numpy(dtype="float64")
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.argmax(bad.any(axis=1)))
        col = int(np.argmax(bad[row]))
        stamp = stamp_text(frame.index[row])
        raise InputError(message(frame.columns[col], stamp))  # type: ignore[operator]


def _refuse_constant(frame: pd.DataFrame, label: str, series_id: str | None) -> None:
    """A regressor with one value over the training rows is the intercept again: the fit cannot
    tell the two apart (statsmodels refuses it, or returns a coefficient with no meaning)."""
    if len(frame) < 2:
        return
    values = frame.to_numpy(dtype="float64")
    flat = np.ptp(values, axis=0) == 0
    if flat.any():
        i = int(np.argmax(flat))
        raise InputError(
            f"{label}: covariate {frame.columns[i]!r} is constant (every value is "
            f"{values[0, i]:g}){_of(series_id)}; a constant regressor cannot be told apart from "
            "the model's intercept: drop it from --exog"
        )


def parse_exog_option(value: str | None) -> tuple[str, ...] | None:
    """``--exog a,b`` -> ("a", "b"); ``--exog auto`` -> ("auto",); None stays None."""
    if value is None:
        return None
    names = tuple(part.strip() for part in value.split(",") if part.strip())
    if not names:
        raise UsageError("--exog needs column names (--exog price,promo) or 'auto'")
    if AUTO in names and len(names) > 1:
        raise UsageError("--exog auto takes every other numeric column; do not list names too")
    if len(set(names)) != len(names):
        raise UsageError(f"--exog names a column twice: {','.join(names)}")
    return names


def value_column(
    source: str | pd.DataFrame,
    names: Sequence[str],
    *,
    time_col: str | None,
    id_col: str | None,
    encoding: str | None,
) -> str | None:
    """The value column the loader would choose once the regressor columns ``names`` are set
    aside (None for ``--exog auto``: the loader's own rule, which prefers y/target/value)."""
    from forecast.data.columns import choose_columns
    from forecast.data.parquet import is_parquet

    if tuple(names) == (AUTO,):
        return None
    label = "<frame>" if isinstance(source, pd.DataFrame) else source
    if isinstance(source, pd.DataFrame):
        from forecast.data.table import as_text
        from forecast.data.values import SAMPLE_ROWS

        head = source.reset_index(drop=True).iloc[:SAMPLE_ROWS]
        head.columns = [str(c) for c in head.columns]
        sample = as_text(head)
    elif is_parquet(source):
        from forecast.data.parquet import dataset_head
        from forecast.data.table import as_text

        sample = as_text(dataset_head(source))
    else:
        from forecast.data.text import decode, read_bytes, read_sample, sniff_delimiter

        text = decode(read_bytes(source, None), source, encoding)
        _, sample = read_sample(text, sniff_delimiter(text, source), source)
    sample.columns = [str(c) for c in sample.columns]
    for name in names:
        if name not in sample.columns:
            raise UsageError(
                f"--exog {name!r} is not a column of {label}; columns: {list(sample.columns)}"
            )
    kept = sample.drop(columns=list(names))
    return choose_columns(kept, time_col, None, label, id_col, single=id_col is None).value


def read_covariates(
    source: str | pd.DataFrame,
    names: Sequence[str],
    *,
    time_col: str,
    id_col: str | None = None,
    exclude: Sequence[str] = (),
    time_format: str | None = None,
    encoding: str | None = None,
    option: str = "--exog",
    future: bool = False,
) -> Covariates:
    """The covariate columns ``names`` (or every other numeric column for ``("auto",)``) of a
    CSV or Parquet file, with the time (and id) columns the series was read with."""
    raw, line_offset = _read_raw(source, encoding)
    if isinstance(source, pd.DataFrame):
        label = "<frame>"
    else:
        label = "<stdin>" if source == "-" else source
    columns = [str(c) for c in raw.columns]
    raw.columns = columns
    for option_name, col in (("--time-col", time_col), ("--id-col", id_col)):
        if col is not None and col not in columns:
            raise InputError(
                f"{label} has no column {col!r} ({option_name} of the data); columns: {columns}"
            )
    keys = {time_col, id_col, *exclude}
    if tuple(names) == (AUTO,):
        chosen = [c for c in columns if c not in keys and _numeric(raw[c])]
        if not chosen:
            raise UsageError(
                f"--exog auto: {label} has no numeric column besides the time, id and value "
                f"columns (columns: {columns})"
            )
    else:
        chosen = list(names)
        for name in chosen:
            if name in keys and name not in exclude:
                raise UsageError(f"{option} {name!r} is the time or id column, not a regressor")
            if name in exclude:
                raise UsageError(
                    f"{option} {name!r} is the value column; a regressor is another column"
                )
            if name not in columns:
                if future:
                    raise InputError(
                        f"--future {label} lacks the covariate column {name!r}; it needs "
                        f"{', '.join(chosen)} (columns: {columns})"
                    )
                raise UsageError(
                    f"{option} {name!r} is not a column of {label}; columns: {columns}"
                )
    notes: list[str] = []
    from forecast.data.values import parse_timestamps

    stamps = parse_timestamps(raw[time_col], time_col, time_format, line_offset, notes)
    data = {name: _numbers(raw[name], name, label, line_offset) for name in chosen}
    frame = pd.DataFrame(data, index=stamps)
    if id_col is not None:
        ids = raw[id_col].astype(object).map(lambda v: None if pd.isna(v) else str(v))
        frame.index = pd.MultiIndex.from_arrays([ids.to_numpy(), stamps], names=["id", "time"])
    else:
        frame.index.name = "time"
    duplicated = frame.index.duplicated()
    if duplicated.any():
        i = int(np.argmax(duplicated))
        raise InputError(
            f"{label}: line {i + line_offset} repeats the timestamp of an earlier row; one row "
            "per timestamp (and series)"
        )
    return Covariates(frame.sort_index(), tuple(chosen), label, id_col)


def _read_raw(source: str | pd.DataFrame, encoding: str | None) -> tuple[pd.DataFrame, int]:
    from forecast.data.parquet import is_parquet

    if isinstance(source, pd.DataFrame):
        return source.reset_index(drop=True), 0
    if is_parquet(source):
        from forecast.data.parquet import read_parquet_frame

        return read_parquet_frame(source).reset_index(drop=True), 0
    from forecast.data.text import decode, read_bytes, read_csv, sniff_delimiter

    label = "<stdin>" if source == "-" else source
    text = decode(read_bytes(source, None), label, encoding)
    delimiter = sniff_delimiter(text, label)
    frame = read_csv(text, label, sep=delimiter, dtype=str, keep_default_na=False, na_values=[""])
    return frame, 2


def _numeric(column: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return True
    values = column.dropna()
    if values.empty:
        return False
    parsed = pd.to_numeric(values.astype(str).str.strip(), errors="coerce")
    return bool(parsed.notna().all())


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return None if text.lower() in ("", "nan", "na", "null") else text


def _numbers(column: pd.Series, name: str, label: str, line_offset: int) -> np.ndarray:
    """The covariate's values as float64 (empty is NaN), within the data's value limit."""
    from forecast.data.values import MAX_MAGNITUDE

    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        values = column.to_numpy(dtype="float64")
        shown = column.astype(object)
    else:
        shown = column.astype(object).map(_text)
        values = pd.to_numeric(shown, errors="coerce").to_numpy(dtype="float64")
        bad = np.isnan(values) & shown.notna().to_numpy(dtype=bool)
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(
                f"{label}: line {i + line_offset}: covariate {name!r} has {shown.iloc[i]!r}, not "
                "a number; regressors are numeric (encode flags and categories as 0/1 columns)"
            )
    with np.errstate(invalid="ignore"):
        huge = np.abs(values) > MAX_MAGNITUDE  # inf too: a regressor needs a finite value
    if huge.any():
        i = int(np.argmax(huge))
        raise InputError(
            f"{label}: line {i + line_offset}: covariate {name!r} has {shown.iloc[i]!r}, beyond "
            f"the value limit of {MAX_MAGNITUDE:g} (products and squares overflow); rescale the "
            "column, e.g. divide it by a power of ten"
        )
    return values
