"""Device rules with the accelerators mocked (no test needs a GPU), mixed precision, and the
reproducibility context. The last tests run only where CUDA exists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from forecast.errors import UsageError
from forecast.models.neural import device as dev


@pytest.fixture
def cuda_present(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)


@pytest.fixture
def no_accelerator(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(dev, "_mps_available", lambda: False)


def test_auto_prefers_cuda_then_mps_then_cpu(monkeypatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(dev, "_mps_available", lambda: True)
    assert dev.resolve("auto").name == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert dev.resolve("auto").name == "mps"
    monkeypatch.setattr(dev, "_mps_available", lambda: False)
    choice = dev.resolve("auto")
    assert choice.name == "cpu" and choice.reason == "auto: CUDA, then MPS, then CPU"


def test_an_unavailable_device_is_refused_for_training_and_falls_back_for_forecasts(
    no_accelerator,
) -> None:
    with pytest.raises(UsageError, match=r"--device cuda: no CUDA device is available"):
        dev.resolve("cuda")
    with pytest.raises(UsageError, match=r"--device mps: no MPS device"):
        dev.resolve("mps", strict=True)
    fallback = dev.resolve("cuda", strict=False)
    assert fallback.name == "cpu" and fallback.reason == "cuda requested but not available here"
    with pytest.raises(UsageError, match=r"--device must be one of auto, cpu, cuda, mps"):
        dev.resolve("tpu")


def test_amp_is_bf16_where_supported_else_fp16_and_only_on_cuda(monkeypatch, cuda_present):
    cuda = dev.DeviceChoice(torch.device("cuda"), "requested")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert dev.amp_dtype(cuda, True) is torch.bfloat16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    assert dev.amp_dtype(cuda, True) is torch.float16
    assert dev.amp_dtype(cuda, False) is None
    assert dev.amp_dtype(dev.DeviceChoice(torch.device("cpu"), "requested"), True) is None


def test_copies_to_cuda_go_through_pinned_memory_non_blocking() -> None:
    calls: list[tuple] = []

    class FakeTensor:
        def pin_memory(self):
            calls.append(("pin_memory",))
            return self

        def to(self, device, non_blocking=False):
            calls.append(("to", str(device), non_blocking))
            return self

    dev.to_device(FakeTensor(), dev.DeviceChoice(torch.device("cuda"), "requested"))
    assert calls == [("pin_memory",), ("to", "cuda", True)]


def test_reproducible_seeds_and_restores_the_callers_rng_and_flags() -> None:
    cpu = dev.DeviceChoice(torch.device("cpu"), "requested")
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    from torch.utils import deterministic

    assert deterministic.fill_uninitialized_memory
    with dev.reproducible(7, cpu):
        inside = torch.rand(3)
        assert torch.are_deterministic_algorithms_enabled()
        assert not deterministic.fill_uninitialized_memory  # a debugging aid, off for speed
    assert not torch.are_deterministic_algorithms_enabled()
    assert deterministic.fill_uninitialized_memory  # restored
    torch.testing.assert_close(torch.rand(3), expected_next)  # the caller's stream is untouched
    with dev.reproducible(7, cpu):
        torch.testing.assert_close(torch.rand(3), inside)  # same seed, same draws


def test_a_cpu_fit_reseeds_no_accelerator_generator(monkeypatch) -> None:
    # torch.manual_seed would also reseed every CUDA and MPS generator, which fork_rng does
    # not restore for a CPU fit: the caller's GPU stream would change. Only the CPU's is seeded,
    # to the same state torch.manual_seed gives it.
    calls: list[str] = []
    for module, name in ((torch.cuda, "manual_seed_all"), (torch.cuda, "manual_seed"),
                         (torch.mps, "manual_seed")):  # fmt: skip
        monkeypatch.setattr(module, name, lambda *a, _n=name, **k: calls.append(_n))
    cpu = dev.DeviceChoice(torch.device("cpu"), "requested")
    with dev.reproducible(7, cpu):
        ours = torch.rand(5)
    assert calls == []
    monkeypatch.undo()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(7)
        torch.testing.assert_close(ours, torch.rand(5), rtol=0, atol=0)


def test_a_cuda_fit_seeds_its_own_device_only(monkeypatch) -> None:
    import contextlib

    calls: list[tuple[str, int]] = []
    monkeypatch.setattr(torch.cuda, "manual_seed_all", lambda s: calls.append(("all", s)))
    monkeypatch.setattr(torch.cuda, "manual_seed", lambda s: calls.append(("one", s)))
    monkeypatch.setattr(torch.cuda, "device", lambda index: contextlib.nullcontext())
    monkeypatch.setattr(torch.random, "fork_rng", lambda **k: contextlib.nullcontext())
    gpu = dev.DeviceChoice(torch.device("cuda", 1), "requested")
    before = torch.random.get_rng_state()  # fork_rng is mocked: restore the CPU's by hand
    try:
        with dev.reproducible(11, gpu):
            pass
    finally:
        torch.random.set_rng_state(before)
    assert calls == [("one", 11)]


def test_a_model_saved_with_device_cuda_forecasts_on_a_cpu_only_machine(
    no_accelerator, tmp_path
) -> None:
    from forecast.io.modelfile import load_model, save_model
    from forecast.models.registry import create
    from tests.models.neural.test_neural_contract import TINY, monthly_series

    y = monthly_series()
    model = create("gru", TINY).fit(y)
    meta, arrays = model.get_state()
    meta["params"]["device"] = "cuda"  # as a model trained with --device cuda is saved
    meta["fitted"]["trained_on"] = "cuda"
    restored = type(model).from_state(meta, arrays)
    choice = restored.inference_device()
    assert choice.name == "cpu" and "cuda requested but not available" in choice.reason
    np.testing.assert_array_equal(restored.predict(6, [80]).mean, model.predict(6, [80]).mean)
    path = tmp_path / "m.fcm"
    save_model(path, restored, {})
    assert load_model(path).model.predict(3).mean.shape == (3,)


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@needs_cuda
@pytest.mark.parametrize("amp", [False, True])
def test_trains_on_cuda_and_reloads_on_cpu(amp, tmp_path, monkeypatch) -> None:
    from forecast.io.modelfile import load_model, save_model
    from forecast.models.registry import create
    from tests.models.neural.test_neural_contract import TINY, monthly_series

    y = monthly_series()
    model = create("lstm", {**TINY, "device": "cuda", "amp": amp}).fit(y)
    assert model.summary().extra["device"] == "cuda"
    on_gpu = model.predict(6, [80])
    path = tmp_path / "m.fcm"
    save_model(path, model, {})
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    loaded = load_model(path).model
    assert loaded.inference_device().name == "cpu"
    np.testing.assert_allclose(loaded.predict(6, [80]).mean, on_gpu.mean, rtol=1e-4)
    assert isinstance(loaded.end_, pd.Timestamp)
