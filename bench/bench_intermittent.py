"""Intermittent demand: croston (classic, sba, optimized), tsb, adida, imapa against
statsforecast 2.1.1's CrostonClassic, CrostonSBA, CrostonOptimized, TSB, ADIDA, IMAPA.

    .venv/bin/python bench/bench_intermittent.py [--series 1000] [--seed 29] [--repeat 2]

The panel: SERIES weekly series of 104 training weeks and 8 held-out weeks. Per series, demand
occurs each week with probability p ~ U[0.05, 0.5]; a size is 1 + a negative binomial draw with
mean ~ U[0.5, 7] and dispersion r ~ U[0.5, 3] (variance mean + mean^2 / r). A series whose
training weeks hold no demand is drawn again (the loader refuses a constant series). Seeded.

Ours: a fresh `forecast fit TRAIN -m MODEL -H 8 -f csv -q --output FILE` process per model
(levels 80 and 95: the models' split-conformal intervals), the best of REPEAT runs; its CPU
time is the child's user + system time. statsforecast (bench/statsforecast_intermittent.py in
bench/_work/sf-venv, `make bench-deps`): ``StatsForecast.forecast`` in one process, n_jobs=1,
after a warm-up call on two series, with ConformalIntervals(h=8, n_windows=10) at 80 and 95 %
(and the point forecast alone, for its cost). The machine is shared: CPU times and the load
average (before and after) are the figures to read.

"In-process library calls": ``create(model).fit(y).predict(8, [80, 95])`` on every series in
this process, for the models' own cost; "start-up": the CLI process on the first 2 series.

Accuracy on the held-out weeks, averaged over series: MASE (scale: the in-sample MAE of the
naive forecast), scaled pinball (the mean pinball loss of the four bounds as quantiles 0.025,
0.1, 0.9, 0.975, over the same scale) and the coverage of the two intervals.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "_work" / "intermittent"
SF_PYTHON = ROOT / "bench" / "_work" / "sf-venv" / "bin" / "python"
FORECAST = str(ROOT / ".venv" / "bin" / "forecast")
TRAIN, H, WINDOWS, FREQ = 104, 8, 10, "W-MON"
QUANTILES = {0.025: ("lower", 95), 0.1: ("lower", 80), 0.9: ("upper", 80), 0.975: ("upper", 95)}
# ours -> (CLI arguments, statsforecast's name)
MODELS = {
    "croston": ["-m", "croston"],
    "croston-sba": ["-m", "croston", "-p", "variant=sba"],
    "croston-optimized": ["-m", "croston", "-p", "variant=optimized"],
    "tsb": ["-m", "tsb", "-p", "alpha_d=0.1", "-p", "alpha_p=0.1"],
    "adida": ["-m", "adida"],
    "imapa": ["-m", "imapa"],
}
SF_COLUMN = {
    "croston": "CrostonClassic",
    "croston-sba": "CrostonSBA",
    "croston-optimized": "CrostonOptimized",
    "tsb": "TSB",
    "adida": "ADIDA",
    "imapa": "IMAPA",
}


def simulate(n_series: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The training and held-out rows (unique_id, ds, y) of the panel described above."""
    rng = np.random.default_rng(seed)
    weeks = pd.date_range("2023-01-02", periods=TRAIN + H, freq=FREQ)
    ids, values = [], []
    while len(values) < n_series:
        p = rng.uniform(0.05, 0.5)
        mean, r = rng.uniform(0.5, 7.0), rng.uniform(0.5, 3.0)
        occurs = rng.random(TRAIN + H) < p
        sizes = 1 + rng.negative_binomial(r, r / (r + mean), TRAIN + H)
        y = np.where(occurs, sizes, 0).astype(float)
        if y[:TRAIN].any():
            ids.append(f"s{len(values):05d}")
            values.append(y)
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat(ids, TRAIN + H),
            "ds": np.tile(weeks.strftime("%Y-%m-%d"), n_series),
            "y": np.concatenate(values),
        }
    )
    step = frame.groupby("unique_id").cumcount()
    return frame[step < TRAIN], frame[step >= TRAIN]


def ours(train: Path, name: str, repeat: int) -> tuple[pd.DataFrame, float, float]:
    """Forecasts of a fresh `forecast fit` process; the best wall and CPU seconds of ``repeat``."""
    out = WORK / f"ours_{name}.csv"
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        cmd = [FORECAST, "fit", str(train), *MODELS[name], "-H", str(H), "-f", "csv", "-q"]
        proc = subprocess.run([*cmd, "--output", str(out)], capture_output=True, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if proc.returncode != 0:
            raise SystemExit(f"{name} failed: {proc.stderr.decode()[-400:]}")
    frame = pd.read_csv(out).rename(columns={"id": "unique_id"})
    return frame, min(walls), min(cpus)


def library(train: pd.DataFrame, name: str) -> float:
    """CPU seconds of fit + predict (8 steps, 80 and 95 %) on every series through the Python
    API in this process (after one warm-up fit): the models' own cost, without the CLI's."""
    from forecast.models.registry import create

    args = MODELS[name]
    params = dict(a.split("=") for a in args[3::2])
    index = pd.date_range("2023-01-02", periods=TRAIN, freq=FREQ)
    series = [pd.Series(g.to_numpy(), index=index) for _, g in train.groupby("unique_id")["y"]]
    create(args[1], params).fit(series[0]).predict(H, [80, 95])
    start = time.process_time()
    for y in series:
        create(args[1], params).fit(y).predict(H, [80, 95])
    return time.process_time() - start


def theirs(train: Path) -> dict[str, dict[str, float]]:
    cmd = [str(SF_PYTHON), str(ROOT / "bench" / "statsforecast_intermittent.py"), str(train)]
    proc = subprocess.run(
        [*cmd, str(H), str(WINDOWS), FREQ, str(WORK)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"statsforecast failed: {proc.stderr[-600:]}")
    timings: dict[str, dict[str, float]] = json.loads(proc.stdout.strip().splitlines()[-1])
    return timings


def sf_frame(name: str) -> pd.DataFrame:
    """statsforecast's output in our column names (mean, lower_80, ...)."""
    raw = pd.read_csv(WORK / f"sf_{name}.csv")
    col = SF_COLUMN[name]
    out = pd.DataFrame({"unique_id": raw["unique_id"], "mean": raw[col]})
    for level in (80, 95):
        out[f"lower_{level}"] = raw[f"{col}-lo-{level}"]
        out[f"upper_{level}"] = raw[f"{col}-hi-{level}"]
    return out


def scores(forecasts: pd.DataFrame, train: pd.DataFrame, test: pd.DataFrame) -> dict[str, float]:
    """MASE, scaled pinball and coverage, averaged over series."""
    forecasts = forecasts.sort_values("unique_id", kind="stable")
    ids = sorted(test["unique_id"].unique())
    n = len(ids)
    actual = test.sort_values(["unique_id", "ds"])["y"].to_numpy().reshape(n, H)
    history = train.sort_values(["unique_id", "ds"])["y"].to_numpy().reshape(n, TRAIN)
    scale = np.abs(np.diff(history, axis=1)).mean(axis=1)  # [n] in-sample naive MAE

    def column(name: str) -> np.ndarray:
        return forecasts[name].to_numpy().reshape(n, H)

    mase = (np.abs(actual - column("mean")).mean(axis=1) / scale).mean()
    losses = []
    for q, (side, level) in QUANTILES.items():
        diff = actual - column(f"{side}_{level}")
        losses.append(np.maximum(q * diff, (q - 1) * diff).mean(axis=1))
    pinball = (np.mean(losses, axis=0) / scale).mean()
    cover = {
        level: float(
            ((actual >= column(f"lower_{level}")) & (actual <= column(f"upper_{level}"))).mean()
        )
        for level in (80, 95)
    }
    below = float((column("lower_95") < 0).mean())
    return {
        "mase": float(mase),
        "pinball": float(pinball),
        "cover80": cover[80],
        "cover95": cover[95],
        "negative_lower95": below,
    }


def compare(
    name: str, train_path: Path, split: tuple[pd.DataFrame, ...], sf: dict, repeat: int
) -> dict:
    """One model: both tools' scores, our times, statsforecast's, and the largest difference
    between the two point forecasts."""
    mine, wall, cpu = ours(train_path, name, repeat)
    reference = sf_frame(name)
    means = [
        f.sort_values("unique_id", kind="stable")["mean"].to_numpy() for f in (mine, reference)
    ]
    return {
        "name": name,
        "ours": scores(mine, *split),
        "sf": scores(reference, *split),
        "wall": wall,
        "cpu": cpu,
        "library": library(split[0], name),
        "timing": sf[name],
        "gap": float(np.max(np.abs(means[0] - means[1]))),
    }


def report(rows: list[dict]) -> None:
    print(
        "| model | MASE ours / SF | scaled pinball ours / SF | cover 80 ours / SF | "
        "cover 95 ours / SF | SF lower 95 < 0 | max abs diff of the means |"
    )
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        a, b = row["ours"], row["sf"]
        print(
            f"| {row['name']} | {a['mase']:.4f} / {b['mase']:.4f} | {a['pinball']:.4f} / "
            f"{b['pinball']:.4f} | {a['cover80']:.3f} / {b['cover80']:.3f} | "
            f"{a['cover95']:.3f} / {b['cover95']:.3f} | {b['negative_lower95']:.1%} | "
            f"{row['gap']:.1e} |"
        )
    print()
    print(
        "| model | ours: fresh CLI process, CPU s (wall s) | SF with intervals, CPU s (wall s) "
        "| CPU ratio | SF point only, CPU s | ours in-process library calls, CPU s |"
    )
    print("|---|---|---|---|---|---|")
    for row in rows:
        t = row["timing"]
        print(
            f"| {row['name']} | {row['cpu']:.2f} ({row['wall']:.2f}) | {t['cpu']:.2f} "
            f"({t['wall']:.2f}) | {row['cpu'] / t['cpu']:.1f}x | {t['point_cpu']:.2f} | "
            f"{row['library']:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=29)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    train, test = simulate(args.series, args.seed)
    train_path = WORK / "train.csv"
    train.to_csv(train_path, index=False)
    before = os.getloadavg()
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    sf = theirs(train_path)
    rows = [compare(name, train_path, (train, test), sf, args.repeat) for name in MODELS]
    few = WORK / "train_2.csv"
    train[train["unique_id"].isin(train["unique_id"].unique()[:2])].to_csv(few, index=False)
    _, _, start_cpu = ours(few, "croston", args.repeat)
    after = os.getloadavg()
    print(
        f"{started}: {args.series} series x {TRAIN} weeks (+{H} held out), "
        f"{float((train['y'] == 0).mean()):.0%} zeros; load average before {before[0]:.2f} / "
        f"{before[1]:.2f}, after {after[0]:.2f} / {after[1]:.2f} (1 / 5 min), "
        f"{os.cpu_count()} cores; the same `forecast fit` process on 2 series (its start-up, "
        f"imports and numba's cache): {start_cpu:.2f} s CPU\n"
    )
    report(rows)


if __name__ == "__main__":
    main()
