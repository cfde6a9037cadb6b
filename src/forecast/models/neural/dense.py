"""The dense baseline of the temperature lecture: the window (values and their features)
flattened, ``layers`` fully connected ReLU layers of ``hidden_size`` units, and a linear head
that emits ``out_steps`` values at once, added to the last input value (the naive skip of
:mod:`networks`). With ``relative`` (every network fitted since issue 28's tuning) the window is
read minus its last value, so the same shape at another level is the same input."""

from __future__ import annotations

import itertools

import torch
from torch import nn

from forecast.models.neural.heads import FutureRegressors, relative_to_last


class MlpNet(nn.Module):
    """Flattened window -> ``layers`` x (Linear, ReLU, Dropout) -> linear head."""

    def __init__(
        self,
        input_size: int,
        window: int,
        hidden_size: int,
        layers: int,
        dropout: float,
        out_steps: int,
        exog_size: int = 0,
        relative: bool = False,
    ) -> None:
        super().__init__()
        self.relative = relative  # read the window minus its last value (heads.relative_to_last)
        sizes = [input_size * window] + [hidden_size] * layers
        body: list[nn.Module] = []
        for a, b in itertools.pairwise(sizes):
            body += [nn.Linear(a, b), nn.ReLU(), nn.Dropout(dropout)]
        self.body = nn.Sequential(*body)
        self.head = nn.Linear(sizes[-1], out_steps)
        self.future = FutureRegressors(out_steps, exog_size)

    def forward(
        self, x: torch.Tensor, future: torch.Tensor | None = None
    ) -> torch.Tensor:  # x: [batch, window, features]
        base = x[:, -1, :1]
        if self.relative:
            x, _ = relative_to_last(x)
        out = base + self.head(self.body(x.flatten(1)))  # [batch, out_steps]
        return self.future(out, future)
