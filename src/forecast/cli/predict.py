"""`forecast predict MODEL_FILE [--data NEW.csv]`: forecast from a saved model."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from forecast.cli import model_options as mo
from forecast.cli import options as o
from forecast.types import EngineChoice, FormatChoice, MissingChoice

if TYPE_CHECKING:
    from forecast.workflows.predict import PredictRequest


ModelFile = Annotated[
    Path, typer.Argument(metavar="MODEL_FILE", help="A file written by 'forecast fit --save'.")
]
NewData = Annotated[
    str | None,
    typer.Option("--data", help="New observations after the training end (CSV, or - for stdin)."),
]
Refit = Annotated[
    bool,
    typer.Option(
        "--refit", help="Re-estimate on training + new data instead of updating the state."
    ),
]
SaveUpdated = Annotated[
    Path | None,
    typer.Option("--save", help="Write the updated model here (may be MODEL_FILE itself)."),
]
NewSeriesFallback = Annotated[
    str | None,
    typer.Option(
        "--fallback",
        help="Panels: forecast the series of --data that have no model in MODEL_FILE with "
        "this model, fitted on their own rows (without it they fail: exit 1).",
    ),
]
Floor = Annotated[
    float | None,
    typer.Option(
        "--floor",
        help="Clip forecasts and bounds at this value (as fit --floor). Without it: 0 for a "
        "series whose values are all >= 0 with >= 30 % zeros.",
    ),
]


def predict(
    model_file: ModelFile,
    data: NewData = None,
    horizon: mo.Horizon = None,
    level: mo.Levels = None,
    refit: Refit = False,
    save: SaveUpdated = None,
    output: mo.Output = None,
    plot: mo.Plot = None,
    fallback: NewSeriesFallback = None,
    clip_floor: Floor = None,
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
    from forecast.cli.panel_run import render_stream
    from forecast.cli.render import notifier
    from forecast.workflows import predict as workflow

    request = _request(
        (model_file, data, horizon, level, refit, save, output, plot, fallback, clip_floor,
         device, future, threads, quiet),
        (engine, jobs, scheduler, scheduler_timeout, id_col, ids, ids_file, False, time_col,
         value_col, freq, missing, time_format, encoding),
    )  # fmt: skip
    with workflow.run(request, notifier(quiet)) as result:
        if isinstance(result, workflow.SinglePredict):
            drawn = (plot, mo.history_of(result.model)) if plot is not None else None
            mo.save_and_print(result.run, result.model, save, result.training, fmt, quiet,
                              no_header, drawn)  # fmt: skip
        else:
            render_stream(result, fmt=fmt, output=output, save=save, quiet=quiet,
                          no_header=no_header)  # fmt: skip


def _request(options: tuple[Any, ...], source_options: tuple[Any, ...]) -> PredictRequest:
    """`predict`'s options checked (before the model file is read) and turned into the
    workflow's request."""
    from forecast.cli.render import progress_allowed
    from forecast.cli.validate import check_output, check_panel_output
    from forecast.errors import UsageError
    from forecast.io.paths import refuse_overlap
    from forecast.threads import resolve
    from forecast.workflows.predict import PredictRequest

    (model_file, data, horizon, level, refit, save, output, plot, fallback, clip_floor, device,
     future, threads, quiet) = options  # fmt: skip
    refuse_overlap(
        {"MODEL_FILE": model_file, "--data": data, "--ids-file": source_options[6],
         "--future": future},
        {"--output": output, "--save": save, "--plot": plot},
        may_replace=("--save", "MODEL_FILE"),
    )  # fmt: skip
    check_output(save)  # a directory or device is refused before any work
    check_panel_output(output)
    policy = resolve(threads)
    mo.check_plot(plot)
    if clip_floor is not None and not math.isfinite(clip_floor):
        raise UsageError(f"--floor must be a finite number, got {clip_floor}")
    if fallback is not None:
        from forecast.models.registry import get_spec

        get_spec(fallback).resolve({})  # an unknown model stops the run before any work
    return PredictRequest(
        model_file,
        o.source_request(data or "", *source_options),
        horizon,
        tuple(level) if level is not None else None,
        refit,
        device,
        fallback,
        clip_floor,
        future,
        save,
        output,
        plot is not None,
        policy,
        progress_allowed(quiet),
    )
