"""`backtest`: models evaluated on one series or on every series of a panel, with the
confidence intervals and model comparisons asked for.

:func:`run` takes a :class:`BacktestRequest` and returns the finished result: a
:class:`~forecast.backtesting.result.BacktestResult` for one series, a
:class:`~forecast.backtesting.panel_backtest.PanelBacktest` for a panel. It chooses among the
four runs:

- **Parquet parts read by the workers** (``engine="dask"`` on a long-format directory, see
  :func:`forecast.workflows.source.reads_parts`): each series backtested where its part was
  read; not with regressors, the bootstrap or a global network;
- **a loaded panel** mapped over an executor
  (:func:`forecast.backtesting.panel_backtest.run_panel_backtest`; a global network is fitted
  once per fold across the series);
- **the bootstrap** (``bootstrap`` set): the inner scheme on the series and on block-bootstrap
  replicates of it (one series only);
- **one series** (:func:`forecast.backtesting.runner.run_backtest`).

``ci`` and ``compare`` (:func:`~forecast.backtesting.uncertainty.assess`) are computed here: on
one series' forecasts, or on a panel's losses pooled over its series. Everything runs under the
thread rule (:func:`forecast.threads.limited`). Nothing is printed: the loader's notices go to
``notify``; the failures and notes are on the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from forecast.workflows.source import Notify, SourceRequest, silent

if TYPE_CHECKING:
    from forecast.backtesting.engine import ModelEntry
    from forecast.backtesting.panel_backtest import PanelBacktest, SeriesBacktest
    from forecast.backtesting.result import BacktestResult
    from forecast.backtesting.runner import BacktestSpec, BootstrapSpec
    from forecast.backtesting.uncertainty import CompareSettings, IntervalSettings
    from forecast.data import Panel
    from forecast.threads import ThreadPolicy


@dataclass(frozen=True)
class BacktestRequest:
    """What to backtest, on which series, and what to compute besides the metrics.

    Attributes
    ----------
    source
        Where the series are and where they run.
    entries
        The models (label, registry name, parameters, refit policy).
    spec
        The splits, horizon, levels and scoring options.
    bootstrap
        ``--scheme bootstrap``: how to resample the series (one series only); None otherwise.
    ci, compare
        The metric confidence intervals and the model comparisons, or None.
    exog, exog_lag, exog_models
        The regressor columns of the data (None: none), their lag, and the labels of the
        models that use them (None: every model).
    command
        The command line recorded in the result.
    threads, progress
        The thread limits (None: the default policy) and whether progress bars may be drawn.
    as_panel
        Return a :class:`~forecast.backtesting.panel_backtest.PanelBacktest` for one series too (a
        panel of one, as the Python API does).
    series_detail
        Each series of a panel keeps its per-step, per-fold and per-path metric rows (the
        Python API); False: its overall ones only, all a panel's report reads (the CLI).
    """

    source: SourceRequest
    entries: tuple[ModelEntry, ...]
    spec: BacktestSpec
    bootstrap: BootstrapSpec | None = None
    ci: IntervalSettings | None = None
    compare: CompareSettings | None = None
    exog: tuple[str, ...] | None = None
    exog_lag: int = 0
    exog_models: tuple[str, ...] | None = None
    command: str = ""
    threads: ThreadPolicy | None = None
    progress: bool = False
    as_panel: bool = False
    series_detail: bool = True

    @property
    def min_length(self) -> int:
        """The shortest series a backtest with this horizon takes."""
        return 2 * self.spec.horizon + 2

    @property
    def purpose(self) -> str:
        return f"a backtest with horizon {self.spec.horizon}"


def run(
    request: BacktestRequest, notify: Notify = silent, panel: Panel | None = None
) -> BacktestResult | PanelBacktest:
    """Backtest ``request`` (see the module doc); ``panel``: series already loaded (the data
    options of ``request.source`` are then not read)."""
    from forecast.progress import progress_enabled
    from forecast.threads import limited, resolve
    from forecast.workflows import source as where

    policy = request.threads or resolve()
    threads = policy.to_dict(request.spec.jobs)
    request = _with_value_col(request)
    with progress_enabled(request.progress), limited(policy):
        if panel is None and _reads_parts(request):
            parted = _backtest_parts(request, notify)
            if parted is not None:
                return _finish_panel(parted, request, threads)
        if panel is None:
            panel = where.load_panel(
                request.source,
                min_length=request.min_length,
                purpose=request.purpose,
                notify=notify,
                allow_constant=True,
            )
        if panel.single is None or request.as_panel:
            return _finish_panel(_backtest_panel(request, panel), request, threads)
        return _backtest_series(request, panel, threads)


def _finish_panel(
    result: PanelBacktest, request: BacktestRequest, threads: dict[str, Any]
) -> PanelBacktest:
    """The thread policy recorded, and ``ci``/``compare`` on the losses pooled over series."""
    from forecast.backtesting.panel_backtest import POOLED_NOTE
    from forecast.backtesting.uncertainty import assess

    result = replace(result, setup=replace(result.setup, threads=threads))
    if request.ci is None and request.compare is None:
        return result
    several = len(result.scored()) > 1  # scaled losses by default (loss_scale)
    sections = assess(
        result.pooled(), request.ci, request.compare, request.spec.gap, pooled=several
    )
    return result.assessed(sections.pooled(POOLED_NOTE))


def _reads_parts(request: BacktestRequest) -> bool:
    """Whether the workers read the part files themselves: not with regressors (read on the
    client), the bootstrap (one series) or a global network (one fit per fold across every
    series needs the whole panel in one place)."""
    from forecast.fitting.global_ensemble import neural_member
    from forecast.models.neural.global_options import split_options
    from forecast.workflows.source import reads_parts

    if request.bootstrap is not None:
        return False
    one_model = any(
        split_options(e.name, e.params)[0].applies(e.name, 2) or neural_member(e.name, e.params)
        for e in request.entries
    )  # a global model, or an ensemble whose neural member is one
    return reads_parts(request.source, exog=request.exog is not None, one_model=one_model)


def _backtest_parts(request: BacktestRequest, notify: Notify) -> PanelBacktest | None:
    """The panel backtest part file by part file: each series backtested where its part was
    read, the result assembled here from the outcomes and the parts' provenance blocks; None
    when the directory has no id column (one series: loaded instead)."""
    from forecast.backtesting.panel_backtest import backtest_in_part, collect, panel_backtest
    from forecast.data.panel import merge_descriptions
    from forecast.workflows.source import open_parts

    parts = open_parts(
        request.source,
        min_length=request.min_length,
        purpose=request.purpose,
        notify=notify,
        allow_constant=True,
    )
    if parts is None:
        return None
    spec, entries = request.spec, list(request.entries)
    inner = (entries, replace(spec, jobs=1))  # the executor parallelises
    wanted = list(request.source.ids) if request.source.ids is not None else None
    with parts.planned(wanted) as plan, _series_progress(plan.n_series) as done:
        results = collect(parts.map(plan, backtest_in_part, inner), done)
        data = merge_descriptions(request.source.data, parts.described)
        return panel_backtest(results, entries, spec, data, parts.load_failures, request.command)


def _backtest_panel(request: BacktestRequest, panel: Panel) -> PanelBacktest:
    """Every series of a loaded panel through the executor (a global network: one fit per
    fold across the series)."""
    from forecast.backtesting.panel_backtest import run_panel_backtest
    from forecast.errors import UsageError
    from forecast.workflows.source import executor

    if request.bootstrap is not None and not request.as_panel:
        raise UsageError(
            "--scheme bootstrap resamples one series; on a panel pass --ids X (one series)"
            " or use walk-forward, purged-kfold or cpcv"
        )
    runner = executor(request.source)
    covariates = _covariates(request, panel)
    exog: dict[str, Any] = {}
    if covariates is not None:
        exog = {"exog": covariates, "exog_lag": request.exog_lag, "exog_models": _users(request)}
    with _series_progress(len(panel)) as done:
        return run_panel_backtest(
            panel,
            list(request.entries),
            request.spec,
            runner,
            command=request.command,
            on_series=done,
            detail=request.series_detail,
            **exog,
        )


@contextmanager
def _series_progress(total: int) -> Iterator[Callable[[SeriesBacktest], None]]:
    """A progress bar over ``total`` series and the callback that advances it (counting the
    series that failed)."""
    from forecast.progress import task

    failed = 0
    with task("series", total=total) as advance:

        def done(series: SeriesBacktest) -> None:
            nonlocal failed
            failed += series.error is not None
            advance(failed=failed)

        yield done


def _backtest_series(
    request: BacktestRequest, panel: Panel, threads: dict[str, Any]
) -> BacktestResult:
    """One series: the bootstrap over its replicates, or the inner scheme on it; then
    ``ci``/``compare`` on its forecasts."""
    from forecast.backtesting.runner import run_backtest, run_bootstrap_backtest
    from forecast.backtesting.uncertainty import assess

    series = panel.single
    assert series is not None
    if request.bootstrap is not None:
        result = run_bootstrap_backtest(
            series.y,
            list(request.entries),
            request.spec,
            request.bootstrap,
            source=series.describe(),
            command=request.command,
        )
    else:
        covariates = _covariates(request, series)
        regressors = None
        if covariates is not None:
            import pandas as pd

            regressors = covariates.training(pd.DatetimeIndex(series.y.index))
        result = run_backtest(
            series.y,
            list(request.entries),
            request.spec,
            source=series.describe(),
            command=request.command,
            exog=regressors,
            exog_lag=request.exog_lag,
            exog_models=_users(request),
        )
    result = result.assessed(
        assess(result.forecasts, request.ci, request.compare, request.spec.gap)
    )
    return replace(result, setup=replace(result.setup, threads=threads))


def _users(request: BacktestRequest) -> Sequence[str] | None:
    return list(request.exog_models) if request.exog_models is not None else None


def _with_value_col(request: BacktestRequest) -> BacktestRequest:
    """With regressors and no value column named: the one column that is neither time, id
    nor a regressor (read from the data's header)."""
    src = request.source
    if request.exog is None or src.value_col is not None:
        return request
    from forecast.data.exog import value_column

    value_col = value_column(
        src.data, request.exog, time_col=src.time_col, id_col=src.id_col, encoding=src.encoding
    )
    return replace(request, source=replace(src, value_col=value_col))


def _covariates(request: BacktestRequest, loaded: Any) -> Any:
    """The regressor columns of the data (a :class:`forecast.data.exog.Covariates`), read with
    the time (and id) columns of the series or panel ``loaded``; None without regressors."""
    if request.exog is None:
        return None
    from forecast.data.exog import read_covariates

    src = request.source
    return read_covariates(
        src.data,
        request.exog,
        time_col=loaded.time_col,
        id_col=getattr(loaded, "id_col", None),
        exclude=[loaded.value_col],
        time_format=src.time_format,
        encoding=src.encoding,
    )
