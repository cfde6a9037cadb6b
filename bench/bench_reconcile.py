"""Reconciliation time of forecast.hierarchy against hierarchicalforecast on the same forecasts.

    .venv/bin/python bench/bench_reconcile.py [--stores 1000] [--regions 20] [--rounds 7]

Both sides run in ONE process of bench/_work/hf-venv (hierarchicalforecast 1.5.3, numpy and
scipy the same versions as .venv's), forecast imported from src/ with PYTHONPATH=src: the script
re-executes itself there when hierarchicalforecast is not importable. BLAS and OpenMP are held
to one thread (OMP/OPENBLAS/MKL_NUM_THREADS=1) on both sides.

The hierarchy: 3 levels, total / REGIONS regions / STORES stores (each region gets at least one
store, the rest at random: unequal families). Bottom series: 48 monthly in-sample points and 12
future ones, level ~ Gamma(2, 50) times a yearly season of random phase and amplitude, plus
N(0, (level / 5)^2) noise; every aggregate is the sum of its stores. Base forecasts of every
node (and its in-sample fitted values, whose residuals MinT-shrink uses) are the truth plus
independent N(0, sigma_node^2) errors, sigma_node = 8 k^0.75 for a node over k stores: incoherent
forecasts, as from a model fitted to each node; the accuracy table is of these simulated errors.

Timing: ``time.process_time`` of each method's call on each side, interleaved (every round runs
every method on both sides in turn), the median over ROUNDS rounds after one warm-up call (whose
results are compared: the max relative difference is printed). hierarchicalforecast's dense
classes (BottomUp, TopDown, MiddleOut, MinTrace) and, where it has them, its sparse ones
(BottomUpSparse, TopDownSparse, MiddleOutSparse, MinTraceSparse for ols/wls_struct); the ratio
is ours over the faster of its two. The load average (1 min) is printed before and after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
HF_PYTHON = ROOT / "bench" / "_work" / "hf-venv" / "bin" / "python"
T_IN, H = 48, 12
METHODS = [
    "bottom-up",
    "top-down",
    "middle-out region",
    "mint-ols",
    "mint-wls-struct",
    "mint-shrink",
]


def simulate(stores: int, regions: int, seed: int) -> dict[str, Any]:
    """The bottom ids, and every node's in-sample, fitted, future and base forecast values."""
    from forecast.hierarchy import structure

    rng = np.random.default_rng(seed)
    region = np.concatenate([np.arange(regions), rng.integers(0, regions, stores - regions)])
    frame = pd.DataFrame({"region": region, "store": np.arange(stores)})
    h = structure.from_columns(frame, ["region", "store"])
    t = np.arange(T_IN + H)
    level = rng.gamma(2.0, 50.0, size=(stores, 1))
    season = 1 + rng.uniform(0, 0.4, (stores, 1)) * np.sin(
        2 * np.pi * t / 12 + rng.uniform(0, 2 * np.pi, (stores, 1))
    )
    bottom = level * season + rng.normal(size=(stores, t.size)) * level / 5
    truth = h.aggregate(bottom)  # [n, T_IN + H], rows in the hierarchy's order
    k = np.asarray(h.summing.sum(axis=1))  # [n, 1] stores under each node
    noisy = truth + rng.normal(size=truth.shape) * 8.0 * k**0.75
    return {
        "hierarchy": h,
        "y_insample": truth[:, :T_IN],
        "y_hat_insample": noisy[:, :T_IN],
        "future": truth[:, T_IN:],
        "y_hat": noisy[:, T_IN:],
    }


def ours(data: dict[str, Any], method: str) -> np.ndarray:
    from forecast.hierarchy import reconcile

    name, _, level = method.partition(" ")
    residuals = data["y_insample"] - data["y_hat_insample"]
    return reconcile.reconcile(
        data["hierarchy"], data["y_hat"], name, middle_level=level or None, residuals=residuals
    )


def theirs(
    data: dict[str, Any], method: str, sparse_variant: bool
) -> Callable[[], np.ndarray] | None:
    """A call of hierarchicalforecast's class for ``method`` (None when it has no such class)."""
    from hierarchicalforecast import methods as hf

    h = data["hierarchy"]
    s = h.summing.toarray() if not sparse_variant else h.summing
    tags = {
        name: np.arange(h.level_starts[k], h.level_starts[k + 1])
        for k, name in enumerate(h.level_names)
    }
    common = {"S": s, "y_hat": data["y_hat"]}
    insample = {"y_insample": data["y_insample"], "y_hat_insample": data["y_hat_insample"]}
    if method == "bottom-up":
        cls = hf.BottomUpSparse if sparse_variant else hf.BottomUp
        return lambda: cls().fit_predict(**common)["mean"]
    if method == "top-down":
        cls = hf.TopDownSparse if sparse_variant else hf.TopDown
        return lambda: cls("forecast_proportions").fit_predict(**common, tags=tags)["mean"]
    if method.startswith("middle-out"):
        cls = hf.MiddleOutSparse if sparse_variant else hf.MiddleOut
        level = method.partition(" ")[2]
        dense = {**common, "S": h.summing.toarray()}  # MiddleOutSparse 1.5.3 fails on a csr S
        return lambda: cls(level, "forecast_proportions").fit_predict(**dense, tags=tags)["mean"]
    variant = {"mint-ols": "ols", "mint-wls-struct": "wls_struct", "mint-shrink": "mint_shrink"}[
        method
    ]
    if sparse_variant and variant == "mint_shrink":
        return None
    cls = hf.MinTraceSparse if sparse_variant else hf.MinTrace
    return lambda: cls(variant).fit_predict(**common, **insample)["mean"]


def _cpu(fn: Callable[[], Any]) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def timings(data: dict[str, Any], rounds: int) -> list[dict[str, Any]]:
    calls = {m: {"ours": lambda m=m: ours(data, m)} for m in METHODS}
    for m in METHODS:
        for label, flag in (("hf", False), ("hf sparse", True)):
            call = theirs(data, m, flag)
            if call is not None:
                calls[m][label] = call
    rows: dict[str, dict[str, Any]] = {m: {"times": {k: [] for k in calls[m]}} for m in METHODS}
    for m in METHODS:  # warm-up, and the agreement of the results
        ref = calls[m]["ours"]()
        for label, call in calls[m].items():
            diff = np.abs(call() - ref).max() / np.abs(ref).max()
            rows[m][f"diff {label}"] = diff
    for _ in range(rounds):
        for m in METHODS:
            for label, call in calls[m].items():
                rows[m]["times"][label].append(_cpu(call))
    out = []
    for m in METHODS:
        med = {label: statistics.median(v) for label, v in rows[m]["times"].items()}
        best_hf = min(v for label, v in med.items() if label != "ours")
        diffs = {k: v for k, v in rows[m].items() if k.startswith("diff hf")}
        out.append({"method": m, **med, "ratio": med["ours"] / best_hf, **diffs})
    return out


def accuracy(data: dict[str, Any]) -> pd.DataFrame:
    """MAE per level of each method over the base forecasts' MAE (simulated errors)."""
    h = data["hierarchy"]
    future = data["future"]

    def per_level(values: np.ndarray) -> list[float]:
        err = np.abs(values - future)
        return [float(err[h.level_rows(k)].mean()) for k in range(len(h.level_names))]

    base = per_level(data["y_hat"])
    table = {
        m: [r / b for r, b in zip(per_level(ours(data, m)), base, strict=True)] for m in METHODS
    }
    return pd.DataFrame(table, index=list(h.level_names)).T


def _reexec() -> int:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    if not HF_PYTHON.exists():
        sys.exit(
            "error: bench/_work/hf-venv is missing: python3 -m venv bench/_work/hf-venv && "
            "bench/_work/hf-venv/bin/pip install hierarchicalforecast"
        )
    return subprocess.run(
        [str(HF_PYTHON), __file__, *sys.argv[1:]], env=env, check=False
    ).returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=1000)
    parser.add_argument("--regions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seed", type=int, default=30)
    args = parser.parse_args()
    try:
        import hierarchicalforecast
    except ImportError:
        sys.exit(_reexec())
    load_before = os.getloadavg()[0]
    data = simulate(args.stores, args.regions, args.seed)
    rows = timings(data, args.rounds)
    load_after = os.getloadavg()[0]
    h = data["hierarchy"]
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, hierarchicalforecast "
        f"{hierarchicalforecast.__version__}, numpy {np.__version__}, {h.n_nodes} nodes "
        f"({h.n_nodes - h.n_bottom} aggregates, {h.n_bottom} stores), horizon {H}, "
        f"{T_IN} residuals per node, {args.rounds} rounds, "
        f"load {load_before:.2f} -> {load_after:.2f}"
    )
    print()
    print(
        "| method | ours ms | hf ms | hf sparse ms | ours / best hf | max rel diff hf | hf sparse |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        sparse_ms = f"{1e3 * r['hf sparse']:.1f}" if "hf sparse" in r else "-"
        sparse_diff = f"{r['diff hf sparse']:.1e}" if "diff hf sparse" in r else "-"
        print(
            f"| {r['method']} | {1e3 * r['ours']:.1f} | {1e3 * r['hf']:.1f} | {sparse_ms} | "
            f"{r['ratio']:.2f}x | {r['diff hf']:.1e} | {sparse_diff} |"
        )
    print()
    print("MAE per level over the base forecasts' MAE (simulated base errors, see the docstring):")
    print()
    table = accuracy(data).round(3)
    print("| method | " + " | ".join(table.columns) + " |")
    print("|---|" + "---|" * len(table.columns))
    for method, row in table.iterrows():
        print(f"| {method} | " + " | ".join(f"{v:.3f}" for v in row) + " |")


if __name__ == "__main__":
    main()
