"""An ensemble with a neural member (issue 33): on a panel the member is one global network,
trained once, and every series combines its forecast with its own classical members'; on one
series the member is the per-series network.

The reference for every number is the same run taken apart: the classical members fitted alone
(`forecast fit PANEL -m ets`, `-m theta`) and the network trained alone (`forecast fit PANEL -m
gru` with the same parameters and seed), combined here by the ensemble's documented rule
(mean or median of the forecasts, of the bounds and of the quantiles; bounds and quantiles then
held around the combined mean).

Tolerance: none. The ensemble's members are the same models fitted on the same values, and its
network is trained on the same series in the same order with the same seed on one CPU thread
(FORECAST_THREADS=1), which the global fits already reproduce bit for bit
(tests/cli/test_global_cli.py); the combination here calls the same numpy reductions on the
same arrays stacked in the same member order, and the JSON output round-trips float64 exactly.
So the expected values are the same bits, and any difference is a different network or rule.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import forecast
from tests.conftest import write_csv

PANEL_SERIES, PANEL_LENGTH, H = 30, 60, 6
NET = ["-p", "epochs=2", "-p", "seed=3"]  # the neural member's parameters, in both runs
MEMBERS = "members=ets,theta,gru"
LEVELS = ["-l", "80", "-l", "95"]


@pytest.fixture(autouse=True)
def one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORECAST_THREADS", "1")


def _panel_text(short: int | None = None) -> str:
    """30 monthly series of 60 points (level, season, trend, noise; seed 7); with ``short``,
    one more series of that many points."""
    rng = np.random.default_rng(7)
    rows = ["id,date,value"]
    lengths = [PANEL_LENGTH] * PANEL_SERIES + ([short] if short else [])
    for k, n in enumerate(lengths):
        t = np.arange(n)
        y = 50 + k + 5 * np.sin(2 * np.pi * t / 12 + k) + 0.1 * t + rng.normal(0, 1, n)
        stamps = pd.date_range("2015-01-01", periods=n, freq="MS")
        rows += [f"s{k:02d},{d:%Y-%m-%d},{float(v)!r}" for d, v in zip(stamps, y, strict=True)]
    return "\n".join(rows) + "\n"


@pytest.fixture
def panel(tmp_path) -> str:
    return str(write_csv(tmp_path, _panel_text(), "panel.csv"))


def _fit(cli, data: str, *args: str) -> dict:
    result = cli("fit", data, "-H", str(H), *LEVELS, "-f", "json", *args)
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    doc["stderr"] = result.stderr
    return doc


def _columns(doc: dict) -> dict[str, dict[str, np.ndarray]]:
    """Per series id, every forecast column (mean, bounds, quantiles) as an array."""
    out = {}
    for series in doc["series"]:
        if "forecast" in series:
            frame = pd.DataFrame(series["forecast"]).drop(columns="timestamp")
            out[series["id"]] = {c: frame[c].to_numpy() for c in frame.columns}
    return out


def _combined(parts: list[dict[str, np.ndarray]], reduce) -> dict[str, np.ndarray]:
    """The ensemble's rule over member forecasts: every column reduced over the members, then
    the bounds and quantiles held around the combined mean."""
    out = {c: reduce(np.array([p[c] for p in parts]), axis=0) for c in parts[0]}
    mean = out["mean"]
    for column in out:
        below = column.startswith("lower_") or (column.startswith("q_") and float(column[2:]) < 0.5)
        above = column.startswith("upper_") or (column.startswith("q_") and float(column[2:]) > 0.5)
        if below:
            out[column] = np.minimum(out[column], mean)
        if above:
            out[column] = np.maximum(out[column], mean)
    return out


def _same_network(ensemble: dict, alone: dict) -> None:
    """The network inside the ensemble is the one trained alone: the same training record."""
    timing = {"train_seconds", "samples_per_second", "member"}
    record = {k: v for k, v in ensemble["global"].items() if k not in timing}
    assert record == {k: v for k, v in alone["global"].items() if k not in timing}
    assert ensemble["global"]["member"] == "gru"


@pytest.mark.parametrize("combine", ["mean", "median"])
def test_panel_combines_classical_members_with_the_global_network(cli, panel, combine) -> None:
    quantiles = ["--quantiles", "0.1,0.5,0.9"]
    ens = _fit(cli, panel, "-m", "ensemble", "-p", MEMBERS, "-p", f"combine={combine}", *NET,
               *quantiles)  # fmt: skip
    alone = [_fit(cli, panel, "-m", m, *quantiles) for m in ("ets", "theta")]
    net = _fit(cli, panel, "-m", "gru", *NET, *quantiles)
    _same_network(ens, net)
    assert "note: ensemble: its gru member is one global network for 30 series" in ens["stderr"]
    got, members = _columns(ens), [_columns(d) for d in (*alone, net)]
    assert len(got) == PANEL_SERIES
    reduce = np.mean if combine == "mean" else np.median
    for sid, columns in got.items():
        expected = _combined([m[sid] for m in members], reduce)
        assert set(columns) == set(expected)
        for column, values in columns.items():
            np.testing.assert_array_equal(values, expected[column], err_msg=f"{sid} {column}")
    summary = ens["series"][0]["summary"]
    assert summary["description"].startswith(f"{combine} of 3 models (ets: ")
    assert "gru: global gru (1 x 32) over 30 series" in summary["description"]
    assert list(summary["weights"]) == ["ets", "theta", "gru"]


def test_a_series_the_network_cannot_forecast_gets_the_classical_combination(cli, tmp_path) -> None:
    data = str(write_csv(tmp_path, _panel_text(short=20), "short.csv"))
    # longer than the 20-point series: no window to forecast from
    ens = _fit(cli, data, "-m", "ensemble", "-p", MEMBERS, *NET, "-p", "neural_window=24")
    alone = [_fit(cli, data, "-m", m) for m in ("ets", "theta")]
    net = cli(
        "fit", data, "-H", str(H), *LEVELS, "-f", "json", "-m", "gru", *NET, "-p", "window=24"
    )
    assert net.code == 1  # alone, the network fails on that series
    net_doc = json.loads(net.stdout)
    short = next(s for s in ens["series"] if s["id"] == "s30")
    assert short["notes"] == [
        "ensemble: the global gru cannot forecast this series (global gru forecasts from the "
        "last 24 observations): the forecast combines ets, theta only"
    ]
    got, members = _columns(ens), [_columns(d) for d in (*alone, net_doc)]
    for column, values in got["s30"].items():
        expected = _combined([m["s30"] for m in members[:2]], np.mean)
        np.testing.assert_array_equal(values, expected[column])
    for column, values in got["s00"].items():  # the others still combine the network
        np.testing.assert_array_equal(
            values, _combined([m["s00"] for m in members], np.mean)[column]
        )
    assert "notes" not in next(s for s in ens["series"] if s["id"] == "s00")


def test_one_series_uses_the_per_series_network(cli, tmp_path) -> None:
    """One series: the member is the network `fit -m gru` trains on it alone (96 points: the
    per-series gru needs 70 at a monthly period)."""
    rng = np.random.default_rng(11)
    t = np.arange(96)
    y = 80 + 6 * np.sin(2 * np.pi * t / 12) + 0.2 * t + rng.normal(0, 1, 96)
    stamps = pd.date_range("2012-01-01", periods=96, freq="MS")
    body = "date,value\n" + "".join(
        f"{d:%Y-%m-%d},{float(v)!r}\n" for d, v in zip(stamps, y, strict=True)
    )
    data = str(write_csv(tmp_path, body, "one.csv"))
    ens = cli("fit", data, "-H", str(H), *LEVELS, "-f", "json", "-m", "ensemble", "-p", MEMBERS,
              *NET)  # fmt: skip
    assert ens.code == 0, ens.stderr
    doc = json.loads(ens.stdout)
    assert [m["name"] for m in doc["model"]["members"]] == ["ets", "theta", "gru"]
    assert "gru: GRU 1 x 32" in doc["model"]["description"]
    assert "global" not in doc["model"]["description"]
    parts = []
    for model, extra in (("ets", []), ("theta", []), ("gru", NET)):
        alone = cli("fit", data, "-H", str(H), *LEVELS, "-f", "json", "-m", model, *extra)
        assert alone.code == 0, alone.stderr
        frame = pd.DataFrame(json.loads(alone.stdout)["forecast"]).drop(columns="timestamp")
        parts.append({c: frame[c].to_numpy() for c in frame.columns})
    got = pd.DataFrame(doc["forecast"]).drop(columns="timestamp")
    expected = _combined(parts, np.mean)
    for column in got.columns:
        np.testing.assert_array_equal(got[column].to_numpy(), expected[column])


def test_the_api_runs_the_same_workflow(cli, panel) -> None:
    ens = _fit(cli, panel, "-m", "ensemble", "-p", MEMBERS, *NET)
    params = {"members": "ets,theta,gru", "epochs": 2, "seed": 3}
    result = forecast.fit(panel, "ensemble", params, horizon=H, levels=(80, 95))
    assert not result.failures
    got = _columns(ens)
    for sid, rows in result.frame.groupby("id"):
        for column in ("mean", "lower_80", "upper_95"):
            np.testing.assert_array_equal(rows[column].to_numpy(), got[sid][column])


REFUSED = [
    (["-p", MEMBERS, "--save", "{out}.fcm"], "--save with an ensemble whose gru is one global"),
    (["-p", MEMBERS, "-p", "combine=weighted"], "combine=weighted takes no neural member (gru)"),
    (["-p", "members=ets,gru,lstm"], "at most one neural member, got gru, lstm"),
    (["-p", "members=ets,theta", "-p", "epochs=2"], "epochs is the neural member's parameter"),
    (
        ["-p", MEMBERS, "--samples", "10", "--samples-output", "{out}.parquet"],
        "--samples with an ensemble whose gru",
    ),
    (["-p", MEMBERS, "--intervals", "conformal"], "--intervals conformal refits per series"),
    (["-p", "ens.members=ets,gru", "-m", "ets"], "ens's gru is one global network"),
]


@pytest.mark.parametrize(("args", "message"), REFUSED)
def test_what_is_not_supported_yet_is_a_usage_error(cli, panel, tmp_path, args, message) -> None:
    out = tmp_path / "out"
    args = [a.replace("{out}", str(out)) for a in args]
    model = (
        ["-m", "ens=ensemble"] if any(a.startswith("ens.") for a in args) else ["-m", "ensemble"]
    )
    result = cli("fit", panel, *model, *args, "-H", "3", "--output", f"{out}.csv")
    assert result.code == 2, result.stderr
    assert message in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("error:")]) == 1
    assert not list(tmp_path.glob("out*"))  # nothing written


def test_backtest_retrains_the_network_per_fold_as_the_global_backtest_does(
    cli, panel, tmp_path
) -> None:
    """Every fold's forecasts: the members' backtests (`-m ets -m theta`, and `-m gru`: one
    global network per fold, trained on every series cut at its own training end) combined."""
    paths = [tmp_path / f"{name}.csv" for name in ("ens", "classical", "gru")]
    runs = [
        ["-m", "ensemble", "-p", MEMBERS, *NET],
        ["-m", "ets", "-m", "theta"],
        ["-m", "gru", *NET],
    ]
    for path, models in zip(paths, runs, strict=True):
        result = cli("backtest", panel, *models, "-H", "3", "--step", "6", "-l", "80",
                     "--forecasts", path, "-f", "json")  # fmt: skip
        assert result.code == 0, result.stderr
    ens, classical, net = (pd.read_csv(path) for path in paths)
    keys = ["id", "fold", "origin", "step"]
    parts = [classical[classical.model == "ets"], classical[classical.model == "theta"], net]
    assert len(ens) == len(net) == 30 * 3 * ens.fold.nunique() and ens.fold.nunique() > 1
    merged = ens
    for k, part in enumerate(parts):
        merged = merged.merge(part, on=keys, suffixes=("", f"_{k}"))
    assert len(merged) == len(ens)
    members = [merged[[f"{c}_{k}" for k in range(3)]].to_numpy().T for c in ("mean", "lower_80",
               "upper_80")]  # fmt: skip
    mean = members[0].mean(axis=0)
    np.testing.assert_array_equal(merged["mean"], mean)
    np.testing.assert_array_equal(merged["lower_80"], np.minimum(members[1].mean(axis=0), mean))
    np.testing.assert_array_equal(merged["upper_80"], np.maximum(members[2].mean(axis=0), mean))


@pytest.mark.parametrize("args", [["--scheme", "purged-kfold"], ["--intervals", "conformal"]])
def test_backtest_refuses_what_the_global_network_does_not_do(cli, panel, args) -> None:
    result = cli("backtest", panel, "-m", "ensemble", "-p", MEMBERS, "-H", "3", *args)
    assert result.code == 2
    assert result.stderr == (
        "error: ensemble: its gru member is one global network, which backtests with --scheme "
        "walk-forward and --intervals model only; use them, or backtest the ensemble without "
        "gru\n"
    )


def test_models_help_says_a_neural_member_is_global_on_a_panel(cli) -> None:
    result = cli("models", "ensemble", "-f", "json")
    assert result.code == 0
    params = {p["name"]: p for p in json.loads(result.stdout)["models"][0]["params"]}
    assert "at most one neural" in params["members"]["help"]
    assert "trained once as a global network over a panel" in params["members"]["help"]
    assert {"neural_window", "epochs", "seed", "device"} <= set(params)


@pytest.mark.slow
def test_worker_processes_give_the_same_bytes(cli, panel) -> None:
    """The classical members run in worker processes (each series' task carries the network's
    forecast of it); the network is trained once, here: the output is byte-identical."""
    args = ["fit", panel, "-m", "ensemble", "-p", MEMBERS, *NET, "-H", "3", "-f", "csv"]
    local = cli(*args)
    pooled = cli(*args, "--jobs", "2")
    assert local.code == 0 and pooled.code == 0, pooled.stderr
    assert pooled.stdout == local.stdout and len(local.stdout.splitlines()) == 1 + 3 * 30


def test_a_panel_too_small_to_train_the_network_gets_the_classical_combination(
    cli, tmp_path
) -> None:
    # 3 series of 36 months, window 24, 6 steps: far fewer windows than the network's split
    # needs; the members can still forecast every series, so every series is forecast by them
    small = "\n".join(_panel_text().splitlines()[: 1 + 3 * PANEL_LENGTH]) + "\n"
    kept = [line for line in small.splitlines()[1:] if line.split(",")[1] < "2018-01-01"]
    data = str(write_csv(tmp_path, "id,date,value\n" + "\n".join(kept) + "\n", "small.csv"))
    net = cli("fit", data, "-H", str(H), "-m", "gru", *NET, "-p", "window=24")
    assert net.code == 2 and "training samples" in net.stderr  # alone, the network is refused
    ens = _fit(cli, data, "-m", "ensemble", "-p", MEMBERS, *NET, "-p", "neural_window=24")
    assert (
        "warning: ensemble: its gru member was not trained on this panel: gru: the panel"
        in (ens["stderr"])
    )
    assert ens["global"]["trained"] is False and ens["global"]["member"] == "gru"
    alone = [_columns(_fit(cli, data, "-m", m)) for m in ("ets", "theta")]
    got = _columns(ens)
    assert sorted(got) == ["s00", "s01", "s02"]
    for sid, columns in got.items():
        expected = _combined([a[sid] for a in alone], np.mean)
        for column, values in columns.items():
            np.testing.assert_array_equal(values, expected[column])
    notes = next(s for s in ens["series"] if s["id"] == "s00")["notes"]
    assert notes[0].startswith("ensemble: the global gru cannot forecast this series (not trained")


def test_mint_shrink_names_the_ensembles_network_as_what_keeps_no_residuals(cli) -> None:
    from pathlib import Path

    regions = Path(__file__).resolve().parents[2] / "sample_data" / "retail_regions.csv"
    args = ["--hierarchy", "region/store", "--reconcile", "mint-shrink", "-H", "1"]
    result = cli("fit", str(regions), "-m", "ensemble", "-p", MEMBERS, *NET, *args)
    assert result.code == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "error: --reconcile mint-shrink: the ensemble's neural member is one model for every "
        "node, which keeps no per-node fit to take residuals from; drop it from members or use "
        "another method"
    )
    alone = cli("fit", str(regions), "-m", "ensemble", "-p", "members=ets,theta", *args)
    assert alone.code == 0, alone.stderr  # without the network the residuals are there


def test_deterministic_reaches_the_ensembles_network(cli, panel) -> None:
    # the same network as `-m gru --deterministic` trains, and the ensemble's own record says so
    ens = _fit(cli, panel, "-m", "ensemble", "-p", MEMBERS, *NET, "--deterministic")
    net = _fit(cli, panel, "-m", "gru", *NET, "--deterministic")
    assert ens["global"]["deterministic"] is True
    _same_network(ens, net)
    plain = cli("fit", panel, "-H", str(H), "-m", "ensemble", "-p", "members=ets,theta")
    refused = cli("fit", panel, "-H", str(H), "-m", "ensemble", "-p", "members=ets,theta",
                  "--deterministic")  # fmt: skip
    assert plain.code == 0 and refused.code == 2
    assert "the ensemble has no neural member (add one, e.g. -p members=" in refused.stderr
