"""Which members and which combination make the best ensemble: scored from saved forecasts.

    .venv/bin/python bench/bench_ensemble_choice.py TAG [--members a,b,c ...] [--top N]

Reads the forecasts a ``bench_accuracy.py --m3 N --tag TAG`` run saved (bench/_work/
accuracy_forecasts{TAG}.json: every model's mean and 80/95 % bounds per series, ours and
statsforecast's) and scores every combination (mean or median of the means and of each bound,
as ``ensemble`` combines them) of the candidate members: sMAPE, MASE, MSIS and 80/95 %
coverage per frequency group, each against statsforecast's mean(AutoETS, AutoARIMA, Theta)
("SF ensemble") on the same series. Nothing is refitted: a choice made on one draw of series is
then confirmed by rerunning bench_accuracy.py on a disjoint draw (``--exclude TAG``) and
scoring the chosen combination there with ``--members``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_accuracy import WORK, scores

CANDIDATES = ("ets", "auto-arima", "theta", "global gru", "global lstm", "global nbeats",
              "global nhits")  # fmt: skip
KEYS = ("mean", "lo_80", "hi_80", "lo_95", "hi_95")
GROUPS = {12: "monthly", 4: "quarterly", 1: "yearly"}


def combine(
    forecasts: dict[str, Any], members: tuple[str, ...], how: str, bounds: str = "average"
) -> dict[str, Any]:
    """The members' means combined (np.mean or np.median); their bounds the same way
    (``average``: quantile averaging, ``ensemble``'s ``bounds=average``) or as the quantiles
    of the equally weighted mixture of the members' forecast distributions (``pool``: the linear
    pool, ``bounds=pool``)."""
    reduce = np.mean if how == "mean" else np.median
    out = {k: reduce([forecasts[m][k] for m in members], axis=0).tolist() for k in KEYS}
    if bounds == "pool":
        out |= pooled_bounds([forecasts[m] for m in members])
    return out


def pooled_bounds(members: list[dict[str, Any]]) -> dict[str, list[float]]:
    """The 80 and 95 % bounds of the equally weighted linear pool of the members, as
    ``ensemble --param bounds=pool`` computes them (forecast.models.linear_pool)."""
    from forecast.models.linear_pool import pooled_bounds as pool

    means = np.array([m["mean"] for m in members])
    weights = np.full(len(members), 1 / len(members))
    out: dict[str, list[float]] = {}
    for lv in (80, 95):
        lower = np.array([m[f"lo_{lv}"] for m in members])
        upper = np.array([m[f"hi_{lv}"] for m in members])
        lo, hi = pool(means, lower, upper, lv, weights)
        out[f"lo_{lv}"], out[f"hi_{lv}"] = lo.tolist(), hi.tolist()
    return out


def summary(series: list[dict[str, Any]], per_series: dict[str, dict[str, float]]) -> dict:
    """Mean sMAPE, MASE, MSIS and pooled coverage of one model over ``series``."""
    rows = [per_series[s["name"]] for s in series]
    points = sum(r["points"] for r in rows)
    return {
        "smape": float(np.mean([r["smape"] for r in rows])),
        "mase": float(np.mean([r["mase"] for r in rows])),
        "msis": float(np.mean([r["msis"] for r in rows])),
        "cov80": 100 * sum(r["inside_80"] for r in rows) / points,
        "cov95": 100 * sum(r["inside_95"] for r in rows) / points,
    }


def evaluate(
    series: list[dict[str, Any]],
    forecasts: dict[str, Any],
    members: tuple[str, ...],
    how: str,
    bounds: str = "average",
) -> dict[str, dict[str, float]]:
    """Per group, the combination's summary and its relative differences to SF ensemble."""
    mine = {
        s["name"]: scores(s, combine(forecasts[s["name"]], members, how, bounds)) for s in series
    }
    theirs = {s["name"]: scores(s, forecasts[s["name"]]["SF ensemble"]) for s in series}
    out = {}
    for m, group in GROUPS.items():
        part = [s for s in series if s["m"] == m]
        if not part:
            continue
        a, b = summary(part, mine), summary(part, theirs)
        out[group] = a | {
            "d_smape": a["smape"] / b["smape"] - 1,
            "d_mase": a["mase"] / b["mase"] - 1,
        }
    return out


def add_model(
    series: list[dict[str, Any]], forecasts: dict[str, Any], label: str, spec: str
) -> None:
    """Fit our ``spec`` (``model`` or ``model:key=value,...``, defaults otherwise, no period
    given) on every series' training part and add its forecasts under ``label``."""
    import pandas as pd

    from forecast.models.registry import get_spec
    from forecast.progress import progress_enabled

    name, _, rest = spec.partition(":")
    params = dict(p.split("=", 1) for p in rest.split(",") if p)
    for item in series:
        h = item["h"]
        values = np.asarray(item["values"])[:-h]
        index = pd.date_range("1900-01-01", periods=values.size, freq=item["freq"])
        with progress_enabled(False):
            model = get_spec(name).create(params).fit(pd.Series(values, index=index))
            f = model.predict(h, (80, 95))
        forecasts[item["name"]][label] = {"mean": f.mean.tolist()} | {
            f"{side}_{lv}": (f.lower(lv) if side == "lo" else f.upper(lv)).tolist()
            for lv in (80, 95)
            for side in ("lo", "hi")
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("tag")
    parser.add_argument("--members", action="append", default=[], help="score only these")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--candidates", default="", help="comma-separated: only these members")
    parser.add_argument(
        "--add", action="append", default=[], help="LABEL=MODEL[:k=v,...]: another candidate"
    )
    parser.add_argument(
        "--bounds", default="average", choices=("average", "pool"), help="how bounds combine"
    )
    args = parser.parse_args()
    series = json.loads((WORK / f"accuracy_series{args.tag}.json").read_text())
    forecasts = json.loads((WORK / f"accuracy_forecasts{args.tag}.json").read_text())
    for extra in args.add:
        label, spec = extra.split("=", 1)
        if not all(label in forecasts[s["name"]] for s in series):
            add_model(series, forecasts, label, spec)
    if args.add:  # kept for the next run of the same tag
        (WORK / f"accuracy_forecasts{args.tag}.json").write_text(json.dumps(forecasts))
    candidates = CANDIDATES + tuple(extra.split("=", 1)[0] for extra in args.add)
    if args.candidates:
        candidates = tuple(args.candidates.split(","))
    have = [c for c in candidates if all(c in forecasts[s["name"]] for s in series)]
    if args.members:
        choices = [tuple(m.split(",")) for m in args.members]
    else:
        choices = [c for r in range(1, len(have) + 1) for c in itertools.combinations(have, r)]
    rows = []
    for members in choices:
        for how in ("mean", "median") if len(members) > 2 else ("mean",):
            result = evaluate(series, forecasts, members, how, args.bounds)
            worst = max(max(g["d_smape"], g["d_mase"]) for g in result.values())
            rows.append((worst, members, how, result))
    rows.sort(key=lambda r: r[0])
    groups = list(rows[0][3])
    print("| members | combine | worst vs SF | " + " | ".join(
        f"{g} sMAPE / MASE (vs SF) / MSIS / cov80 / cov95" for g in groups) + " |")  # fmt: skip
    print("|---|---|---|" + "---|" * len(groups))
    for worst, members, how, result in rows[: args.top]:
        cells = [
            f"{r['smape']:.2f} / {r['mase']:.3f} ({r['d_smape']:+.1%}, {r['d_mase']:+.1%}) / "
            f"{r['msis']:.2f} / {r['cov80']:.1f} / {r['cov95']:.1f}"
            for r in result.values()
        ]
        print(f"| {' + '.join(members)} | {how} | {worst:+.1%} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
