"""A block of series' overall metrics scored at once, from the batch forecasts of their folds.

When a panel backtest keeps each series' overall metrics only (the CLI: ``detail=False``) and
every job of a block of equal-length series was settled by batch calls
(:mod:`forecast.backtesting.batched`), the per-series run (its splits,
:func:`~forecast.backtesting.scoring.compute`, a :class:`~forecast.backtesting.result.
BacktestResult` each) is replaced by array operations over the stacked errors ``[series,
origins, steps]``: the same metrics as :func:`~forecast.backtesting.scoring.compute` with
``axis=None``, each a mean over one series' ``origins x steps`` points taken along the last
axis of a C-contiguous ``[series, origins * steps]`` array (the same summation as the
per-series flat mean, so the same numbers). What a series keeps is a row of a
:class:`BlockScores`; its full result, asked for by an output that reads forecasts
(``--forecasts``, ``--ci``, ``--compare``, the report's drawn series), is rebuilt on demand by
the per-series run with the same batch forecasts (:meth:`SummarisedSeries.result`).

A block is left to the per-series run when the season period depends on the data (no
``--period`` and a calendar cycle that does not fit the first half), when a model is scored
on fewer folds than another, or, row by row, when a forecast is not finite or a band's bounds
cross (the per-series run then reports what it reports).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from forecast.backtesting.series_backtest import SeriesBacktest
from forecast.backtesting.splitters import runs
from forecast.models.base import level_label

if TYPE_CHECKING:
    from forecast.backtesting.batch_calls import BlockCalls
    from forecast.backtesting.engine import ModelEntry
    from forecast.backtesting.result import BacktestResult
    from forecast.backtesting.runner import BacktestSpec
    from forecast.data import Panel


@dataclass(frozen=True)
class BlockScores:
    """Overall metrics of a block's series: ``values[row, model, metric]`` (models in
    ``labels`` order, metrics in ``names`` order, as :func:`~forecast.backtesting.scoring.
    compute` orders them), and what the per-series result of a row is rebuilt from."""

    labels: tuple[str, ...]
    names: tuple[str, ...]
    values: np.ndarray
    folds_scored: dict[str, int]
    notes: tuple[str, ...]
    panel: Panel
    positions: np.ndarray  # [rows] each row's position in the panel
    entries: tuple[ModelEntry, ...]
    spec: BacktestSpec

    def overall(self, row: int) -> dict[str, dict[str, float]]:
        """model -> metric -> value of ``row`` (as :meth:`SeriesBacktest.overall`)."""
        values = self.values[row].tolist()
        return {
            label: dict(zip(self.names, values[m], strict=True))
            for m, label in enumerate(self.labels)
        }

    def rebuild(self, row: int) -> BacktestResult:
        """The per-series result of ``row`` (its overall metrics only), with the jobs the batch
        functions forecast given, as the per-series run gets them."""
        from forecast.backtesting.batch_calls import given_jobs
        from forecast.backtesting.series_backtest import backtest_one

        position = int(self.positions[row])
        given = given_jobs(self.panel, np.array([position]), self.entries, self.spec)[0]
        task = (self.panel[position], list(self.entries), self.spec, None, 0, None, given)
        outcome = backtest_one(task, detail=False)
        if outcome.result is None:  # it scored here: the per-series run cannot fail
            raise RuntimeError(f"series {outcome.id}: {outcome.error}")
        return outcome.result


class SummarisedSeries(SeriesBacktest):
    """A series scored in a block: its overall metrics, folds and notes read from the block;
    its :class:`~forecast.backtesting.result.BacktestResult` built when an output asks for it."""

    block: BlockScores
    row: int

    def __new__(  # type: ignore[misc]
        cls,
        id: str,  # the dataclass field's name (dataclasses.replace passes it so)
        result: BacktestResult | None = None,
        error: str | None = None,
        *,
        block: BlockScores | None = None,
        row: int = 0,
    ) -> SeriesBacktest:
        """``SummarisedSeries(sid, block=..., row=...)``; without a block (what
        ``dataclasses.replace`` calls, e.g. a reconciled series given its new result), a plain
        :class:`SeriesBacktest` of what it is given."""
        if block is None:
            return SeriesBacktest(id, result, error)
        self = object.__new__(cls)
        for name, value in (("id", id), ("error", None), ("block", block), ("row", row)):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_built", None)
        return self

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # set up by __new__
        pass

    @property
    def result(self) -> BacktestResult:
        built = self.__dict__["_built"]
        if built is None:
            built = self.block.rebuild(self.row)
            object.__setattr__(self, "_built", built)
        return built

    @property
    def is_scored(self) -> bool:
        return True

    def block_row(self) -> tuple[BlockScores, int]:
        return self.block, self.row

    def overall(self) -> dict[str, dict[str, float]]:
        return self.block.overall(self.row)

    @property
    def folds_scored(self) -> dict[str, int]:
        return self.block.folds_scored

    @property
    def model_failures(self) -> list[dict[str, Any]]:
        return []

    @property
    def notes(self) -> list[str]:
        return list(self.block.notes)


def score_block(
    calls: BlockCalls,
    block: np.ndarray,
    context: tuple[Panel, np.ndarray, Sequence[ModelEntry], BacktestSpec],
) -> tuple[BlockScores, np.ndarray] | None:
    """The overall metrics of the rows of ``block`` ``[k, n]`` whose every job ``calls``
    settled, and those rows ``[k]`` (bool); None when the block is left to the per-series run
    (see the module doc). ``context``: the panel, the block rows' positions in it, the models
    and the spec."""
    panel, positions, entries, spec = context
    period = _period(block.shape[1], panel.freq, spec)
    labels = tuple(e.label for e in entries)
    mine = {label: [j for j, job in enumerate(calls.jobs) if job.entry.label == label]
            for label in labels}  # fmt: skip
    if period is None or any(j not in calls.found for j in range(len(calls.jobs))):
        return None
    counts = {label: len({calls.jobs[j].folds[0].index for j in js}) for label, js in mine.items()}
    if len(set(counts.values())) != 1 or not all(mine.values()):
        return None
    ok = np.logical_and.reduce([settled for _, settled in calls.found.values()])
    scales = _fold_scales(block, calls, period)
    stacks = [_stacked(calls, mine[label], block, spec, scales) for label in labels]
    for stacked in stacks:
        ok &= stacked.valid()
    if not ok.any():
        return None
    scored = [stacked.metrics(ok) for stacked in stacks]
    names = scored[0][0]
    notes = tuple(dict.fromkeys(job.note for job in calls.jobs if job.note))
    values = np.stack([v for _, v in scored], axis=1)  # [rows, models, metrics]
    scores = BlockScores(
        labels, names, values, counts, notes, panel, positions[ok], tuple(entries), spec
    )
    return scores, ok


def _period(n: int, freq: str | None, spec: BacktestSpec) -> int | None:
    """The MASE/RMSSE period of every series of length ``n`` when it does not depend on
    their values (:func:`~forecast.backtesting.runner.season_period`), else None."""
    from forecast.diagnostics.seasonality import calendar_period

    if spec.period is not None:
        return spec.period if 1 <= spec.period <= max(n // 2, 1) else None
    calendar = calendar_period(freq)
    return calendar if calendar and min(n, max(n // 2, 10)) > calendar else None


def _fold_scales(
    block: np.ndarray, calls: BlockCalls, period: int
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Each fold's MASE and RMSSE scales ``[k]`` of every row
    (:func:`~forecast.backtesting.scoring.fold_scales`, row by row)."""
    out = {}
    for fold in calls.folds:
        pieces = [
            block[:, start + period : end] - block[:, start : end - period]
            for start, end in runs(fold.train)
            if end - start > period
        ]
        if not pieces:
            nan = np.full(block.shape[0], np.nan)
            out[fold.index] = nan, nan
            continue
        d = np.concatenate(pieces, axis=1)
        out[fold.index] = np.mean(np.abs(d), axis=1), np.mean(d**2, axis=1)
    return out


@dataclass(frozen=True)
class _Stacked:
    """One model's forecasts of a block: ``actual``, ``mean`` ``[k, O, h]``, ``bands`` by
    level, ``scale``/``scale_sq`` ``[k, O]``."""

    actual: np.ndarray
    mean: np.ndarray
    bands: dict[float, tuple[np.ndarray, np.ndarray]]
    scale: np.ndarray
    scale_sq: np.ndarray

    def valid(self) -> np.ndarray:
        """``[k]`` rows the per-series metrics accept: finite forecasts, uncrossed bands."""
        ok = np.isfinite(self.mean).all(axis=(1, 2))
        for lo, hi in self.bands.values():
            ok &= np.isfinite(lo).all(axis=(1, 2)) & np.isfinite(hi).all(axis=(1, 2))
            ok &= ~(lo > hi).any(axis=(1, 2))
        return np.asarray(ok)

    def metrics(self, rows: np.ndarray | None = None) -> tuple[tuple[str, ...], np.ndarray]:
        """The metric names and their values ``[rows, metrics]`` for the ``rows`` (bool
        ``[k]``, all when None; rows :meth:`valid` accepts), by
        :mod:`forecast.backtesting.metrics` with ``axis=1`` on ``[rows, origins * steps]``
        (the MASE/RMSSE scales differ by origin: :func:`_scaled_mean`)."""
        from forecast.backtesting import metrics as m

        if rows is None:
            rows = np.ones(self.actual.shape[0], dtype=bool)
        k = int(rows.sum())  # every array C-contiguous: each row's points summed in the
        # order of the per-series flat mean (numpy sums a strided axis in another order)
        y, f = _flat(self.actual[rows], k), _flat(self.mean[rows], k)
        error = f - y
        out: dict[str, np.ndarray] = {
            "mae": np.asarray(m.mae(y, f, axis=1)),
            "rmse": np.asarray(m.rmse(y, f, axis=1)),
            "bias": np.asarray(m.bias(y, f, axis=1)),
            "mape": np.asarray(m.mape(y, f, axis=1)),
            "smape": np.asarray(m.smape(y, f, axis=1)),
            "mase": _scaled_mean(np.abs(error), self.scale[rows]),
            "rmsse": np.sqrt(_scaled_mean(error**2, self.scale_sq[rows])),
        }
        for level, (lo3, hi3) in sorted(self.bands.items()):
            lo, hi = _flat(lo3[rows], k), _flat(hi3[rows], k)
            out[f"coverage_{level_label(level)}"] = np.asarray(m.coverage(y, lo, hi, axis=1))
            out[f"winkler_{level_label(level)}"] = np.asarray(m.winkler(y, lo, hi, level, axis=1))
        return tuple(out), np.stack(list(out.values()), axis=1)


def _flat(values: np.ndarray, k: int) -> np.ndarray:
    """``[k, origins, steps]`` as a C-contiguous ``[k, origins * steps]``."""
    return np.ascontiguousarray(values.reshape(k, -1))


def _scaled_mean(values: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Each row's mean of ``values`` ``[k, O * h]`` over its origins' ``scale`` ``[k, O]``;
    nan where a scale is unknown or 0 (:func:`forecast.backtesting.scoring._scaled` and
    :func:`forecast.backtesting.metrics._scaled_mean`)."""
    k, origins = scale.shape
    s = scale[:, :, None]
    shaped = values.reshape(k, origins, -1)
    ratio = np.where(s > 0, shaped / np.where(s > 0, s, 1), np.nan).reshape(k, -1)
    known = np.isfinite(scale).all(axis=1) & (scale != 0).all(axis=1)
    return np.where(known, np.mean(ratio, axis=1), np.nan)


def _stacked(
    calls: BlockCalls,
    jobs: list[int],
    block: np.ndarray,
    spec: BacktestSpec,
    scales: dict[int, tuple[np.ndarray, np.ndarray]],
) -> _Stacked:
    """The forecasts of ``jobs`` (one model's, in job order: the per-series ``_assemble``'s
    order) stacked over origins."""
    gap, h = spec.gap, spec.horizon
    scored = slice(gap, gap + h)
    folds = [calls.jobs[j].folds[0] for j in jobs]
    origins = np.array([int(fold.test_origins[0]) for fold in folds])
    targets = origins[:, None] + gap + 1 + np.arange(h)[None, :]  # [O, h]
    found = [calls.found[j][0] for j in jobs]
    bands = {
        level: (
            np.stack([b.lower[:, i, scored] for b in found], axis=1),
            np.stack([b.upper[:, i, scored] for b in found], axis=1),
        )
        for i, level in enumerate(spec.levels)
    }
    return _Stacked(
        actual=np.ascontiguousarray(block[:, targets]),  # fancy indexing: series innermost
        mean=np.stack([b.mean[:, scored] for b in found], axis=1),
        bands=bands,
        scale=np.stack([scales[fold.index][0] for fold in folds], axis=1),
        scale_sq=np.stack([scales[fold.index][1] for fold in folds], axis=1),
    )
