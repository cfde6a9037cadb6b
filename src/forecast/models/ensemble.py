"""A combination of registered models: the mean, median or a weighted mean of their forecasts.

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

``combine=weighted``: the weighted mean, with weights inversely proportional to each member's
mean squared error in a validation inside the training data (Bates & Granger 1969): every
member is fitted on the first n - v observations and forecasts ``steps`` ahead at those fixed
parameters from each origin n - v - 1, ..., n - 2 (walk-forward, state updates only); the
squared errors whose targets fall inside the training data are averaged per member. ``steps``
is the period (8 without one) and v = max(steps, n // 5). Nothing after the training data is
read. Then every member is refitted on all n observations and the weights are kept: they are
in the summary. A member that fails its validation fit is left out (the summary says so); a
series too short for a validation (n - v below 2 x steps + 8) gets equal weights, stated.

``update`` updates every member at its fixed parameters; backtests forecast each member from
every origin with its own fast path and combine.

Convergence: the combination has no optimiser of its own; the weights are functions of the
members' validation forecasts, so they agree across BLAS kernels as the members' polished fits
do (1e-7).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import pandas as pd

from forecast.errors import ComputeError, ForecastError, InputError, UsageError
from forecast.models.base import Bands, BaseForecaster, ForecastBatch, ModelSummary, check_levels
from forecast.models.composite import pack, series_after, series_ending, unpack

DEFAULT_MEMBERS = ("ets", "auto-arima", "theta")
COMBINATIONS = ("mean", "median", "weighted")
NO_PERIOD_STEPS = 8  # validation lead times without a seasonal period (weighted)


class Ensemble(BaseForecaster):
    """Mean or median of member models' forecasts and interval bounds.

    Parameters
    ----------
    members : tuple of str
        Registered classical models, each fitted with its default parameters.
    combine : {"mean", "median", "weighted"}
        How the forecasts and the interval bounds are combined; ``weighted``: inverse
        validation MSE weights (module docstring).
    period : int or None
        Seasonal period passed to the members that take one; None lets each detect it.
    """

    name = "ensemble"
    min_obs = 8

    members_: list[BaseForecaster]
    weights_: np.ndarray  # [members]; equal unless combine == "weighted"

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

        if self.combine not in COMBINATIONS:
            raise UsageError(
                f"ensemble: combine must be one of {', '.join(COMBINATIONS)}, got {self.combine!r}"
            )
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

    def _member_params(self, name: str) -> dict[str, Any]:
        from forecast.models.registry import get_spec

        spec = get_spec(name)
        return {"period": self.period} if any(p.name == "period" for p in spec.params) else {}

    def _fit(self, y: np.ndarray) -> None:
        from forecast.models.registry import get_spec

        self._check()
        series = series_ending(y, self.end_, self.freq_)
        notes: list[str] = []
        names = list(self.members)
        scores: dict[str, float] = {}
        if self.combine == "weighted":
            scores, validation_notes = self._validation_mse(series)
            notes += validation_notes
            if scores:
                names = [n for n in names if n in scores]
        fitted: list[BaseForecaster] = []
        for name in names:
            try:
                fitted.append(get_spec(name).create(self._member_params(name)).fit(series))
            except ForecastError as exc:
                notes.append(f"ensemble: {name} could not be fitted and is left out: {exc.message}")
        if not fitted:
            raise ComputeError(
                "ensemble: no member could be fitted; the reasons: " + " | ".join(notes)
            )
        self.members_ = fitted
        if scores:
            inverse = np.array([1.0 / max(scores[m.name], 1e-300) for m in fitted])
            self.weights_ = inverse / inverse.sum()
        else:
            self.weights_ = np.full(len(fitted), 1.0 / len(fitted))
        self._summarise(tuple(notes))

    def _validation_steps(self) -> int:
        return self.period if self.period is not None and self.period > 1 else NO_PERIOD_STEPS

    def _validation_mse(self, series: pd.Series) -> tuple[dict[str, float], list[str]]:
        """Each member's mean squared walk-forward error inside ``series`` (module docstring);
        {} with a note when the series is too short for a validation."""
        from forecast.models.registry import get_spec

        n, steps = len(series), self._validation_steps()
        held = max(steps, n // 5)
        if n - held < 2 * steps + 8:
            return {}, [
                f"ensemble: {n} observations are too few for a validation of {steps} steps "
                f"(need {3 * steps + 8}); the members are weighted equally"
            ]
        origins = np.arange(n - held - 1, n - 1)
        targets = origins[:, None] + 1 + np.arange(steps)[None, :]  # [origins, steps]
        inside = targets < n
        actual = series.to_numpy()[np.minimum(targets, n - 1)]
        scores: dict[str, float] = {}
        notes: list[str] = []
        for name in self.members:
            try:
                member = get_spec(name).create(self._member_params(name))
                member.fit(series.iloc[: n - held])
                batch = member.forecast_from(series, origins, steps)
            except ForecastError as exc:
                notes.append(
                    f"ensemble: {name} failed its validation fit and is left out: {exc.message}"
                )
                continue
            errors = (actual - batch.mean)[inside]
            mse = float(np.mean(errors**2))
            if np.isfinite(mse):
                scores[name] = mse
            else:
                notes.append(f"ensemble: {name}'s validation forecasts are not finite; left out")
        return scores, notes

    def _summarise(self, notes: tuple[str, ...]) -> None:
        parts = [f"{m.name}: {m.summary().description}" for m in self.members_]
        how = self.combine
        if self.combine == "weighted":
            shown = ", ".join(
                f"{m.name} {w:.3f}" for m, w in zip(self.members_, self.weights_, strict=True)
            )
            how = f"inverse-validation-MSE weighted mean ({shown})"
        member_notes = tuple(n for m in self.members_ for n in m.summary().notes)
        self.summary_ = ModelSummary(
            model=self.name,
            description=f"{how} of {len(self.members_)} models ({'; '.join(parts)})",
            params={"members": list(self.members), "combine": self.combine},
            stats={"nobs": float(self.y_.size), "members": float(len(self.members_))},
            notes=notes + member_notes,
            extra={
                "members": [m.summary().to_dict() for m in self.members_],
                "weights": {
                    m.name: float(w) for m, w in zip(self.members_, self.weights_, strict=True)
                },
            },
        )

    def _reduce(self, stacked: np.ndarray) -> np.ndarray:
        """Combine along the first axis (the members)."""
        if self.combine == "median":
            return np.median(stacked, axis=0)
        if self.combine == "weighted":
            return np.tensordot(self.weights_, stacked, axes=1)
        return stacked.mean(axis=0)

    def _interval_method(self, methods: Sequence[str]) -> str:
        how = "inverse-validation-MSE weighted mean" if self.combine == "weighted" else self.combine
        return f"{how} of the members' interval bounds (quantile averaging); members: " + "; ".join(
            f"{m.name}: {how}" for m, how in zip(self.members_, methods, strict=True)
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

    def _predict_quantiles(self, horizon: int, probs: tuple[float, ...]) -> tuple[np.ndarray, str]:
        """The members' quantiles combined as their bounds are (quantile averaging: mean,
        median or weighted mean at each probability), held around the ensemble's mean as
        its bands are. Positive combinations of non-decreasing quantiles are non-decreasing."""
        from forecast.models.quantiles import hold_mean, member_quantiles

        stacked, methods = member_quantiles(self.members_, horizon, probs)  # [M, P, horizon]
        mean = self._reduce(np.array([m.predict(horizon).mean for m in self.members_]))
        values = hold_mean(self._reduce(stacked), probs, mean)
        return values, self._interval_method(methods).replace("interval bounds", "quantiles")

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
        copy.weights_ = self.weights_
        return copy

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        metas, arrays = pack(self.members_)
        return {"members": metas}, arrays | {"weights": self.weights_}

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        members = {k: v for k, v in arrays.items() if k != "weights"}
        self.members_ = unpack(fitted["members"], members)
        weights = arrays.get("weights")
        if weights is None:  # files written before combine=weighted: equal weights
            weights = np.full(len(self.members_), 1.0 / len(self.members_))
        weights = np.asarray(weights, dtype="float64")
        if (
            weights.shape != (len(self.members_),)
            or not np.all(np.isfinite(weights))
            or np.any(weights < 0)
            or abs(weights.sum() - 1.0) > 1e-6
        ):
            raise InputError(
                "the model file's ensemble weights are not one non-negative weight per member "
                "summing to 1; refit the model"
            )
        self.weights_ = weights

    def lookback(self, freq: str | None = None) -> int:
        from forecast.models.registry import get_spec

        if hasattr(self, "members_"):
            return max(m.lookback(freq) for m in self.members_)
        return max(get_spec(n).create(self._member_params(n)).lookback(freq) for n in self.members)
