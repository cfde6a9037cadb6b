"""The hyperparameters every neural model has, defined once: :class:`NeuralOptions`.

The registry's parameter specs take their defaults from here (:func:`neural_defaults`), the
per-series models' constructors take theirs from the specs, and the global model reads its
parameters through :meth:`NeuralOptions.from_params`; so a default changed here changes all of
them. The architecture sizes (hidden units, layers, filters, ...) differ by family and are the
registry's. Light: imports no torch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from forecast.errors import UsageError

STRATEGIES = ("direct", "recursive")
LOSSES = ("mae", "mse", "huber", "quantile")  # quantile: the quantile head (quantile_head)
RECURRENT_MODELS = ("rnn", "lstm", "gru")
RECURRENT_LR = 0.003  # the recurrent models' Adam learning rate (the others: NeuralOptions.lr)
# also mlp's and cnn's: against 0.001, MASE 0.98 -> 0.92 and 1.24 -> 0.92 on the retail panel,
# MAE -12 % and -5 % on taylor, +0.012 and -0.003 on M3 monthly (3 seeds; issue 28, RESULTS.md)
FAST_LR_MODELS = (*RECURRENT_MODELS, "mlp", "cnn")
MAX_SEEDS = 32  # nbeats' and nhits' seeds: the most networks averaged (global_model)
RECURRENT_SCALER = "auto"  # the recurrent models' scaler (issue 33; the others: "standard")


@dataclass(frozen=True)
class NeuralOptions:
    """Shape, scaling, training, device and seed of a neural model (per-series or global)."""

    # shape: the window, the head and the seasonal period (None: automatic)
    window: int | None = None
    horizon: int | None = None
    strategy: str = "direct"
    period: int | None = None
    # scaling and inputs
    calendar: bool = True
    scaler: str = "standard"
    # training
    loss: str = "mae"
    quantile_levels: tuple[int, ...] = ()  # loss=quantile: the levels (percent) trained for
    lr: float = 0.001
    weight_decay: float = 0.0
    batch_size: int = 256
    clip: float = 1.0
    epochs: int = 60
    patience: int = 10
    val_fraction: float = 0.1
    finetune_epochs: int = 10
    amp: bool = False
    # where and how reproducibly
    device: str = "auto"
    seed: int = 0

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> NeuralOptions:
        """The options among a model's parameters (the architecture sizes are left out; a
        model saved before ``quantile_levels`` existed has none)."""
        values = {f.name: params[f.name] for f in fields(cls) if f.name in params}
        values["quantile_levels"] = tuple(values.get("quantile_levels") or ())
        return cls(**values)

    def check(self, model: str) -> None:
        """UsageError for a strategy, loss or validation fraction a fit cannot use."""
        if self.strategy not in STRATEGIES:
            raise UsageError(f"{model}: strategy must be direct or recursive")
        if self.loss not in LOSSES:
            raise UsageError(
                f"{model}: unknown loss {self.loss!r}; choose one of {', '.join(LOSSES)}"
            )
        if self.quantile_levels and self.loss != "quantile":
            raise UsageError(
                f"{model}: parameter quantile_levels applies to loss=quantile; drop it or add "
                "--param loss=quantile"
            )
        if self.loss == "quantile" and self.strategy != "direct":
            raise UsageError(
                f"{model}: loss=quantile trains a direct head (quantiles per step ahead); drop "
                "--param strategy=recursive"
            )
        if not 0 < self.val_fraction < 0.5:
            raise UsageError(
                f"{model}: parameter val_fraction={self.val_fraction:g} must be above 0 and "
                "below 0.5"
            )


def neural_defaults(model: str) -> NeuralOptions:
    """The defaults of neural model ``model``: :class:`NeuralOptions`'s, with
    :data:`RECURRENT_LR` for :data:`FAST_LR_MODELS` and :data:`RECURRENT_SCALER` for the
    recurrent models."""
    options = NeuralOptions()
    if model in FAST_LR_MODELS:
        options = replace(options, lr=RECURRENT_LR)
    if model in RECURRENT_MODELS:
        options = replace(options, scaler=RECURRENT_SCALER)
    return options
