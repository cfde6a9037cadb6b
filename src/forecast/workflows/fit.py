"""`fit`: a model fitted on one series, or on every series of a panel, and its forecasts.

:func:`run` takes a :class:`FitRequest` and gives, inside its ``with`` block, either a
:class:`SingleFit` (one series: the fitted model and its run) or a
:class:`~forecast.workflows.stream.PanelStream` (a panel: the outcomes as each series finishes,
computed while the block is open, under the request's thread limits). Where the series run is
decided by :mod:`forecast.workflows.source`: part files read by Dask workers, a loaded panel
mapped by an executor, or one global model on one device. Nothing is printed; notices go to
``notify``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forecast.fitting.series import NO_DRAWS, Draws
from forecast.models.neural.global_options import GlobalOptions
from forecast.types import Intervals, MinLength
from forecast.workflows.source import Notify, SourceRequest, silent
from forecast.workflows.stream import PanelStream

if TYPE_CHECKING:
    from forecast.data import Panel, SeriesData
    from forecast.fitting.panel import FitSpec
    from forecast.fitting.series import ForecastRun
    from forecast.models.base import BaseForecaster
    from forecast.threads import ThreadPolicy


@dataclass(frozen=True)
class FitRequest:
    """What to fit, on which series, and what the caller does with the result.

    Attributes
    ----------
    source
        Where the series are and where they run.
    model, params
        The registry name and its own parameters (the global options split off).
    horizon, levels, intervals, floor
        The forecasts: steps, interval levels, ``"model"`` or ``"conformal"`` intervals, the
        clip (None: automatic).
    fallback
        The model for the series ``model`` fails on (a panel), or None.
    global_options, deterministic
        A neural model's global-network options, and whether deterministic kernels were asked
        for (refused where no global network runs).
    exog, future
        The regressor columns of the data and the file of their values over the horizon.
    save
        Where the models go: a panel keeps each series' fitted model (the caller writes one
        file); a global model is written here by the workflow.
    output, plot
        Whether the caller writes a panel's forecasts to a file (refused for one series) or
        draws them (a panel: from :attr:`PanelStream.history`; refused where Dask workers read
        the part files); checked before anything is fitted.
    threads, progress
        The thread limits the fits run under (None: the default policy) and whether progress
        bars may be drawn.
    keep_models
        Each outcome keeps its fitted model without a ``save`` path (the library API).
    series_outcomes
        One series comes back as a panel of one (its failure an outcome, not an error; a
        constant series it cannot fit by the constant's forecast): the library API's shape.
    label, others
        The run's name for ``model`` (``-m airline=sarima``; None: its registry name), and the
        further models of a several-model run (``-m ets -m theta``) as ``(label, name,
        params)``: each is fitted on every series beside ``model`` in the same pass, and even
        one series comes back as a panel (one outcome per model).
    draws
        The forecast quantiles and sample paths each forecast carries besides its bands
        (``--quantiles``, ``--samples``; :class:`~forecast.fitting.series.Draws`).
    blocks
        The caller writes :class:`~forecast.fitting.batch.ForecastBlock` items (CSV rows or
        a Parquet output): a loaded panel whose model has a batch function then takes the
        vectorised path (:mod:`forecast.fitting.batch`), its stream yielding blocks of series
        beside per-series outcomes.
    """

    source: SourceRequest
    model: str
    params: Mapping[str, Any]
    horizon: int
    levels: tuple[float, ...]
    fallback: str | None = None
    intervals: Intervals = "model"
    floor: float | None = None
    global_options: GlobalOptions = field(default_factory=GlobalOptions)
    deterministic: bool = False
    exog: tuple[str, ...] | None = None
    future: str | None = None
    save: Path | None = None
    output: Path | None = None
    plot: bool = False
    threads: ThreadPolicy | None = None
    progress: bool = False
    keep_models: bool = False
    series_outcomes: bool = False
    label: str | None = None
    others: tuple[tuple[str, str, Mapping[str, Any]], ...] = ()
    draws: Draws = NO_DRAWS
    blocks: bool = False

    @property
    def models(self) -> list[tuple[str, str, Mapping[str, Any]]]:
        """Every model of the run as ``(label, name, params)``, in its order."""
        return [(self.label or self.model, self.model, self.params), *self.others]


@dataclass(frozen=True)
class SingleFit:
    """One series' fit: the fitted model, its forecast run and the series."""

    run: ForecastRun
    model: BaseForecaster
    series: SeriesData


@dataclass(frozen=True)
class Loaded:
    """Series the caller has read already (the library API's DataFrames), and their regressors
    over the training rows and the horizon (``Covariates``; None without)."""

    panel: Panel
    covariates: Any = None
    future: Any = None


@contextmanager
def run(
    request: FitRequest, notify: Notify = silent, loaded: Loaded | None = None
) -> Iterator[SingleFit | PanelStream]:
    """Fit ``request.model`` where :mod:`~forecast.workflows.source` says the series are (or on
    ``loaded``); the result is valid (and a panel's outcomes are computed) inside the ``with``
    block."""
    from forecast.fitting.series import MinimumLength, min_obs
    from forecast.threads import limited, resolve
    from forecast.workflows import source as where

    policy = request.threads or resolve()
    if loaded is not None:
        given = (loaded.covariates, loaded.future)
        with _fit_loaded(request, loaded.panel, lambda _: given, policy, notify) as result:
            yield result
        return
    name, fallback = request.model, request.fallback
    _check_models(request)
    fitted_models = [(m, dict(p)) for _, m, p in request.models]
    fitted_models += [(fallback, {})] if fallback else []
    shortest = min(min_obs(m) for m, _ in fitted_models)
    series_min = MinimumLength(tuple(fitted_models))
    one_model = request.global_options.applies(name, 2)
    min_length: MinLength = 3 if one_model else series_min  # a global model: a full window
    asked = " and ".join(label for label, _, _ in request.models)
    purpose = f"fitting {asked}" + (f" or {fallback}" if fallback else "")
    exog = _check_exog(request)
    src = request.source
    one_model = one_model or _neural_member(request) is not None  # the panel loaded here
    if where.reads_parts(src, exog=exog is not None, one_model=one_model):
        parts = where.open_parts(
            src, min_length=shortest, purpose=purpose, notify=notify, allow_constant=True
        )
        if parts is not None:
            with limited(policy), _fit_parts(request, parts) as stream:
                yield stream
            return
    if exog is not None and src.value_col is None:
        from forecast.data.exog import value_column

        value_col = value_column(
            src.data, exog, time_col=src.time_col, id_col=src.id_col, encoding=src.encoding
        )
        src = replace(src, value_col=value_col)
    panel = where.load_panel(
        src, min_length=min_length, purpose=purpose, notify=notify, allow_constant=True
    )
    _check_shape(request, panel, min_length, series_min, purpose)

    def regressors(source: Any) -> tuple[Any, Any]:
        if exog is None:
            return None, None
        return _read_regressors(request, exog, source)

    with _fit_loaded(request, panel, regressors, policy, notify) as result:
        yield result


@contextmanager
def _fit_parts(request: FitRequest, parts: Any) -> Iterator[PanelStream]:
    """Part files read by the Dask workers (:func:`~forecast.workflows.source.open_parts`):
    every series fitted where its part is read; the client never holds the panel."""
    from forecast.execution import batch_size
    from forecast.fitting.panel import each_outcome, fit_each, fit_one

    if request.plot:
        from forecast.errors import UsageError

        raise UsageError(
            "--plot needs the series in this process; with --engine dask on part files the "
            "workers read them: drop --plot (or plot a subset with --ids and --engine local)"
        )
    if request.others:
        _refuse_global(request, 2)
    spec = _spec(request)  # a panel: its spec's checks apply
    specs = _specs(request)
    src = request.source
    wanted = list(src.ids) if src.ids is not None else None
    with parts.planned(wanted) as plan:
        if isinstance(specs, tuple):
            outcomes = each_outcome(parts.map(plan, fit_each, specs))
        else:
            outcomes = parts.map(plan, fit_one, spec)
        yield PanelStream(
            outcomes,
            plan.n_series,
            {"data": parts.data_block(plan), **_header(request, spec)},
            spec.levels,
            parts.load_failures,
            _model_name(request),
            parts.opts.id_col,
            spec.defaults(),
            part_size=batch_size(plan.n_series, parts.executor.workers),
            workers=parts.executor.workers,
            labels=_labels(request),
            time_col=parts.opts.time_col,
        )


@contextmanager
def _fit_loaded(
    request: FitRequest,
    panel: Panel,
    regressors: Callable[[Any], tuple[Any, Any]],
    policy: ThreadPolicy,
    notify: Notify,
) -> Iterator[SingleFit | PanelStream]:
    """The loaded series: one global model on one device, every series mapped by the executor,
    or one series on its own (unless ``request.series_outcomes``). ``regressors(panel or
    series)`` gives the regressors' training and future values (None, None without)."""
    from forecast.threads import limited
    from forecast.workflows.source import runs_global

    neural = _neural_member(request)
    if request.others:
        _refuse_global(request, len(panel))
    elif runs_global(panel, lambda n: request.global_options.applies(request.model, n)):
        with limited(policy):
            yield _fit_global(request, panel, policy, notify)
        return
    elif neural is not None and runs_global(panel, lambda n: n > 1):
        with limited(policy):
            yield _fit_global_ensemble(request, panel, neural, policy, notify)
        return
    if request.deterministic:
        from forecast.errors import UsageError

        raise UsageError(
            "--deterministic applies to a global neural model (a panel of more than one series, "
            "or --param global=true)"
        )
    if panel.single is None or request.series_outcomes or request.others:
        covariates, ahead = regressors(panel)
        if covariates is not None:
            notify("note", _regressors_note(covariates, request))
        with limited(policy):
            yield _fit_mapped(request, panel, (covariates, ahead), policy)
        return
    yield _fit_series(request, panel.single, regressors, policy, notify)


def _spec(request: FitRequest, model: tuple[str, str, Mapping[str, Any]] | None = None) -> FitSpec:
    """The spec of ``model`` (``(label, name, params)``; None: the request's first model)."""
    from forecast.fitting.panel import FitSpec
    from forecast.models.neural.global_options import split_options

    label, name, params = model or request.models[0]
    return FitSpec(
        name,
        split_options(name, params)[1],  # per series: without global=false
        request.horizon,
        request.levels,
        request.fallback,
        keep_models=request.keep_models or request.save is not None,
        intervals=request.intervals,
        floor=request.floor,
        label=label if label != name else None,
        draws=request.draws,
    )


def _specs(request: FitRequest) -> FitSpec | tuple[FitSpec, ...]:
    """One spec, or one per model of a several-model run."""
    if not request.others:
        return _spec(request)
    return tuple(_spec(request, m) for m in request.models)


def _labels(request: FitRequest) -> tuple[str, ...]:
    return tuple(label for label, _, _ in request.models) if request.others else ()


def _model_name(request: FitRequest) -> str:
    """What the output and a saved file call the run's model(s)."""
    return ", ".join(_labels(request)) if request.others else request.label or request.model


def _header(request: FitRequest, spec: FitSpec) -> dict[str, Any]:
    """The run's block of the JSON output (every model of a several-model run)."""
    header = spec.header()
    if request.label is not None and not request.others:
        header = {"label": request.label, **header}
    if not request.others:
        return header
    header.pop("model")
    header.pop("parameters")
    listed = [{"label": lb, "model": m, "parameters": dict(p)} for lb, m, p in request.models]
    return {"models": listed, **header}


def _check_models(request: FitRequest) -> None:
    """A several-model run: a fallback named like none of its models (its rows carry the
    fallback's name)."""
    from forecast.errors import UsageError

    labels = [label for label, _, _ in request.models]
    if request.fallback is not None and request.fallback in labels and request.others:
        raise UsageError(
            f"--fallback {request.fallback} is also a model of this run, and the rows of both "
            f"would be called {request.fallback}; name the model, e.g. "
            f"--model my{request.fallback}={request.fallback}"
        )


def _refuse_global(request: FitRequest, n_series: int) -> None:
    """A several-model run fits every model per series: no global network or tree model."""
    from forecast.errors import UsageError
    from forecast.fitting.global_ensemble import neural_member
    from forecast.models.neural.global_options import split_options

    for label, name, params in request.models:
        options = request.global_options if label == request.models[0][0] else None
        options = options or split_options(name, params)[0]
        neural = neural_member(name, split_options(name, params)[1])
        if neural is not None and n_series > 1:
            raise UsageError(
                f"{label}'s {neural} is one global network for every series of a panel; "
                f"several models in one fit run per series: fit {label} in its own run"
            )
        if options.applies(name, n_series):
            raise UsageError(
                f"{label} is one global model for every series of a panel; several models in "
                f"one fit run per series: fit {label} in its own run, or pass "
                f"--param {label}.global=false (one model per series)"
            )


def _check_shape(
    request: FitRequest, panel: Panel, min_length: MinLength, series_min: Any, purpose: str
) -> None:
    """One series: its own minimum (the global model's window does not apply)."""
    if panel.single is not None and min_length != series_min:  # one series: no network
        from forecast.data.grid import refuse_degenerate  # across series, its own minimum

        shortest = series_min(panel.single.freq)
        refuse_degenerate(
            panel.single.y, shortest, purpose, request.source.data, allow_constant=True
        )


def _fit_global(
    request: FitRequest, panel: Panel, policy: ThreadPolicy, notify: Notify
) -> PanelStream:
    """Train one global model on the panel, forecast every series (the fallback where it
    cannot), write the model file when asked."""
    from forecast.errors import GLOBAL_EXOG, UsageError
    from forecast.fitting.global_network import fit_global_panel
    from forecast.progress import progress_enabled

    if request.exog is not None:
        raise UsageError(GLOBAL_EXOG)
    spec = _spec(request)  # --quantiles from its bands, --samples refused: fit_global_panel
    with progress_enabled(request.progress):
        model, outcomes = fit_global_panel(panel, spec, request.global_options)
    info = model.info_
    notify("note", _trained(spec.model, len(panel), info))
    if request.save is not None:
        from forecast.io.modelfile import save_global_model

        save_global_model(request.save, model, spec.defaults(), panel.id_col)
        notify("message", f"wrote {request.save} (global {spec.model}, {len(panel)} series)")
        fell = [o.id for o in outcomes if o.fallback_reason is not None]
        if fell:
            notify("note", f"{len(fell)} series forecast by the fallback are not in "
                   f"{request.save} (it holds the global network only); fit them on their own "
                   "to save them")  # fmt: skip
    header = {
        "data": panel.describe(),
        **spec.header(),
        "global": {k: v for k, v in info.items() if k != "history"},
        "config": {"threads": policy.to_dict(request.source.jobs)},
    }
    return PanelStream(
        iter(outcomes),
        len(panel),
        header,
        spec.levels,
        [f.to_dict() for f in panel.failures],
        spec.model,
        panel.id_col,
        spec.defaults(),
        save_models=False,  # written above
        time_col=panel.time_col,
        history=panel.values_of,
    )


def _neural_member(request: FitRequest) -> str | None:
    """The neural member of the request's ensemble (trained globally on a panel), or None."""
    from forecast.fitting.global_ensemble import neural_member

    return neural_member(request.model, request.params)


def _fit_global_ensemble(
    request: FitRequest, panel: Panel, neural: str, policy: ThreadPolicy, notify: Notify
) -> PanelStream:
    """The ensemble's ``neural`` member trained once on the panel, every series' classical
    members fitted by the executor and combined with it
    (:mod:`forecast.fitting.global_ensemble`)."""
    from forecast.execution import batch_size
    from forecast.fitting import global_ensemble
    from forecast.progress import progress_enabled
    from forecast.workflows.source import executor

    spec = _spec(request)
    global_ensemble.check_request(spec, request.save is not None, bool(request.others), neural)
    runner = executor(request.source)
    with progress_enabled(request.progress):
        model, outcomes = global_ensemble.fit_ensemble_panel(
            panel, spec, request.global_options, runner
        )
    if isinstance(model, str):  # the panel could not train the network
        notify("warning", global_ensemble.trained_note(neural, len(panel), model))
        trained: dict[str, Any] = {"member": neural, "trained": False, "reason": model}
    else:
        info = model.info_
        notify("note", global_ensemble.trained_note(neural, len(panel), info))
        trained = {"member": neural, **{k: v for k, v in info.items() if k != "history"}}
    header = {
        "data": panel.describe(),
        **_header(request, spec),
        "global": trained,
        "config": {"threads": policy.to_dict(request.source.jobs)},
    }
    return PanelStream(
        outcomes,
        len(panel),
        header,
        spec.levels,
        [f.to_dict() for f in panel.failures],
        _model_name(request),
        panel.id_col,
        spec.defaults(),
        save_models=False,  # refused: check_request
        part_size=batch_size(len(panel), runner.workers),
        workers=runner.workers,
        time_col=panel.time_col,
        history=panel.values_of,
    )


def _trained(model: str, n_series: int, info: dict[str, Any]) -> str:
    """The note on a global model's training: where, how long, how big."""
    if "boosters" in info:  # lightgbm / xgboost: one fit here, whatever the --engine
        return (
            f"global {model}: one model for {n_series} series, fitted in this process "
            f"(not on the --engine workers) on {info['threads']} thread(s) in "
            f"{info['timing']['train_seconds']:.1f} s ({info['rows']} rows, "
            f"{info['boosters']} boosters)"
        )
    return (
        f"global {model}: one network for {n_series} series, trained on "
        f"{info['device']} in {info['train_seconds']:.1f} s ({info['epochs_run']} epochs, "
        f"{info['samples_per_second']:.0f} samples/s)"
    )


def _fit_mapped(
    request: FitRequest, panel: Panel, regressors: tuple[Any, Any], policy: ThreadPolicy
) -> PanelStream:
    """Every series of the loaded panel fitted on its own (by each model of the run), mapped
    by the executor; ``regressors``: the covariates over the training rows and the horizon
    (None, None without)."""
    from forecast.execution import batch_size
    from forecast.workflows.source import executor

    runner = executor(request.source)
    covariates, ahead = regressors
    specs = _specs(request)
    if covariates is not None:
        one = (specs,) if not isinstance(specs, tuple) else specs
        given = tuple(replace(s, exog=covariates, future=ahead) for s in one)
        specs = given if isinstance(specs, tuple) else given[0]
    first = specs[0] if isinstance(specs, tuple) else specs
    return PanelStream(
        _outcomes(request, panel, specs, runner),
        len(panel),
        {
            "data": panel.describe(),
            **_header(request, first),
            "config": {"threads": policy.to_dict(request.source.jobs)},
        },
        first.levels,
        [f.to_dict() for f in panel.failures],
        _model_name(request),
        panel.id_col,
        first.defaults(),
        part_size=batch_size(len(panel), runner.workers),
        workers=runner.workers,
        labels=_labels(request),
        time_col=panel.time_col,
        history=panel.values_of,
    )


def _outcomes(
    request: FitRequest, panel: Panel, specs: FitSpec | tuple[FitSpec, ...], runner: Any
) -> Iterator[Any]:
    """The panel's outcomes: by the vectorised path where the caller takes blocks and the
    model has a batch function (:func:`~forecast.fitting.batch.can_batch`), else per series."""
    from forecast.fitting import batch
    from forecast.fitting.panel import fit_panel

    if request.blocks and not isinstance(specs, tuple) and batch.can_batch(specs):
        return batch.batched_outcomes(panel, specs, runner)
    return fit_panel(panel, specs, runner)


def _fit_series(
    request: FitRequest,
    series: SeriesData,
    regressors: Callable[[Any], tuple[Any, Any]],
    policy: ThreadPolicy,
    notify: Notify,
) -> SingleFit:
    """One series: fit, forecast; a constant series the model cannot fit forecasts its
    constant (:data:`~forecast.fitting.series.CONSTANT_MODEL`), with a note."""
    from forecast.errors import UsageError, describe_error
    from forecast.fitting.series import CONSTANT_MODEL, constant_value, fit_model
    from forecast.progress import progress_enabled
    from forecast.threads import limited

    if request.output is not None:
        raise UsageError("--output writes a panel's forecasts; for one series use --format")
    exog_frame = exog_future = None
    covariates, ahead = regressors(series)
    if covariates is not None:
        exog_frame = covariates.training(series.y.index)
        exog_future = ahead.future(series.y.index[-1], series.freq, request.horizon)
        notify("note", _regressors_note(covariates, request))
    rest = (request.horizon, request.levels, request.intervals, exog_frame, exog_future,
            request.floor, request.draws)  # fmt: skip
    with progress_enabled(request.progress), limited(policy):
        try:
            fitted, forecast_run = fit_model(series, request.model, dict(request.params), *rest)
        except Exception as exc:
            if constant_value(series.y.to_numpy()) is None:
                raise
            notify("note", f"{request.model} cannot fit this constant series "
                   f"({describe_error(exc)})")  # fmt: skip
            fitted, forecast_run = fit_model(series, CONSTANT_MODEL, {}, *rest)
    forecast_run.extra["config"] = {"threads": policy.to_dict()}
    forecast_run.extra.update(forecast_device(fitted))
    return SingleFit(forecast_run, fitted, series)


def _regressors_note(covariates: Any, request: FitRequest) -> str:
    return f"regressors: {', '.join(covariates.names)} (future values from {request.future})"


def forecast_device(model: object) -> dict[str, str]:
    """For a neural model, the device its forecasts run on and why (for the output)."""
    choose = getattr(model, "inference_device", None)
    if choose is None:
        return {}
    choice = choose()
    return {"forecast_device": f"{choice.name} ({choice.reason})"}


def _check_exog(request: FitRequest) -> tuple[str, ...] | None:
    """The regressors checked before reading anything: their names, or None."""
    from forecast.errors import UsageError
    from forecast.models.base import EXOG_MODELS
    from forecast.models.registry import get_spec

    names, future = request.exog, request.future
    if names is None:
        if future is not None:
            raise UsageError("--future gives the regressors' future values; name them with --exog")
        return None
    if future is None:
        raise UsageError("--exog needs the regressors' values over the horizon; pass --future FILE")
    for chosen in (*(m for _, m, _ in request.models), request.fallback):
        if chosen is not None and not get_spec(chosen).factory().supports_exog:
            raise UsageError(
                f"{chosen} cannot use regressors; drop --exog or choose a model that takes them "
                f"({', '.join(EXOG_MODELS)})"
            )
    if request.source.data == "-" or request.source.wide:
        raise UsageError("--exog reads its columns from a data file; not stdin or --wide")
    return names


def _read_regressors(request: FitRequest, names: tuple[str, ...], loaded: Any) -> tuple[Any, Any]:
    """The regressor columns of the data and of ``future``, read with the time (and id)
    columns the series or panel ``loaded`` was read with."""
    from forecast.data.exog import read_covariates

    src = request.source
    id_col = getattr(loaded, "id_col", None)
    covariates = read_covariates(
        src.data,
        names,
        time_col=loaded.time_col,
        id_col=id_col,
        exclude=[loaded.value_col],
        time_format=src.time_format,
        encoding=src.encoding,
    )
    assert request.future is not None
    ahead = read_covariates(
        request.future,
        covariates.names,
        time_col=loaded.time_col,
        id_col=id_col,
        time_format=src.time_format,
        encoding=src.encoding,
        future=True,
    )
    return covariates, ahead
