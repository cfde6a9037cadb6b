"""The quantile head of the networks (``loss=quantile``), for every family at once.

A network fitted with ``loss=quantile`` emits, for each step ahead, the quantiles at the
probabilities :func:`probabilities` gives for its ``quantile_levels`` (the bounds (1-L)/2 and
(1+L)/2 of each level L, and the median). :class:`QuantileNet` wraps the family's network built
with ``out_steps x P`` outputs and makes them monotone by construction: the median is its own
output, and each quantile above (below) it is the one before plus (minus) a softplus increment,
so no two quantiles cross for any input or weights. Its ``forward`` gives the median, the point
forecast (so the roll-out and the recursive plumbing see a mean-shaped head); :meth:`all`
gives every quantile. Training minimises the pinball loss summed over the probabilities
(:func:`pinball_loss`), in the scaled space; the scaler's affine inverse keeps the order.

The architecture dict stores the probabilities (``"quantiles"``); a model file without them is
a mean head, as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

DEFAULT_LEVELS = (80.0, 95.0)  # the levels trained for when quantile_levels is not given
METHOD = (
    "quantile head (loss=quantile): the network's own quantiles at (1-level)/2 and (1+level)/2, "
    "trained by the pinball loss, non-crossing by construction; the median is the forecast"
)


def probabilities(levels: Sequence[float]) -> tuple[float, ...]:
    """The ascending probabilities of the bounds of ``levels`` (percent) and 0.5."""
    out = {0.5}
    for level in levels:
        half = round((100.0 - float(level)) / 200.0, 12)
        out |= {half, round(1.0 - half, 12)}
    return tuple(sorted(out))


def levels_of(probs: Sequence[float]) -> tuple[float, ...]:
    """The interval levels (percent) whose bounds ``probs`` hold, ascending."""
    return tuple(sorted(round(100.0 * (1.0 - 2.0 * p), 9) for p in probs if p < 0.5))


class QuantileNet(nn.Module):
    """``inner`` (``[B, out_steps x P]`` outputs) as ``P`` non-crossing quantiles per step."""

    def __init__(self, inner: nn.Module, probs: Sequence[float], out_steps: int) -> None:
        super().__init__()
        self.inner = inner
        self.probs = tuple(float(p) for p in probs)
        self.out_steps = out_steps
        self.median = self.probs.index(0.5)

    def all(self, *inputs: torch.Tensor) -> torch.Tensor:
        """Every quantile, ``[B, out_steps, P]``, ascending in the last axis."""
        raw = self.inner(*inputs).reshape(-1, len(self.probs), self.out_steps)
        m = self.median
        centre = raw[:, m]  # [B, out]
        # increments from the differences to the median output: a shift the family adds to
        # every output (its naive skip) cancels, so the spread is learnt in the scaled units
        up = F.softplus(raw[:, m + 1 :] - centre.unsqueeze(1)).cumsum(1)
        down = F.softplus(raw[:, :m] - centre.unsqueeze(1)).flip(1).cumsum(1).flip(1)
        parts = [centre.unsqueeze(1) - down, centre.unsqueeze(1), centre.unsqueeze(1) + up]
        return torch.cat(parts, dim=1).transpose(1, 2)  # [B, out, P]

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        """The median, ``[B, out_steps]`` (the point forecast)."""
        raw = self.inner(*inputs).reshape(-1, len(self.probs), self.out_steps)
        return raw[:, self.median]


def quantile_outputs(net: nn.Module, *inputs: torch.Tensor) -> torch.Tensor:
    """Every quantile of ``net`` (a :class:`QuantileNet`), ``[B, out_steps, P]``."""
    if not isinstance(net, QuantileNet):
        raise TypeError("the network has no quantile head")
    return net.all(*inputs)


def pinball_loss(
    prediction: torch.Tensor, target: torch.Tensor, probs: torch.Tensor
) -> torch.Tensor:
    """Mean over samples and steps of the pinball loss summed over the probabilities:
    ``prediction`` ``[B, out, P]``, ``target`` ``[B, out]``, ``probs`` ``[P]``."""
    diff = target.unsqueeze(-1) - prediction  # [B, out, P]
    return torch.maximum(probs * diff, (probs - 1.0) * diff).sum(-1).mean()


class PinballLoss(nn.Module):
    """:func:`pinball_loss` at fixed probabilities, as a training criterion."""

    def __init__(self, probs: Sequence[float]) -> None:
        super().__init__()
        self.register_buffer("probs", torch.tensor(list(probs), dtype=torch.float32))

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        probs = self.probs
        assert isinstance(probs, torch.Tensor)
        return pinball_loss(prediction, target, probs.to(prediction.device))
