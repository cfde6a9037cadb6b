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
        (["--reconcile", "mint-shrink"], "needs each node's in-sample residuals"),
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
