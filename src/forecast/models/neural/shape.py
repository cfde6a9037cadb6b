"""The shape of a neural model's samples, chosen from the options before training: the
seasonal period, the input window, the horizon the head is trained for, the head's size and the
calendar period; for each, how it was chosen (the summary's "selection"). Shared by the
per-series and the global models."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from forecast.models.neural.options import NeuralOptions
from forecast.models.neural.windows import auto_horizon


@dataclass(frozen=True)
class Shape:
    """Window, trained horizon, head size and calendar period for one seasonal period."""

    period: int | None
    window: int
    horizon: int
    out: int  # the head's steps: the horizon (direct) or 1 (recursive)
    calendar_period: int | None  # the period of the calendar features (None: no features)
    notes: dict[str, str]  # how the period, the window and the horizon were chosen


def choose(
    options: NeuralOptions,
    period: int | None,
    period_note: str,
    cap: int | None,
    auto_window: tuple[int, str | None],
) -> Shape:
    """The shape for ``period`` (``period_note``: how it was found): the given window and
    horizon, or the automatic ones (``auto_window``: the window and, when it is not the usual
    rule, why) capped at ``cap`` for a short series."""
    notes = {"period": period_note}
    auto, rule = auto_window
    window, notes["window"] = size(options.window, auto, period, cap, "window", rule)
    horizon, notes["horizon"] = size(options.horizon, auto_horizon(period), period, cap, "horizon")
    out = horizon if options.strategy == "direct" else 1
    calendar = period if options.calendar and period else None
    return Shape(period, window, horizon, out, calendar, notes)


def choose_global(
    options: NeuralOptions,
    period: int | None,
    period_note: str,
    lengths: tuple[int, int],
    steps: int | None,
    auto_window: tuple[int, str | None],
) -> Shape:
    """The shape of a global model (one network over a panel; its training samples pool every
    series, so no series has to give many). ``lengths``: the shortest and the median series
    length. The rule that ``forecast models`` states:

    - horizon: the given one, else the fit's forecast horizon ``steps`` (one direct head, no
      roll-out), else one period, at least 24; automatic, at most a third of the median series;
    - window: the given one, else the model's automatic window (two periods, at least 16;
      24 without a period) capped at the shortest series (every series can be forecast) and
      at ``median - 2 x horizon - 2`` (at least 2: the median series keeps training samples
      before its validation tail and the targets purged in front of it).

    On M3 monthly (shortest 48, median 115, h = 18) this gives window 24 and horizon 18, where
    the per-series cap of n/6 of the shortest gave 8 and 8 (bench/RESULTS.md, issue 33)."""
    notes = {"period": period_note}
    auto, rule = auto_window
    shortest, median = lengths
    third = max(1, median // 3)
    if options.horizon is not None:
        horizon, notes["horizon"] = int(options.horizon), f"{options.horizon} (given)"
    else:
        wanted = int(steps) if steps else auto_horizon(period)
        why = "the forecast horizon" if steps else "one period, at least 24"
        horizon = min(wanted, third)
        notes["horizon"] = f"{horizon} (auto: {why} = {wanted}" + (
            f", capped at a third of the median series {median})" if wanted > third else ")"
        )
    room = max(2, min(shortest, median - 2 * horizon - 2))
    window, notes["window"] = size(options.window, auto, period, None, "window", rule)
    if options.window is None and auto > room:
        window = room
        usual = rule or (f"2 x period {period}" if period else "default without a period")
        notes["window"] = (
            f"{room} (auto: {usual} = {auto}, capped at min(shortest series {shortest}, "
            f"median {median} - 2 x horizon {horizon} - 2))"
        )
    out = horizon if options.strategy == "direct" else 1
    calendar = period if options.calendar and period else None
    return Shape(period, window, horizon, out, calendar, notes)


def size(
    given: int | None,
    auto: int,
    period: int | None,
    cap: int | None,
    what: str,
    rule: str | None = None,
) -> tuple[int, str]:
    """A window or horizon: the given value, or the automatic one capped for short series
    (``rule``: how the automatic one was chosen, when not the usual rule)."""
    if given is not None:
        return int(given), f"{given} (given)"
    usual = {
        "window": f"2 x period {period}" if period else "default without a period",
        "horizon": f"one period {period}, at least 24" if period else "default without a period",
    }
    rule = rule or usual[what]
    if cap is not None and auto > cap:
        return cap, f"{cap} (auto: {rule} = {auto}, capped at n/6 for a short series)"
    return auto, f"{auto} (auto: {rule})"


def shape_meta(model: Any) -> dict[str, Any]:
    """A fitted network's shape (``window_``, ``horizon_``, ``out_``, ``period_``,
    ``calendar_period_``, ``anchor_``) as its model file's metadata, in this order."""
    return {
        "window": model.window_,
        "horizon": model.horizon_,
        "out_steps": model.out_,
        "period": model.period_,
        "calendar_period": model.calendar_period_,
        "anchor": model.anchor_.isoformat(),
    }


def restore_shape(model: Any, meta: Mapping[str, Any]) -> None:
    """Set the shape attributes of ``model`` from what :func:`shape_meta` wrote."""
    model.window_, model.horizon_ = int(meta["window"]), int(meta["horizon"])
    model.out_ = int(meta["out_steps"])
    model.period_ = None if meta["period"] is None else int(meta["period"])
    calendar = meta["calendar_period"]
    model.calendar_period_ = None if calendar is None else int(calendar)
    model.anchor_ = pd.Timestamp(meta["anchor"])
