"""Options of the commands that fit or use a model (`fit`, `predict`), and their common end."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from forecast.types import ColumnsChoice, FormatChoice, IntervalsChoice

if TYPE_CHECKING:
    import pandas as pd

    from forecast.cli.options import Common
    from forecast.fitting.series import ForecastRun
    from forecast.models.base import BaseForecaster

Model = Annotated[
    str | None, typer.Option("--model", "-m", help="Model name (see 'forecast models').")
]
Models = Annotated[
    list[str] | None,
    typer.Option(
        "--model",
        "-m",
        help="Model name (see 'forecast models'); repeat to fit several on every series "
        "(LABEL=NAME names one, e.g. airline=sarima; its parameters: --param LABEL.KEY=VALUE).",
    ),
]
ColumnsStyle = Annotated[
    ColumnsChoice,
    typer.Option(
        "--columns",
        help="Columns of CSV and Parquet forecasts: tidy (id, model, timestamp, mean, "
        "lower_80, ...; one row per series, model and step) or nixtla (statsforecast's: "
        "unique_id, ds, MODEL, MODEL-lo-80, ..., one row per series and step).",
    ),
]
KeepNames = Annotated[
    bool,
    typer.Option(
        "--keep-names",
        help="Name the id and time columns of CSV and Parquet forecasts as the input does "
        "(e.g. store, month) instead of id/timestamp (nixtla: unique_id/ds).",
    ),
]
Params = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="Model parameter key=value; repeat for several."),
]
Config = Annotated[
    Path | None,
    typer.Option("--config", help="TOML file with model, params, horizon, levels."),
]
Deterministic = Annotated[
    bool,
    typer.Option(
        "--deterministic",
        help="Global neural models on CUDA: deterministic kernels, bit-identical runs (slower). "
        "CPU runs with a seed are always bit-identical.",
    ),
]
Horizon = Annotated[
    int | None, typer.Option("--horizon", "-H", help="Steps to forecast (default 12).")
]
Levels = Annotated[
    list[float] | None,
    typer.Option(
        "--level", "-l", help="Prediction interval level in percent; repeat (default 80 and 95)."
    ),
]
Intervals = Annotated[
    IntervalsChoice,
    typer.Option(
        "--intervals",
        help="Prediction intervals: the model's own, or conformal (calibrated on the model's "
        "walk-forward errors inside the training data).",
    ),
]
Save = Annotated[
    Path | None, typer.Option("--save", help="Write the fitted model to this file (.fcm).")
]
Fallback = Annotated[
    str | None,
    typer.Option(
        "--fallback",
        help="Panels: forecast a series with this model when --model fails on it (e.g. snaive).",
    ),
]
Output = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write the forecasts to this .parquet, .csv or .json file (atomically) instead of "
        "stdout; stdout gets a summary.",
    ),
]
Plot = Annotated[
    Path | None,
    typer.Option(
        "--plot",
        help="Draw the history, the forecast and its intervals to this .png/.svg/.pdf (a "
        "panel or several models: a grid of the first --plot-max series, models overlaid).",
        rich_help_panel="Output",
    ),
]
PlotMax = Annotated[
    int,
    typer.Option(
        "--plot-max",
        min=1,
        max=64,
        help="--plot on a panel: draw at most this many series (--ids chooses them; default: "
        "the first).",
        rich_help_panel="Output",
    ),
]
Device = Annotated[
    str | None,
    typer.Option(
        "--device",
        help="Neural models: auto (CUDA, then MPS, then CPU), cpu, cuda or mps.",
    ),
]
Seed = Annotated[
    int | None,
    typer.Option(
        "--seed", help="Random seed of neural models (classical models are deterministic)."
    ),
]
Epochs = Annotated[
    int | None,
    typer.Option("--epochs", help="Neural models: maximum training epochs (early stopping)."),
]


def option_params(
    model: str,
    accepted: Collection[str],
    *,
    device: str | None = None,
    seed: int | None = None,
    epochs: int | None = None,
    others: Collection[Collection[str]] = (),
) -> dict[str, Any]:
    """``--device``, ``--seed`` and ``--epochs`` as the model parameters of the same names;
    the options win over ``--param`` and the config file (``fit`` and ``backtest`` alike).

    ``--device`` and ``--epochs`` are a usage error when neither this model nor any of the
    run's ``others`` (the accepted parameters of its other models) has such a parameter; in a
    run of several models they go to those that have it. ``--seed`` is accepted and unused
    where a model has no seed (the classical models are deterministic).
    """
    from forecast.errors import UsageError

    out: dict[str, Any] = {}
    for option, value in (("device", device), ("epochs", epochs)):
        if value is None:
            continue
        if option in accepted:
            out[option] = value
        elif not any(option in names for names in others):
            raise UsageError(
                f"--{option} applies to neural models only; {model} has no {option} "
                "(see 'forecast models')"
            )
    if seed is not None and "seed" in accepted:
        out["seed"] = seed
    return out


def save_and_print(
    run: ForecastRun,
    model: BaseForecaster,
    save: Path | None,
    training: dict[str, Any],
    shown: Common,
    plot: tuple[Path, pd.Series] | None = None,
) -> None:
    """The end of `fit` and `predict`: write the model when asked, draw ``plot`` (a path and
    the history), then print the run."""
    from forecast.cli.render import message
    from forecast.cli.validate import write_then_emit

    def write() -> None:
        if save is not None:
            from forecast.io.modelfile import save_model

            defaults: dict[str, Any] = {"horizon": run.horizon, "levels": list(run.levels)}
            if run.calibration is not None:
                defaults |= run.calibration.to_defaults()
            save_model(save, model, training, defaults)
            run.extra["saved_to"] = str(save)
            message(f"wrote {save}", shown.quiet)
        if plot is not None:
            from forecast.report.plots import write_forecast_plot

            path, history = plot
            title = f"{run.summary.model}: {run.summary.description}"
            write_forecast_plot(path, history, run.forecast, title)
            message(f"wrote {path}", shown.quiet)

    write_then_emit(write, lambda written: _print_run(run, shown))


def _print_run(run: ForecastRun, shown: Common) -> None:
    from forecast.cli.render import emit

    fmt, quiet, no_header = shown.fmt, shown.quiet, shown.no_header
    tables = []
    if fmt is FormatChoice.table:
        from forecast.report.model_tables import run_tables

        tables = run_tables(run)
    emit(
        fmt.value,
        document=run.to_dict(),
        csv_header=() if no_header else run.forecast.columns(),
        csv_rows=run.forecast.rows(),
        tables=tables,
        quiet=quiet,
    )


def check_plot(plot: Path | None) -> None:
    """``--plot``: a known image format, checked before any work."""
    if plot is not None:
        from forecast.cli.validate import check_output
        from forecast.report.plots import image_format

        image_format(plot)
        check_output(plot)  # a directory or device is refused before any work


def history_of(model: BaseForecaster) -> pd.Series:
    """A fitted model's training values (and any appended) on their time grid, for plots."""
    from forecast.fitting.series import training_values

    return training_values(model)


def layout(
    style: ColumnsChoice, keep_names: bool, stream: Any, probs: tuple[float, ...] = ()
) -> Any:
    """The forecast rows' :class:`~forecast.report.forecast_rows.Layout` for a panel's
    stream: ``--columns``, ``--keep-names`` (the stream's id and time column names),
    ``--quantiles``."""
    from forecast.report.forecast_rows import Layout

    labels = stream.labels or (stream.model_name,)
    if not keep_names:
        return Layout(style.value, labels=labels, probs=probs)
    data = stream.header.get("data") or {}
    time_col = stream.time_col or data.get("time_col")
    return Layout(style.value, stream.id_col, time_col, labels, probs)


Hierarchy = Annotated[
    str | None,
    typer.Option(
        "--hierarchy",
        help="Columns of the panel from the top level down (region/store; the last names each "
        "series): every node (total, region=N, region=N/store=7) is forecast and reconciled.",
        rich_help_panel="Hierarchy",
    ),
]
HierarchyFile = Annotated[
    Path | None,
    typer.Option(
        "--hierarchy-file",
        help="The tree as a parent,child CSV (one row per edge) whose leaves are the panel's "
        "series (by id); the upper nodes are their sums (levels level_0 = the root ...).",
        rich_help_panel="Hierarchy",
    ),
]
Reconcile = Annotated[
    str,
    typer.Option(
        "--reconcile",
        help="With --hierarchy or --hierarchy-file: bottom-up, top-down (forecast "
        "proportions), middle-out:LEVEL, mint-ols, mint-wls-struct or mint-shrink (in-sample "
        "one-step residuals); several separated by commas (one model column each).",
        rich_help_panel="Hierarchy",
    ),
]
Quantiles = Annotated[
    str | None,
    typer.Option(
        "--quantiles",
        help="Also forecast these quantiles (probabilities, e.g. 0.05,0.5,0.95): columns "
        "q_0.05, ... from each model's predictive distribution (see 'forecast models').",
    ),
]


Samples = Annotated[
    int | None,
    typer.Option(
        "--samples",
        min=1,
        max=100_000,
        help="Simulate this many sample paths of every forecast (seeded by --seed and the "
        "series id) into --samples-output FILE.parquet (id, model, timestamp, sample, value).",
    ),
]
SamplesOutput = Annotated[
    Path | None,
    typer.Option(
        "--samples-output",
        help="The .parquet file of the --samples paths (written atomically).",
        rich_help_panel="Output",
    ),
]


def draws(quantiles: str | None, samples: int | None, output: Path | None, seed: int | None) -> Any:
    """``--quantiles``, ``--samples`` (with ``--samples-output``) and ``--seed`` as the
    :class:`~forecast.fitting.series.Draws` of a run, checked before any work."""
    from forecast.errors import UsageError
    from forecast.fitting.series import Draws

    if (samples is None) != (output is None):
        raise UsageError("--samples N and --samples-output FILE.parquet go together")
    if output is not None:
        from forecast.cli.validate import check_output

        if output.suffix.lower() not in (".parquet", ".pq"):
            raise UsageError(f"--samples-output {output}: the file must end in .parquet")
        check_output(output)
    return Draws(parse_quantiles(quantiles), samples or 0, seed or 0)


def parse_quantiles(text: str | None) -> tuple[float, ...]:
    """``--quantiles 0.05,0.5,0.95`` -> the probabilities, checked (sorted, unique)."""
    if text is None:
        return ()
    from forecast.errors import UsageError
    from forecast.models.quantiles import check_probs

    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"--quantiles {text!r}: give probabilities, e.g. 0.05,0.5,0.95") from None
    return check_probs(values)


def check_single_layout(style: ColumnsChoice, keep_names: bool) -> None:
    """One series' forecast has no id column: --columns nixtla and --keep-names shape a
    panel's (or a several-model run's) rows."""
    from forecast.errors import UsageError

    if style is not ColumnsChoice.tidy or keep_names:
        raise UsageError(
            "--columns nixtla and --keep-names shape a panel's forecasts (an id column); for "
            "one series drop them (or read it with --id-col)"
        )
