"""The networks, built from their architecture dicts: a recurrent encoder (:mod:`recurrent`), a
Transformer encoder (:mod:`transformer`), the feed-forward and convolutional families
(:mod:`dense`, :mod:`conv`, :mod:`nbeats`), optionally wrapped with a series embedding
(:mod:`heads`); each emits ``out_steps`` values at once.

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

from typing import Any

import torch
from torch import nn

from forecast.models.neural import conv, dense, nbeats
from forecast.models.neural.architectures import ARCH_KEYS, KINDS, core
from forecast.models.neural.heads import EmbeddedNet
from forecast.models.neural.quantile_head import QuantileNet
from forecast.models.neural.recurrent import RECURRENT, RecurrentNet
from forecast.models.neural.transformer import TransformerNet


def build(arch: dict[str, Any]) -> nn.Module:
    """The module an :func:`architecture` dict describes (weights freshly initialised).
    ``{"kind": "embedded", "series": N, "dim": d, "inner": {...}}`` wraps ``inner`` in an
    :class:`EmbeddedNet`; an arch with ``"quantiles"`` (probabilities) is a quantile head
    (:class:`~forecast.models.neural.quantile_head.QuantileNet` over the network built with
    ``out_steps x P`` outputs)."""
    if arch.get("quantiles"):
        return _quantile_net(arch)
    kind = arch["kind"]
    if kind == "mean":
        return MeanNet([build(dict(arch["inner"])) for _ in range(int(arch["members"]))])
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
            bool(arch.get("relative", False)),
            str(arch.get("window_scale", "none")),  # files written before it: none
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
            bool(arch.get("relative", False)),
        )
    if kind in KINDS:
        return _family(arch)
    raise ValueError(f"unknown network kind {kind!r}")


class MeanNet(nn.Module):
    """The mean of the outputs of networks of one architecture (``{"kind": "mean", "members":
    k, "inner": {...}}``): a global nbeats' or nhits' networks trained from k seeds."""

    def __init__(self, members: list[nn.Module]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return torch.stack([member(*inputs) for member in self.members]).mean(dim=0)


def _quantile_net(arch: dict[str, Any]) -> nn.Module:
    """The quantile head of ``arch`` (its ``"quantiles"``): the same network with ``P`` times
    the outputs (of the inner network, for an embedded one), wrapped."""
    base = {k: v for k, v in arch.items() if k != "quantiles"}
    probs = [float(p) for p in arch["quantiles"]]
    inner = dict(base["inner"]) if base["kind"] == "embedded" else base
    out = int(inner["out_steps"])
    inner["out_steps"] = out * len(probs)
    if base["kind"] == "embedded":
        base["inner"] = inner
    return QuantileNet(build(base), probs, out)


def _family(arch: dict[str, Any]) -> nn.Module:
    """The module of one of :data:`architectures.KINDS` an architecture dict describes."""
    kind = arch["kind"]
    shape: dict[str, Any] = {
        "input_size": int(arch["input_size"]),
        "window": int(arch["window"]),
        "out_steps": int(arch["out_steps"]),
        "exog_size": int(arch.get("exog_size", 0)),
    }
    size = {k: arch[k] for k in ARCH_KEYS[kind]}
    relative = bool(arch.get("relative", False))  # files written before it read levels
    if kind == "mlp":
        return dense.MlpNet(**shape, **size, relative=relative)
    if kind == "cnn":
        return conv.CnnNet(**shape, **size, relative=relative)
    if kind == "tcn":
        return conv.TcnNet(**shape, **size, relative=relative)
    # files written before these keys: the last value, no division
    anchor, scale = str(arch.get("anchor", "last")), str(arch.get("window_scale", "none"))
    if kind == "nbeats":
        return nbeats.nbeats(**shape, **size, anchor=anchor, window_scale=scale)
    size["pools"], size["downsample"] = list(arch["pools"]), list(arch["downsample"])
    return nbeats.nhits(**shape, **size, anchor=anchor, window_scale=scale)


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
    if arch.get("kind") == "mean":
        arch = dict(arch["inner"])
    embedded = arch.get("kind") == "embedded"
    if embedded != (embedding is not None) or (
        embedding is not None and (int(arch["series"]), int(arch["dim"])) != embedding
    ):
        raise ValueError("the network's series embedding does not match the series list")
    inner = core(arch)
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
