"""`forecast fit DATA --model NAME`: fit a model, print its summary and forecast, save it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated, Any

import typer

from forecast.cli import model_options as mo
from forecast.cli import options as o
from forecast.cli.config_file import config_flag
from forecast.types import ColumnsChoice, IntervalsChoice

if TYPE_CHECKING:
    from forecast.config import RunConfig
    from forecast.models.neural.global_options import GlobalOptions
    from forecast.workflows.fit import FitRequest, SingleFit


FitConfig = Annotated[Path | None, config_flag("model (or [[models]]), params, horizon, levels")]
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
    model: mo.Models = None,
    param: mo.Params = None,
    config: FitConfig = None,
    horizon: mo.Horizon = None,
    level: mo.Levels = None,
    quantiles: mo.Quantiles = None,
    samples: mo.Samples = None,
    samples_output: mo.SamplesOutput = None,
    intervals: mo.Intervals = IntervalsChoice.model,
    clip_floor: Floor = None,
    save: mo.Save = None,
    plot: mo.Plot = None,
    plot_max: mo.PlotMax = 16,
    fallback: mo.Fallback = None,
    output: mo.Output = None,
    columns: mo.ColumnsStyle = ColumnsChoice.tidy,
    keep_names: mo.KeepNames = False,
    hierarchy: mo.Hierarchy = None,
    hierarchy_file: mo.HierarchyFile = None,
    reconcile: mo.Reconcile = "bottom-up",
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

    Several --model options fit each of them on every series in one pass; the output has one
    row per series, model and step (its model column), and --save writes them all to one file
    ('forecast predict --model LABEL' reads one).

    On a panel (an id column), every series gets its own fitted model (a neural model: one
    network trained on every series; --param global=false for one per series) and forecasts
    come in long format (id, timestamp, mean, bounds); --save writes all of them to one file.
    Exit 1 when a series failed (the others are complete). --device, --seed and --epochs set
    the neural models' parameters of the same names (and win over --param and the config file)."""
    args = SimpleNamespace(**locals())  # the options, before anything else is named here
    from forecast.cli.panel_run import PanelPlot, render_stream
    from forecast.cli.render import notifier
    from forecast.workflows import fit as workflow

    request = _request(args)
    if hierarchy is not None or hierarchy_file is not None:
        _fit_hierarchy(request, args)
        return
    with workflow.run(request, notifier(common.quiet)) as result:
        if isinstance(result, workflow.SingleFit):
            mo.check_single_layout(columns, keep_names)
            _render_single(result, save, plot, common)
        else:
            probs = mo.parse_quantiles(quantiles)
            shape = mo.layout(columns, keep_names, result, probs)
            grid = PanelPlot(plot, plot_max) if plot is not None else None
            render_stream(result, common, output=output, save=save, layout=shape, plot=grid,
                          samples=samples_output)  # fmt: skip


def _fit_hierarchy(request: FitRequest, a: SimpleNamespace) -> None:
    """``--hierarchy``: every node forecast and reconciled (:mod:`forecast.workflows.hierarchy`)."""
    from forecast.cli.panel_run import PanelPlot, render_stream
    from forecast.cli.render import notifier
    from forecast.workflows import hierarchy as tree

    spec = tree.spec_of(a.hierarchy, a.reconcile, a.seed, a.hierarchy_file)
    tree.check_source(a.data, spec)
    if a.save is not None:
        from forecast.errors import UsageError

        raise UsageError("--save with --hierarchy: a reconciled run keeps no model file yet")
    stream = tree.fit_hierarchy(request, spec, notifier(a.common.quiet))
    grid = PanelPlot(a.plot, a.plot_max) if a.plot is not None else None
    shape = mo.layout(a.columns, a.keep_names, stream, mo.parse_quantiles(a.quantiles))
    render_stream(stream, a.common, output=a.output, save=None, layout=shape, plot=grid,
                  samples=a.samples_output)  # fmt: skip


def _request(a: SimpleNamespace) -> FitRequest:
    """`fit`'s options checked (before any data is read) and turned into the workflow's
    request: the config file, the model and its parameters, the outputs, the regressors."""
    from forecast.cli.config_file import file_config
    from forecast.cli.render import progress_allowed
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
    cfg = file_config(a.config)  # its option keys: checked and applied by apply_config
    clip_floor = _floor(a.clip_floor)
    (label, name, raw_params), global_options, others = _models(a, cfg)
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
        label=label if label != name else None,
        others=others,
        draws=mo.draws(a.quantiles, a.samples, a.samples_output, a.seed),
        blocks=_writes_blocks(a),
    )


def _writes_blocks(a: SimpleNamespace) -> bool:
    """Whether the forecasts go where :mod:`forecast.fitting.batch`'s blocks are written as
    they are (CSV rows, a Parquet file or a directory of parts): then a model with a batch
    function forecasts a loaded panel by the vectorised path. JSON (each series' summary), the
    table, ``--plot`` and ``--samples-output`` take the series one by one."""
    from forecast.report.panel_output import output_format
    from forecast.report.parquet_parts import is_directory_output
    from forecast.types import FormatChoice

    if a.plot is not None or a.samples_output is not None:
        return False
    if a.output is None:
        return bool(a.common.fmt is FormatChoice.csv)
    return is_directory_output(a.output) or output_format(a.output) in ("csv", "parquet")


Entry = tuple[str, str, dict[str, Any]]


def _models(a: SimpleNamespace, cfg: RunConfig) -> tuple[Entry, GlobalOptions, tuple[Entry, ...]]:
    """The models (``--model``, else the config file's; ``LABEL=NAME``), each as ``(label,
    name, params)`` with its parameters (the config file's, ``--param [LABEL.]KEY=VALUE``,
    ``--device``/``--seed``/``--epochs``; checked), and the first one's global options."""
    from forecast.backtesting.entries import model_entries
    from forecast.errors import UsageError
    from forecast.models.neural.global_options import split_options
    from forecast.models.registry import get_spec

    if not a.model and cfg.model is None and not cfg.models:
        raise UsageError("no model given; pass --model NAME (see 'forecast models') or --config")
    entries = model_entries(a.model or [], a.param or [], cfg)
    if len(entries) == 1 and cfg.params and not cfg.models:  # the config's own parameters
        entries[0] = replace(entries[0], params={**cfg.params, **entries[0].params})
    out: list[Entry] = []
    options: GlobalOptions | None = None
    run_accepts = [[p.name for p in get_spec(e.name).params] for e in entries]
    for entry, accepted in zip(entries, run_accepts, strict=True):
        spec = get_spec(entry.name)
        chosen = mo.option_params(
            entry.name, accepted, device=a.device, seed=a.seed, epochs=a.epochs,
            others=run_accepts,
        )  # fmt: skip
        raw = {**entry.params, **chosen}
        found, raw = split_options(entry.name, raw, deterministic=a.deterministic)
        spec.resolve(raw)  # fail on a bad parameter before reading any data
        options = options or found
        out.append((entry.label, entry.name, raw if len(entries) == 1 else {**raw, **_kept(found)}))
    assert options is not None
    return out[0], options, tuple(out[1:])


def _kept(options: GlobalOptions) -> dict[str, Any]:
    """A several-model run's global options, kept in the model's parameters (``global``) so
    that the workflow can refuse a global model."""
    return {} if options.enabled is None else {"global": options.enabled}


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


def _floor(option: float | None) -> float | None:
    """``--floor`` (or the config file's ``floor``), checked; None: automatic."""
    import math

    from forecast.errors import UsageError

    if option is not None and not math.isfinite(option):
        raise UsageError(f"--floor must be a finite number, got {option}")
    return option
