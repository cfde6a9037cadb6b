"""A backtest's scored forecasts in statsforecast's ``cross_validation`` shape
(``backtest --forecasts FILE.csv --columns nixtla``): one row per (series, cutoff, target),
``unique_id, ds, cutoff, y``, then per model its mean and bounds, ``<M>, <M>-lo-80, <M>-lo-95,
<M>-hi-80, <M>-hi-95`` (statsforecast's order). ``cutoff`` is the forecast origin (the last
training timestamp), ``ds`` the target, ``y`` the actual. One series (no id column) gets an
empty ``unique_id``. A model that was not scored at a (cutoff, target): empty cells."""

from __future__ import annotations

import math
from typing import Any


def cross_validation_rows(
    header: list[str], rows: list[list[Any]]
) -> tuple[list[str], list[list[Any]]]:
    """The tidy ``--forecasts`` rows (``[id,] model, fold, origin, target, step, actual, mean,
    lower_L, upper_L...``) pivoted wide over the models."""
    position = {name: i for i, name in enumerate(header)}
    bounds = [c.removeprefix("lower_") for c in header if c.startswith("lower_")]
    models = list(dict.fromkeys(r[position["model"]] for r in rows))
    value_names = ["mean", *(f"lower_{b}" for b in bounds), *(f"upper_{b}" for b in bounds)]
    keyed: dict[tuple[Any, Any, Any], dict[str, Any]] = {}
    for r in rows:
        sid = r[position["id"]] if "id" in position else ""
        key = (sid, r[position["origin"]], r[position["target"]])
        entry = keyed.setdefault(key, {"y": r[position["actual"]]})
        entry[r[position["model"]]] = [r[position[n]] for n in value_names]
    width = len(value_names)
    out = []
    for (sid, origin, target), entry in keyed.items():
        row = [sid, target, origin, entry["y"]]
        for model in models:
            row += entry.get(model, [math.nan] * width)
        out.append(row)
    names = ["unique_id", "ds", "cutoff", "y"]
    for model in models:
        names += [model, *(f"{model}-lo-{b}" for b in bounds), *(f"{model}-hi-{b}" for b in bounds)]
    return names, out
