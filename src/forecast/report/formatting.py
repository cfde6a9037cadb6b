"""Number formatting shared by tables and reports."""

from __future__ import annotations

import math


def num(value: float | None, digits: int = 4) -> str:
    """A float in `digits` significant digits; missing values as an en dash."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:.{digits}g}"


def pvalue(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"
