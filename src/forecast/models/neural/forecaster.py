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
   ``loss=quantile`` trains a quantile head instead (:mod:`quantile_head`): its quantiles are
   the intervals (for the levels of ``quantile_levels``) and its median the forecast.
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
from collections.abc import Sequence
from typing import Any, Self, cast

import numpy as np
import pandas as pd
import torch

from forecast.errors import InputError, UsageError
from forecast.models.base import (
    Bands,
    ForecastBatch,
    _finite_values,
    check_levels,
    origin_values,
    series_freq,
)
from forecast.models.neural import device as dev
from forecast.models.neural import networks, trainer
from forecast.models.neural.architectures import given_window_scale, panel_window_scale
from forecast.models.neural.intervals import CONFORMAL, HEAD, ConformalIntervals, quantile_probs
from forecast.models.neural.model_state import NetworkState
from forecast.models.neural.report import TrainingReport
from forecast.models.neural.shape import choose
from forecast.models.neural.windows import (
    Scaler,
    ScalerKind,
    Split,
    auto_horizon,
    feature_count,
    sample_origins,
    split_origins,
    steps_between,
    touched,
    window_view,
)
from forecast.models.spec_init import spec_init
from forecast.threads import torch_threads

MAX_TOKENS = 16  # the automatic transformer patch keeps at most this many tokens
CALIBRATION_MAX = 10_000  # the last this-many validation origins calibrate the intervals
INFERENCE_ELEMENTS = 2**22  # activations per forward pass ([chunk, window, width] float32)


class NeuralForecaster(TrainingReport, NetworkState, ConformalIntervals):
    """A per-series neural model: fitting, forecasting and backtest hooks (the rest on its
    mixins); a subclass describes its network."""

    _warm_start: NeuralForecaster | None = None  # set by refit(): fine-tune from these weights

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

    def _check_per_series(self) -> None:
        """UsageError for a parameter that only a global model takes (none here)."""

    def _choose_shape(self, y: np.ndarray, *, detect: bool) -> dict[str, str]:
        """Period, window, horizon and head size; returns how each was chosen."""
        from forecast.diagnostics.seasonality import calendar_period, resolve_period

        self.options.check(self.name)
        self._check_per_series()
        if detect:
            period, source = resolve_period(self.period, y, self.freq_)
        else:
            period = self.period or calendar_period(self.freq_)
            source = "given" if self.period else "calendar"
        cap = max(2, y.size // 6) if detect else None  # fit_origins keeps lookback()'s window
        note = f"{period} ({source})" if period else "none detected"
        shape = choose(self.options, period, note, cap, self._auto_window(period))
        notes = dict(shape.notes)
        self.period_ = period
        self.window_, self.horizon_ = shape.window, shape.horizon
        self.out_ = shape.out
        self.calendar_period_ = shape.calendar_period
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
        options = self.options
        if options.loss == "quantile":
            self.arch_["quantiles"] = quantile_probs(options, self.name, k)
        phase0 = self._phase(self.start_)
        epochs = options.finetune_epochs if warm is not None else options.epochs
        config = trainer.TrainConfig.from_options(
            options, epochs, getattr(self, "recent_epochs", 0)
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

    # --- forecasting --------------------------------------------------------------------------

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
        if self.arch_.get("quantiles"):
            bands = self._head_bands(
                view,
                np.zeros(1, dtype=np.int64),
                first,
                self._phase(self.start_),
                horizon,
                levels,
                exog,
            )
            return mean, {lv: (lo[0], hi[0]) for lv, (lo, hi) in bands.items()}, HEAD
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
        positions, values = origin_values(
            history, origins, self.window_ - 1, self.name,
            f"a full window of {self.window_} before each",
        )  # fmt: skip
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
        if self.arch_.get("quantiles"):
            bands = self._head_bands(view, rows, rows, phase0, horizon, levels, exog_view)
            return ForecastBatch(positions, mean.reshape(positions.size, horizon), bands, HEAD)
        quantiles = self._quantiles(horizon, levels)
        bands = {lv: (mean - q, mean + q) for lv, q in quantiles.items()}
        return ForecastBatch(positions, mean.reshape(positions.size, horizon), bands, CONFORMAL)

    def _chunk_size(self) -> int:
        """Origins per forward pass, so that one ``[chunk, window, width]`` activation holds
        about :data:`INFERENCE_ELEMENTS` values: memory stays flat in N and in the window."""
        arch = self.arch_
        width = int(arch.get("hidden_size") or arch["d_model"])
        width *= 2 if arch.get("bidirectional") else 1
        return max(64, INFERENCE_ELEMENTS // (self.window_ * width))

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


class RecurrentForecaster(NeuralForecaster):
    """RNN / LSTM / GRU encoder over the window, linear multi-step head."""

    hidden_size: int
    layers: int
    dropout: float
    bidirectional: bool

    def _architecture(self, input_size: int, window: int, out: int) -> dict[str, Any]:
        arch = {
            "kind": self.kind,
            "input_size": input_size,
            "hidden_size": self.hidden_size,
            "layers": self.layers,
            "dropout": self.dropout,
            "bidirectional": self.bidirectional,
            "out_steps": out,
            "relative": True,  # the window minus its last value (recurrent.RecurrentNet)
        }
        return given_window_scale(arch, self)

    def _panel_architecture(self, arch: dict[str, Any], calendar: int | None) -> dict[str, Any]:
        """A global model's network on a panel: ``window_scale=auto`` divides quarterly windows
        by their spread (:mod:`recurrent`)."""
        return panel_window_scale(arch, calendar)

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

    d_model: int
    heads: int
    layers: int
    ff_size: int
    patch: int | None
    dropout: float
    causal: bool

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
            "relative": True,  # the window minus its last value (heads.relative_to_last)
        }

    def _describe_network(self) -> str:
        mask = ", causal" if self.causal else ""
        patch = self.arch_["patch"]
        return (
            f"Transformer encoder {self.layers} x (d_model {self.d_model}, {self.heads} heads, "
            f"ff {self.ff_size}{mask}) over {math.ceil(self.window_ / patch)} patches of {patch}"
        )


for _cls in (Rnn, Lstm, Gru, Transformer):
    _cls.__init__ = spec_init(_cls.name)  # type: ignore[method-assign]
