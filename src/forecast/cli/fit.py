"""`forecast fit DATA --model NAME`: fit a model, print its summary and forecast, save it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from forecast.cli import model_options as mo
from forecast.cli import options as o
from forecast.cli.global_run import Deterministic
from forecast.types import EngineChoice, FormatChoice, IntervalsChoice, MinLength, MissingChoice

if TYPE_CHECKING:
    from forecast.data import Panel
    from forecast.execution import Executor
    from forecast.fitting.panel import FitSpec


def fit(
    data: o.DataArg,
    model: mo.Model = None,
    param: mo.Params = None,
    config: mo.Config = None,
    horizon: mo.Horizon = None,
    level: mo.Levels = None,
    intervals: mo.Intervals = IntervalsChoice.model,
    clip_floor: Annotated[
        float | None,
        typer.Option(
            "--floor",
            help="Clip forecasts and bounds at this value (0: demand is never negative). "
            "Without it: 0 for a series whose values are all >= 0 with >= 30 % zeros.",
        ),
    ] = None,
    save: mo.Save = None,
    plot: mo.Plot = None,
    fallback: mo.Fallback = None,
    output: mo.Output = None,
    jobs: o.Jobs = 1,
    engine: o.Engine = EngineChoice.local,
    scheduler: o.Scheduler = None,
    scheduler_timeout: o.SchedulerTimeout = o.SCHEDULER_TIMEOUT_S,
    device: mo.Device = None,
    seed: mo.Seed = None,
    epochs: mo.Epochs = None,
    deterministic: Deterministic = False,
    id_col: o.IdCol = None,
    ids: o.Ids = None,
    ids_file: o.IdsFile = None,
    wide: o.Wide = False,
    time_col: o.TimeCol = None,
    value_col: o.ValueCol = None,
    freq: o.Freq = None,
    missing: o.Missing = MissingChoice.error,
    time_format: o.TimeFormat = None,
    encoding: o.Encoding = None,
    exog: o.Exog = None,
    future: o.Future = None,
    fmt: o.Format = FormatChoice.table,
    no_header: o.NoHeader = False,
    quiet: o.Quiet = False,
    threads: o.Threads = None,
    debug: o.Debug = False,
) -> None:
    """Fit a model on DATA and forecast; --save writes the fitted model for 'forecast predict'.

    On a panel (an id column), every series gets its own fitted model (a neural model: one
    network trained on every series; --param global=false for one per series) and forecasts
    come in long format (id, timestamp, mean, bounds); --save writes all of them to one file.
    Exit 1 when a series failed (the others are complete). --device, --seed and --epochs set
    the neural models' parameters of the same names (and win over --param and the config file)."""
    from forecast.cli.render import note, note_all, progress_allowed, warn_all
    from forecast.config import read_config
    from forecast.errors import UsageError
    from forecast.fitting.series import MinimumLength, horizon_and_levels, min_obs
    from forecast.io.paths import refuse_overlap
    from forecast.models.registry import get_spec, parse_param_args
    from forecast.progress import progress_enabled
    from forecast.threads import limited, resolve

    refuse_overlap(
        {"DATA": data, "--config": config, "--ids-file": ids_file, "--future": future},
        {"--output": output, "--save": save, "--plot": plot},
    )
    policy = resolve(threads)
    cfg = read_config(config, ("floor",))
    clip_floor = _floor(clip_floor, cfg.options.get("floor"), config)
    name = model or cfg.model
    if name is None:
        raise UsageError("no model given; pass --model NAME (see 'forecast models') or --config")
    spec = get_spec(name)
    accepted = [p.name for p in spec.params]
    chosen = mo.option_params(name, accepted, device=device, seed=seed, epochs=epochs)
    raw_params = {**cfg.params, **parse_param_args(param or []), **chosen}
    from forecast.models.neural.global_options import split_options

    global_options, raw_params = split_options(name, raw_params, deterministic=deterministic)
    spec.resolve(raw_params)  # fail on a bad parameter before reading any data
    mo.check_plot(plot)
    from forecast.cli.validate import check_output, check_panel_output

    check_output(save)  # a directory or device is refused before any work
    check_panel_output(output)
    if fallback is not None:
        get_spec(fallback).resolve({})
    steps, levels = horizon_and_levels(horizon, level, cfg.horizon, cfg.levels)
    floor = min(min_obs(name), min_obs(fallback)) if fallback else min_obs(name)
    series_min_length = MinimumLength(((name, raw_params), *([(fallback, {})] if fallback else [])))
    min_length: MinLength = series_min_length  # the exact number, once the frequency is known
    if global_options.applies(name, 2):
        min_length = 3  # on a panel a global network forecasts short series (a full window)
    purpose = f"fitting {name}" + (f" or {fallback}" if fallback else "")

    def panel_spec() -> FitSpec:
        from forecast.fitting.panel import FitSpec

        return FitSpec(
            name,
            raw_params,
            steps,
            levels,
            fallback,
            keep_models=save is not None,
            intervals=intervals.value,
            floor=clip_floor,
        )

    exog_names = _check_exog(exog, future, data, wide, name, fallback)
    from forecast.cli.parts_run import workers_read

    # a global network is one fit across all series: the client reads the panel for it
    one_network = global_options.applies(name, 2)
    if workers_read(engine, data, wide) and exog_names is None and not one_network:
        from forecast.cli.parts_run import PartSource, fit_parts

        wanted = o.selected_ids(ids, ids_file)
        source = PartSource(data, engine, jobs, scheduler, time_col, value_col, id_col, freq,
                            missing, time_format, wanted)  # fmt: skip
        with limited(policy):
            done = fit_parts(
                source,
                panel_spec,
                min_length=floor,  # each worker's fit refuses what is short at the frequency
                purpose=purpose,
                save=save,
                output=output,
                fmt=fmt,
                quiet=quiet,
                no_header=no_header,
            )
        if done:
            return
    if exog_names is not None and value_col is None:
        from forecast.data.exog import value_column

        value_col = value_column(
            data, exog_names, time_col=time_col, id_col=id_col, encoding=encoding
        )
    panel = o.load(
        data,
        time_col=time_col,
        value_col=value_col,
        freq=freq,
        missing=missing,
        time_format=time_format,
        encoding=encoding,
        min_length=min_length,
        purpose=purpose,
        quiet=quiet,
        id_col=id_col,
        ids=o.selected_ids(ids, ids_file),
        wide=wide,
        allow_constant=True,  # a constant series forecasts its constant
    )
    if panel.single is not None and min_length != series_min_length:  # one series: no network
        from forecast.data.grid import refuse_degenerate  # across series, its own minimum

        shortest = series_min_length(panel.single.freq)
        refuse_degenerate(panel.single.y, shortest, purpose, data, allow_constant=True)
    if panel.single is None and plot is not None:
        raise UsageError("--plot draws one series; on a panel drop --plot (or fit one series)")
    if panel.single is None and global_options.applies(name, len(panel)):
        from forecast.cli.global_run import fit_global
        from forecast.errors import GLOBAL_EXOG

        if exog_names is not None:
            raise UsageError(GLOBAL_EXOG)

        with limited(policy):
            fit_global(
                panel,
                panel_spec(),
                global_options,
                save,
                output,
                fmt,
                quiet,
                no_header,
                policy.to_dict(jobs),
            )
        return
    if deterministic:
        raise UsageError(
            "--deterministic applies to a global neural model (a panel of more than one series, "
            "or --param global=true)"
        )
    if panel.single is None:
        fit_spec = panel_spec()
        if exog_names is not None:
            from dataclasses import replace

            covariates, ahead = _read_regressors(
                data, future, exog_names, panel, time_format, encoding
            )
            note(f"regressors: {', '.join(covariates.names)} (future values from {future})", quiet)
            fit_spec = replace(fit_spec, exog=covariates, future=ahead)
        with limited(policy):
            _fit_panel(
                panel,
                fit_spec,
                save,
                output,
                o.executor(engine, jobs, scheduler),
                fmt,
                quiet,
                no_header,
                policy.to_dict(jobs),
            )
        return
    if output is not None:
        raise UsageError("--output writes a panel's forecasts; for one series use --format")
    series = panel.single
    exog_frame, exog_future = None, None
    if exog_names is not None:
        exog_frame, exog_future = _regressors(
            data, future, exog_names, series, steps, time_format, encoding, quiet
        )
    with progress_enabled(progress_allowed(quiet)), limited(policy):
        fit_args = (
            name,
            raw_params,
            steps,
            levels,
            intervals.value,
            exog_frame,
            exog_future,
            clip_floor,
        )
        fitted, run = _fit_single(series, fit_args, quiet)
    run.extra["config"] = {"threads": policy.to_dict()}
    run.extra.update(mo.forecast_device(fitted))
    warn_all(run.summary.notes, quiet)
    note_all(run.notes, quiet)
    drawn = (plot, series.y) if plot is not None else None
    mo.save_and_print(run, fitted, save, series.describe(), fmt, quiet, no_header, drawn)


def _fit_single(series: Any, args: tuple[Any, ...], quiet: bool) -> tuple[Any, Any]:
    """:func:`fit_model` on one series; a constant series the model cannot fit forecasts its
    constant (:data:`CONSTANT_MODEL`), with a note."""
    from forecast.cli.render import note
    from forecast.errors import describe_error
    from forecast.fitting.series import CONSTANT_MODEL, constant_value, fit_model

    name, _, *rest = args
    try:
        return fit_model(series, name, *args[1:])
    except Exception as exc:
        if constant_value(series.y.to_numpy()) is None:
            raise
        note(f"{name} cannot fit this constant series ({describe_error(exc)})", quiet)
        return fit_model(series, CONSTANT_MODEL, {}, *rest)


def _floor(option: float | None, configured: Any, config: Path | None) -> float | None:
    """``--floor``, else the config file's ``floor`` (a number), else None (automatic)."""
    import math

    from forecast.errors import UsageError

    if option is None and configured is not None:
        if isinstance(configured, bool) or not isinstance(configured, int | float):
            raise UsageError(f"config file {config}: floor must be a number, got {configured!r}")
        option = float(configured)
    if option is not None and not math.isfinite(option):
        raise UsageError(f"--floor must be a finite number, got {option}")
    return option


def _fit_panel(
    panel: Panel,
    spec: FitSpec,
    save: Path | None,
    output: Path | None,
    executor: Executor,
    fmt: FormatChoice,
    quiet: bool,
    no_header: bool,
    threads: dict[str, Any],
) -> None:
    from forecast.cli.panel_run import stream_outcomes
    from forecast.execution import batch_size
    from forecast.fitting.panel import fit_panel

    stream_outcomes(
        fit_panel(panel, spec, executor),
        total=len(panel),
        header={"data": panel.describe(), **spec.header(), "config": {"threads": threads}},
        levels=spec.levels,
        load_failures=[f.to_dict() for f in panel.failures],
        fmt=fmt,
        output=output,
        save=save,
        model_name=spec.model,
        id_col=panel.id_col,
        defaults=spec.defaults(),
        quiet=quiet,
        no_header=no_header,
        part_size=batch_size(len(panel), executor.workers),
        workers=executor.workers,
    )


def _check_exog(
    exog: str | None,
    future: str | None,
    data: str,
    wide: bool,
    model: str,
    fallback: str | None,
) -> tuple[str, ...] | None:
    """``--exog``/``--future`` checked before reading anything: the names, or None."""
    from forecast.data.exog import parse_exog_option
    from forecast.errors import UsageError
    from forecast.models.base import EXOG_MODELS
    from forecast.models.registry import get_spec

    names = parse_exog_option(exog)
    if names is None:
        if future is not None:
            raise UsageError("--future gives the regressors' future values; name them with --exog")
        return None
    if future is None:
        raise UsageError("--exog needs the regressors' values over the horizon; pass --future FILE")
    for chosen in (model, fallback):
        if chosen is not None and not get_spec(chosen).factory().supports_exog:
            raise UsageError(
                f"{chosen} cannot use regressors; drop --exog or choose a model that takes them "
                f"({', '.join(EXOG_MODELS)})"
            )
    if data == "-" or wide:
        raise UsageError("--exog reads its columns from a data file; not stdin or --wide")
    return names


def _regressors(
    data: str,
    future: str | None,
    names: tuple[str, ...],
    series: Any,
    steps: int,
    time_format: str | None,
    encoding: str | None,
    quiet: bool,
) -> tuple[Any, Any]:
    """The regressors at the series' timestamps and over the horizon (from --future)."""
    from forecast.cli.render import note

    covariates, ahead = _read_regressors(data, future, names, series, time_format, encoding)
    training = covariates.training(series.y.index)
    found = ahead.future(series.y.index[-1], series.freq, steps)
    note(f"regressors: {', '.join(covariates.names)} (future values from {future})", quiet)
    return training, found


def _read_regressors(
    data: str,
    future: str | None,
    names: tuple[str, ...],
    source: Any,
    time_format: str | None,
    encoding: str | None,
) -> tuple[Any, Any]:
    """The regressor columns of DATA and of --future, read with the time (and id) columns the
    series or panel ``source`` was read with."""
    from forecast.data.exog import read_covariates

    id_col = getattr(source, "id_col", None)
    covariates = read_covariates(
        data,
        names,
        time_col=source.time_col,
        id_col=id_col,
        exclude=[source.value_col],
        time_format=time_format,
        encoding=encoding,
    )
    assert future is not None
    ahead = read_covariates(
        future,
        covariates.names,
        time_col=source.time_col,
        id_col=id_col,
        time_format=time_format,
        encoding=encoding,
        future=True,
    )
    return covariates, ahead
