"""`forecast backtest DATA --model ...`: walk-forward, purged k-fold or CPCV evaluation."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from forecast.cli import model_options as mo
from forecast.cli import options as o
from forecast.cli.config_file import config_flag
from forecast.types import (
    BootstrapChoice,
    CiIntervalChoice,
    CiMethodChoice,
    ColumnsChoice,
    FormatChoice,
    InnerChoice,
    IntervalsChoice,
    ResampleChoice,
    SchemeChoice,
    WindowChoice,
)

if TYPE_CHECKING:
    from forecast.backtesting.engine import ModelEntry, Refit
    from forecast.backtesting.panel_backtest import PanelBacktest
    from forecast.backtesting.result import BacktestResult
    from forecast.backtesting.runner import BacktestSpec
    from forecast.backtesting.runner import Scheme as SplitScheme
    from forecast.config import RunConfig
    from forecast.workflows.backtest import BacktestRequest

Model = Annotated[
    list[str] | None,
    typer.Option("--model", "-m", help="Model to evaluate, NAME or LABEL=NAME; repeat to compare."),
]
Param = Annotated[
    list[str] | None,
    typer.Option("--param", "-p", help="[LABEL.]key=value for a model's parameter; repeat."),
]
ConfigFile = Annotated[
    Path | None, config_flag('models, horizon, levels (scheme = "cpcv", folds = 4...)')
]
SchemeOption = Annotated[SchemeChoice, typer.Option(help="How to split the data.")]
RefitOption = Annotated[
    list[str] | None,
    typer.Option(
        help="Walk-forward: every (re-estimate at each origin), never (state updates only) "
        "or N (every N origins); LABEL=POLICY for one model; repeat. Default every."
    ),
]
Window = Annotated[WindowChoice, typer.Option(help="Walk-forward training window.")]
Initial = Annotated[
    int | None,
    typer.Option(
        help="Walk-forward: length of the first training window (default max(n/2, 2*horizon))."
    ),
]
Step = Annotated[int, typer.Option(help="Walk-forward: origins between folds.")]
Gap = Annotated[
    int, typer.Option(help="Walk-forward: unscored steps between origin and first target.")
]
TrainSize = Annotated[int | None, typer.Option(help="Walk-forward rolling window length.")]
Folds = Annotated[int, typer.Option(help="Purged k-fold: number of test blocks.")]
Embargo = Annotated[
    float,
    typer.Option(
        help="Purged k-fold / CPCV: embargo after each test block, a fraction (<1) of n or a count."
    ),
]
Groups = Annotated[int, typer.Option(help="CPCV: number of groups N.")]
TestGroups = Annotated[int, typer.Option(help="CPCV: test groups per split k.")]
Lookback = Annotated[
    int | None,
    typer.Option(help="Purge width: past observations one forecast reads (default: the models')."),
]
Period = Annotated[
    int | None, typer.Option(help="Seasonal period of the MASE/RMSSE scale (default: detected).")
]
Jobs = Annotated[int, typer.Option(help="Parallel worker processes.")]
Seed = Annotated[int, typer.Option(help="Seed for models that draw random numbers.")]
Inner = Annotated[InnerChoice, typer.Option(help="Bootstrap: the scheme run on every replicate.")]
Bootstrap = Annotated[
    BootstrapChoice, typer.Option(help="Bootstrap: moving, circular or stationary blocks.")
]
Reps = Annotated[int, typer.Option(help="Bootstrap: replicates of the series.")]
BlockSize = Annotated[
    str, typer.Option(help="Bootstrap: block length, auto (Politis-White) or a number.")
]
Resample = Annotated[
    ResampleChoice,
    typer.Option(help="Bootstrap: resample model residuals, differences, or levels."),
]
Ci = Annotated[
    bool, typer.Option("--ci", help="Block-bootstrap confidence intervals for every metric.")
]
CiMethod = Annotated[
    CiMethodChoice, typer.Option(help="--ci: stationary or circular block bootstrap.")
]
CiInterval = Annotated[CiIntervalChoice, typer.Option(help="--ci: percentile or basic intervals.")]
CiLevel = Annotated[float, typer.Option(help="--ci and bootstrap: interval level, %.")]
CiReps = Annotated[int, typer.Option(help="--ci: bootstrap replicates of the losses.")]
Compare = Annotated[
    bool, typer.Option("--compare", help="Diebold-Mariano tests and the model confidence set.")
]
DmPower = Annotated[
    int, typer.Option(help="--compare: loss of the tests, 1 absolute or 2 squared error.")
]
McsSize = Annotated[float, typer.Option(help="--compare: size alpha of the model confidence set.")]


class CompareLossChoice(StrEnum):
    scaled = "scaled"
    raw = "raw"


CompareLoss = Annotated[
    CompareLossChoice | None,
    typer.Option(
        help="--ci and --compare: scaled losses (each origin's divided by the naive MAE/MSE of "
        "its own training data, as MASE/RMSSE) or raw; default scaled on a panel, raw on one "
        "series."
    ),
]
Report = Annotated[Path | None, typer.Option(help="Write a self-contained report (.md or .html).")]
ForecastsFile = Annotated[
    Path | None,
    typer.Option(
        "--forecasts",
        help="Write every scored forecast (model, fold, origin, target, step, actual, "
        "mean, bounds) to this CSV file, atomically (--columns nixtla: statsforecast's "
        "cross_validation frame, unique_id, ds, cutoff, y, MODEL, MODEL-lo-80, ...).",
        rich_help_panel=o.OUTPUT_PANEL,
    ),
]

# backtest's own --jobs (no -j; it spreads the folds too) and its --threads (beside --jobs)
EXECUTION = o.EXECUTION.sharing("jobs")
COMMON = o.COMMON.sharing("threads").without("success_file")  # writes no directory


@o.with_groups
def backtest(
    data: o.DataArg,
    model: Model = None,
    param: Param = None,
    config: ConfigFile = None,
    scheme: SchemeOption = SchemeChoice.walk_forward,
    horizon: mo.Horizon = None,
    level: mo.Levels = None,
    quantiles: mo.Quantiles = None,
    intervals: mo.Intervals = IntervalsChoice.model,
    refit: RefitOption = None,
    window: Window = WindowChoice.expanding,
    initial: Initial = None,
    step: Step = 1,
    gap: Gap = 0,
    train_size: TrainSize = None,
    folds: Folds = 5,
    embargo: Embargo = 0.01,
    groups: Groups = 6,
    test_groups: TestGroups = 2,
    lookback: Lookback = None,
    period: Period = None,
    jobs: Jobs = 1,
    threads: o.Threads = None,
    execution: o.Execution = EXECUTION,
    seed: Seed = 0,
    inner: Inner = InnerChoice.walk_forward,
    bootstrap: Bootstrap = BootstrapChoice.sb,
    reps: Reps = 200,
    block_size: BlockSize = "auto",
    resample: Resample = ResampleChoice.residuals,
    ci: Ci = False,
    ci_method: CiMethod = CiMethodChoice.stationary,
    ci_interval: CiInterval = CiIntervalChoice.percentile,
    ci_level: CiLevel = 95.0,
    ci_reps: CiReps = 999,
    compare: Compare = False,
    dm_power: DmPower = 2,
    mcs_size: McsSize = 0.1,
    compare_loss: CompareLoss = None,
    report: Report = None,
    forecasts: ForecastsFile = None,
    columns: mo.ColumnsStyle = ColumnsChoice.tidy,
    hierarchy: mo.Hierarchy = None,
    hierarchy_file: mo.HierarchyFile = None,
    reconcile: mo.Reconcile = "bottom-up",
    reading: o.Reading = o.READING,
    device: mo.Device = None,
    epochs: mo.Epochs = None,
    exog: o.Exog = None,
    exog_lag: o.ExogLag = 0,
    exog_models: o.ExogModels = None,
    common: o.Common = COMMON,
) -> None:
    """Backtest models on DATA; exit 1 when a model failed in every fold.

    On a panel every series gets the same splits; the metrics come per series and aggregated
    over series (mean, median, share of series where each model is best); --jobs spreads the
    series over processes; exit 1 when a series or a model on a series failed."""
    args = SimpleNamespace(**locals())  # the options, before anything else is named here
    from forecast.cli.render import notifier
    from forecast.workflows import backtest as workflow

    written = (forecasts, columns)
    request, notify = _request(args), notifier(common.quiet)
    if hierarchy is None and hierarchy_file is None:
        _render(workflow.run(request, notify), report, written, common)
        return
    from forecast.workflows import hierarchy as tree

    spec = tree.spec_of(hierarchy, reconcile, seed, hierarchy_file)
    _render(tree.backtest_hierarchy(request, spec, notify), report, written, common)


def _request(a: SimpleNamespace) -> BacktestRequest:
    """The options as a :class:`~forecast.workflows.backtest.BacktestRequest`, every one
    checked before anything is read or run."""
    from forecast.backtesting.runner import BootstrapSpec, check_reps
    from forecast.backtesting.uncertainty import CompareSettings, IntervalSettings
    from forecast.cli.config_file import file_config
    from forecast.cli.render import progress_allowed
    from forecast.errors import UsageError
    from forecast.threads import resolve
    from forecast.workflows.backtest import BacktestRequest

    _check_outputs(a.data, a.config, a.reading.ids_file, a.report, a.forecasts)
    policy = resolve(a.threads)
    cfg = file_config(a.config)  # its option keys: checked and applied by apply_config
    entries, default_refit = _entries(a, cfg)
    spec = _spec(a, cfg, default_refit)
    if a.dm_power not in (1, 2):
        raise UsageError(f"--dm-power must be 1 or 2, got {a.dm_power}")
    boot = None
    if a.scheme is SchemeChoice.bootstrap:
        check_reps(a.reps)  # before any work
        size = _block_size(a.block_size)
        boot = BootstrapSpec(a.bootstrap.value, a.reps, size, a.resample.value, a.ci_level)
    loss = None if a.compare_loss is None else a.compare_loss.value
    ci = a.ci_method.value, a.ci_interval.value, a.ci_level, a.ci_reps, a.seed, loss
    exog_names = _exog_names(a.exog, a.exog_lag, a.data, a.reading.wide, a.scheme)
    users = None
    if a.exog_models is not None:
        if exog_names is None:
            raise UsageError("--exog-models chooses who gets the regressors; name them with --exog")
        users = tuple(label.strip() for label in a.exog_models.split(",") if label.strip())
    return BacktestRequest(
        a.reading.source(a.data, a.execution),
        tuple(entries),
        spec,
        bootstrap=boot,
        ci=IntervalSettings(*ci) if a.ci else None,
        compare=CompareSettings(a.dm_power, a.mcs_size, a.seed, loss) if a.compare else None,
        exog=exog_names,
        exog_lag=a.exog_lag,
        exog_models=users,
        command="forecast " + " ".join(shlex.quote(x) for x in o.INVOCATION.get()),
        threads=policy,
        progress=progress_allowed(a.common.quiet),
        series_detail=False,  # a panel's outputs read each series' overall metrics only
    )


def _check_outputs(
    data: str, config: Path | None, ids_file: Path | None, report: Path | None, out: Path | None
) -> None:
    """``--report`` (and a Markdown report's images) and ``--forecasts``: writable, and none
    of them an input."""
    from forecast.cli.validate import check_output
    from forecast.errors import UsageError
    from forecast.io.paths import refuse_overlap
    from forecast.report.backtest_report import images_dir, report_format

    markdown = report is not None and report_format(report) == "md"  # its PNGs go beside it
    images = images_dir(report) if report is not None and markdown else None
    refuse_overlap(
        {"DATA": data, "--config": config, "--ids-file": ids_file},
        {"--report": report, "--report's images": images, "--forecasts": out},
    )
    if report is not None:
        check_output(report)
    if out is not None:
        if out.suffix.lower() != ".csv":
            raise UsageError(f"--forecasts {out}: the file must end in .csv")
        check_output(out)


def _entries(a: SimpleNamespace, cfg: RunConfig) -> tuple[list[ModelEntry], Refit]:
    """The models (``--model``, ``--param``, the config file; per-model ``--refit``,
    ``--device``, ``--epochs``) and the run's refit policy."""
    from forecast.backtesting.entries import model_entries
    from forecast.errors import UsageError

    default_refit, per_model = _refits(a.refit or [])
    entries = [
        replace(e, refit=per_model.pop(e.label)) if e.label in per_model else e
        for e in model_entries(a.model or [], a.param or [], cfg)
    ]
    entries = [_neural_options(e, a.device, a.epochs, entries) for e in entries]
    if per_model:
        raise UsageError(f"--refit {next(iter(per_model))}=...: no model with that label")
    return entries, default_refit


def _spec(a: SimpleNamespace, cfg: RunConfig, refit: Refit) -> BacktestSpec:
    from forecast.backtesting.runner import BacktestSpec, with_quantiles
    from forecast.fitting.series import horizon_and_levels

    steps, bands = horizon_and_levels(a.horizon, a.level, cfg.horizon, cfg.levels)
    scheme = a.inner if a.scheme is SchemeChoice.bootstrap else a.scheme
    spec = BacktestSpec(
        scheme=cast("SplitScheme", scheme.value),
        horizon=steps,
        levels=bands,
        refit=refit,
        intervals=a.intervals.value,
        jobs=a.jobs,
        seed=a.seed,
        lookback=a.lookback,
        period=a.period,
        window=a.window.value,
        initial=a.initial,
        step=a.step,
        gap=a.gap,
        train_size=a.train_size,
        folds=a.folds,
        embargo=int(a.embargo) if a.embargo >= 1 else a.embargo,
        groups=a.groups,
        test_groups=a.test_groups,
    )
    return with_quantiles(spec, mo.parse_quantiles(a.quantiles))


Written = tuple[Path | None, ColumnsChoice]  # --forecasts FILE and its --columns


def _render(
    result: BacktestResult | PanelBacktest,
    report: Path | None,
    forecasts: Written,
    shown: o.Common,
) -> None:
    """A panel's result or one series' (see :func:`_render_panel` and :func:`_render_series`)."""
    from forecast.backtesting.panel_backtest import PanelBacktest

    if isinstance(result, PanelBacktest):
        _render_panel(result, report, forecasts, shown)
    else:
        _render_series(result, report, forecasts, shown)


def _render_series(
    result: BacktestResult, report: Path | None, forecasts: Written, shown: o.Common
) -> None:
    """One series: its notes and failures on stderr, the files, the result on stdout; exit 1
    when a model failed in every fold."""
    from forecast.cli.render import error, note_all, warn_all
    from forecast.report.backtest_report import write_report
    from forecast.report.backtest_tables import backtest_tables

    note_all(result.notes, shown.quiet)  # once, here: the table does not repeat them
    warn_all(  # the table marks the partial models; the reasons are here, once
        (f"{f['model']} failed in folds {f['folds']}: {f['error']}" for f in result.failures),
        shown.quiet,
    )
    _write_and_emit(result, report, write_report, forecasts, backtest_tables, shown)
    failed = result.failed_everywhere()
    if failed:
        error(f"{', '.join(failed)} failed in every fold; the reasons are in the warnings above")
        raise typer.Exit(1)


def _render_panel(
    result: PanelBacktest, report: Path | None, forecasts: Written, shown: o.Common
) -> None:
    """A panel: each failure once on stderr (a model's folds on a series grouped), the notes,
    the files, the aggregates on stdout; exit 1 on any failure."""
    from forecast.cli.render import error, exit_failed, note_all, warn
    from forecast.report.panel_backtest_report import write_panel_report
    from forecast.report.panel_backtest_tables import panel_backtest_tables

    failures = result.failures()
    grouped: dict[tuple[str, str, str], list[int]] = {}
    for f in failures:
        if f.get("stage") == "backtest":
            key = (f["id"], f.get("model", ""), f["error"])
            grouped.setdefault(key, []).extend(f.get("folds", []))
    for (sid, model, reason), folds in grouped.items():
        where = f" in {len(folds)} fold{'s' if len(folds) > 1 else ''}" if folds else ""
        who = f"{model} on series {sid!r}" if model else f"series {sid!r}"
        warn(f"{who} failed{where}: {reason}", shown.quiet)
    note_all(result.notes(), shown.quiet)
    _write_and_emit(result, report, write_panel_report, forecasts, panel_backtest_tables, shown)
    nowhere = result.failed_everywhere()
    if nowhere:
        error(f"{', '.join(nowhere)} failed on every series; the reasons are in the warnings above")
    if failures or nowhere:
        exit_failed(failures, shown.quiet)


def _write_and_emit(
    result: Any,
    report: Path | None,
    write_report: Callable[[Any, Path], object],
    written: Written,
    tables: Callable[[Any], list[Any]],
    shown: o.Common,
) -> None:
    """The common end of a backtest: ``--report`` (by ``write_report``) and ``--forecasts``
    written (its ``--columns``), then the result printed."""
    forecasts, style = written
    from forecast.cli.render import emit, message
    from forecast.cli.validate import write_then_emit

    def write() -> None:
        if report is not None:
            write_report(result, report)
            message(f"wrote {report}", shown.quiet)
        if forecasts is not None:
            from forecast.io.atomic import atomic_write_bytes
            from forecast.report.export import to_csv

            header, rows = result.forecast_csv_header(), result.forecast_csv_rows()
            if style is ColumnsChoice.nixtla:
                from forecast.report.cross_validation import cross_validation_rows

                header, rows = cross_validation_rows(header, rows)
            text = to_csv(header, rows)
            atomic_write_bytes(forecasts, text.encode("utf-8"))
            message(f"wrote {forecasts}", shown.quiet)

    def show(written: bool) -> None:
        fmt = shown.fmt.value  # only what the format prints is built (a panel's document and
        # rows are millions of entries on a million series)
        emit(
            fmt,
            document=result.to_dict() if fmt == "json" else None,
            csv_header=() if shown.no_header else result.csv_header(),
            csv_rows=result.csv_rows() if fmt == "csv" else (),
            tables=tables(result) if shown.fmt is FormatChoice.table else [],
            quiet=shown.quiet,
        )

    write_then_emit(write, show)


def _neural_options(
    entry: ModelEntry, device: str | None, epochs: int | None, run: list[ModelEntry]
) -> ModelEntry:
    """--device and --epochs for the models that have those parameters (the neural ones), by
    fit's rule (:func:`~forecast.cli.model_options.option_params`: the options win over
    --param; an error when no model of the run has the parameter)."""
    from forecast.cli.model_options import option_params
    from forecast.models.registry import get_spec

    def accepted(e: ModelEntry) -> list[str]:
        return [p.name for p in get_spec(e.name).params]

    others = [accepted(e) for e in run]
    extra = option_params(entry.name, accepted(entry), device=device, epochs=epochs, others=others)
    return replace(entry, params={**entry.params, **extra}) if extra else entry


def _block_size(value: str) -> float | str:
    from forecast.errors import UsageError

    if value == "auto":
        return value
    try:
        return float(value)
    except ValueError:
        raise UsageError(f"--block-size must be auto or a number >= 1, got {value!r}") from None


def _refits(values: list[str]) -> tuple[Refit, dict[str, Refit]]:
    """The run's refit policy and the per-model ones (LABEL=POLICY)."""
    default: Refit = "every"
    per_model: dict[str, Refit] = {}
    for value in values:
        label, sep, policy = value.rpartition("=")
        if sep:
            per_model[label] = _refit(policy)
        else:
            default = _refit(value)
    return default, per_model


def _refit(value: str) -> Refit:
    from forecast.errors import UsageError

    if value == "every":
        return "every"
    if value == "never":
        return "never"
    if value.isdigit() and int(value) >= 1:
        return int(value)
    raise UsageError(f"--refit must be every, never or a whole number >= 1, got {value!r}")


def _exog_names(
    exog: str | None, lag: int, data: str, wide: bool, scheme: SchemeChoice
) -> tuple[str, ...] | None:
    """``--exog``/``--exog-lag`` checked before reading anything."""
    from forecast.data.exog import parse_exog_option
    from forecast.errors import UsageError

    names = parse_exog_option(exog)
    if names is None:
        if lag:
            raise UsageError("--exog-lag shifts the regressors; name them with --exog")
        return None
    if lag < 0:
        raise UsageError(f"--exog-lag must be a whole number >= 0, got {lag}")
    if data == "-" or wide:
        raise UsageError("--exog reads its columns from a data file; not stdin or --wide")
    if scheme is SchemeChoice.bootstrap:
        raise UsageError("--scheme bootstrap does not resample regressors; drop --exog")
    return names
