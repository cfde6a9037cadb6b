"""`predict`: forecasts from a saved model file, moved on by new observations.

:func:`run` takes a :class:`PredictRequest` and gives, inside its ``with`` block, either a
:class:`SinglePredict` (a one-series file) or a
:class:`~forecast.workflows.stream.PanelStream` (a panel's file of per-series models, or a
global model: the outcomes, computed while the block is open, under the request's thread
limits). New observations of a panel are read where :mod:`forecast.workflows.source` says:
part files read by Dask workers, or a panel loaded here and mapped by an executor. Series of
the new data without a model are failures unless ``fallback`` forecasts them from their own
rows. Nothing is printed; notices go to ``notify``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forecast.fitting.series import NO_DRAWS, Draws
from forecast.workflows.source import Notify, SourceRequest, silent
from forecast.workflows.stream import PanelStream

if TYPE_CHECKING:
    from forecast.data import Panel
    from forecast.fitting.panel import SeriesOutcome
    from forecast.fitting.series import ForecastRun
    from forecast.io.modelfile import LoadedGlobal, LoadedModel, LoadedPanel
    from forecast.models.base import BaseForecaster
    from forecast.threads import ThreadPolicy

NO_MODEL = (
    "no model for this series in the model file; fit it with 'forecast fit', or pass "
    "--fallback MODEL to forecast it from its own rows"
)


@dataclass(frozen=True)
class PredictRequest:
    """Which saved model forecasts, with which new observations, and what the caller does.

    Attributes
    ----------
    model_file
        A file written by ``fit --save`` (one series, a panel's models or a global model).
    source
        The new observations (``source.data``; an empty string: none, forecast from the saved
        state) with their loader options, and where a panel's series run (engine, jobs).
        ``source.ids``: only these series of a panel's file.
    horizon, levels
        None: the file's own defaults.
    refit
        Re-estimate on training + new data instead of updating the state.
    device
        The device a neural model forecasts (and fine-tunes) on.
    fallback
        Panels: the model fitted on the new data's series that have no model in the file.
    floor
        Means and bounds clipped at it (None: automatic).
    future
        The regressors' values over the horizon, for models fitted with regressors.
    save
        Where the caller writes the updated models (a global model is written here by the
        workflow); a panel's outcomes keep their models when given.
    output, plot
        Whether the caller writes a panel's forecasts to a file (refused for a one-series
        file) or draws them (a panel's outcomes then keep their moved-on models: the histories).
    threads
        The thread limits (None: the default policy).
    progress
        Whether progress bars may be drawn.
    series_outcomes
        A one-series file comes back as a panel of one (its failure an outcome, not an error):
        the library API's shape.
    model
        A several-model file (``fit -m ets -m theta --save``): forecast this model only
        (None: every model, one after the other, each series' rows per model).
    draws
        The forecast quantiles and sample paths asked for (``--quantiles``, ``--samples``).
    """

    model_file: Path
    source: SourceRequest
    horizon: int | None = None
    levels: tuple[float, ...] | None = None
    refit: bool = False
    device: str | None = None
    fallback: str | None = None
    floor: float | None = None
    future: str | None = None
    save: Path | None = None
    output: Path | None = None
    plot: bool = False
    threads: ThreadPolicy | None = None
    progress: bool = False
    series_outcomes: bool = False
    model: str | None = None
    draws: Draws = NO_DRAWS

    @property
    def data(self) -> str | None:
        """The new observations' path (``-``: stdin), None without."""
        return self.source.data or None


@dataclass(frozen=True)
class SinglePredict:
    """A one-series file's forecast: the model (moved on), the run, and the training block
    (the file's, updated by the new observations)."""

    run: ForecastRun
    model: BaseForecaster
    training: dict[str, Any]


@contextmanager
def run(
    request: PredictRequest, notify: Notify = silent, new: Panel | None = None
) -> Iterator[SinglePredict | PanelStream]:
    """Forecast from ``request.model_file``; the result is valid (and a panel's outcomes are
    computed) inside the ``with`` block. ``new``: a panel's new observations, read by the
    caller already (the library API's DataFrames), instead of ``request.source.data``."""
    from forecast.errors import UsageError
    from forecast.fitting.series import horizon_and_levels
    from forecast.io.modelfile import LoadedGlobal, LoadedPanel, load_model_file
    from forecast.threads import limited, resolve

    policy = request.threads or resolve()
    loaded = load_model_file(request.model_file)
    defaults = loaded.defaults
    steps, levels = horizon_and_levels(
        request.horizon, request.levels, defaults.get("horizon"), defaults.get("levels")
    )
    request = replace(request, horizon=steps, levels=levels)
    if isinstance(loaded, LoadedPanel | LoadedGlobal):
        threads = policy.to_dict(request.source.jobs)
        with limited(policy):
            if isinstance(loaded, LoadedGlobal):
                if request.draws.samples:  # before the new data are read
                    from forecast.fitting.global_network import NO_PATHS

                    raise UsageError(NO_PATHS.format(model=loaded.model.model))
                yield _predict_global(loaded, request, threads, notify, new)
            else:
                with _predict_models(loaded, request, threads, notify, new) as stream:
                    yield stream
        return
    if request.model is not None:
        raise UsageError(f"--model {request.model}: {request.model_file} holds one model")
    if request.series_outcomes:
        with limited(policy):
            yield _single_as_panel(loaded, request, policy.to_dict(request.source.jobs), new)
        return
    yield _predict_single(loaded, request, policy, notify)


def _single_as_panel(
    loaded: LoadedModel, request: PredictRequest, threads: dict[str, Any], given: Panel | None
) -> PanelStream:
    """A one-series file as a panel of one (``series_outcomes``), moved on by the caller's new
    observations ``given`` (one series, or a panel whose only series is named ``""``)."""
    from forecast.fitting.panel import ContinueSpec, continue_panel
    from forecast.workflows.source import executor

    assert request.horizon is not None and request.levels is not None  # set by run()
    new = given
    if new is not None and new.single is not None:
        new = replace(new, ids=("",), single=replace(new.single, id=""))
    spec = ContinueSpec(request.horizon, request.levels, request.refit, floor=request.floor,
                        draws=request.draws)  # fmt: skip
    outcomes = continue_panel([("", loaded.model)], new, spec, executor(request.source))
    defaults = {"horizon": request.horizon, "levels": list(request.levels)}
    header = {"model_file": str(request.model_file), "model": loaded.model.name,
              "data": new.describe() if new is not None else None, **defaults,
              "config": {"threads": threads}}  # fmt: skip
    failures = [f.to_dict() for f in new.failures] if new is not None else []
    return PanelStream(outcomes, 1, header, request.levels, failures, loaded.model.name, None,
                       defaults)  # fmt: skip


def _predict_single(
    loaded: LoadedModel, request: PredictRequest, policy: ThreadPolicy, notify: Notify
) -> SinglePredict:
    """A one-series file: the model moved on by the new rows, and its forecast."""
    from forecast.errors import UsageError
    from forecast.fitting.series import continue_model
    from forecast.models.conformal import Calibration
    from forecast.progress import progress_enabled
    from forecast.threads import limited
    from forecast.workflows.fit import forecast_device
    from forecast.workflows.source import load_panel

    src = request.source
    if src.ids is not None or request.output is not None or request.fallback is not None:
        raise UsageError(
            f"{request.model_file} holds one series' model; --ids/--output/--fallback apply "
            "to panels"
        )
    if request.device is not None:
        _use_device(loaded.model, request.device)
    new = None
    names = loaded.model.exog_names_
    training_info = loaded.metadata.get("training", {})
    if request.data is not None:
        value_col = src.value_col
        if names and value_col is None:
            value_col = training_info.get("value_col")
        reading = replace(src, id_col=None, ids=None, wide=False, value_col=value_col)
        new = load_panel(
            reading,
            min_length=1,
            purpose="updating a model",
            notify=notify,
            freq_default=loaded.model.freq_,
            allow_constant=True,
            single=True,
        ).single
    time_col = src.time_col or training_info.get("time_col")
    new_exog, ahead = _covariates(names, request, new, time_col)
    assert request.horizon is not None and request.levels is not None  # set by run()
    with progress_enabled(request.progress), limited(policy):
        calibration = Calibration.from_defaults(loaded.defaults)  # fitted with conformal
        model, forecast_run = continue_model(
            loaded.model,
            new,
            request.refit,
            request.horizon,
            request.levels,
            calibration,
            new_exog,
            ahead,
            floor=request.floor,
            draws=request.draws,
        )
    forecast_run.extra["config"] = {"threads": policy.to_dict()}
    forecast_run.extra["model_file"] = str(request.model_file)
    forecast_run.extra.update(forecast_device(model))
    training = {**loaded.metadata.get("training", {}), **forecast_run.series}
    return SinglePredict(forecast_run, model, training)


def _use_device(model: BaseForecaster, device: str) -> None:
    """A loaded neural model forecasts on ``device``; other models have none to move."""
    from forecast.errors import UsageError

    if "device" not in model.get_params():
        raise UsageError(
            f"--device applies to neural models only; {model.name} has no device "
            "(see 'forecast models')"
        )
    model.use_device(device)  # type: ignore[attr-defined]  # the neural models have it


def _predict_global(
    loaded: LoadedGlobal,
    request: PredictRequest,
    threads: dict[str, Any],
    notify: Notify,
    given: Panel | None,
) -> PanelStream:
    """The saved series of a global model (or ``ids``), each moved on by its own rows."""
    from forecast.errors import UsageError
    from forecast.fitting.global_network import continue_global

    if request.fallback is not None:
        raise UsageError(
            "--fallback fits new series beside a file of per-series models; a global model "
            "forecasts only the series it was trained on (drop --fallback)"
        )
    model = loaded.model
    if request.refit:
        raise UsageError(
            f"--refit on a global model: fit the panel again with 'forecast fit' (the global "
            f"{model.model} is one model for every series)"
        )
    wanted = request.source.ids
    ids = list(dict.fromkeys(wanted)) if wanted is not None else list(model.ids_)
    for sid in ids:
        model.position(sid)  # an unknown id is a usage error, before reading the new data
    if request.device is not None:
        model.use_device(request.device)
    id_col = loaded.metadata.get("global", {}).get("id_col")
    new = _read_panel_data(request, model.freq_, id_col, set(model.ids_), notify, given)
    assert request.horizon is not None and request.levels is not None  # set by run()
    outcomes = continue_global(
        model, new, ids, request.horizon, request.levels, request.draws, request.floor
    )
    defaults = {"horizon": request.horizon, "levels": list(request.levels)}
    if request.save is not None:
        from forecast.io.modelfile import save_global_model

        save_global_model(request.save, model, defaults, id_col)
        notify("message", f"wrote {request.save} (global {model.model}, {len(model.ids_)} series)")
    header = {
        "model_file": str(request.model_file),
        "model": model.model,
        "global": True,
        "data": new.describe() if new is not None else None,
        "horizon": request.horizon,
        "levels": list(request.levels),
        "config": {"threads": threads},
    }
    return PanelStream(
        iter(outcomes),
        len(outcomes),
        header,
        request.levels,
        [f.to_dict() for f in new.failures] if new is not None else [],
        model.model,
        id_col,
        defaults,
        save_models=False,  # written above
    )


@contextmanager
def _predict_models(
    loaded: LoadedPanel,
    request: PredictRequest,
    threads: dict[str, Any],
    notify: Notify,
    given: Panel | None,
) -> Iterator[PanelStream]:
    """A panel's file: one model's entries (``request.model``, or a one-model file), or every
    model of a several-model file one after the other (each reads the new data again)."""
    from contextlib import ExitStack

    labels = loaded.model_labels
    if not labels and request.model not in (None, loaded.metadata.get("model")):
        from forecast.errors import UsageError

        raise UsageError(
            f"--model {request.model}: the model file holds {loaded.metadata.get('model')}"
        )
    if not labels:
        with _predict_panel(loaded, request, threads, notify, given) as stream:
            yield stream
        return
    if request.model is not None:
        labels = [request.model]
    elif request.fallback is not None:
        from forecast.errors import UsageError

        raise UsageError(
            f"--fallback with a file of several models ({', '.join(labels)}): choose one with "
            "--model LABEL"
        )
    with ExitStack() as stack:
        streams = [
            stack.enter_context(_predict_panel(loaded.only(label), request, threads, notify, given))
            for label in labels
        ]
        first = streams[0]  # the others read the same data: the same load failures
        wanted = list(request.source.ids) if request.source.ids is not None else None
        order = wanted or [sid for sid, _ in loaded.models]
        yield replace(
            first,
            outcomes=_interleaved(streams, labels, order),
            model_name=", ".join(labels),
            labels=tuple(labels),
            header={**first.header, "model": labels},
        )


def _interleaved(
    streams: list[PanelStream], labels: list[str], order: list[str]
) -> Iterator[SeriesOutcome]:
    """The models' outcomes series by series (in ``order``), each series' in the models'
    order, each marked with its model's label."""
    rank = {sid: i for i, sid in enumerate(dict.fromkeys(order))}
    iters = [iter(s.outcomes) for s in streams]
    heads = [next(it, None) for it in iters]
    while any(h is not None for h in heads):
        sid = min((h.id for h in heads if h is not None), key=lambda i: rank.get(i, len(rank)))
        for j, head in enumerate(heads):
            if head is not None and head.id == sid:
                yield replace(head, label=labels[j])
                heads[j] = next(iters[j], None)


def _time_col(loaded: LoadedPanel) -> str | None:
    """The time column the file's models were fitted on (its first series')."""
    entries = loaded.metadata.get("panel", {}).get("series") or [{}]
    name = (entries[0].get("training") or {}).get("time_col")
    return name if isinstance(name, str) else None


@contextmanager
def _predict_panel(
    loaded: LoadedPanel,
    request: PredictRequest,
    threads: dict[str, Any],
    notify: Notify,
    given: Panel | None,
) -> Iterator[PanelStream]:
    """A panel's file of per-series models: each moved on by its own rows of the new data
    (read by the Dask workers from part files, or loaded here)."""
    from forecast.fitting.panel import ContinueSpec, continue_panel
    from forecast.workflows.source import executor, open_parts, reads_parts

    src = request.source
    models = loaded.select(list(src.ids) if src.ids is not None else None)
    if request.device is not None:
        for _, model in models:
            _use_device(model, request.device)
    assert request.horizon is not None and request.levels is not None  # set by run()
    file_id_col = loaded.metadata.get("panel", {}).get("id_col")
    modelled = {sid for sid, _ in loaded.models}

    def stream(outcomes: Iterator[Any], data: Any, load_failures: list[Any]) -> PanelStream:
        assert request.horizon is not None and request.levels is not None
        defaults = {"horizon": request.horizon, "levels": list(request.levels)}
        header = {"model_file": str(request.model_file), "model": loaded.metadata.get("model"),
                  "data": data, **defaults, "config": {"threads": threads}}  # fmt: skip
        return PanelStream(outcomes, len(models), header, request.levels, load_failures,
                           str(loaded.metadata.get("model")), file_id_col, defaults,
                           time_col=_time_col(loaded))  # fmt: skip

    keep = request.save is not None or request.plot  # --plot draws the moved-on histories
    spec = ContinueSpec(request.horizon, request.levels, request.refit, keep_models=keep,
                        floor=request.floor, draws=request.draws)  # fmt: skip
    exog = any(m.exog_names_ for _, m in models)
    if request.data is not None and request.fallback is None and reads_parts(src, exog=exog):
        parts_source = replace(src, ids=None, id_col=src.id_col or file_id_col,
                               freq=src.freq or models[0][1].freq_)  # fmt: skip
        _panel_covariates(loaded, models, None, request, file_id_col)  # refuses --future
        parts = open_parts(parts_source, min_length=1, purpose="updating a model",
                           notify=notify, allow_constant=True)  # fmt: skip
        if parts is not None:
            with parts.planned(None) as plan:
                moved = _continue_parts(parts, plan, models, modelled, spec, notify)
                yield stream(moved, parts.data_block(plan), parts.load_failures)
            return
    new = _read_panel_data(request, models[0][1].freq_, file_id_col, modelled, notify, given)
    new_exog, ahead = _panel_covariates(loaded, models, new, request, file_id_col)
    spec = replace(spec, new_exog=new_exog, future=ahead)
    runner = executor(src)
    outcomes: Iterator[SeriesOutcome] = continue_panel(models, new, spec, runner)
    unseen = _unseen(new, modelled, request)
    if unseen and new is not None:
        outcomes = itertools.chain(outcomes, _fit_unseen(new, unseen, request, runner))
    yield stream(
        outcomes,
        new.describe() if new is not None else None,
        [f.to_dict() for f in new.failures] if new is not None else [],
    )


def _continue_parts(
    parts: Any,
    plan: Any,
    models: list[tuple[str, BaseForecaster]],
    modelled: set[str],
    spec: Any,
    notify: Notify,
) -> Iterator[SeriesOutcome]:
    """The new data's part files, each part's series moved on by their saved models where the
    part was read; models without rows in the directory (or whose rows the part's loader
    refused) forecast from their saved state, as the local engine does. In the file's order."""
    from forecast.data.panel import SeriesFailure
    from forecast.execution.parts import in_order
    from forecast.fitting.panel import continue_in_part, continue_one

    chosen = dict(models)
    runner = parts.executor
    part_models = {
        path: ({sid: chosen[sid] for sid in found if sid in chosen}, spec)
        for path, found in plan.found.items()
    }
    in_dir = {sid for found in plan.found.values() for sid in found}

    def outcomes() -> Iterator[SeriesOutcome]:
        absent = [(sid, model, None, spec) for sid, model in models if sid not in in_dir]
        yield from runner.map(continue_one, absent)
        seen: set[str] = set()
        unknown: list[str] = []
        for item in parts.map(plan, continue_in_part, None, part_models):
            if isinstance(item, str):
                if item not in modelled:
                    unknown.append(item)
                continue
            seen.add(item.id)
            yield item
        _warn_without_model(unknown, notify)
        parts.load_failures.extend(  # no model: a failure, as with the local engine
            SeriesFailure(sid, NO_MODEL, stage="predict").to_dict() for sid in unknown
        )
        refused = [(sid, model, None, spec) for sid, model in models if sid in in_dir - seen]
        yield from runner.map(continue_one, refused)

    return in_order(outcomes(), [sid for sid, _ in models])


def _unseen(new: Panel | None, modelled: set[str], request: PredictRequest) -> list[str]:
    """The series of the new data that ``fallback`` fits (none without it, or with ids)."""
    if new is None or request.fallback is None or request.source.ids is not None:
        return []
    return [sid for sid in new.ids if sid not in modelled]


def _fit_unseen(
    new: Panel, unseen: list[str], request: PredictRequest, runner: Any
) -> Iterator[SeriesOutcome]:
    """``fallback`` fitted on each unseen series' own rows; the outcome says why."""
    from forecast.fitting.panel import FitSpec, fit_one

    assert request.fallback is not None
    assert request.horizon is not None and request.levels is not None  # set by run()
    spec = FitSpec(
        request.fallback,
        {},
        request.horizon,
        request.levels,
        keep_models=request.save is not None,
        floor=request.floor,
    )
    positions = {sid: i for i, sid in enumerate(new.ids)}
    tasks = [(new[positions[sid]], spec) for sid in unseen]
    reason = f"no model for this series in {request.model_file}"
    for outcome in runner.map(fit_one, tasks):
        yield replace(outcome, fallback_reason=reason) if outcome.ok else outcome


def _read_panel_data(
    request: PredictRequest,
    freq: str,
    file_id_col: str | None,
    modelled: set[str],
    notify: Notify,
    given: Panel | None = None,
) -> Panel | None:
    """The new data for a panel's model (None without): a panel with an id column. Its series
    without a model (when not restricted by ids) are failures (``no model``, exit 1), unless
    ``fallback`` forecasts them (:func:`_fit_unseen`)."""
    from forecast.data.panel import SeriesFailure
    from forecast.errors import UsageError
    from forecast.workflows.source import load_panel

    src = request.source
    if given is not None:
        new = given
    elif request.data is None:
        return None
    else:
        reading = replace(src, ids=None, wide=False, id_col=src.id_col or file_id_col)
        new = load_panel(
            reading,
            min_length=1,
            purpose="updating a model",
            notify=notify,
            allow_constant=True,
            freq_default=freq,
        )
    if new.single is not None:
        raise UsageError(
            f"--data {request.data or 'data'} has no id column; a panel's model needs one "
            "(--id-col NAME)"
        )
    unknown = [sid for sid in new.ids if sid not in modelled]
    if src.ids is not None or request.fallback is not None or not unknown:
        return new
    _warn_without_model(unknown, notify)
    missing = tuple(SeriesFailure(sid, NO_MODEL, stage="predict") for sid in unknown)
    return replace(new, failures=(*new.failures, *missing))


def _warn_without_model(unknown: list[str], notify: Notify) -> None:
    """One warning for the series of the new data that have no model in the file."""
    if unknown:
        shown = ", ".join(repr(s) for s in unknown[:5])
        notify("warning", f"--data has {len(unknown)} series without a model, left out: "
               f"{shown}; fit them with 'forecast fit' or pass --fallback MODEL")  # fmt: skip


def _covariates(
    names: tuple[str, ...], request: PredictRequest, new: Any, time_col: str | None
) -> tuple[Any, Any]:
    """A one-series model with regressors: their values at the new rows and over the horizon
    (``future``); (None, None) for a model without."""
    from forecast.data.exog import read_covariates
    from forecast.errors import UsageError

    src, future = request.source, request.future
    if not names:
        if future is not None:
            raise UsageError("the model was fitted without regressors; drop --future")
        return None, None
    if future is None:
        raise UsageError(
            f"the model has regressors ({', '.join(names)}); pass their values over the "
            "horizon with --future FILE"
        )
    if request.data == "-":
        raise UsageError("a model with regressors reads --data from a file, not stdin")
    new_exog = None
    if request.data is not None and new is not None:
        new_exog = read_covariates(
            request.data,
            names,
            time_col=new.time_col,
            exclude=[new.value_col],
            time_format=src.time_format,
            encoding=src.encoding,
            option="--data",
        )
    column = time_col or (new.time_col if new is not None else None)
    if column is None:
        raise UsageError("pass --time-col NAME: the time column of --future")
    ahead = read_covariates(
        future, names, time_col=column, time_format=src.time_format, encoding=src.encoding,
        future=True,
    )  # fmt: skip
    return new_exog, ahead


def _panel_covariates(
    loaded: LoadedPanel,
    models: list[tuple[str, Any]],
    new: Panel | None,
    request: PredictRequest,
    id_col: str | None,
) -> tuple[Any, Any]:
    """A panel's models with regressors: the new data's regressor columns and ``future``'s."""
    from forecast.data.exog import read_covariates
    from forecast.errors import UsageError

    src, future = request.source, request.future
    names = next((m.exog_names_ for _, m in models if m.exog_names_), ())
    if not names:
        if future is not None:
            raise UsageError("the models were fitted without regressors; drop --future")
        return None, None
    if future is None:
        raise UsageError(
            f"the models have regressors ({', '.join(names)}); pass their values over the "
            "horizon with --future FILE"
        )
    series = loaded.metadata.get("panel", {}).get("series", [{}])
    time_col = src.time_col or series[0].get("training", {}).get("time_col")
    if time_col is None:
        raise UsageError("pass --time-col NAME: the time column of --future")
    new_exog = None
    if new is not None and request.data is not None:
        if request.data == "-":
            raise UsageError("models with regressors read --data from a file, not stdin")
        new_exog = read_covariates(
            request.data,
            names,
            time_col=new.time_col,
            id_col=new.id_col,
            exclude=[new.value_col],
            time_format=src.time_format,
            encoding=src.encoding,
            option="--data",
        )
    ahead = read_covariates(
        future, names, time_col=time_col, id_col=id_col, time_format=src.time_format,
        encoding=src.encoding, future=True,
    )  # fmt: skip
    return new_exog, ahead
