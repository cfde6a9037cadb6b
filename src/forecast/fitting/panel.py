"""`forecast fit` and `predict` over a panel: one pure function per series, mapped by an executor.

``fit_one`` fits the model on one series and forecasts; when the model fails (too few
observations for it, an optimiser that diverges, any error) and a fallback model is given, the
fallback forecasts that series instead and the outcome says why. A series that fails without a
fallback is reported with its one-line reason; it never stops the others. ``continue_one`` is the
same for a saved model and new observations (``predict --data``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from forecast.data import Panel, SeriesData
from forecast.errors import UsageError, describe_error
from forecast.execution import Executor
from forecast.execution.executor import SeriesTasks
from forecast.fitting.series import NO_DRAWS, Draws
from forecast.models.base import BaseForecaster, Forecast, ModelSummary
from forecast.types import Intervals


@dataclass(frozen=True)
class FitSpec:
    """What to fit on every series: the model, its parameters, the horizon and levels, and the
    model that forecasts the series the first one fails on."""

    model: str
    params: dict[str, Any]
    horizon: int
    levels: tuple[float, ...]
    fallback: str | None = None
    fallback_params: dict[str, Any] = field(default_factory=dict)
    keep_models: bool = False  # return the fitted models (to save them)
    intervals: Intervals = "model"  # or "conformal" (forecast.models.conformal)
    exog: Any = None  # data.exog.Covariates: the regressors of every series (--exog)
    future: Any = None  # data.exog.Covariates: their values over the horizon (--future)
    floor: float | None = None  # --floor: means and bounds clipped (None: automatic)
    label: str | None = None  # the run's name for the model (-m airline=sarima); None: model
    draws: Draws = NO_DRAWS  # --quantiles, --samples: what each forecast carries besides

    @property
    def name(self) -> str:
        """The run's name for the model (its rows' ``model``)."""
        return self.label or self.model

    def __post_init__(self) -> None:
        if self.intervals == "conformal" and self.keep_models:
            raise UsageError(
                "--intervals conformal with --save is for one series; a panel's model file "
                "does not keep per-series calibrations yet (fit without --save, or with "
                "--intervals model)"
            )

    def header(self) -> dict[str, Any]:
        """The run's block of a streamed JSON document."""
        return {
            "model": self.model,
            "parameters": self.params,
            "fallback": self.fallback,
            "horizon": self.horizon,
            "levels": list(self.levels),
            "intervals": self.intervals,
            **self.draws_block(),
            **({"regressors": list(self.exog.names)} if self.exog is not None else {}),
        }

    def draws_block(self) -> dict[str, Any]:
        """The header's ``quantiles`` and ``samples`` (when asked for)."""
        out: dict[str, Any] = {}
        if self.draws.probs:
            out["quantiles"] = list(self.draws.probs)
        if self.draws.samples:
            out["samples"] = {"n": self.draws.samples, "seed": self.draws.seed}
        return out

    def defaults(self) -> dict[str, Any]:
        """What a saved panel file gives `predict` when it is not told (horizon, levels)."""
        return {"horizon": self.horizon, "levels": list(self.levels)}


@dataclass(frozen=True)
class SeriesOutcome:
    """One series' result: its forecast (or the error that stopped it) and the model used."""

    id: str
    model: str | None = None
    forecast: Forecast | None = None
    summary: ModelSummary | None = None
    fitted: BaseForecaster | None = None
    training: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    fallback_reason: str | None = None
    notes: tuple[str, ...] = ()  # `note:` lines about this series (constant, floored)
    label: str | None = None  # the run's name for the model asked for (None: ``model``)
    repeat: bool = False  # the fallback's forecast an earlier model of the series carries

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def asked(self) -> str:
        """The model the run asked for on this series (its label)."""
        return self.label or self.model or ""

    @property
    def row_model(self) -> str:
        """The ``model`` of this outcome's forecast rows: the fallback's name where the
        fallback forecast the series, else the run's name for the model."""
        if self.fallback_reason is not None and self.model is not None:
            return self.model
        return self.asked

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "model": self.model}
        if self.fallback_reason is not None:
            out["fallback_for"] = self.asked
            out["fallback_reason"] = self.fallback_reason
        elif self.label is not None and self.label != self.model:
            out["label"] = self.label
        if self.notes:
            out["notes"] = list(self.notes)
        if self.error is not None:
            return {**out, "error": self.error}
        assert self.forecast is not None and self.summary is not None
        return {
            **out,
            "series": self.training,
            "summary": self.summary.to_dict(),
            "forecast": self.forecast.to_records(),
        }


def fit_one(task: tuple[SeriesData, FitSpec]) -> SeriesOutcome:
    """Fit ``spec.model`` on one series and forecast (the fallback when it fails; for a
    constant series that neither can fit, the constant, by :data:`CONSTANT_MODEL`)."""
    series, spec = task
    return replace(_fit_or_fall_back(series, spec), label=spec.name)


def _fit_or_fall_back(series: SeriesData, spec: FitSpec) -> SeriesOutcome:
    from forecast.fitting.series import CONSTANT_MODEL, constant_value

    sid = series.id or ""
    try:
        return _fit(series, spec.model, spec.params, spec)
    except Exception as exc:  # a panel isolates every series
        reason = describe_error(exc)
    model = spec.model
    if spec.fallback is not None:
        try:
            outcome = _fit(series, spec.fallback, spec.fallback_params, spec)
            return replace(outcome, fallback_reason=reason)
        except Exception as exc:
            model = spec.fallback
            reason = f"{spec.model}: {reason}; fallback {spec.fallback}: {describe_error(exc)}"
    if constant_value(series.y.to_numpy()) is not None:
        try:
            outcome = _fit(series, CONSTANT_MODEL, {}, spec)
            return replace(outcome, fallback_reason=reason)
        except Exception:  # the model's own reason is the one to report
            pass
    return SeriesOutcome(sid, model, error=reason, training=series.describe())


@dataclass(frozen=True)
class SeriesFits:
    """One series' outcomes under every model of a several-model run, in the run's order."""

    id: str
    outcomes: tuple[SeriesOutcome, ...]


def fit_each(task: tuple[SeriesData, tuple[FitSpec, ...]]) -> SeriesFits:
    """Every model of ``specs`` on one series (:func:`fit_one` each). The fallback's forecast
    for a second model that failed on the series repeats the first's: it is marked ``repeat``
    (its rows are written once; the run refuses a fallback named like one of its models)."""
    series, specs = task
    outcomes: list[SeriesOutcome] = []
    for spec in specs:
        outcome = fit_one((series, spec))
        if outcome.fallback_reason is not None and any(
            o.fallback_reason is not None and o.error is None and o.model == outcome.model
            for o in outcomes
        ):
            outcome = replace(outcome, repeat=True)
        outcomes.append(outcome)
    return SeriesFits(series.id or "", tuple(outcomes))


def _fit(series: SeriesData, name: str, params: dict[str, Any], spec: FitSpec) -> SeriesOutcome:
    from forecast.fitting.series import fit_model

    exog = future = None
    if spec.exog is not None:
        exog = spec.exog.training(series.y.index, series.id)
        future = spec.future.future(series.y.index[-1], series.freq, spec.horizon, series.id)
    model, run = fit_model(series, name, params, spec.horizon, spec.levels, spec.intervals,
                           exog, future, spec.floor, spec.draws)  # fmt: skip
    return SeriesOutcome(
        id=series.id or "",
        model=name,
        forecast=run.forecast,
        summary=run.summary,
        fitted=model if spec.keep_models else None,
        training=series.describe(),
        notes=run.notes,
    )


def fit_panel(
    panel: Panel, spec: FitSpec | tuple[FitSpec, ...], executor: Executor
) -> Iterator[SeriesOutcome]:
    """Every series of ``panel`` through :func:`fit_one` (several models: :func:`fit_each`,
    each series' outcomes in the run's model order), in id order, as each finishes."""
    if isinstance(spec, FitSpec):
        yield from executor.map(fit_one, SeriesTasks(panel, spec))
    else:
        yield from each_outcome(executor.map(fit_each, SeriesTasks(panel, spec)))


def each_outcome(fits: Iterable[SeriesFits]) -> Iterator[SeriesOutcome]:
    """The outcomes of several-model runs, series after series."""
    for one in fits:
        yield from one.outcomes


@dataclass(frozen=True)
class ContinueSpec:
    """``predict``: the horizon and levels, and whether new data refits or updates."""

    horizon: int
    levels: tuple[float, ...]
    refit: bool = False
    keep_models: bool = False
    new_exog: Any = None  # data.exog.Covariates of --data (models with regressors)
    future: Any = None  # data.exog.Covariates of --future
    floor: float | None = None  # --floor (None: automatic)
    draws: Draws = NO_DRAWS  # --quantiles, --samples


def continue_one(
    task: tuple[str, BaseForecaster, SeriesData | None, ContinueSpec],
) -> SeriesOutcome:
    """Forecast from one saved series' model, after appending its new observations."""
    from forecast.fitting.series import continue_model

    sid, model, new, spec = task
    try:
        updated, run = continue_model(
            model,
            new,
            spec.refit,
            spec.horizon,
            spec.levels,
            new_exog=spec.new_exog,
            future=spec.future,
            series_id=sid,
            floor=spec.floor,
            draws=spec.draws,
        )
    except Exception as exc:  # a panel isolates every series
        return SeriesOutcome(sid, model.name, error=describe_error(exc))
    return SeriesOutcome(
        id=sid,
        model=updated.name,
        forecast=run.forecast,
        summary=run.summary,
        fitted=updated if spec.keep_models else None,
        training={**run.series, **run.extra},
        notes=run.notes,
    )


def continue_in_part(
    task: tuple[SeriesData, tuple[Mapping[str, BaseForecaster], ContinueSpec]],
) -> SeriesOutcome | str:
    """Worker side of ``predict`` over part files (:mod:`forecast.execution.parts`): a series
    with its saved model, as :func:`continue_one`; its id alone when the part has no model for
    it (not selected, or not in the file)."""
    series, (models, spec) = task
    sid = series.id or ""
    model = models.get(sid)
    if model is None:
        return sid
    return continue_one((sid, model, series, spec))


def continue_panel(
    models: Sequence[tuple[str, BaseForecaster]],
    new: Panel | None,
    spec: ContinueSpec,
    executor: Executor,
) -> Iterator[SeriesOutcome]:
    """Every saved series, in the file's order, each with its own new observations."""
    positions = {sid: i for i, sid in enumerate(new.ids)} if new is not None else {}
    tasks = [
        (sid, model, new[positions[sid]] if new is not None and sid in positions else None, spec)
        for sid, model in models
    ]
    yield from executor.map(continue_one, tasks)
