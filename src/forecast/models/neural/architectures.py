"""What the architecture dicts of the feed-forward and convolutional families hold (their
hyperparameters under their own names, beside the input width, window and head size) and the
one line that names such a network. Light: imports no torch, so the forecasters, the network
factory (:mod:`networks`) and the model-file checks can all read it."""

from __future__ import annotations

from typing import Any

KINDS = ("mlp", "cnn", "tcn", "nbeats", "nhits")
ANCHORS = ("last", "mean")  # nbeats / nhits: what the window is read relative to ("anchor")
WINDOW_SCALES = ("none", "std")  # what it is divided by ("window_scale"; the recurrent too)
# window_scale=auto divides a global model's windows by their standard deviation on quarterly
# panels only (nbeats, nhits and the recurrent models; bench/RESULTS.md, issue 33): there it
# took nhits' MASE on 250 M3 series from 1.125 to 1.089 (draw A) and 1.328 to 1.216 (draw B),
# nbeats' from 1.332 to 1.211 (B), gru's from 1.286 / 1.445 to 1.141 / 1.265; on monthly data it
# cost nhits 11-13 % and gru 2 %, and on yearly data it was mixed (nhits A 2.948 -> 2.852, B
# 2.472 -> 2.631).
QUARTERLY = 4


def panel_window_scale(arch: dict[str, Any], calendar: int | None) -> dict[str, Any]:
    """``arch`` with ``window_scale=auto`` settled for a global model on a panel whose frequency
    has the calendar period ``calendar``: std on quarterly data, else none (a given
    ``window_scale`` is kept)."""
    return {"window_scale": "std" if calendar == QUARTERLY else "none", **arch}


def check_window_scale(window_scale: str) -> None:
    """ValueError unless ``window_scale`` is one of :data:`WINDOW_SCALES` (a network's)."""
    if window_scale not in WINDOW_SCALES:
        raise ValueError(f"window_scale must be none or std, got {window_scale!r}")


def core(arch: dict[str, Any]) -> dict[str, Any]:
    """The network's own architecture inside its wrappers: the mean over seeds
    (``{"kind": "mean", "inner": ...}``), then the series embedding (``"embedded"``)."""
    for wrapper in ("mean", "embedded"):
        if arch.get("kind") == wrapper:
            arch = dict(arch["inner"])
    return arch


def given_window_scale(arch: dict[str, Any], model: Any) -> dict[str, Any]:
    """``arch`` with the model's ``window_scale`` when it is not ``auto`` (auto on one series:
    none, as files written before it)."""
    scale = getattr(model, "window_scale", "auto")
    return arch if scale == "auto" else {**arch, "window_scale": scale}


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
