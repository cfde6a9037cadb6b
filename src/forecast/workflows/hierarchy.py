"""`fit --hierarchy region/store --reconcile METHOD`: coherent forecasts of a hierarchy.

The panel's bottom series are named by the last hierarchy column (``store``: each store belongs
to one region); the columns above it place each series in the tree
(:mod:`forecast.hierarchy.structure`: nodes ``total``, ``region=N``, ``region=N/store=7``).
Every node's series is the sum of its bottom series, on the span all of them cover (an aggregate
is not defined where one of its series has no value). Every node is forecast by the chosen model
(one fit workflow over the node panel: per-series isolation, the fallback), and the base
forecasts are reconciled by each method asked for (:mod:`forecast.hierarchy.reconcile`).

Intervals of the reconciled forecasts come from reconciled sample paths: each node's base
forecast as a Gaussian path per step (its mean, the standard deviation its model's 95 % band
implies), drawn independently across nodes with the run's seed, reconciled path by path, and
the reconciled paths' quantiles give every level's band. This treats the nodes' forecast errors
as independent: an approximation (aggregates' bands are too narrow when the bottom series'
errors are positively correlated), stated in the output's ``interval_method``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from forecast.errors import InputError, UsageError
from forecast.hierarchy.reconcile import method_name as name

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from forecast.backtesting.panel_backtest import PanelBacktest
    from forecast.data import Panel
    from forecast.fitting.panel import SeriesOutcome
    from forecast.hierarchy.structure import Hierarchy
    from forecast.models.base import Forecast
    from forecast.workflows.backtest import BacktestRequest
    from forecast.workflows.fit import FitRequest
    from forecast.workflows.source import Notify, SourceRequest
    from forecast.workflows.stream import PanelStream

PATHS = 1000  # sample paths per node for the reconciled intervals


@dataclass(frozen=True)
class HierarchySpec:
    """``--hierarchy`` (the columns, top level first) or ``--hierarchy-file`` (the tree, its
    levels ``level_0`` ...), ``--reconcile`` (each method, with the level a middle-out keeps),
    and the seed of the interval paths."""

    levels: tuple[str, ...]
    methods: tuple[tuple[str, str | None], ...] = (("bottom-up", None),)
    seed: int = 0
    tree: Hierarchy | None = None  # --hierarchy-file: the tree it gives
    file: str | None = None

    @property
    def needs_residuals(self) -> bool:
        """``mint-shrink`` is asked for: every node's in-sample residuals are needed."""
        return any(m == "mint-shrink" for m, _ in self.methods)

    def labels(self, model: str) -> tuple[str, ...]:
        """The output's model names: ``MODEL/METHOD`` (``ets/mint-ols``)."""
        return tuple(f"{model}/{name(m, lv)}" for m, lv in self.methods)


def spec_of(
    hierarchy: str | None, reconcile: str, seed: int | None, file: str | Path | None = None
) -> HierarchySpec:
    """``--hierarchy`` or ``--hierarchy-file`` (read here), ``--reconcile`` and ``--seed`` as a
    spec, checked."""
    if (hierarchy is None) == (file is None):
        raise UsageError(
            "give the tree once: --hierarchy COLUMNS (columns of the data) or --hierarchy-file "
            "FILE (parent,child edges), not both"
        )
    if file is None:
        assert hierarchy is not None
        levels = parse_hierarchy(hierarchy)
        return HierarchySpec(levels, parse_reconcile(reconcile, levels), seed or 0)
    tree = read_edges(str(file))
    levels = tree.level_names
    return HierarchySpec(levels, parse_reconcile(reconcile, levels), seed or 0, tree, str(file))


def read_edges(path: str) -> Hierarchy:
    """The tree of a ``--hierarchy-file``: a ``parent,child`` CSV, one row per edge
    (:func:`~forecast.hierarchy.structure.from_edges`; every id read as text)."""
    import pandas as pd

    from forecast.hierarchy.structure import from_edges

    try:
        edges = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (OSError, ValueError) as exc:
        raise InputError(f"--hierarchy-file {path}: cannot read it as CSV ({exc})") from None
    try:
        return from_edges(edges)
    except InputError as exc:
        raise InputError(f"--hierarchy-file {path}: {exc}") from None


def parse_hierarchy(text: str) -> tuple[str, ...]:
    """``region/store`` -> ``("region", "store")``."""
    levels = tuple(part.strip() for part in text.split("/") if part.strip())
    if not levels or len(set(levels)) != len(levels):
        raise UsageError(
            f"--hierarchy {text!r}: name the panel's columns from the top level down, "
            "separated by '/', each once (e.g. --hierarchy region/store)"
        )
    return levels


def parse_reconcile(text: str, levels: Sequence[str]) -> tuple[tuple[str, str | None], ...]:
    """``bottom-up,mint-ols,middle-out:region`` -> the methods, each checked."""
    from forecast.hierarchy.reconcile import METHODS

    chosen: list[tuple[str, str | None]] = []
    for item in (p.strip() for p in text.split(",") if p.strip()):
        method, _, level = item.partition(":")
        if method not in METHODS:
            raise UsageError(f"--reconcile {item}: choose from {', '.join(METHODS)}")
        if (method == "middle-out") != bool(level):
            raise UsageError(
                f"--reconcile {item}: middle-out takes the level it keeps (middle-out:LEVEL, "
                f"one of {', '.join(levels[:-1])}); the other methods take none"
            )
        if level and level not in levels[:-1]:
            raise UsageError(f"--reconcile {item}: {level} is not an upper level of {levels}")
        chosen.append((method, level or None))
    if not chosen:
        raise UsageError("--reconcile: name at least one method (e.g. bottom-up)")
    return tuple(dict.fromkeys(chosen))


@dataclass(frozen=True)
class NodePanel:
    """Every node's series (ids: the node ids) and the tree."""

    panel: Panel
    hierarchy: Hierarchy
    notes: tuple[str, ...] = ()


def node_panel(bottom: Panel, tree: pd.DataFrame, levels: Sequence[str]) -> NodePanel:
    """The panel of every node: ``bottom``'s series (ids: values of the last level) summed up
    the tree given by ``tree`` (one row per bottom series: its value in each level)."""
    from forecast.hierarchy.structure import bottom_ids, from_columns

    tree = tree[tree[levels[-1]].isin(bottom.ids)]
    hierarchy = from_columns(tree, list(levels))
    node_of = dict(zip(tree[levels[-1]], bottom_ids(tree, list(levels)), strict=True))
    return summed(bottom, hierarchy, node_of)


def file_nodes(bottom: Panel, hierarchy: Hierarchy, file: str) -> NodePanel:
    """The panel of every node of a ``--hierarchy-file`` tree, whose leaves are ``bottom``'s
    series (by id, exactly: each leaf a series, each series a leaf)."""
    leaves = hierarchy.nodes[hierarchy.bottom]
    ids = [s.id or "" for s in bottom]
    missing = sorted(set(leaves) - set(ids))
    if missing:
        raise InputError(
            f"--hierarchy-file {file}: the leaves {_some(missing)} are not series of the data; "
            "every leaf needs its series (check the ids or the file)"
        )
    extra = sorted(set(ids) - set(leaves))
    if extra:
        raise InputError(
            f"--hierarchy-file {file}: the series {_some(extra)} of the data are not leaves of "
            "the tree (the data holds the bottom series only): drop them or add them as leaves"
        )
    return summed(bottom, hierarchy, {leaf: leaf for leaf in leaves})


def _some(names: Sequence[str]) -> str:
    """``'a', 'b', 'c' and 4 more``."""
    shown = ", ".join(repr(n) for n in names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def summed(bottom: Panel, hierarchy: Hierarchy, node_of: dict[str, str]) -> NodePanel:
    """Every node's series: ``bottom``'s series (``node_of``: series id -> bottom node id)
    summed up ``hierarchy`` on the span all of them cover."""
    import pandas as pd

    from forecast.api import load

    series = {node_of[s.id or ""]: s.y for s in bottom}
    frame = pd.DataFrame({node: series[node] for node in hierarchy.nodes[hierarchy.bottom]})
    values = hierarchy.aggregate(frame.to_numpy().T)  # [n, T]: NaN where a series has none
    covered = ~np.isnan(values).any(axis=0)
    if not covered.any():
        raise InputError("the bottom series share no time: no aggregate can be formed")
    kept = frame.index[covered]
    long = pd.DataFrame(
        {
            "id": np.repeat(np.asarray(hierarchy.nodes), kept.size),
            "time": np.tile(kept, hierarchy.n_nodes),
            "value": values[:, covered].ravel(),
        }
    )
    notes: tuple[str, ...] = ()
    if not covered.all():
        notes = (f"the hierarchy's series cover {kept.size} common steps ({kept[0]:%Y-%m-%d} to "
                 f"{kept[-1]:%Y-%m-%d}); every node is fitted on that span",)  # fmt: skip
    panel = load(long, id_col="id", time_col="time", value_col="value", freq=bottom.freq,
                 allow_constant=True, min_length=2)  # fmt: skip
    return NodePanel(panel, hierarchy, notes)


def read_tree(source: str, levels: Sequence[str], encoding: str | None) -> pd.DataFrame:
    """The hierarchy columns of the data file, one row per bottom series (its value in each
    level, as text); a bottom value under two parents is refused."""
    import pandas as pd

    from forecast.data.parquet import is_parquet

    try:
        if is_parquet(source):
            import pyarrow.dataset as ds

            table = ds.dataset(source, format="parquet", partitioning="hive")
            frame = table.to_table(columns=list(levels)).to_pandas()
        else:
            frame = pd.read_csv(source, usecols=list(levels), dtype=str, encoding=encoding)
    except (ValueError, KeyError) as exc:
        raise InputError(f"--hierarchy: {source} lacks a hierarchy column ({exc})") from None
    tree = frame.astype(str).drop_duplicates()
    doubled = tree[levels[-1]][tree[levels[-1]].duplicated()]
    if not doubled.empty:
        raise InputError(
            f"--hierarchy: {levels[-1]} {doubled.iloc[0]!r} sits under two parents; the last "
            f"level must name each bottom series once (e.g. make {levels[-1]} unique)"
        )
    return tree


def load_nodes(source: SourceRequest, spec: HierarchySpec, notify: Notify) -> NodePanel:
    """The bottom series of ``source`` (named by the last level) and every node above them."""
    from forecast.workflows import source as where

    src = source if spec.tree is not None else replace(source, id_col=spec.levels[-1])
    bottom = where.load_panel(src, min_length=2, purpose="a hierarchy", notify=notify,
                              allow_constant=True)  # fmt: skip
    if bottom.failures:
        bad = ", ".join(repr(f.id) for f in bottom.failures[:3])
        raise InputError(
            f"--hierarchy: series {bad} could not be read, and every node needs all of its "
            "series; fix or drop them"
        )
    if spec.tree is not None:
        nodes = file_nodes(bottom, spec.tree, spec.file or "")
    else:
        nodes = node_panel(bottom, read_tree(src.data, spec.levels, src.encoding), spec.levels)
    for text in nodes.notes:
        notify("note", text)
    return nodes


def backtest_hierarchy(
    request: BacktestRequest, spec: HierarchySpec, notify: Notify
) -> PanelBacktest:
    """Every node backtested on the same splits, each model's forecasts reconciled at every
    origin by each method and scored as models of their own, the metrics per level
    (:mod:`forecast.backtesting.reconciled`); ``--ci``/``--compare`` on all of them."""
    from forecast.backtesting.panel_backtest import POOLED_NOTE, PanelBacktest
    from forecast.backtesting.reconciled import reconciled_backtest
    from forecast.backtesting.uncertainty import assess
    from forecast.workflows import backtest as workflow

    check_source(request.source.data, spec)
    nodes = load_nodes(request.source, spec, notify)
    plain = replace(request, ci=None, compare=None, as_panel=True)
    result = workflow.run(plain, notify, panel=nodes.panel)
    assert isinstance(result, PanelBacktest)
    residuals = None
    if spec.needs_residuals:
        from forecast.hierarchy.residuals import fold_residuals

        order = list(nodes.hierarchy.nodes)
        residuals = fold_residuals(nodes.panel, order, request.entries, request.spec)
    result, levels = reconciled_backtest(result, nodes.hierarchy, spec.methods, spec.seed,
                                         residuals)  # fmt: skip
    result = replace(result, hierarchy=levels)
    if request.ci is None and request.compare is None:
        return result
    sections = assess(result.pooled(), request.ci, request.compare, request.spec.gap, pooled=True)
    return result.assessed(sections.pooled(POOLED_NOTE))


def fit_hierarchy(request: FitRequest, spec: HierarchySpec, notify: Notify) -> PanelStream:
    """Load the bottom series, form every node, fit the request's model on each, reconcile."""
    from forecast.workflows import fit as workflow
    from forecast.workflows.stream import PanelStream

    if request.others:
        raise UsageError("--hierarchy reconciles one model's forecasts; give one --model")
    if spec.needs_residuals and request.intervals == "conformal":
        raise UsageError(
            "--reconcile mint-shrink reads every node's fitted model, which --intervals "
            "conformal does not keep for a panel; use --intervals model or another method"
        )
    nodes = load_nodes(request.source, spec, notify)
    asked = replace(request, series_outcomes=True, keep_models=spec.needs_residuals, save=None,
                    blocks=False)  # fmt: skip
    with workflow.run(asked, notify, loaded=workflow.Loaded(nodes.panel)) as result:
        assert isinstance(result, PanelStream)
        base = {o.id: o for o in result.collect()}
    failed = [o for o in base.values() if o.forecast is None]
    if failed:
        raise InputError(
            f"--hierarchy: {request.model} failed on node {failed[0].id!r} ({failed[0].error}); "
            "every node needs a forecast: pass --fallback MODEL"
        )
    label = request.label or request.model
    residuals = _fit_residuals(base, nodes) if spec.needs_residuals else None
    outcomes = reconciled(base, nodes.hierarchy, spec, label, request.levels, residuals)
    block = {"levels": list(spec.levels), "nodes": nodes.hierarchy.n_nodes,
             "reconcile": [name(*m) for m in spec.methods],
             **({"file": spec.file} if spec.file else {})}  # fmt: skip
    header = {**result.header, "hierarchy": block}
    return replace(result, outcomes=iter(outcomes), total=nodes.hierarchy.n_nodes, header=header,
                   labels=spec.labels(label), model_name=label, id_col="node", save_models=False,
                   history=nodes.panel.values_of)  # fmt: skip


def reconciled(
    base: dict[str, SeriesOutcome],
    hierarchy: Hierarchy,
    spec: HierarchySpec,
    label: str,
    levels: tuple[float, ...],
    residuals: np.ndarray | None = None,
) -> list[SeriesOutcome]:
    """Each node's outcome under each method (node after node, the methods in order), its
    forecast reconciled (means, and bands from reconciled Gaussian paths); ``residuals``:
    ``[n, T]`` every node's in-sample one-step residuals (``mint-shrink``)."""
    from forecast.hierarchy.reconcile import reconcile

    order = list(hierarchy.nodes)
    means = np.stack([base[n].forecast.mean for n in order])  # type: ignore[union-attr]
    paths = _paths(base, order, spec.seed)  # [n, H, PATHS]
    by_method = []
    for method, level in spec.methods:
        args = {"middle_level": level, "residuals": residuals}
        mean = reconcile(hierarchy, means, method, **args)  # type: ignore[arg-type]
        drawn = reconcile(hierarchy, paths, method, **args)  # type: ignore[arg-type]
        by_method.append((f"{label}/{name(method, level)}", mean, drawn))
    out = []
    for i, node in enumerate(order):
        first = base[node]
        for model, mean, drawn in by_method:
            fc = _forecast(first.forecast, mean[i], drawn[i], levels)  # type: ignore[arg-type]
            out.append(replace(first, forecast=fc, label=model, model=model, fitted=None,
                               fallback_reason=None))  # fmt: skip
    return out


def _fit_residuals(base: dict[str, SeriesOutcome], nodes: NodePanel) -> np.ndarray:
    """``[n, T]`` each node's in-sample one-step residuals from the model that forecast it (the
    fallback's where it stood in), in the hierarchy's order
    (:func:`~forecast.hierarchy.residuals.one_step_residuals`)."""
    from forecast.hierarchy.residuals import node_residuals

    order = list(nodes.hierarchy.nodes)
    models = [base[n].fitted for n in order]
    assert all(m is not None for m in models)  # kept: keep_models
    return node_residuals(models, [nodes.panel.values_of(n) for n in order])  # type: ignore[arg-type]


def _paths(base: dict[str, SeriesOutcome], order: list[str], seed: int) -> np.ndarray:
    """Gaussian paths ``[n, H, PATHS]`` of every node's base forecast (its widest band)."""
    from forecast.hierarchy.reconcile import gaussian_paths

    rng = np.random.default_rng(seed)
    out = []
    for node in order:
        fc = base[node].forecast
        assert fc is not None
        level = max(fc.levels) if fc.levels else None
        lower, upper = fc.bands[level] if level is not None else (None, None)
        out.append(gaussian_paths(fc.mean, lower, upper, level, PATHS, rng))
    return np.stack(out)


def _forecast(
    base: Forecast, mean: np.ndarray, paths: np.ndarray, levels: tuple[float, ...]
) -> Forecast:
    from forecast.hierarchy.reconcile import GAUSSIAN_PATHS, path_bands
    from forecast.models.base import Forecast

    bands = path_bands(paths, levels)
    return Forecast(base.index, np.asarray(mean, dtype=float), bands, GAUSSIAN_PATHS)


def check_source(data: str, spec: HierarchySpec | None = None) -> None:
    """A hierarchy reads its columns from a file (not stdin); a ``--hierarchy-file`` tree
    does not read the data twice."""
    if data == "-" and (spec is None or spec.tree is None):
        raise UsageError("--hierarchy reads its columns from a data file; not stdin")
