"""The result of a backtest: configuration, folds, forecasts, metrics, failures, notes."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from forecast.backtesting.scoring import ModelForecasts
from forecast.backtesting.splitters import Fold
from forecast.backtesting.uncertainty import (
    Assessment,
    BootstrapSummary,
    Comparison,
    MetricIntervals,
)
from forecast.models.base import level_label

FORECAST_COLUMNS = ("model", "fold", "origin", "target", "step", "actual", "mean")


@dataclass(frozen=True)
class BacktestConfig:
    """How a one-series backtest was run: the ``config`` section of its result."""

    scheme: str  # the splitter, described
    scheme_name: str  # walk-forward, purged-kfold or cpcv
    spec: dict[str, Any]  # the BacktestSpec asked for
    horizon: int
    gap: int
    levels: tuple[float, ...]
    refit: Any  # every, never or a whole number
    lookback: int
    lookback_source: str
    season_period: int
    season_period_source: str
    n_folds: int
    folds_scored: dict[str, int]  # folds each model was scored on
    partial_models: list[str]  # models scored on fewer folds than the others
    common_folds: list[int] | None  # the folds every model scored, when some are partial
    ranking: str
    models: list[dict[str, Any]]  # each model entry (label, model, params, ...)
    interval_methods: dict[str, str]
    series: dict[str, Any]  # provenance: source, columns, n, freq, start, end
    command: str
    versions: dict[str, str]
    metric_definitions: dict[str, str]
    regressors: dict[str, Any] | None = None  # --exog: names, lag, oracle, note
    threads: dict[str, Any] | None = None  # the thread policy the run was under

    @property
    def labels(self) -> list[str]:
        return [m["label"] for m in self.models]

    def to_dict(self) -> dict[str, Any]:
        return config_dict(self)


def config_dict(config: Any) -> dict[str, Any]:
    """A run's configuration (a dataclass with ``levels`` and the optional ``regressors`` and
    ``threads``) as a dict: every field, the levels as a list, the optional ones left out when
    None."""
    out = {f.name: getattr(config, f.name) for f in fields(config)}
    out["levels"] = list(config.levels)
    for optional in ("regressors", "threads"):
        if out[optional] is None:
            del out[optional]
    return out


class Sections:
    """The ``config`` and the optional sections (``optional``: the attributes, in order) of a
    backtest's :meth:`to_dict`."""

    setup: Any
    optional: ClassVar[tuple[str, ...]]

    @property
    def config(self) -> dict[str, Any]:
        """The ``config`` section of :meth:`to_dict`."""
        return dict(self.setup.to_dict())

    @property
    def extra(self) -> dict[str, Any]:
        """The optional sections of :meth:`to_dict`, as asked (those not None)."""
        sections = {k: getattr(self, k) for k in self.optional}
        return {k: v.to_dict() for k, v in sections.items() if v is not None}


@dataclass(frozen=True)
class BacktestResult(Sections):
    """A one-series backtest: how it was run, its folds, forecasts, metrics, failures and
    notes, and the sections asked for besides (the bootstrap over replicates of the series,
    metric confidence intervals, model comparisons)."""

    setup: BacktestConfig
    y: pd.Series
    folds: list[Fold]
    forecasts: list[ModelForecasts]
    metrics: list[dict[str, Any]]
    failures: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bootstrap: BootstrapSummary | None = None
    ci: MetricIntervals | None = None
    comparison: Comparison | None = None

    optional: ClassVar[tuple[str, ...]] = ("bootstrap", "ci", "comparison")

    def assessed(self, assessment: Assessment) -> BacktestResult:
        """This result with the ``--ci`` / ``--compare`` sections of ``assessment``."""
        return replace(self, ci=assessment.ci, comparison=assessment.comparison)

    @property
    def levels(self) -> tuple[float, ...]:
        return tuple(self.setup.levels)

    @property
    def labels(self) -> list[str]:
        return self.setup.labels

    def failed_everywhere(self) -> list[str]:
        scored = {mf.label for mf in self.forecasts if mf.origins.size}
        return [label for label in self.labels if label not in scored]

    @property
    def folds_scored(self) -> dict[str, int]:
        """How many folds each model was scored on (a model that failed in some has fewer)."""
        return dict(self.setup.folds_scored)

    @property
    def partial_models(self) -> list[str]:
        return list(self.setup.partial_models)

    def ranked(self) -> pd.DataFrame:
        """Models x metrics as the tables rank them: over the folds every model scored when
        some models failed in some folds (scope ``common``), else over all folds."""
        return self.overall("common" if self.setup.common_folds else "overall")

    def ranking_note(self) -> str | None:
        """What the ranking is over, when some models were scored on fewer folds."""
        if not self.partial_models:
            return None
        n = self.setup.n_folds
        parts = ", ".join(
            f"{m} scored {self.folds_scored[m]} of {n} folds" for m in self.partial_models
        )
        common = self.setup.common_folds or []
        return (
            f"partial: {parts}; the models are ranked on the {len(common)} folds every model "
            "scored (each model's metrics over all its own folds: scope overall in --format "
            "json and csv)"
        )

    def overall(self, scope: str = "overall") -> pd.DataFrame:
        """Models x metrics, the ``overall`` scope (or another keyless scope: ``common``)."""
        frame = pd.DataFrame([r for r in self.metrics if r["scope"] == scope])
        if frame.empty:
            return frame
        return frame.pivot(index="model", columns="metric", values="value").reindex(
            index=[lb for lb in self.labels if lb in set(frame["model"])],
            columns=list(dict.fromkeys(frame["metric"])),
        )

    def by_step(self, metric: str = "mae") -> pd.DataFrame:
        """Lead times x models for one metric."""
        frame = pd.DataFrame(
            [r for r in self.metrics if r["scope"] == "step" and r["metric"] == metric]
        )
        if frame.empty:
            return frame
        table = frame.pivot(index="key", columns="model", values="value")
        return table[[label for label in self.labels if label in table.columns]]

    def forecast_frame(self) -> pd.DataFrame:
        """Every scored forecast: one row per (model, origin, lead time)."""
        index = self.y.index
        frames = []
        gap = int(self.setup.gap)
        for mf in self.forecasts:
            if not mf.origins.size:
                continue
            h = mf.actual.shape[1]
            steps = np.arange(gap + 1, gap + h + 1)
            targets = mf.origins[:, None] + steps[None, :]  # [O, h]
            data = {
                "model": mf.label,
                "fold": np.repeat(mf.folds, h),
                "origin": index[np.repeat(mf.origins, h)],
                "target": index[targets.ravel()],
                "step": np.tile(steps, mf.origins.size),
                "actual": mf.actual.ravel(),
                "mean": mf.mean.ravel(),
            }
            for level, (lo, hi) in sorted(mf.bands.items()):
                data[f"lower_{level_label(level)}"] = lo.ravel()
                data[f"upper_{level_label(level)}"] = hi.ravel()
            frames.append(pd.DataFrame(data))
        if not frames:
            return pd.DataFrame(columns=list(FORECAST_COLUMNS))
        return pd.concat(frames, ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        forecasts = self.forecast_frame()
        for column in ("origin", "target"):
            if column in forecasts:
                forecasts[column] = [t.isoformat() for t in forecasts[column]]
        return {
            "config": self.setup.to_dict(),
            "metrics": self.metrics,
            "forecasts": forecasts.to_dict(orient="records"),
            "folds": [f.to_dict() for f in self.folds],
            "failures": self.failures,
            "notes": self.notes,
            **self.extra,
        }

    def csv_header(self) -> list[str]:
        """The metric table (the one people chart); ``--forecasts FILE.csv`` has the forecasts."""
        return ["model", "metric", "scope", "key", "value", "folds_scored"]

    def csv_rows(self) -> list[list[Any]]:
        """One row per metric value, with the number of folds its model was scored on."""
        scored = self.folds_scored
        return [
            [m["model"], m["metric"], m["scope"], m["key"], m["value"], scored.get(m["model"])]
            for m in self.metrics
        ]

    def forecast_csv_header(self) -> list[str]:
        bounds = []
        for level in self.levels:
            bounds += [f"lower_{level_label(level)}", f"upper_{level_label(level)}"]
        return [*FORECAST_COLUMNS, *bounds]

    def forecast_csv_rows(self) -> list[list[Any]]:
        """Every scored forecast, one row per (model, origin, lead time)."""
        header = self.forecast_csv_header()
        frame = self.forecast_frame()
        rows: list[list[Any]] = []
        for record in frame.reindex(columns=header).itertuples(index=False):
            values = dict(zip(header, record, strict=True))
            values["origin"] = values["origin"].isoformat()
            values["target"] = values["target"].isoformat()
            rows.append([values[c] for c in header])
        return rows
