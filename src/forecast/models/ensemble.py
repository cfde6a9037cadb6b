"""A combination of registered models: the mean or median of their forecasts.

On M3 and M4 the plain mean of ETS, ARIMA and Theta beats each of them (Makridakis et al.
2020; statsforecast's statistical ensemble). Each member is fitted on the same data with its own
defaults (the ensemble's ``period`` is passed to the members that take one). A member that
cannot be fitted is left out and the summary says so; the ensemble fails only when every member
does.

Intervals: the level-L bounds are the mean (or median) of the members' level-L bounds:
quantile averaging ("Vincentization"), which for members with Gaussian intervals is the
interval of the averaged quantile function. It is not the interval of the mixture of the
members' forecast distributions, and it ignores how correlated the members' errors are; use
``--intervals conformal`` for intervals calibrated on the ensemble's own errors.

``update`` updates every member at its fixed parameters; backtests forecast each member from
every origin with its own fast path and combine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import pandas as pd

from forecast.errors import ComputeError, ForecastError, UsageError
from forecast.models.base import Bands, BaseForecaster, ForecastBatch, ModelSummary, check_levels
from forecast.models.composite import pack, series_after, series_ending, unpack

DEFAULT_MEMBERS = ("ets", "auto-arima", "theta")


class Ensemble(BaseForecaster):
    """Mean or median of member models' forecasts and interval bounds.

    Parameters
    ----------
    members : tuple of str
        Registered classical models, each fitted with its default parameters.
    combine : {"mean", "median"}
        How the forecasts and the interval bounds are combined.
    period : int or None
        Seasonal period passed to the members that take one; None lets each detect it.
    """

    name = "ensemble"
    min_obs = 8

    members_: list[BaseForecaster]

    def __init__(
        self,
        members: tuple[str, ...] = DEFAULT_MEMBERS,
        combine: str = "mean",
        period: int | None = None,
    ) -> None:
        self.members = members
        self.combine = combine
        self.period = period

    def _check(self) -> None:
        from forecast.models.registry import REGISTRY

        if self.combine not in ("mean", "median"):
            raise UsageError(f"ensemble: combine must be mean or median, got {self.combine!r}")
        for name in self.members:
            spec = REGISTRY.get(name)
            if spec is None or spec.family in ("neural", "ensemble"):
                allowed = [n for n, s in REGISTRY.items() if s.family not in ("neural", "ensemble")]
                raise UsageError(
                    f"ensemble: member {name!r} is not a classical model; choose among: "
                    f"{', '.join(allowed)}"
                )
        if len(set(self.members)) != len(self.members):
            raise UsageError(f"ensemble: members are repeated: {','.join(self.members)}")

    def _fit(self, y: np.ndarray) -> None:
        from forecast.models.registry import get_spec

        self._check()
        series = series_ending(y, self.end_, self.freq_)
        fitted: list[BaseForecaster] = []
        notes: list[str] = []
        for name in self.members:
            spec = get_spec(name)
            params = {"period": self.period} if any(p.name == "period" for p in spec.params) else {}
            try:
                fitted.append(spec.create(params).fit(series))
            except ForecastError as exc:
                notes.append(f"ensemble: {name} could not be fitted and is left out: {exc.message}")
        if not fitted:
            raise ComputeError(
                "ensemble: no member could be fitted; the reasons: " + " | ".join(notes)
            )
        self.members_ = fitted
        self._summarise(tuple(notes))

    def _summarise(self, notes: tuple[str, ...]) -> None:
        parts = [f"{m.name}: {m.summary().description}" for m in self.members_]
        member_notes = tuple(n for m in self.members_ for n in m.summary().notes)
        self.summary_ = ModelSummary(
            model=self.name,
            description=f"{self.combine} of {len(self.members_)} models ({'; '.join(parts)})",
            params={"members": list(self.members), "combine": self.combine},
            stats={"nobs": float(self.y_.size), "members": float(len(self.members_))},
            notes=notes + member_notes,
            extra={"members": [m.summary().to_dict() for m in self.members_]},
        )

    def _reduce(self, stacked: np.ndarray) -> np.ndarray:
        """Combine along the first axis (the members)."""
        return np.median(stacked, axis=0) if self.combine == "median" else stacked.mean(axis=0)

    def _interval_method(self, methods: Sequence[str]) -> str:
        return (
            f"{self.combine} of the members' interval bounds (quantile averaging); members: "
            + "; ".join(f"{m.name}: {how}" for m, how in zip(self.members_, methods, strict=True))
        )

    def _predict(self, horizon: int, levels: tuple[float, ...]) -> tuple[np.ndarray, Bands, str]:
        forecasts = [m.predict(horizon, levels) for m in self.members_]
        mean = self._reduce(np.array([f.mean for f in forecasts]))
        bands: Bands = {
            lv: (
                np.minimum(self._reduce(np.array([f.lower(lv) for f in forecasts])), mean),
                np.maximum(self._reduce(np.array([f.upper(lv) for f in forecasts])), mean),
            )
            for lv in levels
        }
        return mean, bands, self._interval_method([f.interval_method for f in forecasts])

    def _update(self, new: np.ndarray) -> None:
        for member in self.members_:
            member.update(series_after(new, member.end_, self.freq_))

    def forecast_from(
        self,
        history: pd.Series,
        origins: Sequence[int] | np.ndarray,
        horizon: int,
        levels: Sequence[float] = (),
        exog: pd.DataFrame | None = None,  # never given: the model takes no regressors
    ) -> ForecastBatch:
        """Each member's forecasts from every origin (its own fast path), combined."""
        self._check_fitted()
        levels = check_levels(levels)
        batches = [m.forecast_from(history, origins, horizon, levels) for m in self.members_]
        mean = self._reduce(np.array([b.mean for b in batches]))
        bands: Bands = {
            lv: (
                np.minimum(self._reduce(np.array([b.bands[lv][0] for b in batches])), mean),
                np.maximum(self._reduce(np.array([b.bands[lv][1] for b in batches])), mean),
            )
            for lv in levels
        }
        method = self._interval_method([b.interval_method for b in batches])
        return ForecastBatch(np.asarray(origins, dtype=int), mean, bands, method)

    def rebased(self, history: pd.Series, exog: pd.DataFrame | None = None) -> Self:
        copy = type(self)(**self.get_params())
        copy.y_ = np.asarray(history, dtype="float64")
        copy.freq_, copy.summary_ = self.freq_, self.summary_
        copy.start_, copy.end_ = pd.Timestamp(history.index[0]), pd.Timestamp(history.index[-1])
        copy.members_ = [m.rebased(history) for m in self.members_]
        return copy

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        metas, arrays = pack(self.members_)
        return {"members": metas}, arrays

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.members_ = unpack(fitted["members"], arrays)

    def lookback(self, freq: str | None = None) -> int:
        from forecast.models.registry import get_spec

        if hasattr(self, "members_"):
            return max(m.lookback(freq) for m in self.members_)
        looks = []
        for name in self.members:
            spec = get_spec(name)
            params = {"period": self.period} if any(p.name == "period" for p in spec.params) else {}
            looks.append(spec.create(params).lookback(freq))
        return max(looks)
