"""One series' backtest in a panel run: its result (or the error that stopped it) and the task
function the executor maps over the series (:func:`backtest_one`). Kept apart from
:mod:`forecast.backtesting.panel_backtest` (the aggregate over series) so that the block scorer
(:mod:`forecast.backtesting.batched_scoring`) builds on it without importing the panel run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from forecast.backtesting.result import BacktestResult
from forecast.backtesting.runner import run_backtest


@dataclass(frozen=True)
class SeriesBacktest:
    """One series' backtest, or the error that stopped it."""

    id: str
    result: BacktestResult | None = None
    error: str | None = None

    def overall(self) -> dict[str, dict[str, float]]:
        """model -> metric -> value, the series' ``overall`` scope; when some model failed in
        some folds, over the folds every model scored (scope ``common``), so that the models
        are compared on the same targets."""
        out: dict[str, dict[str, float]] = {}
        if self.result is None:
            return out
        scope = "common" if self.result.setup.common_folds else "overall"
        for row in self.result.metrics:
            if row["scope"] == scope:
                out.setdefault(row["model"], {})[row["metric"]] = row["value"]
        return out

    def block_row(self) -> tuple[Any, int] | None:
        """The block of scores and the row this series' overall metrics are in, when it was
        scored in a block (:mod:`forecast.backtesting.batched_scoring`); else None."""
        return None

    @property
    def is_scored(self) -> bool:
        """Whether the series was backtested (it has a result)."""
        return self.result is not None

    @property
    def folds_scored(self) -> dict[str, int]:
        """model -> how many folds it was scored on."""
        return self.result.folds_scored if self.result is not None else {}

    @property
    def model_failures(self) -> list[dict[str, Any]]:
        """The models that failed in some folds: ``{model, folds, error}``."""
        return list(self.result.failures) if self.result is not None else []

    @property
    def notes(self) -> list[str]:
        return list(self.result.notes) if self.result is not None else []


TASK_DEFAULTS: tuple[Any, ...] = (None, 0, None, None)  # covariates, exog_lag, models, given


def backtest_one(task: tuple[Any, ...], detail: bool = True) -> SeriesBacktest:
    """One series through the single-series backtest (jobs=1: the executor parallelises):
    ``(series, entries, spec, covariates, exog_lag, exog_models, given)``, any tail left out
    (:data:`TASK_DEFAULTS`): the regressors, and the jobs the vectorised path forecast
    (:mod:`forecast.backtesting.batched`). ``detail=False``: the series keeps its overall
    metrics only (:func:`~forecast.backtesting.runner.run_backtest`)."""
    from forecast.errors import describe_error

    series, entries, spec = task[:3]
    rest: tuple[Any, ...] = (*task[3:], *TASK_DEFAULTS[len(task) - 3 :])
    covariates, exog_lag, exog_models, given = rest
    sid = series.id or ""
    try:
        exog = None
        if covariates is not None:
            exog = covariates.training(series.y.index, series.id)
        result = run_backtest(
            series.y,
            entries,
            spec,
            source=series.describe(),
            exog=exog,
            exog_lag=exog_lag,
            exog_models=exog_models,
            given=given,
            detail=detail,
        )
    except Exception as exc:  # one series' failure never stops the others
        return SeriesBacktest(sid, error=describe_error(exc))
    return SeriesBacktest(sid, result=result)
