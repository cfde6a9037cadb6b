"""`forecast backtest DATA --model ...`: walk-forward, purged k-fold or CPCV evaluation."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from forecast.cli import model_options as mo
from forecast.cli import options as o
from forecast.types import (
    BootstrapChoice,
    CiIntervalChoice,
    CiMethodChoice,
    EngineChoice,
    FormatChoice,
    InnerChoice,
    IntervalsChoice,
    MissingChoice,
    ResampleChoice,
    SchemeChoice,
    WindowChoice,
)

if TYPE_CHECKING:
    from forecast.backtesting.engine import ModelEntry, Refit
    from forecast.backtesting.panel import PanelBacktest
    from forecast.backtesting.runner import Scheme
    from forecast.backtesting.uncertainty import CompareSettings, IntervalSettings


def backtest(
    data: o.DataArg,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model", "-m", help="Model to evaluate, NAME or LABEL=NAME; repeat to compare."
        ),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="[LABEL.]key=value for a model's parameter; repeat."),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="TOML file with models, horizon, levels and any other backtest option "
            '(scheme = "cpcv", folds = 4...); the command line wins.',
            is_eager=True,
            callback=lambda ctx, value: _config_defaults(ctx, value),
        ),
    ] = None,
    scheme: Annotated[
        SchemeChoice, typer.Option(help="How to split the data.")
    ] = SchemeChoice.walk_forward,
    horizon: mo.Horizon = None,
    level: mo.Levels = None,
    intervals: mo.Intervals = IntervalsChoice.model,
    refit: Annotated[
        list[str] | None,
        typer.Option(
            help="Walk-forward: every (re-estimate at each origin), never (state updates only) "
            "or N (every N origins); LABEL=POLICY for one model; repeat. Default every."
        ),
    ] = None,
    window: Annotated[
        WindowChoice, typer.Option(help="Walk-forward training window.")
    ] = WindowChoice.expanding,
    initial: Annotated[
        int | None,
        typer.Option(
            help="Walk-forward: length of the first training window (default max(n/2, 2*horizon))."
        ),
    ] = None,
    step: Annotated[int, typer.Option(help="Walk-forward: origins between folds.")] = 1,
    gap: Annotated[
        int, typer.Option(help="Walk-forward: unscored steps between origin and first target.")
    ] = 0,
    train_size: Annotated[
        int | None, typer.Option(help="Walk-forward rolling window length.")
    ] = None,
    folds: Annotated[int, typer.Option(help="Purged k-fold: number of test blocks.")] = 5,
    embargo: Annotated[
        float,
        typer.Option(
            help="Purged k-fold / CPCV: embargo after each test block, a fraction (<1) of n "
            "or a count."
        ),
    ] = 0.01,
    groups: Annotated[int, typer.Option(help="CPCV: number of groups N.")] = 6,
    test_groups: Annotated[int, typer.Option(help="CPCV: test groups per split k.")] = 2,
    lookback: Annotated[
        int | None,
        typer.Option(
            help="Purge width: past observations one forecast reads (default: the models')."
        ),
    ] = None,
    period: Annotated[
        int | None,
        typer.Option(help="Seasonal period of the MASE/RMSSE scale (default: detected)."),
    ] = None,
    jobs: Annotated[int, typer.Option(help="Parallel worker processes.")] = 1,
    threads: o.Threads = None,
    engine: o.Engine = EngineChoice.local,
    scheduler: o.Scheduler = None,
    scheduler_timeout: o.SchedulerTimeout = o.SCHEDULER_TIMEOUT_S,
    seed: Annotated[int, typer.Option(help="Seed for models that draw random numbers.")] = 0,
    inner: Annotated[
        InnerChoice, typer.Option(help="Bootstrap: the scheme run on every replicate.")
    ] = InnerChoice.walk_forward,
    bootstrap: Annotated[
        BootstrapChoice, typer.Option(help="Bootstrap: moving, circular or stationary blocks.")
    ] = BootstrapChoice.sb,
    reps: Annotated[int, typer.Option(help="Bootstrap: replicates of the series.")] = 200,
    block_size: Annotated[
        str, typer.Option(help="Bootstrap: block length, auto (Politis-White) or a number.")
    ] = "auto",
    resample: Annotated[
        ResampleChoice,
        typer.Option(help="Bootstrap: resample model residuals, differences, or levels."),
    ] = ResampleChoice.residuals,
    ci: Annotated[
        bool, typer.Option("--ci", help="Block-bootstrap confidence intervals for every metric.")
    ] = False,
    ci_method: Annotated[
        CiMethodChoice, typer.Option(help="--ci: stationary or circular block bootstrap.")
    ] = CiMethodChoice.stationary,
    ci_interval: Annotated[
        CiIntervalChoice, typer.Option(help="--ci: percentile or basic intervals.")
    ] = CiIntervalChoice.percentile,
    ci_level: Annotated[float, typer.Option(help="--ci and bootstrap: interval level, %.")] = 95.0,
    ci_reps: Annotated[int, typer.Option(help="--ci: bootstrap replicates of the losses.")] = 999,
    compare: Annotated[
        bool,
        typer.Option("--compare", help="Diebold-Mariano tests and the model confidence set."),
    ] = False,
    dm_power: Annotated[
        int, typer.Option(help="--compare: loss of the tests, 1 absolute or 2 squared error.")
    ] = 2,
    mcs_size: Annotated[
        float, typer.Option(help="--compare: size alpha of the model confidence set.")
    ] = 0.1,
    report: Annotated[
        Path | None, typer.Option(help="Write a self-contained report (.md or .html).")
    ] = None,
    forecasts: Annotated[
        Path | None,
        typer.Option(
            "--forecasts",
            help="Write every scored forecast (model, fold, origin, target, step, actual, "
            "mean, bounds) to this CSV file, atomically.",
            rich_help_panel=o.OUTPUT_PANEL,
        ),
    ] = None,
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
    device: mo.Device = None,
    epochs: mo.Epochs = None,
    exog: o.Exog = None,
    exog_lag: o.ExogLag = 0,
    exog_models: o.ExogModels = None,
    fmt: o.Format = FormatChoice.table,
    no_header: o.NoHeader = False,
    quiet: o.Quiet = False,
    debug: o.Debug = False,
) -> None:
    """Backtest models on DATA; exit 1 when a model failed in every fold.

    On a panel every series gets the same splits; the metrics come per series and aggregated
    over series (mean, median, share of series where each model is best); --jobs spreads the
    series over processes; exit 1 when a series or a model on a series failed."""
    from forecast.backtesting.entries import model_entries
    from forecast.backtesting.runner import (
        BacktestSpec,
        BootstrapSpec,
        check_reps,
        run_backtest,
        run_bootstrap_backtest,
    )
    from forecast.backtesting.uncertainty import CompareSettings, IntervalSettings, assess
    from forecast.cli.render import message, note_all, progress_allowed, warn_all
    from forecast.config import read_config
    from forecast.errors import UsageError
    from forecast.fitting.series import horizon_and_levels
    from forecast.io.paths import refuse_overlap
    from forecast.progress import progress_enabled
    from forecast.report.backtest_report import images_dir, report_format
    from forecast.threads import limited, resolve

    markdown = report is not None and report_format(report) == "md"  # its PNGs go beside it
    images = images_dir(report) if report is not None and markdown else None
    refuse_overlap(
        {"DATA": data, "--config": config, "--ids-file": ids_file},
        {"--report": report, "--report's images": images, "--forecasts": forecasts},
    )
    policy = resolve(threads)
    cfg = read_config(config, _config_options())  # its options are applied by _config_defaults
    default_refit, per_model = _refits(refit or [])
    entries = [
        replace(e, refit=per_model.pop(e.label)) if e.label in per_model else e
        for e in model_entries(model or [], param or [], cfg)
    ]
    entries = [_neural_options(e, device, epochs) for e in entries]
    if per_model:
        raise UsageError(f"--refit {next(iter(per_model))}=...: no model with that label")
    report_fmt = None
    if report is not None:
        from forecast.cli.validate import check_output
        from forecast.report.backtest_report import report_format

        report_fmt = report_format(report)
        check_output(report)
    if forecasts is not None:
        from forecast.cli.validate import check_output

        if forecasts.suffix.lower() != ".csv":
            raise UsageError(f"--forecasts {forecasts}: the file must end in .csv")
        check_output(forecasts)
    steps, bands = horizon_and_levels(horizon, level, cfg.horizon, cfg.levels)
    spec = BacktestSpec(
        scheme=cast("Scheme", inner.value if scheme is SchemeChoice.bootstrap else scheme.value),
        horizon=steps,
        levels=bands,
        refit=default_refit,
        intervals=intervals.value,
        jobs=jobs,
        seed=seed,
        lookback=lookback,
        period=period,
        window=window.value,
        initial=initial,
        step=step,
        gap=gap,
        train_size=train_size,
        folds=folds,
        embargo=int(embargo) if embargo >= 1 else embargo,
        groups=groups,
        test_groups=test_groups,
    )
    if dm_power not in (1, 2):
        raise UsageError(f"--dm-power must be 1 or 2, got {dm_power}")
    if scheme is SchemeChoice.bootstrap:
        check_reps(reps)  # before any work
    ci_settings = (
        IntervalSettings(ci_method.value, ci_interval.value, ci_level, ci_reps, seed)
        if ci
        else None
    )
    compare_settings = CompareSettings(dm_power, mcs_size, seed) if compare else None
    exog_names = _exog_names(exog, exog_lag, data, wide, scheme)
    users = None
    if exog_models is not None:
        if exog_names is None:
            raise UsageError("--exog-models chooses who gets the regressors; name them with --exog")
        users = [label.strip() for label in exog_models.split(",") if label.strip()]
    if exog_names is not None and value_col is None:
        from forecast.data.exog import value_column

        value_col = value_column(
            data, exog_names, time_col=time_col, id_col=id_col, encoding=encoding
        )
    reporting = PanelReporting(
        ci_settings,
        compare_settings,
        report,
        forecasts,
        fmt,
        quiet,
        no_header,
        policy.to_dict(spec.jobs),
        spec.gap,
    )
    command = "forecast " + " ".join(shlex.quote(a) for a in o.INVOCATION.get())
    min_length = 2 * spec.horizon + 2
    purpose = f"a backtest with horizon {spec.horizon}"
    if _reads_parts(engine, data, wide, exog_names, scheme, entries):
        from forecast.cli.parts_run import PartSource, backtest_parts

        source = PartSource(data, engine, jobs, scheduler, time_col, value_col, id_col, freq,
                            missing, time_format, o.selected_ids(ids, ids_file))  # fmt: skip
        with limited(policy):
            if backtest_parts(source, entries, spec, command, reporting, min_length, purpose):
                return
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
    )
    if panel.single is None:
        if scheme is SchemeChoice.bootstrap:
            raise UsageError(
                "--scheme bootstrap resamples one series; on a panel pass --ids X (one series)"
                " or use walk-forward, purged-kfold or cpcv"
            )
        from forecast.backtesting.panel import run_panel_backtest

        executor = o.executor(engine, jobs, scheduler)
        covariates = _covariates(data, exog_names, panel, time_format, encoding)
        with limited(policy):
            reporting.run(
                lambda on_series: run_panel_backtest(
                    panel,
                    entries,
                    spec,
                    executor,
                    command=command,
                    on_series=on_series,
                    exog=covariates,
                    exog_lag=exog_lag,
                    exog_models=users,
                ),
                len(panel),
            )
        return
    series = panel.single
    regressors = None
    covariates = _covariates(data, exog_names, series, time_format, encoding)
    if covariates is not None:
        import pandas as pd

        regressors = covariates.training(pd.DatetimeIndex(series.y.index))
    with progress_enabled(progress_allowed(quiet)), limited(policy):
        if scheme is SchemeChoice.bootstrap:
            boot = BootstrapSpec(
                bootstrap.value, reps, _block_size(block_size), resample.value, ci_level
            )
            result = run_bootstrap_backtest(
                series.y, entries, spec, boot, source=series.describe(), command=command
            )
        else:
            result = run_backtest(
                series.y,
                entries,
                spec,
                source=series.describe(),
                command=command,
                exog=regressors,
                exog_lag=exog_lag,
                exog_models=users,
            )
        result = result.assessed(
            assess(result.forecasts, ci_settings, compare_settings, spec.gap)
        )
    result = replace(result, setup=replace(result.setup, threads=policy.to_dict(spec.jobs)))
    note_all(result.notes, quiet)  # once, here: the table does not repeat them
    warn_all(  # the table marks the partial models; the reasons are here, once
        (f"{f['model']} failed in folds {f['folds']}: {f['error']}" for f in result.failures),
        quiet,
    )
    from forecast.cli.validate import write_then_emit
    from forecast.report.backtest_report import write_report
    from forecast.report.backtest_tables import backtest_tables

    def write() -> None:
        if report is not None and report_fmt is not None:
            write_report(result, report)
            message(f"wrote {report}", quiet)
        _write_forecasts(result, forecasts, quiet)

    write_then_emit(write, lambda written: _emit(result, backtest_tables, fmt, quiet, no_header))
    failed = result.failed_everywhere()
    if failed:
        from forecast.cli.render import error

        error(f"{', '.join(failed)} failed in every fold; the reasons are in the warnings above")
        raise typer.Exit(1)


@dataclass(frozen=True)
class PanelReporting:
    """What a panel backtest reports and where: ``--ci``/``--compare`` on the pooled losses,
    ``--report``, ``--forecasts``, the output format and the thread policy."""

    ci: IntervalSettings | None
    compare: CompareSettings | None
    report: Path | None
    forecasts: Path | None
    fmt: FormatChoice
    quiet: bool
    no_header: bool
    threads: dict[str, Any]
    gap: int

    def run(self, backtest: Callable[[Callable[[Any], None]], PanelBacktest], total: int) -> None:
        """Run ``backtest(on_series)`` over ``total`` series (every series with the same
        splits) with progress, then report the aggregates over series; exit 1 on any
        failure."""
        from forecast.backtesting.panel import POOLED_NOTE
        from forecast.backtesting.uncertainty import assess
        from forecast.cli.render import error, message, note_all, progress_allowed, warn
        from forecast.progress import progress_enabled, task

        quiet = self.quiet
        failed = 0
        with progress_enabled(progress_allowed(quiet)), task("series", total=total) as advance:

            def done(series: Any) -> None:
                nonlocal failed
                failed += series.error is not None
                advance(failed=failed)

            result = backtest(done)
            result = replace(result, setup=replace(result.setup, threads=self.threads))
            if self.ci is not None or self.compare is not None:
                sections = assess(result.pooled(), self.ci, self.compare, self.gap)
                result = result.assessed(sections.pooled(POOLED_NOTE))
        failures = result.failures()
        grouped: dict[tuple[str, str, str], list[int]] = {}
        for f in failures:
            if f.get("stage") == "backtest":
                key = (f["id"], f.get("model", ""), f["error"])
                grouped.setdefault(key, []).extend(f.get("folds", []))
        for (sid, model, reason), folds in grouped.items():
            where = f" in {len(folds)} fold{'s' if len(folds) > 1 else ''}" if folds else ""
            who = f"{model} on series {sid!r}" if model else f"series {sid!r}"
            warn(f"{who} failed{where}: {reason}", quiet)
        note_all(result.notes(), quiet)
        from forecast.cli.validate import write_then_emit
        from forecast.report.panel_backtest_report import write_panel_report
        from forecast.report.panel_backtest_tables import panel_backtest_tables

        def write() -> None:
            if self.report is not None:
                write_panel_report(result, self.report)
                message(f"wrote {self.report}", quiet)
            _write_forecasts(result, self.forecasts, quiet)

        write_then_emit(
            write,
            lambda written: _emit(result, panel_backtest_tables, self.fmt, quiet, self.no_header),
        )
        nowhere = result.failed_everywhere()
        if nowhere:
            names = ", ".join(nowhere)
            error(f"{names} failed on every series; the reasons are in the warnings above")
        if failures or nowhere:
            from forecast.cli.render import exit_failed

            exit_failed(failures, quiet)


def _reads_parts(
    engine: EngineChoice,
    data: str,
    wide: bool,
    exog_names: tuple[str, ...] | None,
    scheme: SchemeChoice,
    entries: list[ModelEntry],
) -> bool:
    """Whether the workers read a Parquet directory's part files themselves: ``--engine dask``
    on a long directory, without regressors or the bootstrap (one series), and with no global
    network (one fit per fold across all series needs the whole panel in one place)."""
    from forecast.cli.parts_run import workers_read
    from forecast.models.neural.global_options import split_options

    if not workers_read(engine, data, wide) or exog_names is not None:
        return False
    if scheme is SchemeChoice.bootstrap:
        return False
    return not any(split_options(e.name, e.params)[0].applies(e.name, 2) for e in entries)


def _write_forecasts(result: Any, forecasts: Path | None, quiet: bool) -> None:
    """``--forecasts FILE.csv``: the forecast rows, written atomically."""
    if forecasts is not None:
        from forecast.cli.render import message
        from forecast.io.atomic import atomic_write_bytes
        from forecast.report.export import to_csv

        text = to_csv(result.forecast_csv_header(), result.forecast_csv_rows())
        atomic_write_bytes(forecasts, text.encode("utf-8"))
        message(f"wrote {forecasts}", quiet)


def _emit(
    result: Any,
    tables: Callable[[Any], list[Any]],
    fmt: FormatChoice,
    quiet: bool,
    no_header: bool,
) -> None:
    """The common end of a backtest: print the result (the files are written before)."""
    from forecast.cli.render import emit

    emit(
        fmt.value,
        document=result.to_dict(),
        csv_header=() if no_header else result.csv_header(),
        csv_rows=result.csv_rows(),
        tables=tables(result) if fmt is FormatChoice.table else [],
        quiet=quiet,
    )


# Options a config file cannot set: the data, the file itself, and those it has its own keys
# for (models, [params], levels, horizon).
_NOT_IN_CONFIG = {"data", "config", "model", "param", "level", "horizon", "debug"}


_ALIASES = {"format": "fmt"}


def _config_options() -> list[str]:
    """The option names a backtest config file may set (``format`` for ``--format``)."""
    import inspect

    names = [n for n in inspect.signature(backtest).parameters if n not in _NOT_IN_CONFIG]
    return [*names, *_ALIASES]


def _config_defaults(ctx: typer.Context, value: Path | None) -> Path | None:
    """``--config``: the file's backtest options become the defaults of the options not given
    on the command line (click's default map), so they are parsed and checked as if typed."""
    if value is None:
        return None
    from forecast.config import read_config

    params = {p.name: p for p in ctx.command.params if p.name in _config_options()}
    cfg = read_config(value, _config_options())
    defaults: dict[str, Any] = dict(ctx.default_map or {})
    for key, raw in cfg.options.items():
        name = _ALIASES.get(key, key)
        multiple = getattr(params[name], "multiple", False)
        defaults[name] = ([raw] if not isinstance(raw, list) else raw) if multiple else raw
    ctx.default_map = defaults
    return value


def _neural_options(entry: ModelEntry, device: str | None, epochs: int | None) -> ModelEntry:
    """--device and --epochs for the models that have those parameters (the neural ones)."""
    from forecast.models.registry import get_spec

    accepted = {p.name for p in get_spec(entry.name).params}
    extra = {k: v for k, v in (("device", device), ("epochs", epochs)) if v is not None}
    extra = {k: v for k, v in extra.items() if k in accepted and k not in entry.params}
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


def _covariates(
    data: str,
    names: tuple[str, ...] | None,
    source: Any,
    time_format: str | None,
    encoding: str | None,
) -> Any:
    """The regressor columns of DATA (a :class:`forecast.data.exog.Covariates`), read with the
    time (and id) columns of the series or panel ``source``; None without --exog."""
    if names is None:
        return None
    from forecast.data.exog import read_covariates

    return read_covariates(
        data,
        names,
        time_col=source.time_col,
        id_col=getattr(source, "id_col", None),
        exclude=[source.value_col],
        time_format=time_format,
        encoding=encoding,
    )
