"""Do the optimiser-driven models stop at the same point on every BLAS kernel, and what does
the polish (``forecast.models.optimum.polish``) cost per fit?

Every case below is fitted in a fresh process for each kernel: OpenBLAS's own choice on this
machine, then ``OPENBLAS_CORETYPE`` Haswell, Sandybridge and Prescott (threadpoolctl reports
the kernel each process really got), and ``NUMBA_CPU_NAME=generic`` (numba's kernels compiled
for a generic x86-64). Each process fits every case twice over: ``polished`` (the code as it
is) and ``unpolished`` (``polish`` replaced by a no-op, the stop of the optimisers alone, as
before it existed). It prints, per case and mode, the CPU time per fit (``process_time``,
median of ``--repeat`` fits after one untimed warm-up, one BLAS thread) and the largest
spread across the kernels of the fitted coefficients (relative, against max(|value|, 0.1))
and of the forecasts and their 95 % bounds (relative to the series' RMS).

Usage: ``python bench/bench_convergence.py [--repeat 3] [--quick]``.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"  # one core each, before numpy loads

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
from _util import ROOT, machine  # noqa: E402

# (label, model, parameters, sample file)
CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("ets AirPassengers", "ets", {}, "airpassengers"),
    ("ets Nile", "ets", {}, "nile"),
    ("auto-arima AirPassengers", "auto-arima", {}, "airpassengers"),
    ("auto-arima sunspots (monthly)", "auto-arima", {}, "sunspots"),
    ("ar AirPassengers (AR(12))", "ar", {}, "airpassengers"),
    ("arima(2,1,1) AirPassengers", "arima", {"order": "2,1,1"}, "airpassengers"),
    ("theta AirPassengers", "theta", {}, "airpassengers"),
    ("mstl AirPassengers", "mstl", {}, "airpassengers"),
    ("sparse-ar sunspots (monthly)", "sparse-ar", {}, "sunspots"),
    ("ensemble weighted AirPassengers", "ensemble", {"combine": "weighted"}, "airpassengers"),
]
QUICK = {"ets Nile", "auto-arima AirPassengers", "theta AirPassengers"}
KERNELS: list[tuple[str, dict[str, str]]] = [
    ("default", {}),
    ("Haswell", {"OPENBLAS_CORETYPE": "Haswell"}),
    ("Sandybridge", {"OPENBLAS_CORETYPE": "Sandybridge"}),
    ("Prescott", {"OPENBLAS_CORETYPE": "Prescott"}),
    ("numba generic", {"NUMBA_CPU_NAME": "generic"}),
]
MODES = ("unpolished", "polished")


def _series(name: str) -> Any:
    import pandas as pd

    frame = pd.read_csv(ROOT / "sample_data" / f"{name}.csv", parse_dates=[0], index_col=0)
    y = frame.iloc[:, 0].astype(float)
    y.attrs["freq"] = pd.infer_freq(y.index)
    return y


def _unpolished() -> None:
    """``polish`` as a no-op: the point it is given, as the optimisers left it."""
    from forecast.models import optimum
    from forecast.models.arima import estimation as arima_mle

    def identity(fn: Any, x0: Any, bounds: Any = None, **_: Any) -> optimum.Polished:
        x = np.asarray(x0, dtype="float64")
        return optimum.Polished(x, float(fn(x)), 0, 1, float("nan"), "not polished")

    optimum.polish = identity  # type: ignore[assignment]
    arima_mle.polish = identity  # type: ignore[assignment]


def worker(mode: str, labels: list[str], repeat: int) -> None:
    """In a child process: fit every case, print JSON with what the kernel was and each fit."""
    import warnings

    from forecast.models.registry import get_spec

    warnings.simplefilter("ignore")
    if mode == "unpolished":
        _unpolished()
    out: dict[str, Any] = {"blas": sorted({i.get("architecture", "?") for i in _blas()})}
    for label, model, params, data in CASES:
        if label not in labels:
            continue
        y = _series(data)
        fit = get_spec(model).create(params).fit(y)  # warm-up: numba compiles or loads
        times = []
        for _ in range(repeat):
            start = time.process_time()
            fit = get_spec(model).create(params).fit(y)
            times.append(time.process_time() - start)
        forecast = fit.predict(12, (95,))
        summary = fit.summary()
        out[label] = {
            "cpu": statistics.median(times),
            "description": summary.description,
            "coef": {c.name: c.value for c in summary.coefficients},
            "mean": forecast.mean.tolist(),
            "lower": forecast.lower(95).tolist(),
            "upper": forecast.upper(95).tolist(),
            "rms": float(np.sqrt(np.mean(np.square(y.to_numpy())))),
        }
    print(json.dumps(out))


def _blas() -> list[dict[str, Any]]:
    import scipy.linalg  # noqa: F401  (scipy's own OpenBLAS, used by L-BFGS-B)
    import threadpoolctl

    return [i for i in threadpoolctl.threadpool_info() if i.get("internal_api") == "openblas"]


def spread(runs: list[dict[str, Any]], label: str) -> tuple[float, float, bool]:
    """Largest relative spread across runs of the coefficients and of mean and bounds; and
    whether every run chose the same model."""
    first = runs[0][label]
    same = all(r[label]["description"] == first["description"] for r in runs)
    coef = 0.0
    if same:
        for name in first["coef"]:
            values = [r[label]["coef"].get(name, np.nan) for r in runs]
            size = max(max(abs(v) for v in values), 0.1)
            coef = max(coef, (max(values) - min(values)) / size)
    fc = 0.0
    for key in ("mean", "lower", "upper"):
        values = np.array([r[label][key] for r in runs])
        fc = max(fc, float(np.max(np.ptp(values, axis=0))) / first["rms"])
    return coef, fc, same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="three cases only")
    parser.add_argument("--worker", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--labels", help=argparse.SUPPRESS)
    args = parser.parse_args()
    labels = [label for label, *_ in CASES if not args.quick or label in QUICK]
    if args.worker:
        worker(args.worker, json.loads(args.labels), args.repeat)
        return
    print(f"# bench_convergence: {machine()}, load {os.getloadavg()[0]:.2f}", flush=True)
    results: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
    for kernel, env in KERNELS:
        for mode in MODES:
            command = [sys.executable, __file__, "--worker", mode, "--repeat", str(args.repeat)]
            proc = subprocess.run(
                [*command, "--labels", json.dumps(labels)],
                capture_output=True,
                text=True,
                env={**os.environ, **env},
                check=True,
            )
            run = json.loads(proc.stdout.strip().splitlines()[-1])
            results[mode].append(run)
            print(f"# {kernel} ({mode}): OpenBLAS kernel {', '.join(run['blas'])}", flush=True)
    print(f"# load after: {os.getloadavg()[0]:.2f}")
    print()
    print(
        "| case | CPU s per fit, before | after | ratio | coefficient spread, before | after "
        "| forecast spread, before | after |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for label in labels:
        before, after = results["unpolished"], results["polished"]
        cpu_b = statistics.median(r[label]["cpu"] for r in before)
        cpu_a = statistics.median(r[label]["cpu"] for r in after)
        coef_b, fc_b, same_b = spread(before, label)
        coef_a, fc_a, same_a = spread(after, label)

        def show(value: float, same: bool) -> str:
            return f"{value:.1e}" if same else "models differ"

        print(
            f"| {label} | {cpu_b:.3f} | {cpu_a:.3f} | {cpu_a / cpu_b:.2f}x | "
            f"{show(coef_b, same_b)} | {show(coef_a, same_a)} | {fc_b:.1e} | {fc_a:.1e} |"
        )


if __name__ == "__main__":
    main()
