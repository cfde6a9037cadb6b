"""The neural families of issue 28 (mlp, cnn, tcn, nbeats, nhits): accuracy on the retail panel
against snaive and the existing GRU, and training throughput against a bare PyTorch loop.

1. Accuracy: each store less its last 12 months; one global network per model (default sizes,
   ``--epochs`` at most, seed 0, CPU) forecasting the 12 held-out months once. MAE and MASE
   (scaled by the series' in-sample seasonal-naive MAE), means over the 12 series; CPU seconds
   of the fit (``time.process_time``, all threads).
2. Throughput: training samples per CPU second of each global model (default sizes, window 96,
   48 steps, calendar features) on the simulated panel of bench_global_neural.py (50 series x
   400 half-hours), against a bare loop over the same batches (the same origins and shuffling,
   windows gathered with ``unfold`` from one tensor, the same network, Adam, L1, clipping; no
   validation pass, no best-weights snapshot). Ours is timed over the whole fit (validation,
   early-stopping bookkeeping and calibration included), so the ratio is a lower bound.
   Best of ``--rounds``.

Usage: ``python bench/bench_neural_families.py [accuracy] [throughput] [--epochs N]
[--rounds N] [--models a,b]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_global_neural import _scores, _simulated  # noqa: E402

from forecast.data import load  # noqa: E402
from forecast.models.neural.global_model import GlobalForecaster  # noqa: E402
from forecast.models.registry import create  # noqa: E402

FAMILIES = ("mlp", "cnn", "tcn", "nbeats", "nhits")


def accuracy(epochs: int, models: tuple[str, ...]) -> None:
    retail = load(str(ROOT / "sample_data" / "retail_panel.csv"), id_col="store")
    series = [(s.id or "", s.y) for s in retail]
    horizon = period = 12
    train = [(sid, y.iloc[:-horizon]) for sid, y in series]
    actual = {sid: y.iloc[-horizon:].to_numpy() for sid, y in series}
    rows = []
    start = time.process_time()
    naive = {sid: create("snaive", {"period": period}).fit(y).predict(horizon).mean
             for sid, y in train}  # fmt: skip
    rows.append(("snaive", naive, time.process_time() - start))
    for model in ("gru", *models):
        params = {"device": "cpu", "epochs": epochs, "seed": 0, "period": period}
        start = time.process_time()
        fitted = GlobalForecaster(model, params).fit(train)
        forecasts = fitted.predict(horizon)
        rows.append((f"global {model}", {s: forecasts[s].mean for s, _ in train},
                     time.process_time() - start))  # fmt: skip
    print(f"\nretail (12 x 96 months), H = {horizon}, epochs <= {epochs}")
    print("| model | MAE (mean over series) | MASE (mean) | fit CPU s |")
    print("|---|---:|---:|---:|")
    for label, means, seconds in rows:
        scores = [_scores(actual[sid], means[sid], y.to_numpy(), period) for sid, y in train]
        mae, mase = np.mean([s[0] for s in scores]), np.mean([s[1] for s in scores])
        print(f"| {label} | {mae:.2f} | {mase:.3f} | {seconds:.1f} |")


WINDOW, OUT, PERIOD, BATCH = 96, 48, 48, 256


def _ours(model: str, series: list, epochs: int) -> tuple[float, dict]:
    params = {"window": WINDOW, "horizon": OUT, "period": PERIOD, "epochs": epochs,
              "patience": 1000, "batch_size": BATCH, "device": "cpu"}  # fmt: skip
    start = time.process_time()
    fitted = GlobalForecaster(model, params).fit(series)
    seconds = time.process_time() - start
    info = fitted.info_
    return info["train_origins"] * info["epochs_run"] / seconds, fitted.arch_


def _bare(arch: dict, series: list, epochs: int) -> float:
    import torch
    from torch import nn

    from forecast.models.neural import networks
    from forecast.models.neural.global_model import panel_split

    values = [y.to_numpy() for _, y in series]
    split = panel_split([v.size for v in values], WINDOW, OUT, 0.1, "bare")
    scaled = np.concatenate([(v - v.mean()) / v.std() for v in values]).astype(np.float32)
    torch.manual_seed(0)
    net = networks.build(arch)
    optimiser = torch.optim.Adam(net.parameters(), lr=0.001)
    loss_fn = nn.L1Loss()
    data = torch.from_numpy(scaled)
    bounds = torch.from_numpy(split.bounds)
    view = data.unfold(0, WINDOW + OUT, 1)
    steps = torch.arange(WINDOW)
    rng = np.random.default_rng(0)
    n = split.train.size
    start = time.process_time()
    for _ in range(epochs):
        order = torch.from_numpy(split.train[rng.permutation(n)])
        for lo in range(0, n, BATCH):
            origins = order[lo : lo + BATCH]
            rows = view[origins - (WINDOW - 1)]
            sid = torch.searchsorted(bounds, origins, right=True) - 1
            first = origins - (WINDOW - 1) - bounds[sid]
            angle = torch.remainder(first.unsqueeze(1) + steps, PERIOD).float() * (
                2 * np.pi / PERIOD)  # fmt: skip
            x = torch.stack([rows[:, :WINDOW], torch.sin(angle), torch.cos(angle)], dim=-1)
            optimiser.zero_grad(set_to_none=True)
            loss = loss_fn(net(x), rows[:, WINDOW:])
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
    return n * epochs / (time.process_time() - start)


def throughput(epochs: int, rounds: int, models: tuple[str, ...]) -> None:
    import torch

    from forecast.threads import torch_threads

    series = _simulated(50, 400)
    print(f"\nthroughput, 50 x 400 half-hours, window {WINDOW}, {OUT} steps, batch {BATCH}, "
          f"{epochs} epochs, best of {rounds}, CPU samples per CPU second, torch "
          f"{torch.__version__}")  # fmt: skip
    print("| model | forecast | bare loop | ratio |")
    print("|---|---:|---:|---:|")
    for model in models:
        ours, bare = [], []
        for _ in range(rounds):
            rate, arch = _ours(model, series, epochs)
            ours.append(rate)
            with torch_threads():
                bare.append(_bare(arch, series, epochs))
        print(f"| {model} | {max(ours):.0f} | {max(bare):.0f} | {max(ours) / max(bare):.2f}x |")


def main(argv: list[str]) -> None:
    def option(name: str, default: str) -> str:
        return argv[argv.index(name) + 1] if name in argv else default

    epochs = int(option("--epochs", "30"))
    rounds = int(option("--rounds", "2"))
    models = tuple(option("--models", ",".join(FAMILIES)).split(","))
    parts = [a for a in argv if a in ("accuracy", "throughput")] or ["accuracy", "throughput"]
    if "accuracy" in parts:
        accuracy(epochs, models)
    if "throughput" in parts:
        throughput(min(epochs, 3), rounds, models)


if __name__ == "__main__":
    main(sys.argv[1:])
