"""Global neural models: one network trained on windows drawn from every series of a panel.

``forecast fit PANEL --model rnn|lstm|gru|transformer`` trains one network for the whole panel
(``--param global=true``, the default on a panel of more than one series; ``global=false`` fits
one network per series as before). What a fit does, each step on the training data only:

1. Shape: the seasonal period is the ``period`` parameter or is detected on the longest series;
   the horizon is the fit's forecast horizon and the window two periods, capped for short
   series, when automatic (the rule of :func:`shape.choose_global`). A series of one
   panel with the same window and horizon is a panel of one: it gets exactly the per-series
   model's samples, scaler and (without an embedding) weights.
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

3. Scaling: each series by its own scaler (standard, robust or level; ``auto``, the recurrent
   models' default, is robust on a panel: :func:`windows.panel_scaler`), fitted on the values
   its own samples read. The scaled values are held once as a float32 tensor on the training device;
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
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Self, cast

import numpy as np
import pandas as pd

from forecast.errors import InputError, UsageError
from forecast.models.base import (
    ModelSummary,
    _finite_values,
    series_freq,
)
from forecast.models.neural.architectures import KINDS, core, describe
from forecast.models.neural.global_forecasting import CONFORMAL, GlobalForecasting
from forecast.models.neural.global_options import (  # noqa: F401  (re-exported)
    GLOBAL_MODELS,
    GlobalOptions,
    split_options,
)
from forecast.models.neural.shape import Shape, choose_global
from forecast.models.neural.windows import (
    MIN_TRAIN,
    MIN_VALIDATION,
    Scaler,
    ScalerKind,
    feature_count,
    panel_scaler,
    sample_origins,
    split_origins,
    touched,
    window_view,
)

CALIBRATION_MAX = 10_000  # calibration origins over the panel (per series: this / N, at least 1)


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


class GlobalForecaster(GlobalForecasting):
    """One network for every series of a panel: fitting (forecasts, intervals and model
    files come from :class:`GlobalForecasting` and :class:`GlobalState`)."""

    def fit(
        self,
        series: Sequence[tuple[str, pd.Series]],
        calibrate_steps: int | None = None,
        training: Sequence[dict[str, Any]] | None = None,
    ) -> Self:
        """Train on every ``(id, y)``; intervals calibrated up to ``calibrate_steps`` (at least
        the trained horizon)."""
        if not series:
            raise UsageError("a global model needs at least one series")
        ids = tuple(str(sid) for sid, _ in series)
        if len(set(ids)) != len(ids):
            raise UsageError("a global model needs distinct series ids")
        values = [_finite_values(y, f"fit (series {sid!r})") for sid, y in series]
        freq = series_freq(series[0][1])
        lengths = np.array([v.size for v in values], dtype=np.int64)
        options = self.options
        options.check(self.model)
        values, self.logs_, transform_note = self._transformed(values, freq)
        proto, shape = self._choose_shape(values, lengths, freq, calibrate_steps)
        if transform_note:
            shape.notes["transform"] = transform_note
        split = panel_split(lengths, shape.window, shape.out, options.val_fraction, self.model)
        kind = panel_scaler(cast(ScalerKind, options.scaler), len(values))
        if options.scaler == "auto":
            shape.notes["scaler"] = f"{kind} (auto: robust on a panel, standard on one series)"
        centers, scales = _series_scalers(values, split, shape, kind)
        scaled64 = np.concatenate(
            [(v - c) / s for v, c, s in zip(values, centers, scales, strict=True)]
        )

        self.ids_, self.freq_ = ids, freq
        self.starts_ = [pd.Timestamp(y.index[0]) for _, y in series]
        self.ends_ = [pd.Timestamp(y.index[-1]) for _, y in series]
        self.anchor_ = min(self.starts_)
        self.n_ = lengths.copy()
        self.window_, self.horizon_, self.out_ = shape.window, shape.horizon, shape.out
        self.period_, self.calendar_period_ = shape.period, shape.calendar_period
        self.phase_ = self._phases(self.starts_)
        self.centers_, self.scales_ = centers, scales
        input_size = feature_count(shape.calendar_period) + self.series_embedding
        arch = proto._architecture(input_size, shape.window, shape.out)
        if len(ids) > 1 and hasattr(proto, "_panel_architecture"):  # one: the per-series net
            from forecast.diagnostics.seasonality import calendar_period

            arch = proto._panel_architecture(arch, calendar_period(freq))
        self.arch_ = self._embedded(arch)
        if options.loss == "quantile":
            from forecast.models.neural.intervals import quantile_probs

            self.arch_["quantiles"] = quantile_probs(options, f"global {self.model}", 0)
        seeds = self._seeds(len(ids))
        if seeds > 1:
            self.arch_ = {"kind": "mean", "members": seeds, "inner": self.arch_}
        results, choice = self._train(scaled64, split)

        self.last_ = np.full((len(ids), shape.window), np.nan)
        for i, y in enumerate(values):
            tail = y[-shape.window :]
            self.last_[i, shape.window - tail.size :] = tail
        steps = max(shape.horizon, int(calibrate_steps or 0))
        self.errors_ = self._calibration_errors(scaled64, split, steps)
        self.training_ = [dict(t) for t in training] if training else [{} for _ in ids]
        self.info_ = self._info(split, _merged(results), choice, shape.notes)
        if len(results) > 1:
            self.info_["networks"] = [
                {"seed": self.options.seed + j, "best_epoch": r.best_epoch,
                 "epochs_run": r.epochs_run, "val_loss": r.val_loss}
                for j, r in enumerate(results)
            ]  # fmt: skip
        return self

    def _choose_shape(
        self, values: Sequence[np.ndarray], lengths: np.ndarray, freq: str, steps: int | None
    ) -> tuple[Any, Shape]:
        """A per-series model of the same parameters (its architecture and automatic window)
        and the shape: the period of the longest series, the rule of
        :func:`shape.choose_global` (``steps``: the fit's forecast horizon, when known)."""
        from forecast.diagnostics.seasonality import resolve_period
        from forecast.models.registry import get_spec

        longest = values[int(np.argmax(lengths))]
        period, source = resolve_period(self.params["period"], longest, freq)
        note = f"{period} ({source}, longest series)" if period else "none detected"
        proto: Any = get_spec(self.model).create(self.params)
        sizes = (int(lengths.min()), int(np.median(lengths)))
        auto = getattr(proto, "_global_window", proto._auto_window)(period)
        return proto, choose_global(self.options, period, note, sizes, steps, auto)

    def _transformed(
        self, values: list[np.ndarray], freq: str
    ) -> tuple[list[np.ndarray], np.ndarray, str]:
        """The values the network sees (logarithms where :func:`log_transform.choose_logs`
        says, nbeats' and nhits' ``transform``; the period is then detected on them), the
        series that are logarithms and how they were chosen ("" for a model without it)."""
        from forecast.diagnostics.seasonality import calendar_period
        from forecast.models.neural.log_transform import choose_logs, to_model_units

        transform = str(self.params.get("transform", "none"))
        what = f"global {self.model}"
        logs, note = choose_logs(values, transform, calendar_period(freq), what)
        logged = [to_model_units(v, log, what) for v, log in zip(values, logs, strict=True)]
        return logged, logs, note if "transform" in self.params else ""

    def _embedded(self, arch: dict[str, Any]) -> dict[str, Any]:
        """``arch`` wrapped with the learned series embedding, when there is one."""
        if not self.series_embedding:
            return arch
        return {"kind": "embedded", "series": len(self.ids_), "dim": self.series_embedding,
                "inner": arch}  # fmt: skip

    def _train(self, scaled64: np.ndarray, split: PanelSplit) -> tuple[list[Any], Any]:
        """Train the network on the scaled, concatenated values (the training result and the
        device it ran on); with ``seeds`` = k, k networks from seeds seed .. seed + k - 1,
        each trained and early-stopped on its own, whose outputs are averaged."""
        from forecast.models.neural import device as dev
        from forecast.models.neural import networks
        from forecast.threads import torch_threads

        options, bounds = self.options, split.bounds
        choice = dev.resolve(options.device, strict=True)
        calendar = self.calendar_period_
        shift = (self.phase_ - bounds[:-1]) if calendar else np.zeros(len(self.ids_), np.int64)
        mean = self.arch_["kind"] == "mean"
        inner = dict(self.arch_["inner"]) if mean else self.arch_
        nets, results = [], []
        with torch_threads():
            data = self._windows(scaled64, bounds, shift, choice)
            for j in range(int(self.arch_["members"]) if mean else 1):
                seed = options.seed + j
                with dev.reproducible(seed, choice, deterministic=self.deterministic):
                    net = networks.build(inner)
                    net.to(choice.device)
                    results.append(self._train_one(net, data, split, seed, choice))
                nets.append(net.cpu().eval())
        self.net_ = networks.MeanNet(nets).eval() if mean else nets[0]
        self._device = None
        return results, choice

    def _seeds(self, n_series: int) -> int:
        """How many networks are averaged: nbeats' and nhits' ``seeds`` (auto: 3 on a panel,
        1 on one series); 1 for the other models and for a quantile head."""
        from forecast.models.neural.global_options import PANEL_SEEDS

        given = self.params.get("seeds", 1)
        quantile = self.options.loss == "quantile"
        if given is None:  # auto
            return 1 if quantile or n_series < 2 else PANEL_SEEDS
        if given > 1 and quantile:
            raise UsageError(
                f"global {self.model}: seeds={given} averages mean heads; a quantile head "
                "(loss=quantile) is one network: drop --param seeds or set it to 1"
            )
        return int(given)

    def _windows(
        self, scaled64: np.ndarray, bounds: np.ndarray, shift: np.ndarray, choice: Any
    ) -> Any:
        """The training data on the training device: the values, the series bounds and the
        phase shifts (:class:`trainer.Windows`)."""
        import torch

        from forecast.models.neural import device as dev
        from forecast.models.neural import trainer

        return trainer.Windows(
            dev.to_device(torch.from_numpy(scaled64.astype(np.float32)), choice),
            self.window_,
            self.out_,
            self.calendar_period_,
            0,
            bounds=dev.to_device(torch.from_numpy(bounds), choice),
            shift=dev.to_device(torch.from_numpy(shift.astype(np.int64)), choice),
            embed=bool(self.series_embedding),
        )

    def _train_one(self, net: Any, data: Any, split: PanelSplit, seed: int, choice: Any) -> Any:
        """Train ``net`` with the options, its batches shuffled from ``seed``."""
        from forecast.models.neural import trainer
        from forecast.models.neural.windows import Split

        options = replace(self.options, seed=seed)
        config = trainer.TrainConfig.from_options(
            options, options.epochs, self.params.get("recent_epochs", 0)
        )
        return trainer.train(
            net,
            data,
            Split(split.train, split.validation, split.purged),
            config,
            choice,
            f"training global {self.model} on {len(self.ids_)} series",
        )

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

    def _info(self, split: PanelSplit, result: Any, choice: Any, notes: dict[str, str]) -> dict:
        from forecast.models.neural import device as dev
        from forecast.models.neural import networks

        remarks = []
        if self.params["amp"] and not choice.is_cuda:
            remarks.append(f"amp applies on CUDA only: trained in float32 on {choice.name}")
        remarks += result.still_improving(self.model, self.params["epochs"])
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
            **result.record(),
            "parameters": networks.parameter_count(self.net_),
            "history": [list(pair) for pair in result.history],
            "notes": remarks,
        }

    def summary(self, sid: str) -> ModelSummary:
        """The global network as seen from one series (its scaler and length)."""
        from forecast.models.neural.report import training_statistics

        i = self.position(sid)
        info = self.info_
        arch = core(self.arch_)
        averaged = f"mean of {self.arch_['members']} networks, " if "members" in self.arch_ else ""
        width = arch.get("hidden_size") or arch.get("d_model")
        shape = f"{arch['layers']} x {width}"
        if arch["kind"] in KINDS:
            shape = describe(arch)
        embedding = f", series embedding {self.series_embedding}" if self.series_embedding else ""
        description = (
            f"global {self.model} ({averaged}{shape}{embedding}) over "
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
                "transform": "log" if self.logs_[i] else "none",
                "interval_method": CONFORMAL,
                "architecture": self.arch_,
                "timing": timing,
            },
        )


def _merged(results: Sequence[Any]) -> Any:
    """One training record for the averaged networks: the first network's epochs and losses,
    the time and samples of all of them."""
    first = results[0]
    if len(results) == 1:
        return first
    return replace(
        first,
        seconds=sum(r.seconds for r in results),
        samples=sum(r.samples for r in results),
    )


def _series_scalers(
    values: Sequence[np.ndarray], split: PanelSplit, shape: Shape, kind: ScalerKind
) -> tuple[np.ndarray, np.ndarray]:
    """Each series' scaler (centers and scales, ``[N]``), fitted on the values its own training
    and validation samples read (a series without samples: on all its values)."""
    bounds = split.bounds
    centers = np.empty(len(values))
    scales = np.empty(len(values))
    for i, y in enumerate(values):
        lo, hi = bounds[i], bounds[i + 1]
        mine = np.concatenate(
            [
                split.train[(split.train >= lo) & (split.train < hi)],
                split.validation[(split.validation >= lo) & (split.validation < hi)],
            ]
        )
        read = touched(mine - lo, shape.window, shape.out, y.size) if mine.size else slice(None)
        scaler = Scaler.fit(y[read], kind)
        centers[i], scales[i] = scaler.center, scaler.scale
    return centers, scales
