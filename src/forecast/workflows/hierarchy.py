"""`fit --hierarchy region/store --reconcile METHOD` (or `--hierarchy-file EDGES`): coherent
forecasts of a hierarchy.

The panel's bottom series are named by the last hierarchy column (``store``: each store belongs
to one region); the columns above it place each series in the tree
(:mod:`forecast.hierarchy.structure`: nodes ``total``, ``region=N``, ``region=N/store=7``).
With ``--hierarchy-file`` the tree is a ``parent,child`` CSV whose leaves are the panel's series
(by id; node ids are the file's). Every node's series is the sum of its bottom series, on the
span all of them cover (an aggregate is not defined where one of its series has no value).
Every node is forecast by the chosen model (one fit workflow over the node panel: per-series
isolation, the fallback), and the base forecasts are reconciled by each method asked for
(:mod:`forecast.hierarchy.reconcile`; ``mint-shrink`` with the nodes' in-sample one-step
residuals, :mod:`forecast.hierarchy.residuals`).

Intervals (and ``--quantiles``, ``--samples``) of the reconciled forecasts come from reconciled
sample paths: each node's model's own simulated paths, or Gaussian paths from its band where it
does not simulate (:mod:`forecast.hierarchy.paths`), drawn independently across nodes, seeded,
reconciled path by path; the reconciled paths' quantiles give every level's band. Independence
across nodes is an approximation (aggregates' bands are too narrow when the bottom series'
errors are positively correlated), stated in the run's ``hierarchy.interval_method``.
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

    from forecast.data import from_table
    from forecast.data.table import frame_table

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
    table = frame_table(long, id_col="id", time_col="time", value_col="value")
    panel = from_table(table, freq=bottom.freq, allow_constant=True, min_length=2)
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
    if spec.needs_residuals:
        from forecast.hierarchy.residuals import check_per_node

        check_per_node([(e.label, e.name, e.params) for e in request.entries])
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
    if spec.needs_residuals:
        from forecast.hierarchy.residuals import check_per_node

        check_per_node(request.models)
    nodes = load_nodes(request.source, spec, notify)
    keep = request.intervals != "conformal"  # the models: residuals and their own paths
    asked = replace(request, series_outcomes=True, keep_models=keep, save=None, blocks=False)
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
    outcomes, how = reconciled(base, nodes.hierarchy, spec, label, request, residuals)
    block = {"levels": list(spec.levels), "nodes": nodes.hierarchy.n_nodes,
             "reconcile": [name(*m) for m in spec.methods], "interval_method": how,
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
    request: FitRequest,
    residuals: np.ndarray | None = None,
) -> tuple[list[SeriesOutcome], str]:
    """Each node's outcome under each method (node after node, the methods in order), its
    forecast reconciled: the means, and the bands (the ``--quantiles``, the ``--samples``) from
    the reconciled paths of :func:`~forecast.hierarchy.paths.node_paths`; ``residuals``:
    ``[n, T]`` every node's in-sample one-step residuals (``mint-shrink``). Also how the paths
    were drawn."""
    from forecast.fitting.series import Draws
    from forecast.hierarchy.paths import node_paths
    from forecast.hierarchy.reconcile import reconcile

    order = list(hierarchy.nodes)
    forecasts = [base[n].forecast for n in order]
    means = np.stack([fc.mean for fc in forecasts])  # type: ignore[union-attr]
    seeds = [Draws(seed=spec.seed).series_seed(n) for n in order]
    models = [base[n].fitted for n in order]
    rng = np.random.default_rng(spec.seed)
    count = request.draws.samples or PATHS
    paths, how = node_paths(forecasts, models, seeds, count, rng)  # type: ignore[arg-type]
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
            fc = _forecast(first.forecast, mean[i], drawn[i], how, request)  # type: ignore[arg-type]
            out.append(replace(first, forecast=fc, label=model, model=model, fitted=None,
                               fallback_reason=None))  # fmt: skip
    return out, how


def _fit_residuals(base: dict[str, SeriesOutcome], nodes: NodePanel) -> np.ndarray:
    """``[n, T]`` each node's in-sample one-step residuals from the model that forecast it (the
    fallback's where it stood in), in the hierarchy's order
    (:func:`~forecast.hierarchy.residuals.one_step_residuals`)."""
    from forecast.hierarchy.residuals import node_residuals

    order = list(nodes.hierarchy.nodes)
    models = [base[n].fitted for n in order]
    if any(m is None for m in models):  # one model across the nodes keeps none per node
        asked = base[order[0]].asked
        what, fix = f"{asked} is", "pass --param global=false"
        if asked == "ensemble":  # its neural member is one network across the nodes
            what, fix = "the ensemble's neural member is", "drop it from members"
        raise UsageError(
            f"--reconcile mint-shrink: {what} one model for every node, which keeps no "
            f"per-node fit to take residuals from; {fix} or use another method"
        )
    return node_residuals(models, [nodes.panel.values_of(n) for n in order])  # type: ignore[arg-type]


def _forecast(
    base: Forecast, mean: np.ndarray, paths: np.ndarray, how: str, request: FitRequest
) -> Forecast:
    """A node's reconciled forecast: ``mean``, and from its reconciled ``paths`` ``[H, M]``
    the bands, the ``--quantiles`` and (``--samples``) the paths themselves."""
    from forecast.hierarchy.reconcile import path_bands
    from forecast.models.base import Forecast

    bands = path_bands(paths, request.levels)
    probs = request.draws.probs
    quantiles = {p: np.quantile(paths, p, axis=-1) for p in probs}
    kept = paths.T.copy() if request.draws.samples else None
    return Forecast(base.index, np.asarray(mean, dtype=float), bands, how, quantiles,
                    how if probs else "", kept, how if kept is not None else "")  # fmt: skip


def check_source(data: str, spec: HierarchySpec | None = None) -> None:
    """A hierarchy reads its columns from a file (not stdin); a ``--hierarchy-file`` tree
    does not read the data twice."""
    if data == "-" and (spec is None or spec.tree is None):
        raise UsageError("--hierarchy reads its columns from a data file; not stdin")
