"""Global neural models: one network trained on windows drawn from every series of a panel.

``forecast fit PANEL --model rnn|lstm|gru|transformer`` trains one network for the whole panel
(``--param global=true``, the default on a panel of more than one series; ``global=false`` fits
one network per series as before). What a fit does, each step on the training data only:

1. Shape: the seasonal period is the ``period`` parameter or is detected on the longest series;
   window and horizon follow from it as for one series, capped at n/6 of the *shortest* series
   when automatic. A series of one panel is a panel of one: it gets exactly the per-series
   model's window, horizon, samples, scaler and (without an embedding) weights.
2. The window index: the series' values are concatenated (series after series, ``bounds``) and
   a sample is a position in that array: series i's origin t is ``bounds[i] + t``. Every origin
   has a full window and full targets inside its own series, so no window crosses two series.
   Each series' last ``val_fraction`` of origins (by its own time, at least 19 where the series
   has them; a short series gives what it has, at least one) validate, and its training
   origins whose targets reach its first validation target are purged, so a series' training
   span ends at its own cut and no series' validation targets are trained on. Early stopping
   watches the loss over all the validation tails.

   ::

       values   | series 0 ...... cut0 | val0 | series 1 ........ cut1 | val1 | series 2 ...
       origins    train train ...        v v v   train train ...          v v v

3. Scaling: each series by its own scaler (standard or robust), fitted on the values its own
   samples read. The scaled values are held once as a float32 tensor on the training device;
   a batch is an index tensor of origins, its windows are rows of ``Tensor.unfold`` (a view),
   its series are found by ``searchsorted`` on ``bounds``: memory is O(total points), not
   O(samples x window), and batches are cut on the device. Shuffled batches mix series.
4. ``series_embedding=d`` (0 = off) appends a learned vector of d values per series to every
   step's inputs (:class:`heads.EmbeddedNet`).
5. Intervals: split-conformal as for one series, with the absolute errors of every series'
   validation-tail forecasts pooled in each series' scaled units (a series' interval is its
   scale times the pooled quantile). Calibrated up to ``max(horizon, fit --horizon)`` steps.

The fitted model holds, per series, its scaler, start, end, length and last window: one model
file (JSON metadata + safetensors arrays) for the network and every series. ``predict`` forecasts
any subset of the series; ``update`` appends a series' new observations (the weights are fixed).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self, cast

import numpy as np
import pandas as pd

from forecast.errors import InputError, UsageError
from forecast.models.base import (
    Bands,
    Forecast,
    ForecastBatch,
    ModelSummary,
    _finite_values,
    series_freq,
)
from forecast.models.neural.architectures import KINDS, describe
from forecast.models.neural.global_options import (  # noqa: F401  (re-exported)
    GLOBAL_MODELS,
    GlobalOptions,
    split_options,
)
from forecast.models.neural.windows import (
    MIN_TRAIN,
    MIN_VALIDATION,
    Scaler,
    ScalerKind,
    auto_horizon,
    feature_count,
    features,
    roll_out,
    sample_origins,
    split_origins,
    steps_between,
    touched,
    window_view,
)

CALIBRATION_MAX = 10_000  # calibration origins over the panel (per series: this / N, at least 1)
INFERENCE_ROWS = 4096  # windows per forward pass when forecasting
CONFORMAL = (
    "split-conformal, pooled over series: forecast -/+ scale x the ceil((n+1)*level)-th smallest "
    "absolute scaled error at that step ahead over the n validation-tail origins of all series"
)


# --- the window index -----------------------------------------------------------------------


@dataclass(frozen=True)
class PanelSplit:
    """Training and validation origins as positions in the concatenated values."""

    bounds: np.ndarray  # [N + 1] int64: series i is values[bounds[i]:bounds[i + 1]]
    train: np.ndarray  # [n_train] int64, sorted
    validation: np.ndarray  # [n_val] int64, sorted
    purged: int
    first_validation: np.ndarray  # [N] local origin of each series' first validation sample, -1
    samples: np.ndarray  # [N] training + validation origins per series


def panel_split(
    lengths: Sequence[int] | np.ndarray, window: int, out: int, val_fraction: float, model: str
) -> PanelSplit:
    """Per series, the rule of :func:`windows.split_origins` on its own origins; a series too
    short for it (on its own it would be refused) validates its last
    ``ceil(val_fraction * origins)`` (at least one) and trains on the purged rest; a series
    without a full window and targets gives no samples."""
    lengths = np.asarray(lengths, dtype=np.int64)
    bounds = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    train, validation = [], []
    purged = 0
    first_val = np.full(lengths.size, -1, dtype=np.int64)
    samples = np.zeros(lengths.size, dtype=np.int64)
    for i, n in enumerate(lengths):
        origins = sample_origins(int(n), window, out)
        if origins.size < 2:
            continue
        n_val = max(math.ceil(val_fraction * origins.size), MIN_VALIDATION)
        split = None
        if origins.size >= n_val + MIN_TRAIN:
            with contextlib.suppress(InputError):  # too few left after the purge: as short
                split = split_origins(origins, out, val_fraction, model)
        if split is not None:
            tr, va, p = split.train, split.validation, split.purged
        else:
            n_val = max(math.ceil(val_fraction * origins.size), 1)
            va, candidates = origins[-n_val:], origins[:-n_val]
            tr = candidates[candidates + out <= va[0]]
            p = int(candidates.size - tr.size)
        train.append(tr + bounds[i])
        validation.append(va + bounds[i])
        purged += p
        first_val[i] = va[0]
        samples[i] = tr.size + va.size
    tr_all = np.concatenate(train) if train else np.zeros(0, np.int64)
    va_all = np.concatenate(validation) if validation else np.zeros(0, np.int64)
    if tr_all.size < MIN_TRAIN or va_all.size < 1:
        raise InputError(
            f"{model}: the panel gives {tr_all.size} training samples (need {MIN_TRAIN}) and "
            f"{va_all.size} validation samples (need 1) with window {window} and {out} targets; "
            "use longer series or a smaller --param window / horizon"
        )
    return PanelSplit(bounds, tr_all, va_all, purged, first_val, samples)


# --- the model ------------------------------------------------------------------------------


class GlobalForecaster:
    """One network (rnn, lstm, gru or transformer) for every series of a panel.

    ``params`` are the per-series model's parameters (the registry's checks apply); the fitted
    state ends in ``_``; arrays over series follow ``ids_``.
    """

    def __init__(
        self,
        model: str,
        params: Mapping[str, Any] | None = None,
        series_embedding: int = 0,
        deterministic: bool = False,
    ) -> None:
        from forecast.models.registry import get_spec

        if model not in GLOBAL_MODELS:
            raise UsageError(f"a global model is one of {', '.join(GLOBAL_MODELS)}, got {model!r}")
        self.model = model
        self.params = get_spec(model).resolve(params or {})
        self.series_embedding = int(series_embedding)
        self.deterministic = bool(deterministic)

    # fitted state
    ids_: tuple[str, ...]
    freq_: str
    starts_: list[pd.Timestamp]
    ends_: list[pd.Timestamp]
    n_: np.ndarray  # [N] observations per series
    phase_: np.ndarray  # [N] phase of each series' first observation in the calendar period
    centers_: np.ndarray  # [N]
    scales_: np.ndarray  # [N]
    last_: np.ndarray  # [N, window] each series' last window (NaN before a short series' start)
    window_: int
    horizon_: int
    out_: int
    period_: int | None
    calendar_period_: int | None
    anchor_: pd.Timestamp
    arch_: dict[str, Any]
    errors_: np.ndarray  # [n_cal, K] pooled absolute scaled calibration errors (NaN: no target)
    info_: dict[str, Any]
    net_: Any  # torch.nn.Module
    _device: Any = None  # device.DeviceChoice where forecasts run, resolved on first use
    training_: list[dict[str, Any]]  # per series: provenance of its training data

    # --- fitting ------------------------------------------------------------------------------

    def fit(
        self,
        series: Sequence[tuple[str, pd.Series]],
        calibrate_steps: int | None = None,
        training: Sequence[dict[str, Any]] | None = None,
    ) -> Self:
        """Train on every ``(id, y)``; intervals calibrated up to ``calibrate_steps`` (at least
        the trained horizon)."""
        import torch

        from forecast.diagnostics.seasonality import resolve_period
        from forecast.models.neural import device as dev
        from forecast.models.neural import networks, trainer
        from forecast.models.neural.forecaster import _size
        from forecast.models.registry import get_spec
        from forecast.threads import torch_threads

        if not series:
            raise UsageError("a global model needs at least one series")
        p = self.params
        name = self.model
        ids = tuple(str(sid) for sid, _ in series)
        if len(set(ids)) != len(ids):
            raise UsageError("a global model needs distinct series ids")
        values = [_finite_values(y, f"fit (series {sid!r})") for sid, y in series]
        freq = series_freq(series[0][1])
        lengths = np.array([v.size for v in values], dtype=np.int64)
        if p["strategy"] not in ("direct", "recursive"):
            raise UsageError(f"{name}: strategy must be direct or recursive")
        if not 0 < p["val_fraction"] < 0.5:
            raise UsageError(
                f"{name}: parameter val_fraction={p['val_fraction']:g} must be above 0 and "
                "below 0.5"
            )
        longest = values[int(np.argmax(lengths))]
        period, source = resolve_period(p["period"], longest, freq)
        cap = max(2, int(lengths.min()) // 6)
        notes = {"period": f"{period} ({source}, longest series)" if period else "none detected"}
        proto: Any = get_spec(name).create(p)
        auto, rule = proto._auto_window(period)
        window, notes["window"] = _size(p["window"], auto, period, cap, "window", rule)
        horizon, notes["horizon"] = _size(
            p["horizon"], auto_horizon(period), period, cap, "horizon"
        )
        out = horizon if p["strategy"] == "direct" else 1
        calendar = period if p["calendar"] and period else None
        split = panel_split(lengths, window, out, p["val_fraction"], name)
        bounds = split.bounds

        kind = cast(ScalerKind, p["scaler"])
        centers = np.empty(len(ids))
        scales = np.empty(len(ids))
        for i, y in enumerate(values):
            lo, hi = bounds[i], bounds[i + 1]
            mine = np.concatenate(
                [
                    split.train[(split.train >= lo) & (split.train < hi)],
                    split.validation[(split.validation >= lo) & (split.validation < hi)],
                ]
            )
            read = touched(mine - lo, window, out, y.size) if mine.size else slice(None)
            scaler = Scaler.fit(y[read], kind)
            centers[i], scales[i] = scaler.center, scaler.scale
        scaled64 = np.concatenate(
            [(v - c) / s for v, c, s in zip(values, centers, scales, strict=True)]
        )

        self.ids_, self.freq_ = ids, freq
        self.starts_ = [pd.Timestamp(y.index[0]) for _, y in series]
        self.ends_ = [pd.Timestamp(y.index[-1]) for _, y in series]
        self.anchor_ = min(self.starts_)
        self.n_ = lengths.copy()
        self.window_, self.horizon_, self.out_ = window, horizon, out
        self.period_, self.calendar_period_ = period, calendar
        self.phase_ = self._phases(self.starts_)
        self.centers_, self.scales_ = centers, scales

        input_size = feature_count(calendar) + self.series_embedding
        arch = proto._architecture(input_size, window, out)
        if self.series_embedding:
            arch = {"kind": "embedded", "series": len(ids), "dim": self.series_embedding,
                    "inner": arch}  # fmt: skip
        self.arch_ = arch
        config = trainer.TrainConfig(
            lr=p["lr"],
            weight_decay=p["weight_decay"],
            batch_size=p["batch_size"],
            loss=p["loss"],
            clip=p["clip"],
            epochs=p["epochs"],
            patience=p["patience"],
            amp=p["amp"],
            seed=p["seed"],
        )
        choice = dev.resolve(p["device"], strict=True)
        shift = (self.phase_ - bounds[:-1]) if calendar else np.zeros(len(ids), np.int64)
        with torch_threads(), dev.reproducible(p["seed"], choice, deterministic=self.deterministic):
            net = networks.build(arch)
            net.to(choice.device)
            data = trainer.Windows(
                dev.to_device(torch.from_numpy(scaled64.astype(np.float32)), choice),
                window,
                out,
                calendar,
                0,
                bounds=dev.to_device(torch.from_numpy(bounds), choice),
                shift=dev.to_device(torch.from_numpy(shift.astype(np.int64)), choice),
                embed=bool(self.series_embedding),
            )
            from forecast.models.neural.windows import Split

            result = trainer.train(
                net,
                data,
                Split(split.train, split.validation, split.purged),
                config,
                choice,
                f"training global {name} on {len(ids)} series",
            )
        self.net_ = net.cpu().eval()
        self._device = None

        self.last_ = np.full((len(ids), window), np.nan)
        for i, y in enumerate(values):
            tail = y[-window:]
            self.last_[i, window - tail.size :] = tail
        steps = max(horizon, int(calibrate_steps or 0))
        self.errors_ = self._calibration_errors(scaled64, split, steps)
        self.training_ = [dict(t) for t in training] if training else [{} for _ in ids]
        self.info_ = self._info(split, result, choice, notes)
        return self

    def _calibration_errors(self, scaled: np.ndarray, split: PanelSplit, steps: int) -> np.ndarray:
        """|actual - forecast| in scaled units from every series' calibration origins (from its
        first validation origin to its second-last value, the last ``CALIBRATION_MAX / N``
        of them), steps 1..``steps``; NaN where the target is after the series' end."""
        bounds, n = split.bounds, self.n_
        having = np.flatnonzero(split.first_validation >= 0)
        per = max(1, CALIBRATION_MAX // max(1, having.size))
        glob, local, sid = [], [], []
        for i in having:
            first = max(int(split.first_validation[i]), int(n[i]) - 1 - per)
            t = np.arange(first, int(n[i]) - 1, dtype=np.int64)
            glob.append(t + bounds[i])
            local.append(t)
            sid.append(np.full(t.size, i, dtype=np.int64))
        g, t, s = np.concatenate(glob), np.concatenate(local), np.concatenate(sid)
        view = window_view(scaled.astype(np.float32), self.window_)
        rows = g - (self.window_ - 1)
        forecast = self._paths(view, rows, self.phase_[s] + t - (self.window_ - 1), s, steps)
        ahead = np.arange(1, steps + 1)
        inside = (t[:, None] + ahead) < n[s][:, None]  # [n_cal, steps]
        index = np.where(inside, g[:, None] + ahead, 0)
        actual = np.where(inside, scaled[index], np.nan)
        return np.abs(actual - forecast)

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

    def _info(self, split: PanelSplit, result: Any, choice: Any, notes: dict[str, str]) -> dict:
        from forecast.models.neural import device as dev
        from forecast.models.neural import networks

        remarks = []
        if self.params["amp"] and not choice.is_cuda:
            remarks.append(f"amp applies on CUDA only: trained in float32 on {choice.name}")
        if result.best_epoch == result.epochs_run == self.params["epochs"]:
            remarks.append(
                f"{self.model}: the validation loss was still improving at the last epoch "
                f"({result.epochs_run}); more --epochs may help"
            )
        if choice.is_cuda:
            remarks.append(
                dev.DETERMINISTIC_COST
                if self.deterministic
                else "CUDA training is not bit-identical between runs; --deterministic makes it so"
            )
        short = int((split.samples == 0).sum())
        if short:
            remarks.append(f"{short} series too short for a training sample (forecast only)")
        return {
            "selection": notes,
            "series": len(self.ids_),
            "device": choice.name,
            "device_reason": choice.reason,
            "amp": str(dev.amp_dtype(choice, self.params["amp"]) or "off").replace("torch.", ""),
            "deterministic": self.deterministic or choice.name == "cpu",
            "train_origins": int(split.train.size),
            "validation_origins": int(split.validation.size),
            "purged_origins": split.purged,
            "best_epoch": result.best_epoch,
            "epochs_run": result.epochs_run,
            "stopped_early": result.stopped_early,
            "train_loss": result.train_loss,
            "val_loss": result.val_loss,
            "train_seconds": result.seconds,
            "samples_per_second": result.samples / result.seconds if result.seconds > 0 else 0.0,
            "parameters": networks.parameter_count(self.net_),
            "history": [list(pair) for pair in result.history],
            "notes": remarks,
        }

    # --- forecasting --------------------------------------------------------------------------

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
        out = np.empty((rows.size, steps), dtype=np.float64)
        embed = bool(self.series_embedding)
        with torch_threads(), torch.no_grad():
            for lo in range(0, rows.size, INFERENCE_ROWS):
                chunk = slice(lo, lo + INFERENCE_ROWS)
                window = dev.to_device(
                    torch.from_numpy(np.ascontiguousarray(view[rows[chunk]], dtype=np.float32)),
                    choice,
                )
                first = dev.to_device(torch.from_numpy(np.ascontiguousarray(phase[chunk])), choice)
                ids = dev.to_device(torch.from_numpy(np.ascontiguousarray(sid[chunk])), choice)

                def step(w: Any, pos: Any, produced: int, ids: Any = ids) -> Any:
                    x = features(w, pos, self.calendar_period_, 0)  # [b, w, F]
                    return self.net_(x, ids) if embed else self.net_(x)  # [b, out]

                paths = roll_out(step, window, first, steps)
                out[chunk] = paths.double().cpu().numpy()
        return out

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

    def position(self, sid: str) -> int:
        try:
            return self.ids_.index(sid)
        except ValueError:
            raise UsageError(f"--ids: no series {sid!r} in the global model") from None

    def predict(
        self, horizon: int, levels: Sequence[float] = (), ids: Sequence[str] | None = None
    ) -> dict[str, Forecast | str]:
        """Forecasts of ``ids`` (all when None), in that order: a :class:`Forecast`, or the
        one-line reason a series cannot be forecast (shorter than the window)."""
        from forecast.data import future_index
        from forecast.models.base import check_horizon, check_levels

        horizon, levels = check_horizon(horizon), check_levels(levels)
        chosen = list(self.ids_) if ids is None else list(dict.fromkeys(ids))
        where = np.array([self.position(s) for s in chosen], dtype=np.int64)
        ok = where[self.n_[where] >= self.window_]
        view = ((self.last_[ok] - self.centers_[ok, None]) / self.scales_[ok, None]).astype(
            np.float32
        )
        phase = self.phase_[ok] + self.n_[ok] - self.window_
        paths = self._paths(view, np.arange(ok.size), phase, ok, horizon) if ok.size else None
        widths = self._widths(horizon, levels)
        row = {int(i): r for r, i in enumerate(ok)}
        result: dict[str, Forecast | str] = {}
        for sid, i in zip(chosen, where, strict=True):
            if int(i) not in row:
                result[sid] = (
                    f"global {self.model} forecasts from the last {self.window_} observations; "
                    f"series {sid!r} has {int(self.n_[i])}; fit it with --param global=false "
                    "or a --fallback model"
                )
                continue
            assert paths is not None
            scale, center = self.scales_[i], self.centers_[i]
            mean = paths[row[int(i)]] * scale + center
            bands: Bands = {lv: (mean - q * scale, mean + q * scale) for lv, q in widths.items()}
            if not (np.isfinite(mean).all() and all(np.isfinite(b).all() for b in bands.values())):
                result[sid] = f"global {self.model}: non-finite forecasts for series {sid!r}"
                continue
            result[sid] = Forecast(
                future_index(self.ends_[i], self.freq_, horizon), mean, bands, CONFORMAL
            )
        return result

    def _widths(self, horizon: int, levels: tuple[float, ...]) -> dict[float, np.ndarray]:
        """Per level, the pooled split-conformal half-width in scaled units, ``[horizon]``."""
        from forecast.models.conformal import errors_needed, half_widths

        if not levels:
            return {}
        if horizon > self.errors_.shape[1]:
            raise UsageError(
                f"the global {self.model}'s intervals are calibrated for "
                f"{self.errors_.shape[1]} steps ahead, not {horizon}; ask for --horizon "
                f"{self.errors_.shape[1]} or less, no --level, or refit with this --horizon"
            )

        def too_few(level: float, step: int, n: int) -> str:
            return (
                f"global {self.model}: a {level:g}% interval needs at least "
                f"{errors_needed(level)} validation errors per step; the panel gives {n} at "
                f"step {step}; ask for a lower --level or refit with a larger "
                "--param val_fraction"
            )

        return half_widths(self.errors_[:, :horizon], levels, too_few)

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
        positions = np.asarray(origins, dtype=np.int64)
        values = _finite_values(history, "forecast_from")
        if positions.size and (
            positions.min() < self.window_ - 1 or positions.max() >= values.size
        ):
            raise UsageError(
                f"global {self.model}: forecast origins must lie in {self.window_ - 1} .. "
                f"{values.size - 1} (a full window of {self.window_} before each)"
            )
        scale, center = self.scales_[i], self.centers_[i]
        view = window_view(((values - center) / scale).astype(np.float32), self.window_)
        rows = positions - (self.window_ - 1)
        phase0 = int(self._phases([pd.Timestamp(history.index[0])])[0])
        sids = np.full(rows.size, i, dtype=np.int64)
        mean = self._paths(view, rows, phase0 + rows, sids, horizon) * scale + center
        bands: Bands = {
            lv: (mean - q * scale, mean + q * scale)
            for lv, q in self._widths(horizon, levels).items()
        }
        return ForecastBatch(positions, mean, bands, CONFORMAL)

    def update(self, sid: str, y_new: pd.Series) -> int:
        """Append the observations of series ``sid`` that follow its end (same weights); returns
        how many were appended. Overlapping values must agree with the last window."""
        i = self.position(sid)
        index = pd.DatetimeIndex(y_new.index)
        values = _finite_values(y_new, f"update (series {sid!r})")
        end = self.ends_[i]
        old = index <= end
        if old.any():
            known = pd.date_range(end=end, periods=self.window_, freq=self.freq_)
            pos = known.get_indexer(index[old])
            inside = pos >= 0
            stored, given = self.last_[i][pos[inside]], values[old][inside]
            differs = ~np.isclose(stored, given, rtol=1e-9, atol=1e-12) & np.isfinite(stored)
            if differs.any():
                k = int(np.argmax(differs))
                raise InputError(
                    f"series {sid!r}: new data disagrees with the model's data at "
                    f"{index[old][inside][k].isoformat()} ({given[k]:g} in the data, "
                    f"{stored[k]:g} in the model); fit a new model on the corrected data"
                )
        fresh, stamps = values[~old], index[~old]
        if fresh.size == 0:
            return 0
        expected = pd.date_range(end, periods=2, freq=self.freq_)[1]
        if stamps[0] != expected:
            raise InputError(
                f"series {sid!r}: new data must start at {expected.isoformat()}, the step after "
                f"the model's end {end.isoformat()}; it starts at {stamps[0].isoformat()} "
                "(supply the missing rows)"
            )
        self.last_[i] = np.concatenate([self.last_[i], fresh])[-self.window_ :]
        self.n_[i] += fresh.size
        self.ends_[i] = pd.Timestamp(stamps[-1])
        return int(fresh.size)

    def summary(self, sid: str) -> ModelSummary:
        """The global network as seen from one series (its scaler and length)."""
        from forecast.models.neural.forecaster import training_statistics

        i = self.position(sid)
        info = self.info_
        arch = self.arch_["inner"] if self.arch_["kind"] == "embedded" else self.arch_
        width = arch.get("hidden_size") or arch.get("d_model")
        shape = f"{arch['layers']} x {width}"
        if arch["kind"] in KINDS:
            shape = describe(arch)
        embedding = f", series embedding {self.series_embedding}" if self.series_embedding else ""
        description = (
            f"global {self.model} ({shape}{embedding}) over "
            f"{info['series']} series, {self.params['strategy']} {self.horizon_}-step head, "
            f"window {self.window_}; trained on {info['device']} ({info['device_reason']})"
        )
        stats, timing = training_statistics(info, self.net_, int(self.n_[i]))
        return ModelSummary(
            model=self.model,
            description=description,
            params={
                **self.params,
                "global": True,
                "series_embedding": self.series_embedding,
                "deterministic": self.deterministic,
            },
            stats=stats,
            notes=tuple(info["notes"]),
            extra={
                "global": True,
                "series_in_model": info["series"],
                "selection": "; ".join(f"{k} {v}" for k, v in info["selection"].items()),
                "device": info["device"],
                "window": self.window_,
                "period": self.period_,
                "horizon_trained": self.horizon_,
                "scaler": {
                    "kind": self.params["scaler"],
                    "center": float(self.centers_[i]),
                    "scale": float(self.scales_[i]),
                },
                "interval_method": CONFORMAL,
                "architecture": self.arch_,
                "timing": timing,
            },
        )

    # --- model files --------------------------------------------------------------------------

    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-able metadata and arrays that :meth:`from_state` restores exactly."""
        from forecast.models.neural import networks

        meta = {
            "model": self.model,
            "params": self.params,
            "series_embedding": self.series_embedding,
            "deterministic": self.deterministic,
            "freq": self.freq_,
            "window": self.window_,
            "horizon": self.horizon_,
            "out_steps": self.out_,
            "period": self.period_,
            "calendar_period": self.calendar_period_,
            "anchor": self.anchor_.isoformat(),
            "architecture": self.arch_,
            "training": self.info_,
            "series": [
                {
                    "id": sid,
                    "start": self.starts_[i].isoformat(),
                    "end": self.ends_[i].isoformat(),
                    "n": int(self.n_[i]),
                    "training": self.training_[i],
                }
                for i, sid in enumerate(self.ids_)
            ],
        }
        arrays = {
            **networks.weight_arrays(self.net_),
            "centers": self.centers_,
            "scales": self.scales_,
            "phases": self.phase_,
            "last_windows": self.last_,
            "calibration_errors": self.errors_,
        }
        return meta, arrays

    @classmethod
    def from_state(cls, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> Self:
        from forecast.models.neural import networks

        model = cls(
            str(meta["model"]),
            dict(meta["params"]),
            int(meta["series_embedding"]),
            bool(meta["deterministic"]),
        )
        entries = list(meta["series"])
        model.ids_ = tuple(str(e["id"]) for e in entries)
        model.freq_ = str(meta["freq"])
        model.starts_ = [pd.Timestamp(e["start"]) for e in entries]
        model.ends_ = [pd.Timestamp(e["end"]) for e in entries]
        model.n_ = np.array([int(e["n"]) for e in entries], dtype=np.int64)
        model.training_ = [dict(e.get("training") or {}) for e in entries]
        model.window_, model.horizon_ = int(meta["window"]), int(meta["horizon"])
        model.out_ = int(meta["out_steps"])
        model.period_ = None if meta["period"] is None else int(meta["period"])
        calendar = meta["calendar_period"]
        model.calendar_period_ = None if calendar is None else int(calendar)
        model.anchor_ = pd.Timestamp(meta["anchor"])
        model.arch_ = dict(meta["architecture"])
        model.info_ = dict(meta["training"])
        model.centers_ = np.asarray(arrays["centers"], dtype="float64")
        model.scales_ = np.asarray(arrays["scales"], dtype="float64")
        model.phase_ = np.asarray(arrays["phases"], dtype=np.int64)
        model.last_ = np.array(arrays["last_windows"], dtype="float64")
        model.errors_ = np.asarray(arrays["calibration_errors"], dtype="float64")
        n = len(model.ids_)
        shapes = (model.centers_.shape, model.scales_.shape, model.phase_.shape)
        if shapes != ((n,), (n,), (n,)) or model.last_.shape != (n, model.window_):
            raise ValueError("per-series arrays do not match the series list")
        dim = model.series_embedding
        networks.check_shape(
            model.arch_,
            feature_count(model.calendar_period_) + dim,
            model.window_,
            model.out_,
            embedding=(n, dim) if dim else None,
        )
        model.net_ = networks.restore(model.arch_, arrays)
        model._device = None
        return model
