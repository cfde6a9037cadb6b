"""Global neural models on a panel: accuracy and training time against per-series networks and
the seasonal naive, and training throughput against a bare PyTorch loop.

1. Accuracy: each series less its last ``H`` points; the global GRU / LSTM (one network for the
   panel) against per-series GRU / LSTM (one network each) and snaive, forecasting the held-out
   ``H`` points once. MAE and MASE (scaled by the series' in-sample seasonal-naive MAE), means
   over series; training seconds (wall, all series). Panels: sample_data/retail_panel.csv
   (12 stores x 96 months, H = 12) and sample_data/taylor.csv cut into 8 consecutive weeks
   (8 x 504 half-hours, H = 48).
2. Throughput: training samples per second of the global GRU (hidden 32, window 96, 48 steps,
   calendar features) on a simulated panel of 50 series x 400 points against a bare loop over
   the same mixed batches (the same origins in the same shuffled order, batches gathered from
   one tensor on the device with ``unfold``, the same network, Adam, L1, clipping; no
   validation pass, no best-weights snapshot). Best of ``--rounds`` (3), alternating;
   ``--series`` (50) x ``--points`` (400) sizes the panel. ``--device cuda`` and
   ``--amp`` for the GPU run (bench/gpu_check.sh).

3. Memory: peak resident memory of one global fit (GRU hidden 8, window 24, 12 steps, one
   epoch, batch 1024) in a fresh process per size, on simulated panels of 10,000, 100,000
   and 1,000,000 points (100 to 10,000 series of 100 points), against the memory of the input
   (the process after building the series): what the fit adds, per point of the panel.

Usage: ``python bench/bench_global_neural.py [accuracy] [throughput] [memory] [--device cpu|cuda]
[--amp] [--batch N] [--epochs N] [--series N] [--points N] [--rounds N]
[--panel retail|taylor]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from forecast.data import load  # noqa: E402
from forecast.models.neural.global_model import GlobalForecaster  # noqa: E402
from forecast.models.registry import create  # noqa: E402

# --- 1. accuracy --------------------------------------------------------------------------------


def _panels() -> dict[str, tuple[list[tuple[str, pd.Series]], int, int]]:
    retail = load(str(ROOT / "sample_data" / "retail_panel.csv"), id_col="store")
    taylor = load(str(ROOT / "sample_data" / "taylor.csv")).single
    assert taylor is not None
    weeks = []
    for k in range(8):
        part = taylor.y.iloc[k * 504 : (k + 1) * 504].copy()
        part.index = pd.DatetimeIndex(part.index, freq=taylor.freq)
        weeks.append((f"week{k}", part))
    return {
        "retail (12 x 96 months)": ([(s.id or "", s.y) for s in retail], 12, 12),
        "taylor (8 x 504 half-hours)": (weeks, 48, 48),
    }


def _scores(actual: np.ndarray, forecast: np.ndarray, train: np.ndarray, period: int) -> tuple:
    scale = np.mean(np.abs(train[period:] - train[:-period]))
    mae = float(np.mean(np.abs(actual - forecast)))
    return mae, mae / scale


def accuracy(epochs: int, only: str | None = None) -> None:
    params = {"device": "cpu", "epochs": epochs, "seed": 0}
    for name, (series, horizon, period) in _panels().items():
        if only and not name.startswith(only):
            continue
        train = [(sid, y.iloc[:-horizon]) for sid, y in series]
        actual = {sid: y.iloc[-horizon:].to_numpy() for sid, y in series}
        rows = []
        for model in ("gru", "lstm"):
            start = time.perf_counter()
            fitted = GlobalForecaster(model, {**params, "period": period}).fit(train)
            forecasts = fitted.predict(horizon)
            seconds = time.perf_counter() - start
            rows.append((f"global {model}", {s: forecasts[s].mean for s, _ in train}, seconds))
            start = time.perf_counter()
            means = {}
            for sid, y in train:
                one = create(model, {**params, "period": period}).fit(y)
                means[sid] = one.predict(horizon).mean
            rows.append((f"per-series {model}", means, time.perf_counter() - start))
        start = time.perf_counter()
        naive = {sid: create("snaive", {"period": period}).fit(y).predict(horizon).mean
                 for sid, y in train}  # fmt: skip
        rows.append(("snaive", naive, time.perf_counter() - start))
        print(f"\n{name}, H = {horizon}, epochs <= {epochs}")
        print("| model | MAE (mean over series) | MASE (mean) | training s |")
        print("|---|---:|---:|---:|")
        for label, means, seconds in rows:
            scores = [_scores(actual[sid], means[sid], y.to_numpy(), period) for sid, y in train]
            mae, mase = np.mean([s[0] for s in scores]), np.mean([s[1] for s in scores])
            print(f"| {label} | {mae:.2f} | {mase:.3f} | {seconds:.1f} |")


# --- 2. throughput ------------------------------------------------------------------------------

WINDOW, OUT, PERIOD, HIDDEN = 96, 48, 48, 32


def _simulated(n_series: int = 50, n: int = 400) -> list[tuple[str, pd.Series]]:
    rng = np.random.default_rng(0)
    index = pd.date_range("2020-01-01", periods=n, freq="30min")
    out = []
    for i in range(n_series):
        y = rng.uniform(10, 100) * (1 + 0.3 * np.sin(2 * np.pi * np.arange(n) / PERIOD))
        y = y + rng.normal(0, 1, n).cumsum() * 0.3
        out.append((f"s{i}", pd.Series(y, index=index)))
    return out


def _ours(series, device: str, amp: bool, batch: int, epochs: int) -> float:
    params = {"window": WINDOW, "horizon": OUT, "period": PERIOD, "hidden_size": HIDDEN,
              "epochs": epochs, "patience": 1000, "batch_size": batch, "device": device,
              "amp": amp}  # fmt: skip
    model = GlobalForecaster("gru", params).fit(series)
    return model.info_["train_origins"] * model.info_["epochs_run"] / model.info_["train_seconds"]


def _bare(series, device: str, amp: bool, batch: int, epochs: int) -> float:
    """The same batches, network and optimiser in a plain loop: one tensor on the device, an
    index tensor per batch, unfold + gather, calendar features, forward, L1, backward, clip."""
    import torch
    from torch import nn

    from forecast.models.neural import device as dev
    from forecast.models.neural import networks
    from forecast.models.neural.global_model import panel_split

    values = [y.to_numpy() for _, y in series]
    lengths = [v.size for v in values]
    split = panel_split(lengths, WINDOW, OUT, 0.1, "gru")
    scaled = np.concatenate([(v - v.mean()) / v.std() for v in values]).astype(np.float32)
    choice = dev.resolve(device)
    torch.manual_seed(0)
    net = networks.build({"kind": "gru", "input_size": 3, "hidden_size": HIDDEN, "layers": 1,
                          "dropout": 0.0, "bidirectional": False, "out_steps": OUT}).to(
        choice.device)  # fmt: skip
    optimiser = torch.optim.Adam(net.parameters(), lr=0.003)
    loss_fn = nn.L1Loss()
    dtype = dev.amp_dtype(choice, amp)
    scaler = torch.amp.GradScaler("cuda") if dtype is torch.float16 else None
    data = torch.from_numpy(scaled).to(choice.device)
    bounds = torch.from_numpy(split.bounds).to(choice.device)
    view = data.unfold(0, WINDOW + OUT, 1)
    steps = torch.arange(WINDOW, device=choice.device)
    rng = np.random.default_rng(0)
    n = split.train.size
    if choice.is_cuda:
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.from_numpy(split.train[rng.permutation(n)]).to(choice.device)
        for lo in range(0, n, batch):
            origins = order[lo : lo + batch]
            rows = view[origins - (WINDOW - 1)]
            sid = torch.searchsorted(bounds, origins, right=True) - 1
            first = origins - (WINDOW - 1) - bounds[sid]
            angle = torch.remainder(first.unsqueeze(1) + steps, PERIOD).float() * (
                2 * np.pi / PERIOD)  # fmt: skip
            x = torch.stack([rows[:, :WINDOW], torch.sin(angle), torch.cos(angle)], dim=-1)
            optimiser.zero_grad(set_to_none=True)
            with dev.autocast(choice, dtype):
                prediction = net(x)
            loss = loss_fn(prediction.float(), rows[:, WINDOW:])
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.unscale_(optimiser)
                nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                scaler.step(optimiser)
                scaler.update()
            else:
                loss.backward()
                nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                optimiser.step()
    if choice.is_cuda:
        torch.cuda.synchronize()
    return n * epochs / (time.perf_counter() - start)


def throughput(
    device: str, amp: bool, batch: int, epochs: int, n_series: int, points: int, rounds: int
) -> None:
    import torch

    from forecast.threads import torch_threads

    series = _simulated(n_series, points)
    ours, bare = [], []
    for _ in range(rounds):
        ours.append(_ours(series, device, amp, batch, epochs))
        with torch_threads():
            bare.append(_bare(series, device, amp, batch, epochs))
    print(
        f"\nthroughput, global GRU {HIDDEN}, window {WINDOW}, {OUT} steps, {n_series} x {points} "
        f"points, best of {rounds}, "
        f"batch {batch}, {epochs} epochs, device {device}, amp {amp}, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads"
    )
    print(f"forecast  {max(ours):9.0f} samples/s  (runs: {', '.join(f'{v:.0f}' for v in ours)})")
    print(f"bare loop {max(bare):9.0f} samples/s  (runs: {', '.join(f'{v:.0f}' for v in bare)})")
    print(f"ratio     {max(ours) / max(bare):.2f}x")


# --- 3. memory ----------------------------------------------------------------------------------


def _rss_mib(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, MiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _memory_child(n_series: int, points: int) -> None:
    index = pd.date_range("2020-01-01", periods=points, freq="h")
    rng = np.random.default_rng(0)
    values = 50 + rng.normal(0, 1, (n_series, points)).cumsum(axis=1)
    series = [(f"s{i}", pd.Series(values[i], index=index)) for i in range(n_series)]
    del values
    before = _rss_mib("VmRSS")
    params = {"window": 24, "horizon": 12, "period": 24, "hidden_size": 8, "epochs": 1,
              "patience": 1, "batch_size": 1024, "device": "cpu"}  # fmt: skip
    start = time.perf_counter()
    GlobalForecaster("gru", params).fit(series)
    seconds = time.perf_counter() - start
    print(f"{n_series},{points},{before:.1f},{_rss_mib('VmHWM'):.1f},{seconds:.1f}")


def memory() -> None:
    import subprocess

    print("\n| points | series x length | input (MiB) | peak (MiB) | added | per point | fit s |")
    print("|---|---|---|---|---|---|---|")
    for n_series in (100, 1_000, 10_000):
        out = subprocess.run(
            [sys.executable, __file__, "_memory_child", str(n_series), "100"],
            capture_output=True, text=True, check=True,
        ).stdout.strip().splitlines()[-1]  # fmt: skip
        n, points, before, peak, seconds = out.split(",")
        total = int(n) * int(points)
        added = float(peak) - float(before)
        print(
            f"| {total:,} | {n} x {points} | {float(before):.0f} | {float(peak):.0f} | "
            f"{added:.0f} MiB | {added * 2**20 / total:.0f} B | {seconds} |"
        )


def main(argv: list[str]) -> None:
    if argv[:1] == ["_memory_child"]:
        _memory_child(int(argv[1]), int(argv[2]))
        return
    device = argv[argv.index("--device") + 1] if "--device" in argv else "cpu"
    batch = int(argv[argv.index("--batch") + 1]) if "--batch" in argv else 256
    epochs = int(argv[argv.index("--epochs") + 1]) if "--epochs" in argv else 0
    n_series = int(argv[argv.index("--series") + 1]) if "--series" in argv else 50
    points = int(argv[argv.index("--points") + 1]) if "--points" in argv else 400
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 3
    parts = [a for a in argv if a in ("accuracy", "throughput", "memory")] or [
        "accuracy",
        "throughput",
    ]
    if "accuracy" in parts:
        only = argv[argv.index("--panel") + 1] if "--panel" in argv else None
        accuracy(epochs or 60, only)
    if "throughput" in parts:
        throughput(device, "--amp" in argv, batch, epochs or 2, n_series, points, rounds)
    if "memory" in parts:
        memory()


if __name__ == "__main__":
    main(sys.argv[1:])
