"""`forecast predict MODEL_FILE [--data NEW.csv]`: forecast from a saved model."""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from forecast.cli import model_options as mo
from forecast.cli import options as o
from forecast.types import EngineChoice, FormatChoice, MissingChoice

if TYPE_CHECKING:
    from forecast.data import Panel
    from forecast.io.modelfile import LoadedGlobal, LoadedPanel


def predict(
    model_file: Annotated[
        Path, typer.Argument(metavar="MODEL_FILE", help="A file written by 'forecast fit --save'.")
    ],
    data: Annotated[
        str | None,
        typer.Option(
            "--data", help="New observations after the training end (CSV, or - for stdin)."
        ),
    ] = None,
    horizon: mo.Horizon = None,
    level: mo.Levels = None,
    refit: Annotated[
        bool,
        typer.Option(
            "--refit", help="Re-estimate on training + new data instead of updating the state."
        ),
    ] = False,
    save: Annotated[
        Path | None,
        typer.Option("--save", help="Write the updated model here (may be MODEL_FILE itself)."),
    ] = None,
    output: mo.Output = None,
    plot: mo.Plot = None,
    fallback: Annotated[
        str | None,
        typer.Option(
            "--fallback",
            help="Panels: forecast the series of --data that have no model in MODEL_FILE with "
            "this model, fitted on their own rows (without it they fail: exit 1).",
        ),
    ] = None,
    clip_floor: Annotated[
        float | None,
        typer.Option(
            "--floor",
            help="Clip forecasts and bounds at this value (as fit --floor). Without it: 0 for a "
            "series whose values are all >= 0 with >= 30 % zeros.",
        ),
    ] = None,
    jobs: o.Jobs = 1,
    engine: o.Engine = EngineChoice.local,
    scheduler: o.Scheduler = None,
    scheduler_timeout: o.SchedulerTimeout = o.SCHEDULER_TIMEOUT_S,
    device: mo.Device = None,
    id_col: o.IdCol = None,
    ids: o.Ids = None,
    ids_file: o.IdsFile = None,
    time_col: o.TimeCol = None,
    value_col: o.ValueCol = None,
    freq: o.Freq = None,
    missing: o.Missing = MissingChoice.error,
    time_format: o.TimeFormat = None,
    encoding: o.Encoding = None,
    future: o.Future = None,
    fmt: o.Format = FormatChoice.table,
    no_header: o.NoHeader = False,
    quiet: o.Quiet = False,
    threads: o.Threads = None,
    debug: o.Debug = False,
) -> None:
    """Forecast from a saved model; --data appends new observations at fixed parameters.

    A panel's model file forecasts every series (or --ids), each moved on by its own rows of
    --data. --device moves a neural model's forecasts (and a --refit fine-tuning) to that
    device."""
    from forecast.cli.render import progress_allowed
    from forecast.cli.validate import check_output, check_panel_output
    from forecast.errors import UsageError
    from forecast.fitting.series import continue_model, horizon_and_levels
    from forecast.io.modelfile import LoadedGlobal, LoadedPanel, load_model_file
    from forecast.io.paths import refuse_overlap
    from forecast.models.conformal import Calibration
    from forecast.progress import progress_enabled
    from forecast.threads import limited, resolve

    refuse_overlap(
        {"MODEL_FILE": model_file, "--data": data, "--ids-file": ids_file, "--future": future},
        {"--output": output, "--save": save, "--plot": plot},
        may_replace=("--save", "MODEL_FILE"),
    )
    check_output(save)  # a directory or device is refused before any work
    check_panel_output(output)
    policy = resolve(threads)
    read_new = functools.partial(
        o.load,
        time_col=time_col,
        freq=freq,
        missing=missing,
        time_format=time_format,
        encoding=encoding,
        min_length=1,
        purpose="updating a model",
        quiet=quiet,
        allow_constant=True,
    )
    mo.check_plot(plot)
    if clip_floor is not None and not math.isfinite(clip_floor):
        raise UsageError(f"--floor must be a finite number, got {clip_floor}")
    if fallback is not None:
        from forecast.models.registry import get_spec

        get_spec(fallback).resolve({})  # an unknown model stops the run before any work
    loaded = load_model_file(model_file)
    defaults = loaded.defaults
    steps, levels = horizon_and_levels(
        horizon, level, defaults.get("horizon"), defaults.get("levels")
    )
    if isinstance(loaded, LoadedPanel | LoadedGlobal):
        if plot is not None:
            raise UsageError("--plot draws one series; a panel's model file holds many")
        run_panel = _predict_panel if isinstance(loaded, LoadedPanel) else _predict_global
        with limited(policy):
            run_panel(
                loaded,  # type: ignore[arg-type]  # the function for this kind of file
                PanelPredict(
                    model_file,
                    data,
                    steps,
                    levels,
                    refit,
                    save,
                    output,
                    jobs,
                    device,
                    o.selected_ids(ids, ids_file),
                    fmt,
                    quiet,
                    no_header,
                    policy.to_dict(jobs),
                    engine=engine,
                    scheduler=scheduler,
                    future=future,
                    time_col=time_col,
                    time_format=time_format,
                    encoding=encoding,
                    id_col=id_col,
                    value_col=value_col,
                    freq=freq,
                    missing=missing,
                    fallback=fallback,
                    floor=clip_floor,
                ),
                lambda source, freq_default, file_id_col: read_new(
                    source,
                    freq_default=freq_default,
                    id_col=id_col or file_id_col,
                    value_col=value_col,
                ),
            )
        return
    if ids is not None or ids_file is not None or output is not None or fallback is not None:
        raise UsageError(
            f"{model_file} holds one series' model; --ids/--output/--fallback apply to panels"
        )
    if device is not None:
        mo.use_device(loaded.model, device)
    new = None
    names = loaded.model.exog_names_
    training_info = loaded.metadata.get("training", {})
    if data is not None:
        if names and value_col is None:
            value_col = training_info.get("value_col")
        new = read_new(
            data, freq_default=loaded.model.freq_, single=True, value_col=value_col
        ).single
    new_exog, ahead = _covariates(
        names, data, new, future, time_col or training_info.get("time_col"), time_format, encoding
    )
    with progress_enabled(progress_allowed(quiet)), limited(policy):
        calibration = Calibration.from_defaults(defaults)  # fitted with --intervals conformal
        model, run = continue_model(
            loaded.model, new, refit, steps, levels, calibration, new_exog, ahead, floor=clip_floor
        )
    run.extra["config"] = {"threads": policy.to_dict()}
    run.extra["model_file"] = str(model_file)
    run.extra.update(mo.forecast_device(model))
    training = {**loaded.metadata.get("training", {}), **run.series}
    drawn = (plot, mo.history_of(model)) if plot is not None else None
    mo.save_and_print(run, model, save, training, fmt, quiet, no_header, drawn)


@dataclass(frozen=True)
class PanelPredict:
    """The options of `predict` on a panel's model file."""

    model_file: Path
    data: str | None
    steps: int
    levels: tuple[float, ...]
    refit: bool
    save: Path | None
    output: Path | None
    jobs: int
    device: str | None
    ids: list[str] | None
    fmt: FormatChoice
    quiet: bool
    no_header: bool
    threads: dict[str, Any]
    engine: EngineChoice = EngineChoice.local
    scheduler: str | None = None
    future: str | None = None
    time_col: str | None = None
    time_format: str | None = None
    encoding: str | None = None
    id_col: str | None = None
    value_col: str | None = None
    freq: str | None = None
    missing: MissingChoice = MissingChoice.error
    fallback: str | None = None  # fits the series of --data without a model (local files)
    floor: float | None = None  # --floor (None: automatic)


def _predict_global(
    loaded: LoadedGlobal,
    opts: PanelPredict,
    read: Callable[[str, str | None, str | None], Panel],
) -> None:
    from forecast.cli.global_run import predict_global
    from forecast.errors import UsageError

    if opts.fallback is not None:
        raise UsageError(
            "--fallback fits new series beside a file of per-series models; a global model "
            "forecasts only the series it was trained on (drop --fallback)"
        )
    predict_global(loaded, opts, read)


def _predict_panel(
    loaded: LoadedPanel,
    opts: PanelPredict,
    read: Callable[[str, str | None, str | None], Panel],
) -> None:
    from forecast.cli.panel_run import stream_outcomes
    from forecast.fitting.panel import ContinueSpec, continue_panel

    models = loaded.select(opts.ids)
    if opts.device is not None:
        for _, model in models:
            mo.use_device(model, opts.device)
    steps, levels = opts.steps, opts.levels
    file_id_col = loaded.metadata.get("panel", {}).get("id_col")
    modelled = {sid for sid, _ in loaded.models}
    executor = functools.partial(o.executor, opts.engine, opts.jobs, opts.scheduler)

    def emit(
        outcomes: Iterator[Any], data: dict[str, Any] | None, load_failures: list[dict[str, Any]]
    ) -> None:
        header = {
            "model_file": str(opts.model_file),
            "model": loaded.metadata.get("model"),
            "data": data,
            "horizon": steps,
            "levels": list(levels),
            "config": {"threads": opts.threads},
        }
        stream_outcomes(
            outcomes,
            total=len(models),
            header=header,
            levels=levels,
            load_failures=load_failures,
            fmt=opts.fmt,
            output=opts.output,
            save=opts.save,
            model_name=str(loaded.metadata.get("model")),
            id_col=file_id_col,
            defaults={"horizon": steps, "levels": list(levels)},
            quiet=opts.quiet,
            no_header=opts.no_header,
        )

    if _reads_parts(opts, models) and opts.fallback is None:  # --fallback: read on the client
        from forecast.cli.parts_run import PartSource, predict_parts

        source = PartSource(str(opts.data), opts.engine, opts.jobs, opts.scheduler,
                            opts.time_col, opts.value_col, opts.id_col or file_id_col,
                            opts.freq or models[0][1].freq_, opts.missing, opts.time_format,
                            None)  # fmt: skip
        spec = ContinueSpec(
            steps, levels, opts.refit, keep_models=opts.save is not None, floor=opts.floor
        )
        _panel_covariates(loaded, models, None, opts, file_id_col)  # refuses --future
        if predict_parts(source, models, modelled, spec, emit, opts.quiet):
            return
    new = read_panel_data(read, opts, models[0][1].freq_, file_id_col, modelled)
    new_exog, ahead = _panel_covariates(loaded, models, new, opts, file_id_col)
    unseen = _unseen(new, modelled, opts)
    spec = ContinueSpec(
        steps,
        levels,
        opts.refit,
        keep_models=opts.save is not None,
        new_exog=new_exog,
        future=ahead,
        floor=opts.floor,
    )
    runner = executor()
    outcomes = continue_panel(models, new, spec, runner)
    if unseen and new is not None:
        outcomes = itertools.chain(outcomes, _fit_unseen(new, unseen, opts, runner))
    emit(
        outcomes,
        new.describe() if new is not None else None,
        [f.to_dict() for f in new.failures] if new is not None else [],
    )


def _unseen(new: Panel | None, modelled: set[str], opts: PanelPredict) -> list[str]:
    """The series of --data that --fallback fits (none without it, or with --ids)."""
    if new is None or opts.fallback is None or opts.ids is not None:
        return []
    return [sid for sid in new.ids if sid not in modelled]


def _fit_unseen(new: Panel, unseen: list[str], opts: PanelPredict, runner: Any) -> Iterator[Any]:
    """``--fallback`` fitted on each unseen series' own rows; the outcome says why."""
    from dataclasses import replace

    from forecast.fitting.panel import FitSpec, fit_one

    assert opts.fallback is not None
    spec = FitSpec(
        opts.fallback,
        {},
        opts.steps,
        opts.levels,
        keep_models=opts.save is not None,
        floor=opts.floor,
    )
    positions = {sid: i for i, sid in enumerate(new.ids)}
    tasks = [(new[positions[sid]], spec) for sid in unseen]
    reason = f"no model for this series in {opts.model_file}"
    for outcome in runner.map(fit_one, tasks):
        yield replace(outcome, fallback_reason=reason) if outcome.ok else outcome


def _reads_parts(opts: PanelPredict, models: list[tuple[str, Any]]) -> bool:
    """Whether the workers read ``--data``'s part files themselves: ``--engine dask`` on a
    Parquet directory, for models without regressors."""
    from forecast.cli.parts_run import workers_read

    return workers_read(opts.engine, opts.data) and not any(m.exog_names_ for _, m in models)


def read_panel_data(
    read: Callable[[str, str | None, str | None], Panel],
    opts: PanelPredict,
    freq: str,
    id_col: str | None,
    modelled: set[str],
) -> Panel | None:
    """``--data`` for a panel's model (None without it): a panel with an id column. Its series
    without a model (when not restricted by ``--ids``) are failures (``no model``, exit 1),
    unless ``--fallback`` forecasts them (:func:`_fit_unseen`)."""
    from dataclasses import replace

    from forecast.data.panel import SeriesFailure
    from forecast.errors import UsageError

    if opts.data is None:
        return None
    new = read(opts.data, freq, id_col)
    if new.single is not None:
        raise UsageError(
            f"--data {opts.data} has no id column; a panel's model needs one (--id-col NAME)"
        )
    unknown = [sid for sid in new.ids if sid not in modelled]
    if opts.ids is not None or opts.fallback is not None or not unknown:
        return new
    warn_without_model(unknown, opts.quiet)
    missing = tuple(SeriesFailure(sid, NO_MODEL, stage="predict") for sid in unknown)
    return replace(new, failures=(*new.failures, *missing))


NO_MODEL = (
    "no model for this series in the model file; fit it with 'forecast fit', or pass "
    "--fallback MODEL to forecast it from its own rows"
)


def warn_without_model(unknown: list[str], quiet: bool) -> None:
    """One warning for the series of --data that have no model in the file (ignored)."""
    from forecast.cli.render import warn

    if unknown:
        shown = ", ".join(repr(s) for s in unknown[:5])
        warn(
            f"--data has {len(unknown)} series without a model, left out: {shown}; fit them "
            "with 'forecast fit' or pass --fallback MODEL",
            quiet,
        )


def _covariates(
    names: tuple[str, ...],
    data: str | None,
    new: Any,
    future: str | None,
    time_col: str | None,
    time_format: str | None,
    encoding: str | None,
) -> tuple[Any, Any]:
    """A model with regressors: their values at the new rows of --data and over the horizon
    (--future); (None, None) for a model without."""
    from forecast.data.exog import read_covariates
    from forecast.errors import UsageError

    if not names:
        if future is not None:
            raise UsageError("the model was fitted without regressors; drop --future")
        return None, None
    if future is None:
        raise UsageError(
            f"the model has regressors ({', '.join(names)}); pass their values over the "
            "horizon with --future FILE"
        )
    if data == "-":
        raise UsageError("a model with regressors reads --data from a file, not stdin")
    new_exog = None
    if data is not None and new is not None:
        new_exog = read_covariates(
            data,
            names,
            time_col=new.time_col,
            exclude=[new.value_col],
            time_format=time_format,
            encoding=encoding,
            option="--data",
        )
    column = time_col or (new.time_col if new is not None else None)
    if column is None:
        raise UsageError("pass --time-col NAME: the time column of --future")
    ahead = read_covariates(
        future,
        names,
        time_col=column,
        time_format=time_format,
        encoding=encoding,
        future=True,
    )
    return new_exog, ahead


def _panel_covariates(
    loaded: LoadedPanel,
    models: list[tuple[str, Any]],
    new: Panel | None,
    opts: PanelPredict,
    id_col: str | None,
) -> tuple[Any, Any]:
    """A panel's models with regressors: --data's regressor columns and --future's."""
    from forecast.data.exog import read_covariates
    from forecast.errors import UsageError

    names = next((m.exog_names_ for _, m in models if m.exog_names_), ())
    if not names:
        if opts.future is not None:
            raise UsageError("the models were fitted without regressors; drop --future")
        return None, None
    if opts.future is None:
        raise UsageError(
            f"the models have regressors ({', '.join(names)}); pass their values over the "
            "horizon with --future FILE"
        )
    series = loaded.metadata.get("panel", {}).get("series", [{}])
    time_col = opts.time_col or series[0].get("training", {}).get("time_col")
    if time_col is None:
        raise UsageError("pass --time-col NAME: the time column of --future")
    new_exog = None
    if new is not None and opts.data is not None:
        if opts.data == "-":
            raise UsageError("models with regressors read --data from a file, not stdin")
        new_exog = read_covariates(
            opts.data,
            names,
            time_col=new.time_col,
            id_col=new.id_col,
            exclude=[new.value_col],
            time_format=opts.time_format,
            encoding=opts.encoding,
            option="--data",
        )
    ahead = read_covariates(
        opts.future,
        names,
        time_col=time_col,
        id_col=id_col,
        time_format=opts.time_format,
        encoding=opts.encoding,
        future=True,
    )
    return new_exog, ahead
