"""Forecasts made elsewhere, as a fitted model: one series' forecast by a global network (the
neural member of an ensemble on a panel, :mod:`forecast.fitting.global_ensemble`), or its
forecasts from a backtest fold's origins (:mod:`forecast.backtesting.ensemble_entry`).

``predict`` gives the stored forecast back (its first ``horizon`` steps, the asked levels'
bands), ``forecast_from`` the stored batch (the same origins, horizon and levels only); the
model has no parameters of its own to update, save or rebase from, and says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecast.errors import UsageError
from forecast.models.base import (
    Bands,
    BaseForecaster,
    Forecast,
    ForecastBatch,
    ModelSummary,
    series_freq,
)


class GivenForecast(BaseForecaster):
    """The forecast ``forecast`` (or the backtest batch ``batch``) of the series ``y`` made by
    the model ``member`` (its registry name, the model's :attr:`name`), summarised by
    ``summary``."""

    name = "given"
    forecast_: Forecast | None = None
    batch_: ForecastBatch | None = None

    def __init__(self) -> None:  # no hyperparameters: made by :meth:`of`
        pass

    @classmethod
    def of(
        cls,
        member: str,
        y: pd.Series,
        forecast: Forecast | ForecastBatch,
        summary: ModelSummary,
    ) -> GivenForecast:
        """The fitted stand-in for ``member``'s forecast of ``y`` (or its forecasts from
        origins in ``y``: a :class:`ForecastBatch`)."""
        model = cls()
        model.name = member  # type: ignore[misc]  # the member it stands for
        model.y_ = np.asarray(y, dtype="float64")
        model.freq_ = series_freq(y)
        model.start_, model.end_ = pd.Timestamp(y.index[0]), pd.Timestamp(y.index[-1])
        if isinstance(forecast, ForecastBatch):
            model.batch_ = forecast
        else:
            model.forecast_ = forecast
        model.summary_ = summary
        return model

    def _fit(self, y: np.ndarray) -> None:
        raise UsageError(f"{self.name}: a given forecast is not fitted here; make it with of()")

    def _predict(self, horizon: int, levels: tuple[float, ...]) -> tuple[np.ndarray, Bands, str]:
        made = self.forecast_
        if made is None:
            raise UsageError(f"{self.name}: only forecasts from a backtest's origins are given")
        missing = [lv for lv in levels if lv not in made.bands]
        if horizon > made.mean.size or missing:
            raise UsageError(
                f"{self.name}: the forecast was made for {made.mean.size} steps at levels "
                f"{list(made.levels)}; {horizon} steps at {list(levels)} need a new fit"
            )
        bands = {lv: (made.lower(lv)[:horizon], made.upper(lv)[:horizon]) for lv in levels}
        return made.mean[:horizon], bands, made.interval_method

    def forecast_from(
        self,
        history: pd.Series,
        origins: Sequence[int] | np.ndarray,
        horizon: int,
        levels: Sequence[float] = (),
        exog: pd.DataFrame | None = None,  # never given: refused before
    ) -> ForecastBatch:
        """The given batch, when it is the one asked for (same origins, steps and levels)."""
        made = self.batch_
        wanted = np.asarray(origins, dtype=int)
        if (
            made is None
            or not np.array_equal(made.origins, wanted)
            or made.mean.shape[1] != horizon
            or not set(map(float, levels)) <= set(made.bands)
        ):
            raise UsageError(
                f"{self.name}: the given forecasts are not those of these origins, steps and "
                "levels; fit again"
            )
        bands = {float(lv): made.bands[float(lv)] for lv in levels}
        return ForecastBatch(made.origins, made.mean, bands, made.interval_method)

    def _update(self, new: np.ndarray) -> None:
        raise UsageError(
            f"{self.name}: the global network's forecast of one series cannot take new data; "
            "fit the panel again"
        )

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        raise UsageError(
            f"{self.name}: the global network's forecast of one series cannot be saved; "
            "fit without --save"
        )

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        raise UsageError(f"{self.name}: a given forecast is never read from a model file")
