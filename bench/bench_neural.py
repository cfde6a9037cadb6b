"""Neural forecasters: training throughput, memory, cold start, and accuracy on sample series.

1. Throughput: samples per second of the tool's LSTM and GRU training loop on CPU against a
   bare hand-written PyTorch loop (same network, data, window, batch size, epochs), in one
   process, alternating, best of 3 (target: >= 0.9x).
2. Peak memory of fitting an RNN on a 1,000,000-point series (one epoch, windows 48 and 192)
   and forecasting from every 24th origin, in fresh processes, against what one (N, window)
   float32 copy of the samples would take: windows are views, so memory grows with N, not
   N x window.
3. Cold start: `forecast fit sample_data/taylor.csv --model lstm --epochs 1` (period detected,
   and given) against `python -c "import torch"` and against creating an Adam optimizer, which
   imports torch._dynamo in any PyTorch training (fresh processes, median of 5).
4. Accuracy: models fitted once with their defaults on a series less its held-out tail, then
   forecasting from origins spread over the tail at fixed parameters (`forecast_from`): taylor
   (half-hourly, last 336 points = one week, 7 origins x 48 steps) and sunspots (monthly, last
   240 points, 10 origins x 24 steps). MAE over every forecast step; coverage of the 80% and
   95% intervals.

Usage: `python bench/bench_neural.py [throughput] [memory] [startup] [accuracy]` (default: all);
`--param key=value` overrides a neural model's default in the accuracy table (for tuning).
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
from _util import FORECAST, PYTHON, ROOT, machine, median_time

TAILS = {  # series: (held-out points, horizon, extra params for the seasonal naive)
    "taylor": (336, 48, {}),
    "sunspots": (240, 24, {"period": 12}),  # no seasonal period is detected: the calendar's 12
}
NEURAL = ("rnn", "lstm", "gru", "transformer")


# --- 1. throughput ------------------------------------------------------------------------------

THROUGHPUT = {"window": 96, "horizon": 48, "period": 48, "epochs": 3, "patience": 100}


def _bare_loop(cell: str, scaled: np.ndarray, origins: np.ndarray, hidden: int, seed: int) -> float:
    """A hand-written loop: materialised (N, window + horizon) samples and calendar inputs,
    nn.LSTM/GRU + Linear, Adam, L1 loss, clipping. Returns samples per second."""
    import torch
    from torch import nn

    window, out, period = THROUGHPUT["window"], THROUGHPUT["horizon"], THROUGHPUT["period"]
    torch.manual_seed(seed)
    rows = np.stack([scaled[t - window + 1 : t + out + 1] for t in origins]).astype(np.float32)
    phase = (origins[:, None] - window + 1 + np.arange(window)) % period  # [N, window]
    angle = 2 * np.pi * phase / period
    inputs = torch.from_numpy(
        np.stack([rows[:, :window], np.sin(angle), np.cos(angle)], axis=-1).astype(np.float32)
    )  # [N, window, 3]
    targets = torch.from_numpy(rows[:, window:])  # [N, out]
    rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell](3, hidden, batch_first=True)
    head = nn.Linear(hidden, out)
    params = [*rnn.parameters(), *head.parameters()]
    optimiser = torch.optim.Adam(params, lr=0.003)
    start = time.perf_counter()
    for _ in range(THROUGHPUT["epochs"]):
        for idx in torch.randperm(len(origins)).split(256):
            x = inputs[idx]
            _, state = rnn(x)
            hidden_state = state[0] if cell == "lstm" else state
            loss = (x[:, -1, :1] + head(hidden_state[-1]) - targets[idx]).abs().mean()
            optimiser.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
    return THROUGHPUT["epochs"] * len(origins) / (time.perf_counter() - start)


def throughput() -> None:
    import torch

    from forecast.data import load_series
    from forecast.models.registry import create

    y = load_series(str(ROOT / "sample_data/taylor.csv")).y
    print(
        f"training throughput on taylor ({y.size} points), {machine()}, "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    )
    print(f"window 96, horizon 48, hidden 32, batch 256, {THROUGHPUT['epochs']} epochs; best of 3")
    for cell in ("lstm", "gru"):
        tool, bare = [], []
        for _ in range(3):
            model = create(cell, {**THROUGHPUT, "hidden_size": 32}).fit(y)
            info = model.fitted_info_
            tool.append(info["samples_per_second"])
            n_train = info["train_origins"]
            scaled = model.scaler_.transform(y.to_numpy())
            origins = np.arange(95, 95 + n_train)  # as many samples as the tool trains on
            bare.append(_bare_loop(cell, scaled, origins, 32, 0))
        best_tool, best_bare = max(tool), max(bare)
        print(
            f"{cell}: bare loop {best_bare:8.0f} samples/s   forecast {best_tool:8.0f} "
            f"samples/s   {best_tool / best_bare:4.2f}x (target >= 0.9x; forecast's time "
            "includes its validation pass and best-weights copies)"
        )


# --- 2. memory -----------------------------------------------------------------------------------

MEMORY_PROBE = """
import re, sys, time
from pathlib import Path
import numpy as np, pandas as pd
import torch
from forecast.models.registry import create

def status(key):  # resident memory (VmRSS) or its peak since the last reset (VmHWM), KiB
    return int(re.search(key + r":\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1))

window = int(sys.argv[1])
n = 1_000_000
t = np.arange(n)
rng = np.random.default_rng(0)
values = 100 + 10 * np.sin(2 * np.pi * t / 24) + 5 * np.sin(2 * np.pi * t / 168)
values += rng.normal(0, 1, n)
y = pd.Series(values, index=pd.date_range("2000-01-01", periods=n, freq="h"))
del t, values
Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
before = status("VmRSS")
start = time.perf_counter()
model = create("rnn", {"window": window, "horizon": 24, "period": 24, "hidden_size": 16,
                       "epochs": 1, "batch_size": 1024}).fit(y)
fitted = time.perf_counter() - start
batch = model.forecast_from(y, np.arange(window - 1, n - 24, 24), 24, [80, 95])
print(before, status("VmHWM"), fitted, time.perf_counter() - start)
"""


def memory() -> None:
    print(
        "peak memory (Linux VmHWM, reset before the fit), 1,000,000 hourly points, rnn "
        "(hidden 16, 1 epoch, batch 1024), then forecast_from every 24th origin (24 steps, "
        f"80/95% intervals); {machine()}"
    )
    print(
        f"{'window':>6} {'RSS before':>11} {'peak':>9} {'added':>9} {'(N, window) f32':>16} "
        f"{'fit s':>6} {'total s':>8}"
    )
    for window in (48, 192):
        proc = subprocess.run(
            [PYTHON, "-c", MEMORY_PROBE, str(window)], capture_output=True, text=True, check=True
        )
        before, after, fitted, total = (float(v) for v in proc.stdout.split())
        copy_mib = 1_000_000 * window * 4 / 2**20
        print(
            f"{window:6d} {before / 1024:8.0f} MiB {after / 1024:5.0f} MiB "
            f"{(after - before) / 1024:5.0f} MiB {copy_mib:12.0f} MiB {fitted:6.1f} {total:8.1f}",
            flush=True,
        )


# --- 3. cold start -------------------------------------------------------------------------------


def startup() -> None:
    taylor = str(ROOT / "sample_data/taylor.csv")
    reference = median_time([PYTHON, "-c", "import torch"], repeat=5)
    # any PyTorch training: creating an optimizer imports torch._dynamo (torch >= 2.1)
    adam = "import torch; torch.optim.Adam([torch.zeros(1, requires_grad=True)])"
    optimiser = median_time([PYTHON, "-c", adam], repeat=5)
    print(f"cold start, fresh processes, median of 5; {machine()}")
    print(f"python -c 'import torch'                              {reference:6.2f} s  1.00x")
    print(
        f"python -c 'import torch; torch.optim.Adam([...])'     {optimiser:6.2f} s  "
        f"{optimiser / reference:4.2f}x"
    )
    for label, extra in (
        ("forecast fit taylor --model lstm --epochs 1", []),
        ("  ... -p period=48 (no period detection)", ["-p", "period=48"]),
    ):
        seconds = median_time(
            [FORECAST, "fit", taylor, "--model", "lstm", "--epochs", "1", *extra, "-f", "csv"],
            repeat=5,
        )
        print(f"{label:<53} {seconds:6.2f} s  {seconds / reference:4.2f}x")


# --- 4. accuracy ---------------------------------------------------------------------------------


def accuracy(models: tuple[str, ...], overrides: dict[str, str]) -> None:
    from forecast.data import load_series
    from forecast.models.registry import create, get_spec

    print(f"accuracy, {machine()}")
    for series, (tail, horizon, snaive_params) in TAILS.items():
        y = load_series(str(ROOT / "sample_data" / f"{series}.csv")).y
        train = y.iloc[:-tail]
        origins = np.arange(train.size - 1, y.size - 1, horizon)  # [O]
        actual = np.stack([y.to_numpy()[t + 1 : t + 1 + horizon] for t in origins])  # [O, h]
        print(
            f"\n{series}: train {train.size}, last {tail} held out, {origins.size} origins x "
            f"{horizon} steps"
        )
        print(
            f"{'model':<12} {'MAE':>10} {'vs snaive':>9} {'cov80':>6} {'cov95':>6} {'fit s':>7} "
            f"{'epochs (best/run)':>17}"
        )
        reference = None
        for name in models:
            params = dict(snaive_params) if name == "snaive" else {}
            accepted = {p.name for p in get_spec(name).params}
            params |= {k: v for k, v in overrides.items() if k in accepted}
            start = time.perf_counter()
            model = create(name, params).fit(train)
            seconds = time.perf_counter() - start
            batch = model.forecast_from(y, origins, horizon, [80, 95])
            mae = float(np.mean(np.abs(actual - batch.mean)))
            if name == "snaive":
                reference = mae
            cover = [
                float(np.mean((actual >= batch.bands[lv][0]) & (actual <= batch.bands[lv][1])))
                for lv in (80.0, 95.0)
            ]
            ratio = f"{mae / reference:8.3f}x" if reference else f"{'':>9}"
            info = getattr(model, "fitted_info_", None)
            epochs = f"{info['best_epoch']}/{info['epochs_run']}" if info else ""
            print(
                f"{name:<12} {mae:10.2f} {ratio} {cover[0]:6.2f} {cover[1]:6.2f} {seconds:7.1f} "
                f"{epochs:>17}",
                flush=True,
            )


def main(argv: list[str]) -> None:
    overrides: dict[str, str] = {}
    parts: list[str] = []
    models = ("naive", "snaive", *NEURAL)
    i = 0
    while i < len(argv):
        if argv[i] == "--param":
            key, _, value = argv[i + 1].partition("=")
            overrides[key] = value
            i += 2
        elif argv[i] == "--models":
            models = tuple(argv[i + 1].split(","))
            i += 2
        else:
            parts.append(argv[i])
            i += 1
    parts = parts or ["throughput", "memory", "startup", "accuracy"]
    for part, run in (("throughput", throughput), ("memory", memory), ("startup", startup)):
        if part in parts:
            run()
            print()
    if "accuracy" in parts:
        accuracy(models, overrides)


if __name__ == "__main__":
    main(sys.argv[1:])
