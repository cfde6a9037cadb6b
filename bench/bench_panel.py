"""Panels: (A) series per second of `fit` and `backtest` on a panel of monthly series against
statsforecast on the same panel (its own venv), with --jobs 1 and 2; (B) loading and
snaive-forecasting a large panel (CSV and Parquet) against bare pandas, with peak memory.

Usage: python bench/bench_panel.py [SERIES_A] [SERIES_B] [AUTO_SUBSET]
(defaults 1000, 100000, 50; 0 skips a part). Panel A: SERIES_A monthly series x 120
points, trend + season + AR(1) noise, plus 1% bad series (too short, constant; at least 2)
that our tool must survive and report; statsforecast gets only the good series (it has no
per-series isolation of such input). auto-arima runs on the
first AUTO_SUBSET series only (stated). Panel B: SERIES_B series x 100 points (10M rows at the
default). Every command runs in a fresh process; the output says what was timed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _util import FORECAST, PYTHON, WORK, machine, run_timed

SF_PYTHON = WORK / "sf-venv" / "bin" / "python"
HERE = Path(__file__).resolve().parent
H = 12
WINDOWS = 5  # ours: walk-forward from n/2 = 60 with step 12 and horizon 12 gives 5 folds


def monthly_panel(n_series: int, n_obs: int, seed: int, bad_share: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(n_obs)
    level = rng.uniform(50, 500, (n_series, 1))
    trend = rng.uniform(-0.2, 1.0, (n_series, 1)) * t
    season = (
        rng.uniform(0.05, 0.3, (n_series, 1))
        * level
        * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6.3, (n_series, 1)))
    )
    shocks = rng.normal(scale=rng.uniform(2, 10, (n_series, 1)), size=(n_series, n_obs))
    noise = np.zeros_like(shocks)
    for i in range(1, n_obs):
        noise[:, i] = 0.5 * noise[:, i - 1] + shocks[:, i]
    values = np.round(level + trend + season + noise, 3)
    ids = np.repeat([f"s{i:06d}" for i in range(n_series)], n_obs)
    stamps = np.tile(
        pd.date_range("2010-01-01", periods=n_obs, freq="MS").strftime("%Y-%m-%d"), n_series
    )
    frame = pd.DataFrame({"unique_id": ids, "ds": stamps, "y": values.ravel()})
    n_bad = max(2, int(n_series * bad_share)) if bad_share else 0
    if n_bad:
        short = frame[frame["unique_id"].isin([f"s{i:06d}" for i in range(n_bad // 2)])]
        frame = frame.drop(short.index[short.groupby("unique_id").cumcount() >= 10])
        flat = [f"s{i:06d}" for i in range(n_bad // 2, n_bad)]
        frame.loc[frame["unique_id"].isin(flat), "y"] = 1.0
    return frame


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode not in (0, 1):  # 1: the bad series were reported, the rest is complete
        raise SystemExit(f"{cmd} failed: {proc.stderr.decode()[-400:]}")
    return time.perf_counter() - start


def part_a(n_series: int, auto_subset: int) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    frame = monthly_panel(n_series, 120, seed=1, bad_share=0.01)
    path = WORK / f"panel_{n_series}.csv"
    frame.to_csv(path, index=False)
    good = frame.groupby("unique_id").filter(lambda g: len(g) == 120 and g["y"].nunique() > 1)
    good_path = WORK / f"panel_{n_series}_good.csv"
    good.to_csv(good_path, index=False)
    n_good = good["unique_id"].nunique()
    subset_ids = sorted(good["unique_id"].unique())[:auto_subset]
    subset_path = WORK / f"panel_{n_series}_auto.csv"
    good[good["unique_id"].isin(subset_ids)].to_csv(subset_path, index=False)
    print(f"# A: {n_series} monthly series x 120 ({n_good} good), h={H} ({machine()})")
    print("model       what       jobs  ours s  series/s | statsforecast s  series/s | ratio")
    print("(* statsforecast without intervals, a cheaper job than ours: for reference only)")
    cases = [
        ("snaive", ["-m", "snaive", "-p", "period=12"], path, n_series),
        ("arima", ["-m", "arima", "-p", "order=1,1,1"], path, n_series),
        ("auto-arima", ["-m", "auto-arima"], subset_path, len(subset_ids)),
    ]
    for name, model_args, data, count in cases:
        for jobs in (1, 2):
            sf = _statsforecast(data if name == "auto-arima" else good_path, name, jobs)
            fit = timed(
                [
                    FORECAST,
                    "fit",
                    str(data),
                    *model_args,
                    "-H",
                    str(H),
                    "--jobs",
                    str(jobs),
                    "-f",
                    "csv",
                    "-q",
                ]
            )
            bt_args = [
                a.replace("period=", "snaive.period=") if name == "snaive" else a
                for a in model_args
            ]
            if name == "arima":
                bt_args = ["-m", "arima", "-p", "arima.order=1,1,1"]
            back = timed(
                [
                    FORECAST,
                    "backtest",
                    str(data),
                    *bt_args,
                    "-H",
                    str(H),
                    "--step",
                    str(H),
                    "--jobs",
                    str(jobs),
                    "-f",
                    "csv",
                    "-q",
                ]
            )
            for what, ours, theirs in (  # statsforecast with our 80/95 % intervals: same job
                ("fit", fit, sf.get("fit_levels_s")),
                ("fit*", fit, sf.get("fit_s")),
                ("backtest", back, sf.get("cv_levels_s")),
                ("backtest*", back, sf.get("cv_s")),
            ):
                ratio = f"{ours / theirs:5.2f}x" if theirs else "  -"
                their = f"{theirs:8.2f}  {count / theirs:8.1f}" if theirs else "       -         -"
                print(
                    f"{name:10s}  {what:9s}  {jobs:4d}  {ours:6.2f}  {count / ours:8.1f} | "
                    f"{their}       | {ratio}",
                    flush=True,
                )


def _statsforecast(path: Path, model: str, jobs: int) -> dict[str, float]:
    if not SF_PYTHON.exists():
        return {}
    out = subprocess.run(
        [
            str(SF_PYTHON),
            str(HERE / "statsforecast_panel.py"),
            str(path),
            model,
            str(H),
            str(WINDOWS),
            str(jobs),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        print(f"statsforecast failed: {out.stderr[-300:]}")
        return {}
    return json.loads(out.stdout.strip().splitlines()[-1])


def part_b(n_series: int) -> None:
    frame = monthly_panel(n_series, 100, seed=2)
    csv_path = WORK / f"big_{n_series}.csv"
    pq_path = WORK / f"big_{n_series}.parquet"
    if not csv_path.exists():
        frame.to_csv(csv_path, index=False)
        frame.to_parquet(pq_path, index=False)
    del frame
    out = WORK / "big_out.parquet"
    rows = n_series * 100
    print(
        f"\n# B: {n_series:,} series x 100 = {rows:,} rows; CSV "
        f"{csv_path.stat().st_size / 1e6:.0f} MB, Parquet {pq_path.stat().st_size / 1e6:.0f} MB"
    )
    print("what                                         seconds   ratio   peak MiB   ratio")
    for kind, path, bare in (
        ("csv", csv_path, "import pandas as pd; f = pd.read_csv({p!r})"),
        ("parquet", pq_path, "import pandas as pd; f = pd.read_parquet({p!r})"),
    ):
        ref_s, ref_kib = run_timed([PYTHON, "-c", bare.format(p=str(path))])
        load_s, load_kib = run_timed(
            [
                PYTHON,
                "-c",
                f"from forecast.data import load; p = load({str(path)!r}); "
                f"assert len(p) == {n_series}",
            ]
        )
        fit_s, fit_kib = run_timed(
            [
                FORECAST,
                "fit",
                str(path),
                "-m",
                "snaive",
                "-p",
                "period=12",
                "-H",
                "12",
                "--output",
                str(out),
                "-q",
            ]
        )
        for label, s, kib in (
            (f"bare pandas read ({kind})", ref_s, ref_kib),
            (f"forecast.data.load ({kind})", load_s, load_kib),
            (f"forecast fit snaive --output .parquet ({kind})", fit_s, fit_kib),
        ):
            print(
                f"{label:44s} {s:7.2f}  {s / ref_s:5.2f}x  {kib / 1024:8.0f}  "
                f"{kib / ref_kib:5.2f}x",
                flush=True,
            )


def main() -> None:
    args = [int(a) for a in sys.argv[1:]]
    n_a, n_b, subset = (args + [1000, 100_000, 50][len(args) :])[:3]
    if n_a:
        part_a(n_a, subset)
    if n_b:
        part_b(n_b)


if __name__ == "__main__":
    main()
