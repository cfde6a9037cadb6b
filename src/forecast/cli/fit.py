"""`forecast fit DATA --model NAME`: fit a model, print its summary and forecast, save it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from forecast.cli import model_options as mo
from forecast.cli import options as o
from forecast.types import EngineChoice, FormatChoice, IntervalsChoice, MissingChoice

if TYPE_CHECKING:
    from forecast.workflows.fit import FitRequest, SingleFit


Floor = Annotated[
    float | None,
    typer.Option(
        "--floor",
        help="Clip forecasts and bounds at this value (0: demand is never negative). "
        "Without it: 0 for a series whose values are all >= 0 with >= 30 % zeros.",
    ),
]


def fit(
    data: o.DataArg,
    model: mo.Model = None,
    param: mo.Params = None,
    config: mo.Config = None,
    horizon: mo.Horizon = None,
    level: mo.Levels = None,
    intervals: mo.Intervals = IntervalsChoice.model,
    clip_floor: Floor = None,
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
    deterministic: mo.Deterministic = False,
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
    from forecast.cli.panel_run import render_stream
    from forecast.cli.render import notifier
    from forecast.workflows import fit as workflow

    request = _request(
        (data, model, param, config, horizon, level, intervals, clip_floor, save, plot, fallback,
         output, device, seed, epochs, deterministic, exog, future, threads, quiet),
        (engine, jobs, scheduler, scheduler_timeout, id_col, ids, ids_file, wide, time_col,
         value_col, freq, missing, time_format, encoding),
    )  # fmt: skip
    with workflow.run(request, notifier(quiet)) as result:
        if isinstance(result, workflow.SingleFit):
            _render_single(result, save, plot, fmt, quiet, no_header)
        else:
            render_stream(result, fmt=fmt, output=output, save=save, quiet=quiet,
                          no_header=no_header)  # fmt: skip


def _request(options: tuple[Any, ...], source_options: tuple[Any, ...]) -> FitRequest:
    """`fit`'s options checked (before any data is read) and turned into the workflow's
    request: the config file, the model and its parameters, the outputs, the regressors."""
    from forecast.cli.render import progress_allowed
    from forecast.config import read_config
    from forecast.data.exog import parse_exog_option
    from forecast.errors import UsageError
    from forecast.fitting.series import horizon_and_levels
    from forecast.io.paths import refuse_overlap
    from forecast.models.neural.global_options import split_options
    from forecast.models.registry import get_spec, parse_param_args
    from forecast.threads import resolve
    from forecast.workflows.fit import FitRequest

    (data, model, param, config, horizon, level, intervals, clip_floor, save, plot, fallback,
     output, device, seed, epochs, deterministic, exog, future, threads, quiet) = options  # fmt: skip  # noqa: E501
    ids_file = source_options[6]
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
    global_options, raw_params = split_options(name, raw_params, deterministic=deterministic)
    spec.resolve(raw_params)  # fail on a bad parameter before reading any data
    mo.check_plot(plot)
    from forecast.cli.validate import check_output, check_panel_output

    check_output(save)  # a directory or device is refused before any work
    check_panel_output(output)
    if fallback is not None:
        get_spec(fallback).resolve({})
    steps, levels = horizon_and_levels(horizon, level, cfg.horizon, cfg.levels)
    exog_names = parse_exog_option(exog)
    return FitRequest(
        o.source_request(data, *source_options),
        name,
        raw_params,
        steps,
        levels,
        fallback,
        intervals.value,
        clip_floor,
        global_options,
        deterministic,
        exog_names,
        future,
        save,
        output,
        plot is not None,
        policy,
        progress_allowed(quiet),
    )


def _render_single(
    result: SingleFit,
    save: Path | None,
    plot: Path | None,
    fmt: FormatChoice,
    quiet: bool,
    no_header: bool,
) -> None:
    """One series' fit: its model's notes, then save, draw and print."""
    from forecast.cli.render import note_all, warn_all

    warn_all(result.run.summary.notes, quiet)
    note_all(result.run.notes, quiet)
    series = result.series
    drawn = (plot, series.y) if plot is not None else None
    mo.save_and_print(
        result.run, result.model, save, series.describe(), fmt, quiet, no_header, drawn
    )


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
