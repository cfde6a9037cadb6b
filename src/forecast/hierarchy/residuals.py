r"""In-sample one-step residuals of every node's model: what ``mint-shrink``'s covariance is
estimated from.

The residual at time t is :math:`e_t = y_t - \hat y_{t \mid t-1}`, with
:math:`\hat y_{t \mid t-1}` the fitted model's one-step forecast from origin t - 1: its fitted
parameters (no re-estimation), its state built from :math:`y_1, \dots, y_{t-1}` alone
(:meth:`~forecast.models.base.BaseForecaster.forecast_from`). These are the one-step in-sample
fitted values that hierarchicalforecast's ``MinTrace`` takes as ``y_hat_insample`` (what
statsforecast's ``fitted=True`` returns). A model reads ``lookback`` values before its first
forecast, so its first ``lookback`` residuals are missing (NaN); nodes with different lookbacks
(an automatic order per node) leave different gaps, which the shrunk covariance takes pairwise
(:func:`~forecast.hierarchy.reconcile.shrunk_covariance`).

In a backtest every fold's covariance comes from the residuals of the model fitted for that fold
over the data it was fitted on (its training segment), so no value after the fold's first
forecast origin enters it. The backtest engine does not keep its fitted models, so
:func:`fold_residuals` fits each node's model on each training segment again, exactly as the
engine does (the same registry entry, parameters, seed and segment): a second fit per node and
fold, the cost of ``mint-shrink`` in a backtest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from forecast.errors import ForecastError, InputError, UsageError

if TYPE_CHECKING:
    import pandas as pd

    from forecast.backtesting.engine import ModelEntry
    from forecast.backtesting.runner import BacktestSpec
    from forecast.data import Panel
    from forecast.models.base import BaseForecaster


def one_step_residuals(model: BaseForecaster, history: pd.Series) -> np.ndarray:
    """``history`` minus the fitted model's one-step forecasts, NaN at the first ``lookback``.

    Parameters
    ----------
    model : BaseForecaster
        Fitted (on ``history``, for in-sample residuals).
    history : pandas.Series
        The series, T values.

    Returns
    -------
    numpy.ndarray
        ``[T]``: ``y[t] - forecast from origin t - 1`` for t >= lookback, NaN before.
    """
    values = np.asarray(history, dtype=np.float64)
    out = np.full(values.size, np.nan)
    first = max(int(model.lookback()) - 1, 0)  # a fitted model's exact lookback
    origins = np.arange(first, values.size - 1)
    if origins.size:
        batch = model.forecast_from(history, origins, 1)
        out[origins + 1] = values[origins + 1] - batch.mean[:, 0]
    return out


def node_residuals(models: Sequence[BaseForecaster], series: Sequence[pd.Series]) -> np.ndarray:
    """``[n, T]``: each node's :func:`one_step_residuals` (the nodes share one time span)."""
    return np.stack([one_step_residuals(m, y) for m, y in zip(models, series, strict=True)])


def check_per_node(models: Sequence[tuple[str, str, Mapping[str, Any]]]) -> None:
    """Refuse a model fitted once across every node (a global network or tree model: no
    per-node fit to take residuals from); ``models``: ``(label, registry name, params)``."""
    from forecast.models.neural.global_options import split_options

    for label, name, params in models:
        if split_options(name, dict(params))[0].applies(name, 2):
            raise UsageError(
                f"--reconcile mint-shrink: {label} is one model for every node, which keeps no "
                "per-node fit to take residuals from; pass --param global=false or use another "
                "method"
            )


def fold_residuals(
    panel: Panel, order: Sequence[str], entries: Sequence[ModelEntry], spec: BacktestSpec
) -> dict[str, dict[int, np.ndarray]]:
    """Every model's in-sample residuals in every fold of a backtest of the node panel.

    Parameters
    ----------
    panel : Panel
        Every node's series (one span: the backtest's folds are the same on each).
    order : sequence of str
        The node ids in the hierarchy's order (the rows of each matrix).
    entries : sequence of ModelEntry
        The backtest's models.
    spec : BacktestSpec
        The backtest's splits, refit policy and seed.

    Returns
    -------
    dict
        ``{label: {fold index: [n, L] residuals over the fold's training segment}}``.
    """
    from forecast.backtesting.runner import planned

    check_per_node([(e.label, e.name, e.params) for e in entries])
    series = [panel.values_of(node) for node in order]
    y = series[0]
    freq = str(y.attrs.get("freq") or getattr(y.index, "freqstr", None) or "")
    _, _, _, jobs = planned(len(y), list(entries), spec, freq)
    tasks = []
    for job in jobs:
        if job.fit_segment is None:
            raise UsageError(
                f"--reconcile mint-shrink: {job.entry.label} trains on scattered samples in "
                "these folds, which leave no in-sample series; use walk-forward or another method"
            )
        start, end = job.fit_segment
        tasks += [(job.entry, y.iloc[start:end], spec.seed) for y in series]
    found = iter(_run(tasks, spec.jobs))  # --jobs: the refits in worker processes, in order
    out: dict[str, dict[int, np.ndarray]] = {e.label: {} for e in entries}
    for job in jobs:
        rows = np.stack([next(found) for _ in series])
        for fold in job.folds:
            out[job.entry.label][fold.index] = rows
    return out


def _run(tasks: list[tuple[ModelEntry, pd.Series, int | None]], n_jobs: int) -> list[np.ndarray]:
    if n_jobs > 1 and len(tasks) > 1:
        from forecast.execution.executor import parallel_map

        return list(parallel_map(_segment_task, tasks, n_jobs))
    return [_segment_task(task) for task in tasks]


def _segment_task(task: tuple[ModelEntry, pd.Series, int | None]) -> np.ndarray:
    """The entry's model fitted on a training segment as the backtest engine fits it, and its
    in-sample residuals."""
    entry, y, seed = task
    try:
        model = entry.create(seed)
        model.fit(y)
        return one_step_residuals(model, y)
    except ForecastError as exc:
        raise InputError(
            f"--reconcile mint-shrink: {entry.label} could not be refitted for its in-sample "
            f"residuals on a training segment ({exc}); use another method"
        ) from None
