"""A forecast made elsewhere, as a fitted model: one series' forecast by a global network,
the neural member of an ensemble on a panel (:mod:`forecast.fitting.global_ensemble`).

``predict`` gives the stored forecast back (its first ``horizon`` steps, the asked levels'
bands); the model has no parameters of its own to update, save or rebase from, and says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from forecast.errors import UsageError
from forecast.models.base import Bands, BaseForecaster, Forecast, ModelSummary, series_freq


class GivenForecast(BaseForecaster):
    """The forecast ``forecast`` of the series ``y`` made by the model ``member`` (its
    registry name, the model's :attr:`name`), summarised by ``summary``."""

    name = "given"
    forecast_: Forecast

    def __init__(self) -> None:  # no hyperparameters: made by :meth:`of`
        pass

    @classmethod
    def of(
        cls, member: str, y: pd.Series, forecast: Forecast, summary: ModelSummary
    ) -> GivenForecast:
        """The fitted stand-in for ``member``'s forecast of ``y``."""
        model = cls()
        model.name = member  # type: ignore[misc]  # the member it stands for
        model.y_ = np.asarray(y, dtype="float64")
        model.freq_ = series_freq(y)
        model.start_, model.end_ = pd.Timestamp(y.index[0]), pd.Timestamp(y.index[-1])
        model.forecast_, model.summary_ = forecast, summary
        return model

    def _fit(self, y: np.ndarray) -> None:
        raise UsageError(f"{self.name}: a given forecast is not fitted here; make it with of()")

    def _predict(self, horizon: int, levels: tuple[float, ...]) -> tuple[np.ndarray, Bands, str]:
        made = self.forecast_
        missing = [lv for lv in levels if lv not in made.bands]
        if horizon > made.mean.size or missing:
            raise UsageError(
                f"{self.name}: the forecast was made for {made.mean.size} steps at levels "
                f"{list(made.levels)}; {horizon} steps at {list(levels)} need a new fit"
            )
        bands = {lv: (made.lower(lv)[:horizon], made.upper(lv)[:horizon]) for lv in levels}
        return made.mean[:horizon], bands, made.interval_method

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
