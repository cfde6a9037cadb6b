"""`forecast predict MODEL_FILE [--data NEW.csv]`: forecast from a saved model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from forecast.cli import model_options as mo
from forecast.cli import options as o
from forecast.types import FormatChoice, MissingChoice


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
    device: mo.Device = None,
    time_col: o.TimeCol = None,
    value_col: o.ValueCol = None,
    freq: o.Freq = None,
    missing: o.Missing = MissingChoice.error,
    time_format: o.TimeFormat = None,
    encoding: o.Encoding = None,
    fmt: o.Format = FormatChoice.table,
    no_header: o.NoHeader = False,
    quiet: o.Quiet = False,
    debug: o.Debug = False,
) -> None:
    """Forecast from a saved model; --data appends new observations at fixed parameters.

    --device moves a neural model's forecasts (and a --refit fine-tuning) to that device."""
    from forecast.cli.render import progress_allowed
    from forecast.forecasting import DEFAULT_HORIZON, DEFAULT_LEVELS, continue_model, first_given
    from forecast.io.modelfile import load_model
    from forecast.models.base import check_horizon, check_levels
    from forecast.models.conformal import Calibration
    from forecast.progress import progress_enabled

    loaded = load_model(model_file)
    if device is not None:
        mo.use_device(loaded.model, device)
    defaults = loaded.defaults
    steps = check_horizon(first_given(horizon, defaults.get("horizon"), DEFAULT_HORIZON))
    levels = check_levels(first_given(level, defaults.get("levels"), DEFAULT_LEVELS))
    new = None
    if data is not None:
        new = o.load(
            data,
            time_col=time_col,
            value_col=value_col,
            freq=freq,
            missing=missing,
            time_format=time_format,
            encoding=encoding,
            min_length=1,
            purpose="updating a model",
            quiet=quiet,
            freq_default=loaded.model.freq_,
            allow_constant=True,
        )
    with progress_enabled(progress_allowed(quiet)):
        calibration = Calibration.from_defaults(defaults)  # fitted with --intervals conformal
        model, run = continue_model(loaded.model, new, refit, steps, levels, calibration)
    run.extra["model_file"] = str(model_file)
    run.extra.update(mo.forecast_device(model))
    training = {**loaded.metadata.get("training", {}), **run.series}
    mo.save_and_print(run, model, save, training, fmt, quiet, no_header)
