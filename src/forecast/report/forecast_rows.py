"""A panel's forecasts in long format, one row per (series, model, lead time): ``id, model,
timestamp, mean, lower_L, upper_L...``, the columns every output format writes (CSV, Parquet, the
API's frame). ``model`` is the model that made the row's forecast: the run's name for it
(``-m airline=sarima``: ``airline``), or the fallback's name where the fallback forecast the
series."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from forecast.models.base import level_label

if TYPE_CHECKING:
    from forecast.fitting.panel import SeriesOutcome


def forecast_columns(levels: tuple[float, ...]) -> list[str]:
    names = ["id", "model", "timestamp", "mean"]
    for level in levels:
        names += [f"lower_{level_label(level)}", f"upper_{level_label(level)}"]
    return names


def outcome_rows(outcome: SeriesOutcome) -> list[list[Any]]:
    if outcome.forecast is None or outcome.repeat:
        return []
    model = outcome.row_model
    return [[outcome.id, model, *row] for row in outcome.forecast.rows()]


def band(outcome: SeriesOutcome, label: str) -> Any:
    """The (lower, upper) arrays of ``outcome``'s band whose level label is ``label``."""
    assert outcome.forecast is not None
    for level, pair in outcome.forecast.bands.items():
        if level_label(level) == label:
            return pair
    raise KeyError(label)
