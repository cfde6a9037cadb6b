"""Split-conformal calibration of a global tree model from rolling origins inside the training
data (the rule of :mod:`forecast.models.conformal`, pooled over the panel).

Per series i, the calibration origins are its last ``c_i`` origins whose features read training
values and whose next value is one, with ``c_i = max(steps + ceil(need / N) - 1, n_i // 4)``
(``need``: the errors the highest level asks for, 19 for 95 %; N: the series that have origins),
at most half of its origins and at most 10,000 / N. A *twin* model with the same features,
horizon and parameters is fitted on every series' training values up to its first calibration
origin; it forecasts ``steps`` ahead from every calibration origin at fixed parameters (state
updates only, the history up to the origin), and the absolute errors whose target is a training
value, divided by the series' scale (:func:`transforms.interval_scale`), are pooled::

    series i   | twin trains here ............ t0 | t0+1 ... n-1 |
    origins                                    t0, t0+1, ..., n-2   (c_i of them)
    errors     |y[t+k] - f_t(k)| / scale_i  for t + k <= n - 1, k = 1..steps

Nothing after a series' training values is read; the pooled errors in scaled units make a
level-L half-width the ceil((n+1) L)-th smallest of the n errors at that step (Vovk et al. 2005;
Lei et al. 2018), times the series' scale.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np
import pandas as pd

from forecast.errors import InputError
from forecast.models.trees import paths
from forecast.models.trees.features import FeatureSpec
from forecast.models.trees.training import feature_ok, target_ok

CALIBRATION_MAX = 10_000  # calibration origins over the panel


class Calibrated(Protocol):
    """What the calibration reads of a global tree model
    (:class:`forecast.models.trees.model.TreeForecaster`, which calls it while it fits)."""

    features_: FeatureSpec
    iscale_: np.ndarray

    @property
    def reach(self) -> int: ...

    def twin(self) -> Calibrated: ...

    def _train(
        self, values: list[np.ndarray], masks: list[np.ndarray], calendars: list[np.ndarray]
    ) -> Any: ...

    def start_from(self, i: int, values: np.ndarray, origins: np.ndarray) -> paths.Start: ...

    def calendar_from(
        self, stamps: pd.DatetimeIndex, origins: np.ndarray, horizon: int
    ) -> np.ndarray: ...

    def predictor(self) -> paths.Predictor: ...


def calibration_origins(
    model: Calibrated, values: list[np.ndarray], masks: list[np.ndarray], steps: int, need: int
) -> list[np.ndarray]:
    """Per series, its calibration origins (sorted; empty for a series without any)."""
    candidates = [
        np.flatnonzero(feature_ok(m, model.reach, model.features_.expanding) & target_ok(m, 1))
        for m in masks
    ]
    having = max(1, sum(1 for c in candidates if c.size >= 2))
    cap = max(CALIBRATION_MAX // having, steps)
    chosen = []
    for y, origins in zip(values, candidates, strict=True):
        want = max(steps + math.ceil(need / having) - 1, y.size // 4)
        count = min(want, cap, origins.size // 2)
        chosen.append(origins[origins.size - count :] if count > 0 else origins[:0])
    return chosen


def calibration_errors(
    model: Calibrated,
    values: list[np.ndarray],
    masks: list[np.ndarray],
    stamps: list[pd.DatetimeIndex],
    calendars: list[np.ndarray],
    steps: int,
    need: int,
) -> np.ndarray:
    """The pooled scaled absolute errors ``[origins, steps]`` (NaN where the target is not a
    training value); no rows when the data are too short for a twin model. ``stamps`` and
    ``calendars``: each series' timestamps and their calendar fields."""
    chosen = calibration_origins(model, values, masks, steps, need)
    twin_masks = [
        m & (np.arange(m.size) <= o[0]) if o.size else np.zeros(m.size, dtype=bool)
        for m, o in zip(masks, chosen, strict=True)
    ]
    twin = model.twin()
    try:
        twin._train(values, twin_masks, calendars)
    except InputError:
        return np.zeros((0, steps))
    having = [i for i, o in enumerate(chosen) if o.size]
    if not having:
        return np.zeros((0, steps))
    starts = [twin.start_from(i, values[i], chosen[i]) for i in having]
    calendar = np.concatenate([twin.calendar_from(stamps[i], chosen[i], steps) for i in having])
    mean, _ = paths.forecast(twin.predictor(), paths.concat(starts), calendar, steps, [])
    errors = []
    row = 0
    ahead = np.arange(1, steps + 1)
    for i in having:
        origins, y, mask = chosen[i], values[i], masks[i]
        targets = origins[:, None] + ahead[None, :]  # [c, steps]
        inside = targets < y.size
        inside[inside] &= mask[targets[inside]]
        actual = np.where(inside, y[np.minimum(targets, y.size - 1)], np.nan)
        forecast = mean[row : row + origins.size]
        errors.append(np.abs(actual - forecast) / model.iscale_[i])
        row += origins.size
    return np.concatenate(errors)
