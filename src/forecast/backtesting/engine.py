"""The backtest loop: splits x models, the refit policy, and parallel execution.

The engine only sees the Forecaster contract and the splitters' integer folds. Every job
creates a fresh model from the registry (nothing leaks between folds), fits it on data the fold
allows, and forecasts from the fold's test origins with ``forecast_from``: fixed parameters, the
state at origin t built from observations up to t only.

Walk-forward and the refit policy (``refit``):

* ``every``: one fit per origin, on that fold's training window.
* ``never``: one fit, on the first fold's window; every origin after it only moves the state on
  (ARIMA: one Kalman filter pass at fixed parameters; neural: the new window, no training).
* ``N``: a fit every N origins, on the window of the first origin of each group of N.

Purged k-fold and CPCV: one fit per fold. Models that can train on non-contiguous samples
(``fit_origins``: the neural models) train on every sample the purge and embargo allow; the
others (ARIMA, baselines) train on the longest contiguous run of allowed observations before the
test block (after it when there is none before), and the result notes say so.

``jobs`` > 1 runs the jobs in worker processes; results are assembled in job order, so they are
identical for any number of jobs.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from forecast.backtesting.splitters import (
    Fold,
    WalkForward,
    allowed_origins,
    longest_run,
    longest_run_before,
)
from forecast.errors import ForecastError, UsageError
from forecast.execution.executor import parallel_map
from forecast.models.base import ForecastBatch
from forecast.models.registry import get_spec
from forecast.types import Intervals

Refit = Literal["every", "never"] | int


@dataclass(frozen=True)
class ModelEntry:
    """One model of a backtest: the label it is reported under, its registry name, params."""

    label: str
    name: str
    params: dict[str, Any] = field(default_factory=dict)
    refit: Refit | None = None  # this model's walk-forward refit policy, if not the run's

    def create(self, seed: int | None) -> Any:
        from forecast.models.neural.global_options import split_options

        spec = get_spec(self.name)
        params = split_options(self.name, self.params)[1]  # global=false: one model per series
        if seed is not None and any(p.name == "seed" for p in spec.params):
            params.setdefault("seed", seed)
        return spec.create(params)

    def to_dict(self) -> dict[str, Any]:
        out = {"label": self.label, "model": self.name, "params": self.params}
        return out | ({"refit": self.refit} if self.refit is not None else {})


@dataclass(frozen=True)
class Job:
    """One fit and the forecasts it serves."""

    entry: ModelEntry
    folds: tuple[Fold, ...]
    fit_segment: tuple[int, int] | None  # [start, end) observations to fit on, or
    fit_origins: np.ndarray | None  # the sample origins to train on (window models)
    history_start: int  # forecasts read y[history_start:]
    note: str = ""


@dataclass(frozen=True)
class JobResult:
    """The forecasts of one job ([origins, lead times]) or the error that stopped it."""

    label: str
    fold_index: np.ndarray  # [O] the fold of each origin
    origins: np.ndarray  # [O] absolute positions
    mean: np.ndarray  # [O, gap + horizon]
    bands: dict[float, tuple[np.ndarray, np.ndarray]]
    interval_method: str
    error: str | None = None
    fold_ids: tuple[int, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Settings:
    horizon: int
    gap: int
    levels: tuple[float, ...]
    seed: int | None
    intervals: Intervals = "model"
    exog: pd.DataFrame | None = None  # regressors aligned with y (realised values: oracle)
    exog_labels: tuple[str, ...] | None = None  # the models that get them (None: every one)


def plan(
    entries: Sequence[ModelEntry],
    folds: Sequence[Fold],
    splitter: Any,
    refit: Refit,
    lookback: int,
    freq: str | None = None,
) -> list[Job]:
    """The jobs of a backtest, in a fixed order (model by model, fold by fold)."""
    jobs: list[Job] = []
    for entry in entries:
        if isinstance(splitter, WalkForward):
            jobs += _walk_forward_jobs(entry, folds, entry.refit or refit)
        else:
            jobs += [_kfold_job(entry, fold, lookback, freq) for fold in folds]
    return jobs


def _walk_forward_jobs(entry: ModelEntry, folds: Sequence[Fold], refit: Refit) -> list[Job]:
    if refit == "every":
        size = 1
    elif refit == "never":
        size = len(folds)
    elif isinstance(refit, int) and refit >= 1:
        size = refit
    else:
        raise UsageError(f"--refit must be every, never or a whole number >= 1, got {refit!r}")
    jobs = []
    for start in range(0, len(folds), size):
        group = tuple(folds[start : start + size])
        first = group[0].train
        segment = (int(first[0]), int(first[-1]) + 1)
        jobs.append(Job(entry, group, segment, None, segment[0]))
    return jobs


def _kfold_job(entry: ModelEntry, fold: Fold, lookback: int, freq: str | None) -> Job:
    factory = get_spec(entry.name).factory()
    if hasattr(factory, "fit_origins"):
        # a window model trains on targets as long as its own head, which may be longer than
        # the backtest horizon the folds were purged for: its samples must fit in `train`
        reach = max(fold.horizon, entry.create(None).target_length(freq))
        origins = allowed_origins(fold, lookback, reach)
        note = (
            f"{entry.label} trains on every sample the purge allows whose window and "
            f"{reach}-step targets lie in the training data"
        )
        return Job(entry, (fold,), None, origins, 0, note)
    before = longest_run_before(fold)
    segment = before or longest_run(fold)
    if segment is None:
        raise UsageError(f"fold {fold.index} leaves no training data: use fewer folds")
    note = (
        f"{entry.label} cannot train on non-contiguous data: each fold trains it on the longest "
        "contiguous purged segment before the test block (after it when there is none before)"
    )
    return Job(entry, (fold,), segment, None, 0, note)


def run_job(job: Job, y: pd.Series, settings: Settings) -> JobResult:
    """Fit (once) and forecast from every test origin of the job's folds."""
    origins = np.concatenate([f.test_origins for f in job.folds])
    fold_index = np.concatenate([np.full(f.test_origins.size, f.index) for f in job.folds])
    fold_ids = tuple(f.index for f in job.folds)
    steps = settings.gap + settings.horizon
    labels = settings.exog_labels
    if settings.exog is not None and labels is not None and job.entry.label not in labels:
        settings = replace(settings, exog=None)  # this model runs without the regressors
    try:
        model = job.entry.create(settings.seed)
        if job.fit_origins is not None and settings.exog is not None:
            model.fit_origins(y, job.fit_origins, settings.exog)
        elif job.fit_origins is not None:
            model.fit_origins(y, job.fit_origins)
        else:
            assert job.fit_segment is not None
            start, end = job.fit_segment
            exog = settings.exog
            model.fit(y.iloc[start:end], None if exog is None else exog.iloc[start:end])
        if settings.exog is not None:
            batch = model.forecast_from(
                y.iloc[job.history_start :],
                origins - job.history_start,
                steps,
                settings.levels,
                exog=settings.exog.iloc[job.history_start :],
            )
        else:
            batch = model.forecast_from(
                y.iloc[job.history_start :], origins - job.history_start, steps, settings.levels
            )
        if settings.intervals == "conformal" and job.fit_segment is not None:
            batch = _conformal(batch, job, y, settings)
    except ForecastError as exc:
        return _failed(job, fold_index, origins, fold_ids, exc.message)
    except Exception as exc:  # one fold's failure must not stop the others: record it
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return _failed(job, fold_index, origins, fold_ids, detail)
    return JobResult(
        label=job.entry.label,
        fold_index=fold_index,
        origins=origins,
        mean=batch.mean,
        bands=batch.bands,
        interval_method=batch.interval_method,
        fold_ids=fold_ids,
        note=job.note,
    )


def _conformal(batch: ForecastBatch, job: Job, y: pd.Series, settings: Settings) -> ForecastBatch:
    """The batch with split-conformal bands calibrated inside the job's training segment only
    (a window model trained on scattered samples keeps its own, already conformal, bands)."""
    from forecast.models.conformal import METHOD, calibrate

    assert job.fit_segment is not None
    start, end = job.fit_segment
    steps = settings.gap + settings.horizon
    calibration = calibrate(
        lambda: job.entry.create(settings.seed), y.iloc[start:end], steps, settings.levels
    )
    return replace(
        batch, bands=calibration.bands(batch.mean, settings.levels), interval_method=METHOD
    )


def _failed(
    job: Job, fold_index: np.ndarray, origins: np.ndarray, fold_ids: tuple[int, ...], message: str
) -> JobResult:
    return JobResult(
        label=job.entry.label,
        fold_index=fold_index,
        origins=origins,
        mean=np.empty((0, 0)),
        bands={},
        interval_method="",
        error=" ".join(message.split()),
        fold_ids=fold_ids,
        note=job.note,
    )


def execute(
    jobs: Sequence[Job],
    y: pd.Series,
    settings: Settings,
    n_jobs: int = 1,
    on_done: Callable[[], None] | None = None,
) -> list[JobResult]:
    """Run the jobs (in ``n_jobs`` processes); results come back in job order."""
    if n_jobs < 1:
        raise UsageError(f"--jobs must be >= 1, got {n_jobs}")
    results: list[JobResult] = []
    for result in _results(jobs, y, settings, n_jobs):
        results.append(result)
        if on_done is not None:
            on_done()
    return results


def _results(
    jobs: Sequence[Job], y: pd.Series, settings: Settings, n_jobs: int
) -> Iterator[JobResult]:
    if n_jobs == 1 or len(jobs) <= 1:
        for job in jobs:
            yield run_job(job, y, settings)
        return
    yield from parallel_map(_run_job_args, [(job, y, settings) for job in jobs], n_jobs)


def _run_job_args(args: tuple[Job, pd.Series, Settings]) -> JobResult:
    from forecast.progress import progress_enabled

    with progress_enabled(False):  # only the parent process draws progress bars
        return run_job(*args)
