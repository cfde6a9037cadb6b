"""A panel's per-series outcomes as they finish, with what a writer needs to show them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from forecast.fitting.panel import SeriesOutcome


@dataclass
class PanelStream:
    """The outcome of `fit` or `predict` on a panel, streamed.

    Attributes
    ----------
    outcomes
        Each series' :class:`~forecast.fitting.panel.SeriesOutcome`, in id (or the model file's)
        order, computed as it is consumed (inside the workflow's ``run`` block); where the
        request asked for blocks (``FitRequest.blocks``), runs of series forecast by the
        vectorised path come as one :class:`~forecast.fitting.batch.ForecastBlock` each.
    total
        The number of series ``outcomes`` yields.
    header
        The run's provenance block (data, model, parameters, horizon, levels, config).
    levels
        The interval levels of every forecast.
    load_failures
        The series left out before fitting, as ``{"id", "stage", "error"}`` dicts; part files
        read by workers add theirs while ``outcomes`` runs.
    model_name, id_col, defaults
        What a saved panel file records (the model, the id column, predict's defaults).
    save_models
        Whether the outcomes' fitted models are to be written to one panel file (False when the
        workflow wrote its own file: a global model).
    part_size, workers
        Series per part of a partitioned output (the executor's batch) and the workers shown
        beside a progress bar (None: not a mapped run).
    time_col
        The input's time column name (``--keep-names``; None: not known).
    history
        A series' observed values by its id (``--plot``), None where this process does not
        hold them (part files read by Dask workers).
    labels
        The models of a several-model run (``fit -m ets -m theta``), in its order; each
        series' outcomes come one per model, in this order. Empty for one model.
    """

    outcomes: Iterator[SeriesOutcome]
    total: int
    header: dict[str, Any]
    levels: tuple[float, ...]
    load_failures: list[dict[str, Any]]
    model_name: str
    id_col: str | None
    defaults: dict[str, Any]
    save_models: bool = True
    part_size: int | None = None
    workers: int | None = None
    labels: tuple[str, ...] = ()
    time_col: str | None = None
    history: Callable[[str], pd.Series] | None = None

    def collect(self) -> list[SeriesOutcome]:
        """Every outcome (consumes the stream)."""
        return list(self.outcomes)
