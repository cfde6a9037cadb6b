"""window-average, seasonal-window-average and ses (issue 26 part 4) against statsforecast
2.1.1's WindowAverage, SeasonalWindowAverage, SimpleExponentialSmoothing and
SimpleExponentialSmoothingOptimized (bench/_work/sf-venv).

    .venv/bin/python bench/bench_window_models.py [--m3 bench/_work/m3_monthly_1000_0.parquet]
        [--panel 10000] [--repeat 2] [--skip-speed]

Accuracy: every series of the M3 monthly file (1,000 series, 48-126 months), horizon 18: our
per-series model (``create(name, params).fit(y).predict(18)``) against statsforecast's model
``forecast(y, 18)`` on the same values; the largest relative difference of the point forecasts
and, for ses auto, of alpha (statsforecast's ``fit(y).model_["alpha"]``).

Speed: bench_batch_panel's 10,000 monthly series x 100 points (bench/_work/batch_N.parquet),
horizon 12. Ours: (a) the batch function on the ``[N, 100]`` block in this warm process
(``time.process_time``, best of REPEAT after a warm-up call: numba's cache loaded), with 80/95 %
intervals; (b) the CLI job below run by ``forecast.cli.app.main`` in this warm process (after
one untimed run: the Parquet load, the forecasts and the output, no imports); (c) a fresh
``forecast fit PANEL -m MODEL -H 12 --output OUT.parquet -q`` process
(imports, load, forecasts, output: the child's user + system CPU; naive, whose path
bench_batch_panel.py measures, as a reference row). statsforecast: its
``StatsForecast(models=[m], freq="MS", n_jobs=1).forecast(df, h=12)`` in a warm process (numba
compiled and the frame read beforehand, neither timed), point forecasts only (statsforecast
gives these models no intervals without conformal calibration). Rounds interleaved, best of
REPEAT. The machine is shared: the load average is printed before and after.

The statsforecast side is this same file run by the sf-venv interpreter with ``--sf-side``
(it imports statsforecast there, never forecast).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
SF_PYTHON = WORK / "sf-venv" / "bin" / "python"
H_M3, H_SPEED = 18, 12
# label: (our model, our params, statsforecast class, its arguments)
CONFIGS: dict[str, tuple[str, dict[str, object], str, dict[str, object]]] = {
    "naive (for reference)": ("naive", {}, "Naive", {}),
    "window-average w=3": ("window-average", {"window": 3}, "WindowAverage", {"window_size": 3}),
    "window-average w=12": (
        "window-average", {"window": 12}, "WindowAverage", {"window_size": 12},
    ),
    "seasonal-window-average m=12 w=2": (
        "seasonal-window-average", {"period": 12, "window": 2}, "SeasonalWindowAverage",
        {"season_length": 12, "window_size": 2},
    ),
    "ses alpha=0.3": ("ses", {"alpha": "0.3"}, "SimpleExponentialSmoothing", {"alpha": 0.3}),
    "ses auto": ("ses", {}, "SimpleExponentialSmoothingOptimized", {}),
}  # fmt: skip


def load_series(path: Path) -> list[tuple[str, pd.Series]]:
    frame = pd.read_parquet(path)
    frame["ds"] = pd.to_datetime(frame["ds"])
    frame = frame.sort_values(["unique_id", "ds"])
    return [
        (str(key), pd.Series(group["y"].to_numpy(float), index=pd.DatetimeIndex(group["ds"])))
        for key, group in frame.groupby("unique_id", sort=True)
    ]


# --- the statsforecast side (run by the sf-venv interpreter) ---------------------------------


def sf_accuracy(path: Path, out: Path) -> None:
    import statsforecast.models as sfm

    result: dict[str, list[list[float]]] = {}
    alphas: list[float] = []
    series = load_series(path)
    for label, (_, _, cls, kwargs) in CONFIGS.items():
        make = getattr(sfm, cls)
        result[label] = [list(make(**kwargs).forecast(y.to_numpy(), H_M3)["mean"])
                         for _, y in series]  # fmt: skip
        if label == "ses auto":
            alphas = [float(make().fit(y.to_numpy()).model_["alpha"]) for _, y in series]
    out.write_text(json.dumps({"forecasts": result, "alphas": alphas}))


def sf_speed(path: Path, label: str) -> None:
    import statsforecast.models as sfm
    from statsforecast import StatsForecast

    frame = pd.read_parquet(path)
    frame["ds"] = pd.to_datetime(frame["ds"])
    _, _, cls, kwargs = CONFIGS[label]

    def job(df: pd.DataFrame) -> pd.DataFrame:
        model = getattr(sfm, cls)(**kwargs)
        return StatsForecast(models=[model], freq="MS", n_jobs=1).forecast(df=df, h=H_SPEED)

    job(frame[frame["unique_id"].isin(frame["unique_id"].unique()[:2])])  # compile: untimed
    start_cpu, start = time.process_time(), time.perf_counter()
    rows = len(job(frame))
    print(json.dumps({"cpu": time.process_time() - start_cpu,
                      "wall": time.perf_counter() - start, "rows": rows}))  # fmt: skip


# --- our side -------------------------------------------------------------------------------


def accuracy(m3: Path) -> None:
    from forecast.models.registry import create

    out = WORK / "window_models_sf.json"
    cmd = [str(SF_PYTHON), __file__, "--sf-side", "accuracy", str(m3), str(out)]
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    sf = json.loads(out.read_text())
    print(f"statsforecast side: {time.perf_counter() - start:.1f} s wall")
    series = load_series(m3)
    print(f"\nM3 monthly, {len(series)} series, horizon {H_M3}: largest relative difference")
    print("| model | forecasts | alpha |")
    print("|---|---|---|")
    for label, (name, params, _, _) in CONFIGS.items():
        ours, alphas = [], []
        for _, y in series:
            model = create(name, params).fit(y)
            ours.append(model.predict(H_M3).mean)
            alphas.append(getattr(model, "alpha_", np.nan))
        theirs = np.array(sf["forecasts"][label])
        rel = np.abs(np.array(ours) - theirs) / np.maximum(np.abs(theirs), 1.0)
        alpha = "-"
        if label == "ses auto":
            alpha = f"{np.max(np.abs(np.array(alphas) - np.array(sf['alphas']))):.1e}"
        print(f"| {label} | {np.max(rel):.1e} | {alpha} |")


def batch_cpu(block: np.ndarray, name: str, params: dict[str, object], repeat: int) -> float:
    from forecast.fitting.batch import batch_function
    from forecast.models.registry import get_spec

    function = batch_function(name)
    assert function is not None
    resolved = get_spec(name).resolve(params)
    function(block[:2], H_SPEED, (80.0, 95.0), "MS", resolved)  # numba's cache: untimed
    times = []
    for _ in range(repeat):
        start = time.process_time()
        found = function(block, H_SPEED, (80.0, 95.0), "MS", resolved)
        times.append(time.process_time() - start)
    assert found.ok.all()
    return min(times)


def cli_args(path: Path, name: str, params: dict[str, object]) -> list[str]:
    extra = [a for k, v in params.items() for a in ("-p", f"{k}={v}")]
    return ["fit", str(path), "-m", name, *extra, "-H", str(H_SPEED),
            "--output", str(WORK / "window_out.parquet"), "-q"]  # fmt: skip


def cli_warm(path: Path, name: str, params: dict[str, object], repeat: int) -> float:
    """CPU seconds of the same CLI job run by ``forecast.cli.app.main`` in this process (after
    one untimed run): the load, the forecasts and the Parquet output, no imports."""
    import contextlib
    import io

    from forecast.cli.app import main as cli

    times = []
    for i in range(repeat + 1):
        start = time.process_time()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = cli(cli_args(path, name, params))  # its summary line: not shown
        if code:
            raise SystemExit(f"forecast {' '.join(cli_args(path, name, params))} failed")
        if i:  # the first run loads numba's caches and the CLI's modules
            times.append(time.process_time() - start)
    return min(times)


def cli_cpu(path: Path, name: str, params: dict[str, object]) -> tuple[float, float]:
    """CPU (user + system) and wall seconds of one fresh ``forecast fit`` process."""
    forecast = str(Path(sys.executable).with_name("forecast"))
    cmd = [forecast, *cli_args(path, name, params)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env={**os.environ, "NO_COLOR": "1"})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def speed(n: int, repeat: int) -> None:
    path = WORK / f"batch_{n}.parquet"
    if not path.exists():
        sys.path.insert(0, str(HERE))
        from bench_panel import monthly_panel

        monthly_panel(n, 100, seed=26).to_parquet(path, index=False)
    frame = pd.read_parquet(path)
    block = np.ascontiguousarray(frame["y"].to_numpy(float).reshape(n, -1))
    print(f"\n{n:,} monthly series x {block.shape[1]}, horizon {H_SPEED}; CPU seconds (wall)")
    print("| model | ours batch fn (80/95 % bands) | ours CLI warm | ours fresh CLI process | "
          "SF forecast (point only) | batch / SF | warm / SF | fresh / SF |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for label, (name, params, _, _) in CONFIGS.items():
        fn = batch_cpu(block, name, params, repeat)
        warm = cli_warm(path, name, params, repeat)
        mine, theirs = [], []
        for _ in range(repeat):  # interleaved rounds
            mine.append(cli_cpu(path, name, params))
            cmd = [str(SF_PYTHON), __file__, "--sf-side", "speed", str(path), label]
            done = subprocess.run(cmd, check=True, capture_output=True, text=True)
            theirs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        cpu, wall = min(mine)
        sf = min(theirs, key=lambda r: r["cpu"])
        print(f"| {label} | {fn:.3f} | {warm:.3f} | {cpu:.2f} ({wall:.2f}) | {sf['cpu']:.3f} "
              f"({sf['wall']:.3f}) | {fn / sf['cpu']:.2f}x | {warm / sf['cpu']:.2f}x | "
              f"{cpu / sf['cpu']:.2f}x |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--m3", type=Path, default=WORK / "m3_monthly_1000_0.parquet")
    parser.add_argument("--panel", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--sf-side", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sf_side:
        kind, *rest = args.sf_side
        if kind == "accuracy":
            sf_accuracy(Path(rest[0]), Path(rest[1]))
        else:
            sf_speed(Path(rest[0]), rest[1])
        return
    print("UTC", time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()), "load", os.getloadavg())
    accuracy(args.m3)
    if not args.skip_speed:
        speed(args.panel, args.repeat)
    print("UTC", time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()), "load", os.getloadavg())


if __name__ == "__main__":
    main()
