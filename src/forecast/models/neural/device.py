"""Which device a network trains and forecasts on, mixed precision, and reproducible runs.

Rules (``device`` parameter, ``--device`` option):

* ``auto``: CUDA when ``torch.cuda.is_available()``, else Apple MPS when available, else CPU.
* ``cpu`` / ``cuda`` / ``mps``: that device; training refuses one that is not available.
* A saved model forecasts on its ``device`` when available and on the CPU otherwise (a model
  trained on a GPU loads and forecasts on a CPU-only machine: its weights are saved from CPU
  copies). The output states the device used and why.
* Mixed precision (``amp``) is a CUDA option: autocast to bfloat16 where the GPU supports it,
  else float16 with a gradient scaler. Elsewhere training runs in float32 and says so.
* Reproducibility: training runs inside a forked torch RNG seeded with ``seed`` (the caller's
  global generator is left as it was), shuffles with a seeded ``numpy`` generator, and on the
  CPU turns on ``torch.use_deterministic_algorithms`` for its duration, so two fits with the
  same seed on the same machine give bit-identical weights and forecasts.
* CUDA runs are not bit-identical by default (cuBLAS and cuDNN pick non-deterministic
  kernels, atomics in the backward passes). ``deterministic=True`` (``--deterministic``) also
  turns on torch's deterministic algorithms on CUDA, sets cuDNN deterministic (no benchmark
  autotuning) and cuBLAS's fixed workspace (``CUBLAS_WORKSPACE_CONFIG=:4096:8``, when not
  already set before CUDA started): slower training (:data:`DETERMINISTIC_COST`) and an
  error for an operation that has no deterministic kernel.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from forecast.errors import UsageError

DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda", "mps")
DETERMINISTIC_COST = (
    "deterministic CUDA kernels: cuDNN autotuning off and a fixed cuBLAS workspace; slower "
    "training (see bench/RESULTS.md), and an error for an operation without such a kernel"
)
AUTO_RULE = "auto: CUDA, then MPS, then CPU"


@dataclass(frozen=True)
class DeviceChoice:
    """The device used and why (for the output)."""

    device: torch.device
    reason: str

    @property
    def name(self) -> str:
        return self.device.type

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def available(name: str) -> bool:
    if name == "cuda":
        return bool(torch.cuda.is_available())
    if name == "mps":
        return _mps_available()
    return name == "cpu"


def resolve(requested: str, *, strict: bool = True) -> DeviceChoice:
    """The device for ``requested`` (auto|cpu|cuda|mps).

    ``strict`` (training): an unavailable explicit device is a UsageError. Not strict (a loaded
    model forecasting): fall back to the CPU and say so.
    """
    if requested not in DEVICES:
        raise UsageError(f"--device must be one of {', '.join(DEVICES)}, got {requested!r}")
    if requested == "auto":
        for name in ("cuda", "mps"):
            if available(name):
                return DeviceChoice(torch.device(name), AUTO_RULE)
        return DeviceChoice(torch.device("cpu"), AUTO_RULE)
    if available(requested):
        return DeviceChoice(torch.device(requested), "requested")
    if strict:
        raise UsageError(
            f"--device {requested}: no {requested.upper()} device is available to torch "
            f"{torch.__version__}; use --device auto or --device cpu"
        )
    return DeviceChoice(torch.device("cpu"), f"{requested} requested but not available here")


def amp_dtype(choice: DeviceChoice, amp: bool) -> torch.dtype | None:
    """The autocast dtype on CUDA when ``amp`` is on (bf16 where supported, else fp16)."""
    if not (amp and choice.is_cuda):
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def autocast(choice: DeviceChoice, dtype: torch.dtype | None) -> contextlib.AbstractContextManager:
    """Autocast to ``dtype`` on the choice's device, or nothing when ``dtype`` is None."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=choice.device.type, dtype=dtype)


def to_device(tensor: torch.Tensor, choice: DeviceChoice) -> torch.Tensor:
    """Copy a CPU tensor to the device: through pinned memory and non-blocking on CUDA."""
    if choice.is_cuda:
        return tensor.pin_memory().to(choice.device, non_blocking=True)
    return tensor.to(choice.device)


@contextlib.contextmanager
def reproducible(seed: int, choice: DeviceChoice, *, deterministic: bool = False) -> Iterator[None]:
    """Seeded torch RNG (forked: restored afterwards) and deterministic CPU algorithms; on CUDA
    deterministic ones too when ``deterministic`` (see the module doc for the cost)."""
    devices = [choice.device.index or 0] if choice.device.type in ("cuda", "mps") else []
    previous = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    fill = _fill_uninitialized(None)
    cudnn = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    with torch.random.fork_rng(devices=devices, device_type=choice.device.type):
        _seed(seed, choice)
        if choice.device.type == "cpu" or (deterministic and choice.is_cuda):
            if choice.is_cuda:
                os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
                torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
            _deterministic(True, warn_only=False)
            _fill_uninitialized(False)
        try:
            yield
        finally:
            _deterministic(previous, warn_only=warn_only)
            _fill_uninitialized(fill)
            torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = cudnn


def _seed(seed: int, choice: DeviceChoice) -> None:
    """Seed the generators training reads, and only those ``fork_rng`` restores: the CPU's
    and the training device's. (``torch.manual_seed`` also reseeds every CUDA and MPS
    generator, which a CPU fit on a GPU machine would leave changed for the caller.)"""
    torch.default_generator.manual_seed(seed)
    if choice.is_cuda and choice.device.index is None:
        torch.cuda.manual_seed(seed)  # the current device; queued until CUDA starts
    elif choice.is_cuda:
        with torch.cuda.device(choice.device.index):
            torch.cuda.manual_seed(seed)
    elif choice.device.type == "mps":
        torch.mps.manual_seed(seed)


def _fill_uninitialized(mode: bool | None) -> bool | None:
    """Set (unless ``mode`` is None) and return the previous value of
    ``torch.utils.deterministic.fill_uninitialized_memory``.

    In deterministic mode torch fills every fresh allocation with NaN by default, so that a
    program reading memory it never wrote fails visibly: a debugging aid that costs 15-20% of
    LSTM training time here and changes no result of a correct program. Training turns it off.
    """
    from torch.utils import deterministic

    previous = getattr(deterministic, "fill_uninitialized_memory", None)
    if mode is not None and previous is not None:
        deterministic.fill_uninitialized_memory = mode  # type: ignore[attr-defined]
    return previous


def _deterministic(mode: bool, *, warn_only: bool) -> None:
    """``torch.use_deterministic_algorithms`` for eager execution.

    The public function also sets the flag of torch's compiler (inductor), importing it to do
    so: 1.6 s of start-up for a compiler these models never use. The eager flag is the same
    call the public function makes; torch versions without it get the public function.
    """
    setter = getattr(torch._C, "_set_deterministic_algorithms", None)
    if setter is None or "torch._inductor.config" in sys.modules:
        torch.use_deterministic_algorithms(mode, warn_only=warn_only)
    else:
        setter(mode, warn_only=warn_only)
