"""A panel's forecasts as rows, in one of two layouts (``--columns``):

- ``tidy`` (the default): one row per (series, model, lead time): ``id, model, timestamp, mean,
  lower_L, upper_L...``. ``model`` is the model that made the row's forecast: the run's name for
  it (``-m airline=sarima``: ``airline``), or the fallback's name where the fallback forecast the
  series.
- ``nixtla``: statsforecast's ``forecast`` frame, one row per (series, lead time), wide over the
  models: ``unique_id, ds, <M>, <M>-lo-80, <M>-lo-95, <M>-hi-80, <M>-hi-95, <N>, ...`` (the run's
  model names; a fallback's forecast under the name of the model it stands in for, as
  statsforecast does; a model that failed on a series: empty cells).

``--keep-names`` writes the input's own id and time column names instead of ``id``/``unique_id``
and ``timestamp``/``ds``. CSV and Parquet outputs and the API's frame use these; JSON keeps its
structure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from forecast.models.base import level_label, quantile_column

if TYPE_CHECKING:
    from forecast.fitting.batch import ForecastBlock
    from forecast.fitting.panel import SeriesOutcome

STYLES = ("tidy", "nixtla")


@dataclass(frozen=True)
class Layout:
    """How forecast rows are laid out: ``style`` (see the module doc), the id and time column
    names (None: the style's own), and the run's models (the nixtla column groups)."""

    style: str = "tidy"
    id_name: str | None = None
    time_name: str | None = None
    labels: tuple[str, ...] = ()
    probs: tuple[float, ...] = ()  # --quantiles: a column each, after the bands

    @property
    def wide(self) -> bool:
        return self.style == "nixtla"

    def names(self) -> tuple[str, str]:
        """The id and time columns."""
        default = ("unique_id", "ds") if self.wide else ("id", "timestamp")
        return (self.id_name or default[0], self.time_name or default[1])

    def columns(self, levels: tuple[float, ...]) -> list[str]:
        """Every column, in order."""
        id_name, time_name = self.names()
        if not self.wide:
            quantiles = [quantile_column(p) for p in self.probs]
            return [id_name, "model", time_name, *_tidy_values(levels), *quantiles]
        values = (c for m in self.labels for c in _wide_values(m, levels, self.probs))
        return [id_name, time_name, *values]


TIDY = Layout()


def _tidy_values(levels: tuple[float, ...]) -> list[str]:
    names = ["mean"]
    for level in levels:
        names += [f"lower_{level_label(level)}", f"upper_{level_label(level)}"]
    return names


def _wide_values(model: str, levels: tuple[float, ...], probs: tuple[float, ...]) -> list[str]:
    """statsforecast's order: the mean, every lower bound, every upper bound; then the
    quantiles (``<M>-q-0.05``)."""
    lows = [f"{model}-lo-{level_label(v)}" for v in levels]
    highs = [f"{model}-hi-{level_label(v)}" for v in levels]
    return [model, *lows, *highs, *(f"{model}-q-{p:g}" for p in probs)]


def forecast_columns(levels: tuple[float, ...], layout: Layout = TIDY) -> list[str]:
    return layout.columns(levels)


def wide_rows(
    outcomes: Sequence[SeriesOutcome], layout: Layout, levels: tuple[float, ...]
) -> list[list[Any]]:
    """One series' outcomes (one per model of the run) as nixtla rows: per lead time, the id,
    the timestamp, then each model's mean and bounds (empty where the model failed)."""
    done = [(o.asked, o.forecast) for o in outcomes if o.forecast is not None]
    if len(layout.labels) == 1:  # one model: its fallback's forecast stands in for it
        done = [(layout.labels[0], fc) for _, fc in done[:1]]
    by_label = dict(done)
    if not by_label:
        return []
    first = next(iter(by_label.values()))
    width = 1 + 2 * len(levels) + len(layout.probs)
    rows = []
    for i, stamp in enumerate(first.index):
        row: list[Any] = [outcomes[0].id, stamp.isoformat()]
        for label in layout.labels:
            fc = by_label.get(label)
            if fc is None:
                row += [math.nan] * width
                continue
            row.append(float(fc.mean[i]))
            row += [float(fc.lower(v)[i]) for v in levels]
            row += [float(fc.upper(v)[i]) for v in levels]
            row += [float(fc.quantiles[p][i]) for p in layout.probs]
        rows.append(row)
    return rows


class SeriesGroups:
    """Outcomes gathered series by series (they come in id order, a series' models together):
    :meth:`add` gives back the previous series' outcomes when a new series starts."""

    def __init__(self) -> None:
        self.pending: list[SeriesOutcome] = []

    def add(self, outcome: SeriesOutcome) -> list[SeriesOutcome]:
        done: list[SeriesOutcome] = []
        if self.pending and self.pending[0].id != outcome.id:
            done, self.pending = self.pending, []
        self.pending.append(outcome)
        return done

    def rest(self) -> list[SeriesOutcome]:
        done, self.pending = self.pending, []
        return done


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


def block_columns(
    block: ForecastBlock,
    layout: Layout,
    texts: Callable[[Sequence[str], np.ndarray], Any] | None = None,
) -> dict[str, Any]:
    """A :class:`~forecast.fitting.batch.ForecastBlock` as columns of ``layout`` (one model,
    no quantiles), one entry per row (series after series): the ids and the model as
    ``texts(names, codes)`` (default: object arrays; a sink may build its own text columns),
    the timestamps as int64 nanoseconds, the values as float64 arrays."""
    texts = texts or _object_texts
    rows, horizon = block.mean.shape
    id_name, time_name = layout.names()
    data: dict[str, Any] = {id_name: texts(block.ids, np.repeat(np.arange(rows), horizon))}
    if layout.wide:
        label = layout.labels[0] if layout.labels else block.model
        names = _wide_values(label, block.levels, ())
        values = [block.mean, *block.lower.transpose(1, 0, 2), *block.upper.transpose(1, 0, 2)]
    else:
        names = _tidy_values(block.levels)
        data["model"] = texts([block.model], np.zeros(rows * horizon, np.intp))
        pairs = zip(block.lower.transpose(1, 0, 2), block.upper.transpose(1, 0, 2), strict=True)
        values = [block.mean, *(side for pair in pairs for side in pair)]
    data[time_name] = block.stamps.reshape(-1)
    for name, value in zip(names, values, strict=True):
        data[name] = value.reshape(-1)
    return data


def _object_texts(names: Sequence[str], codes: np.ndarray) -> np.ndarray:
    """``names[codes]`` as an object array (the CSV rows' strings)."""
    return np.asarray(names, dtype=object)[codes]


def block_csv_rows(block: ForecastBlock, layout: Layout) -> Iterator[tuple[Any, ...]]:
    """The CSV rows of a block: as :func:`outcome_rows` and :func:`wide_rows` give them for
    each of its series (timestamps in ISO format, floats as Python floats)."""
    import pandas as pd

    columns = block_columns(block, layout)
    time_name = layout.names()[1]
    stamps = columns[time_name]
    distinct, inverse = np.unique(stamps, return_inverse=True)
    texts = np.array([pd.Timestamp(int(t)).isoformat() for t in distinct], dtype=object)
    columns[time_name] = texts[inverse.reshape(-1)]
    return zip(*(c.tolist() for c in columns.values()), strict=True)
