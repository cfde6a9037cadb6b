"""``lightgbm`` and ``xgboost`` behind the per-series Forecaster contract.

The registry creates these for one series (and for ``--param global=false`` on a panel): the
global :class:`~forecast.models.trees.model.TreeForecaster` fitted on a panel of one, so one
series and a panel share every step (features, transforms, boosters, intervals). Without a
``--horizon`` at fit time, the conformal intervals are calibrated for ``horizon`` steps (one
period, at least 12, by default) and any level; ``fit_origins`` trains on the rows a purged
k-fold allows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from forecast.data.grid import future_index
from forecast.errors import InputError, UsageError
from forecast.models.base import (
    Bands,
    BaseForecaster,
    ForecastBatch,
    _finite_values,
    series_freq,
)
from forecast.models.spec_init import spec_init
from forecast.models.trees.model import DEFAULT_HORIZON, TreeForecaster

SID = ""  # the one series' id inside the global model


class TreeModel(BaseForecaster):
    """A tree model on one series (the global model over a panel of one)."""

    min_obs: ClassVar[int] = 4
    lags: tuple[int, ...]
    rolling: tuple[str, ...]
    period: int | None
    diff: tuple[int, ...]
    strategy: str
    horizon: int | None
    core_: TreeForecaster

    def _series(self, y: np.ndarray) -> pd.Series:
        index = pd.date_range(self.start_, periods=y.size, freq=self.freq_)
        return pd.Series(y, index=index)

    def _fit(self, y: np.ndarray) -> None:
        self.core_ = TreeForecaster(self.name, self.get_params()).fit([(SID, self._series(y))])
        self.summary_ = self.core_.summary(SID)

    def fit_origins(
        self, y: pd.Series, origins: np.ndarray, exog: pd.DataFrame | None = None
    ) -> Self:
        """Train on the rows at ``origins`` only (purged k-fold): the training values are the
        windows and targets those origins were chosen for (``lookback`` and ``target_length``
        at the series' frequency), and every row the model trains on reads nothing else."""
        freq = str(y.attrs.get("freq") or getattr(y.index, "freqstr", None) or "")
        mask = np.zeros(len(y), dtype=bool)
        back, ahead = self.lookback(freq), self.target_length(freq)
        for t in np.asarray(origins, dtype=np.int64):
            mask[max(t - back + 1, 0) : t + ahead + 1] = True
        if exog is not None:
            raise UsageError(f"{self.name} cannot use regressors; drop --exog")
        self.y_ = _finite_values(y, "fit")
        self.freq_ = series_freq(y)
        self.start_, self.end_ = pd.Timestamp(y.index[0]), pd.Timestamp(y.index[-1])
        self.exog_names_, self.X_ = (), None
        self.core_ = TreeForecaster(self.name, self.get_params()).fit(
            [(SID, self._series(self.y_))], masks=[mask]
        )
        self.summary_ = self.core_.summary(SID)
        return self

    def _predict(self, horizon: int, levels: tuple[float, ...]) -> tuple[np.ndarray, Bands, str]:
        result = self.core_.predict(horizon, levels)[SID]
        if isinstance(result, str):
            raise InputError(result)  # it names the model
        return result.mean, result.bands, result.interval_method

    def _update(self, new: np.ndarray) -> None:
        first = future_index(self.core_.ends_[0], self.freq_, 1)[0]
        self.core_.update(SID, pd.Series(new, index=pd.date_range(first, periods=new.size,
                                                                   freq=self.freq_)))  # fmt: skip

    def forecast_from(
        self,
        history: pd.Series,
        origins: Sequence[int] | np.ndarray,
        horizon: int,
        levels: Sequence[float] = (),
        exog: pd.DataFrame | None = None,
    ) -> ForecastBatch:
        self._check_fitted()
        return self.core_.forecast_from(SID, history, origins, horizon, levels)

    def lookback(self, freq: str | None = None) -> int:
        """The values one forecast reads (after a fit: exactly; before: from the parameters,
        the default lags taking the frequency's calendar period for the one detected)."""
        if hasattr(self, "core_"):
            return self.core_.reach
        from forecast.diagnostics.seasonality import calendar_period
        from forecast.models.trees.features import default_lags, parse_rolling

        lags = tuple(self.lags) or default_lags(self.period or calendar_period(freq), 10**9)[0]
        windows = [w for _, w in parse_rolling(self.name, self.rolling)]
        return max([*lags, *windows]) + int(sum(self.diff))

    def target_length(self, freq: str | None = None) -> int:
        """Steps after an origin one training row reads (the direct models' horizon)."""
        if self.strategy != "direct":
            return 1
        if hasattr(self, "core_"):
            return self.core_.horizon_
        from forecast.diagnostics.seasonality import calendar_period

        return int(self.horizon or max(self.period or calendar_period(freq) or 0, DEFAULT_HORIZON))

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        meta, arrays = self.core_.get_state()
        return {"core": meta}, {f"core.{k}": v for k, v in arrays.items()}

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        own = {k[len("core.") :]: v for k, v in arrays.items() if k.startswith("core.")}
        self.core_ = TreeForecaster.from_state(fitted["core"], own)


class LightGbm(TreeModel):
    """LightGBM on lag features (see :mod:`forecast.models.trees.model`)."""

    name = "lightgbm"


class XgBoost(TreeModel):
    """XGBoost on lag features (see :mod:`forecast.models.trees.model`)."""

    name = "xgboost"


for _cls in (LightGbm, XgBoost):  # the parameters and their defaults are the registry spec's
    _cls.__init__ = spec_init(_cls.name)  # type: ignore[method-assign]
