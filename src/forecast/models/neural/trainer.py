"""The training loop: Adam, shuffled mini-batches of training origins, gradient clipping,
early stopping on the validation tail with the best weights restored; then, where the model asks
for it (nbeats' and nhits' ``recent_epochs``), more epochs over every origin, the validation
tail's included.

The validation tail is each series' most recent data, and with its purged origins (whose
targets reach it) it keeps the last ``validation + horizon`` targets of every series out of
training: on a panel of short series (M3 monthly: 48-126 points, horizon 18) that is a third
of the data and all of the newest. Early stopping picks the epoch count on it; the recent pass
then trains on it, from the best weights, with a fresh optimiser, and keeps the final weights
(nothing is left to stop on). It is off by default: on two disjoint draws of 250 M3 monthly
series it took global nhits' MASE from 0.907 to 0.893 on one and left it at 0.915 on the
other, and made nbeats worse on the second (0.911 -> 0.953), its 80 % intervals covering 73 %
(calibrated on the tail it trained on; bench/RESULTS.md, issue 33).
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
    recent_epochs: int = 0  # epochs over every origin after early stopping (module docstring)

    @classmethod
    def from_options(
        cls, options: NeuralOptions, epochs: int, recent_epochs: int = 0
    ) -> TrainConfig:
        """The settings of ``options``, training for at most ``epochs`` (the fit's ``epochs``
        or, fine-tuning, its ``finetune_epochs``), then ``recent_epochs`` over every origin."""
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
            recent_epochs=int(recent_epochs),
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
    recent: tuple[float, ...] = ()  # the recent pass's training loss per epoch (every origin)

    def record(self) -> dict[str, Any]:
        """The run's epochs, losses and speed, as a fit's training record keeps them."""
        extra = {"recent_epochs": len(self.recent)} if self.recent else {}
        return {
            **extra,
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
    epoch with the lowest validation loss, or, with ``config.recent_epochs``, those weights
    trained that many epochs more over every origin (:func:`recent_pass`). Call inside
    :func:`device.reproducible`."""
    criterion = criterion_of(net, config.loss)
    step = _Step(net, criterion, config, choice)
    rng = np.random.default_rng(config.seed)
    validation = dev.to_device(torch.from_numpy(split.validation), choice)
    best = (math.inf, 0, math.inf)  # validation loss, epoch, training loss
    best_state = _snapshot(net)
    history: list[tuple[float, float]] = []
    waited = 0
    start = time.perf_counter()
    with task(description, total=config.epochs) as advance:
        for epoch in range(1, config.epochs + 1):
            train_loss = step.epoch(data, split.train, rng)
            val_loss = evaluate(
                net, data, validation, criterion, choice, step.dtype, config.batch_size
            )
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
    recent = recent_pass(net, data, split, config, choice, description)
    net.eval()
    return TrainResult(
        best_epoch=best[1],
        epochs_run=len(history),
        train_loss=best[2],
        val_loss=best[0],
        history=tuple(history),
        stopped_early=len(history) < config.epochs,
        seconds=time.perf_counter() - start,
        samples=len(history) * int(split.train.size)
        + len(recent) * int(split.train.size + split.validation.size),
        recent=recent,
    )


def recent_pass(
    net: nn.Module,
    data: Windows,
    split: Split,
    config: TrainConfig,
    choice: dev.DeviceChoice,
    description: str,
) -> tuple[float, ...]:
    """``config.recent_epochs`` epochs over every origin (training and validation, sorted),
    from ``net``'s weights with a fresh optimiser and a generator seeded ``config.seed + 1``;
    the training loss of each. No stopping: the validation tail is trained on."""
    if config.recent_epochs <= 0:
        return ()
    every = np.sort(np.concatenate([split.train, split.validation]))
    step = _Step(net, criterion_of(net, config.loss), config, choice)
    rng = np.random.default_rng(config.seed + 1)
    losses = []
    for epoch in range(1, config.recent_epochs + 1):
        loss = step.epoch(data, every, rng)
        if not math.isfinite(loss):
            raise ComputeError(
                f"{description} diverged at epoch {epoch} of the recent pass (training loss "
                f"{loss:g}); lower --param lr (now {config.lr:g}) or --param recent_epochs=0"
            )
        losses.append(loss)
    return tuple(losses)


class _Step:
    """One optimiser (Adam) over ``net`` and the epochs it runs: shuffled mini-batches,
    gradient clipping, mixed precision on CUDA where asked."""

    def __init__(
        self, net: nn.Module, criterion: nn.Module, config: TrainConfig, choice: dev.DeviceChoice
    ) -> None:
        self.net, self.criterion, self.config, self.choice = net, criterion, config, choice
        self.optimiser = torch.optim.Adam(
            net.parameters(), lr=config.lr, weight_decay=config.weight_decay
        )
        self.dtype = dev.amp_dtype(choice, config.amp)
        self.scaler = torch.amp.GradScaler("cuda") if self.dtype is torch.float16 else None

    def epoch(self, data: Windows, origins: np.ndarray, rng: np.random.Generator) -> float:
        """One pass over ``origins`` in the order ``rng`` shuffles them; the mean loss."""
        net, config, choice, optimiser, scaler = (
            self.net, self.config, self.choice, self.optimiser, self.scaler
        )  # fmt: skip
        net.train()
        n = int(origins.size)
        order = dev.to_device(torch.from_numpy(origins[rng.permutation(n)]), choice)
        total = torch.zeros((), device=choice.device)
        for first in range(0, n, config.batch_size):
            chunk = order[first : first + config.batch_size]
            x, target, extra = batch(data, chunk)
            optimiser.zero_grad(set_to_none=True)
            with dev.autocast(choice, self.dtype):
                prediction = forward(net, x, extra)
            loss = self.criterion(prediction.float(), target)
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
            total += loss.detach() * chunk.numel()
        return float(total) / n


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
