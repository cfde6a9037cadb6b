"""Neural networks behind the Forecaster contract: ``rnn``, ``lstm``, ``gru``, ``transformer``.

What a fit does (all from the training data only):

1. The seasonal period: ``period`` if given, else detected on the training data. The window
   (``window``, default two periods, 24 without a period) and the horizon the head is trained
   for (``horizon``, default one period, at least 24) follow from it; for a short series both
   are capped at n/6. The output states each value and where it came from.
2. Samples: every origin with a full window and full targets; the last ``val_fraction`` of them
   by time (at least 19) validate, and training origins whose targets reach the validation
   targets are purged (:mod:`windows`). The scaler (standard or robust) is fitted on the values
   these samples read.
3. Training (:mod:`trainer`): Adam, mini-batches, MAE/MSE/Huber loss, gradient clipping, early
   stopping on the validation loss with the best weights restored; ``epochs`` is a maximum.
4. Calibration: the validation origins are forecast with the final weights; the absolute errors
   per step ahead give split-conformal intervals (below).

Strategies: ``direct`` (default) trains a head that emits ``horizon`` values at once;
``recursive`` trains a one-step head and feeds each forecast back. A forecast longer than the
head continues the same way: the head's block is appended to the window and the network runs
again.

Prediction intervals (split-conformal, Vovk et al. 2005; Lei et al. 2018): for step k, with
r_1..r_n the absolute errors at step k of the forecasts from the validation origins (the last
10,000 of them at most) whose target t+k lies in the training data, the level-L interval is the
forecast -/+ the ceil((n + 1) L)-th smallest r. Where n is too small for a level
(n < L / (1 - L)), asking for that interval is a UsageError that says what to change. The
validation tail also chose the stopping epoch, so the intervals are slightly optimistic; the
output names the method.

``update`` appends observations and forecasts from the new last window with the same weights.
``refit`` (``forecast predict --refit``) fine-tunes the current weights for ``finetune_epochs``
on the new data, keeping the window, the period and the scaler. ``forecast_from`` runs one
batched forward pass over the windows ending at each origin; ``fit_origins`` trains on chosen
origins only (purged k-fold backtests).
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar, Self, cast

import numpy as np
import pandas as pd
import torch

from forecast.errors import InputError, UsageError
from forecast.models import conformal
from forecast.models.base import (
    Bands,
    BaseForecaster,
    ForecastBatch,
    ModelSummary,
    _finite_values,
    check_levels,
    series_freq,
)
from forecast.models.neural import device as dev
from forecast.models.neural import networks, trainer
from forecast.models.neural.windows import (
    Scaler,
    ScalerKind,
    Split,
    auto_horizon,
    auto_window,
    feature_count,
    features,
    roll_out,
    sample_origins,
    split_origins,
    steps_between,
    touched,
    window_view,
)
from forecast.threads import torch_threads

STRATEGIES = ("direct", "recursive")
MAX_TOKENS = 16  # the automatic transformer patch keeps at most this many tokens
CALIBRATION_MAX = 10_000  # the last this-many validation origins calibrate the intervals
INFERENCE_ELEMENTS = 2**22  # activations per forward pass ([chunk, window, width] float32)
CONFORMAL = (
    "split-conformal: forecast -/+ the ceil((n+1)*level)-th smallest absolute error at that step "
    "ahead over the n validation-tail origins (residuals of the trained network, per step)"
)


class NeuralForecaster(BaseForecaster):
    """Shared machinery of the four neural models; a subclass describes its network."""

    min_obs = 70
    supports_exog = True  # extra input channels over the window + future values to the head
    kind: ClassVar[str]
    title: ClassVar[str]

    # hyperparameters every neural model has (set by the subclasses' __init__)
    window: int | None
    horizon: int | None
    strategy: str
    period: int | None
    calendar: bool
    scaler: str
    loss: str
    lr: float
    weight_decay: float
    batch_size: int
    clip: float
    epochs: int
    patience: int
    val_fraction: float
    finetune_epochs: int
    amp: bool
    device: str
    seed: int

    # fitted state
    net_: torch.nn.Module
    arch_: dict[str, Any]
    scaler_: Scaler
    window_: int
    horizon_: int
    out_: int
    period_: int | None
    calendar_period_: int | None
    anchor_: pd.Timestamp  # a timestamp of phase 0 in the period
    cal_values_: np.ndarray  # [m] the stretch the calibration origins read
    cal_origins_: np.ndarray  # [n_cal] positions in cal_values_
    cal_offset_: int  # steps from anchor_ to cal_values_[0]
    cal_limit_: int | None  # largest step ahead that may be calibrated (None: any in the stretch)
    trained_on_: str
    fitted_info_: dict[str, Any]
    exog_center_: np.ndarray  # [k] the regressors' scaling (training samples only)
    exog_scale_: np.ndarray  # [k]
    cal_exog_: np.ndarray | None = None  # [m, k] the regressors over cal_values_

    _warm_start: NeuralForecaster | None = None  # set by refit(): fine-tune from these weights
    _residuals: np.ndarray | None = None  # calibration errors cache [n_cal, K]
    _inference: dev.DeviceChoice | None = None  # where predict runs, resolved for ...
    _inference_for: str | None = None  # ... this value of the device parameter

    # --- what a subclass provides -----------------------------------------------------------

    @abstractmethod
    def _architecture(self, input_size: int, window: int, out: int) -> dict[str, Any]:
        """The network's constructor arguments for this input width, window and output size."""

    @abstractmethod
    def _describe_network(self) -> str:
        """One line describing the fitted network, for the summary."""

    def _auto_window(self, period: int | None) -> tuple[int, str | None]:
        """The automatic window for ``period`` and, when it is not the usual rule, why."""
        return auto_window(period), None

    # --- fitting ------------------------------------------------------------------------------

    def _fit(self, y: np.ndarray) -> None:
        warm = self._warm_start
        if warm is not None:
            self._inherit(warm)
            shape_notes: dict[str, str] = dict(warm.fitted_info_["selection"])
        else:
            shape_notes = self._choose_shape(y, detect=True)
        origins = sample_origins(y.size, self.window_, self.out_)
        split = split_origins(origins, self.out_, self.val_fraction, self.name)
        # calibration: every origin from the first validation origin with at least one target
        first = max(int(split.validation[0]), y.size - 1 - CALIBRATION_MAX)
        cal_origins = np.arange(first, y.size - 1, dtype=np.int64)
        self._train_and_calibrate(y, split, cal_origins, None, shape_notes, warm)

    def fit_origins(
        self,
        y: pd.Series,
        origins: np.ndarray | Sequence[int],
        exog: pd.DataFrame | None = None,
    ) -> Self:
        """Train on the samples whose origin t is in ``origins`` only: input
        ``y[t-window+1 .. t]``, targets ``y[t+1 .. t+horizon]`` (``horizon`` as in
        :meth:`target_length`). The caller guarantees those positions may be used (a purged
        k-fold split purges with :meth:`lookback` and the target length). Origins without a full
        window or full targets in ``y`` are skipped. The scaler is fitted on the values these
        samples read; the validation tail is the last ``val_fraction`` of them by time. Window,
        horizon and calendar period come from the hyperparameters and the frequency (the
        calendar period when ``period`` is auto), not from detection, so that they equal what
        :meth:`lookback` promised before the fit."""
        values = _finite_values(y, "fit_origins")
        self.freq_ = series_freq(y)
        self.start_, self.end_ = pd.Timestamp(y.index[0]), pd.Timestamp(y.index[-1])
        self.y_ = values
        if exog is not None:
            from forecast.models.base import exog_matrix

            self.exog_names_ = tuple(str(c) for c in exog.columns)
            self.X_ = exog_matrix(exog, values.size, "fit_origins")
        else:
            self.exog_names_, self.X_ = (), None
        self._warm_start = None
        shape_notes = self._choose_shape(values, detect=False)
        chosen = np.unique(np.asarray(origins, dtype=np.int64))
        usable = chosen[(chosen >= self.window_ - 1) & (chosen + self.horizon_ <= values.size - 1)]
        split = split_origins(usable, self.out_, self.val_fraction, self.name)
        cal_origins = split.validation[-CALIBRATION_MAX:]
        self._train_and_calibrate(values, split, cal_origins, self.horizon_, shape_notes, None)
        return self

    def refit(self, y: pd.Series, exog: pd.DataFrame | None = None) -> Self:
        """Fine-tune the current weights on ``y`` (the training data and what followed) for
        ``finetune_epochs``, keeping window, horizon, period and scaler."""
        self._check_fitted()
        model = type(self)(**self.get_params())
        model._warm_start = self
        try:
            model.fit(y, exog)
        finally:
            model._warm_start = None
        return model

    def _choose_shape(self, y: np.ndarray, *, detect: bool) -> dict[str, str]:
        """Period, window, horizon and head size; returns how each was chosen."""
        from forecast.diagnostics.seasonality import calendar_period, resolve_period

        if self.strategy not in STRATEGIES:
            raise UsageError(f"{self.name}: strategy must be direct or recursive")
        if not 0 < self.val_fraction < 0.5:
            raise UsageError(
                f"{self.name}: parameter val_fraction={self.val_fraction:g} must be above 0 and "
                "below 0.5"
            )
        if detect:
            period, source = resolve_period(self.period, y, self.freq_)
        else:
            period = self.period or calendar_period(self.freq_)
            source = "given" if self.period else "calendar"
        notes = {"period": f"{period} ({source})" if period else "none detected"}
        cap = max(2, y.size // 6) if detect else None  # fit_origins keeps lookback()'s window
        auto, rule = self._auto_window(period)
        window, notes["window"] = _size(self.window, auto, period, cap, "window", rule)
        horizon, notes["horizon"] = _size(
            self.horizon, auto_horizon(period), period, cap, "horizon"
        )
        self.period_ = period
        self.window_, self.horizon_ = window, horizon
        self.out_ = horizon if self.strategy == "direct" else 1
        self.calendar_period_ = period if self.calendar and period else None
        self.anchor_ = self.start_
        if self.calendar:
            notes["calendar"] = (
                f"position in the period {period} as sin/cos"
                if period
                else "none (no seasonal period)"
            )
        return notes

    def _inherit(self, warm: NeuralForecaster) -> None:
        """Window, period, scaler and phase anchor of the model being fine-tuned."""
        self.period_, self.window_, self.horizon_ = warm.period_, warm.window_, warm.horizon_
        self.out_, self.calendar_period_ = warm.out_, warm.calendar_period_
        self.anchor_, self.scaler_ = warm.anchor_, warm.scaler_
        if warm.exog_names_ != self.exog_names_:
            raise UsageError(f"{self.name}: fine-tuning needs the same regressors as the fit")
        if self.exog_names_:
            self.exog_center_, self.exog_scale_ = warm.exog_center_, warm.exog_scale_

    def _train_and_calibrate(
        self,
        y: np.ndarray,
        split: Split,
        cal_origins: np.ndarray,
        cal_limit: int | None,
        selection: dict[str, str],
        warm: NeuralForecaster | None,
    ) -> None:
        choice = dev.resolve(self.device, strict=True)
        every = np.concatenate([split.train, split.validation])
        if warm is None:
            read = touched(every, self.window_, self.out_, y.size)
            self.scaler_ = Scaler.fit(y[read], cast(ScalerKind, self.scaler))
            if self.X_ is not None:  # the regressors' scaling: the same training positions
                center = self.X_[read].mean(axis=0)
                scale = self.X_[read].std(axis=0)
                self.exog_center_, self.exog_scale_ = center, np.where(scale > 0, scale, 1.0)
        k = len(self.exog_names_)
        input_size = feature_count(self.calendar_period_) + k
        self.arch_ = {**self._architecture(input_size, self.window_, self.out_), "exog_size": k}
        phase0 = self._phase(self.start_)
        config = trainer.TrainConfig(
            lr=self.lr,
            weight_decay=self.weight_decay,
            batch_size=self.batch_size,
            loss=cast(trainer.LossName, self.loss),
            clip=self.clip,
            epochs=self.finetune_epochs if warm is not None else self.epochs,
            patience=self.patience,
            amp=self.amp,
            seed=self.seed,
        )
        with torch_threads(), dev.reproducible(self.seed, choice):
            net = networks.build(self.arch_)
            if warm is not None:
                net.load_state_dict(warm.net_.state_dict())
            net.to(choice.device)
            series = dev.to_device(
                torch.from_numpy(self.scaler_.transform(y).astype(np.float32)), choice
            )
            exog = None
            if self.X_ is not None:
                exog = dev.to_device(torch.from_numpy(self._scaled_exog(self.X_)), choice)
            data = trainer.Windows(
                series, self.window_, self.out_, self.calendar_period_, phase0, exog=exog
            )
            action = "fine-tuning" if warm is not None else "training"
            result = trainer.train(net, data, split, config, choice, f"{action} {self.name}")
        self.net_ = net.cpu().eval()
        self._inference = None
        self.trained_on_ = choice.name
        first = int(cal_origins[0]) - self.window_ + 1
        last = int(cal_origins[-1]) + (cal_limit or y.size)
        self.cal_values_ = y[first : min(last, y.size - 1) + 1].copy()
        if self.X_ is not None:
            self.cal_exog_ = self.X_[first : min(last, y.size - 1) + 1].copy()
        self.cal_origins_ = cal_origins - first
        self.cal_offset_ = steps_between(self.anchor_, self.start_, self.freq_) + first
        self.cal_limit_ = cal_limit
        self._residuals = None
        self.fitted_info_ = self._training_info(split, result, choice, selection, warm)
        self.summary_ = self._summarise()

    def _training_info(
        self,
        split: Split,
        result: trainer.TrainResult,
        choice: dev.DeviceChoice,
        selection: dict[str, str],
        warm: NeuralForecaster | None,
    ) -> dict[str, Any]:
        config_epochs = self.finetune_epochs if warm is not None else self.epochs
        notes = []
        if self.amp and not choice.is_cuda:
            notes.append(
                f"amp applies on CUDA only: {self.name} trained in float32 on {choice.name}"
            )
        if result.best_epoch == result.epochs_run == config_epochs:
            notes.append(
                f"{self.name}: the validation loss was still improving at the last epoch "
                f"({result.epochs_run}); more --epochs may help"
            )
        return {
            "selection": selection,
            "device": choice.name,
            "device_reason": choice.reason,
            "amp": str(dev.amp_dtype(choice, self.amp) or "off").replace("torch.", ""),
            "fine_tuned": warm is not None,
            "train_origins": int(split.train.size),
            "validation_origins": int(split.validation.size),
            "purged_origins": split.purged,
            "validation_start": self._timestamp(int(split.validation[0]) + 1).isoformat(),
            "best_epoch": result.best_epoch,
            "epochs_run": result.epochs_run,
            "stopped_early": result.stopped_early,
            "train_loss": result.train_loss,
            "val_loss": result.val_loss,
            "train_seconds": result.seconds,
            "samples_per_second": result.samples / result.seconds if result.seconds > 0 else 0.0,
            "history": [list(pair) for pair in result.history],
            "notes": notes,
        }

    def _timestamp(self, position: int) -> pd.Timestamp:
        return pd.date_range(self.start_, periods=position + 1, freq=self.freq_)[-1]

    def _summarise(self) -> ModelSummary:
        info = self.fitted_info_
        sel = info["selection"]
        description = (
            f"{self._describe_network()}, {self.strategy} {self.horizon_}-step head, window "
            f"{self.window_}; trained on {info['device']} ({info['device_reason']})"
        )
        selection = "; ".join(f"{k} {v}" for k, v in sel.items())
        most = self.finetune_epochs if info["fine_tuned"] else self.epochs
        estimation = (
            f"Adam lr {self.lr:g}, weight decay {self.weight_decay:g}, batch {self.batch_size}, "
            f"{self.loss} loss, clip {self.clip:g}; best epoch {info['best_epoch']} of "
            f"{info['epochs_run']} run (max {most}, "
            f"patience {self.patience}); validation: last {info['validation_origins']} origins "
            f"(targets from {info['validation_start']}), {info['purged_origins']} purged; "
            f"{'fine-tuned' if info['fine_tuned'] else 'trained'} on {info['device']}"
        )
        stats, timing = training_statistics(info, self.net_, self.y_.size)
        return ModelSummary(
            model=self.name,
            description=description,
            params=self.get_params(),
            stats=stats,
            notes=tuple(info["notes"]),
            extra={
                "selection": selection,
                "estimation": estimation,
                "device": info["device"],
                "device_rule": info["device_reason"],
                "window": self.window_,
                "window_source": sel["window"],
                "period": self.period_,
                "horizon_trained": self.horizon_,
                "strategy": self.strategy,
                "scaler": self.scaler_.to_dict(),
                "interval_method": CONFORMAL,
                "architecture": self.arch_,
                **self._regressor_info(),
                "timing": timing,
            },
        )

    # --- forecasting --------------------------------------------------------------------------

    def _scaled_exog(self, values: np.ndarray) -> np.ndarray:
        """The regressors scaled as in training, float32 ``[rows, k]``."""
        return ((values - self.exog_center_) / self.exog_scale_).astype(np.float32)

    def _regressor_info(self) -> dict[str, Any]:
        if not self.exog_names_:
            return {}
        return {
            "regressors": list(self.exog_names_),
            "regressor_scaling": {
                "center": [float(v) for v in self.exog_center_],
                "scale": [float(v) for v in self.exog_scale_],
                "fitted_on": "the values the training and validation samples read",
            },
        }

    def _exog_span(self, steps: int) -> int:
        """Rows of regressors one forecast of ``steps`` reads: the window and whole head
        blocks (rows past the horizon only reach outputs that are dropped)."""
        return self.window_ + math.ceil(steps / self.out_) * self.out_

    def _exog_rows(self, past: np.ndarray, future: np.ndarray, steps: int) -> np.ndarray:
        """``[1, span, k]``: the window's regressors, the future ones, zeros after them."""
        rows = np.zeros((self._exog_span(steps), past.shape[1]), dtype=np.float32)
        both = self._scaled_exog(np.concatenate([past, future]))
        rows[: both.shape[0]] = both[: rows.shape[0]]
        return rows[None]

    def _predict_exog(
        self, horizon: int, levels: tuple[float, ...], future: np.ndarray
    ) -> tuple[np.ndarray, Bands, str]:
        assert self.X_ is not None
        exog = self._exog_rows(self.X_[-self.window_ :], future, horizon)
        return self._predict(horizon, levels, exog)

    def _predict(
        self, horizon: int, levels: tuple[float, ...], exog: np.ndarray | None = None
    ) -> tuple[np.ndarray, Bands, str]:
        n = self.y_.size
        if n < self.window_:
            raise InputError(
                f"{self.name} forecasts from the last {self.window_} observations; the series "
                f"has {n}"
            )
        scaled = self.scaler_.transform(self.y_[-self.window_ :]).astype(np.float32)
        view = scaled.reshape(1, -1)  # [1, window]
        first = np.array([n - self.window_], dtype=np.int64)
        paths = self._paths(
            view, np.zeros(1, dtype=np.int64), first, self._phase(self.start_), horizon, exog
        )
        mean = self.scaler_.inverse(paths[0])
        quantiles = self._quantiles(horizon, levels)
        return mean, {lv: (mean - q, mean + q) for lv, q in quantiles.items()}, CONFORMAL

    def _update(self, new: np.ndarray) -> None:
        """Nothing to move: forecasts read the last window of ``y_``; the weights are fixed."""

    def forecast_from(
        self,
        history: pd.Series,
        origins: Sequence[int] | np.ndarray,
        horizon: int,
        levels: Sequence[float] = (),
        exog: pd.DataFrame | None = None,
    ) -> ForecastBatch:
        """One batched forward pass (in chunks) over the windows ending at each origin of
        ``history``, with the fitted weights; the same intervals per step as :meth:`predict`.
        ``exog``: the regressors over ``history`` and ``horizon`` rows past the last origin
        (required when the model has regressors)."""
        self._check_fitted()
        levels = check_levels(levels)
        positions = np.asarray(origins, dtype=np.int64)
        values = _finite_values(history, "forecast_from")
        if positions.size and (
            positions.min() < self.window_ - 1 or positions.max() >= values.size
        ):
            raise UsageError(
                f"{self.name}: forecast origins must lie in {self.window_ - 1} .. "
                f"{values.size - 1} (a full window of {self.window_} before each)"
            )
        scaled = self.scaler_.transform(values).astype(np.float32)
        view = window_view(scaled, self.window_)  # [n - window + 1, window], a view
        rows = positions - (self.window_ - 1)
        phase0 = self._phase(pd.Timestamp(history.index[0]))
        exog_view = None
        if self.exog_names_:
            from forecast.models.base import exog_matrix

            if exog is None:
                raise UsageError(f"{self.name}: the model has regressors; pass exog")
            need = min(len(exog), int(positions.max()) + 1 + horizon)
            if need < int(positions.max()) + 1 + horizon:
                raise UsageError(f"{self.name}: the regressors end before the last forecast")
            known = exog_matrix(exog[list(self.exog_names_)].iloc[:need], need, "forecast")
            exog_view = self._exog_view(known, self._exog_span(horizon))
        elif exog is not None:
            raise UsageError(f"{self.name}: the model was fitted without regressors")
        mean = self.scaler_.inverse(self._paths(view, rows, rows, phase0, horizon, exog_view))
        quantiles = self._quantiles(horizon, levels)
        bands = {lv: (mean - q, mean + q) for lv, q in quantiles.items()}
        return ForecastBatch(positions, mean.reshape(positions.size, horizon), bands, CONFORMAL)

    def _exog_view(self, values: np.ndarray, span: int) -> np.ndarray:
        """``[n - window + 1, span, k]``: row j holds the scaled regressors from position j on
        (zeros past the known ones; they only reach outputs past the horizon)."""
        padded = np.zeros((values.shape[0] + span, values.shape[1]), dtype=np.float32)
        padded[: values.shape[0]] = self._scaled_exog(values)
        from numpy.lib.stride_tricks import sliding_window_view

        view = sliding_window_view(padded, span, axis=0)  # [n + 1, k, span], a view
        return np.swapaxes(view, 1, 2)[: values.shape[0] - self.window_ + 1]

    def _paths(
        self,
        view: np.ndarray,
        rows: np.ndarray,
        first: np.ndarray,
        phase0: int,
        steps: int,
        exog: np.ndarray | None = None,
    ) -> np.ndarray:
        """Scaled forecasts ``[len(rows), steps]`` from the windows ``view[rows]`` (the window of
        row i starts at position ``first[i]``, whose phase is ``phase0 + first[i]``). Runs the
        head, appends its block to the window and runs again until ``steps`` are produced.
        ``exog`` (``[.., span, k]``, indexed by ``rows`` too): the scaled regressors from each
        window's start, over the window and the head blocks."""
        choice = self._inference_device()
        net = self.net_
        out = np.empty((rows.size, steps), dtype=np.float64)
        size = self._chunk_size()
        with torch_threads(), torch.no_grad():
            for lo in range(0, rows.size, size):
                chunk = slice(lo, lo + size)
                window = dev.to_device(
                    torch.from_numpy(np.ascontiguousarray(view[rows[chunk]])), choice
                )
                start = dev.to_device(torch.from_numpy(np.ascontiguousarray(first[chunk])), choice)
                regressors = None
                if exog is not None:  # [b, span, k]
                    regressors = dev.to_device(
                        torch.from_numpy(np.ascontiguousarray(exog[rows[chunk]])), choice
                    )

                def step(w: Any, pos: Any, produced: int, regressors: Any = regressors) -> Any:
                    x = features(w, pos, self.calendar_period_, phase0)  # [b, w, F]
                    if regressors is None:
                        return net(x)  # [b, out]
                    span = regressors[:, produced : produced + self.window_ + self.out_]
                    x = torch.cat([x, span[:, : self.window_]], dim=-1)  # [b, w, F + k]
                    return net(x, span[:, self.window_ :])  # [b, out]

                out[chunk] = roll_out(step, window, start, steps).double().cpu().numpy()
        return out

    def _chunk_size(self) -> int:
        """Origins per forward pass, so that one ``[chunk, window, width]`` activation holds
        about :data:`INFERENCE_ELEMENTS` values: memory stays flat in N and in the window."""
        arch = self.arch_
        width = int(arch.get("hidden_size") or arch["d_model"])
        width *= 2 if arch.get("bidirectional") else 1
        return max(64, INFERENCE_ELEMENTS // (self.window_ * width))

    def _inference_device(self) -> dev.DeviceChoice:
        if self._inference is None or self._inference_for != self.device:
            choice = dev.resolve(self.device, strict=False)
            self.net_ = self.net_.to(choice.device).eval()
            self._inference, self._inference_for = choice, self.device
        return self._inference

    def use_device(self, device: str) -> dev.DeviceChoice:
        """Forecast (and fine-tune) on ``device`` from now on; an unavailable one is a
        UsageError. Sets the ``device`` parameter (saved with the model)."""
        choice = dev.resolve(device, strict=True)
        self.device = device
        self._inference = None
        return choice

    def inference_device(self) -> dev.DeviceChoice:
        """The device :meth:`predict` runs on (``device`` if available, else the CPU)."""
        return self._inference_device()

    # --- intervals ----------------------------------------------------------------------------

    def _quantiles(self, steps: int, levels: tuple[float, ...]) -> dict[float, np.ndarray]:
        """Per level, the split-conformal half-width at each step ahead, ``[steps]``."""
        if not levels:
            return {}
        return conformal.half_widths(self._errors(steps), levels, self._too_few)

    def _too_few(self, level: float, step: int, n: int) -> str:
        need = conformal.errors_needed(level)
        where = (
            f"intervals are calibrated up to {self.cal_limit_} steps ahead (the trained horizon)"
            if self.cal_limit_ is not None and step > self.cal_limit_
            else f"the validation tail gives {n} errors at step {step}"
        )
        return (
            f"{self.name}: a {level:g}% interval needs at least {need} validation errors per step; "
            f"{where}; ask for a lower --level or a shorter --horizon, or refit with a larger "
            "--param val_fraction"
        )

    def _errors(self, steps: int) -> np.ndarray:
        """|actual - forecast| from each calibration origin, steps 1..``steps`` (cached)."""
        if self._residuals is None or self._residuals.shape[1] < steps:
            k = max(steps, self.horizon_)
            scaled = self.scaler_.transform(self.cal_values_).astype(np.float32)
            view = window_view(scaled, self.window_)
            rows = self.cal_origins_ - (self.window_ - 1)
            exog = None
            if self.exog_names_ and self.cal_exog_ is not None:
                exog = self._exog_view(self.cal_exog_, self._exog_span(k))
            forecast = self.scaler_.inverse(
                self._paths(view, rows, rows, self._cal_phase(), k, exog)
            )
            padded = np.concatenate([self.cal_values_, np.full(k, np.nan)])
            actual = window_view(padded, k)[self.cal_origins_ + 1]  # [n_cal, k]
            errors = np.abs(actual - forecast)
            if self.cal_limit_ is not None:
                errors[:, self.cal_limit_ :] = np.nan
            self._residuals = errors
        return self._residuals[:, :steps]

    # --- phases of the calendar features ------------------------------------------------------

    def _phase(self, stamp: pd.Timestamp) -> int:
        """Phase in the period of the observation at ``stamp`` (0 without calendar features)."""
        if self.calendar_period_ is None:
            return 0
        return steps_between(self.anchor_, stamp, self.freq_) % self.calendar_period_

    def _cal_phase(self) -> int:
        return self.cal_offset_ % self.calendar_period_ if self.calendar_period_ else 0

    # --- backtests ----------------------------------------------------------------------------

    def lookback(self, freq: str | None = None) -> int:
        if hasattr(self, "window_"):
            return self.window_
        from forecast.diagnostics.seasonality import calendar_period

        return int(self.window or self._auto_window(self.period or calendar_period(freq))[0])

    def target_length(self, freq: str | None = None) -> int:
        """How many steps after an origin one training sample reads (the trained horizon)."""
        if hasattr(self, "horizon_"):
            return self.horizon_
        from forecast.diagnostics.seasonality import calendar_period

        return int(self.horizon or auto_horizon(self.period or calendar_period(freq)))

    # --- model files --------------------------------------------------------------------------

    def _fitted_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        fitted = {
            "architecture": self.arch_,
            "window": self.window_,
            "horizon": self.horizon_,
            "out_steps": self.out_,
            "period": self.period_,
            "calendar_period": self.calendar_period_,
            "anchor": self.anchor_.isoformat(),
            "scaler": self.scaler_.to_dict(),
            "calibration": {"offset": self.cal_offset_, "limit": self.cal_limit_},
            "trained_on": self.trained_on_,
            "training": self.fitted_info_,
            **self._regressor_info(),
        }
        arrays = {
            **networks.weight_arrays(self.net_),
            "calibration_values": self.cal_values_,
            "calibration_origins": self.cal_origins_.astype(np.int64),
        }
        if self.exog_names_ and self.cal_exog_ is not None:
            arrays["calibration_exog"] = self.cal_exog_
        return fitted, arrays

    def _restore(self, fitted: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        self.arch_ = dict(fitted["architecture"])
        self.window_, self.horizon_ = int(fitted["window"]), int(fitted["horizon"])
        self.out_ = int(fitted["out_steps"])
        self.period_ = None if fitted["period"] is None else int(fitted["period"])
        calendar = fitted["calendar_period"]
        self.calendar_period_ = None if calendar is None else int(calendar)
        self.anchor_ = pd.Timestamp(fitted["anchor"])
        self.scaler_ = Scaler.from_dict(fitted["scaler"])
        self.cal_offset_ = int(fitted["calibration"]["offset"])
        limit = fitted["calibration"]["limit"]
        self.cal_limit_ = None if limit is None else int(limit)
        if self.cal_limit_ is not None and not 1 <= self.cal_limit_ <= self.horizon_:
            raise ValueError(f"the calibration limit {limit} is outside 1..{self.horizon_}")
        self.cal_values_ = np.asarray(arrays["calibration_values"], dtype="float64")
        self.cal_origins_ = np.asarray(arrays["calibration_origins"], dtype=np.int64)
        self.trained_on_ = str(fitted["trained_on"])
        self.fitted_info_ = dict(fitted["training"])
        if "regressor_scaling" in fitted:
            scaling = fitted["regressor_scaling"]
            self.exog_center_ = np.asarray(scaling["center"], dtype="float64")
            self.exog_scale_ = np.asarray(scaling["scale"], dtype="float64")
            self.cal_exog_ = np.asarray(arrays["calibration_exog"], dtype="float64")
        k = len(self.exog_names_)
        inputs = feature_count(self.calendar_period_) + k
        networks.check_shape(self.arch_, inputs, self.window_, self.out_, exog=k)
        self.net_ = networks.restore(self.arch_, arrays)
        self._inference = None
        self._residuals = None


class RecurrentForecaster(NeuralForecaster):
    """RNN / LSTM / GRU encoder over the window, linear multi-step head."""

    def __init__(
        self,
        window: int | None = None,
        horizon: int | None = None,
        strategy: str = "direct",
        period: int | None = None,
        hidden_size: int = 32,
        layers: int = 1,
        dropout: float = 0.0,
        bidirectional: bool = False,
        calendar: bool = True,
        scaler: str = "standard",
        loss: str = "mae",
        lr: float = 0.003,
        weight_decay: float = 0.0,
        batch_size: int = 256,
        clip: float = 1.0,
        epochs: int = 60,
        patience: int = 10,
        val_fraction: float = 0.1,
        finetune_epochs: int = 10,
        amp: bool = False,
        device: str = "auto",
        seed: int = 0,
    ) -> None:
        self.window = window
        self.horizon = horizon
        self.strategy = strategy
        self.period = period
        self.hidden_size = hidden_size
        self.layers = layers
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.calendar = calendar
        self.scaler = scaler
        self.loss = loss
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.clip = clip
        self.epochs = epochs
        self.patience = patience
        self.val_fraction = val_fraction
        self.finetune_epochs = finetune_epochs
        self.amp = amp
        self.device = device
        self.seed = seed

    def _architecture(self, input_size: int, window: int, out: int) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "input_size": input_size,
            "hidden_size": self.hidden_size,
            "layers": self.layers,
            "dropout": self.dropout,
            "bidirectional": self.bidirectional,
            "out_steps": out,
        }

    def _describe_network(self) -> str:
        sides = "bidirectional " if self.bidirectional else ""
        return f"{sides}{self.title} {self.layers} x {self.hidden_size}"


class Rnn(RecurrentForecaster):
    """Elman RNN (tanh) encoder."""

    name = "rnn"
    kind = "rnn"
    title = "RNN"


class Lstm(RecurrentForecaster):
    """LSTM encoder."""

    name = "lstm"
    kind = "lstm"
    title = "LSTM"


class Gru(RecurrentForecaster):
    """GRU encoder."""

    name = "gru"
    kind = "gru"
    title = "GRU"


class Transformer(NeuralForecaster):
    """Transformer encoder over the window (sinusoidal positions, optional causal mask)."""

    name = "transformer"
    kind = "transformer"
    title = "Transformer"

    def __init__(
        self,
        window: int | None = None,
        horizon: int | None = None,
        strategy: str = "direct",
        period: int | None = None,
        d_model: int = 32,
        heads: int = 4,
        layers: int = 2,
        ff_size: int = 64,
        patch: int | None = None,
        dropout: float = 0.1,
        causal: bool = False,
        calendar: bool = True,
        scaler: str = "standard",
        loss: str = "mae",
        lr: float = 0.001,
        weight_decay: float = 0.0,
        batch_size: int = 256,
        clip: float = 1.0,
        epochs: int = 60,
        patience: int = 10,
        val_fraction: float = 0.1,
        finetune_epochs: int = 10,
        amp: bool = False,
        device: str = "auto",
        seed: int = 0,
    ) -> None:
        self.window = window
        self.horizon = horizon
        self.strategy = strategy
        self.period = period
        self.d_model = d_model
        self.heads = heads
        self.layers = layers
        self.ff_size = ff_size
        self.patch = patch
        self.dropout = dropout
        self.causal = causal
        self.calendar = calendar
        self.scaler = scaler
        self.loss = loss
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.clip = clip
        self.epochs = epochs
        self.patience = patience
        self.val_fraction = val_fraction
        self.finetune_epochs = finetune_epochs
        self.amp = amp
        self.device = device
        self.seed = seed

    def _architecture(self, input_size: int, window: int, out: int) -> dict[str, Any]:
        if self.d_model % self.heads:
            fit = self.heads * max(1, self.d_model // self.heads)
            raise UsageError(
                f"transformer: d_model ({self.d_model}) must be a multiple of heads "
                f"({self.heads}); e.g. --param d_model={fit}"
            )
        return {
            "kind": "transformer",
            "input_size": input_size,
            "d_model": self.d_model,
            "heads": self.heads,
            "layers": self.layers,
            "ff_size": self.ff_size,
            "dropout": self.dropout,
            "causal": self.causal,
            "window": window,
            "patch": self.patch or max(1, math.ceil(window / MAX_TOKENS)),
            "out_steps": out,
        }

    def _describe_network(self) -> str:
        mask = ", causal" if self.causal else ""
        patch = self.arch_["patch"]
        return (
            f"Transformer encoder {self.layers} x (d_model {self.d_model}, {self.heads} heads, "
            f"ff {self.ff_size}{mask}) over {math.ceil(self.window_ / patch)} patches of {patch}"
        )


def _size(
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


def training_statistics(
    info: dict[str, Any], net: Any, nobs: int
) -> tuple[dict[str, float], dict[str, float]]:
    """A trained network's fit statistics, and apart from them its wall-clock timing (which
    varies run to run, so the rest of a seeded run's document is deterministic)."""
    stats = {
        "train_loss": info["train_loss"],
        "val_loss": info["val_loss"],
        "best_epoch": float(info["best_epoch"]),
        "epochs_run": float(info["epochs_run"]),
        "train_origins": float(info["train_origins"]),
        "validation_origins": float(info["validation_origins"]),
        "parameters": float(networks.parameter_count(net)),
        "nobs": float(nobs),
    }
    timing = {"train_seconds": info["train_seconds"]}
    if "samples_per_second" in info:
        timing["samples_per_second"] = info["samples_per_second"]
    return stats, timing
