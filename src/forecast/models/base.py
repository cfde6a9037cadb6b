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

import functools
import inspect
import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from forecast.errors import ComputeError, InputError, UsageError

Bands = dict[float, tuple[np.ndarray, np.ndarray]]


def quantile_column(p: float) -> str:
    """0.05 -> "q_0.05": the column of a forecast quantile (``--quantiles``)."""
    return f"q_{p:g}"


def level_label(level: float) -> str:
    """80 -> "80", 99.5 -> "99.5": the suffix of lower_/upper_ columns."""
    return f"{level:g}"


def check_levels(levels: Sequence[float]) -> tuple[float, ...]:
    """Levels are percentages strictly between 0 and 100, returned sorted and unique; a level
    below 1 (0.95) is refused as a fraction written for a percentage."""
    out = sorted({float(v) for v in levels})
    for level in out:
        if 0 < level < 1:  # a fraction: 0.95 % intervals are never what was meant
            raise UsageError(
                f"--level is a percentage, got {level:g}; did you mean {level * 100:g}? "
                f"(pass -l {level * 100:g})"
            )
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
    quantiles: dict[float, np.ndarray] = field(default_factory=dict)  # p -> [horizon]
    quantile_method: str = ""  # how the quantiles were computed (--quantiles)
    paths: np.ndarray | None = None  # [samples, horizon] simulated paths (--samples)
    path_method: str = ""  # how the paths were simulated

    @property
    def levels(self) -> tuple[float, ...]:
        return tuple(sorted(self.bands))

    @property
    def probs(self) -> tuple[float, ...]:
        return tuple(sorted(self.quantiles))

    def lower(self, level: float) -> np.ndarray:
        return self.bands[level][0]

    def upper(self, level: float) -> np.ndarray:
        return self.bands[level][1]

    def columns(self) -> list[str]:
        names = ["timestamp", "mean"]
        for level in self.levels:
            names += [f"lower_{level_label(level)}", f"upper_{level_label(level)}"]
        return names + [quantile_column(p) for p in self.probs]

    def rows(self) -> list[list[Any]]:
        out = []
        for i, stamp in enumerate(self.index):
            row: list[Any] = [stamp.isoformat(), float(self.mean[i])]
            for level in self.levels:
                row += [float(self.lower(level)[i]), float(self.upper(level)[i])]
            row += [float(self.quantiles[p][i]) for p in self.probs]
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
    supports_exog: ClassVar[bool] = False  # takes regressors (known future covariates)

    y_: np.ndarray
    freq_: str
    start_: pd.Timestamp
    end_: pd.Timestamp
    summary_: ModelSummary
    exog_names_: tuple[str, ...] = ()  # the regressors fitted on (none: the class default)
    X_: np.ndarray | None = None  # [n, k] their values over y_

    # --- the contract ---------------------------------------------------------------------

    def min_length(self, freq: str | None = None) -> int:
        """The fewest observations :meth:`fit` accepts with these parameters at the frequency
        ``freq`` (a seasonal model's period is its own or the calendar's): the number every
        refusal for length states (:attr:`min_obs` unless a model says more)."""
        return self.min_obs

    def fit(self, y: pd.Series, exog: pd.DataFrame | None = None) -> Self:
        """Estimate on ``y``; ``exog`` holds the regressors at the same timestamps (one numeric
        column each), for the models that take them (``supports_exog``)."""
        values = _finite_values(y, "fit")
        freq = series_freq(y)
        need = self.min_length(freq)
        if values.size < need:
            raise InputError(
                f"{self.name} needs at least {need} observations to fit, got {values.size}"
            )
        from forecast.models.parameter_limits import check_against_data

        check_against_data(self.name, self.get_params(), int(values.size))
        self.freq_ = freq
        self.start_, self.end_ = pd.Timestamp(y.index[0]), pd.Timestamp(y.index[-1])
        self.y_ = values
        if exog is not None:
            if not self.supports_exog:
                raise UsageError(
                    f"{self.name} cannot use regressors; drop --exog or choose a model that "
                    f"takes them ({', '.join(EXOG_MODELS)})"
                )
            self.exog_names_ = tuple(str(c) for c in exog.columns)
            self.X_ = exog_matrix(exog, values.size, "fit")
        else:
            self.exog_names_, self.X_ = (), None
        self._fit(values)
        return self

    def predict(
        self,
        horizon: int,
        levels: Sequence[float] = (),
        exog_future: pd.DataFrame | None = None,
    ) -> Forecast:
        """``exog_future``: the regressors' values over the horizon (its first ``horizon``
        rows), required when the model was fitted with regressors."""
        self._check_fitted()
        horizon = check_horizon(horizon)
        levels = check_levels(levels)
        if not self.exog_names_ and exog_future is not None:
            raise UsageError(f"{self.name}: the model was fitted without regressors; drop --future")
        with warnings.catch_warnings(record=True) as caught:  # numpy's, said once below
            warnings.simplefilter("always", RuntimeWarning)
            if self.exog_names_:
                future = self._future_matrix(exog_future, horizon)
                mean, bands, method = self._predict_exog(horizon, levels, future)
            else:
                mean, bands, method = self._predict(horizon, levels)
        finite = np.isfinite(mean).all() and all(
            np.isfinite(lo).all() and np.isfinite(hi).all() for lo, hi in bands.values()
        )
        if not finite:
            overflow = next((str(w.message) for w in caught if "overflow" in str(w.message)), None)
            largest = float(np.max(np.abs(getattr(self, "y_", [np.nan]))))
            what = (
                f"computing the forecasts overflowed float64 (numpy: {overflow}) from values up "
                f"to {largest:.3g}; divide the values by a power of ten or model their "
                "logarithm, or try a simpler model"
                if overflow
                else "the fitted model gives non-finite forecasts or intervals; try a simpler "
                "model or more data"
            )
            raise ComputeError(f"{self.name}: {what}")
        for w in caught:  # not ours to hide when the forecasts are fine
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
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

    def update(self, y_new: pd.Series, exog_new: pd.DataFrame | None = None) -> Self:
        self._check_fitted()
        values = _finite_values(y_new, "update")
        if values.size == 0:
            return self
        if self.exog_names_:
            if exog_new is None:
                raise UsageError(
                    f"{self.name}: the model has regressors ({', '.join(self.exog_names_)}); "
                    "new observations need their values too"
                )
            new_x = exog_matrix(exog_new[list(self.exog_names_)], values.size, "update")
            assert self.X_ is not None
            self.X_ = np.vstack([self.X_, new_x])
        elif exog_new is not None:
            raise UsageError(f"{self.name}: the model was fitted without regressors")
        if isinstance(y_new.index, pd.DatetimeIndex):
            from forecast.data import future_index

            expected = future_index(self.end_, self.freq_, 1)[0]
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

    def refit(self, y: pd.Series, exog: pd.DataFrame | None = None) -> Self:
        """Re-estimate on ``y`` (the training data plus new observations). The default is a
        fresh model with the same hyperparameters; neural models fine-tune instead."""
        return type(self)(**self.get_params()).fit(y, exog)

    def exog_frame(self) -> pd.DataFrame | None:
        """The regressors over the training data (and updates), as a frame; None without."""
        if not self.exog_names_ or self.X_ is None:
            return None
        index = pd.date_range(self.start_, periods=self.y_.size, freq=self.freq_)
        return pd.DataFrame(self.X_, index=index, columns=list(self.exog_names_))

    def _future_matrix(self, exog_future: pd.DataFrame | None, horizon: int) -> np.ndarray:
        names = ", ".join(self.exog_names_)
        if exog_future is None:
            raise UsageError(
                f"{self.name}: the model has regressors ({names}); pass their future values "
                "with --future FILE"
            )
        lacking = [c for c in self.exog_names_ if c not in exog_future.columns]
        if lacking:
            raise InputError(
                f"the future covariates lack the column {lacking[0]!r}; the model needs {names}"
            )
        if len(exog_future) < horizon:
            raise InputError(
                f"the future covariates have {len(exog_future)} rows; the horizon needs {horizon}"
            )
        return exog_matrix(exog_future[list(self.exog_names_)].iloc[:horizon], horizon, "predict")

    def _predict_exog(
        self, horizon: int, levels: tuple[float, ...], future: np.ndarray
    ) -> tuple[np.ndarray, Bands, str]:
        """The forecast given the regressors' future values ``future`` [horizon, k]."""
        raise UsageError(f"{self.name} cannot use regressors")

    def summary(self) -> ModelSummary:
        self._check_fitted()
        return self.summary_

    def get_params(self) -> dict[str, Any]:
        """The hyperparameters, by the names ``__init__`` takes."""
        return {name: getattr(self, name) for name in _init_keywords(type(self))}

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
        exog: pd.DataFrame | None = None,
    ) -> ForecastBatch:
        """Forecasts with the fitted parameters (no re-estimation) from each origin, a position
        in ``history``: the state at origin t is built from ``history[: t + 1]`` alone.
        ``exog``: the regressors over ``history`` and at least ``horizon`` rows after the last
        origin (the realised values: an oracle forecast).

        This default rebuilds the model on each prefix through the model-file state, which is
        right for every model; models override it with something faster.
        """
        self._check_fitted()
        levels = check_levels(levels)
        positions = np.asarray(origins, dtype=int)
        forecasts = [
            self.rebased(
                history.iloc[: t + 1], None if exog is None else exog.iloc[: t + 1]
            ).predict(horizon, levels, None if exog is None else exog.iloc[t + 1 : t + 1 + horizon])
            for t in positions
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

    def _origins_args(
        self, horizon: int, levels: Sequence[float], exog: pd.DataFrame | None
    ) -> tuple[int, tuple[float, ...]]:
        """The checked horizon and levels of a model's own :meth:`forecast_from` that takes no
        regressors (fitted first; ``exog`` refused)."""
        self._check_fitted()
        if exog is not None:
            raise UsageError(f"{self.name} cannot use regressors; drop --exog")
        return check_horizon(horizon), check_levels(levels)

    def rebased(self, history: pd.Series, exog: pd.DataFrame | None = None) -> Self:
        """The same fitted parameters, with the state built from ``history`` (and its
        regressors ``exog``) instead of the training data (which it replaces as ``y_``)."""
        meta, arrays = self.get_state()
        values = _finite_values(history, "rebase")
        meta = {
            **meta,
            "start": pd.Timestamp(history.index[0]).isoformat(),
            "end": pd.Timestamp(history.index[-1]).isoformat(),
            "n": int(values.size),
        }
        arrays = {**arrays, "y": values}
        if self.exog_names_:
            if exog is None:
                raise UsageError(f"{self.name}: the model has regressors; pass exog")
            arrays["exog"] = exog_matrix(exog[list(self.exog_names_)], values.size, "rebase")
        return type(self).from_state(meta, arrays)

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
        if self.exog_names_:
            assert self.X_ is not None
            meta["exog"] = list(self.exog_names_)
            arrays = {**arrays, "exog": self.X_}
        return meta, {"y": self.y_, **arrays}

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Self:
        model = cls(**meta["params"])
        model.y_ = np.asarray(arrays["y"], dtype="float64")
        model.freq_ = meta["freq"]
        model.start_ = pd.Timestamp(meta["start"])
        model.end_ = pd.Timestamp(meta["end"])
        model.summary_ = ModelSummary.from_dict(meta["summary"])
        if meta.get("exog"):
            model.exog_names_ = tuple(str(c) for c in meta["exog"])
            model.X_ = np.asarray(arrays["exog"], dtype="float64")
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


EXOG_MODELS = (
    "ar",
    "ma",
    "arma",
    "arima",
    "sarima",
    "auto-arima",
    "sparse-ar",
    "rnn",
    "lstm",
    "gru",
    "transformer",
    "mlp",
    "cnn",
    "tcn",
    "nbeats",
    "nhits",
)


def exog_matrix(exog: pd.DataFrame, n: int, what: str) -> np.ndarray:
    """The regressors as a float64 [n, k] matrix; non-numeric, missing or infinite refused."""
    if not isinstance(exog, pd.DataFrame):
        raise UsageError(f"{what}: exog must be a DataFrame with one column per regressor")
    if len(exog) != n:
        raise InputError(f"{what}: the regressors have {len(exog)} rows for {n} observations")
    try:
        values = exog.to_numpy(dtype="float64")
    except (TypeError, ValueError):
        raise InputError(f"{what}: the regressors must be numeric") from None
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.argmax(bad.any(axis=1)))
        col = exog.columns[int(np.argmax(bad[row]))]
        raise InputError(
            f"{what}: regressor {col!r} is missing or infinite at {exog.index[row]}; every "
            "regressor needs a value at every timestamp"
        )
    return values.reshape(n, exog.shape[1])


@functools.cache
def _init_keywords(cls: type) -> tuple[str, ...]:
    """The names ``cls.__init__`` takes by keyword (read once per class: ``inspect`` parses a
    builtin's signature from text, 0.3 ms, and a backtest asks for it at every fold)."""
    signature = inspect.signature(cls.__init__)  # type: ignore[misc]
    keyword = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return tuple(
        name for name, p in signature.parameters.items() if name != "self" and p.kind in keyword
    )


def origin_values(
    history: pd.Series, origins: Sequence[int] | np.ndarray, first: int, label: str, why: str
) -> tuple[np.ndarray, np.ndarray]:
    """The positions ``origins`` (int64) and the values of ``history`` (finite, checked), for
    forecasts from many origins: a UsageError, that ``label`` names and ``why`` explains, when
    an origin lies before position ``first`` or past the end of ``history``."""
    positions = np.asarray(origins, dtype=np.int64)
    values = _finite_values(history, "forecast_from")
    if positions.size and (positions.min() < first or positions.max() >= values.size):
        raise UsageError(
            f"{label}: forecast origins must lie in {first} .. {values.size - 1} ({why})"
        )
    return positions, values


def _finite_values(y: pd.Series, what: str) -> np.ndarray:
    values = np.asarray(y, dtype="float64")
    if values.ndim != 1:
        raise UsageError(f"{what} needs a one-dimensional series")
    if not np.isfinite(values).all():
        raise InputError(
            f"{what}: the series has missing or infinite values; choose a --missing policy"
        )
    from forecast.data.values import MAX_MAGNITUDE

    largest = float(np.max(np.abs(values))) if values.size else 0.0
    if largest > MAX_MAGNITUDE:
        raise InputError(
            f"{what}: the series has values up to {largest:.3g}, above {MAX_MAGNITUDE:g}: too "
            "large to compute with (squares, variances and likelihoods overflow float64); divide "
            f"the values by a power of ten (e.g. 1e{max(int(np.log10(largest)) - 6, 1)}) or model "
            "their logarithm"
        )
    return values
