"""Convolutional encoders over the window: the lecture's Conv1D/pooling stack (``cnn``) and a
temporal convolutional network of dilated causal convolutions with residual blocks (``tcn``,
Bai, Kolter and Koltun 2018, "An empirical evaluation of generic convolutional and recurrent
networks for sequence modeling").

Both read ``x`` ``[batch, window, features]`` as ``features`` channels over ``window`` time
steps and add their head's output to the last input value (the naive skip of :mod:`networks`);
with ``relative`` they read the window minus that value (:func:`heads.relative_to_last`).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from forecast.models.neural.heads import FutureRegressors, relative_to_last


class CnnNet(nn.Module):
    """``layers`` x (Conv1d of ``kernel_size`` with same-length padding, ReLU, max-pooling of
    ``pool`` (:class:`LatestMaxPool`), Dropout), then global average pooling over time beside
    the last position's channels, and a linear head. Pooling stops once fewer than ``pool``
    steps are left."""

    def __init__(
        self,
        input_size: int,
        window: int,
        filters: int,
        kernel_size: int,
        layers: int,
        pool: int,
        dropout: float,
        out_steps: int,
        exog_size: int = 0,
        relative: bool = False,
    ) -> None:
        super().__init__()
        self.relative = relative  # read the window minus its last value (heads.relative_to_last)
        blocks: list[nn.Module] = []
        channels, length = input_size, window
        for _ in range(layers):
            blocks += [nn.Conv1d(channels, filters, kernel_size, padding="same"), nn.ReLU()]
            if pool > 1 and length >= pool:
                blocks.append(LatestMaxPool(pool))
                length //= pool
            blocks.append(nn.Dropout(dropout))
            channels = filters
        self.body = nn.Sequential(*blocks)
        self.head = nn.Linear(2 * filters, out_steps)
        self.future = FutureRegressors(out_steps, exog_size)

    def forward(self, x: torch.Tensor, future: torch.Tensor | None = None) -> torch.Tensor:
        base = x[:, -1, :1]
        if self.relative:
            x, _ = relative_to_last(x)
        h = self.body(x.transpose(1, 2))  # [batch, filters, length]
        pooled = torch.cat([h.mean(-1), h[:, :, -1]], dim=-1)  # [batch, 2 * filters]
        out = base + self.head(pooled)
        return self.future(out, future)


class LatestMaxPool(nn.Module):
    """Maxima of consecutive groups of ``size`` steps ending at the last one: the oldest
    ``length % size`` steps are dropped (``MaxPool1d`` would drop the newest). A reshape and
    ``amax``, whose backward pass is deterministic on CUDA."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [batch, channels, time]
        batch, channels, length = x.shape
        kept = length - length % self.size
        return x[:, :, length - kept :].reshape(batch, channels, -1, self.size).amax(-1)


def receptive_field(kernel_size: int, layers: int) -> int:
    """Steps one output of :class:`TcnNet` sees: each of ``layers`` residual blocks holds two
    causal convolutions of dilation ``2**i``, each widening the field by
    ``(kernel_size - 1) * 2**i``: ``1 + 2 (kernel_size - 1) (2**layers - 1)``."""
    return 1 + 2 * (kernel_size - 1) * (2**layers - 1)


class CausalConv(nn.Module):
    """Conv1d padded on the left only: output t reads inputs t - (k - 1) d .. t."""

    def __init__(self, channels_in: int, channels_out: int, kernel_size: int, dilation: int):
        super().__init__()
        self.pad = (kernel_size - 1) * dilation
        self.conv = nn.Conv1d(channels_in, channels_out, kernel_size, dilation=dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [batch, channels, time]
        return self.conv(F.pad(x, (self.pad, 0)))


class TcnBlock(nn.Module):
    """Two dilated causal convolutions (ReLU, dropout) and a residual connection (1x1
    convolution where the channel count changes)."""

    def __init__(
        self, channels_in: int, filters: int, kernel_size: int, dilation: int, dropout: float
    ):
        super().__init__()
        self.net = nn.Sequential(
            CausalConv(channels_in, filters, kernel_size, dilation),
            nn.ReLU(),
            nn.Dropout(dropout),
            CausalConv(filters, filters, kernel_size, dilation),
            nn.ReLU(),
            nn.Dropout(dropout),
        )
        self.skip = nn.Conv1d(channels_in, filters, 1) if channels_in != filters else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = x if self.skip is None else self.skip(x)
        return torch.relu(self.net(x) + residual)


class TcnNet(nn.Module):
    """``layers`` residual blocks of dilations 1, 2, 4, ...; the head reads the last time
    step's channels, which see :func:`receptive_field` steps back."""

    def __init__(
        self,
        input_size: int,
        window: int,
        filters: int,
        kernel_size: int,
        layers: int,
        dropout: float,
        out_steps: int,
        exog_size: int = 0,
        relative: bool = False,
    ) -> None:
        super().__init__()
        self.relative = relative  # read the window minus its last value (heads.relative_to_last)
        self.receptive_field = receptive_field(kernel_size, layers)
        self.blocks = nn.Sequential(
            *(
                TcnBlock(input_size if i == 0 else filters, filters, kernel_size, 2**i, dropout)
                for i in range(layers)
            )
        )
        self.head = nn.Linear(filters, out_steps)
        self.future = FutureRegressors(out_steps, exog_size)

    def forward(self, x: torch.Tensor, future: torch.Tensor | None = None) -> torch.Tensor:
        base = x[:, -1, :1]
        if self.relative:
            x, _ = relative_to_last(x)
        last = self.blocks(x.transpose(1, 2))[:, :, -1]  # [batch, filters]
        out = base + self.head(last)
        return self.future(out, future)
