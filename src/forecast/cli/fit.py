"""`forecast fit DATA --model NAME`: fit a model, print its summary and forecast, save it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated, Any

import typer

from forecast.cli import model_options as mo
from forecast.cli import options as o
from forecast.types import IntervalsChoice

if TYPE_CHECKING:
    from forecast.config import RunConfig
    from forecast.models.neural.global_options import GlobalOptions
    from forecast.workflows.fit import FitRequest, SingleFit


Floor = Annotated[
    float | None,
    typer.Option(
        "--floor",
        help="Clip forecasts and bounds at this value (0: demand is never negative). "
        "Without it: 0 for a series whose values are all >= 0 with >= 30 % zeros.",
    ),
]


@o.with_groups
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
    execution: o.Execution = o.EXECUTION,
    device: mo.Device = None,
    seed: mo.Seed = None,
    epochs: mo.Epochs = None,
    deterministic: mo.Deterministic = False,
    reading: o.Reading = o.READING,
    exog: o.Exog = None,
    future: o.Future = None,
    common: o.Common = o.COMMON,
) -> None:
    """Fit a model on DATA and forecast; --save writes the fitted model for 'forecast predict'.

    On a panel (an id column), every series gets its own fitted model (a neural model: one
    network trained on every series; --param global=false for one per series) and forecasts
    come in long format (id, timestamp, mean, bounds); --save writes all of them to one file.
    Exit 1 when a series failed (the others are complete). --device, --seed and --epochs set
    the neural models' parameters of the same names (and win over --param and the config file)."""
    args = SimpleNamespace(**locals())  # the options, before anything else is named here
    from forecast.cli.panel_run import render_stream
    from forecast.cli.render import notifier
    from forecast.workflows import fit as workflow

    with workflow.run(_request(args), notifier(common.quiet)) as result:
        if isinstance(result, workflow.SingleFit):
            _render_single(result, save, plot, common)
        else:
            render_stream(result, common, output=output, save=save)


def _request(a: SimpleNamespace) -> FitRequest:
    """`fit`'s options checked (before any data is read) and turned into the workflow's
    request: the config file, the model and its parameters, the outputs, the regressors."""
    from forecast.cli.render import progress_allowed
    from forecast.config import read_config
    from forecast.data.exog import parse_exog_option
    from forecast.fitting.series import horizon_and_levels
    from forecast.io.paths import refuse_overlap
    from forecast.models.registry import get_spec
    from forecast.threads import resolve
    from forecast.workflows.fit import FitRequest

    refuse_overlap(
        {
            "DATA": a.data,
            "--config": a.config,
            "--ids-file": a.reading.ids_file,
            "--future": a.future,
        },
        {"--output": a.output, "--save": a.save, "--plot": a.plot},
    )
    policy = resolve(a.common.threads)
    cfg = read_config(a.config, ("floor",))
    clip_floor = _floor(a.clip_floor, cfg.options.get("floor"), a.config)
    name, raw_params, global_options = _model(a, cfg)
    mo.check_plot(a.plot)
    from forecast.cli.validate import check_output, check_panel_output

    check_output(a.save)  # a directory or device is refused before any work
    check_panel_output(a.output)
    if a.fallback is not None:
        get_spec(a.fallback).resolve({})
    steps, levels = horizon_and_levels(a.horizon, a.level, cfg.horizon, cfg.levels)
    exog_names = parse_exog_option(a.exog)
    return FitRequest(
        a.reading.source(a.data, a.execution),
        name,
        raw_params,
        steps,
        levels,
        fallback=a.fallback,
        intervals=a.intervals.value,
        floor=clip_floor,
        global_options=global_options,
        deterministic=a.deterministic,
        exog=exog_names,
        future=a.future,
        save=a.save,
        output=a.output,
        plot=a.plot is not None,
        threads=policy,
        progress=progress_allowed(a.common.quiet),
    )


def _model(a: SimpleNamespace, cfg: RunConfig) -> tuple[str, dict[str, Any], GlobalOptions]:
    """The model (``--model``, else the config file's), its parameters (the config file's,
    ``--param``, ``--device``/``--seed``/``--epochs``; checked) and a global network's options."""
    from forecast.errors import UsageError
    from forecast.models.neural.global_options import split_options
    from forecast.models.registry import get_spec, parse_param_args

    name = a.model or cfg.model
    if name is None:
        raise UsageError("no model given; pass --model NAME (see 'forecast models') or --config")
    spec = get_spec(name)
    accepted = [p.name for p in spec.params]
    chosen = mo.option_params(name, accepted, device=a.device, seed=a.seed, epochs=a.epochs)
    raw_params = {**cfg.params, **parse_param_args(a.param or []), **chosen}
    global_options, raw_params = split_options(name, raw_params, deterministic=a.deterministic)
    spec.resolve(raw_params)  # fail on a bad parameter before reading any data
    return name, raw_params, global_options


def _render_single(
    result: SingleFit, save: Path | None, plot: Path | None, shown: o.Common
) -> None:
    """One series' fit: its model's notes, then save, draw and print."""
    from forecast.cli.render import note_all, warn_all

    warn_all(result.run.summary.notes, shown.quiet)
    note_all(result.run.notes, shown.quiet)
    series = result.series
    drawn = (plot, series.y) if plot is not None else None
    mo.save_and_print(result.run, result.model, save, series.describe(), shown, drawn)


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
