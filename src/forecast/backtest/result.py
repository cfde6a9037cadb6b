"""The result of a backtest: configuration, folds, forecasts, metrics, failures, notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecast.backtest.scoring import ModelForecasts
from forecast.backtest.splitters import Fold
from forecast.models.base import level_label

FORECAST_COLUMNS = ("model", "fold", "origin", "target", "step", "actual", "mean")


@dataclass(frozen=True)
class BacktestResult:
    config: dict[str, Any]
    y: pd.Series
    folds: list[Fold]
    forecasts: list[ModelForecasts]
    metrics: list[dict[str, Any]]
    failures: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # bootstrap / comparison sections

    @property
    def levels(self) -> tuple[float, ...]:
        return tuple(self.config["levels"])

    @property
    def labels(self) -> list[str]:
        return [m["label"] for m in self.config["models"]]

    def failed_everywhere(self) -> list[str]:
        scored = {mf.label for mf in self.forecasts if mf.origins.size}
        return [label for label in self.labels if label not in scored]

    def overall(self) -> pd.DataFrame:
        """Models x metrics, the ``overall`` scope."""
        frame = pd.DataFrame([r for r in self.metrics if r["scope"] == "overall"])
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
        gap = int(self.config["gap"])
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
            "config": self.config,
            "metrics": self.metrics,
            "forecasts": forecasts.to_dict(orient="records"),
            "folds": [f.to_dict() for f in self.folds],
            "failures": self.failures,
            "notes": self.notes,
            **self.extra,
        }

    def csv_header(self) -> list[str]:
        bounds = []
        for level in self.levels:
            bounds += [f"lower_{level_label(level)}", f"upper_{level_label(level)}"]
        return ["record", *FORECAST_COLUMNS, *bounds, "metric", "scope", "key", "value"]

    def csv_rows(self) -> list[list[Any]]:
        """One table for programs: ``record`` is ``forecast`` or ``metric``; each kind fills
        its own columns and leaves the others empty."""
        header = self.csv_header()
        rows: list[list[Any]] = []
        frame = self.forecast_frame()
        forecast_cols = [c for c in header[1:] if c in frame.columns]
        for record in frame[forecast_cols].itertuples(index=False):
            values = dict(zip(forecast_cols, record, strict=True))
            values["origin"] = values["origin"].isoformat()
            values["target"] = values["target"].isoformat()
            rows.append(["forecast", *(values.get(c) for c in header[1:])])
        for metric in self.metrics:
            rows.append(
                [
                    "metric",
                    *(
                        metric.get(c)
                        if c in ("metric", "scope", "key", "value")
                        else (metric["model"] if c == "model" else None)
                        for c in header[1:]
                    ),
                ]
            )
        return rows
