"""The vectorised panel path: a model forecast for whole blocks of series at once.

For a model with a batch function (:data:`BATCH_MODELS`, the interface of
:mod:`forecast.models.batch`), the series of a loaded panel are not built one by one: the
panel's contiguous arrays are cut into blocks of equal length (a gather, no pandas object per
series), each block is forecast by array operations, and the future timestamps are generated
once per distinct last timestamp. What comes out is a :class:`ForecastBlock` per run of
consecutive series (in id order) instead of one :class:`~forecast.fitting.panel.SeriesOutcome`
each.

A series the block functions do not settle goes through the per-series path
(:func:`~forecast.fitting.panel.fit_one`, with its notes, errors and ``--fallback``), so the
vectorised path never changes what a series gets: off the grid (``--missing drop``), with a
loader note, a missing value, a constant series, one the automatic floor notes, or a row the
model's batch function leaves (one the model refuses). Their outcomes come in their place in
id order.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from forecast.data import Panel
    from forecast.execution import Executor
    from forecast.fitting.panel import FitSpec, SeriesOutcome
    from forecast.models.batch import BatchForecast, BatchFunction

BATCH_MODELS: dict[str, str] = {
    "naive": "forecast.models.baselines:naive_batch",
    "snaive": "forecast.models.baselines:snaive_batch",
    "drift": "forecast.models.baselines:drift_batch",
    "mean": "forecast.models.baselines:mean_batch",
    "theta": "forecast.models.theta_batch:theta_batch",
    "window-average": "forecast.models.window_models:window_average_batch",
    "seasonal-window-average": "forecast.models.window_models:seasonal_window_average_batch",
    "ses": "forecast.models.window_models:ses_batch",
    **{
        name: f"forecast.models.intermittent_batch:INTERMITTENT_BATCH[{name}]"
        for name in ("croston", "tsb", "adida", "imapa")
    },
}
"""Models with a batch function, by registry name: ``module:function`` (or
``module:TABLE[name]``, an entry of a table of them)."""

CHUNK_SERIES = 20_000  # series per chunk: one chunk's blocks and per-series fits at a time


@dataclass(frozen=True)
class ForecastBlock:
    """Consecutive series' forecasts by one model: ``ids`` ``[k]``, the rows' ``model``,
    ``stamps`` ``[k, horizon]`` (int64 nanoseconds), ``mean`` ``[k, horizon]`` and
    ``lower``/``upper`` ``[k, levels, horizon]`` in the order of ``levels``."""

    ids: Sequence[str]
    model: str
    levels: tuple[float, ...]
    stamps: np.ndarray
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self, start: int, stop: int) -> ForecastBlock:
        """The block of its series ``start:stop``."""
        from dataclasses import replace

        cut = slice(start, stop)
        return replace(self, ids=self.ids[cut], stamps=self.stamps[cut], mean=self.mean[cut],
                       lower=self.lower[cut], upper=self.upper[cut])  # fmt: skip


def batch_function(model: str) -> BatchFunction | None:
    """The batch function of ``model``, or None."""
    target = BATCH_MODELS.get(model)
    if target is None:
        return None
    module, name = target.split(":")
    table, _, entry = name.partition("[")
    found = getattr(importlib.import_module(module), table)
    function: BatchFunction = found[entry.rstrip("]")] if entry else found
    return function


def can_batch(spec: FitSpec) -> bool:
    """Whether a run of ``spec`` may take the vectorised path: a model with a batch function,
    its own intervals, no regressors, no quantiles or sample paths, no fitted models kept
    (``--save``: the model file holds each series' model)."""
    return (
        spec.model in BATCH_MODELS
        and spec.intervals == "model"
        and spec.exog is None
        and not spec.draws.probs
        and not spec.draws.samples
        and not spec.keep_models
    )


def batched_outcomes(
    panel: Panel, spec: FitSpec, executor: Executor
) -> Iterator[SeriesOutcome | ForecastBlock]:
    """Every series of ``panel`` forecast by ``spec`` (see the module doc), in id order: a
    :class:`ForecastBlock` per run of series the batch function settled, the per-series
    outcome (mapped by ``executor``) of each of the others."""
    from forecast.fitting.panel import fit_one

    function = batch_function(spec.model)
    assert function is not None
    for start in range(0, len(panel), CHUNK_SERIES):
        positions = np.arange(start, min(start + CHUNK_SERIES, len(panel)))
        forecast = _chunk(panel, positions, spec, function)
        left = positions[~forecast.ok]
        singles = iter(executor.map(fit_one, [(panel[int(i)], spec) for i in left]))
        for run, settled in _runs(forecast.ok):
            if settled:
                yield _block(panel, positions[run], spec, forecast, run)
            else:
                yield from (next(singles) for _ in run)


def _runs(ok: np.ndarray) -> Iterator[tuple[np.ndarray, bool]]:
    """The positions of each run of equal ``ok`` values, and the value."""
    edges = np.flatnonzero(np.diff(ok.astype(np.int8))) + 1
    for run in np.split(np.arange(ok.size), edges):
        if run.size:
            yield run, bool(ok[run[0]])


def _chunk(
    panel: Panel, positions: np.ndarray, spec: FitSpec, function: BatchFunction
) -> BatchForecast:
    """The batch forecasts of the series at ``positions`` (rows in their order); ``ok``: the
    rows they settled."""
    from forecast.models.batch import BatchForecast

    values, bounds, _ = panel.arrays()
    out = BatchForecast.empty(positions.size, spec.horizon, len(spec.levels))
    starts, lengths = bounds[positions], bounds[positions + 1] - bounds[positions]
    plain = panel.regular[positions] & np.array(
        [int(i) not in panel.series_notes for i in positions], bool
    )
    for length in np.unique(lengths[plain]):
        take = np.flatnonzero(plain & (lengths == length))
        block = values[starts[take, None] + np.arange(length)]
        usable = _usable(block, spec)
        if not usable.any():
            continue
        take, block = take[usable], np.ascontiguousarray(block[usable])
        found = _floored(function(block, spec.horizon, spec.levels, panel.freq, spec.params), spec)
        settled = found.settled()
        take = take[settled]
        out.mean[take] = found.mean[settled]
        out.lower[take], out.upper[take] = found.lower[settled], found.upper[settled]
        out.ok[take] = True
    return out


def _usable(block: np.ndarray, spec: FitSpec) -> np.ndarray:
    """The rows the vectorised path may forecast: plain (:func:`~forecast.models.batch.
    plain_rows`), and not floored automatically with a note
    (:func:`~forecast.fitting.series.choose_floor`)."""
    from forecast.fitting.series import INTERMITTENT_ZEROS, fixed_floor
    from forecast.models.batch import plain_rows

    usable = plain_rows(block)
    if fixed_floor(spec.model, spec.floor) is None:
        zeros = (block == 0).mean(axis=1)
        usable &= ~((zeros >= INTERMITTENT_ZEROS) & (block >= 0).all(axis=1))
    return usable


def _floored(found: BatchForecast, spec: FitSpec) -> BatchForecast:
    """The floor every forecast of the model gets (``--floor``, or 0 for the intermittent
    family), as :func:`~forecast.fitting.series.finish_forecast` applies it."""
    from dataclasses import replace

    from forecast.fitting.series import fixed_floor

    floor = fixed_floor(spec.model, spec.floor)
    if floor is None:
        return found
    return replace(
        found,
        mean=np.maximum(found.mean, floor),
        lower=np.maximum(found.lower, floor),
        upper=np.maximum(found.upper, floor),
    )


def _block(
    panel: Panel, positions: np.ndarray, spec: FitSpec, forecast: BatchForecast, rows: np.ndarray
) -> ForecastBlock:
    _, bounds, stamps = panel.arrays()
    last = stamps[bounds[positions + 1] - 1]
    return ForecastBlock(
        ids=[panel.ids[int(i)] for i in positions],
        model=spec.name,
        levels=spec.levels,
        stamps=future_stamps(last, panel.freq, spec.horizon),
        mean=forecast.mean[rows],
        lower=forecast.lower[rows],
        upper=forecast.upper[rows],
    )


def future_stamps(last: np.ndarray, freq: str, horizon: int) -> np.ndarray:
    """``[k, horizon]`` int64 nanoseconds: the ``horizon`` timestamps after each of ``last``
    on the ``freq`` grid (:func:`~forecast.data.future_index`, once per distinct value)."""
    import pandas as pd

    from forecast.data import future_index

    distinct, inverse = np.unique(last, return_inverse=True)
    grid = np.stack(
        [future_index(pd.Timestamp(int(t)), freq, horizon).as_unit("ns").asi8 for t in distinct]
    )
    return grid[inverse.reshape(-1)]
