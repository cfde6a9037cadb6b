"""`forecast fit DATA --model NAME`: fit a model, print its summary and forecast, save it."""

from __future__ import annotations

from forecast.cli import model_options as mo
from forecast.cli import options as o
from forecast.types import FormatChoice, IntervalsChoice, MissingChoice


def fit(
    data: o.DataArg,
    model: mo.Model = None,
    param: mo.Params = None,
    config: mo.Config = None,
    horizon: mo.Horizon = None,
    level: mo.Levels = None,
    intervals: mo.Intervals = IntervalsChoice.model,
    save: mo.Save = None,
    device: mo.Device = None,
    seed: mo.Seed = None,
    epochs: mo.Epochs = None,
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
    """Fit a model on DATA and forecast; --save writes the fitted model for 'forecast predict'.

    --device, --seed and --epochs set the neural models' parameters of the same names (and win
    over --param and the config file)."""
    from forecast.cli.render import progress_allowed, warn_all
    from forecast.config import read_config
    from forecast.errors import UsageError
    from forecast.forecasting import (
        DEFAULT_HORIZON,
        DEFAULT_LEVELS,
        first_given,
        fit_model,
        min_obs,
    )
    from forecast.models.base import check_horizon, check_levels
    from forecast.models.registry import get_spec, parse_param_args
    from forecast.progress import progress_enabled

    cfg = read_config(config)
    name = model or cfg.model
    if name is None:
        raise UsageError("no model given; pass --model NAME (see 'forecast models') or --config")
    spec = get_spec(name)
    accepted = [p.name for p in spec.params]
    chosen = mo.option_params(name, accepted, device=device, seed=seed, epochs=epochs)
    raw_params = {**cfg.params, **parse_param_args(param or []), **chosen}
    spec.resolve(raw_params)  # fail on a bad parameter before reading any data
    steps = check_horizon(first_given(horizon, cfg.horizon, DEFAULT_HORIZON))
    levels = check_levels(first_given(level, cfg.levels, DEFAULT_LEVELS))
    series = o.load(
        data,
        time_col=time_col,
        value_col=value_col,
        freq=freq,
        missing=missing,
        time_format=time_format,
        encoding=encoding,
        min_length=min_obs(name),
        purpose=f"fitting {name}",
        quiet=quiet,
    )
    with progress_enabled(progress_allowed(quiet)):
        fitted, run = fit_model(series, name, raw_params, steps, levels, intervals.value)
    run.extra.update(mo.forecast_device(fitted))
    warn_all(run.summary.notes, quiet)
    mo.save_and_print(run, fitted, save, series.describe(), fmt, quiet, no_header)
