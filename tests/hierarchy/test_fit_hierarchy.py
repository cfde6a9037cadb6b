"""`fit --hierarchy region/store --reconcile ...` (issue 30): every node forecast, the
reconciled forecasts coherent for every method, bottom-up equal to the stores' own fits, the
intervals from reconciled paths repeatable with the seed, bad trees refused."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.hierarchy import reconcile as rc
from forecast.hierarchy import structure
from forecast.models.registry import get_spec
from tests.conftest import SAMPLES

METHODS = "bottom-up,top-down,middle-out:region,mint-ols,mint-wls-struct"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    frame = pd.read_csv(SAMPLES / "retail_panel.csv")
    frame["region"] = ["north" if int(s[-2:]) <= 5 else "south" for s in frame["store"]]
    path = tmp_path_factory.mktemp("h") / "h.csv"
    frame.to_csv(path, index=False)
    return path


def _frame(text: str) -> pd.DataFrame:
    return pd.DataFrame(list(csv.DictReader(io.StringIO(text)))).astype(
        {"mean": float, "lower_80": float, "upper_80": float}
    )


def _fit(cli, data: Path, *extra: str) -> pd.DataFrame:
    result = cli("fit", data, "-m", "theta", "--hierarchy", "region/store", "--reconcile",
                 METHODS, "-H", "3", "-l", "80", "-f", "csv", *extra)  # fmt: skip
    assert result.code == 0, result.stderr
    return _frame(result.stdout)


def test_every_method_is_coherent(cli, data: Path) -> None:
    rows = _fit(cli, data)
    assert rows["id"].nunique() == 1 + 2 + 12
    for model, one in rows.groupby("model"):
        means = one.pivot(index="timestamp", columns="id", values="mean")
        stores = [c for c in means if "/store=" in c]
        regions = [c for c in means if c.startswith("region=") and "/" not in c]
        # sums of a dozen numbers of size 1e4: rounding far below 1e-9 relative
        np.testing.assert_allclose(means["total"], means[stores].sum(axis=1), rtol=1e-9)
        np.testing.assert_allclose(means["total"], means[regions].sum(axis=1), rtol=1e-9)
        for region in regions:
            under = [c for c in stores if c.startswith(region + "/")]
            np.testing.assert_allclose(means[region], means[under].sum(axis=1), rtol=1e-9)
        assert model.startswith("theta/")


def test_bottom_up_keeps_the_stores_own_forecasts(cli, data: Path) -> None:
    rows = _fit(cli, data)
    bottom = rows[(rows["model"] == "theta/bottom-up") & rows["id"].str.contains("/store=")]
    alone = cli("fit", SAMPLES / "retail_panel.csv", "-m", "theta", "-H", "3", "-l", "80",
                "-f", "csv")  # fmt: skip
    own = _frame(alone.stdout)
    merged = bottom.assign(store=bottom["id"].str.split("store=").str[1]).merge(
        own, left_on=["store", "timestamp"], right_on=["id", "timestamp"]
    )
    assert len(merged) == 12 * 3
    np.testing.assert_allclose(merged["mean_x"], merged["mean_y"], rtol=1e-12)


def test_bands_hold_the_mean_and_repeat_with_the_seed(cli, data: Path) -> None:
    first, again = _fit(cli, data), _fit(cli, data)
    pd.testing.assert_frame_equal(first, again)
    assert (first["lower_80"] <= first["mean"]).all() and (first["mean"] <= first["upper_80"]).all()
    other = _fit(cli, data, "--seed", "7")
    assert not np.allclose(other["lower_80"], first["lower_80"])
    np.testing.assert_allclose(other["mean"], first["mean"])  # the seed moves only the paths


@pytest.mark.parametrize(
    ("options", "message"),  # the later --hierarchy wins over the first
    [
        (["--reconcile", "mint-shrink", "--intervals", "conformal"], "reads every node's fitted"),
        (["--reconcile", "middle-out"], "middle-out takes the level it keeps"),
        (["--reconcile", "middle-out:store"], "is not an upper level"),
        (["--hierarchy", "region/region"], "each once"),
        (["--save", "x.fcm"], "keeps no model file yet"),
        (["-m", "naive"], "give one --model"),
    ],
)
def test_refusals(cli, data: Path, options: list[str], message: str) -> None:
    base = ["fit", data, "-m", "theta", "--hierarchy", "region/store", "-H", "2"]
    result = cli(*base, *options)
    assert result.code == 2 and message in result.stderr


def test_a_store_under_two_regions_is_refused(cli, data: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(data)
    frame.loc[(frame["store"] == "store_01") & (frame.index % 2 == 0), "region"] = "south"
    bad = tmp_path / "bad.csv"
    frame.to_csv(bad, index=False)
    result = cli("fit", bad, "-m", "theta", "--hierarchy", "region/store", "-H", "2")
    assert result.code == 2 and "'store_01' sits under two parents" in result.stderr


def _node_series(data: Path) -> dict[str, pd.Series]:
    """Every node's series summed with pandas, by node id."""
    frame = pd.read_csv(data, parse_dates=["month"])
    out = {"total": frame.groupby("month")["sales"].sum()}
    for region, part in frame.groupby("region"):
        out[f"region={region}"] = part.groupby("month")["sales"].sum()
        for store, one in part.groupby("store"):
            out[f"region={region}/store={store}"] = one.set_index("month")["sales"]
    return {node: y.asfreq("MS") for node, y in out.items()}


def _slow_residuals(model, y: pd.Series) -> np.ndarray:
    """y[t] minus the fitted model's one-step forecast given y[:t] alone (one call per t, the
    history cut at t: nothing later can enter), for t >= its lookback; NaN before."""
    out = np.full(len(y), np.nan)
    for t in range(model.lookback(), len(y)):
        out[t] = y.iloc[t] - model.forecast_from(y.iloc[:t], [t - 1], 1).mean[0, 0]
    return out


@pytest.fixture(scope="module")
def small(data: Path) -> Path:
    """Five stores in two regions over the last 60 months (a quick slow loop)."""
    frame = pd.read_csv(data)
    frame = frame[frame["store"].isin(["store_01", "store_02", "store_07", "store_08",
                                       "store_09"]) & (frame["month"] >= "2020-01-01")]  # fmt: skip
    path = data.with_name("small.csv")
    frame.to_csv(path, index=False)
    return path


def test_mint_shrink_equals_the_library_on_slowly_computed_residuals(cli, small: Path) -> None:
    data = small
    result = cli("fit", data, "-m", "ar", "-p", "max_p=4", "--hierarchy", "region/store",
                 "--reconcile", "mint-shrink", "-H", "3", "-f", "csv")  # fmt: skip
    assert result.code == 0, result.stderr
    got = pd.read_csv(io.StringIO(result.stdout)).pivot(index="id", columns="timestamp",
                                                        values="mean")  # fmt: skip
    h = structure.from_columns(pd.read_csv(data, dtype=str), ["region", "store"])
    series = _node_series(data)
    models = {node: get_spec("ar").create({"max_p": 4}).fit(series[node]) for node in h.nodes}
    base = np.stack([models[node].predict(3).mean for node in h.nodes])
    residuals = np.stack([_slow_residuals(models[node], series[node]) for node in h.nodes])
    assert len({models[node].lookback() for node in h.nodes}) > 1  # AR orders differ: the
    # residuals start at different times, so the pairwise (NaN) shrinkage is exercised
    want = rc.reconcile(h, base, "mint-shrink", residuals=residuals)
    # the same fitted models and the same filter on the same prefixes: the residuals agree to
    # the last bits (one pass vs one call per t); a projection of condition < 1e3 keeps
    # rounding far below 1e-9 relative
    np.testing.assert_allclose(got.loc[list(h.nodes)].to_numpy(), want, rtol=1e-9)
    assert not np.allclose(want, rc.reconcile(h, base, "mint-ols"), rtol=1e-4)  # W matters


def test_mint_shrink_refuses_a_model_fitted_once_across_the_nodes(cli, data: Path) -> None:
    for command in ("fit", "backtest"):
        result = cli(command, data, "-m", "lightgbm", "--hierarchy", "region/store",
                     "--reconcile", "mint-shrink", "-H", "2")  # fmt: skip
        assert result.code == 2 and "--param global=false" in result.stderr
