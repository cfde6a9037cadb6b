"""The library under the CLI, for notebooks and scripts: load, diagnose, fit, predict, backtest.

Every function takes a path (CSV, Parquet file or directory) or a pandas DataFrame in long
(``id, time, value``), wide or single-series shape, and returns typed results; nothing is
printed. One series is a panel of one. Failures of single series are collected, never raised
(a panel run returns what it could do and says what it could not).

    >>> import forecast
    >>> panel = forecast.load("sample_data/retail_panel.csv")
    >>> result = forecast.fit(panel, "arima", {"order": (1, 1, 0)}, horizon=6)
    >>> result.frame.head()        # id, model, timestamp, mean, lower_80, upper_80, ...
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forecast.data import Panel

if TYPE_CHECKING:
    import pandas as pd

    from forecast.backtesting.panel_backtest import PanelBacktest
    from forecast.backtesting.runner import BacktestSpec
    from forecast.backtesting.uncertainty import CompareSettings, IntervalSettings
    from forecast.diagnostics.diagnose import DiagnoseOptions
    from forecast.fitting.panel import SeriesOutcome

MAX_SAMPLES = 100_000  # the CLI's --samples range: 1 to this


def load(data: str | Path | pd.DataFrame | Panel, **options: Any) -> Panel:
    """A validated panel from a path or a DataFrame.

    Parameters
    ----------
    data
        A CSV or Parquet path (a file, or a directory: flat or Hive-partitioned), a DataFrame
        in long (``id, time, value``), wide or single-series shape, or a panel (returned as is).
    **options
        Those of :func:`forecast.data.load`: ``id_col``, ``time_col``, ``value_col``, ``freq``,
        ``missing``, ``min_length``, ``ids``, ``wide``...

    Returns
    -------
    Panel
        The series sorted by id; ``.to_frame()`` gives them back in long format.
    """
    import pandas as pd

    from forecast.data import load as load_path

    if isinstance(data, Panel):
        return data
    if not isinstance(data, pd.DataFrame):
        return load_path(str(data), **options)
    from forecast.data import from_table
    from forecast.data.table import frame_table

    table_options = {
        k: options.pop(k) for k in ("time_col", "value_col", "id_col", "wide") if k in options
    }
    return from_table(frame_table(data, **table_options), **options)


@dataclass(frozen=True)
class Forecasts:
    """A panel's forecasts, each series' outcome (one per model), and the failures.

    Attributes
    ----------
    frame
        The tidy table: ``id, model, timestamp, mean, lower_80, upper_80, ...``.
    outcomes
        Each series' :class:`~forecast.fitting.panel.SeriesOutcome` (fitted model when
        ``keep_models``, summary, forecast, error).
    failures
        The series (and models) that could not be forecast, with their reasons.
    samples
        With ``samples=N``: every forecast's simulated paths, long, as ``forecast fit
        --samples N --samples-output FILE.parquet`` writes them: ``id, model, timestamp,
        sample, value`` (one row per series, model, step and path; ``sample`` 0 to N-1).
        None without.
    hierarchy
        With ``hierarchy``/``hierarchy_file``: the run's ``hierarchy`` block of the CLI's JSON
        output (``levels``, ``nodes``, ``reconcile``, ``interval_method``). None without.
    """

    frame: pd.DataFrame
    outcomes: list[SeriesOutcome]
    failures: list[dict[str, Any]]
    samples: pd.DataFrame | None = None
    hierarchy: dict[str, Any] | None = None

    def to_frame(self, columns: str = "tidy") -> pd.DataFrame:
        """The forecasts as ``columns`` lays them out: ``tidy`` (:attr:`frame`) or ``nixtla``
        (statsforecast's: ``unique_id, ds, <model>, <model>-lo-80, ...``, one row per series
        and step; see :mod:`forecast.report.forecast_rows`)."""
        import pandas as pd

        from forecast.errors import UsageError
        from forecast.report.forecast_rows import Layout, SeriesGroups, wide_rows

        if columns == "tidy":
            return self.frame.copy()
        if columns != "nixtla":
            raise UsageError(f"columns must be tidy or nixtla, got {columns!r}")
        labels = tuple(dict.fromkeys(o.asked for o in self.outcomes))
        first = next((o.forecast for o in self.outcomes if o.forecast is not None), None)
        levels = first.levels if first is not None else ()
        layout = Layout("nixtla", labels=labels, probs=first.probs if first is not None else ())
        groups, rows = SeriesGroups(), []
        for outcome in self.outcomes:
            rows += wide_rows(groups.add(outcome), layout, tuple(levels))
        rows += wide_rows(groups.rest(), layout, tuple(levels))
        frame = pd.DataFrame(rows, columns=layout.columns(tuple(levels)))
        frame["ds"] = pd.to_datetime(frame["ds"])
        return frame


def fit(
    data: str | Path | pd.DataFrame | Panel,
    model: str | Sequence[str | tuple[str, str, dict[str, Any]]],
    params: dict[str, Any] | None = None,
    *,
    horizon: int = 12,
    levels: Sequence[float] = (80.0, 95.0),
    fallback: str | None = None,
    jobs: int = 1,
    keep_models: bool = False,
    exog: Sequence[str] | None = None,
    future: str | Path | pd.DataFrame | None = None,
    floor: float | None = None,
    quantiles: Sequence[float] | None = None,
    samples: int | None = None,
    seed: int | None = None,
    hierarchy: str | None = None,
    hierarchy_file: str | Path | None = None,
    reconcile: str = "bottom-up",
) -> Forecasts:
    """Fit ``model`` on every series and forecast ``horizon`` steps.

    Parameters
    ----------
    data
        A path, a DataFrame (long, wide or one series) or a panel.
    model, params
        A registry name and its parameters (a neural model on a panel is one global network;
        ``{"global": False}``: one per series), or several models (``["ets", "theta"]`` or
        ``(label, name, params)`` tuples, ``params`` None), each fitted on every series in one
        pass: one row per series, model and step, the ``model`` column their label.
    horizon, levels, fallback, jobs, keep_models
        Steps ahead, interval levels (percent), the model for the series ``model`` fails on,
        worker processes, and whether each outcome keeps its fitted model.
    exog, future
        The columns of ``data`` that are regressors (``["auto"]``: every other numeric
        column) and their values over the horizon (a path or a DataFrame with the same time
        and id columns).
    floor
        Means and bounds clipped at it (None: 0 for non-negative series with >= 30 % zeros,
        as the CLI's ``--floor``).
    quantiles
        Probabilities strictly between 0 and 1 (``(0.1, 0.5, 0.9)``): the frame gains the
        columns ``q_0.1, q_0.5, q_0.9`` from each model's predictive distribution (as
        ``--quantiles``).
    samples, seed
        Simulate ``samples`` paths (1 to 100,000) of every forecast, seeded by ``seed`` (None:
        0) and the series id: :attr:`Forecasts.samples` (as ``--samples N
        --samples-output``, in memory). ``seed`` also seeds a hierarchy's reconciled paths
        and is a neural model's ``seed`` parameter (as ``--seed``).
    hierarchy, hierarchy_file, reconcile
        Coherent forecasts of a hierarchy (as ``--hierarchy``, ``--hierarchy-file``,
        ``--reconcile``): ``hierarchy="region/store"`` names columns of ``data`` from the
        top level down (the last one names the bottom series), or ``hierarchy_file`` is a
        ``parent,child`` CSV whose leaves are the series of ``data``; ``data`` is then a
        path (CSV or Parquet). Every node is forecast by ``model`` and reconciled by each
        method of ``reconcile`` (``"bottom-up,mint-shrink"``; ``middle-out:LEVEL``): the
        frame's ``id`` holds the node ids (``total``, ``region=N``, ``region=N/store=7``;
        the CLI's ``node`` column), its ``model`` ``MODEL/METHOD`` (``ets/bottom-up``).

    Returns
    -------
    Forecasts
        ``.frame`` (``id, model, timestamp, mean, lower_80, ..., q_P``),
        ``.to_frame("nixtla")``, each series' outcome, the failures (never raised: a
        constant series is forecast, as the CLI does), ``.samples`` and ``.hierarchy``.

    Raises
    ------
    UsageError
        A bad argument, with the CLI's message (``quantiles=(0, 0.5)``: "--quantiles takes
        probabilities strictly between 0 and 1, got 0").

    Examples
    --------
    >>> result = forecast.fit("sample_data/retail_panel.csv", "ets", horizon=6,
    ...                       quantiles=(0.1, 0.5, 0.9), samples=200, seed=1)
    >>> result.frame[["id", "timestamp", "q_0.1", "q_0.5", "q_0.9"]]
    >>> result.samples                     # id, model, timestamp, sample, value
    """
    from forecast.models.base import check_horizon, check_levels
    from forecast.models.neural.global_options import split_options
    from forecast.workflows import fit as workflow
    from forecast.workflows.source import SourceRequest

    tree = hierarchy is not None or hierarchy_file is not None
    draws = _draws(quantiles, samples, seed)
    (label, name, first), *others = _entries(model, params, seed)
    options, own = split_options(name, first)
    request = workflow.FitRequest(
        SourceRequest(_tree_source(data, exog) if tree else "", jobs=jobs),
        name,
        own,
        check_horizon(horizon),
        check_levels(levels),
        fallback,
        floor=floor,
        global_options=options,
        exog=tuple(exog) if exog is not None else None,
        keep_models=keep_models,
        series_outcomes=True,
        label=label if label != name else None,
        others=tuple(others),
        draws=draws,
    )
    if tree:
        return _fit_tree(request, hierarchy, hierarchy_file, reconcile, seed)
    return _fit_panel(request, data, exog, future)


def _fit_panel(
    request: Any,
    data: str | Path | pd.DataFrame | Panel,
    exog: Sequence[str] | None,
    future: str | Path | pd.DataFrame | None,
) -> Forecasts:
    """:func:`fit` of the series of ``data`` (no hierarchy): loaded as the models' shortest
    series allows, with the regressors when asked, through the CLI's workflow."""
    from forecast.fitting.series import min_obs
    from forecast.workflows import fit as workflow
    from forecast.workflows.stream import PanelStream

    load_options = _exog_value_col(data, exog, future)
    names = [n for _, n, _ in request.models] + ([request.fallback] if request.fallback else [])
    global_run = not request.others and request.global_options.applies(request.model, 2)
    shortest = 3 if global_run else min(min_obs(n) for n in names)
    panel = load(data, min_length=shortest, allow_constant=True, **load_options)
    loaded = workflow.Loaded(panel)
    if exog is not None:
        assert future is not None and not isinstance(data, Panel)
        loaded = workflow.Loaded(panel, *_regressors(data, future, tuple(exog), panel))
    with workflow.run(request, loaded=loaded) as result:
        assert isinstance(result, PanelStream)  # series_outcomes: a panel, even of one
        outcomes = result.collect()
    failures = [f.to_dict() for f in panel.failures]
    return _forecasts(outcomes, failures, request.draws.samples > 0)


def _draws(quantiles: Sequence[float] | None, samples: int | None, seed: int | None) -> Any:
    """``quantiles``, ``samples`` and ``seed`` as the run's
    :class:`~forecast.fitting.series.Draws`, checked as the CLI checks them."""
    from forecast.errors import UsageError
    from forecast.fitting.series import Draws
    from forecast.models.quantiles import check_probs

    probs = check_probs(quantiles) if quantiles is not None else ()
    if samples is not None and not (isinstance(samples, int) and 1 <= samples <= MAX_SAMPLES):
        raise UsageError(f"samples must be a whole number from 1 to {MAX_SAMPLES}, got {samples!r}")
    return Draws(probs, samples or 0, seed or 0)


def _tree_source(data: str | Path | pd.DataFrame | Panel, exog: Sequence[str] | None) -> str:
    """A hierarchy reads its columns (or the leaves of its file) from a data file, as the CLI
    does: ``data`` as a path; no regressors."""
    from forecast.errors import UsageError

    if not isinstance(data, str | Path):
        raise UsageError(
            "hierarchy reads its columns from a data file: give data as a path (CSV or Parquet)"
        )
    if exog is not None:
        raise UsageError("hierarchy reconciles forecasts without regressors; drop exog")
    return str(data)


def _fit_tree(
    request: Any,
    hierarchy: str | None,
    hierarchy_file: str | Path | None,
    reconcile: str,
    seed: int | None,
) -> Forecasts:
    """Every node of the hierarchy forecast and reconciled by the CLI's workflow
    (:func:`forecast.workflows.hierarchy.fit_hierarchy`)."""
    from forecast.workflows import hierarchy as tree
    from forecast.workflows.source import silent

    spec = tree.spec_of(hierarchy, reconcile, seed, hierarchy_file)
    tree.check_source(request.source.data, spec)
    stream = tree.fit_hierarchy(request, spec, silent)
    outcomes = stream.collect()
    result = _forecasts(outcomes, list(stream.load_failures), request.draws.samples > 0)
    return replace(result, hierarchy=dict(stream.header["hierarchy"]))


def _exog_value_col(
    data: str | Path | pd.DataFrame | Panel,
    exog: Sequence[str] | None,
    future: str | Path | pd.DataFrame | None,
) -> dict[str, Any]:
    """With regressors: the value column of ``data`` among its other numeric columns (the
    loader's ``value_col``), after checking that ``data`` holds them and ``future`` is given."""
    if exog is None:
        return {}
    if isinstance(data, Panel) or future is None:
        from forecast.errors import UsageError

        raise UsageError(
            "exog needs data as a path or a DataFrame (its regressor columns) and future"
        )
    from forecast.data.exog import value_column

    source = data if not isinstance(data, Path) else str(data)
    return {
        "value_col": value_column(source, tuple(exog), time_col=None, id_col=None, encoding=None)
    }


def _entries(
    model: str | Sequence[str | tuple[str, str, dict[str, Any]]],
    params: dict[str, Any] | None,
    seed: int | None = None,
) -> list[tuple[str, str, dict[str, Any]]]:
    """The models of :func:`fit` as ``(label, name, params)``, checked by the registry;
    ``seed`` is the ``seed`` parameter of each model that has one (as the CLI's ``--seed``)."""
    from forecast.errors import UsageError
    from forecast.models.neural.global_options import split_options
    from forecast.models.registry import get_spec

    if isinstance(model, str):
        entries = [(model, model, dict(params or {}))]
    elif params is not None:
        raise UsageError("params goes with one model; give several as (label, name, params)")
    else:
        entries = [(m, m, {}) if isinstance(m, str) else (m[0], m[1], dict(m[2])) for m in model]
    labels = [label for label, _, _ in entries]
    if not entries or len(set(labels)) != len(labels):
        raise UsageError(f"models need distinct labels, got {labels}")
    for _, name, own in entries:
        spec = get_spec(name)
        if seed is not None and "seed" in [p.name for p in spec.params]:
            own["seed"] = seed
        spec.resolve(split_options(name, own)[1])
    return entries


def _regressors(
    data: str | Path | pd.DataFrame,
    future: str | Path | pd.DataFrame,
    names: tuple[str, ...],
    panel: Panel,
) -> tuple[Any, Any]:
    """The regressor columns of ``data`` and their values over the horizon (``future``)."""
    from forecast.data.exog import read_covariates

    covariates = read_covariates(
        data if not isinstance(data, Path) else str(data),
        names,
        time_col=panel.time_col,
        id_col=panel.id_col,
        exclude=[panel.value_col],
    )
    ahead = read_covariates(
        future if not isinstance(future, Path) else str(future),
        covariates.names,
        time_col=panel.time_col,
        id_col=panel.id_col,
        future=True,
    )
    return covariates, ahead


def predict(
    model_file: str | Path,
    *,
    data: str | Path | pd.DataFrame | None = None,
    horizon: int | None = None,
    levels: Sequence[float] | None = None,
    ids: list[str] | None = None,
    refit: bool = False,
) -> Forecasts:
    """Forecasts from a saved model file (one series, a panel's models, several models or a
    global model).

    Parameters
    ----------
    model_file
        A file written by ``forecast fit --save`` (or ``fit(..., keep_models=True)`` saved).
    data
        New observations that move each series on (a path or a DataFrame); a panel's series
        in ``data`` without a model are failures (as in ``forecast predict``).
    horizon, levels
        None: the file's own defaults.
    ids
        Only these series of a panel's file.
    refit
        Re-estimate on the saved and new observations instead of updating the state.

    Returns
    -------
    Forecasts
        ``.frame`` (tidy), ``.to_frame("nixtla")``, each series' outcome and the failures.
    """
    from forecast.io.modelfile import LoadedGlobal, LoadedPanel, load_model_file
    from forecast.workflows import predict as workflow
    from forecast.workflows.source import SourceRequest
    from forecast.workflows.stream import PanelStream

    loaded = load_model_file(model_file)
    if isinstance(loaded, LoadedGlobal):
        id_col, freq = loaded.metadata["global"].get("id_col"), loaded.model.freq_
    elif isinstance(loaded, LoadedPanel):
        id_col = loaded.metadata.get("panel", {}).get("id_col")
        freq = loaded.select(list(ids) if ids is not None else None)[0][1].freq_
    else:  # one series' file
        id_col, freq = None, loaded.model.freq_
    new = None
    if data is not None:
        new = load(data, id_col=id_col, min_length=1, allow_constant=True, freq=freq)
    request = workflow.PredictRequest(
        Path(model_file),
        SourceRequest("", ids=tuple(ids) if ids is not None else None),
        horizon,
        tuple(levels) if levels is not None else None,
        refit,
        series_outcomes=True,
    )
    with workflow.run(request, new=new) as result:
        assert isinstance(result, PanelStream)  # series_outcomes: a panel, even of one
        return _forecasts(result.collect(), result.load_failures)


def diagnose(
    data: str | Path | pd.DataFrame | Panel,
    options: DiagnoseOptions | None = None,
    *,
    jobs: int = 1,
) -> pd.DataFrame:
    """Diagnose every series.

    Parameters
    ----------
    data
        A path, a DataFrame or a panel.
    options
        The tests' settings (lags, alpha, trend...); None: the CLI's defaults.
    jobs
        Worker processes.

    Returns
    -------
    pandas.DataFrame
        One summary row per series (see :mod:`forecast.diagnostics.panel_summary`); the full
        report of one series is :func:`forecast.diagnostics.diagnose.diagnose_series`.
    """
    import pandas as pd

    from forecast.diagnostics.diagnose import MIN_OBS
    from forecast.diagnostics.diagnose import DiagnoseOptions as Options
    from forecast.diagnostics.panel_summary import SUMMARY_COLUMNS
    from forecast.workflows import diagnose as workflow
    from forecast.workflows.source import SourceRequest

    panel = load(data, min_length=MIN_OBS)
    where = SourceRequest(str(data) if isinstance(data, str | Path) else "", jobs=jobs)
    request = workflow.DiagnoseRequest(where, options or Options(), as_panel=True)
    result = workflow.run(request, panel=panel)
    assert isinstance(result, workflow.PanelDiagnosis)  # as_panel
    return pd.DataFrame(result.csv_rows(), columns=list(SUMMARY_COLUMNS))


def backtest(
    data: str | Path | pd.DataFrame | Panel,
    models: Sequence[str | tuple[str, str, dict[str, Any]]],
    spec: BacktestSpec | None = None,
    *,
    ci: bool | IntervalSettings = False,
    compare: bool | CompareSettings = False,
    **options: Any,
) -> PanelBacktest:
    """Backtest ``models`` on every series with the same splits.

    Parameters
    ----------
    data
        A path (CSV, Parquet file or directory) or a DataFrame, one series or a panel.
    models
        Registry names, or ``(label, name, params)`` tuples.
    spec
        The splits and scoring (:class:`~forecast.backtesting.runner.BacktestSpec`); the
        keyword ``options`` change its fields: ``horizon``, ``step``, ``scheme``
        ("walk-forward", "purged-kfold", "cpcv"), ``levels``, ``refit``, ``window``,
        ``initial``, ``gap``, ``train_size``, ``folds``, ``embargo``, ``groups``,
        ``test_groups``, ``lookback``, ``period``, ``intervals``, ``seed``, ``jobs``.
    ci, compare
        The metric confidence intervals and the Diebold-Mariano tests with the model
        confidence set (``True`` for the CLI's defaults, or their settings); on a panel both
        use scale-free losses (see ``--compare-loss``).

    Returns
    -------
    PanelBacktest
        Per-series metrics and aggregates over series (one series is a panel of one);
        ``.to_frame("aggregate" | "series" | "forecasts" | "failures" | "ci" |
        "comparison")`` gives each table as a DataFrame.

    Examples
    --------
    >>> result = forecast.backtest("sample_data/retail_panel.csv", ["snaive", "ets"],
    ...                            horizon=6, step=6, refit="never", compare=True)
    >>> result.to_frame()                  # model, metric, mean, median, share_best, n_series
    """
    from forecast.backtesting.engine import ModelEntry
    from forecast.backtesting.panel_backtest import PanelBacktest as Result
    from forecast.workflows import backtest as workflow
    from forecast.workflows.source import SourceRequest

    spec = _backtest_spec(spec, options)
    entries = tuple(
        ModelEntry(m, m) if isinstance(m, str) else ModelEntry(m[0], m[1], dict(m[2]))
        for m in models
    )
    panel = load(data, min_length=2 * spec.horizon + 2)
    where = SourceRequest(str(data) if isinstance(data, str | Path) else "", jobs=spec.jobs)
    request = workflow.BacktestRequest(
        where, entries, spec, ci=_settings(ci, "ci"), compare=_settings(compare, "compare"),
        as_panel=True,
    )  # fmt: skip
    result = workflow.run(request, panel=panel)
    assert isinstance(result, Result)  # as_panel
    return result


def _backtest_spec(spec: BacktestSpec | None, options: dict[str, Any]) -> BacktestSpec:
    """``spec`` (None: the defaults) with the keyword options' fields changed, checked."""
    from dataclasses import fields, replace

    from forecast.backtesting.runner import BacktestSpec as Spec
    from forecast.backtesting.runner import with_quantiles
    from forecast.errors import UsageError
    from forecast.models.base import check_horizon, check_levels

    accepted = sorted(f.name for f in fields(Spec))
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise UsageError(f"backtest: unknown option {', '.join(unknown)}; accepted: {accepted}")
    if "levels" in options:
        options = {**options, "levels": check_levels(options["levels"])}
    if "horizon" in options:
        options = {**options, "horizon": check_horizon(options["horizon"])}
    probs = options.pop("quantiles", ())
    return with_quantiles(replace(spec or Spec(), **options), probs)


def _settings(value: Any, kind: str) -> Any:
    """``ci``/``compare``: False -> None, True -> the CLI's defaults, settings as given."""
    from forecast.backtesting.uncertainty import CompareSettings, IntervalSettings

    if value is False or value is None:
        return None
    if value is True:
        return IntervalSettings() if kind == "ci" else CompareSettings()
    return value


def _forecasts(
    outcomes: list[SeriesOutcome], load_failures: list[dict[str, Any]], paths: bool = False
) -> Forecasts:
    import pandas as pd

    from forecast.report.forecast_rows import Layout, forecast_columns, outcome_rows

    first = next((o.forecast for o in outcomes if o.forecast is not None), None)
    levels, probs = (first.levels, first.probs) if first is not None else ((), ())
    columns = forecast_columns(tuple(levels), Layout(probs=probs))
    rows = [row for o in outcomes for row in outcome_rows(o)]
    frame = pd.DataFrame(rows, columns=columns)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    failures = load_failures + [
        {"id": o.id, "stage": "fit", "model": o.asked, "error": o.error}
        for o in outcomes
        if o.error is not None
    ]
    return Forecasts(frame, outcomes, failures, _samples(outcomes) if paths else None)


def _samples(outcomes: list[SeriesOutcome]) -> pd.DataFrame:
    """Every forecast's paths as ``--samples-output`` writes them (``id, model, timestamp,
    sample, value``, the same dtypes; :class:`~forecast.report.sample_paths.SamplesWriter`)."""
    import pandas as pd

    from forecast.report.sample_paths import path_columns

    parts = [pd.DataFrame(c) for c in map(path_columns, outcomes) if c is not None]
    columns = ["id", "model", "timestamp", "sample", "value"]
    if not parts:
        return pd.DataFrame({c: [] for c in columns})
    return pd.concat(parts, ignore_index=True)
