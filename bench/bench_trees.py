"""Our lightgbm against mlforecast's LightGBM with the same features and threads (issue 28).

Two panels: the bundled retail panel (12 monthly stores, last 6 months held out) and a
simulated M3-like monthly panel of 1,000 series (lengths 48..126, trend, season and noise; last
18 months held out). Both sides fit one global LightGBM on lags 1, 2, 3, 6, 12, a rolling mean
and std over 12, the month, each series standard-scaled (mlforecast's LocalStandardScaler),
100 rounds, 31 leaves, deterministic, one thread; then forecast the held-out months
recursively. Time: CPU seconds (``time.process_time``) of fit + forecast, best of 7 after a
warm-up run (and the median), each side in its own process (mlforecast in
``bench/_work/ml-venv``: it needs pandas < 3). Accuracy: MASE against the in-sample seasonal
naive (m = 12), mean over series.

    .venv/bin/python bench/bench_trees.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd
from _util import ROOT, WORK, machine

ML_PYTHON = WORK / "ml-venv" / "bin" / "python"
LAGS = [1, 2, 3, 6, 12]
ROLLING = [["mean", 12], ["std", 12]]
LGBM = {
    "n_estimators": 100,
    "learning_rate": 0.1,
    "num_leaves": 31,
    "min_child_samples": 20,
    "random_state": 0,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "verbosity": -1,
}
REPEAT = 7


def simulated(n_series: int = 1000) -> pd.DataFrame:
    rng = np.random.default_rng(2026)
    frames = []
    for i in range(n_series):
        n = int(rng.integers(48, 127))
        t = np.arange(n)
        level = rng.uniform(500, 8000)
        season = rng.uniform(0.02, 0.25) * level * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6.3))
        trend = rng.normal(0, 0.004) * level * t
        noise = rng.normal(0, rng.uniform(0.01, 0.08) * level, n).cumsum() * 0.3
        start = pd.Timestamp("1980-01-01") + pd.DateOffset(months=int(rng.integers(0, 120)))
        frames.append(pd.DataFrame({"unique_id": f"m{i:04d}",
                                    "ds": pd.date_range(start, periods=n, freq="MS"),
                                    "y": level + season + trend + noise}))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def retail() -> pd.DataFrame:
    frame = pd.read_csv(ROOT / "sample_data" / "retail_panel.csv", parse_dates=["month"])
    return frame.rename(columns={"store": "unique_id", "month": "ds", "sales": "y"})


def split(frame: pd.DataFrame, horizon: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    last = frame.groupby("unique_id").ds.transform("max")
    cut = last - pd.DateOffset(months=horizon)
    return frame[frame.ds <= cut], frame[frame.ds > cut]


def ours(train: pd.DataFrame, horizon: int) -> tuple[list[float], pd.DataFrame]:
    from forecast.models.trees.model import TreeForecaster

    series = [
        (str(sid), pd.Series(g.y.to_numpy(), index=pd.DatetimeIndex(g.ds, freq="MS")))
        for sid, g in train.groupby("unique_id", sort=True)
    ]
    params = {
        "lags": ",".join(map(str, LAGS)),
        "rolling": ",".join(f"{s}:{w}" for s, w in ROLLING),
        "n_estimators": 100, "learning_rate": 0.1, "num_leaves": 31, "min_child_samples": 20,
        "seed": 0, "threads": 1,
    }  # fmt: skip

    def run() -> dict:
        return TreeForecaster("lightgbm", params).fit(series, levels=()).predict(horizon)

    run()
    times = []
    for _ in range(REPEAT):
        start = time.process_time()
        forecasts = run()
        times.append(time.process_time() - start)
    rows = [
        pd.DataFrame({"unique_id": sid, "ds": f.index, "y": f.mean})
        for sid, f in forecasts.items()
        if not isinstance(f, str)
    ]
    return times, pd.concat(rows, ignore_index=True)


def theirs(train: pd.DataFrame, horizon: int, name: str) -> tuple[list[float], pd.DataFrame] | None:
    if not ML_PYTHON.exists():
        return None
    WORK.mkdir(exist_ok=True)
    panel, config, out = (WORK / f"trees_{name}.{ext}" for ext in ("csv", "json", "out.csv"))
    train.to_csv(panel, index=False, float_format="%.17g")
    config.write_text(json.dumps({"lags": LAGS, "rolling": ROLLING, "lgbm": LGBM,
                                  "horizon": horizon, "repeat": REPEAT}))  # fmt: skip
    done = subprocess.run(
        [
            str(ML_PYTHON),
            str(ROOT / "bench" / "mlforecast_trees.py"),
            str(panel),
            str(config),
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = json.loads(done.stdout.strip().splitlines()[-1])["seconds"]
    return seconds, pd.read_csv(out, parse_dates=["ds"])


def mase(train: pd.DataFrame, test: pd.DataFrame, forecasts: pd.DataFrame) -> float:
    merged = test.merge(forecasts, on=["unique_id", "ds"], suffixes=("", "_f"))
    scores = []
    for sid, g in merged.groupby("unique_id"):
        history = train[train.unique_id == sid].y.to_numpy()
        scale = np.mean(np.abs(history[12:] - history[:-12]))
        scores.append(np.mean(np.abs(g.y - g.y_f)) / scale)
    return float(np.mean(scores))


def _shown(times: list[float]) -> str:
    return f"{min(times):.3f} s CPU (median {np.median(times):.3f})"


def main() -> None:
    load = os.getloadavg()
    print(f"# lightgbm: forecast against mlforecast ({machine()}), load {load[0]:.2f} at start")
    for name, frame, horizon in (("retail", retail(), 6), ("m3like", simulated(), 18)):
        train, test = split(frame, horizon)
        ours_s, ours_f = ours(train, horizon)
        ref = theirs(train, horizon, name)
        n = train.unique_id.nunique()
        line = f"{name} ({n} series, {len(train)} rows, h={horizon}): ours {_shown(ours_s)}, "
        line += f"MASE {mase(train, test, ours_f):.4f}"
        if ref is None:
            line += "; mlforecast not run (no bench/_work/ml-venv)"
        else:
            ref_s, ref_f = ref
            gap = np.max(np.abs(ours_f.sort_values(["unique_id", "ds"]).y.to_numpy()
                                - ref_f.sort_values(["unique_id", "ds"]).y.to_numpy()))  # fmt: skip
            line += (
                f"; mlforecast {_shown(ref_s)}, MASE {mase(train, test, ref_f):.4f}; time ratio "
                f"{min(ours_s) / min(ref_s):.2f}x (medians "
                f"{np.median(ours_s) / np.median(ref_s):.2f}x); largest forecast difference "
                f"{gap:.2e}"
            )
        print(line, flush=True)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"# load {os.getloadavg()[0]:.2f} at the end; {stamp}")


if __name__ == "__main__":
    sys.exit(main())
