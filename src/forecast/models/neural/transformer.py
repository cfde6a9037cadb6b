"""The Transformer encoder over the input window (patches as tokens, sinusoidal positions,
optional causal mask) and a linear head on the last token, added to the last input value (the
naive skip of :mod:`networks`)."""

from __future__ import annotations

import math

import torch
from torch import nn

from forecast.models.neural.heads import FutureRegressors, relative_to_last


def sinusoidal(length: int, d_model: int) -> torch.Tensor:
    """Vaswani et al. (2017) positional encoding, ``[length, d_model]``."""
    position = torch.arange(length, dtype=torch.float32).unsqueeze(1)  # [length, 1]
    rate = torch.exp(
        torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model)
    )
    table = torch.zeros(length, d_model)
    table[:, 0::2] = torch.sin(position * rate)
    table[:, 1::2] = torch.cos(position * rate[: d_model // 2])
    return table


class TransformerNet(nn.Module):
    """Patches of ``patch`` consecutive steps embedded as tokens (PatchTST, Nie et al. 2023;
    ``patch = 1``: one token per step), sinusoidal positions, a pre-norm ``TransformerEncoder``
    (optionally causal: each token attends to itself and earlier tokens only), and the head on
    the last token's representation. A window that is not a multiple of ``patch`` is padded at
    its start with copies of its first step."""

    def __init__(
        self,
        input_size: int,
        d_model: int,
        heads: int,
        layers: int,
        ff_size: int,
        dropout: float,
        causal: bool,
        window: int,
        patch: int,
        out_steps: int,
        exog_size: int = 0,
        relative: bool = False,
    ) -> None:
        super().__init__()
        self.causal = causal
        self.relative = relative  # read the window minus its last value (heads.relative_to_last)
        self.patch = patch
        self.tokens = math.ceil(window / patch)
        self.embed = nn.Linear(input_size * patch, d_model)
        self.register_buffer("position", sinusoidal(self.tokens, d_model), persistent=False)
        mask = nn.Transformer.generate_square_subsequent_mask(self.tokens) if causal else None
        self.register_buffer("mask", mask, persistent=False)
        layer = nn.TransformerEncoderLayer(
            d_model, heads, ff_size, dropout, batch_first=True, norm_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(d_model, out_steps)
        self.future = FutureRegressors(out_steps, exog_size)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Token representations ``[batch, tokens, d_model]`` of ``x`` ``[batch, window, F]``."""
        batch, window, width = x.shape
        pad = self.tokens * self.patch - window
        if pad:
            x = torch.cat([x[:, :1].expand(batch, pad, width), x], dim=1)
        tokens = x.reshape(batch, self.tokens, self.patch * width)  # [batch, tokens, patch*F]
        h = self.embed(tokens) + self.position  # [batch, tokens, d_model]
        return self.encoder(h, mask=self.mask, is_causal=self.causal)

    def forward(
        self, x: torch.Tensor, future: torch.Tensor | None = None
    ) -> torch.Tensor:  # x: [batch, window, features]; future: [batch, out_steps, exog]
        base = x[:, -1, :1]  # [batch, 1] the last scaled value: the naive forecast
        if self.relative:
            x, base = relative_to_last(x)
        last = self.norm(self.encode(x)[:, -1])  # [batch, d_model]
        out = base + self.head(self.dropout(last))  # [batch, out_steps]
        return self.future(out, future)
