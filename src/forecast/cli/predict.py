"""`forecast predict MODEL_FILE [--data NEW.csv]`: forecast from a saved model."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated

import typer

from forecast.cli import model_options as mo
from forecast.cli import options as o
from forecast.cli.config_file import config_flag
from forecast.types import ColumnsChoice

if TYPE_CHECKING:
    from forecast.config import RunConfig
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

READING = o.READING.without("wide")  # a saved model knows its layout: no --wide


PredictConfig = Annotated[Path | None, config_flag("horizon, levels")]
FileModel = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        help="A file of several models (fit -m A -m B --save): forecast this one only "
        "(default: every model, its rows named in the model column).",
    ),
]


@o.with_groups
def predict(
    model_file: ModelFile,
    data: NewData = None,
    horizon: mo.Horizon = None,
    level: mo.Levels = None,
    quantiles: mo.Quantiles = None,
    samples: mo.Samples = None,
    samples_output: mo.SamplesOutput = None,
    refit: Refit = False,
    save: SaveUpdated = None,
    output: mo.Output = None,
    columns: mo.ColumnsStyle = ColumnsChoice.tidy,
    keep_names: mo.KeepNames = False,
    plot: mo.Plot = None,
    plot_max: mo.PlotMax = 16,
    fallback: NewSeriesFallback = None,
    clip_floor: Floor = None,
    execution: o.Execution = o.EXECUTION,
    device: mo.Device = None,
    reading: o.Reading = READING,
    future: o.Future = None,
    model: FileModel = None,
    seed: mo.Seed = None,
    config: PredictConfig = None,
    common: o.Common = o.COMMON,
) -> None:
    """Forecast from a saved model; --data appends new observations at fixed parameters.

    A panel's model file forecasts every series (or --ids), each moved on by its own rows of
    --data. --device moves a neural model's forecasts (and a --refit fine-tuning) to that
    device."""
    args = SimpleNamespace(**locals())  # the options, before anything else is named here
    from forecast.cli.panel_run import PanelPlot, render_stream
    from forecast.cli.render import notifier
    from forecast.workflows import predict as workflow

    with workflow.run(_request(args), notifier(common.quiet)) as result:
        if isinstance(result, workflow.SinglePredict):
            mo.check_single_layout(columns, keep_names)
            drawn = (plot, mo.history_of(result.model)) if plot is not None else None
            mo.save_and_print(result.run, result.model, save, result.training, common, drawn)
        else:
            probs = mo.parse_quantiles(quantiles)
            shape = mo.layout(columns, keep_names, result, probs)
            grid = PanelPlot(plot, plot_max) if plot is not None else None
            render_stream(result, common, output=output, save=save, layout=shape, plot=grid,
                          samples=samples_output)  # fmt: skip


def _request(a: SimpleNamespace) -> PredictRequest:
    """`predict`'s options checked (before the model file is read) and turned into the
    workflow's request."""
    from forecast.cli.render import progress_allowed
    from forecast.cli.validate import check_output, check_panel_output
    from forecast.errors import UsageError
    from forecast.io.paths import refuse_overlap
    from forecast.threads import resolve
    from forecast.workflows.predict import PredictRequest

    refuse_overlap(
        {
            "MODEL_FILE": a.model_file,
            "--data": a.data,
            "--ids-file": a.reading.ids_file,
            "--future": a.future,
        },
        {"--output": a.output, "--save": a.save, "--plot": a.plot},
        may_replace=("--save", "MODEL_FILE"),
    )
    check_output(a.save)  # a directory or device is refused before any work
    check_panel_output(a.output)
    cfg = _file_config(a.config)
    policy = resolve(a.common.threads)
    mo.check_plot(a.plot)
    if a.clip_floor is not None and not math.isfinite(a.clip_floor):
        raise UsageError(f"--floor must be a finite number, got {a.clip_floor}")
    if a.fallback is not None:
        from forecast.models.registry import get_spec

        get_spec(a.fallback).resolve({})  # an unknown model stops the run before any work
    return PredictRequest(
        a.model_file,
        a.reading.source(a.data or "", a.execution),
        horizon=a.horizon if a.horizon is not None else cfg.horizon,
        levels=tuple(a.level) if a.level is not None else cfg.levels,
        refit=a.refit,
        device=a.device,
        fallback=a.fallback,
        floor=a.clip_floor,
        future=a.future,
        save=a.save,
        output=a.output,
        plot=a.plot is not None,
        threads=policy,
        progress=progress_allowed(a.common.quiet),
        model=a.model,
        draws=mo.draws(a.quantiles, a.samples, a.samples_output, a.seed),
    )


def _file_config(path: Path | None) -> RunConfig:
    """``--config``: its horizon and levels (its options are applied already); a model file
    holds its models, so ``model``/``models``/``params`` are refused."""
    from forecast.cli.config_file import file_config
    from forecast.errors import UsageError

    cfg = file_config(path)  # its option keys: checked and applied by apply_config
    if cfg.model is not None or cfg.models or cfg.params:
        raise UsageError(
            f"config file {path}: predict takes its models from the model file; drop model, "
            "models and params (--model LABEL chooses one of a several-model file)"
        )
    return cfg
