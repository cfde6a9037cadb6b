"""A panel's forecasts in long format, one row per (series, lead time): ``id, timestamp, mean,
lower_L, upper_L...``, the columns every output format writes (CSV, JSON, Parquet, the API's
frame)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from forecast.models.base import level_label

if TYPE_CHECKING:
    from forecast.fitting.panel import SeriesOutcome


def forecast_columns(levels: tuple[float, ...]) -> list[str]:
    names = ["id", "timestamp", "mean"]
    for level in levels:
        names += [f"lower_{level_label(level)}", f"upper_{level_label(level)}"]
    return names


def outcome_rows(outcome: SeriesOutcome) -> list[list[Any]]:
    if outcome.forecast is None:
        return []
    return [[outcome.id, *row] for row in outcome.forecast.rows()]


def band(outcome: SeriesOutcome, label: str) -> Any:
    """The (lower, upper) arrays of ``outcome``'s band whose level label is ``label``."""
    assert outcome.forecast is not None
    for level, pair in outcome.forecast.bands.items():
        if level_label(level) == label:
            return pair
    raise KeyError(label)
