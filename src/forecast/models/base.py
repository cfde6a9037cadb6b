"""The Forecaster contract, the Forecast it returns, and the bookkeeping every model shares.

Every model, classical or neural, is a :class:`BaseForecaster`:

* ``fit(y)`` estimates on a series (float values, DatetimeIndex with a frequency) and returns
  ``self``; fitted state ends in ``_``.
* ``predict(horizon, levels)`` returns a :class:`Forecast`: the point forecast, the lower/upper
  bounds per level (percent, e.g. 80, 95) and the future timestamps.
* ``update(y_new)`` appends new observations that follow the training data, keeping the fitted
  parameters (no re-estimation): the next ``predict`` starts from the new end.
* ``summary()`` describes the fitted model; ``get_state()`` / ``from_state()`` turn it into JSON
  metadata plus numpy arrays for the model file (no pickle).

A subclass implements ``_fit``, ``_predict``, ``_update`` and, for the model file,
``_fitted_state`` / ``_restore``.
"""

from __future__ import annotations

import inspect
import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from forecast.errors import ComputeError, InputError, UsageError

Bands = dict[float, tuple[np.ndarray, np.ndarray]]


def level_label(level: float) -> str:
    """80 -> "80", 99.5 -> "99.5": the suffix of lower_/upper_ columns."""
    return f"{level:g}"


def check_levels(levels: Sequence[float]) -> tuple[float, ...]:
    """Levels are percentages strictly between 0 and 100, returned sorted and unique."""
    out = sorted({float(v) for v in levels})
    for level in out:
        if not 0 < level < 100:
            raise UsageError(f"--level must be a percentage between 0 and 100, got {level:g}")
    return tuple(out)


MAX_HORIZON = 100_000  # steps; the README's Limits


def check_horizon(horizon: int) -> int:
    if isinstance(horizon, float) and not math.isfinite(horizon):
        raise UsageError(f"--horizon must be a whole number >= 1, got {horizon}")
    if int(horizon) != horizon or horizon < 1:
        raise UsageError(f"--horizon must be a whole number >= 1, got {horizon}")
    if horizon > MAX_HORIZON:
        raise UsageError(
            f"--horizon must be at most {MAX_HORIZON:,} steps, got {horizon}; forecast fewer steps"
        )
    return int(horizon)


def normal_bands(mean: np.ndarray, se: np.ndarray, levels: Sequence[float]) -> Bands:
    """mean -/+ z * se for each level (Gaussian forecast errors)."""
    bands: Bands = {}
    for level in levels:
        z = NormalDist().inv_cdf(0.5 + level / 200)
        bands[level] = (mean - z * se, mean + z * se)
    return bands


@dataclass(frozen=True)
class Forecast:
    """Point forecasts and prediction intervals over the future index."""

    index: pd.DatetimeIndex
    mean: np.ndarray  # [horizon]
    bands: Bands  # level -> (lower [horizon], upper [horizon])
    interval_method: str

    @property
    def levels(self) -> tuple[float, ...]:
        return tuple(sorted(self.bands))

    def lower(self, level: float) -> np.ndarray:
        return self.bands[level][0]

    def upper(self, level: float) -> np.ndarray:
        return self.bands[level][1]

    def columns(self) -> list[str]:
        names = ["timestamp", "mean"]
        for level in self.levels:
            names += [f"lower_{level_label(level)}", f"upper_{level_label(level)}"]
        return names

    def rows(self) -> list[list[Any]]:
        out = []
        for i, stamp in enumerate(self.index):
            row: list[Any] = [stamp.isoformat(), float(self.mean[i])]
            for level in self.levels:
                row += [float(self.lower(level)[i]), float(self.upper(level)[i])]
            out.append(row)
        return out

    def to_records(self) -> list[dict[str, Any]]:
        names = self.columns()
        return [dict(zip(names, row, strict=True)) for row in self.rows()]


@dataclass(frozen=True)
class ForecastBatch:
    """Forecasts from many origins with one set of fitted parameters (backtests)."""

    origins: np.ndarray  # [O] positions in the history: the last observation each one used
    mean: np.ndarray  # [O, horizon]
    bands: Bands  # level -> (lower [O, horizon], upper [O, horizon])
    interval_method: str


@dataclass(frozen=True)
class Coefficient:
    name: str
    value: float
    se: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "se": self.se}


@dataclass(frozen=True)
class ModelSummary:
    """What was fitted: a one-line description, coefficients, fit statistics, notes."""

    model: str
    description: str
    params: dict[str, Any]
    coefficients: tuple[Coefficient, ...] = ()
    stats: dict[str, float] = field(default_factory=dict)
    residual_ljung_box: tuple[dict[str, float], ...] = ()
    notes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.model,
            "description": self.description,
            "parameters": self.params,
            **self.extra,
            "coefficients": [c.to_dict() for c in self.coefficients],
            "fit": self.stats,
            "residual_ljung_box": list(self.residual_ljung_box),
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSummary:
        known = {"name", "description", "parameters", "coefficients", "fit"}
        known |= {"residual_ljung_box", "notes"}
        return cls(
            model=data["name"],
            description=data["description"],
            params=data["parameters"],
            coefficients=tuple(Coefficient(**c) for c in data["coefficients"]),
            stats=data["fit"],
            residual_ljung_box=tuple(data["residual_ljung_box"]),
            notes=tuple(data["notes"]),
            extra={k: v for k, v in data.items() if k not in known},
        )


class BaseForecaster(ABC):
    """Shared bookkeeping: the training values, their frequency and end, and the contract."""

    name: ClassVar[str]
    min_obs: ClassVar[int] = 3

    y_: np.ndarray
    freq_: str
    start_: pd.Timestamp
    end_: pd.Timestamp
    summary_: ModelSummary

    # --- the contract ---------------------------------------------------------------------

    def fit(self, y: pd.Series) -> Self:
        values = _finite_values(y, "fit")
        if values.size < self.min_obs:
            raise InputError(
                f"{self.name} needs at least {self.min_obs} observations to fit, got {values.size}"
            )
        from forecast.models.limits import check_against_data

        check_against_data(self.name, self.get_params(), int(values.size))
        self.freq_ = series_freq(y)
        self.start_, self.end_ = pd.Timestamp(y.index[0]), pd.Timestamp(y.index[-1])
        self.y_ = values
        self._fit(values)
        return self

    def predict(self, horizon: int, levels: Sequence[float] = ()) -> Forecast:
        self._check_fitted()
        horizon = check_horizon(horizon)
        levels = check_levels(levels)
        mean, bands, method = self._predict(horizon, levels)
        finite = np.isfinite(mean).all() and all(
            np.isfinite(lo).all() and np.isfinite(hi).all() for lo, hi in bands.values()
        )
        if not finite:
            raise ComputeError(
                f"{self.name}: the fitted model gives non-finite forecasts or intervals; try a "
                "simpler model or more data"
            )
        from forecast.data import future_index

        return Forecast(
            index=future_index(self.end_, self.freq_, horizon),
            mean=np.asarray(mean, dtype="float64"),
            bands={
                lv: (np.asarray(lo, "float64"), np.asarray(hi, "float64"))
                for lv, (lo, hi) in bands.items()
            },
            interval_method=method,
        )

    def update(self, y_new: pd.Series) -> Self:
        self._check_fitted()
        values = _finite_values(y_new, "update")
        if values.size == 0:
            return self
        if isinstance(y_new.index, pd.DatetimeIndex):
            expected = pd.date_range(self.end_, periods=2, freq=self.freq_)[1]
            if y_new.index[0] != expected:
                raise InputError(
                    f"new data must start at {expected.isoformat()}, the step after the model's "
                    f"end {self.end_.isoformat()}; it starts at {y_new.index[0].isoformat()}"
                )
            self.end_ = pd.Timestamp(y_new.index[-1])
        else:
            self.end_ = pd.date_range(self.end_, periods=values.size + 1, freq=self.freq_)[-1]
        self.y_ = np.concatenate([self.y_, values])
        self._update(values)
        return self

    def refit(self, y: pd.Series) -> Self:
        """Re-estimate on ``y`` (the training data plus new observations). The default is a
        fresh model with the same hyperparameters; neural models fine-tune instead."""
        return type(self)(**self.get_params()).fit(y)

    def summary(self) -> ModelSummary:
        self._check_fitted()
        return self.summary_

    def get_params(self) -> dict[str, Any]:
        """The hyperparameters, by the names ``__init__`` takes."""
        signature = inspect.signature(type(self).__init__)
        keyword = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        return {
            name: getattr(self, name)
            for name, p in signature.parameters.items()
            if name != "self" and p.kind in keyword
        }

    def lookback(self, freq: str | None = None) -> int:
        """How many past observations one forecast reads, from the hyperparameters alone: the
        purge width of k-fold backtests (REFERENCE.md). ``freq`` stands in for a period that
        will be detected at fit time."""
        return 1

    # --- forecasts from many origins (backtests) --------------------------------------------

    def forecast_from(
        self,
        history: pd.Series,
        origins: Sequence[int] | np.ndarray,
        horizon: int,
        levels: Sequence[float] = (),
    ) -> ForecastBatch:
        """Forecasts with the fitted parameters (no re-estimation) from each origin, a position
        in ``history``: the state at origin t is built from ``history[: t + 1]`` alone.

        This default rebuilds the model on each prefix through the model-file state, which is
        right for every model; models override it with something faster.
        """
        self._check_fitted()
        levels = check_levels(levels)
        positions = np.asarray(origins, dtype=int)
        forecasts = [
            self.rebased(history.iloc[: t + 1]).predict(horizon, levels) for t in positions
        ]
        return ForecastBatch(
            origins=positions,
            mean=np.array([f.mean for f in forecasts]).reshape(len(forecasts), horizon),
            bands={
                lv: (
                    np.array([f.lower(lv) for f in forecasts]).reshape(len(forecasts), horizon),
                    np.array([f.upper(lv) for f in forecasts]).reshape(len(forecasts), horizon),
                )
                for lv in levels
            },
            interval_method=forecasts[0].interval_method if forecasts else "",
        )

    def rebased(self, history: pd.Series) -> Self:
        """The same fitted parameters, with the state built from ``history`` instead of the
        training data (which it replaces as ``y_``)."""
        meta, arrays = self.get_state()
        values = _finite_values(history, "rebase")
        meta = {
            **meta,
            "start": pd.Timestamp(history.index[0]).isoformat(),
            "end": pd.Timestamp(history.index[-1]).isoformat(),
            "n": int(values.size),
        }
        return type(self).from_state(meta, {**arrays, "y": values})

    # --- model files ----------------------------------------------------------------------

    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-able metadata and named arrays that :meth:`from_state` restores exactly."""
        self._check_fitted()
        fitted, arrays = self._fitted_state()
        meta = {
            "params": self.get_params(),
            "freq": self.freq_,
            "start": self.start_.isoformat(),
            "end": self.end_.isoformat(),
            "n": int(self.y_.size),
            "summary": self.summary_.to_dict(),
            "fitted": fitted,
        }
        return meta, {"y": self.y_, **arrays}

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Self:
        model = cls(**meta["params"])
        model.y_ = np.asarray(arrays["y"], dtype="float64")
        model.freq_ = meta["freq"]
        model.start_ = pd.Timestamp(meta["start"])
        model.end_ = pd.Timestamp(meta["end"])
        model.summary_ = ModelSummary.from_dict(meta["summary"])
        model._restore(meta["fitted"], arrays)
        return model

    # --- for subclasses -------------------------------------------------------------------

    @abstractmethod
    def _fit(self, y: np.ndarray) -> None:
        """Estimate on ``y``; set ``summary_`` and the fitted state."""

    @abstractmethod
    def _predict(self, horizon: int, levels: tuple[float, ...]) -> tuple[np.ndarray, Bands, str]:
        """Point forecast, bands per level, and how the intervals were computed."""

    @abstractmethod
    def _update(self, new: np.ndarray) -> None:
        """``y_`` already holds ``new`` at its end: move the state on, parameters fixed."""

    @abstractmethod
    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """What the model file needs beyond params and ``y_``."""

    @abstractmethod
    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        """Rebuild the fitted state from :meth:`_fitted_state`'s output."""

    def _check_fitted(self) -> None:
        if not hasattr(self, "y_"):
            raise UsageError(f"{self.name}: call fit() before predict(), update() or summary()")


def series_freq(y: pd.Series) -> str:
    """The frequency of a series: its index's, the loader's ``attrs["freq"]``, or inferred."""
    index = y.index
    if not isinstance(index, pd.DatetimeIndex):
        raise UsageError("a forecaster needs a series with a DatetimeIndex")
    if index.freqstr:
        return str(index.freqstr)
    if y.attrs.get("freq"):
        return str(y.attrs["freq"])
    inferred = pd.infer_freq(index) if len(index) >= 3 else None
    if inferred is None:
        raise InputError("cannot tell the series' frequency; pass --freq")
    return str(inferred)


def _finite_values(y: pd.Series, what: str) -> np.ndarray:
    values = np.asarray(y, dtype="float64")
    if values.ndim != 1:
        raise UsageError(f"{what} needs a one-dimensional series")
    if not np.isfinite(values).all():
        raise InputError(
            f"{what}: the series has missing or infinite values; choose a --missing policy"
        )
    from forecast.data.values import MAX_MAGNITUDE

    if values.size and np.abs(values).max() > MAX_MAGNITUDE:
        raise InputError(
            f"{what}: the series has values of magnitude {np.abs(values).max():.3g}, above "
            f"{MAX_MAGNITUDE:g}; rescale it, e.g. divide it by a power of ten"
        )
    return values
