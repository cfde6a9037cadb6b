"""A combination of registered models: the mean, median or a weighted mean of their forecasts.

On M3 and M4 the plain mean of ETS, ARIMA and Theta beats each of them (Makridakis et al.
2020; statsforecast's statistical ensemble). Each member is fitted on the same data with its own
defaults (the ensemble's ``period`` is passed to the members that take one). A member that
cannot be fitted is left out and the summary says so; the ensemble fails only when every member
does.

Intervals (``bounds``): ``pool`` (the default when every member is classical) gives the
quantiles of the members' linear pool, the mixture of their forecast distributions weighted as
the forecasts are (:mod:`forecast.models.linear_pool`): where the members disagree, the
interval widens. ``average`` gives the mean (or median, or weighted mean) of the members'
level-L bounds: quantile averaging ("Vincentization"), the interval of the averaged quantile
function, which ignores the members' disagreement; it is the default with a neural member,
whose pooled conformal intervals already hold its own errors. Neither accounts for how
correlated the members' errors are; ``--intervals conformal`` calibrates on the ensemble's own
errors. The defaults were chosen on two disjoint draws of 250 monthly and 250 quarterly M3
series (bench/bench_accuracy.py and bench/bench_ensemble_choice.py; bench/RESULTS.md,
2026-12-07): for ets + auto-arima + theta the pool lowered MSIS in all four groups and brought
the 80/95 % coverage 2-4 points nearer nominal (monthly 75.5/91.4 % -> 77.2/93.3 % on the
second draw); with a global network as a member it over-covered and raised MSIS.

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

One neural member (gru, lstm, rnn, transformer, mlp, cnn, tcn, nbeats, nhits; at most one) may
join the classical ones; ``neural_window`` (its ``window``), ``epochs``, ``seed`` and ``device``
are its parameters (the others are its defaults; the ensemble's ``period`` too). On one series
it is the per-series network, a member like the others. On a panel, ``forecast fit`` trains it
once as a global network over every series (:mod:`forecast.fitting.global_ensemble`): each
series' ensemble fits its classical members (:meth:`Ensemble.leave_neural_member`) and joins the
global network's forecast of the series as one more member (:meth:`Ensemble.joined`), combined
as above; ``backtest`` retrains that network per fold on every series' training part
(:mod:`forecast.backtesting.ensemble_entry`). ``combine=weighted`` takes no neural member (its
validation would retrain the network per series).

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
from forecast.models.neural.global_options import GLOBAL_MODELS

DEFAULT_MEMBERS = ("ets", "auto-arima", "theta")
COMBINATIONS = ("mean", "median", "weighted")
BOUNDS = ("auto", "average", "pool")  # how the members' interval bounds and quantiles combine
NO_PERIOD_STEPS = 8  # validation lead times without a seasonal period (weighted)
NEURAL_MEMBERS = GLOBAL_MODELS  # at most one member of an ensemble
# the ensemble's parameters of its neural member -> the member's names for them
NEURAL_PARAMS = {"neural_window": "window", "epochs": "epochs", "seed": "seed", "device": "device"}


class Ensemble(BaseForecaster):
    """Mean or median of member models' forecasts and interval bounds.

    Parameters
    ----------
    members : tuple of str
        Registered classical models, each fitted with its default parameters.
    combine : {"mean", "median", "weighted"}
        How the forecasts and the interval bounds are combined; ``weighted``: inverse
        validation MSE weights (module docstring).
    bounds : {"auto", "average", "pool"}
        ``average``: the bounds and quantiles combined as the forecasts are (quantile
        averaging); ``pool``: the quantiles of the members' mixture, weighted as they are
        (:mod:`forecast.models.linear_pool`); ``auto``: ``pool``, or ``average`` with a neural
        member (module docstring).
    period : int or None
        Seasonal period passed to the members that take one; None lets each detect it.
    neural_window, epochs, seed, device : int or None, int or None, int or None, str
        The neural member's ``window``, ``epochs``, ``seed`` and ``device`` (None, ``"auto"``:
        its defaults).
    """

    name = "ensemble"
    min_obs = 8

    members_: list[BaseForecaster]
    weights_: np.ndarray  # [members]; equal unless combine == "weighted"
    notes_: tuple[str, ...] = ()  # the fit's own notes (members left out)
    _neural_elsewhere = False  # leave_neural_member(): the neural member joins after the fit

    def __init__(
        self,
        members: tuple[str, ...] = DEFAULT_MEMBERS,
        combine: str = "mean",
        bounds: str = "auto",
        period: int | None = None,
        neural_window: int | None = None,
        epochs: int | None = None,
        seed: int | None = None,
        device: str = "auto",
    ) -> None:
        self.members = members
        self.combine = combine
        self.period = period
        self.bounds = bounds
        self.neural_window = neural_window
        self.epochs = epochs
        self.seed = seed
        self.device = device

    def _check(self) -> None:
        from forecast.models.registry import REGISTRY

        if self.combine not in COMBINATIONS:
            raise UsageError(
                f"ensemble: combine must be one of {', '.join(COMBINATIONS)}, got {self.combine!r}"
            )
        if self.bounds not in BOUNDS:
            raise UsageError(
                f"ensemble: bounds must be one of {', '.join(BOUNDS)}, got {self.bounds!r}"
            )
        for name in self.members:
            spec = REGISTRY.get(name)
            classical = spec is not None and spec.family not in ("neural", "ensemble")
            if not classical and name not in NEURAL_MEMBERS:
                allowed = [n for n, s in REGISTRY.items() if s.family not in ("neural", "ensemble")]
                raise UsageError(
                    f"ensemble: member {name!r} is not a classical model; choose among: "
                    f"{', '.join(allowed)}, and at most one of {', '.join(NEURAL_MEMBERS)}"
                )
        if len(set(self.members)) != len(self.members):
            raise UsageError(f"ensemble: members are repeated: {','.join(self.members)}")
        self._check_neural()

    def _check_neural(self) -> None:
        """At most one neural member, not weighted, and its parameters only with it."""
        neural = [n for n in self.members if n in NEURAL_MEMBERS]
        if len(neural) > 1:
            raise UsageError(
                f"ensemble: at most one neural member, got {', '.join(neural)}; keep one of them"
            )
        if neural and self.combine == "weighted":
            raise UsageError(
                f"ensemble: combine=weighted takes no neural member ({neural[0]}): use "
                f"combine=mean or combine=median, or drop {neural[0]} from members"
            )
        given = [p for p in NEURAL_PARAMS if p != "seed" and getattr(self, p) not in (None, "auto")]
        if given and not neural:  # seed: unused by classical members, as --seed is
            raise UsageError(
                f"ensemble: {given[0]} is the neural member's parameter and members has none; "
                f"add one (e.g. members={','.join(self.members)},gru) or drop {given[0]}"
            )

    def check(self) -> Self:
        """Refuse unknown, repeated or too many neural members and a bad combination now
        (before any data is read; :meth:`fit` checks them too)."""
        self._check()
        return self

    @property
    def neural_member(self) -> str | None:
        """The neural member's name, or None."""
        return next((n for n in self.members if n in NEURAL_MEMBERS), None)

    def neural_params(self) -> dict[str, Any]:
        """The neural member's parameters: ``window``, ``epochs``, ``seed``, ``device`` and
        ``period`` where given (the others: its defaults)."""
        given = {own: getattr(self, p) for p, own in (*NEURAL_PARAMS.items(), ("period", "period"))}
        return {k: v for k, v in given.items() if v is not None and v != "auto"}

    def leave_neural_member(self) -> Self:
        """Fit the classical members only: the neural member is trained elsewhere (one global
        network over a panel) and its forecast of the series joined after the fit
        (:meth:`joined`)."""
        self._neural_elsewhere = True
        return self

    def joined(self, member: BaseForecaster, name: str) -> Self:
        """This fitted ensemble with ``member`` (the neural member ``name``, fitted elsewhere)
        as one more member at its place in ``members``, the members weighted equally."""
        self._check_fitted()
        order = list(self.members)
        place = sum(order.index(m.name) < order.index(name) for m in self.members_)
        self.members_ = [*self.members_[:place], member, *self.members_[place:]]
        self.weights_ = np.full(len(self.members_), 1.0 / len(self.members_))
        self._summarise(self.notes_)
        return self

    def _member_params(self, name: str) -> dict[str, Any]:
        from forecast.models.registry import get_spec

        if name in NEURAL_MEMBERS:
            return self.neural_params()
        spec = get_spec(name)
        return {"period": self.period} if any(p.name == "period" for p in spec.params) else {}

    def _fit(self, y: np.ndarray) -> None:
        from forecast.models.registry import get_spec

        self._check()
        series = series_ending(y, self.end_, self.freq_)
        notes: list[str] = []
        names = list(self.members)
        if self._neural_elsewhere:
            names = [n for n in names if n not in NEURAL_MEMBERS]
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
        self.notes_ = tuple(notes)
        self._summarise(self.notes_)

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
        """How the bounds were combined, then each member's own method."""
        weighted = self.combine == "weighted"
        if self.bounds_rule == "pool":
            how = (
                f"quantiles of the {'weighted' if weighted else 'equally weighted'} mixture "
                "(linear pool) of the members' forecast distributions, each the normal through "
                "its own bound"
            )
        else:
            mean = "inverse-validation-MSE weighted mean" if weighted else self.combine
            how = f"{mean} of the members' interval bounds (quantile averaging)"
        return f"{how}; members: " + "; ".join(
            f"{m.name}: {method}" for m, method in zip(self.members_, methods, strict=True)
        )

    @property
    def bounds_rule(self) -> str:
        """``average`` or ``pool``: the rule ``bounds`` names, ``auto`` resolved."""
        if self.bounds != "auto":
            return self.bounds
        return "average" if self.neural_member is not None else "pool"

    def _bands(
        self, means: np.ndarray, mean: np.ndarray, members: Sequence[Bands], levels: Sequence[float]
    ) -> Bands:
        """Each level's bounds from the members' (``means``: theirs, ``mean``: the ensemble's),
        held around the ensemble's mean."""
        from forecast.models.linear_pool import pooled_bounds

        bands: Bands = {}
        for lv in levels:
            lower = np.array([b[lv][0] for b in members])
            upper = np.array([b[lv][1] for b in members])
            if self.bounds_rule == "pool":
                lo, hi = pooled_bounds(means, lower, upper, lv, self.weights_)
            else:
                lo, hi = self._reduce(lower), self._reduce(upper)
            bands[lv] = (np.minimum(lo, mean), np.maximum(hi, mean))
        return bands

    def _predict(self, horizon: int, levels: tuple[float, ...]) -> tuple[np.ndarray, Bands, str]:
        forecasts = [m.predict(horizon, levels) for m in self.members_]
        means = np.array([f.mean for f in forecasts])
        mean = self._reduce(means)
        bands = self._bands(means, mean, [f.bands for f in forecasts], levels)
        return mean, bands, self._interval_method([f.interval_method for f in forecasts])

    def _predict_quantiles(self, horizon: int, probs: tuple[float, ...]) -> tuple[np.ndarray, str]:
        """The members' quantiles combined as their bounds are (quantile averaging: mean,
        median or weighted mean at each probability), held around the ensemble's mean as
        its bands are. Positive combinations of non-decreasing quantiles are non-decreasing."""
        from forecast.models.quantiles import hold_mean, member_quantiles

        stacked, methods = member_quantiles(self.members_, horizon, probs)  # [M, P, horizon]
        means = np.array([m.predict(horizon).mean for m in self.members_])
        mean = self._reduce(means)
        if self.bounds_rule == "pool":
            from forecast.models.linear_pool import pooled_quantiles

            combined = pooled_quantiles(means, stacked, probs, self.weights_)
        else:
            combined = self._reduce(stacked)
        values = hold_mean(combined, probs, mean)
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
        means = np.array([b.mean for b in batches])
        mean = self._reduce(means)
        bands = self._bands(means, mean, [b.bands for b in batches], levels)
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
