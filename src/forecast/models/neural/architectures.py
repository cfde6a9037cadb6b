"""What the architecture dicts of the feed-forward and convolutional families hold (their
hyperparameters under their own names, beside the input width, window and head size) and the
one line that names such a network. Light: imports no torch, so the forecasters, the network
factory (:mod:`networks`) and the model-file checks can all read it."""

from __future__ import annotations

from typing import Any

KINDS = ("mlp", "cnn", "tcn", "nbeats", "nhits")
ARCH_KEYS: dict[str, tuple[str, ...]] = {
    "mlp": ("hidden_size", "layers", "dropout"),
    "cnn": ("filters", "kernel_size", "layers", "pool", "dropout"),
    "tcn": ("filters", "kernel_size", "layers", "dropout"),
    "nbeats": ("basis", "stacks", "blocks", "hidden_size", "layers", "degree", "dropout"),
    "nhits": ("pools", "downsample", "blocks", "hidden_size", "layers", "dropout"),
}


def describe(arch: dict[str, Any]) -> str:
    """One line naming the network an architecture dict describes."""
    from forecast.models.neural.conv import receptive_field

    kind = arch["kind"]
    if kind == "mlp":
        return f"MLP {arch['layers']} x {arch['hidden_size']} over the flattened window"
    if kind == "cnn":
        return (
            f"CNN {arch['layers']} x (Conv1d {arch['filters']} filters, kernel "
            f"{arch['kernel_size']}, max-pool {arch['pool']}), global average pooling"
        )
    if kind == "tcn":
        field = receptive_field(int(arch["kernel_size"]), int(arch["layers"]))
        return (
            f"TCN {arch['layers']} residual blocks (dilations 1..{2 ** (arch['layers'] - 1)}, "
            f"{arch['filters']} filters, kernel {arch['kernel_size']}), receptive field {field}"
        )
    blocks = int(arch["blocks"])
    fc = f"{blocks} block{'s' if blocks != 1 else ''} of {arch['layers']} x {arch['hidden_size']}"
    if kind == "nbeats" and arch["basis"] == "interpretable":
        return (
            f"N-BEATS interpretable: trend (degree {arch['degree']}) and seasonality stacks, {fc}"
        )
    if kind == "nbeats":
        return f"N-BEATS generic: {arch['stacks']} stacks, {fc}"
    pools = ",".join(map(str, arch["pools"]))
    rates = ",".join(map(str, arch["downsample"]))
    return f"N-HiTS {len(arch['pools'])} stacks (pools {pools}, downsample {rates}), {fc}"
