"""Samples as windows over one series: which origins train and which validate, the scaler, the
calendar features, and the window views that batches are cut from.

A *sample* is a forecast origin t (a position in the series): its input is the window
``y[t - window + 1 .. t]`` and its targets ``y[t + 1 .. t + out]``. Samples are never
materialised as an ``(N, window)`` array: the scaled series is held once (a float32 tensor on
the training device) and a batch is gathered from ``Tensor.unfold`` (a strided view) at the
batch's origins, so memory grows with the series, not with series x window.

::

    positions   0 ...                     v0-out  ...  v0 ...                     n-1-out ... n-1
    train        [t-w+1 .. t | t+1 .. t+out]            (t + out <= v0: no target shared
    validation                                           [v-w+1 .. v | v+1 .. v+out]   with any
                                                                                validation target)

The validation tail is the last ``val_fraction`` of the origins *by time*, never shuffled
across; training origins whose targets would reach into the validation targets are dropped
(purged), so the early-stopping loss is measured on targets the weights never trained on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch

from forecast.errors import InputError, UsageError

ScalerKind = Literal["standard", "robust", "level", "auto"]
MIN_VALIDATION = 19  # the fewest validation origins: enough for a 95% split-conformal interval
MIN_TRAIN = 16  # the fewest training origins worth fitting a network on
MAX_AUTO_WINDOW = 336
DEFAULT_WINDOW = 24  # without a seasonal period
DEFAULT_HORIZON = 24


@dataclass(frozen=True)
class Scaler:
    """``(y - center) / scale``: standard (mean, standard deviation), robust (median, IQR) or
    level (mean, the geometric mean of the standard deviation and the level, the mean absolute
    value; the standard deviation alone when it is the larger, for a series around zero).

    ``level`` counts a network's errors partly relative to the series' level, as sMAPE and MAPE
    do. On M3 monthly it gave a global GRU sMAPE 15.1 and 15.9 on two samples of 100 series
    (robust: 15.6 and 16.7), but doubled the error on a panel whose seasonal amplitudes do not
    follow the level (tests/models/neural/test_global_model.py): an option, not a default
    (bench/RESULTS.md, issue 33). ``auto`` is standard here (:func:`panel_scaler`)."""

    kind: ScalerKind
    center: float
    scale: float

    @classmethod
    def fit(cls, values: np.ndarray, kind: ScalerKind) -> Scaler:
        """Statistics of ``values`` (the training values only)."""
        if kind in ("standard", "auto"):  # auto on one series: standard (see panel_scaler)
            kind = "standard"
            center, scale = float(np.mean(values)), float(np.std(values))
        elif kind == "level":
            center = float(np.mean(values))
            spread = float(np.std(values))
            scale = math.sqrt(spread * max(float(np.mean(np.abs(values))), spread))
        elif kind == "robust":
            q25, center, q75 = (float(q) for q in np.quantile(values, [0.25, 0.5, 0.75]))
            scale = q75 - q25
            if not scale > 0:  # more than half the values equal: fall back to the spread
                scale = float(np.std(values))
        else:
            raise UsageError(f"scaler must be standard, robust, level or auto, got {kind!r}")
        return cls(kind, center, scale if scale > 0 else 1.0)

    def transform(self, values: np.ndarray) -> np.ndarray:
        return (np.asarray(values, dtype="float64") - self.center) / self.scale

    def inverse(self, scaled: np.ndarray) -> np.ndarray:
        return np.asarray(scaled, dtype="float64") * self.scale + self.center

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "center": self.center, "scale": self.scale}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scaler:
        return cls(data["kind"], float(data["center"]), float(data["scale"]))


def panel_scaler(kind: ScalerKind, n_series: int) -> ScalerKind:
    """The scaler of a global model's ``n_series`` series: ``auto`` is robust on a panel of
    more than one (there a median and IQR beat the mean and standard deviation on both M3
    monthly samples of bench/RESULTS.md, issue 33: volatile series are scaled by their usual
    moves, not their outliers); on one series ``auto`` is standard, as before, so that a panel
    of one is the per-series model."""
    return "robust" if kind == "auto" and n_series > 1 else kind


@dataclass(frozen=True)
class Split:
    """Training and validation origins (sorted positions) and the origins purged between."""

    train: np.ndarray  # [n_train] int64
    validation: np.ndarray  # [n_val] int64
    purged: int


def sample_origins(n: int, window: int, out: int) -> np.ndarray:
    """Every origin of a series of ``n`` values with a full input window and full targets."""
    return np.arange(window - 1, n - out, dtype=np.int64)


def split_origins(origins: np.ndarray, out: int, val_fraction: float, model: str) -> Split:
    """The last ``val_fraction`` of ``origins`` (at least :data:`MIN_VALIDATION`) validate; the
    others train, except those whose targets ``t+1 .. t+out`` pass the first validation origin.
    """
    origins = np.asarray(origins, dtype=np.int64)
    n_val = max(math.ceil(val_fraction * origins.size), MIN_VALIDATION)
    if origins.size < n_val + MIN_TRAIN:
        raise InputError(
            f"{model}: {origins.size} training samples are too few (need {n_val + MIN_TRAIN}: "
            f"{MIN_TRAIN} to train and {n_val} to validate); use more data or a smaller "
            "--param window / horizon"
        )
    validation = origins[-n_val:]
    candidates = origins[:-n_val]
    train = candidates[candidates + out <= validation[0]]
    if train.size < MIN_TRAIN:
        raise InputError(
            f"{model}: only {train.size} samples are left to train on after the validation tail; "
            "use more data, a smaller --param val_fraction, or a smaller window / horizon"
        )
    return Split(train, validation, int(candidates.size - train.size))


def touched(origins: np.ndarray, window: int, out: int, n: int) -> np.ndarray:
    """Mask of the positions that the samples at ``origins`` read (inputs and targets)."""
    marks = np.zeros(n + 1, dtype=np.int64)
    np.add.at(marks, np.asarray(origins) - window + 1, 1)
    np.add.at(marks, np.minimum(np.asarray(origins) + out + 1, n), -1)
    return np.cumsum(marks[:n]) > 0


def auto_window(period: int | None) -> int:
    """Two seasonal periods (at least 16, at most :data:`MAX_AUTO_WINDOW`), else 24."""
    if period is None:
        return DEFAULT_WINDOW
    return int(min(max(2 * period, 16), MAX_AUTO_WINDOW))


def auto_horizon(period: int | None) -> int:
    """One seasonal period, at least 24: the longest forecast the head answers in one pass."""
    return int(max(period or 0, DEFAULT_HORIZON))


def steps_between(a: pd.Timestamp, b: pd.Timestamp, freq: str) -> int:
    """How many steps of ``freq`` lead from ``a`` to ``b`` (both on the grid; negative if b < a)."""
    offset = pd.tseries.frequencies.to_offset(freq)
    if isinstance(offset, pd.offsets.Tick):
        return int((b - a) // pd.Timedelta(offset))
    lo, hi = (a, b) if a <= b else (b, a)
    steps = len(pd.date_range(lo, hi, freq=offset)) - 1
    return steps if a <= b else -steps


def window_view(values: np.ndarray, window: int) -> np.ndarray:
    """``[n - window + 1, window]`` read-only strided view: row j is ``values[j : j + window]``."""
    from numpy.lib.stride_tricks import sliding_window_view

    return sliding_window_view(values, window)


def gather(series: torch.Tensor, origins: torch.Tensor, window: int, out: int) -> torch.Tensor:
    """Rows ``series[t - window + 1 .. t + out]`` for each origin t: ``[B, window + out]``.

    ``unfold`` is a view of ``series`` (no copy); only the indexed batch is materialised, on
    the device ``series`` lives on.
    """
    view = series.unfold(0, window + out, 1)  # [n - window - out + 1, window + out], a view
    return view[origins - (window - 1)]


def roll_out(
    step: Callable[[torch.Tensor, torch.Tensor, int], torch.Tensor],
    window: torch.Tensor,
    first: torch.Tensor,
    steps: int,
) -> torch.Tensor:
    """Forecasts ``[B, steps]`` by running the head again and again: ``step(window, first,
    produced)`` gives the next block ``[B, out]`` from a window ``[B, w]`` whose first values
    sit at positions ``first`` (``produced`` values forecast so far); the block is appended
    to the window, which keeps its last w values, until ``steps`` are produced."""
    width = window.shape[1]
    blocks: list[torch.Tensor] = []
    produced = 0
    while produced < steps:
        block = step(window, first, produced)
        blocks.append(block)
        produced += block.shape[1]
        if produced < steps:
            window = torch.cat([window, block], dim=1)[:, -width:]
            first = first + block.shape[1]
    return torch.cat(blocks, dim=1)[:, :steps]


def roll_out_chunks(
    view: np.ndarray,
    rows: np.ndarray,
    first: np.ndarray,
    steps: int,
    chunk: int,
    to_device: Callable[[torch.Tensor], torch.Tensor],
    step_for: Callable[[slice], Callable[[torch.Tensor, torch.Tensor, int], torch.Tensor]],
) -> np.ndarray:
    """:func:`roll_out` from the windows ``view[rows]`` (as float32), ``chunk`` of them per
    forward pass (memory stays flat in the number of rows): row i's window starts at ``first[i]``
    and ``step_for(part)`` is the step function of the rows ``part``. The paths
    ``[len(rows), steps]``, float64."""
    out = np.empty((rows.size, steps), dtype=np.float64)
    for lo in range(0, rows.size, chunk):
        part = slice(lo, lo + chunk)
        window = np.ascontiguousarray(view[rows[part]], dtype=np.float32)
        start = np.ascontiguousarray(first[part])
        paths = roll_out(
            step_for(part),
            to_device(torch.from_numpy(window)),
            to_device(torch.from_numpy(start)),
            steps,
        )
        out[part] = paths.double().cpu().numpy()
    return out


def feature_count(period: int | None) -> int:
    """How many features :func:`features` gives a step: 3 with a period, else 1."""
    return 3 if period else 1


def features(
    values: torch.Tensor, first: torch.Tensor, period: int | None, phase0: int
) -> torch.Tensor:
    """Network input ``[B, window, F]``: the scaled values and, with a period, the position in
    the period of each value as (sin, cos) (F = 3; F = 1 without calendar features).

    ``values`` is ``[B, window]``; ``first`` (``[B]``, int64) is the position of each row's
    first value, whose phase in the period is ``(phase0 + position) mod period``.
    """
    x = values.unsqueeze(-1)  # [B, window, 1]
    if period is None:
        return x
    steps = torch.arange(values.shape[1], device=values.device)
    phase = torch.remainder(first.unsqueeze(1) + steps + phase0, period)  # [B, window]
    angle = phase.to(values.dtype) * (2 * math.pi / period)
    return torch.cat([x, torch.sin(angle).unsqueeze(-1), torch.cos(angle).unsqueeze(-1)], dim=-1)
