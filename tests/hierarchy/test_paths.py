"""Reconciled intervals and samples of `fit --hierarchy` from the models' own sample paths
(issue 30): a node's paths are its model's simulation, seeded per node; Gaussian paths from its
band stand in where the model does not simulate; bottom-up paths are the stores' own, summed."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.fitting.series import Draws
from forecast.hierarchy import paths as hp
from forecast.hierarchy.reconcile import GAUSSIAN_PATHS
from forecast.models.paths import sample_paths
from forecast.models.registry import get_spec
from tests.conftest import SAMPLES

REGIONS = SAMPLES / "retail_regions.csv"


def _store(store: str) -> pd.Series:
    frame = pd.read_csv(REGIONS, parse_dates=["month"])
    one = frame[frame["store"] == store].set_index("month")["sales"]
    return one.asfreq("MS")


def test_bottom_up_paths_are_each_stores_own_simulation(cli, tmp_path: Path) -> None:
    samples = tmp_path / "s.parquet"
    result = cli("fit", REGIONS, "-m", "theta", "--hierarchy", "region/store", "--reconcile",
                 "bottom-up,mint-ols", "-H", "3", "-l", "80", "--quantiles", "0.1", "--samples",
                 "40", "--samples-output", samples, "-f", "csv")  # fmt: skip
    assert result.code == 0, result.stderr
    drawn = pd.read_parquet(samples)
    node = "region=north/store=store_01"
    model = get_spec("theta").create({}).fit(_store("store_01"))
    own = sample_paths(model, 3, 40, Draws(seed=0).series_seed(node))  # [40, 3]
    mine = drawn[(drawn["id"] == node) & (drawn["model"] == "theta/bottom-up")]
    got = mine.pivot(index="sample", columns="timestamp", values="value").to_numpy()
    # the same fit and the same seeded simulation; bottom-up multiplies it by S's identity rows
    np.testing.assert_array_equal(got, own)
    for _, rows in drawn.groupby("model"):
        paths = rows.pivot_table(index=["sample", "timestamp"], columns="id", values="value")
        stores = [c for c in paths if "/store=" in c]
        # sums of a dozen paths of size 1e3-1e4: rounding far below 1e-9 relative
        np.testing.assert_allclose(paths["total"], paths[stores].sum(axis=1), rtol=1e-9)
    table = pd.read_csv(io.StringIO(result.stdout))
    total = table[(table["id"] == "total") & (table["model"] == "theta/mint-ols")]
    paths = drawn[(drawn["id"] == "total") & (drawn["model"] == "theta/mint-ols")]
    per_step = paths.pivot(index="sample", columns="timestamp", values="value").to_numpy()
    # the band and the quantile are the reconciled paths' own quantiles (numpy's, exactly)
    np.testing.assert_array_equal(total["lower_80"], np.quantile(per_step, 0.1, axis=0))
    np.testing.assert_array_equal(total["q_0.1"], np.quantile(per_step, 0.1, axis=0))


@pytest.fixture(scope="module")
def theta_fit():
    model = get_spec("theta").create({}).fit(_store("store_03"))
    return model, model.predict(4, (80.0,))


def test_own_paths_or_gaussian_ones_and_the_method_says_which(theta_fit) -> None:
    model, forecast = theta_fit
    rng = np.random.default_rng(1)
    both, how = hp.node_paths([forecast, forecast], [model, model], [5, 6], 300, rng)
    assert how == hp.OWN and both.shape == (2, 4, 300)
    np.testing.assert_array_equal(both[1], sample_paths(model, 4, 300, 6).T)
    n = 20_000
    mixed, how = hp.node_paths([forecast, forecast], [model, None], [5, 6], n, rng)
    assert how == hp.MIXED
    np.testing.assert_array_equal(mixed[0], sample_paths(model, 4, n, 5).T)
    lower, upper = forecast.bands[80.0]
    sd = (upper - lower) / (2 * 1.2815515655446004)  # z of 0.9
    # Gaussian: the mean within 4 standard errors (sd / sqrt(n)), the sd within 4 of its own
    # standard error (sd / sqrt(2 n)): a false failure has probability ~1e-4 per check
    assert np.all(np.abs(mixed[1].mean(axis=1) - forecast.mean) < 4 * sd / np.sqrt(n))
    assert np.all(np.abs(mixed[1].std(axis=1) - sd) < 4 * sd / np.sqrt(2 * n))
    _, how = hp.node_paths([forecast], [None], [5], 10, rng)
    assert how == GAUSSIAN_PATHS


def test_paths_already_drawn_are_used_as_they_are(theta_fit) -> None:
    model, forecast = theta_fit
    given = np.arange(12.0).reshape(3, 4)  # [samples, horizon]
    from dataclasses import replace

    with_paths = replace(forecast, paths=given)
    got, how = hp.node_paths([with_paths], [model], [0], 3, np.random.default_rng(0))
    np.testing.assert_array_equal(got[0], given.T)
    assert how == hp.OWN


def test_conformal_intervals_keep_the_gaussian_paths(cli) -> None:
    result = cli("fit", REGIONS, "-m", "theta", "--hierarchy", "region/store", "--intervals",
                 "conformal", "-H", "2", "-l", "80", "-f", "json")  # fmt: skip
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["hierarchy"]["interval_method"] == GAUSSIAN_PATHS
    own = cli("fit", REGIONS, "-m", "theta", "--hierarchy", "region/store", "-H", "2", "-l",
              "80", "-f", "json")  # fmt: skip
    assert own.code == 0 and json.loads(own.stdout)["hierarchy"]["interval_method"] == hp.OWN
