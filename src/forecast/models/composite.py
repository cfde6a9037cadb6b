"""Helpers for models built from other registered models (the ensemble, MSTL's inner model):
series rebuilt from arrays, and nested model state in one model file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecast.models.base import BaseForecaster


def series_ending(values: np.ndarray, end: pd.Timestamp, freq: str) -> pd.Series:
    """``values`` on a regular index of frequency ``freq`` whose last stamp is ``end``."""
    index = pd.date_range(end=end, periods=values.size, freq=freq)
    series = pd.Series(np.asarray(values, dtype="float64"), index=index)
    series.attrs["freq"] = freq
    return series


def series_after(values: np.ndarray, end: pd.Timestamp, freq: str) -> pd.Series:
    """``values`` on the steps right after ``end`` (new data for ``update``)."""
    index = pd.date_range(end, periods=values.size + 1, freq=freq)[1:]
    series = pd.Series(np.asarray(values, dtype="float64"), index=index)
    series.attrs["freq"] = freq
    return series


def pack(
    models: Sequence[BaseForecaster],
) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    """Each model's state: its metadata (with its registry name) and arrays prefixed ``i.``."""
    metas: list[dict[str, Any]] = []
    arrays: dict[str, np.ndarray] = {}
    for i, model in enumerate(models):
        meta, own = model.get_state()
        metas.append({"model": model.name, **meta})
        arrays |= {f"{i}.{name}": array for name, array in own.items()}
    return metas, arrays


def unpack(metas: Sequence[dict[str, Any]], arrays: dict[str, np.ndarray]) -> list[BaseForecaster]:
    """The models :func:`pack` stored; parameters pass the registry's checks, as on load."""
    from forecast.models.registry import get_spec

    models = []
    for i, meta in enumerate(metas):
        spec = get_spec(meta["model"])
        prefix = f"{i}."
        own = {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}
        state = {k: v for k, v in meta.items() if k != "model"}
        state["params"] = spec.resolve(state["params"])
        models.append(spec.factory().from_state(state, own))
    return models
