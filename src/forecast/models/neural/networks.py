"""The networks: a recurrent encoder (RNN, LSTM, GRU) or a Transformer encoder over the input
window, and a linear head that emits ``out_steps`` values at once.

Every network maps ``x`` of shape ``[batch, window, features]`` (the scaled values, then the
calendar features) to ``[batch, out_steps]``: the next ``out_steps`` scaled values (the direct
strategy) or the next one (``out_steps = 1``, the recursive strategy). The head predicts the
change from the last input value, which is added back: a network that outputs zeros is the
naive forecast, so training starts from a sensible baseline and a level shift in the data does
not have to be learnt by the weights.

A network is described by a plain JSON-able dict (its kind and sizes), which the model file stores
next to the weights; :func:`build` turns it back into the module.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

RECURRENT = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class RecurrentNet(nn.Module):
    """Stacked (optionally bidirectional) RNN/LSTM/GRU; the head reads the last layer's final
    hidden state (both directions' when bidirectional)."""

    def __init__(
        self,
        cell: str,
        input_size: int,
        hidden_size: int,
        layers: int,
        dropout: float,
        bidirectional: bool,
        out_steps: int,
        exog_size: int = 0,
    ) -> None:
        super().__init__()
        self.cell = cell
        self.directions = 2 if bidirectional else 1
        self.rnn = RECURRENT[cell](
            input_size,
            hidden_size,
            num_layers=layers,
            batch_first=True,
            dropout=dropout if layers > 1 else 0.0,  # between stacked layers
            bidirectional=bidirectional,
        )
        self.dropout = nn.Dropout(dropout)  # on the encoder's output
        self.head = nn.Linear(hidden_size * self.directions, out_steps)
        self.future = FutureRegressors(out_steps, exog_size)

    def forward(
        self, x: torch.Tensor, future: torch.Tensor | None = None
    ) -> torch.Tensor:  # x: [batch, window, features]; future: [batch, out_steps, exog]
        _, state = self.rnn(x)
        hidden = state[0] if self.cell == "lstm" else state  # [layers * dirs, batch, hidden]
        last = hidden[-self.directions :].transpose(0, 1).reshape(x.shape[0], -1)  # [batch, h*d]
        out = x[:, -1, :1] + self.head(self.dropout(last))  # [batch, out_steps]
        return self.future(out, future)


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
    ) -> None:
        super().__init__()
        self.causal = causal
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
        last = self.norm(self.encode(x)[:, -1])  # [batch, d_model]
        out = x[:, -1, :1] + self.head(self.dropout(last))  # [batch, out_steps]
        return self.future(out, future)


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


def build(arch: dict[str, Any]) -> nn.Module:
    """The module an :func:`architecture` dict describes (weights freshly initialised).
    ``{"kind": "embedded", "series": N, "dim": d, "inner": {...}}`` wraps ``inner`` in an
    :class:`EmbeddedNet`."""
    kind = arch["kind"]
    if kind == "embedded":
        inner = build(dict(arch["inner"]))
        return EmbeddedNet(inner, int(arch["series"]), int(arch["dim"]))
    if kind in RECURRENT:
        return RecurrentNet(
            kind,
            int(arch["input_size"]),
            int(arch["hidden_size"]),
            int(arch["layers"]),
            float(arch["dropout"]),
            bool(arch["bidirectional"]),
            int(arch["out_steps"]),
            int(arch.get("exog_size", 0)),
        )
    if kind == "transformer":
        return TransformerNet(
            int(arch["input_size"]),
            int(arch["d_model"]),
            int(arch["heads"]),
            int(arch["layers"]),
            int(arch["ff_size"]),
            float(arch["dropout"]),
            bool(arch["causal"]),
            int(arch["window"]),
            int(arch["patch"]),
            int(arch["out_steps"]),
            int(arch.get("exog_size", 0)),
        )
    from forecast.models.neural import families

    if kind in families.KINDS:
        return families.build(arch)
    raise ValueError(f"unknown network kind {kind!r}")


def check_shape(
    arch: dict[str, Any],
    input_size: int,
    window: int,
    out: int,
    exog: int = 0,
    embedding: tuple[int, int] | None = None,
) -> None:
    """Raise ValueError unless ``arch`` takes ``input_size`` features over ``window`` steps
    and gives ``out`` steps, with ``exog`` regressors and, when ``embedding`` is ``(series,
    dim)``, a learned embedding of that shape: a model file's network must match the data
    layout its metadata describes."""
    embedded = arch.get("kind") == "embedded"
    if embedded != (embedding is not None) or (
        embedding is not None and (int(arch["series"]), int(arch["dim"])) != embedding
    ):
        raise ValueError("the network's series embedding does not match the series list")
    inner = dict(arch["inner"]) if embedded else arch
    found = (
        int(inner["input_size"]),
        int(inner["out_steps"]),
        int(inner.get("exog_size", 0)),
        int(inner.get("window", window)),
    )
    if found != (input_size, out, exog, window):
        raise ValueError("the network's shape does not match the model's window and features")


def parameter_count(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


WEIGHTS_PREFIX = "weights."  # a model file's arrays that are the network's parameters


def weight_arrays(net: nn.Module) -> dict[str, Any]:
    """The network's parameters as float32 numpy arrays named ``weights.<parameter>``."""
    return {
        f"{WEIGHTS_PREFIX}{k}": v.detach().cpu().float().numpy().copy()
        for k, v in net.state_dict().items()
    }


def restore(arch: dict[str, Any], arrays: Any) -> nn.Module:
    """The network ``arch`` describes with the weights of :func:`weight_arrays` (a model
    file's arrays; the others are ignored), in eval mode. The global RNG is left as it was:
    building initialises weights that are then replaced."""
    import numpy as np

    state = {
        k[len(WEIGHTS_PREFIX) :]: torch.from_numpy(np.array(v, dtype=np.float32))
        for k, v in arrays.items()
        if k.startswith(WEIGHTS_PREFIX)
    }
    with torch.random.fork_rng(devices=[]):
        net = build(arch)
    net.load_state_dict(state, strict=True)
    return net.eval()
