"""`backtest --hierarchy region/store --reconcile ...` (issue 30): every origin's base
forecasts reconciled and scored as models of their own, coherent at every origin, metrics per
level, --compare over base and reconciled models alike."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.conftest import SAMPLES

METHODS = "bottom-up,top-down,mint-ols,mint-wls-struct"


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[dict, pd.DataFrame]:
    """One run for every test: its JSON (stdout), --forecasts and --report."""
    import contextlib
    import io

    from forecast.cli.app import main

    folder = tmp_path_factory.mktemp("hb")
    frame = pd.read_csv(SAMPLES / "retail_panel.csv")
    frame["region"] = ["north" if int(s[-2:]) <= 5 else "south" for s in frame["store"]]
    data, forecasts = folder / "h.csv", folder / "f.csv"
    frame.to_csv(data, index=False)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["backtest", str(data), "-m", "snaive", "-m", "theta", "--hierarchy",
                     "region/store", "--reconcile", METHODS, "-H", "6", "--step", "12",
                     "--refit", "never", "--compare", "--forecasts", str(forecasts), "-q",
                     "--report", str(folder / "r.html"), "-f", "json"])  # fmt: skip
    assert code == 0
    rows = pd.read_csv(forecasts)
    return {"folder": folder, "doc": json.loads(printed.getvalue())}, rows


def test_every_reconciled_model_is_coherent_at_every_origin(run) -> None:
    _, rows = run
    models = {m for m in rows["model"] if "/" in m}
    assert models == {f"{b}/{m}" for b in ("snaive", "theta") for m in METHODS.split(",")}
    for model in models:
        one = rows[rows["model"] == model]
        means = one.pivot_table(index=["origin", "target"], columns="id", values="mean")
        stores = [c for c in means if "/store=" in c]
        np.testing.assert_allclose(means["total"], means[stores].sum(axis=1), rtol=1e-9)


def test_a_coherent_base_comes_back_unchanged(run) -> None:
    """Seasonal naive forecasts of sums are the sums of seasonal naive forecasts: every method
    returns them as they are."""
    _, rows = run
    base = rows[rows["model"] == "snaive"].set_index(["id", "origin", "target"])["mean"]
    for method in METHODS.split(","):
        mine = rows[rows["model"] == f"snaive/{method}"].set_index(["id", "origin", "target"])
        np.testing.assert_allclose(mine["mean"].loc[base.index], base, rtol=1e-9)


def test_levels_and_comparison_cover_the_reconciled_models(run) -> None:
    info, _ = run
    doc = info["doc"]
    per_level = doc["hierarchy"]["per_level"]
    assert {r["level"] for r in per_level} == {"total", "region", "region/store"}
    bottom = {r["model"]: r["mean"] for r in per_level
              if r["level"] == "region/store" and r["metric"] == "mase"}  # fmt: skip
    assert bottom["theta/bottom-up"] == pytest.approx(bottom["theta"], rel=1e-12)
    compared = set(doc["comparison"]["mcs"]["pvalues"])
    assert "theta/mint-ols" in compared and "snaive" in compared
    assert "Mean mase per level" not in json.dumps(doc)  # a table of the console, not the JSON
    html = (info["folder"] / "r.html").read_text()
    assert "theta/mint-wls-struct" in html


def test_mint_shrink_reconciles_each_fold_with_its_training_residuals(cli, tmp_path) -> None:
    """Every origin's mint-shrink forecasts equal the library's reconcile of the base forecasts
    with residuals of models fitted on that fold's training data only (an expanding window up
    to the origin), computed one call per time on the history cut there."""
    from forecast.hierarchy import reconcile as rc
    from forecast.hierarchy import structure
    from forecast.models.registry import get_spec

    frame = pd.read_csv(SAMPLES / "retail_panel.csv", parse_dates=["month"])
    frame = frame[frame["store"].isin(["store_01", "store_02", "store_07", "store_08"])
                  & (frame["month"] >= "2020-01-01")]  # fmt: skip
    frame["region"] = np.where(frame["store"] <= "store_05", "north", "south")
    data, forecasts = tmp_path / "h.csv", tmp_path / "f.csv"
    frame.to_csv(data, index=False)
    result = cli("backtest", data, "-m", "ar", "-p", "max_p=3", "--hierarchy", "region/store",
                 "--reconcile", "mint-shrink", "-H", "3", "--initial", "48", "--step", "4",
                 "--forecasts", forecasts, "-q", "-f", "json")  # fmt: skip
    assert result.code == 0, result.stderr
    again = tmp_path / "jobs.csv"
    two = cli("backtest", data, "-m", "ar", "-p", "max_p=3", "--hierarchy", "region/store",
              "--reconcile", "mint-shrink", "-H", "3", "--initial", "48", "--step", "4",
              "--forecasts", again, "--jobs", "2", "-q", "-f", "json")  # fmt: skip
    assert two.code == 0 and again.read_bytes() == forecasts.read_bytes()  # refits in workers
    rows = pd.read_csv(forecasts, parse_dates=["origin"])
    h = structure.from_columns(frame.astype(str), ["region", "store"])
    series = {"total": frame.groupby("month")["sales"].sum()}
    for (region, store), one in frame.groupby(["region", "store"]):
        series[f"region={region}/store={store}"] = one.set_index("month")["sales"]
    for region, part in frame.groupby("region"):
        series[f"region={region}"] = part.groupby("month")["sales"].sum()
    assert rows["origin"].nunique() == 3
    for origin, at in rows.groupby("origin"):
        train = {n: y.asfreq("MS").loc[:origin] for n, y in series.items()}
        models = {n: get_spec("ar").create({"max_p": 3}).fit(train[n]) for n in h.nodes}
        residuals = np.full((h.n_nodes, len(train["total"])), np.nan)
        for i, node in enumerate(h.nodes):
            y = train[node]
            for t in range(models[node].lookback(), len(y)):
                one_step = models[node].forecast_from(y.iloc[:t], [t - 1], 1).mean[0, 0]
                residuals[i, t] = y.iloc[t] - one_step
        base = np.stack([models[n].predict(3).mean for n in h.nodes])
        want = rc.reconcile(h, base, "mint-shrink", residuals=residuals)
        got = at[at["model"] == "ar/mint-shrink"].pivot(index="id", columns="step", values="mean")
        theirs = at[at["model"] == "ar"].pivot(index="id", columns="step", values="mean")
        # the engine's fit is the same code on the same data: equal to rounding; the projection
        # (condition < 1e3) keeps rounding far below 1e-9 relative
        np.testing.assert_allclose(theirs.loc[list(h.nodes)].to_numpy(), base, rtol=1e-9)
        np.testing.assert_allclose(got.loc[list(h.nodes)].to_numpy(), want, rtol=1e-9)
