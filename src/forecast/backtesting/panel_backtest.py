"""`forecast backtest` on a panel: the same splits on every series, then metrics over series.

A global neural model (rnn, lstm, gru, transformer on a panel of more than one series, see
:mod:`forecast.backtesting.global_panel`) is fitted once per fold on all series; everything else:
each series is backtested on its own by :func:`forecast.backtesting.runner.run_backtest` (the same
scheme and options; a fold is defined on the series' own positions, so a series' training data
ends at its own cut and nothing crosses from one series to another). Series too short for the
scheme, or on which every model fails, are reported and left out.

Aggregates over the series, per model and metric (scope ``overall`` of each series):

* ``mean`` and ``median`` over the series the model was scored on. For MASE and RMSSE the mean of
  the per-series values is the M4 convention (each series is scaled by its own in-sample naive
  error, then averaged);
* ``share_best``: the share of series on which the model is best for that metric (lowest error,
  bias closest to 0, coverage closest to nominal), a tie splitting the series equally;
* ``n_series``: how many series it was scored on. Series on which a model failed in some folds
  still count, with the folds it was scored on (its ``failures`` say which).

``--ci`` and ``--compare`` work on the pooled losses: each model's per-origin losses of every
series, one series after another (series in id order). On more than one series they are scaled
by default (each origin's losses divided by the naive MAE or MSE of its own training data, see
:func:`forecast.backtesting.uncertainty.loss_scale`), so that a series of level 4,000 does not
outweigh one of level 300; ``--compare-loss raw`` keeps the data's unit. The block bootstrap and
the HAC variance of the Diebold-Mariano test treat the seam between two series as adjacent
origins: an approximation, stated in the output, that matters little when series are long
against the block length or lag.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from forecast.backtesting.engine import ModelEntry
from forecast.backtesting.result import Sections, config_dict
from forecast.backtesting.runner import BacktestSpec
from forecast.backtesting.scoring import ModelForecasts
from forecast.backtesting.series_backtest import SeriesBacktest, backtest_one
from forecast.backtesting.uncertainty import Assessment, Comparison, MetricIntervals
from forecast.data import Panel
from forecast.errors import GLOBAL_EXOG, UsageError
from forecast.execution import Executor
from forecast.execution.executor import SeriesTasks

if TYPE_CHECKING:
    import pandas as pd

POOLED_NOTE = (
    "pooled over series: each model's per-origin losses of every series, one series after "
    "another; the bootstrap blocks and the Diebold-Mariano variance treat the seam between two "
    "series as adjacent origins (an approximation)"
)


@dataclass(frozen=True)
class PanelConfig:
    """How a panel backtest was run: the ``config`` section of its result."""

    data: dict[str, Any]  # provenance of the panel (Panel.describe)
    spec: dict[str, Any]  # the BacktestSpec asked for
    scheme: str  # the splitter, described (of the first series scored)
    scheme_name: str
    horizon: int
    gap: int
    levels: tuple[float, ...]
    refit: Any
    models: list[dict[str, Any]]
    aggregation: str
    command: str
    versions: dict[str, str]
    jobs: int
    regressors: dict[str, Any] | None = None
    threads: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return config_dict(self)


@dataclass(frozen=True)
class PanelBacktest(Sections):
    """Every series' backtest and the aggregates over series (see the module doc)."""

    setup: PanelConfig
    series: list[SeriesBacktest]
    load_failures: list[dict[str, Any]] = field(default_factory=list)
    ci: MetricIntervals | None = None  # on the pooled losses
    comparison: Comparison | None = None
    hierarchy: Any = None  # backtesting.reconciled.LevelMetrics (--hierarchy)

    optional: ClassVar[tuple[str, ...]] = ("ci", "comparison", "hierarchy")

    def assessed(self, assessment: Assessment) -> PanelBacktest:
        """This result with the ``--ci`` / ``--compare`` sections of ``assessment``."""
        return replace(self, ci=assessment.ci, comparison=assessment.comparison)

    @property
    def labels(self) -> list[str]:
        return [m["label"] for m in self.setup.models]

    @property
    def levels(self) -> tuple[float, ...]:
        return tuple(self.setup.levels)

    def scored(self) -> list[SeriesBacktest]:
        return [s for s in self.series if s.is_scored]

    def failures(self) -> list[dict[str, Any]]:
        """Series that could not be backtested, and models that failed in folds of a series."""
        out = list(self.load_failures)
        for s in self.series:
            if s.error is not None:
                out.append({"id": s.id, "stage": "backtest", "error": s.error})
            else:
                out += [
                    {
                        "id": s.id,
                        "stage": "backtest",
                        "model": f["model"],
                        "folds": f["folds"],
                        "error": f["error"],
                    }
                    for f in s.model_failures
                ]
        return out

    def to_frame(self, table: str = "aggregate") -> pd.DataFrame:
        """A table of the result as a DataFrame: ``aggregate`` (one row per model and metric:
        mean, median, share_best, n_series over series), ``series`` (each series' metrics),
        ``forecasts`` (every scored forecast, ``--forecasts``'s columns), ``failures``, or
        ``ci`` / ``comparison`` (their JSON sections' rows, when asked for)."""
        import pandas as pd

        if table == "forecasts":
            return pd.DataFrame(self.forecast_csv_rows(), columns=self.forecast_csv_header())
        if table in ("ci", "comparison"):
            section = self.extra.get(table)
            if section is None:
                raise UsageError(f"no {table} section: backtest with {table}=True")
            return _section_frame(section)
        tables = {"aggregate": self.aggregate, "series": self.per_series, "failures": self.failures}
        if table not in tables:
            names = ", ".join([*tables, "forecasts", "ci", "comparison"])
            raise UsageError(f"no table {table!r}; the tables are {names}")
        return pd.DataFrame(tables[table]())

    def per_series(self) -> list[dict[str, Any]]:
        """Rows ``{id, model, metric, value, folds_scored}`` of every series' overall metrics
        (over the folds every model scored, when a model failed in some)."""
        return self._per_series

    @cached_property
    def _per_series(self) -> list[dict[str, Any]]:
        return [
            {
                "id": s.id,
                "model": model,
                "metric": metric,
                "value": value,
                "folds_scored": s.folds_scored.get(model),
            }
            for s in self.scored()
            for model, values in s.overall().items()
            for metric, value in values.items()
        ]

    def aggregate(self) -> list[dict[str, Any]]:
        """Rows ``{model, metric, mean, median, share_best, n_series}``."""
        return self._aggregate

    @cached_property
    def _aggregate(self) -> list[dict[str, Any]]:
        scored = self.scored()
        metrics, values = overall_array(scored, self.labels)  # [series, models, metrics]
        wins = [share_wins(values[:, :, j], m, self.levels) for j, m in enumerate(metrics)]
        rows = []
        for i, label in enumerate(self.labels):
            for j, m in enumerate(metrics):
                scores = values[:, i, j]
                finite = scores[np.isfinite(scores)]
                rows.append(
                    {
                        "model": label,
                        "metric": m,
                        "mean": float(finite.mean()) if finite.size else None,
                        "median": float(np.median(finite)) if finite.size else None,
                        "share_best": float(wins[j][i]) / len(scored) if scored else None,
                        "n_series": int(finite.size),
                    }
                )
        return rows

    def worst_series(self, metric: str = "mase") -> tuple[str, list[dict[str, Any]]]:
        """The model with the best mean ``metric``, and every series it was scored on sorted
        by its value, worst first (rows: id, then each model's value)."""
        means = {r["model"]: r["mean"] for r in self.aggregate() if r["metric"] == metric}
        finite = {k: v for k, v in means.items() if v is not None}
        if not finite:
            return "", []
        leader = min(finite, key=lambda k: finite[k])
        rows = []
        for s in self.scored():
            overall = s.overall()
            if metric in overall.get(leader, {}):
                rows.append(
                    {"id": s.id, **{m: overall.get(m, {}).get(metric) for m in self.labels}}
                )
        rows.sort(key=lambda r: _descending(r[leader]))
        return leader, rows

    def pooled(self) -> list[ModelForecasts]:
        """Each model's forecasts of every series, concatenated in id order; an origin is
        numbered series * (longest series + 1) + position so that origins stay unique."""
        scored = self.scored()
        stride = 1 + max((len(s.result.y) for s in scored if s.result is not None), default=0)
        pooled = []
        for label in self.labels:
            parts = [
                (i, mf)
                for i, s in enumerate(scored)
                if s.result is not None
                for mf in s.result.forecasts
                if mf.label == label and mf.origins.size
            ]
            if not parts:
                continue
            pooled.append(
                ModelForecasts(
                    label=label,
                    origins=np.concatenate([i * stride + mf.origins for i, mf in parts]),
                    folds=np.concatenate([mf.folds for _, mf in parts]),
                    actual=np.concatenate([mf.actual for _, mf in parts]),
                    mean=np.concatenate([mf.mean for _, mf in parts]),
                    bands={
                        lv: (
                            np.concatenate([mf.bands[lv][0] for _, mf in parts]),
                            np.concatenate([mf.bands[lv][1] for _, mf in parts]),
                        )
                        for lv in self.levels
                    },
                    scale=np.concatenate([mf.scale for _, mf in parts]),
                    scale_sq=np.concatenate([mf.scale_sq for _, mf in parts]),
                    interval_method=parts[0][1].interval_method,
                )
            )
        return pooled

    def failed_everywhere(self) -> list[str]:
        """Models scored on no series at all (every model of a block-scored series was)."""
        seen: set[str] = set()
        for s in self.scored():
            found = s.block_row()
            seen.update(found[0].labels if found is not None else s.overall())
        return [label for label in self.labels if label not in seen]

    def notes(self) -> list[str]:
        return list(dict.fromkeys(n for s in self.scored() for n in s.notes))

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": self.setup.to_dict(),
            "aggregate": self.aggregate(),
            "series": self.per_series(),
            "failures": self.failures(),
            "notes": self.notes(),
            **self.extra,
        }

    def forecast_csv_header(self) -> list[str]:
        first = next((s.result for s in self.scored() if s.result is not None), None)
        return ["id", *(first.forecast_csv_header() if first is not None else [])]

    def forecast_csv_rows(self) -> list[list[Any]]:
        """Every series' scored forecasts (``--forecasts FILE.csv``), in id order."""
        return [
            [s.id, *row]
            for s in self.scored()
            if s.result is not None
            for row in s.result.forecast_csv_rows()
        ]

    def csv_header(self) -> list[str]:
        return ["scope", "id", "model", "metric", "value", "n_series", "folds_scored"]

    def csv_rows(self) -> Iterator[list[Any]]:
        """Per-series rows (scope ``series``, in :meth:`per_series`'s order, made as they are
        written rather than held), then the aggregates (``mean``, ``median``, ``share_best``)
        over series."""
        for s in self.scored():
            folds = s.folds_scored
            for model, values in s.overall().items():
                for metric, value in values.items():
                    yield ["series", s.id, model, metric, value, None, folds.get(model)]
        for r in self.aggregate():
            for stat in ("mean", "median", "share_best"):
                yield [stat, None, r["model"], r["metric"], r[stat], r["n_series"], None]


def run_panel_backtest(
    panel: Panel,
    entries: Sequence[ModelEntry],
    spec: BacktestSpec,
    executor: Executor,
    *,
    command: str = "",
    on_series: Callable[[SeriesBacktest], None] | None = None,
    exog: Any = None,
    exog_lag: int = 0,
    exog_models: Sequence[str] | None = None,
    detail: bool = True,
) -> PanelBacktest:
    """Backtest every series of ``panel`` (see the module doc); ``on_series(s)`` is called as
    each series finishes (progress). ``exog``: a :class:`forecast.data.exog.Covariates` with
    every series' regressors (see :func:`run_backtest` for ``exog_lag``). ``detail=False``:
    each series keeps its overall metrics only (all the panel's report reads; a third of the
    scoring, and most of the memory, of a large panel)."""
    from forecast.backtesting import batched
    from forecast.fitting.global_ensemble import neural_member
    from forecast.models.neural.global_options import split_options

    inner = replace(spec, jobs=1)
    extra = (exog, exog_lag, exog_models) if exog is not None else ()
    tasks: Any = SeriesTasks(panel, list(entries), inner, *extra)
    if panel.single is None and any(
        split_options(e.name, e.params)[0].applies(e.name, len(panel))
        or neural_member(e.name, e.params) is not None  # an ensemble's network: global
        for e in entries
    ):
        if exog is not None:
            raise UsageError(GLOBAL_EXOG)
        from forecast.backtesting.global_panel import global_tasks

        tasks = global_tasks(panel, entries, inner)  # one fit per fold across all series
    elif exog is None and panel.single is None and batched.can_batch(entries, inner):
        tasks = batched.BatchedTasks(panel, entries, inner)
    one = backtest_one if detail else functools.partial(backtest_one, detail=False)
    if isinstance(tasks, batched.BatchedTasks) and not detail and batched.can_score(entries):
        results = collect(batched.summarised(panel, entries, inner, executor, one), on_series)
    else:
        results = collect(executor.map(one, tasks), on_series)
    failures = [f.to_dict() for f in panel.failures]
    return panel_backtest(results, entries, spec, panel.describe(), failures, command)


def backtest_in_part(task: tuple[Any, tuple[Sequence[ModelEntry], BacktestSpec]]) -> SeriesBacktest:
    """Worker side of a run over part files (:mod:`forecast.execution.parts`):
    ``(series, (entries, spec))``, as :func:`backtest_one`."""
    series, (entries, spec) = task
    return backtest_one((series, entries, spec))


def collect(
    outcomes: Iterable[SeriesBacktest], on_series: Callable[[SeriesBacktest], None] | None
) -> list[SeriesBacktest]:
    """The series' backtests in arrival order; ``on_series`` sees each as it arrives."""
    results: list[SeriesBacktest] = []
    for outcome in outcomes:
        results.append(outcome)
        if on_series is not None:
            on_series(outcome)
    return results


def panel_backtest(
    results: list[SeriesBacktest],
    entries: Sequence[ModelEntry],
    spec: BacktestSpec,
    data: dict[str, Any],
    load_failures: list[dict[str, Any]],
    command: str = "",
) -> PanelBacktest:
    """The panel's result from its series' backtests; ``data`` is the provenance block
    (:meth:`forecast.data.Panel.describe`) and ``load_failures`` the series the loader
    refused."""
    from forecast.versions import library_versions

    first = next((s.result for s in results if s.result is not None), None)
    config = PanelConfig(
        data=data,
        spec=spec.to_dict(),
        scheme=first.setup.scheme if first else spec.scheme,
        scheme_name=spec.scheme,
        horizon=spec.horizon,
        gap=spec.gap,
        levels=tuple(spec.levels),
        refit=spec.refit,
        models=[e.to_dict() for e in entries],
        aggregation="mean and median over series of each series' overall metric; MASE and "
        "RMSSE means are the M4 mean of per-series ratios; share_best splits ties",
        command=command,
        versions=library_versions(),
        jobs=spec.jobs,
        regressors=first.setup.regressors if first is not None else None,
    )
    return PanelBacktest(config, results, load_failures)


def overall_array(
    scored: Sequence[SeriesBacktest], labels: Sequence[str]
) -> tuple[list[str], np.ndarray]:
    """The metrics of the series' overall scores, in order of first appearance, and the
    scores ``[series, models, metrics]`` (nan where a model has none): a block-scored series'
    row read from its block (:mod:`forecast.backtesting.batched_scoring`), the others'
    from :meth:`SeriesBacktest.overall`."""
    where = {label: i for i, label in enumerate(labels)}
    overall: dict[int, dict[str, dict[str, float]]] = {}
    blocks: dict[int, tuple[Any, list[int], list[int]]] = {}
    names: dict[str, None] = {}
    for i, s in enumerate(scored):
        found = s.block_row()
        if found is None:
            overall[i] = s.overall()
            names.update((m, None) for v in overall[i].values() for m in v)
            continue
        block, row = found
        if id(block) not in blocks:
            blocks[id(block)] = (block, [], [])
            names.update((m, None) for _ in block.labels for m in block.names)
        blocks[id(block)][1].append(i)
        blocks[id(block)][2].append(row)
    metrics = list(names)
    column = {m: j for j, m in enumerate(metrics)}
    values = np.full((len(scored), len(labels), len(metrics)), np.nan)
    for block, at, rows in blocks.values():
        models = [where[label] for label in block.labels]
        cols = [column[m] for m in block.names]
        values[np.ix_(at, models, cols)] = block.values[rows]
    for i, o in overall.items():
        for label, scores in o.items():
            for m, v in scores.items():
                values[i, where[label], column[m]] = np.nan if v is None else v
    return metrics, values


def share_wins(values: np.ndarray, metric: str, levels: Sequence[float]) -> np.ndarray:
    """Each model's wins ``[models]`` over series of ``values`` ``[series, models]`` for
    ``metric``: on each series the models with the best finite value (as
    :func:`~forecast.backtesting.scoring.best_value`: the first model reaching the smallest
    distance sets the best value) share 1 equally; the shares added series after series
    (a cumulative sum: the order of the per-series additions, so the same float)."""
    finite = np.isfinite(values)
    if metric == "bias":
        distance = np.abs(values)
    elif metric.startswith("coverage_"):
        distance = np.abs(values - float(metric.split("_", 1)[1]) / 100)
    else:
        distance = values
    distance = np.where(finite, distance, np.inf)
    some = finite.any(axis=1)
    first = np.argmin(distance, axis=1)  # the first of the smallest
    best = values[np.arange(values.shape[0]), first][:, None]
    winners = finite & (values == best) & some[:, None]
    count = winners.sum(axis=1)
    share = np.where(winners, 1 / np.maximum(count, 1)[:, None], 0.0)
    return np.cumsum(share, axis=0)[-1] if share.size else np.zeros(values.shape[1])


def _descending(value: Any) -> float:
    """Sort key: larger first, missing last."""
    return -float(value) if value is not None and np.isfinite(value) else float("inf")


def _section_frame(section: dict[str, Any]) -> pd.DataFrame:
    """The rows of a ``ci`` or ``comparison`` section: its list of rows (``intervals``;
    ``diebold_mariano`` and ``model_confidence_set`` stacked with a ``table`` column)."""
    import pandas as pd

    frames = [
        pd.DataFrame(rows).assign(table=name)
        for name, rows in section.items()
        if isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows)
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
