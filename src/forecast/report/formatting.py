"""Number formatting shared by tables and reports."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def num(value: float | None, digits: int = 4) -> str:
    """A float in `digits` significant digits; missing values as an en dash."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:.{digits}g}"


def pvalue(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def interval_rows(intervals: Sequence[Any], metrics: Sequence[str]) -> list[list[str]]:
    """Per model of the metric ``intervals`` (``MetricInterval`` rows; models in the order they
    first appear): its name, then per metric "estimate [lower, upper]" (empty where none)."""
    rows = []
    for model in dict.fromkeys(r.model for r in intervals):
        cells = {r.metric: r.interval for r in intervals if r.model == model}
        rows.append(
            [
                model,
                *(
                    f"{num(c.estimate, 4)} [{num(c.lower, 4)}, {num(c.upper, 4)}]"
                    if (c := cells.get(m))
                    else ""
                    for m in metrics
                ),
            ]
        )
    return rows
