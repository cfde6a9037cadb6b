"""`run_backtest`: build the splitter, plan and run the jobs, score, and assemble the result."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from forecast.backtesting.engine import (
    Job,
    JobResult,
    ModelEntry,
    Refit,
    Settings,
    execute,
    plan,
)
from forecast.backtesting.result import BacktestConfig, BacktestResult
from forecast.backtesting.scoring import ModelForecasts, compute, fold_scales, metric_rows
from forecast.backtesting.splitters import CombinatorialPurgedCV, Fold, PurgedKFold, WalkForward
from forecast.errors import UsageError
from forecast.types import Intervals
from forecast.versions import library_versions

Scheme = Literal["walk-forward", "purged-kfold", "cpcv"]


@dataclass(frozen=True)
class BacktestSpec:
    """Everything `forecast backtest` is asked to do, besides the data and the models."""

    scheme: Scheme = "walk-forward"
    horizon: int = 12
    levels: tuple[float, ...] = (80.0, 95.0)
    quantiles: tuple[float, ...] = ()  # --quantiles: scored too (their bands' levels added)
    refit: Refit = "every"
    jobs: int = 1
    seed: int | None = 0
    intervals: Intervals = "model"  # "conformal": calibrated inside each fit's training data
    lookback: int | None = None  # None: the largest lookback of the models
    period: int | None = None  # MASE/RMSSE seasonal period; None: detected (see module doc)
    # walk-forward
    window: Literal["expanding", "rolling"] = "expanding"
    initial: int | None = None
    step: int = 1
    gap: int = 0
    train_size: int | None = None
    # purged k-fold and CPCV
    folds: int = 5
    embargo: float | int = 0.01
    groups: int = 6
    test_groups: int = 2

    def to_dict(self) -> dict[str, Any]:
        return dict(_spec_dict(self))  # its values are immutable: a shallow copy is a copy


@functools.lru_cache(maxsize=16)
def _spec_dict(spec: BacktestSpec) -> dict[str, Any]:
    """``asdict`` of a spec, once (a panel's every series records it)."""
    return asdict(spec)


def with_quantiles(spec: BacktestSpec, probs: Sequence[float]) -> BacktestSpec:
    """``spec`` scoring the quantiles ``probs`` too: its levels gain those whose bounds are
    the quantiles (:func:`forecast.models.quantiles.band_levels`)."""
    from dataclasses import replace

    from forecast.models.quantiles import band_levels, check_probs

    if not probs:
        return spec
    chosen = check_probs(probs)
    levels = tuple(sorted({*spec.levels, *band_levels(chosen)}))
    return replace(spec, quantiles=chosen, levels=levels)


def make_splitter(spec: BacktestSpec, lookback: int) -> Any:
    if spec.scheme == "walk-forward":
        return WalkForward(
            spec.horizon, spec.initial, spec.step, spec.window, spec.train_size, spec.gap
        )
    if spec.gap:
        raise UsageError("--gap applies to walk-forward only")
    if spec.scheme == "purged-kfold":
        return PurgedKFold(spec.folds, spec.horizon, lookback, spec.embargo)
    if spec.scheme == "cpcv":
        return CombinatorialPurgedCV(
            spec.groups, spec.test_groups, spec.horizon, lookback, spec.embargo
        )
    raise UsageError(f"--scheme must be walk-forward, purged-kfold or cpcv, got {spec.scheme!r}")


def models_lookback(entries: Sequence[ModelEntry], freq: str | None) -> int:
    """REFERENCE.md: L is the largest lookback of any input, over every model compared."""
    return max(entry.create(None).lookback(freq) for entry in entries)


def purge_lookback(given: int | None, needed: int) -> int:
    """The purge width L: the models' own lookback, or a wider one the user gives. A narrower
    one is refused: the purge would then keep samples whose input windows read test targets."""
    if given is None:
        return needed
    if given < needed:
        raise UsageError(
            f"--lookback {given} is shorter than the models' lookback {needed}: their inputs "
            f"would read test targets; pass --lookback {needed} or more, or leave it out"
        )
    return given


def season_period(y: pd.Series, freq: str | None, given: int | None) -> tuple[int, str]:
    """The MASE/RMSSE period: given; else the calendar's, as the M4 competition scales MASE
    (its frequency for every series, seasonal or not), when the first half of the series (the
    data a default walk-forward's first model sees) holds more than one cycle; else the period
    rule's on that half; else 1."""
    if given is not None:
        if not 1 <= given <= max(len(y) // 2, 1):
            raise UsageError(
                f"--period must be between 1 (non-seasonal) and half the series "
                f"({max(len(y) // 2, 1)}), got {given}"
            )
        return given, "given"
    from forecast.diagnostics.seasonality import calendar_period, resolve_period

    first = y.to_numpy()[: max(len(y) // 2, 10)]
    calendar = calendar_period(freq)
    if calendar and first.size > calendar:
        return calendar, "the calendar's, as M4's MASE"
    found, why = resolve_period(None, first, freq)
    where = "on the first half of the series"
    return (found, f"{why}, {where}") if found else (1, f"non-seasonal: {why}, {where}")


def run_backtest(
    y: pd.Series,
    entries: Sequence[ModelEntry],
    spec: BacktestSpec,
    *,
    source: dict[str, Any] | None = None,
    command: str = "",
    exog: pd.DataFrame | None = None,
    exog_lag: int = 0,
    exog_models: Sequence[str] | None = None,
    given: Mapping[JobKey, JobResult] | None = None,
    detail: bool = True,
) -> BacktestResult:
    """Backtest every model on ``y`` with one set of splits. ``exog``: regressors at the
    timestamps of ``y``; every forecast uses their realised values (an oracle backtest) unless
    ``exog_lag`` N shifts them so that the target at t uses the values of t - N (no oracle when
    N >= gap + horizon). ``exog_models``: the labels of the models that get the regressors
    (None: every model); the others run without them (baselines, or the same model without
    regressors for comparison). ``given``: the results of jobs already forecast elsewhere (the
    vectorised panel path, :mod:`forecast.backtesting.batched`), by :func:`job_key`; the
    other jobs run here. ``detail=False``: no per-step, per-fold or per-path metric rows (a
    panel's series, see :func:`~forecast.backtesting.scoring.metric_rows`)."""

    labels = [e.label for e in entries]
    if len(set(labels)) != len(labels):
        raise UsageError(f"model labels must be unique, got {labels}; name them with LABEL=MODEL")
    freq = str(y.attrs.get("freq") or getattr(y.index, "freqstr", None) or "")
    regressors: dict[str, Any] | None = None
    if exog is not None:
        y, exog, regressors = _model_regressors(y, exog, exog_lag, spec, entries, exog_models)
    splitter, folds, lookback, jobs = planned(len(y), entries, spec, freq)
    period, period_source = season_period(y, freq, spec.period)
    settings = Settings(
        spec.horizon,
        spec.gap,
        tuple(spec.levels),
        spec.seed,
        spec.intervals,
        exog,
        None if exog_models is None else tuple(exog_models),
    )
    results = _job_results(jobs, y, settings, spec.jobs, given or {})

    values = y.to_numpy()
    scales = {fold.index: fold_scales(values, fold, period) for fold in folds}
    forecasts = [_assemble(label, results, values, spec, scales) for label in labels]
    coverage = fold_coverage(forecasts, len(folds))
    metric_table = _metric_table(
        forecasts, splitter, len(y), spec.gap, coverage["common_folds"], detail
    )
    failures, notes = _failures_and_notes(results, regressors)
    config = BacktestConfig(
        scheme=splitter.describe(),
        scheme_name=spec.scheme,
        spec=spec.to_dict(),
        horizon=spec.horizon,
        gap=spec.gap,
        levels=tuple(spec.levels),
        refit=spec.refit,
        lookback=lookback,
        lookback_source="--lookback" if spec.lookback else "largest lookback of the models",
        season_period=period,
        season_period_source=period_source,
        n_folds=len(folds),
        **coverage,
        models=[e.to_dict() for e in entries],
        interval_methods={mf.label: mf.interval_method for mf in forecasts if mf.origins.size},
        series={
            **(source or {}),
            "n": len(y),
            "freq": freq,
            "start": y.index[0].isoformat(),
            "end": y.index[-1].isoformat(),
        },
        command=command,
        versions=library_versions(),
        metric_definitions=METRIC_DEFINITIONS | (QUANTILE_DEFINITIONS if spec.quantiles else {}),
        regressors=regressors,
    )
    return BacktestResult(config, y, folds, forecasts, metric_table, failures, notes)


def _job_results(
    jobs: Sequence[Job],
    y: pd.Series,
    settings: Settings,
    n_jobs: int,
    given: Mapping[JobKey, JobResult],
) -> list[JobResult]:
    """Every job's result in job order: the ``given`` ones as they are, the others run."""
    from forecast.progress import task

    todo = [job for job in jobs if job_key(job) not in given]
    with task(f"backtest ({len(todo)} fits)", total=len(todo)) as advance:
        ran = iter(execute(todo, y, settings, n_jobs, on_done=advance))
        return [given.get(job_key(job)) or next(ran) for job in jobs]


def planned(
    n: int, entries: Sequence[ModelEntry], spec: BacktestSpec, freq: str | None
) -> tuple[Any, list[Fold], int, list[Job]]:
    """The splitter, folds, purge lookback and jobs of a backtest of ``entries`` on a series of
    ``n`` observations at ``freq`` (they depend on nothing else: a panel's series of one length
    share them, computed once; :func:`_planned`)."""
    if any(type(e) is not ModelEntry for e in entries):  # one series' own entries (a global
        return _plan(n, entries, spec, freq)  # model's forecasts): its jobs are its own
    models = tuple((e.label, e.name, repr(sorted(e.params.items())), e.refit) for e in entries)
    key = (n, models, spec, freq)
    found = _PLANS.get(key)
    if found is None:
        if len(_PLANS) >= 64:
            _PLANS.clear()
        found = _PLANS[key] = _plan(n, entries, spec, freq)
    splitter, folds, lookback, jobs = found
    return splitter, list(folds), lookback, list(jobs)


_PLANS: dict[Any, tuple[Any, list[Fold], int, list[Job]]] = {}


def _plan(
    n: int, entries: Sequence[ModelEntry], spec: BacktestSpec, freq: str | None
) -> tuple[Any, list[Fold], int, list[Job]]:
    lookback = purge_lookback(spec.lookback, models_lookback(entries, freq))
    splitter = make_splitter(spec, lookback)
    folds = list(splitter.split(n))
    return splitter, folds, lookback, plan(entries, folds, splitter, spec.refit, lookback, freq)


JobKey = tuple[str, tuple[int, int] | None, tuple[int, ...]]


def job_key(job: Job) -> JobKey:
    """What identifies a job's forecasts: the model's label, the fitted segment and the
    absolute forecast origins."""
    origins = tuple(int(t) for f in job.folds for t in f.test_origins)
    return job.entry.label, job.fit_segment, origins


def _model_regressors(
    y: pd.Series,
    exog: pd.DataFrame,
    lag: int,
    spec: BacktestSpec,
    entries: Sequence[ModelEntry],
    exog_models: Sequence[str] | None,
) -> tuple[pd.Series, pd.DataFrame, dict[str, Any]]:
    """:func:`lagged_regressors` for the models that use them (``exog_models``; None: all),
    the ``regressors`` block naming them."""
    labels = [e.label for e in entries]
    users = [e for e in entries if exog_models is None or e.label in exog_models]
    unknown = sorted(set(exog_models or ()) - set(labels))
    if unknown:
        raise UsageError(f"--exog-models {unknown[0]}: no model with that label")
    y, exog, regressors = lagged_regressors(y, exog, lag, spec, users)
    regressors["models"] = [e.label for e in users]
    if exog_models is not None:
        regressors["note"] += (
            f"; only {', '.join(regressors['models'])} use them, the other models run "
            "without regressors"
        )
    return y, exog, regressors


def _failures_and_notes(
    results: Sequence[JobResult], regressors: dict[str, Any] | None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Each failed job (model, folds, error), and the notes of the jobs that ran, each once
    (the regressors' note first)."""
    failures = [
        {"model": r.label, "folds": list(r.fold_ids), "error": r.error}
        for r in results
        if r.error is not None
    ]
    notes = list(dict.fromkeys(r.note for r in results if r.note and r.error is None))
    if regressors is not None:
        notes.insert(0, regressors["note"])
    return failures, notes


def _metric_table(
    forecasts: Sequence[ModelForecasts],
    splitter: Any,
    n_obs: int,
    gap: int,
    common: list[int] | None,
    detail: bool = True,
) -> list[dict[str, Any]]:
    """Every model's metric rows (CPCV: per path too; ``detail=False``: overall only), then
    scope ``common`` when some models were scored on fewer folds."""
    paths = splitter.paths() if isinstance(splitter, CombinatorialPurgedCV) else None
    groups = splitter.group_of_origin(n_obs) if paths is not None else None
    table = [
        row
        for mf in forecasts
        if mf.origins.size
        for row in metric_rows(mf, gap, paths, groups, detail)
    ]
    return table + common_rows(forecasts, common, gap)


def lagged_regressors(
    y: pd.Series,
    exog: pd.DataFrame,
    lag: int,
    spec: BacktestSpec,
    entries: Sequence[ModelEntry],
) -> tuple[pd.Series, pd.DataFrame, dict[str, Any]]:
    """The series and regressors a backtest with regressors runs on: with ``lag`` N > 0 the
    column ``c.lagN`` holds c's value N steps earlier and the first N observations are dropped
    (they have no lagged value). Refuses models that take no regressors."""
    from forecast.models.base import EXOG_MODELS
    from forecast.models.registry import get_spec

    if int(lag) != lag or lag < 0:
        raise UsageError(f"--exog-lag must be a whole number >= 0, got {lag}")
    for entry in entries:
        if not get_spec(entry.name).factory().supports_exog:
            raise UsageError(
                f"{entry.label} ({entry.name}) cannot use regressors; drop --exog or compare "
                f"models that take them ({', '.join(EXOG_MODELS)})"
            )
    if spec.intervals == "conformal":
        raise UsageError("--intervals conformal does not take regressors yet; drop one of them")
    if len(exog) != len(y):
        raise UsageError(f"exog has {len(exog)} rows for {len(y)} observations")
    names = [str(c) for c in exog.columns]
    if lag:
        shifted = exog.shift(lag).iloc[lag:]
        shifted.columns = [f"{c}.lag{lag}" for c in names]
        freq = y.attrs.get("freq")
        y = y.iloc[lag:]
        if freq:
            y.attrs["freq"] = freq
        exog = shifted
    steps = spec.gap + spec.horizon
    oracle = lag < steps
    if not oracle:
        note = (
            f"regressors {', '.join(names)} lagged {lag} steps (>= gap + horizon {steps}): every "
            "forecast uses only values known at its origin"
        )
    else:
        reach = f"lead times {lag + 1}..{steps}" if lag else "every lead time"
        note = (
            f"oracle backtest: the forecasts use the realised future values of the regressors "
            f"{', '.join(names)} ({reach}); real forecasts depend on forecasts of them "
            f"(--exog-lag {steps} uses only values known at each origin)"
        )
    info = {
        "names": names,
        "columns": [str(c) for c in exog.columns],
        "lag": int(lag),
        "oracle": oracle,
        "note": note,
    }
    return y, exog, info


def _assemble(
    label: str,
    results: Sequence[JobResult],
    values: np.ndarray,
    spec: BacktestSpec,
    scales: dict[int, tuple[float, float]],
) -> ModelForecasts:
    mine = [r for r in results if r.label == label and r.error is None]
    h, gap = spec.horizon, spec.gap
    if not mine:
        empty = np.empty((0, h))
        return ModelForecasts(
            label,
            np.empty(0, int),
            np.empty(0, int),
            empty,
            empty,
            {lv: (empty, empty) for lv in spec.levels},
            np.empty(0),
            np.empty(0),
            "",
            spec.quantiles,
        )
    origins = np.concatenate([r.origins for r in mine])
    folds = np.concatenate([r.fold_index for r in mine])
    scored = slice(gap, gap + h)
    targets = origins[:, None] + gap + 1 + np.arange(h)[None, :]  # [O, h]
    return ModelForecasts(
        label=label,
        origins=origins,
        folds=folds,
        actual=values[targets],
        mean=np.concatenate([r.mean[:, scored] for r in mine]),
        bands={
            lv: (
                np.concatenate([r.bands[lv][0][:, scored] for r in mine]),
                np.concatenate([r.bands[lv][1][:, scored] for r in mine]),
            )
            for lv in spec.levels
        },
        scale=np.array([scales[int(f)][0] for f in folds]),
        scale_sq=np.array([scales[int(f)][1] for f in folds]),
        interval_method=mine[0].interval_method,
        probs=spec.quantiles,
    )


METRIC_DEFINITIONS = {
    "mae": "mean |f - y|",
    "rmse": "sqrt(mean (f - y)^2)",
    "bias": "mean (f - y); positive = forecasts too high",
    "mape": "100 mean |f - y| / |y| over points with y != 0",
    "smape": "200 mean |y - f| / (|y| + |f|) (M4; 0/0 counts as 0)",
    "mase": "mean |f - y| / s, s = mean |y_t - y_{t-m}| over each origin's own training data",
    "rmsse": "sqrt(mean (f - y)^2 / s2), s2 = mean (y_t - y_{t-m})^2 over each origin's "
    "training data",
    "coverage_L": "share of actuals inside the L% interval",
    "winkler_L": "mean (u - l) + (2/a)(l - y)1{y<l} + (2/a)(y - u)1{y>u}, a = 1 - L/100",
}
QUANTILE_DEFINITIONS = {  # --quantiles
    "pinball_P": "mean max(P (y - q), (P - 1)(y - q)), q the P quantile (a band's bound; the "
    "mean at 0.5)",
    "crps": "2 x the mean pinball over the --quantiles grid: the quantile decomposition of the "
    "CRPS, an approximation on that grid",
    "msis_L": "winkler_L / s, s the MASE scale of each origin's training data (M4's MSIS)",
}


MAX_REPS = 10_000  # bootstrap replicates of the series: each one is a whole backtest


def check_reps(reps: int) -> int:
    """``--reps``: 2 to :data:`MAX_REPS` replicates (a percentile's Monte Carlo error falls as
    1/sqrt(reps): 10,000 give the 2.5% point to about 0.15 points)."""
    if isinstance(reps, bool) or not isinstance(reps, int) or not 2 <= reps <= MAX_REPS:
        raise UsageError(
            f"--reps must be between 2 and {MAX_REPS:,}, got {reps!r}; each replicate is a whole "
            "backtest: ask for fewer"
        )
    return reps


@dataclass(frozen=True)
class BootstrapSpec:
    """`--scheme bootstrap`: what to resample, how, and how often."""

    method: str = "sb"  # mbb | cbb | sb
    reps: int = 200
    block_size: float | str = "auto"
    resample: str = "residuals"  # residuals | differences | levels
    level: float = 95.0

    def __post_init__(self) -> None:
        check_reps(self.reps)


def run_bootstrap_backtest(
    y: pd.Series,
    entries: Sequence[ModelEntry],
    spec: BacktestSpec,
    boot: BootstrapSpec,
    *,
    source: dict[str, Any] | None = None,
    command: str = "",
) -> BacktestResult:
    """The inner scheme on the observed series, then on ``boot.reps`` block-bootstrap replicates
    of it (module :mod:`forecast.backtesting.bootstrap`); the result carries the distribution of
    every metric over the replicates and how often each model beat each other one."""
    from forecast.backtesting.bootstrap import replicate_indices, replicate_maker
    from forecast.backtesting.uncertainty import BootstrapSummary, replicate_summary
    from forecast.execution.executor import parallel_map
    from forecast.progress import task

    observed = run_backtest(y, entries, spec, source=source, command=command)
    period = int(observed.setup.season_period)
    maker = replicate_maker(y.to_numpy(), boot.resample, period)  # type: ignore[arg-type]
    indices, block = replicate_indices(
        maker, boot.method, boot.block_size, boot.reps, spec.seed or 0
    )
    replicates = maker.series(indices)  # [reps, n]
    inner = BacktestSpec(**{**spec.to_dict(), "jobs": 1, "period": period})
    items = [(values, y, entries, inner) for values in replicates]
    outcomes = []
    with task(f"bootstrap ({boot.reps} replicates)", total=boot.reps) as advance:
        mapped = (
            map(_replicate, items) if spec.jobs == 1 else parallel_map(_replicate, items, spec.jobs)
        )
        for outcome in mapped:
            outcomes.append(outcome)
            advance()
    summary = replicate_summary([metrics for metrics, _ in outcomes], boot.level)
    failed = sorted({label for _, failures in outcomes for label in failures})
    section = BootstrapSummary(
        method={"mbb": "moving block", "cbb": "circular block", "sb": "stationary"}[boot.method],
        reps=boot.reps,
        block_size=block,
        block_size_source="Politis-White optimal_block_length (arch)"
        if boot.block_size == "auto"
        else "--block-size",
        **maker.to_dict(),
        inner_scheme=observed.setup.scheme,
        seed=spec.seed,
        interval=f"{boot.level:g}% percentile interval over the replicates",
        models_with_failures=failed,
        distribution=summary.distribution,
        pairwise=summary.pairwise,
    )
    return replace(observed, bootstrap=section)


def _replicate(
    item: tuple[np.ndarray, pd.Series, Sequence[ModelEntry], BacktestSpec],
) -> tuple[dict[str, dict[str, float]], list[str]]:
    """One replicate's backtest: overall metrics per model, and the models that failed."""
    from forecast.backtesting.bootstrap import as_series
    from forecast.progress import progress_enabled

    values, like, entries, spec = item
    with progress_enabled(False):
        result = run_backtest(as_series(values, like), entries, spec)
    overall: dict[str, dict[str, float]] = {
        r["model"]: {} for r in result.metrics if r["scope"] == "overall"
    }
    for r in result.metrics:
        if r["scope"] == "overall":
            overall[r["model"]][r["metric"]] = r["value"]
    return overall, sorted({f["model"] for f in result.failures})


def fold_coverage(forecasts: Sequence[ModelForecasts], n_folds: int) -> dict[str, Any]:
    """How many folds each model scored and, when they differ, the folds every model that
    scored anything has in common (the ones the table ranks on)."""
    scored = {mf.label: sorted({int(f) for f in mf.folds}) for mf in forecasts}
    counts = {label: len(f) for label, f in scored.items()}
    sets = [set(f) for f in scored.values() if f]
    partial = sorted(label for label, n in counts.items() if 0 < n < max(counts.values()))
    common = sorted(set.intersection(*sets)) if partial and sets else None
    return {
        "folds_scored": counts,
        "partial_models": [label for label in scored if label in partial],
        "common_folds": common,
        "ranking": (
            f"on the {len(common)} fold(s) of {n_folds} that every model scored"
            if common is not None
            else "on all folds"
        ),
    }


def common_rows(
    forecasts: Sequence[ModelForecasts], common: list[int] | None, gap: int
) -> list[dict[str, Any]]:
    """Scope ``common`` rows (key null): every metric of every model over the common folds
    only, so that models that failed in some folds are compared on the same targets."""
    if not common:
        return []
    rows: list[dict[str, Any]] = []
    for mf in forecasts:
        if not mf.origins.size:
            continue
        values = compute(mf.rows(np.isin(mf.folds, common)))
        rows += [
            {"model": mf.label, "metric": k, "scope": "common", "key": None, "value": v}
            for k, v in values.items()
        ]
    return rows
