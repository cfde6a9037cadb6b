"""Would per-series calibration inside the training data fix the ensemble's quarterly coverage?

    FORECAST_THREADS=1 .venv/bin/python bench/bench_scaled_conformal.py TAG [FREQ] [MODEL]

On the series a ``bench_accuracy.py --m3 N --tag TAG`` run drew (bench/_work/
accuracy_series{TAG}.json; FREQ ``QS`` or ``MS``, default ``QS``; MODEL default ``ensemble``),
each series' training part is calibrated by a *studentized* split-conformal walk-forward whose
lead times are pooled, so that a short series has enough errors for 95 %:

- a fresh MODEL is fitted on the first n - c training observations (c = 6, 10, 16) and
  forecasts h steps from every origin n - c - 1, ..., n - 2 at those parameters;
- each error whose target lies inside the training data is divided by that forecast's own
  standard deviation at its lead time (the 80 % half-width / z_0.9), and the scores of every
  lead time are pooled (Lei et al. 2018's normalised scores; pooling lead times assumes they
  are exchangeable once scaled, an approximation);
- the interval of the full fit is mean -/+ q * sd_k, q the ceil((N + 1) L)-th smallest of the
  N scores.

It prints, beside the model's own intervals, the held-out coverage at 80 / 95 % and the MSIS
(interval score over the horizon divided by the training part's mean absolute seasonal
difference, per series, then averaged). Nothing after the training part is read by the
calibration. The tool does not ship this method (bench/RESULTS.md, session 10: it did not
help); per-lead-time ``--intervals conformal`` is in forecast.models.conformal.
"""

from __future__ import annotations

import json
import math
import sys
import time
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

WORK = Path(__file__).resolve().parent / "_work"
Z90 = 1.2815515655446004  # the 0.9 quantile of N(0, 1): the 80 % half-width in sds
LEVELS = (80.0, 95.0)
SIZES = (6, 10, 16)  # calibration origins c


def conformal_q(scores: np.ndarray, level: float) -> float:
    """The finite-sample conformal quantile (the largest score when there are too few)."""
    s = np.sort(scores[np.isfinite(scores)])
    rank = math.ceil((s.size + 1) * level / 100)
    return float(s[min(rank, s.size) - 1])


def interval_scores(test: np.ndarray, lo: np.ndarray, hi: np.ndarray, scale: float) -> dict:
    out = {}
    for lv in LEVELS:
        a = 1 - lv / 100
        inside = (test >= lo[lv]) & (test <= hi[lv])
        penalty = 2 / a * ((lo[lv] - test) * (test < lo[lv]) + (test - hi[lv]) * (test > hi[lv]))
        out[f"cover{lv:g}"] = float(np.mean(inside))
        out[f"msis{lv:g}"] = float(np.mean(hi[lv] - lo[lv] + penalty) / scale)
    return out


def one(job: tuple[dict[str, Any], str]) -> dict[str, Any]:
    from forecast.models.registry import get_spec
    from forecast.progress import progress_enabled

    item, model_name = job
    h, m = item["h"], item["m"]
    values = np.asarray(item["values"], float)
    index = pd.date_range("1900-01-01", periods=values.size, freq=item["freq"])
    train, test = pd.Series(values[:-h], index=index[:-h]), values[-h:]
    n, y = train.size, train.to_numpy()
    scale = float(np.mean(np.abs(y[m:] - y[:-m])))
    out: dict[str, Any] = {"name": item["name"]}
    with progress_enabled(False):
        full = get_spec(model_name).create({}).fit(train).predict(h, LEVELS)
        sd = (full.bands[80.0][1] - full.mean) / Z90
        lo = {lv: full.bands[lv][0] for lv in LEVELS}
        hi = {lv: full.bands[lv][1] for lv in LEVELS}
        out["model"] = interval_scores(test, lo, hi, scale)
        for c in SIZES:
            try:
                model = get_spec(model_name).create({}).fit(train.iloc[: n - c])
                origins = np.arange(n - c - 1, n - 1)
                batch = model.forecast_from(train, origins, h, (80.0,))
            except Exception as exc:  # too short for this c: left out of that column
                out[f"c{c}"] = type(exc).__name__
                continue
            targets = origins[:, None] + 1 + np.arange(h)[None, :]
            actual = np.where(targets < n, y[np.minimum(targets, n - 1)], np.nan)
            scores = np.abs(actual - batch.mean) / ((batch.bands[80.0][1] - batch.mean) / Z90)
            q = {lv: conformal_q(scores.ravel(), lv) for lv in LEVELS}
            lo = {lv: full.mean - q[lv] * sd for lv in LEVELS}
            hi = {lv: full.mean + q[lv] * sd for lv in LEVELS}
            out[f"c{c}"] = interval_scores(test, lo, hi, scale) | {"q80": q[80.0], "q95": q[95.0]}
    return out


def main() -> None:
    tag = sys.argv[1]
    freq = sys.argv[2] if len(sys.argv) > 2 else "QS"
    model = sys.argv[3] if len(sys.argv) > 3 else "ensemble"
    items = [d for d in json.loads((WORK / f"accuracy_series{tag}.json").read_text())
             if d["freq"] == freq]  # fmt: skip
    start = time.perf_counter()
    with Pool(2) as pool:
        results = pool.map(one, [(item, model) for item in items], chunksize=4)
    print(f"{model}, {len(items)} {freq} series of {tag}")
    print("| intervals | series | cover 80 | cover 95 | MSIS 95 | same series, model's: cover 80 "
          "/ 95, MSIS 95 | q80 | q95 |\n|---|---|---|---|---|---|---|---|")  # fmt: skip
    for key in ("model", *(f"c{c}" for c in SIZES)):
        kept = [r for r in results if isinstance(r.get(key), dict)]
        mean = {k: np.mean([r[key][k] for r in kept]) for k in kept[0][key]}
        base = {k: np.mean([r["model"][k] for r in kept]) for k in kept[0]["model"]}
        q = f"{mean['q80']:.2f} | {mean['q95']:.2f}" if "q80" in mean else "| "
        cover = f"{100 * mean['cover80']:.1f} | {100 * mean['cover95']:.1f}"
        print(f"| {key} | {len(kept)} | {cover} | "
              f"{mean['msis95']:.2f} | {100 * base['cover80']:.1f} / {100 * base['cover95']:.1f}, "
              f"{base['msis95']:.2f} | {q} |")  # fmt: skip
    print(f"{time.perf_counter() - start:.0f} s wall, two worker processes")


if __name__ == "__main__":
    main()
