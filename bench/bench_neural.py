"""Neural forecasters: training throughput, memory, cold start, and accuracy on sample series.

1. Throughput: samples per second of the tool's LSTM and GRU training loop on CPU against a
   bare hand-written PyTorch loop (same network, data, window, batch size, epochs), in one
   process, alternating, best of 3 (target: >= 0.9x).
2. Peak memory of fitting an LSTM on a 1,000,000-point series (one epoch) and of forecasting
   from every origin, in fresh processes, against what one (N, window) float32 copy of the
   samples would take: windows are views, so memory grows with N, not N x window.
3. Cold start: `forecast fit sample_data/taylor.csv --model lstm --epochs 1` against
   `python -c "import torch"` (fresh processes, median of 5).
4. Accuracy: models fitted once with their defaults on a series less its held-out tail, then
   forecasting from origins spread over the tail at fixed parameters (`forecast_from`): taylor
   (half-hourly, last 336 points = one week, 7 origins x 48 steps) and sunspots (monthly, last
   240 points, 10 origins x 24 steps). MAE over every forecast step; coverage of the 80% and
   95% intervals.

Usage: `python bench/bench_neural.py [throughput] [memory] [startup] [accuracy]` (default: all);
`--param key=value` overrides a neural model's default in the accuracy table (for tuning).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from _util import FORECAST, PYTHON, ROOT, machine, median_time

TAILS = {  # series: (held-out points, horizon, extra params for the seasonal naive)
    "taylor": (336, 48, {}),
    "sunspots": (240, 24, {"period": 12}),  # no seasonal period is detected: the calendar's 12
}
NEURAL = ("rnn", "lstm", "gru", "transformer")


# --- 4. accuracy ---------------------------------------------------------------------------------


def accuracy(models: tuple[str, ...], overrides: dict[str, str]) -> None:
    from forecast.data import load_series
    from forecast.models.registry import create

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
        print(f"{'model':<12} {'MAE':>10} {'vs snaive':>9} {'cov80':>6} {'cov95':>6} {'fit s':>7}")
        reference = None
        for name in models:
            params = dict(snaive_params) if name == "snaive" else {}
            if name in NEURAL:
                params |= overrides
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
            print(
                f"{name:<12} {mae:10.2f} {ratio} {cover[0]:6.2f} {cover[1]:6.2f} {seconds:7.1f}",
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
    if "accuracy" in parts:
        accuracy(models, overrides)


if __name__ == "__main__":
    main(sys.argv[1:])
