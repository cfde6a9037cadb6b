"""How much to trust a backtest: confidence intervals of its metrics, model comparisons, and the
distribution of its results over bootstrap replicates of the series.

* ``metric_intervals`` (``--ci``): each metric is a statistic of a per-origin loss series (MAE:
  the mean of each origin's mean |error|); a stationary (or circular) block bootstrap of that
  series, which keeps the serial dependence of overlapping multi-step errors, gives its
  interval. ``percentile`` or ``basic`` intervals, named in the output.
* The losses are ``raw`` (the errors in the data's unit) or ``scaled``: each origin's losses
  divided by the in-sample naive scale of that origin's own training data (the MASE scale for
  absolute errors, the RMSSE scale for squared errors), so that on a panel a series of level
  4,000 and one of level 300 weigh alike. ``scaled`` is the default on a panel, ``raw`` on one
  series (:func:`loss_scale`); an origin whose scale is 0 or unknown cannot be scaled and is
  left out, and the output says how many.
* ``compare_models`` (``--compare``): Diebold-Mariano tests with the Harvey-Leybourne-Newbold
  correction for every pair of models at every lead time, and the model confidence set of
  Hansen, Lunde & Nason over all models (arch), on the per-origin losses.
* ``replicate_summary``: per model and metric, the distribution over replicates (mean, median,
  percentile interval), and for every pair of models the share of replicates in which one beats
  the other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

import numpy as np

from forecast.backtesting.compare import DMResult, MCSResult
from forecast.backtesting.resample import Interval
from forecast.backtesting.scoring import ModelForecasts
from forecast.errors import InputError, UsageError
from forecast.models.base import level_label

MAX_CI_REPS = 100_000  # bootstrap replicates of a loss series (--ci-reps)

LossScale = Literal["scaled", "raw"]
LOSS_SCALES: tuple[str, ...] = ("scaled", "raw")


def loss_scale(asked: str | None, pooled: bool) -> LossScale:
    """The losses ``--ci`` and ``--compare`` work on: ``asked`` ("scaled" or "raw"), or by
    default ``scaled`` when the losses of several series are pooled and ``raw`` on one."""
    if asked is None:
        return "scaled" if pooled else "raw"
    if asked not in LOSS_SCALES:
        raise UsageError(f"--compare-loss must be scaled or raw, got {asked!r}")
    return "scaled" if asked == "scaled" else "raw"


@dataclass(frozen=True)
class IntervalSettings:
    method: Literal["stationary", "circular"] = "stationary"
    interval: Literal["percentile", "basic"] = "percentile"
    level: float = 95.0
    reps: int = 999
    seed: int = 0
    loss: LossScale | None = None  # None: scaled on a panel, raw on one series

    def __post_init__(self) -> None:
        if isinstance(self.reps, bool) or not 1 <= self.reps <= MAX_CI_REPS:
            raise UsageError(
                f"--ci-reps must be between 1 and {MAX_CI_REPS:,}, got {self.reps!r}; ask for fewer"
            )
        loss_scale(self.loss, pooled=False)  # checks it


@dataclass(frozen=True)
class CompareSettings:
    """``--compare``: the loss power of the tests and the size of the model confidence set."""

    power: int = 2
    size: float = 0.1
    seed: int = 0
    loss: LossScale | None = None  # None: scaled on a panel, raw on one series

    def __post_init__(self) -> None:
        if self.power not in (1, 2):
            raise UsageError(f"dm_power must be 1 or 2, got {self.power}")
        loss_scale(self.loss, pooled=False)  # checks it


@dataclass(frozen=True)
class MetricInterval:
    """One model's bootstrap interval of one metric."""

    model: str
    metric: str
    interval: Interval

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "metric": self.metric, **self.interval.to_dict()}


@dataclass(frozen=True)
class MetricIntervals:
    """The ``ci`` section (``--ci``): the settings and one interval per model and metric;
    ``pooling`` says how a panel's series were pooled (None on one series); ``scaling``: the
    losses were ``raw`` or ``scaled``, ``left_out`` origins could not be scaled."""

    settings: IntervalSettings
    intervals: tuple[MetricInterval, ...]
    pooling: str | None = None
    scaling: LossScale = "raw"
    left_out: int = 0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "settings": asdict(self.settings),
            "scaling": self.scaling,
            "left_out_origins": self.left_out,
            "intervals": [r.to_dict() for r in self.intervals],
        }
        if self.pooling is not None:
            out["pooling"] = self.pooling
        return out


@dataclass(frozen=True)
class PairTest:
    """The Diebold-Mariano test of ``model`` against ``other`` at one lead time."""

    model: str
    other: str
    step: int
    test: DMResult

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "other": self.other, "step": self.step, **self.test.to_dict()}

    @property
    def winner(self) -> str | None:
        """The label of the significantly better model, None when they cannot be told apart."""
        return {"first": self.model, "second": self.other}.get(self.test.better or "")


@dataclass(frozen=True)
class Comparison:
    """The ``comparison`` section (``--compare``): Diebold-Mariano tests of every pair at every
    lead time and the model confidence set, on ``origins`` common origins; ``scaling``: the
    losses were ``raw`` or ``scaled``, ``left_out`` origins could not be scaled."""

    loss: str
    origins: int
    diebold_mariano: tuple[PairTest, ...]
    mcs: MCSResult
    pooling: str | None = None
    scaling: LossScale = "raw"
    left_out: int = 0

    @property
    def indistinguishable_from_best(self) -> list[str]:
        return self.mcs.included

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "loss": self.loss,
            "scaling": self.scaling,
            "origins": self.origins,
            "left_out_origins": self.left_out,
            "diebold_mariano": [t.to_dict() for t in self.diebold_mariano],
            "mcs": self.mcs.to_dict(),
            "indistinguishable_from_best": self.mcs.included,
        }
        if self.pooling is not None:
            out["pooling"] = self.pooling
        return out


@dataclass(frozen=True)
class Assessment:
    """What ``--ci`` and ``--compare`` asked for (each None when not asked)."""

    ci: MetricIntervals | None = None
    comparison: Comparison | None = None

    def pooled(self, note: str) -> Assessment:
        """The same sections, marked as computed on losses pooled over series (``note``)."""
        return Assessment(
            None if self.ci is None else replace(self.ci, pooling=note),
            None if self.comparison is None else replace(self.comparison, pooling=note),
        )


def assess(
    forecasts: Sequence[ModelForecasts],
    ci: IntervalSettings | None,
    compare: CompareSettings | None,
    gap: int = 0,
    *,
    pooled: bool = False,
) -> Assessment:
    """The ``ci`` and ``comparison`` sections a backtest asked for (None when not asked).

    ``pooled``: the forecasts are several series' pooled
    (:meth:`~forecast.backtesting.panel_backtest.PanelBacktest.pooled`), which makes scaled
    losses the default (:func:`loss_scale`).
    """
    return Assessment(
        None if ci is None else interval_section(forecasts, ci, pooled=pooled),
        None
        if compare is None
        else comparison(
            forecasts,
            compare.power,
            compare.size,
            seed=compare.seed,
            gap=gap,
            loss=loss_scale(compare.loss, pooled),
        ),
    )


def scalable(forecasts: Sequence[ModelForecasts]) -> tuple[list[ModelForecasts], int]:
    """The forecasts at the origins whose MASE and RMSSE scales are known and positive (a
    constant training part has scale 0, one shorter than the period none), and how many
    distinct origins were left out."""
    kept, dropped = [], set()
    for mf in forecasts:
        ok = np.isfinite(mf.scale) & (mf.scale > 0) & np.isfinite(mf.scale_sq) & (mf.scale_sq > 0)
        kept.append(mf.rows(ok))
        dropped |= set(mf.origins[~ok].tolist())
    return kept, len(dropped)


def scaled_errors(mf: ModelForecasts, power: int) -> np.ndarray:
    """``[O, h]`` errors divided by each origin's scale so that ``|e| ** power`` is the scaled
    loss: the MASE scale (naive MAE of the origin's training data) for ``power`` 1, the root
    of the RMSSE scale (its naive MSE) for 2."""
    divisor = mf.scale if power == 1 else np.sqrt(mf.scale_sq)
    return np.asarray((mf.mean - mf.actual) / divisor[:, None])


_MEAN: Callable[[np.ndarray], float] = lambda s: float(np.mean(s))  # noqa: E731
_ROOT: Callable[[np.ndarray], float] = lambda s: float(np.sqrt(np.mean(s)))  # noqa: E731
Losses = dict[str, tuple[np.ndarray, Callable[[np.ndarray], float]]]


def _per_origin(mf: ModelForecasts, loss: LossScale = "raw") -> Losses:
    """metric -> (per-origin loss [O], statistic of a loss series): the statistic of the
    observed losses is the metric itself (every origin has the same number of steps).
    ``scaled``: only scale-free metrics (MASE, RMSSE, sMAPE, coverage, and MSIS, the interval
    score over the MASE scale, as in M4); ``mf`` must hold only origins with positive scales."""
    e = mf.mean - mf.actual  # [O, h]
    abs_e, sq_e = np.mean(np.abs(e), axis=1), np.mean(e**2, axis=1)  # [O]
    denom = np.abs(mf.actual) + np.abs(mf.mean)
    smape = np.divide(np.abs(e), denom, out=np.zeros_like(e), where=denom > 0)
    out: Losses = {}
    if loss == "raw":
        out = {"mae": (abs_e, _MEAN), "rmse": (sq_e, _ROOT), "bias": (np.mean(e, axis=1), _MEAN)}
    out["smape"] = (200 * np.mean(smape, axis=1), _MEAN)
    if loss == "scaled" or (np.all(np.isfinite(mf.scale)) and np.all(mf.scale > 0)):
        out["mase"] = (abs_e / mf.scale, _MEAN)
        out["rmsse"] = (sq_e / mf.scale_sq, _ROOT)
    for level, (lo, hi) in sorted(mf.bands.items()):
        alpha = 1 - level / 100
        inside = (lo <= mf.actual) & (mf.actual <= hi)
        score = np.mean(
            (hi - lo)
            + (2 / alpha) * (np.clip(lo - mf.actual, 0, None) + np.clip(mf.actual - hi, 0, None)),
            axis=1,
        )
        out[f"coverage_{level_label(level)}"] = (np.mean(inside, axis=1), _MEAN)
        if loss == "raw":
            out[f"winkler_{level_label(level)}"] = (score, _MEAN)
        else:
            out[f"msis_{level_label(level)}"] = (score / mf.scale, _MEAN)
    return out


def _time_ordered(mf: ModelForecasts) -> ModelForecasts:
    order = np.argsort(mf.origins, kind="stable")
    if np.unique(mf.origins).size != mf.origins.size:
        raise UsageError(
            "--ci and --compare need one forecast per origin (walk-forward or purged k-fold); "
            "CPCV already reports the distribution of each metric over its paths"
        )
    return mf.rows(order)


def interval_section(
    forecasts: Sequence[ModelForecasts], settings: IntervalSettings, *, pooled: bool = False
) -> MetricIntervals:
    """The ``ci`` section: :func:`interval_rows` on the losses ``settings.loss`` asks for
    (:func:`loss_scale`; scaled: at the origins that can be scaled)."""
    loss = loss_scale(settings.loss, pooled)
    usable, left_out = scalable(forecasts) if loss == "scaled" else (list(forecasts), 0)
    return MetricIntervals(settings, interval_rows(usable, settings, loss), None, loss, left_out)


def interval_rows(
    forecasts: Sequence[ModelForecasts], settings: IntervalSettings, loss: LossScale = "raw"
) -> tuple[MetricInterval, ...]:
    """One interval per model and metric, from the model's per-origin losses."""
    from forecast.backtesting.resample import metric_interval

    rows = []
    for mf in forecasts:
        if not mf.origins.size:
            continue
        for metric, (losses, statistic) in _per_origin(_time_ordered(mf), loss).items():
            with np.errstate(divide="ignore", invalid="ignore"):  # arch, near-constant losses
                interval = metric_interval(
                    losses,
                    statistic,
                    method=settings.method,
                    reps=settings.reps,
                    level=settings.level,
                    interval=settings.interval,
                    seed=settings.seed,
                )
            rows.append(MetricInterval(mf.label, metric, interval))
    return tuple(rows)


def metric_intervals(
    forecasts: Sequence[ModelForecasts], settings: IntervalSettings
) -> list[dict[str, Any]]:
    """:func:`interval_rows` as the rows of ``--format json``."""
    return [row.to_dict() for row in interval_rows(forecasts, settings)]


LOSS_NAMES = {
    ("raw", 1): "absolute error",
    ("raw", 2): "squared error",
    ("scaled", 1): "scaled absolute error (|error| / in-sample naive MAE)",
    ("scaled", 2): "scaled squared error (error² / in-sample naive MSE)",
}


def comparison(
    forecasts: Sequence[ModelForecasts],
    power: int = 2,
    size: float = 0.1,
    reps: int = 1000,
    seed: int = 0,
    gap: int = 0,
    loss: LossScale = "raw",
) -> Comparison:
    """Diebold-Mariano (HLN) per pair and lead time, and the model confidence set. Column j of
    the forecasts is lead time ``gap + j + 1``: the DM variance uses that many lags. ``loss``
    ``scaled``: on :func:`scaled_errors`, at the origins that can be scaled."""
    from forecast.backtesting.compare import diebold_mariano, model_confidence_set

    usable = [_time_ordered(mf) for mf in forecasts if mf.origins.size]
    if len(usable) < 2:
        raise UsageError("--compare needs at least two models that produced forecasts")
    left_out = 0
    if loss == "scaled":
        usable, left_out = scalable(usable)
    common = set(usable[0].origins.tolist())
    for mf in usable[1:]:
        common &= set(mf.origins.tolist())
    if not common:
        raise InputError(
            "--compare: the models share no origin with a known, positive naive scale; "
            "use --compare-loss raw"
        )
    keep = np.array(sorted(common))
    aligned = [mf.rows(np.isin(mf.origins, keep)) for mf in usable]
    errors = {  # [O, h] each
        mf.label: scaled_errors(mf, power) if loss == "scaled" else mf.mean - mf.actual
        for mf in aligned
    }
    steps = aligned[0].actual.shape[1]
    tests = []
    labels = list(errors)
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            for j in range(steps):
                lead = gap + j + 1
                result = diebold_mariano(errors[a][:, j], errors[b][:, j], lead, power=power)
                tests.append(PairTest(a, b, lead, result))
    losses = {label: np.mean(np.abs(e) ** power, axis=1) for label, e in errors.items()}
    with np.errstate(divide="ignore", invalid="ignore"):  # arch on near-constant losses
        mcs = model_confidence_set(losses, size=size, reps=reps, seed=seed)
    name = LOSS_NAMES[(loss, power)]
    return Comparison(name, int(keep.size), tuple(tests), mcs, None, loss, left_out)


def compare_models(
    forecasts: Sequence[ModelForecasts],
    power: int = 2,
    size: float = 0.1,
    reps: int = 1000,
    seed: int = 0,
    gap: int = 0,
) -> dict[str, Any]:
    """:func:`comparison` as the ``comparison`` section of ``--format json``."""
    return comparison(forecasts, power, size, reps, seed, gap).to_dict()


@dataclass(frozen=True)
class ReplicateDistribution:
    """One model's metric over the bootstrap replicates: centre and percentile interval."""

    model: str
    metric: str
    mean: float
    median: float
    lower: float
    upper: float
    std: float
    replicates: int
    level: float


@dataclass(frozen=True)
class PairwiseShare:
    """The share of replicates in which ``model`` had a lower ``metric`` than ``other``."""

    metric: str
    model: str
    other: str
    share_better: float
    replicates: int


@dataclass(frozen=True)
class ReplicateSummary:
    distribution: tuple[ReplicateDistribution, ...]
    pairwise: tuple[PairwiseShare, ...]


@dataclass(frozen=True)
class BootstrapSummary:
    """The ``bootstrap`` section (``--scheme bootstrap``): how the replicates were drawn, and
    every metric's distribution over them."""

    method: str  # moving block, circular block or stationary
    reps: int
    block_size: float
    block_size_source: str
    resample: str  # residuals, differences or levels
    differences: list[int]
    reference_model: str
    resampled_length: int
    inner_scheme: str
    seed: int | None
    interval: str
    models_with_failures: list[str]
    distribution: tuple[ReplicateDistribution, ...]
    pairwise: tuple[PairwiseShare, ...]

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k not in ("distribution", "pairwise")}
        out["distribution"] = [asdict(d) for d in self.distribution]
        out["pairwise"] = [asdict(p) for p in self.pairwise]
        return out


def replicate_summary(
    per_replicate: Sequence[dict[str, dict[str, float]]], level: float = 95.0
) -> ReplicateSummary:
    """``per_replicate``: for each replicate, model -> metric -> value (overall)."""
    models = list(per_replicate[0]) if per_replicate else []
    metrics = sorted({m for rep in per_replicate for model in rep.values() for m in model})
    alpha = (100 - level) / 2
    distribution = []
    for model in models:
        for metric in metrics:
            values = np.array([rep.get(model, {}).get(metric, np.nan) for rep in per_replicate])
            finite = values[np.isfinite(values)]
            if not finite.size:
                continue
            low, high = np.percentile(finite, [alpha, 100 - alpha])
            distribution.append(
                ReplicateDistribution(
                    model=model,
                    metric=metric,
                    mean=float(finite.mean()),
                    median=float(np.median(finite)),
                    lower=float(low),
                    upper=float(high),
                    std=float(finite.std(ddof=1)) if finite.size > 1 else float("nan"),
                    replicates=int(finite.size),
                    level=level,
                )
            )
    pairwise = []
    for metric in ("mae", "rmse", "mase"):
        for a in models:
            for b in models:
                if a == b:
                    continue
                pairs = [
                    (rep[a][metric], rep[b][metric])
                    for rep in per_replicate
                    if metric in rep.get(a, {}) and metric in rep.get(b, {})
                ]
                pairs = [(x, y) for x, y in pairs if np.isfinite(x) and np.isfinite(y)]
                if pairs:
                    wins = sum(1.0 if x < y else 0.5 if x == y else 0.0 for x, y in pairs)
                    pairwise.append(PairwiseShare(metric, a, b, wins / len(pairs), len(pairs)))
    return ReplicateSummary(tuple(distribution), tuple(pairwise))
