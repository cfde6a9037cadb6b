"""What the global models (one network or booster over every series of a panel: the neural
:class:`~forecast.models.neural.global_state.GlobalState` and the trees'
:class:`~forecast.models.trees.model.TreeForecaster`) share: the per-series bookkeeping
(:class:`GlobalSeries`: positions, the series' entries in a model file, appended observations),
the pooled split-conformal half-widths and the forecasts of chosen series."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecast.data.grid import future_index
from forecast.errors import InputError, UsageError
from forecast.models.base import Forecast, _finite_values


class GlobalSeries:
    """The series of a global model: ids, grid and length of each, the provenance of its
    training data; arrays over series follow ``ids_``."""

    ids_: tuple[str, ...]
    freq_: str
    starts_: list[pd.Timestamp]
    ends_: list[pd.Timestamp]
    n_: np.ndarray  # [N] observations per series
    training_: list[dict[str, Any]]  # per series: provenance of its training data

    def position(self, sid: str) -> int:
        try:
            return self.ids_.index(sid)
        except ValueError:
            raise UsageError(f"--ids: no series {sid!r} in the global model") from None

    def series_entries(self) -> list[dict[str, Any]]:
        """The model file's ``series`` list: id, start, end, length and training record."""
        return [
            {
                "id": sid,
                "start": self.starts_[i].isoformat(),
                "end": self.ends_[i].isoformat(),
                "n": int(self.n_[i]),
                "training": self.training_[i],
            }
            for i, sid in enumerate(self.ids_)
        ]

    def restore_series(self, meta: Mapping[str, Any]) -> None:
        """The series' attributes from a model file's metadata (what :meth:`series_entries`
        wrote under ``series``, and ``freq``)."""
        entries = list(meta["series"])
        self.ids_ = tuple(str(e["id"]) for e in entries)
        self.freq_ = str(meta["freq"])
        self.starts_ = [pd.Timestamp(e["start"]) for e in entries]
        self.ends_ = [pd.Timestamp(e["end"]) for e in entries]
        self.n_ = np.array([int(e["n"]) for e in entries], dtype=np.int64)
        self.training_ = [dict(e.get("training") or {}) for e in entries]

    def appended(
        self, sid: str, y_new: pd.Series, tail: np.ndarray
    ) -> tuple[np.ndarray, pd.DatetimeIndex]:
        """The values of ``y_new`` after the end of series ``sid`` and their timestamps.
        ``tail``: the series' stored last values (NaN before its start), ending at its end;
        the values of ``y_new`` up to the end must agree with them (an InputError names the
        first that does not) and the new ones must start on the step after the end."""
        i = self.position(sid)
        index = pd.DatetimeIndex(y_new.index)
        values = _finite_values(y_new, f"update (series {sid!r})")
        end = self.ends_[i]
        old = index <= end
        if old.any():
            known = pd.date_range(end=end, periods=tail.size, freq=self.freq_)
            pos = known.get_indexer(index[old])
            inside = pos >= 0
            stored, given = tail[pos[inside]], values[old][inside]
            differs = ~np.isclose(stored, given, rtol=1e-9, atol=1e-12) & np.isfinite(stored)
            if differs.any():
                k = int(np.argmax(differs))
                raise InputError(
                    f"series {sid!r}: new data disagrees with the model's data at "
                    f"{index[old][inside][k].isoformat()} ({given[k]:g} in the data, "
                    f"{stored[k]:g} in the model); fit a new model on the corrected data"
                )
        fresh, stamps = values[~old], index[~old]
        if fresh.size:
            expected = future_index(end, self.freq_, 1)[0]
            if stamps[0] != expected:
                raise InputError(
                    f"series {sid!r}: new data must start at {expected.isoformat()}, the step "
                    f"after the model's end {end.isoformat()}; it starts at "
                    f"{stamps[0].isoformat()} (supply the missing rows)"
                )
        return fresh, stamps

    def chosen(
        self, ids: Sequence[str] | None, reach: int
    ) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The series asked for (all when ``ids`` is None; repeats dropped), their positions,
        and the positions of those with at least ``reach`` observations."""
        chosen = list(self.ids_) if ids is None else list(dict.fromkeys(ids))
        if ids is None:
            where = np.arange(len(self.ids_), dtype=np.int64)
        else:
            where = np.array([self.position(s) for s in chosen], dtype=np.int64)
        return chosen, where, where[self.n_[where] >= reach]


def pooled_widths(
    errors: np.ndarray,
    horizon: int,
    levels: tuple[float, ...],
    label: str,
    given: tuple[str, str],
    fix: str,
) -> dict[float, np.ndarray]:
    """Per level, the pooled split-conformal half-width in scaled units, ``[horizon]``, from
    the calibration ``errors`` ``[n, steps]`` (see :func:`~forecast.models.conformal.half_widths`).
    A level that needs more errors than a step has is a UsageError that names the model
    (``label``), the errors (``given``: what they are, and what gives them) and ``fix``."""
    from forecast.models.conformal import errors_needed, half_widths

    def too_few(level: float, step: int, n: int) -> str:
        return (
            f"{label}: a {level:g}% interval needs at least {errors_needed(level)} {given[0]} "
            f"errors per step; {given[1]} {n} at step {step}; {fix}"
        )

    if not levels:
        return {}
    if horizon > errors.shape[1]:
        raise UsageError(
            f"the {label}'s intervals are calibrated for "
            f"{errors.shape[1]} steps ahead, not {horizon}; ask for --horizon "
            f"{errors.shape[1]} or less, no --level, or refit with this --horizon"
        )
    return half_widths(errors[:, :horizon], levels, too_few)


def chosen_forecasts(
    chosen: list[str],
    where: np.ndarray,
    ok: np.ndarray,
    label: str,
    too_short: Callable[[str, int], str],
    forecast: Callable[[int, int], Forecast],
) -> dict[str, Forecast | str]:
    """Per chosen series (positions ``where``), in order: ``forecast(i, r)`` (series ``i``,
    row ``r`` of the forecasts of the series ``ok``), or the one-line reason it has none:
    ``too_short(sid, i)`` when it is not in ``ok``, or non-finite forecasts."""
    row = {int(i): r for r, i in enumerate(ok)}
    result: dict[str, Forecast | str] = {}
    for sid, i in zip(chosen, where, strict=True):
        if int(i) not in row:
            result[sid] = too_short(sid, int(i))
            continue
        made = forecast(int(i), row[int(i)])
        bands = made.bands.values()
        if not (np.isfinite(made.mean).all() and all(np.isfinite(b).all() for b in bands)):
            result[sid] = f"{label}: non-finite forecasts for series {sid!r}"
            continue
        result[sid] = made
    return result
