"""Forecasts of a fitted global network (:class:`GlobalForecasting`): the forward passes over
many windows at once, the pooled split-conformal intervals, forecasts of any subset of the
series, forecasts from many origins (backtests) and appended observations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecast.models.base import Bands, Forecast, ForecastBatch, origin_values
from forecast.models.global_series import chosen_forecasts, pooled_widths
from forecast.models.neural.global_state import GlobalState
from forecast.models.neural.log_transform import band, from_model_units, to_model_units
from forecast.models.neural.quantile_head import METHOD as HEAD
from forecast.models.neural.windows import (
    features,
    roll_out_chunks,
    steps_between,
    window_view,
)

INFERENCE_ROWS = 4096  # windows per forward pass when forecasting
CONFORMAL = (
    "split-conformal, pooled over series: forecast -/+ scale x the ceil((n+1)*level)-th smallest "
    "absolute scaled error at that step ahead over the n validation-tail origins of all series "
    "(on the logarithms of a series modelled on them, the bounds then exponentiated)"
)


class GlobalForecasting(GlobalState):
    """Forecasts, intervals and updates of a fitted global network."""

    def _paths(
        self, view: np.ndarray, rows: np.ndarray, phase: np.ndarray, sid: np.ndarray, steps: int
    ) -> np.ndarray:
        """Scaled forecasts ``[len(rows), steps]`` from the windows ``view[rows]`` (float32) whose
        first values have phase ``phase``, of series ``sid``: the head's block is appended to the
        window and the network runs again until ``steps`` are produced."""
        import torch

        from forecast.models.neural import device as dev
        from forecast.threads import torch_threads

        choice = self.inference_device()
        embed = bool(self.series_embedding)

        def step_for(part: slice) -> Any:
            ids = dev.to_device(torch.from_numpy(np.ascontiguousarray(sid[part])), choice)

            def step(w: Any, pos: Any, produced: int) -> Any:
                x = features(w, pos, self.calendar_period_, 0)  # [b, w, F]
                return self.net_(x, ids) if embed else self.net_(x)  # [b, out]

            return step

        with torch_threads(), torch.no_grad():
            return roll_out_chunks(
                view,
                rows,
                phase,
                steps,
                INFERENCE_ROWS,
                lambda t: dev.to_device(t, choice),
                step_for,
            )

    def _head_values(
        self, view: np.ndarray, rows: np.ndarray, phase: np.ndarray, sid: np.ndarray
    ) -> np.ndarray:
        """A quantile head's outputs ``[len(rows), out, P]`` (scaled) from the windows
        ``view[rows]`` whose first values have phase ``phase``, of series ``sid``."""
        import torch

        from forecast.models.neural import device as dev
        from forecast.models.neural.quantile_head import quantile_outputs
        from forecast.threads import torch_threads

        choice = self.inference_device()
        embed, parts = bool(self.series_embedding), []
        with torch_threads(), torch.no_grad():
            for lo in range(0, rows.size, INFERENCE_ROWS):
                part = slice(lo, lo + INFERENCE_ROWS)
                window = np.ascontiguousarray(view[rows[part]], dtype=np.float32)
                w = dev.to_device(torch.from_numpy(window), choice)
                pos = dev.to_device(torch.from_numpy(np.ascontiguousarray(phase[part])), choice)
                x = features(w, pos, self.calendar_period_, 0)
                ids = dev.to_device(torch.from_numpy(np.ascontiguousarray(sid[part])), choice)
                out = (
                    quantile_outputs(self.net_, x, ids) if embed else quantile_outputs(self.net_, x)
                )
                parts.append(out.double().cpu().numpy())
        return np.concatenate(parts) if parts else np.zeros((0, self.out_, 0))

    def _head_bands(
        self,
        view: np.ndarray,
        rows: np.ndarray,
        phase: np.ndarray,
        sid: np.ndarray,
        steps: int,
        levels: tuple[float, ...],
    ) -> Bands:
        """The quantile head's bands in the data's units (each series' scaler), each
        ``[len(rows), steps]`` (:func:`intervals.head_bands`)."""
        from forecast.models.neural.intervals import head_bands

        if not levels:
            return {}
        values = self._head_values(view, rows, phase, sid)
        values = values * self.scales_[sid, None, None] + self.centers_[sid, None, None]
        logs = self.logs_[sid]
        values[logs] = np.exp(values[logs])
        probs = tuple(self.arch_["quantiles"])
        return head_bands(f"global {self.model}", probs, values, steps, levels)

    def inference_device(self) -> Any:
        """Where forecasts run: the ``device`` parameter when available, else the CPU."""
        from forecast.models.neural import device as dev

        if getattr(self, "_device", None) is None:
            self._device = dev.resolve(self.params["device"], strict=False)
            self.net_ = self.net_.to(self._device.device).eval()
        return self._device

    def use_device(self, device: str) -> None:
        """Forecast on ``device`` from now on (a UsageError when it is not available)."""
        from forecast.models.neural import device as dev

        dev.resolve(device, strict=True)
        self.params = {**self.params, "device": device}
        self._device = None

    def predict(
        self, horizon: int, levels: Sequence[float] = (), ids: Sequence[str] | None = None
    ) -> dict[str, Forecast | str]:
        """Forecasts of ``ids`` (all when None), in that order: a :class:`Forecast`, or the
        one-line reason a series cannot be forecast (shorter than the window)."""
        from forecast.data import future_index
        from forecast.models.base import check_horizon, check_levels

        horizon, levels = check_horizon(horizon), check_levels(levels)
        chosen, where, ok = self.chosen(ids, self.window_)
        view = ((self.last_[ok] - self.centers_[ok, None]) / self.scales_[ok, None]).astype(
            np.float32
        )
        phase = self.phase_[ok] + self.n_[ok] - self.window_
        paths = self._paths(view, np.arange(ok.size), phase, ok, horizon) if ok.size else None
        head = bool(self.arch_.get("quantiles"))
        widths = {} if head else self._widths(horizon, levels)
        rows = np.arange(ok.size)
        quantile_bands = self._head_bands(view, rows, phase, ok, horizon, levels) if head else {}
        method = HEAD if head else CONFORMAL

        def too_short(sid: str, i: int) -> str:
            return (
                f"global {self.model} forecasts from the last {self.window_} observations; "
                f"series {sid!r} has {int(self.n_[i])}; fit it with --param global=false "
                "or a --fallback model"
            )

        def forecast(i: int, r: int) -> Forecast:
            assert paths is not None
            scale, center, log = self.scales_[i], self.centers_[i], bool(self.logs_[i])
            work = paths[r] * scale + center
            bands: Bands = {lv: band(work, q * scale, log) for lv, q in widths.items()}
            bands.update({lv: (lo[r], hi[r]) for lv, (lo, hi) in quantile_bands.items()})
            mean = from_model_units(work, log)
            index = future_index(self.ends_[i], self.freq_, horizon)
            return Forecast(index, mean, bands, method)

        label = f"global {self.model}"
        return chosen_forecasts(chosen, where, ok, label, too_short, forecast)

    def _widths(self, horizon: int, levels: tuple[float, ...]) -> dict[float, np.ndarray]:
        """Per level, the pooled split-conformal half-width in scaled units, ``[horizon]``."""
        return pooled_widths(
            self.errors_, horizon, levels, f"global {self.model}",
            ("validation", "the panel gives"),
            "ask for a lower --level or refit with a larger --param val_fraction",
        )  # fmt: skip

    def forecast_from(
        self,
        sid: str,
        history: pd.Series,
        origins: Sequence[int] | np.ndarray,
        horizon: int,
        levels: Sequence[float] = (),
    ) -> ForecastBatch:
        """Forecasts of series ``sid`` from each origin (a position in ``history``, which
        starts on the series' grid) with the fitted weights and the series' scaler: one batched
        forward pass over the windows ending at the origins (backtests)."""
        from forecast.models.base import check_levels

        i = self.position(sid)
        levels = check_levels(levels)
        positions, values = origin_values(
            history, origins, self.window_ - 1, f"global {self.model}",
            f"a full window of {self.window_} before each",
        )  # fmt: skip
        scale, center, log = self.scales_[i], self.centers_[i], bool(self.logs_[i])
        values = to_model_units(values, log, f"global {self.model} (series {sid!r})")
        view = window_view(((values - center) / scale).astype(np.float32), self.window_)
        rows = positions - (self.window_ - 1)
        phase0 = int(self._phases([pd.Timestamp(history.index[0])])[0])
        sids = np.full(rows.size, i, dtype=np.int64)
        work = self._paths(view, rows, phase0 + rows, sids, horizon) * scale + center
        mean = from_model_units(work, log)
        if self.arch_.get("quantiles"):
            bands = self._head_bands(view, rows, phase0 + rows, sids, horizon, levels)
            return ForecastBatch(positions, mean, bands, HEAD)
        widths = self._widths(horizon, levels)
        return ForecastBatch(
            positions,
            mean,
            {lv: band(work, q * scale, log) for lv, q in widths.items()},
            CONFORMAL,
        )

    def update(self, sid: str, y_new: pd.Series) -> int:
        """Append the observations of series ``sid`` that follow its end (same weights); returns
        how many were appended. Overlapping values must agree with the last window."""
        i = self.position(sid)
        log = bool(self.logs_[i])
        fresh, stamps = self.appended(sid, y_new, from_model_units(self.last_[i], log))
        if fresh.size == 0:
            return 0
        fresh = to_model_units(fresh, log, f"global {self.model} update (series {sid!r})")
        self.last_[i] = np.concatenate([self.last_[i], fresh])[-self.window_ :]
        self.n_[i] += fresh.size
        self.ends_[i] = pd.Timestamp(stamps[-1])
        return int(fresh.size)

    def _phases(self, stamps: Sequence[pd.Timestamp]) -> np.ndarray:
        """Phase in the calendar period of each timestamp (zeros without calendar features)."""
        period = self.calendar_period_
        if period is None:
            return np.zeros(len(stamps), dtype=np.int64)
        offset = pd.tseries.frequencies.to_offset(self.freq_)
        if isinstance(offset, pd.offsets.Tick):
            delta = pd.DatetimeIndex(list(stamps)) - self.anchor_
            steps = np.asarray(delta // pd.Timedelta(offset), dtype=np.int64)
        else:
            steps = np.array([steps_between(self.anchor_, s, self.freq_) for s in stamps])
        return np.remainder(steps, period).astype(np.int64)
