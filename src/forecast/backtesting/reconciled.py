"""A hierarchy's backtest (``backtest --hierarchy region/store --reconcile ...``): the base
forecasts of every node at every origin reconciled by each method, scored as models of their
own (``ets/mint-ols`` beside ``ets``), and the metrics averaged per level of the tree.

Every node is backtested on the same splits (the node panel covers one span, see
:mod:`forecast.workflows.hierarchy`), so that at each origin and step the nodes' base forecasts
form one vector to reconcile. The reconciled models' intervals come from reconciled Gaussian
paths (each node's base mean and the sd its widest band implies, independent across nodes: an
approximation, stated in their interval method), as ``fit --hierarchy`` makes them for a model
that does not simulate (the engine keeps no fitted model to simulate from). No
look-ahead: a method uses only the base forecasts of one origin (and the tree).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from forecast.backtesting.panel_backtest import PanelBacktest, SeriesBacktest
from forecast.backtesting.scoring import ModelForecasts, metric_rows
from forecast.errors import InputError
from forecast.hierarchy.reconcile import method_name as name
from forecast.hierarchy.structure import Hierarchy

PATHS = 200  # Gaussian paths per node, origin and step for the reconciled intervals


@dataclass(frozen=True)
class LevelMetrics:
    """The ``hierarchy`` section: the tree, the methods, and each level's mean of every
    model's overall metrics over the level's nodes."""

    levels: list[str]
    methods: list[str]
    rows: list[dict[str, Any]]  # {level, model, metric, mean, n_nodes}

    def to_dict(self) -> dict[str, Any]:
        return {"levels": self.levels, "reconcile": self.methods, "per_level": self.rows}


def reconciled_backtest(
    result: PanelBacktest,
    hierarchy: Hierarchy,
    methods: Sequence[tuple[str, str | None]],
    seed: int = 0,
    residuals: Mapping[str, Mapping[int, np.ndarray]] | None = None,
) -> tuple[PanelBacktest, LevelMetrics]:
    """``result`` (every node's backtest) with each model's reconciled twins added to every
    node, and the metrics per level. ``residuals``: ``{model: {fold: [n, T]}}`` every node's
    in-sample residuals in each fold (``mint-shrink``, :mod:`forecast.hierarchy.residuals`)."""
    scored = {s.id: s for s in result.series if s.result is not None}
    missing = [n for n in hierarchy.nodes if n not in scored]
    if missing:
        raise InputError(
            f"--hierarchy: node {missing[0]!r} could not be backtested; every node needs its "
            "forecasts to reconcile (see the warnings)"
        )
    order = list(hierarchy.nodes)
    added: dict[str, list[ModelForecasts]] = {n: [] for n in order}
    labels = []
    rng = np.random.default_rng(seed)
    for label in result.labels:
        base = [_forecasts_of(scored[n], label) for n in order]
        for method, level in methods:
            twin = f"{label}/{name(method, level)}"
            labels.append((twin, label, name(method, level)))
            fold_residuals = (residuals or {}).get(label)
            fixed = _reconcile(hierarchy, base, method, level, twin, rng, fold_residuals)
            for node, mf in zip(order, fixed, strict=True):
                added[node].append(mf)
    gap = int(result.setup.gap)
    series = [_with(scored[n], added[n], labels, gap) for n in order]
    setup = replace(result.setup, models=_entries(result.setup.models, labels))
    out = replace(result, series=series, setup=setup)
    names = [name(m, lv) for m, lv in methods]
    return out, LevelMetrics(list(hierarchy.level_names), names, _per_level(out, hierarchy))


def _forecasts_of(series: SeriesBacktest, label: str) -> ModelForecasts:
    assert series.result is not None
    for mf in series.result.forecasts:
        if mf.label == label and mf.origins.size:
            return mf
    raise InputError(
        f"--hierarchy: {label} has no forecasts on node {series.id!r}; every node needs them"
    )


def _reconcile(
    hierarchy: Hierarchy,
    base: list[ModelForecasts],
    method: str,
    level: str | None,
    label: str,
    rng: np.random.Generator,
    residuals: Mapping[int, np.ndarray] | None = None,
) -> list[ModelForecasts]:
    """One method on one model's forecasts of every node (the same origins on each)."""
    from forecast.hierarchy.reconcile import GAUSSIAN_PATHS, gaussian_paths, path_bands
    from forecast.hierarchy.reconcile import reconcile_folds as reconcile

    first = base[0]
    if any(not np.array_equal(mf.origins, first.origins) for mf in base):
        raise InputError(
            "--hierarchy: the nodes were not backtested on the same origins (a model failed in "
            "some folds of a node); reconcile needs every node at every origin"
        )
    mean = np.stack([mf.mean for mf in base])  # [n, O, h]
    args = {"middle_level": level, "residuals": residuals}
    fixed = reconcile(hierarchy, mean, first.folds, method, **args)  # type: ignore[arg-type]
    widest = max(first.bands) if first.bands else None
    if widest is None:
        bands: list[dict[float, tuple[np.ndarray, np.ndarray]]] = [{} for _ in base]
    else:
        lower = np.stack([mf.bands[widest][0] for mf in base])
        upper = np.stack([mf.bands[widest][1] for mf in base])
        paths = gaussian_paths(mean, lower, upper, widest, PATHS, rng)
        drawn = reconcile(hierarchy, paths, first.folds, method, **args)  # type: ignore[arg-type]
        bands = [path_bands(drawn[i], list(first.bands)) for i in range(len(base))]
    return [
        replace(mf, label=label, mean=fixed[i], bands=bands[i], interval_method=GAUSSIAN_PATHS)
        for i, mf in enumerate(base)
    ]


def _with(
    series: SeriesBacktest,
    added: list[ModelForecasts],
    labels: list[tuple[str, str, str]],
    gap: int,
) -> SeriesBacktest:
    """A node's backtest with the reconciled models' forecasts and metric rows."""
    result = series.result
    assert result is not None
    rows = [row for mf in added for row in metric_rows(mf, gap)]
    setup = result.setup
    scored = {t: setup.folds_scored.get(b, 0) for t, b, _ in labels}
    methods = {mf.label: mf.interval_method for mf in added}
    setup = replace(
        setup,
        models=_entries(setup.models, labels),
        folds_scored={**setup.folds_scored, **scored},
        interval_methods={**setup.interval_methods, **methods},
    )
    new = replace(result, setup=setup, forecasts=[*result.forecasts, *added],
                  metrics=[*result.metrics, *rows])  # fmt: skip
    return replace(series, result=new)


def _entries(
    models: list[dict[str, Any]], labels: list[tuple[str, str, str]]
) -> list[dict[str, Any]]:
    """The run's model entries and, for each reconciled twin, its base model's entry under the
    twin's label with the method (``reconcile``)."""
    by_label = {m["label"]: m for m in models}
    return [*models, *({**by_label[b], "label": t, "reconcile": m} for t, b, m in labels)]


def _per_level(result: PanelBacktest, hierarchy: Hierarchy) -> list[dict[str, Any]]:
    """Each level's mean of every model's overall metrics over its nodes."""
    values = {s.id: s.overall() for s in result.scored()}
    rows = []
    for k, level in enumerate(hierarchy.level_names):
        nodes = hierarchy.nodes[hierarchy.level_rows(k)]
        for model in result.labels:
            metrics = sorted({m for n in nodes for m in values[n].get(model, {})})
            for metric in metrics:
                found = [values[n][model][metric] for n in nodes if metric in values[n][model]]
                finite = [v for v in found if v is not None and np.isfinite(v)]
                rows.append({"level": level, "model": model, "metric": metric,
                             "mean": float(np.mean(finite)) if finite else None,
                             "n_nodes": len(finite)})  # fmt: skip
    return rows
