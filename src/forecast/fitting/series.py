"""`forecast fit` and `forecast predict` as library calls: fit or load, forecast, describe.

New observations for a saved model (``predict --data``) must continue its training data: rows
at or before the model's last timestamp are skipped when they equal what the model was trained
on (so a cron job may pass the whole history every day) and refused when they differ; a gap
after the last timestamp is refused, since nothing can be forecast across missing data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forecast.data import SeriesData, future_index
from forecast.errors import InputError
from forecast.models.base import BaseForecaster, Forecast, ModelSummary
from forecast.models.registry import get_spec
from forecast.types import Intervals

if TYPE_CHECKING:
    from forecast.data.exog import Covariates
    from forecast.models.conformal import Calibration

DEFAULT_HORIZON = 12
DEFAULT_LEVELS = (80.0, 95.0)
INTERMITTENT_ZEROS = 0.3  # a non-negative series with this share of zeros is floored at 0
CONSTANT_MODEL = "naive"  # forecasts a constant series that the chosen models cannot fit


@dataclass(frozen=True)
class ForecastRun:
    """A fitted (or loaded) model's summary and its forecast, with where they came from."""

    series: dict[str, Any]
    summary: ModelSummary
    forecast: Forecast
    horizon: int
    levels: tuple[float, ...]
    extra: dict[str, Any] = field(default_factory=dict)
    calibration: Calibration | None = None  # conformal intervals: kept in a saved model file
    notes: tuple[str, ...] = ()  # `note:` lines (a constant series, an automatic floor)

    def to_dict(self) -> dict[str, Any]:
        return {
            "series": self.series,
            "model": self.summary.to_dict(),
            "horizon": self.horizon,
            "levels": list(self.levels),
            "interval_method": self.forecast.interval_method,
            "forecast": self.forecast.to_records(),
            **self.extra,
        }


@dataclass(frozen=True)
class Draws:
    """What a forecast carries besides its bands: quantiles at ``probs`` (``--quantiles``) and
    ``samples`` simulated paths (``--samples``), seeded per series from ``seed`` and the id."""

    probs: tuple[float, ...] = ()
    samples: int = 0
    seed: int = 0

    def series_seed(self, series_id: str | None) -> int:
        """The paths' seed of one series: the run's seed and the id, hashed (the same series
        gets the same paths in any panel, in any order)."""
        import zlib

        key = zlib.crc32((series_id or "").encode("utf-8"))
        return int(np.random.SeedSequence([self.seed, key]).generate_state(1)[0])


NO_DRAWS = Draws()


def first_given(*values: Any) -> Any:
    """The first value that is not None (an option, then the config, then the default)."""
    return next(v for v in values if v is not None)


def horizon_and_levels(
    horizon: int | None,
    levels: Sequence[float] | None,
    saved_horizon: int | None = None,
    saved_levels: Sequence[float] | None = None,
) -> tuple[int, tuple[float, ...]]:
    """A run's horizon and levels: the options, else the config's or the model file's, else the
    defaults (12; 80 and 95); checked."""
    from forecast.models.base import check_horizon, check_levels

    return (
        check_horizon(first_given(horizon, saved_horizon, DEFAULT_HORIZON)),
        check_levels(first_given(levels, saved_levels, DEFAULT_LEVELS)),
    )


def min_obs(model_name: str) -> int:
    """The fewest observations a model can be fitted on at any frequency (a floor: see
    :class:`MinimumLength` for the exact number at one)."""
    return get_spec(model_name).factory().min_obs


@dataclass(frozen=True)
class MinimumLength:
    """The fewest observations one of ``models`` (a model and its fallback: ``(name, params)``)
    can be fitted on at a frequency, for the loader's length check: the number each model's own
    refusal states (:meth:`BaseForecaster.min_length`). Picklable, for workers."""

    models: tuple[tuple[str, dict[str, Any]], ...]

    def __call__(self, freq: str) -> int:
        return min(get_spec(name).create(params).min_length(freq) for name, params in self.models)


def fit_model(
    series: SeriesData,
    model_name: str,
    params: dict[str, Any],
    horizon: int,
    levels: Sequence[float],
    intervals: Intervals = "model",
    exog: pd.DataFrame | None = None,
    exog_future: pd.DataFrame | None = None,
    floor: float | None = None,
    draws: Draws = NO_DRAWS,
) -> tuple[BaseForecaster, ForecastRun]:
    """Fit on the whole series and forecast; ``intervals="conformal"`` replaces the model's
    intervals with split-conformal ones calibrated inside the same data
    (:mod:`forecast.models.conformal`). ``exog``: the regressors at the series' timestamps,
    ``exog_future`` their values over the horizon. ``draws``: the forecast quantiles and sample
    paths asked for (``--quantiles``, ``--samples``; :mod:`forecast.models.quantiles`,
    :mod:`forecast.models.paths`). Means, bounds, quantiles and paths are clipped at ``floor``
    (None: see :func:`choose_floor`)."""
    from forecast.errors import UsageError

    spec = get_spec(model_name)
    model = spec.create(params).fit(series.y, exog)
    forecast = model.predict(horizon, levels, exog_future)
    extra: dict[str, Any] = {}
    if exog is not None:
        extra["regressors"] = list(exog.columns)
    calibration = None
    if intervals == "conformal" and exog is not None:
        raise UsageError("--intervals conformal does not take regressors yet; drop one of them")
    if intervals == "conformal":
        from forecast.models.conformal import calibrate

        calibration = calibrate(lambda: spec.create(params), series.y, horizon, forecast.levels)
        forecast = calibration.apply(forecast)
        extra["conformal"] = calibration.to_dict()
    forecast = with_draws(forecast, model, draws, series.id, exog_future, calibration)
    forecast, notes = finish_forecast(forecast, series.y.to_numpy(), model_name, floor, extra)
    return model, ForecastRun(
        series.describe(),
        model.summary(),
        forecast,
        horizon,
        forecast.levels,
        extra,
        calibration,
        notes,
    )


def with_draws(
    forecast: Forecast,
    model: BaseForecaster,
    draws: Draws,
    series_id: str | None,
    exog_future: pd.DataFrame | None = None,
    calibration: Calibration | None = None,
) -> Forecast:
    """``forecast`` with the model's quantiles and sample paths that ``draws`` asks for."""
    from dataclasses import replace

    if draws.probs:
        from forecast.models.quantiles import forecast_quantiles

        found = forecast_quantiles(model, forecast.mean.size, draws.probs, exog_future, calibration)
        values = dict(zip(found.probs, found.values, strict=True))
        forecast = replace(forecast, quantiles=values, quantile_method=found.method)
    if draws.samples:
        from forecast.models.paths import path_method, sample_paths

        seed = draws.series_seed(series_id)
        paths = sample_paths(model, forecast.mean.size, draws.samples, seed, exog_future)
        forecast = replace(forecast, paths=paths, path_method=path_method(model))
    return forecast


def finish_forecast(
    forecast: Forecast,
    y: np.ndarray,
    model_name: str,
    floor: float | None,
    extra: dict[str, Any] | None = None,
) -> tuple[Forecast, tuple[str, ...]]:
    """The one place a forecast is floored (every model, conformal intervals and global
    models included: :func:`choose_floor` on the training values ``y``; the floor goes in
    ``extra``), and the notes on a constant series and on an automatic floor."""
    notes = []
    chosen, why = choose_floor(y, model_name, floor)
    if chosen is not None:
        forecast = floored(forecast, chosen)
        if extra is not None:
            extra["floor"] = chosen
        if why:
            notes.append(why)
    value = constant_value(y)
    if value is not None:
        widths = [np.ptp(np.concatenate(pair)) for pair in forecast.bands.values()]
        shape = "zero-width" if not any(widths) else "as the model gives them"
        notes.append(
            f"the series is constant (every value is {value:g}): {model_name} forecasts "
            f"{float(forecast.mean[0]):g}, intervals {shape}"
        )
    return forecast, tuple(notes)


def constant_value(y: np.ndarray) -> float | None:
    """The value of a constant series (every value the same), else None."""
    return float(y[0]) if y.size and np.ptp(y) == 0 else None


def choose_floor(
    y: np.ndarray, model_name: str, floor: float | None
) -> tuple[float | None, str | None]:
    """The floor of a series' forecasts and the note that explains an automatic one: ``floor``
    when given; 0 for the intermittent models (demand is never negative); 0 for a series whose
    every value is >= 0 with at least 30 % zeros (intermittent demand); else none."""
    fixed = fixed_floor(model_name, floor)
    if fixed is not None:
        return fixed, None
    zeros = float(np.mean(y == 0)) if y.size else 0.0
    if y.size and zeros >= INTERMITTENT_ZEROS and bool(np.all(y >= 0)):
        return 0.0, (
            f"every value is >= 0 and {zeros:.0%} are zeros (intermittent): forecasts and "
            "bounds floored at 0 (--floor sets another)"
        )
    return None, None


def fixed_floor(model_name: str, floor: float | None) -> float | None:
    """The floor of every series' forecasts whatever its values: ``floor`` when given, 0 for
    the intermittent models (demand is never negative); None: it depends on the values
    (:func:`choose_floor`)."""
    if floor is not None:
        return floor
    return 0.0 if _family(model_name) == "intermittent" else None


def _family(model_name: str) -> str | None:
    from forecast.errors import UsageError

    try:
        return get_spec(model_name).family
    except UsageError:  # a model class outside the registry
        return None


def floored(forecast: Forecast, floor: float) -> Forecast:
    """``forecast`` with its mean and every bound clipped at ``floor`` from below."""
    from dataclasses import replace

    bands = {
        level: (np.maximum(lower, floor), np.maximum(upper, floor))
        for level, (lower, upper) in forecast.bands.items()
    }
    quantiles = {p: np.maximum(q, floor) for p, q in forecast.quantiles.items()}
    mean = np.maximum(forecast.mean, floor)
    paths = np.maximum(forecast.paths, floor) if forecast.paths is not None else None
    return replace(forecast, mean=mean, bands=bands, quantiles=quantiles, paths=paths)


def continue_model(
    model: BaseForecaster,
    new: SeriesData | None,
    refit: bool,
    horizon: int,
    levels: Sequence[float],
    calibration: Calibration | None = None,
    new_exog: Covariates | None = None,
    future: Covariates | None = None,
    series_id: str | None = None,
    floor: float | None = None,
    draws: Draws = NO_DRAWS,
) -> tuple[BaseForecaster, ForecastRun]:
    """Append the new observations (state update, or a refit on everything) and forecast; a
    saved conformal ``calibration`` gives the intervals (its errors are reused as they are,
    after a refit too). A model with regressors takes their values at the new observations
    from ``new_exog`` and over the horizon (after the new end) from ``future``."""
    from forecast.errors import UsageError

    names = model.exog_names_
    if names and future is None:
        raise UsageError(
            f"the model has regressors ({', '.join(names)}); pass their values over the "
            "horizon with --future FILE"
        )
    if not names and future is not None:
        raise UsageError("the model was fitted without regressors; drop --future")
    appended = 0
    if new is not None:
        fresh = new_observations(model, new.y)
        appended = int(fresh.size)
        fresh_exog = None
        if appended and names:
            if new_exog is None:
                raise UsageError("new observations for a model with regressors need them too")
            index = pd.DatetimeIndex(fresh.index)
            fresh_exog = new_exog.training(index, series_id, names=names, constant_ok=True)
        if appended and refit:
            model = _refit(model, fresh, fresh_exog)
        elif appended:
            model.update(fresh, fresh_exog)
    exog_future = None
    if future is not None:
        exog_future = future.future(model.end_, model.freq_, horizon, series_id, names=names)
    forecast = model.predict(horizon, levels, exog_future)
    if calibration is not None:
        forecast = calibration.apply(forecast)
    forecast = with_draws(forecast, model, draws, series_id, exog_future, calibration)
    info: dict[str, Any] = {}
    forecast, notes = finish_forecast(forecast, np.asarray(model.y_), model.name, floor, info)
    info |= {
        "model_end": model.end_.isoformat(),
        "new_observations": appended,
        "refit": bool(refit and appended),
    }
    series = {
        "n": int(model.y_.size),
        "start": model.start_.isoformat(),
        "end": model.end_.isoformat(),
        "freq": model.freq_,
    }
    if calibration is not None:
        info["conformal"] = calibration.to_dict()
    run = ForecastRun(
        series, model.summary(), forecast, horizon, forecast.levels, info, calibration, notes
    )
    return model, run


def new_observations(model: BaseForecaster, y: pd.Series) -> pd.Series:
    """The part of ``y`` after the model's end, checked against what the model already has."""
    index = pd.DatetimeIndex(y.index)
    known = pd.date_range(model.start_, periods=model.y_.size, freq=model.freq_)
    regular = known[-1] == model.end_  # False after --missing drop left holes in the training
    old = index <= model.end_
    if old.any() and regular:
        overlap = index[old]
        positions = known.get_indexer(overlap)
        inside = positions >= 0
        stored, given = model.y_[positions[inside]], y.to_numpy()[old][inside]
        differs = ~np.isclose(stored, given, rtol=1e-9, atol=1e-12)
        if differs.any():
            i = int(np.argmax(differs))
            raise InputError(
                f"new data disagrees with the model's training data at "
                f"{overlap[inside][i].isoformat()} ({given[i]:g} in the data, {stored[i]:g} in the "
                "model); fit a new model on the corrected data"
            )
    fresh = y[~old]
    if fresh.empty:
        return fresh
    expected = future_index(model.end_, model.freq_, 1)[0]
    if fresh.index[0] != expected:
        steps = len(pd.date_range(expected, fresh.index[0], freq=model.freq_)) - 1
        raise InputError(
            f"new data leaves a gap: the model ends at {model.end_.isoformat()} and the data "
            f"resumes at {fresh.index[0].isoformat()} ({steps} missing steps from "
            f"{expected.isoformat()}); supply the missing rows"
        )
    return fresh


def _refit(
    model: BaseForecaster, fresh: pd.Series, fresh_exog: pd.DataFrame | None = None
) -> BaseForecaster:
    """A new model with the same hyperparameters, estimated on the training data plus ``fresh``
    (and the regressors at both)."""
    index = pd.date_range(model.start_, periods=model.y_.size, freq=model.freq_)
    history = pd.Series(model.y_, index=index)
    combined = pd.concat([history, fresh])
    combined.attrs["freq"] = model.freq_
    old_exog = model.exog_frame()
    if old_exog is None or fresh_exog is None:
        return model.refit(combined)
    exog = pd.concat([old_exog.set_axis(index), fresh_exog.set_axis(fresh.index)])
    return model.refit(combined, exog)


def training_values(model: BaseForecaster) -> pd.Series:
    """A fitted model's training values (and any appended) on their time grid (plots)."""
    index = pd.date_range(end=model.end_, periods=model.y_.size, freq=model.freq_)
    return pd.Series(model.y_, index=index)
