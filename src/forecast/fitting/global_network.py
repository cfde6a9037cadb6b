"""`fit` and `predict` over a panel with a global model: one network (the neural models,
:mod:`forecast.models.neural.global_model`) or one set of boosted trees (lightgbm, xgboost,
:mod:`forecast.models.trees.model`) for every series, as per-series outcomes like
:mod:`forecast.fitting.panel`'s. The fit runs once, in this process (never mapped over workers).

A series the global model cannot forecast (shorter than its window or its largest lag) goes to
the fallback model when one is given, else it is reported with its one-line reason; the others
are complete.

Quantiles (``--quantiles``) come from the global model's own bands
(:func:`forecast.models.quantiles.band_quantiles`): the model is fitted, and predicts, at the
asked levels and at every level |2p - 1| a quantile needs (split conformal: the (n + 1) rule on
its pooled calibration errors; ``objective=quantile`` trees: their quantile models, rearranged
so that they never cross); the forecasts then keep only the asked levels' bands. Sample paths
(``--samples``) are refused: see :data:`NO_PATHS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from forecast.data import Panel, SeriesData
from forecast.errors import ForecastError, UsageError, describe_error
from forecast.fitting.panel import FitSpec, SeriesOutcome, fit_one
from forecast.fitting.series import NO_DRAWS, Draws, finish_forecast, floored
from forecast.models.base import Forecast
from forecast.models.neural.global_options import GlobalOptions
from forecast.models.trees import TREE_MODELS

if TYPE_CHECKING:
    from forecast.models.neural.global_model import GlobalForecaster
    from forecast.models.trees.model import TreeForecaster


NO_PATHS = (
    "--samples with a global {model}: a global model simulates no paths (its intervals are "
    "split-conformal errors or quantile models, not an error model to draw from); use "
    "--quantiles, or fit one model per series (--param global=false)"
)


def draw_levels(model: str, levels: Sequence[float], draws: Draws) -> tuple[float, ...]:
    """The levels the global ``model`` fits and predicts at: ``levels`` and every level whose
    bounds are the quantiles ``draws`` asks for.

    Raises
    ------
    UsageError
        When ``draws`` asks for sample paths (:data:`NO_PATHS`), or for bad probabilities.
    """
    from forecast.models.quantiles import band_levels, check_probs

    if draws.samples:
        raise UsageError(NO_PATHS.format(model=model))
    probs = check_probs(draws.probs) if draws.probs else ()
    return tuple(sorted({float(v) for v in levels} | set(band_levels(probs))))


def with_quantiles(forecast: Forecast, levels: Sequence[float], draws: Draws) -> Forecast:
    """``forecast`` (predicted at :func:`draw_levels`) with the quantiles ``draws`` asks for,
    read from its bands, and only the bands of ``levels``."""
    if not draws.probs:
        return forecast
    from forecast.models.quantiles import band_quantiles

    found = band_quantiles(forecast, draws.probs)
    return replace(
        forecast,
        bands={float(v): forecast.bands[float(v)] for v in levels},
        quantiles=dict(zip(found.probs, found.values, strict=True)),
        quantile_method=found.method,
    )


def new_global(
    model: str, params: Mapping[str, Any], options: GlobalOptions
) -> GlobalForecaster | TreeForecaster:
    """An unfitted global model: boosted trees for lightgbm/xgboost, else one network."""
    if model in TREE_MODELS:
        from forecast.models.trees.model import TreeForecaster

        return TreeForecaster(model, params)
    from forecast.models.neural.global_model import GlobalForecaster

    return GlobalForecaster(model, params, options.series_embedding, options.deterministic)


def fit_global_model(
    model: GlobalForecaster | TreeForecaster,
    series: Sequence[tuple[str, pd.Series]],
    steps: int,
    levels: Sequence[float],
    training: Sequence[dict[str, Any]] | None = None,
) -> GlobalForecaster | TreeForecaster:
    """Fit ``model`` with intervals calibrated for ``steps``; tree models also take the
    ``levels`` (their quantile models; no levels: no calibration)."""
    from forecast.models.trees.model import TreeForecaster

    if isinstance(model, TreeForecaster):
        return model.fit(series, calibrate_steps=steps, training=training, levels=tuple(levels))
    return model.fit(series, calibrate_steps=steps, training=training)


def train_on_panel(
    name: str, params: Any, panel: Panel, spec: FitSpec, options: GlobalOptions
) -> tuple[GlobalForecaster | TreeForecaster, Mapping[str, Any]]:
    """Train the global model ``name`` with ``params`` on every series of ``panel`` for
    ``spec``'s horizon and forecast each series at the levels its draws need: the model and
    its forecasts by id (a Forecast, or why not)."""
    levels = draw_levels(name, spec.levels, spec.draws)
    model = new_global(name, params, options)
    fit_global_model(
        model,
        [(s.id or "", s.y) for s in panel],
        spec.horizon,
        levels,
        training=[s.describe() for s in panel],
    )
    return model, model.predict(spec.horizon, levels)


def fit_global_panel(
    panel: Panel, spec: FitSpec, options: GlobalOptions
) -> tuple[GlobalForecaster | TreeForecaster, list[SeriesOutcome]]:
    """Fit one global model on every series of ``panel`` and forecast each (in id order)."""
    if spec.intervals == "conformal":
        raise UsageError(
            "--intervals conformal refits per series; a global model's intervals are already "
            "split-conformal inside every series' training data (use --intervals model, or "
            "--param global=false)"
        )
    model, forecasts = train_on_panel(spec.model, spec.params, panel, spec, options)
    outcomes = []
    for series in panel:
        sid = series.id or ""
        result = forecasts[sid]
        if isinstance(result, str):
            outcomes.append(fallback_outcome(series, spec, result))
        else:
            result = with_quantiles(result, spec.levels, spec.draws)
            result, notes = finish_forecast(result, series.y.to_numpy(), spec.model, spec.floor)
            summary = model.summary(sid)
            outcomes.append(
                SeriesOutcome(
                    sid, spec.model, result, summary, training=series.describe(), notes=notes
                )
            )
    return model, outcomes


def fallback_outcome(series: SeriesData, spec: FitSpec, reason: str) -> SeriesOutcome:
    """The fallback model on a series the global model cannot forecast (``reason``), or the
    series' error when there is no fallback or it fails too."""
    sid = series.id or ""
    if spec.fallback is None:
        return SeriesOutcome(sid, spec.model, error=reason, training=series.describe())
    fallback = replace(spec, model=spec.fallback, params=spec.fallback_params, fallback=None)
    outcome = fit_one((series, fallback))
    if outcome.error is not None:
        return SeriesOutcome(
            sid,
            spec.fallback,
            error=f"{spec.model}: {reason}; fallback {spec.fallback}: {outcome.error}",
            training=series.describe(),
        )
    return replace(outcome, fitted=None, fallback_reason=reason)


def continue_global(
    model: GlobalForecaster | TreeForecaster,
    new: Panel | None,
    ids: Sequence[str] | None,
    horizon: int,
    levels: tuple[float, ...],
    draws: Draws = NO_DRAWS,
    floor: float | None = None,
) -> list[SeriesOutcome]:
    """Append each chosen series' new observations (same weights) and forecast it; ``ids``
    (all when None) in that order. Series of ``new`` that the model lacks are ignored.
    ``draws``: the quantiles each forecast carries (from its bands, as a fit's); ``floor``
    (``--floor``): the mean, bounds and quantiles clipped at it from below (the automatic floor
    of intermittent series needs their whole history, which the model does not keep)."""
    wanted_levels = draw_levels(model.model, levels, draws)
    chosen = list(dict.fromkeys(ids)) if ids is not None else list(model.ids_)
    for sid in chosen:
        model.position(sid)  # an unknown id is a usage error
    appended: dict[str, int] = {}
    failed: dict[str, str] = {}
    if new is not None:
        wanted = set(chosen)
        for i, sid in enumerate(new.ids):
            if sid in wanted:
                try:
                    appended[sid] = model.update(sid, new[i].y)
                except ForecastError as exc:
                    failed[sid] = describe_error(exc)
    forecasts = model.predict(horizon, wanted_levels, [s for s in chosen if s not in failed])
    outcomes = []
    for sid in chosen:
        result = failed.get(sid) or forecasts[sid]
        if isinstance(result, str):
            outcomes.append(SeriesOutcome(sid, model.model, error=result))
            continue
        result = with_quantiles(result, levels, draws)
        if floor is not None:
            result = floored(result, floor)
        i = model.position(sid)
        training = {
            "n": int(model.n_[i]),
            "start": model.starts_[i].isoformat(),
            "end": model.ends_[i].isoformat(),
            "freq": model.freq_,
            "new_observations": appended.get(sid, 0),
        }
        outcomes.append(
            SeriesOutcome(sid, model.model, result, model.summary(sid), training=training)
        )
    return outcomes
