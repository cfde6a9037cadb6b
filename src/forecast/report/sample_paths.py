"""``--samples N --samples-output FILE.parquet``: every forecast's simulated paths, long, as
they stream: ``id, model, timestamp, sample, value`` (one row per series, model, step and
path), one row group per batch of series, written atomically (the file appears when the run
completes). The paths come from :func:`forecast.models.paths.sample_paths` (the method per
model is in the run's JSON ``path_method`` of each forecast)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from forecast.fitting.panel import SeriesOutcome

GROUP_ROWS = 1_000_000  # rows per Parquet row group


def path_columns(outcome: SeriesOutcome) -> dict[str, Any] | None:
    """The outcome's paths as columns ``id, model, timestamp, sample, value`` (one row per step
    and path, sample by sample), or None when it has none (or repeats another model's rows)."""
    fc = outcome.forecast
    if fc is None or fc.paths is None or outcome.repeat:
        return None
    n, h = fc.paths.shape
    return {
        "id": [outcome.id] * (n * h),
        "model": [outcome.row_model] * (n * h),
        "timestamp": np.tile(fc.index.as_unit("ns").asi8, n).astype("datetime64[ns]"),
        "sample": np.repeat(np.arange(n, dtype=np.int32), h),
        "value": fc.paths.ravel(),
    }


class SamplesWriter:
    """The paths of each outcome, appended as they come."""

    def __init__(self, path: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.schema = pa.schema(
            [("id", pa.string()), ("model", pa.string()), ("timestamp", pa.timestamp("ns")),
             ("sample", pa.int32()), ("value", pa.float64())]
        )  # fmt: skip
        self.writer = pq.ParquetWriter(str(path), self.schema)
        self.pending: list[dict[str, Any]] = []
        self.rows = 0

    def write(self, outcome: SeriesOutcome) -> None:
        columns = path_columns(outcome)
        if columns is None:
            return
        self.pending.append(columns)
        self.rows += len(columns["value"])
        if self.rows >= GROUP_ROWS:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa

        if not self.pending:
            return
        columns = {
            name: np.concatenate([np.asarray(p[name]) for p in self.pending])
            for name in self.schema.names
        }
        self.writer.write_table(pa.table(columns, schema=self.schema))
        self.pending, self.rows = [], 0

    def close(self) -> None:
        self.flush()
        self.writer.close()


@contextmanager
def samples_output(path: Path) -> Iterator[SamplesWriter]:
    """The writer of ``--samples-output``: the file appears only when the block completes."""
    from forecast.io.atomic import atomic_path

    with atomic_path(path) as tmp:
        writer = SamplesWriter(tmp)
        try:
            yield writer
        finally:
            writer.close()


def watched(outcomes: Iterable[SeriesOutcome], writer: SamplesWriter) -> Iterator[SeriesOutcome]:
    """``outcomes``, each one's paths written on its way."""
    for outcome in outcomes:
        writer.write(outcome)
        yield outcome
