"""An ensemble with a neural member in one series' backtest of a panel (walk-forward).

The neural member is one global network per fit segment group, trained by
:func:`forecast.backtesting.global_panel.global_tasks` exactly as ``backtest PANEL -m gru``
trains it: on every series cut at its own training end, so no series' training span reaches
past its own cut. Its forecasts from each series' test origins come in as a
:class:`~forecast.backtesting.global_panel.PrecomputedEntry` (``network``). In the series'
backtest, each fit segment fits the ensemble's classical members on that segment only
(:meth:`~forecast.models.ensemble.Ensemble.leave_neural_member`), joins the network's
forecasts made for the same segment (:class:`~forecast.models.given.GivenForecast`) and
combines them per origin as the ensemble does (:meth:`~forecast.models.ensemble.Ensemble.
forecast_from`).

A segment the network has no forecasts for (its fit failed, or an origin of the series has no
full window before it) is a failure of the ensemble on those folds, reported with the
network's reason: where ``fit`` forecasts such a series by the classical members alone (with a
note), the backtest scores no silent substitute.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from forecast.backtesting.engine import ModelEntry
from forecast.models.base import ForecastBatch, ModelSummary


@dataclass(frozen=True)
class EnsembleEntry(ModelEntry):
    """The ensemble's entry in one series' backtest; ``network``: its neural member's
    precomputed forecasts (a ``PrecomputedEntry``)."""

    network: Any = None

    def create(self, seed: int | None) -> CombinedModel:
        return CombinedModel(ModelEntry.create(self, seed), self.network.create(seed))


class CombinedModel:
    """What the engine fits and forecasts with: the classical members fitted on the segment,
    the network's forecasts looked up by it."""

    def __init__(self, ensemble: Any, network: Any) -> None:
        self.ensemble = ensemble.leave_neural_member()
        self.network = network

    def lookback(self, freq: str | None = None) -> int:
        return max(self.ensemble.lookback(freq), self.network.lookback(freq))

    def fit(self, y: pd.Series, exog: pd.DataFrame | None = None) -> CombinedModel:
        # exog is always None: the ensemble takes no regressors
        self.ensemble.fit(y)
        self.network.fit(y)
        return self

    def forecast_from(
        self,
        history: pd.Series,
        origins: np.ndarray,
        horizon: int,
        levels: Sequence[float],
        exog: pd.DataFrame | None = None,
    ) -> ForecastBatch:
        from forecast.models.given import GivenForecast

        neural = self.ensemble.neural_member
        batch = self.network.forecast_from(history, origins, horizon, levels)  # or its reason
        summary = ModelSummary(neural, f"global {neural}, trained on this fold's panel", {})
        member = GivenForecast.of(neural, history, batch, summary)
        combined = copy.copy(self.ensemble).joined(member, neural)  # the fit's members kept
        return combined.forecast_from(history, origins, horizon, levels)
