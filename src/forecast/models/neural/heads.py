"""Pieces every network shares: the known future regressors fed to the head
(:class:`FutureRegressors`) and the learned per-series embedding of the global models
(:class:`EmbeddedNet`)."""

from __future__ import annotations

import torch
from torch import nn


def relative_to_last(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``x`` ``[batch, window, F]`` with its first feature (the scaled values) minus the
    window's last value, and that last value ``[batch, 1]``: the input of a network whose
    ``relative`` flag is set (the same shape at another level is the same input; issue 33)."""
    base = x[:, -1, :1]
    return torch.cat([x[:, :, :1] - base.unsqueeze(1), x[:, :, 1:]], dim=-1), base


SCALE_FLOOR = 0.05  # the least window standard deviation divided by (scaled units: IQR = 1)


def window_spread(values: torch.Tensor) -> torch.Tensor:
    """Each window's standard deviation, at least :data:`SCALE_FLOOR`: ``values`` ``[batch,
    window]`` -> ``[batch, 1]`` (``window_scale="std"``: what a window, relative to its anchor,
    is divided by and the network's output multiplied by)."""
    return values.std(dim=1, keepdim=True).clamp_min(SCALE_FLOOR)


class FutureRegressors(nn.Module):
    """The known future values of the regressors fed to the head: step j of the output gets
    ``sum_k w[j, k] x[t + j, k]`` (weights per step, starting at zero), so the forecast at t+j
    reads the regressors at t+j only (a longer head never needs values past the horizon)."""

    def __init__(self, out_steps: int, exog_size: int) -> None:
        super().__init__()
        self.exog_size = exog_size
        if exog_size:
            self.weight = nn.Parameter(torch.zeros(out_steps, exog_size))

    def forward(self, out: torch.Tensor, future: torch.Tensor | None) -> torch.Tensor:
        if not self.exog_size or future is None:
            return out
        return out + (future * self.weight).sum(-1)  # [batch, out_steps]


class EmbeddedNet(nn.Module):
    """A network with a learned per-series embedding (global models over a panel): the series'
    vector of ``dim`` values is appended to every step's features, so ``inner`` reads
    ``[batch, window, features + dim]``. The first feature stays the scaled value (the inner
    network's naive skip connection reads it)."""

    def __init__(self, inner: nn.Module, series: int, dim: int) -> None:
        super().__init__()
        self.inner = inner
        self.embedding = nn.Embedding(series, dim)

    def forward(self, x: torch.Tensor, sid: torch.Tensor) -> torch.Tensor:  # x: [B, window, F]
        e = self.embedding(sid)  # [B, dim]
        e = e.unsqueeze(1).expand(x.shape[0], x.shape[1], e.shape[1])  # [B, window, dim]
        return self.inner(torch.cat([x, e.to(x.dtype)], dim=-1))  # [B, out_steps]
