"""The training loop: Adam, shuffled mini-batches of training origins, gradient clipping,
early stopping on the validation tail with the best weights restored.

Batches are cut on the device from the scaled series (see :mod:`windows`): the series is copied
there once, each batch is an index tensor of origins, and ``Tensor.unfold`` gives the windows.
The shuffling order comes from a ``numpy`` generator seeded with the model's seed.
"""

from __future__ import annotations

import math
import time
from dataclasses import KW_ONLY, dataclass
from typing import Any, Literal, cast

import numpy as np
import torch
from torch import nn

from forecast.errors import ComputeError
from forecast.models.neural import device as dev
from forecast.models.neural.options import NeuralOptions
from forecast.models.neural.quantile_head import PinballLoss, QuantileNet
from forecast.models.neural.windows import Split, features, gather
from forecast.progress import task

LossName = Literal["mae", "mse", "huber", "quantile"]


@dataclass(frozen=True)
class TrainConfig:
    """Optimiser and stopping settings (the model's hyperparameters of the same names)."""

    lr: float
    weight_decay: float
    batch_size: int
    loss: LossName
    clip: float  # max gradient norm; 0 turns clipping off
    epochs: int  # maximum
    patience: int  # epochs without a better validation loss before stopping
    amp: bool
    seed: int

    @classmethod
    def from_options(cls, options: NeuralOptions, epochs: int) -> TrainConfig:
        """The settings of ``options``, training for at most ``epochs`` (the fit's ``epochs``
        or, fine-tuning, its ``finetune_epochs``)."""
        return cls(
            lr=options.lr,
            weight_decay=options.weight_decay,
            batch_size=options.batch_size,
            loss=cast(LossName, options.loss),
            clip=options.clip,
            epochs=epochs,
            patience=options.patience,
            amp=options.amp,
            seed=options.seed,
        )


@dataclass(frozen=True)
class Windows:
    """The scaled series on the device and how its samples are read."""

    series: torch.Tensor  # [n] float32, on the training device
    window: int
    out: int
    period: int | None  # calendar features when not None
    phase0: int  # phase of series[0] in the period
    _: KW_ONLY  # the optional parts are named, never positional
    # a panel (global models): series i is series[bounds[i]:bounds[i + 1]]; the phase of position
    # p of series i is (p + shift[i] + phase0) mod period; ``embed``: the network also takes the
    # series index of each sample (a learned per-series embedding)
    bounds: torch.Tensor | None = None  # [N + 1] int64, on the device
    shift: torch.Tensor | None = None  # [N] int64, on the device
    embed: bool = False
    exog: torch.Tensor | None = None  # [n, k] scaled regressors: input channels and the head's


@dataclass(frozen=True)
class TrainResult:
    """What training did: the best epoch and its losses, every epoch's (train, validation)."""

    best_epoch: int
    epochs_run: int
    train_loss: float
    val_loss: float
    history: tuple[tuple[float, float], ...]
    stopped_early: bool
    seconds: float
    samples: int  # training samples processed (epochs run x training origins)

    def record(self) -> dict[str, Any]:
        """The run's epochs, losses and speed, as a fit's training record keeps them."""
        return {
            "best_epoch": self.best_epoch,
            "epochs_run": self.epochs_run,
            "stopped_early": self.stopped_early,
            "train_loss": self.train_loss,
            "val_loss": self.val_loss,
            "train_seconds": self.seconds,
            "samples_per_second": self.samples / self.seconds if self.seconds > 0 else 0.0,
        }

    def still_improving(self, model: str, epochs: int) -> list[str]:
        """The note that more epochs may help, when the best of ``epochs`` was the last."""
        if self.best_epoch == self.epochs_run == epochs:
            return [
                f"{model}: the validation loss was still improving at the last epoch "
                f"({self.epochs_run}); more --epochs may help"
            ]
        return []


def loss_function(name: str) -> nn.Module:
    """The training criterion of a mean head (``quantile`` is a quantile head's:
    :func:`criterion_of`)."""
    if name == "quantile":
        raise ValueError("loss=quantile needs a network with a quantile head")
    losses: dict[str, nn.Module] = {
        "mae": nn.L1Loss(),
        "mse": nn.MSELoss(),
        "huber": nn.HuberLoss(delta=1.0),
    }
    return losses[name]


def criterion_of(net: nn.Module, name: str) -> nn.Module:
    """What ``net`` trains on: the pinball loss at the probabilities of a quantile head
    (:class:`QuantileNet`, which trains with ``loss=quantile`` only), else
    :func:`loss_function` ``name``."""
    if isinstance(net, QuantileNet) != (name == "quantile"):
        raise ValueError(f"loss={name} does not match the network's head")
    return PinballLoss(net.probs) if isinstance(net, QuantileNet) else loss_function(name)


def batch(
    data: Windows, origins: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """Inputs ``[B, window, F]``, targets ``[B, out]`` and what the network takes besides the
    inputs, None when nothing: the series index ``[B]`` (a global model's learned embeddings) or
    the regressors' known future values ``[B, out, k]``, of the samples at ``origins``
    (positions in ``data.series``). A network takes one or the other, never both."""
    rows = gather(data.series, origins, data.window, data.out)  # [B, window + out]
    first = origins - (data.window - 1)
    sid = None
    if data.bounds is not None:
        sid = torch.searchsorted(data.bounds, origins, right=True) - 1  # [B]
        if data.shift is not None:
            first = first + data.shift[sid]
    x = features(rows[:, : data.window], first, data.period, data.phase0)
    if data.exog is None:
        return x, rows[:, data.window :], sid if data.embed else None
    span = data.exog.unfold(0, data.window + data.out, 1)  # [N, k, window + out], a view
    exog = span[origins - (data.window - 1)].transpose(1, 2)  # [B, window + out, k]
    x = torch.cat([x, exog[:, : data.window]], dim=-1)  # [B, window, F + k]
    return x, rows[:, data.window :], exog[:, data.window :]


def forward(net: nn.Module, x: torch.Tensor, extra: torch.Tensor | None) -> torch.Tensor:
    """The network on a batch, with what it takes besides the inputs (see :func:`batch`): a
    quantile head gives every quantile (``[B, out, P]``), the others ``[B, out]``."""
    run = net.all if isinstance(net, QuantileNet) else net
    return run(x) if extra is None else run(x, extra)


def train(
    net: nn.Module,
    data: Windows,
    split: Split,
    config: TrainConfig,
    choice: dev.DeviceChoice,
    description: str,
) -> TrainResult:
    """Train ``net`` (already on ``choice.device``) in place; it ends holding the weights of the
    epoch with the lowest validation loss. Call inside :func:`device.reproducible`."""
    criterion = criterion_of(net, config.loss)
    optimiser = torch.optim.Adam(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    dtype = dev.amp_dtype(choice, config.amp)
    scaler = torch.amp.GradScaler("cuda") if dtype is torch.float16 else None
    rng = np.random.default_rng(config.seed)
    validation = dev.to_device(torch.from_numpy(split.validation), choice)
    n_train = int(split.train.size)
    best = (math.inf, 0, math.inf)  # validation loss, epoch, training loss
    best_state = _snapshot(net)
    history: list[tuple[float, float]] = []
    waited = 0
    start = time.perf_counter()
    with task(description, total=config.epochs) as advance:
        for epoch in range(1, config.epochs + 1):
            net.train()
            order = dev.to_device(torch.from_numpy(split.train[rng.permutation(n_train)]), choice)
            total = torch.zeros((), device=choice.device)
            for first in range(0, n_train, config.batch_size):
                origins = order[first : first + config.batch_size]
                x, target, extra = batch(data, origins)
                optimiser.zero_grad(set_to_none=True)
                with dev.autocast(choice, dtype):
                    prediction = forward(net, x, extra)
                loss = criterion(prediction.float(), target)
                if scaler is not None:
                    scaler.scale(loss).backward()
                    scaler.unscale_(optimiser)
                    _clip(net, config.clip)
                    scaler.step(optimiser)
                    scaler.update()
                else:
                    loss.backward()
                    _clip(net, config.clip)
                    optimiser.step()
                total += loss.detach() * origins.numel()
            train_loss = float(total) / n_train
            val_loss = evaluate(net, data, validation, criterion, choice, dtype, config.batch_size)
            if not (math.isfinite(train_loss) and math.isfinite(val_loss)):
                raise ComputeError(
                    f"{description} diverged at epoch {epoch} (training loss {train_loss:g}, "
                    f"validation loss {val_loss:g}); lower --param lr (now {config.lr:g}) or "
                    "try --param loss=huber"
                )
            history.append((train_loss, val_loss))
            if val_loss < best[0]:
                best, best_state, waited = (val_loss, epoch, train_loss), _snapshot(net), 0
            else:
                waited += 1
            advance(epoch=epoch, train=train_loss, val=val_loss)
            if waited >= config.patience:
                break
    net.load_state_dict(best_state)
    net.eval()
    return TrainResult(
        best_epoch=best[1],
        epochs_run=len(history),
        train_loss=best[2],
        val_loss=best[0],
        history=tuple(history),
        stopped_early=len(history) < config.epochs,
        seconds=time.perf_counter() - start,
        samples=len(history) * n_train,
    )


def evaluate(
    net: nn.Module,
    data: Windows,
    origins: torch.Tensor,
    criterion: nn.Module,
    choice: dev.DeviceChoice,
    dtype: torch.dtype | None = None,
    batch_size: int = 256,
) -> float:
    """Mean loss of ``net`` over the samples at ``origins`` (eval mode, no gradients), in
    batches of the training batch size (memory that training has shown to be there)."""
    net.eval()
    total = torch.zeros((), device=choice.device)
    with torch.no_grad():
        for first in range(0, origins.numel(), batch_size):
            chunk = origins[first : first + batch_size]
            x, target, extra = batch(data, chunk)
            with dev.autocast(choice, dtype):
                prediction = forward(net, x, extra)
            total += criterion(prediction.float(), target) * chunk.numel()
    return float(total) / origins.numel()


def _clip(net: nn.Module, max_norm: float) -> None:
    if max_norm > 0:
        nn.utils.clip_grad_norm_(net.parameters(), max_norm)


def _snapshot(net: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in net.state_dict().items()}
