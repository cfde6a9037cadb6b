"""Our `ets` against statsforecast's AutoETS on one frequency group of an M3 draw, the period
given to both sides (the same job): MASE and sMAPE means over the series, paired.

The draw is bench_accuracy.load_m3(N, SEED) (the seed-0 draw is "draw A" of RESULTS.md);
statsforecast runs in bench/_work/sf-venv (statsforecast_ets_draw.py).

Usage: python bench/bench_ets_draw.py [--group quarterly] [--series 250] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
from _util import WORK
from bench_accuracy import M3_FREQ, load_m3

SF_PYTHON = WORK / "sf-venv" / "bin" / "python"
HERE = Path(__file__).resolve().parent


def main() -> None:
    from forecast.backtesting import metrics
    from forecast.models.ets import Ets

    parser = argparse.ArgumentParser()
    parser.add_argument("--group", default="quarterly", choices=sorted(M3_FREQ))
    parser.add_argument("--series", type=int, default=250)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    freq = M3_FREQ[args.group][0]
    items = [i for i in load_m3(args.series, args.seed) if i["freq"] == freq]
    series_file, sf_file = WORK / "ets_draw_series.json", WORK / "ets_draw_sf.json"
    series_file.write_text(json.dumps(items))
    script = str(HERE / "statsforecast_ets_draw.py")
    subprocess.run([str(SF_PYTHON), script, str(series_file), str(sf_file)], check=True)
    theirs = json.loads(sf_file.read_text())
    rows = []
    for item in items:
        h, m = item["h"], item["m"]
        values = np.asarray(item["values"])
        train, test = values[:-h], values[-h:]
        y = pd.Series(train, index=pd.date_range("2000-01-01", periods=train.size, freq=freq))
        ours = Ets(period=m).fit(y).predict(h).mean
        sf = np.asarray(theirs[item["name"]])
        scale = metrics.naive_scale(train, m)
        rows.append((metrics.mase(test, ours, scale), metrics.mase(test, sf, scale),
                     metrics.smape(test, ours), metrics.smape(test, sf)))  # fmt: skip
    mase_o, mase_s, smape_o, smape_s = np.mean(rows, axis=0)
    print(f"{len(items)} M3 {args.group} series (seed {args.seed}), period given to both")
    print(f"MASE ours {mase_o:.4f}, AutoETS {mase_s:.4f} ({mase_o / mase_s - 1:+.1%})")
    print(f"sMAPE ours {smape_o:.3f}, AutoETS {smape_s:.3f} ({smape_o / smape_s - 1:+.1%})")


if __name__ == "__main__":
    main()
