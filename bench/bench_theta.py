"""Theta: ours against statsforecast 2.1.1's Theta and AutoTheta, speed and held-out accuracy.

    .venv/bin/python bench/bench_theta.py [--rounds 5] [--repeat 3]

Series: every monthly and quarterly series bench/bench_accuracy.py loads (``load_series``:
the real series bundled with pmdarima and statsmodels, m = 12 or 4; AirPassengers among them).

Speed: per series, fit on the whole series and forecast 18 steps with 80 and 95 % bounds;
ours through the public API (``Theta(period=m, variant=...).fit(pandas Series).predict``; the
Series is built before the clock starts, as statsforecast's array is),
statsforecast's ``Theta(season_length=m)`` / ``AutoTheta`` ``.fit(y).predict(18, level=[80,
95])`` (its own simulated bounds, as ours). Each side runs in its own fresh process (ours in
.venv, statsforecast in bench/_work/sf-venv: it needs pandas < 3), warms up once over the
series (numba's cache, imports), then measures the CPU time (``time.process_time``) of
``repeat`` fits of each series; the two sides alternate for ``rounds`` rounds, and the median
over rounds per series is reported as its mean over the series and for AirPassengers.

Accuracy: the last 18 points of each series held out, every variant of ours and
statsforecast's Theta and AutoTheta fitted on the rest (period m given to both); sMAPE (M4
definition) and MASE (scaled by the in-sample seasonal naive MAE) per series, their means, and
the paired difference ours minus statsforecast's with a 95 % series-bootstrap CI (2,000
resamples, seed 0).

The statsforecast side is this file run as ``--sf-side`` by the sf-venv's Python; it imports
nothing from forecast.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SF_PYTHON = ROOT / "bench" / "_work" / "sf-venv" / "bin" / "python"
HORIZON = 18
LEVELS = (80, 95)
OURS = ("stm", "otm", "dstm", "dotm", "auto", "ses-drift")
THEIRS = ("Theta", "AutoTheta")
TIMED_OURS = ("stm", "auto", "ses-drift")


def series() -> list[dict[str, Any]]:
    """name, values, m of the monthly and quarterly series of bench_accuracy."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_accuracy import load_series

    return [
        {"name": s["name"], "values": s["values"], "m": s["m"]}
        for s in load_series()
        if s["m"] in (12, 4)
    ]


# --- the statsforecast side (sf-venv) -------------------------------------------------------


def sf_model(name: str, m: int) -> Any:
    import statsforecast.models as sf

    return getattr(sf, name)(season_length=m)


def sf_side(path: str, mode: str, repeat: int) -> dict[str, Any]:
    """statsforecast's forecasts (mode "accuracy") or CPU seconds per series and model."""
    items = json.loads(Path(path).read_text())
    warnings.simplefilter("ignore")
    if mode == "accuracy":
        out: dict[str, Any] = {}
        for item in items:
            train = np.asarray(item["values"][:-HORIZON], dtype="float64")
            out[item["name"]] = {
                name: sf_model(name, item["m"]).fit(train).predict(HORIZON)["mean"].tolist()
                for name in THEIRS
            }
        return out
    return {
        name: _time_passes(items, repeat, lambda y, m, n=name: _sf_fit(n, y, m)) for name in THEIRS
    }


def _sf_fit(name: str, y: np.ndarray, m: int) -> Any:
    return sf_model(name, m).fit(y).predict(HORIZON, level=list(LEVELS))


def _time_passes(
    items: list[dict[str, Any]], repeat: int, fit: Any, prepare: Any = None
) -> dict[str, float]:
    """CPU seconds per fit of each series (the mean of ``repeat`` fits), after one warm-up
    pass over all of them; ``prepare(values, m)`` makes the data a fit takes, untimed."""
    prepare = prepare or (lambda y, m: y)
    arrays = [
        (i["name"], prepare(np.asarray(i["values"], dtype="float64"), int(i["m"])), int(i["m"]))
        for i in items
    ]
    for _, y, m in arrays:
        fit(y, m)
    out = {}
    for name, y, m in arrays:
        start = time.process_time()
        for _ in range(repeat):
            fit(y, m)
        out[name] = (time.process_time() - start) / repeat
    return out


# --- our side ---------------------------------------------------------------------------------


def _series_of(y: np.ndarray, m: int) -> Any:
    import pandas as pd

    freq = "MS" if m == 12 else "QS"
    return pd.Series(y, index=pd.date_range("1900-01-01", periods=y.size, freq=freq))


def ours_side(path: str, repeat: int) -> dict[str, dict[str, float]]:
    from forecast.models.theta import Theta

    items = json.loads(Path(path).read_text())

    def fit(variant: str, y: Any, m: int) -> Any:
        return Theta(period=m, variant=variant).fit(y).predict(HORIZON, LEVELS)

    return {
        v: _time_passes(items, repeat, lambda y, m, v=v: fit(v, y, m), _series_of)
        for v in TIMED_OURS
    }


def ours_accuracy(items: list[dict[str, Any]]) -> dict[str, dict[str, list[float]]]:
    from forecast.models.theta import Theta

    out = {}
    for item in items:
        train = np.asarray(item["values"][:-HORIZON], dtype="float64")
        out[item["name"]] = {
            v: Theta(period=item["m"], variant=v)
            .fit(_series_of(train, item["m"]))
            .predict(HORIZON)
            .mean.tolist()
            for v in OURS
        }
    return out


# --- the driver ------------------------------------------------------------------------------


def _run(cmd: list[str]) -> Any:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:3]} failed: {proc.stderr[-800:]}")
    return json.loads(proc.stdout)


def speed(path: str, rounds: int, repeat: int) -> dict[str, dict[str, float]]:
    """Per model and series, the median over interleaved rounds of the CPU seconds per fit."""
    times: dict[str, dict[str, list[float]]] = {}
    for _ in range(rounds):
        ours = _run([sys.executable, __file__, "--ours-side", path, "--repeat", str(repeat)])
        theirs = _run([str(SF_PYTHON), __file__, "--sf-side", path, "--repeat", str(repeat)])
        for model, per_series in {**{f"ours {k}": v for k, v in ours.items()}, **theirs}.items():
            for name, value in per_series.items():
                times.setdefault(model, {}).setdefault(name, []).append(value)
    return {
        model: {name: statistics.median(values) for name, values in per_series.items()}
        for model, per_series in times.items()
    }


def scores(items: list[dict[str, Any]], forecasts: dict[str, dict[str, list[float]]]) -> Any:
    from forecast.backtesting import metrics

    out: dict[str, dict[str, np.ndarray]] = {}
    for item in items:
        values = np.asarray(item["values"])
        train, test = values[:-HORIZON], values[-HORIZON:]
        scale = metrics.naive_scale(train, item["m"])
        for model, mean in forecasts[item["name"]].items():
            row = out.setdefault(model, {"smape": np.zeros(0), "mase": np.zeros(0)})
            row["smape"] = np.r_[row["smape"], metrics.smape(test, np.asarray(mean))]
            row["mase"] = np.r_[row["mase"], metrics.mase(test, np.asarray(mean), scale)]
    return out


def paired_ci(diff: np.ndarray) -> tuple[float, float, float]:
    rng = np.random.default_rng(0)
    means = diff[rng.integers(0, diff.size, (2000, diff.size))].mean(axis=1)
    return float(diff.mean()), float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def report(items: list[dict[str, Any]], times: dict[str, dict[str, float]], table: Any) -> None:
    print(f"{len(items)} series; load average at the end {os.getloadavg()[0]:.2f}")
    mean = {model: float(np.mean(list(v.values()))) for model, v in times.items()}
    air = {model: v["airpassengers"] for model, v in times.items()}
    print("\n| model | CPU ms per series (mean) | AirPassengers |")
    print("|---|---|---|")
    for model in times:
        print(f"| {model} | {mean[model] * 1e3:.2f} | {air[model] * 1e3:.2f} |")
    print("\n| ratio | mean over series | AirPassengers |")
    print("|---|---|---|")
    for ours, theirs in (("stm", "Theta"), ("auto", "AutoTheta"), ("auto", "Theta")):
        a, b = f"ours {ours}", theirs
        print(f"| ours {ours} / {theirs} | {mean[a] / mean[b]:.2f}x | {air[a] / air[b]:.2f}x |")
    monthly = np.array([item["m"] == 12 for item in items])
    for label, keep in (
        ("all", ~np.zeros_like(monthly)),
        ("monthly", monthly),
        ("quarterly", ~monthly),
    ):
        print(f"\n{label} ({int(keep.sum())} series)\n")
        print("| model | sMAPE | MASE | sMAPE vs SF Theta [95 % CI] | MASE vs SF Theta [95 % CI] |")
        print("|---|---|---|---|---|")
        for model, row in table.items():
            cells = []
            for metric in ("smape", "mase"):
                diff = row[metric][keep] - table["Theta"][metric][keep]
                avg, lo, hi = paired_ci(diff)
                cells.append(f"{avg:+.3f} [{lo:+.3f}, {hi:+.3f}]")
            smape, mase = row["smape"][keep].mean(), row["mase"][keep].mean()
            print(f"| {model} | {smape:.3f} | {mase:.4f} | " + " | ".join(cells) + " |")


def main() -> None:
    """Run the benchmark, or one of its sides (--sf-side, --ours-side, --accuracy-side)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sf-side")
    parser.add_argument("--ours-side")
    parser.add_argument("--accuracy-side")
    args = parser.parse_args()
    if args.sf_side:
        print(json.dumps(sf_side(args.sf_side, "speed", args.repeat)))
        return
    if args.accuracy_side:
        print(json.dumps(sf_side(args.accuracy_side, "accuracy", 0)))
        return
    if args.ours_side:
        print(json.dumps(ours_side(args.ours_side, args.repeat)))
        return
    items = series()
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "series.json")
        Path(path).write_text(json.dumps(items))
        times = speed(path, args.rounds, args.repeat)
        theirs = _run([str(SF_PYTHON), __file__, "--accuracy-side", path])
    ours = ours_accuracy(items)
    forecasts = {name: {**ours[name], **theirs[name]} for name in ours}
    report(items, times, scores(items, forecasts))


if __name__ == "__main__":
    main()
