"""Backtests on bootstrap replicates, metric intervals and model comparison, end to end."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecast.backtesting.bootstrap import Differencing, replicate_indices, replicate_maker
from forecast.backtesting.engine import ModelEntry
from forecast.backtesting.runner import (
    BacktestSpec,
    BootstrapSpec,
    run_backtest,
    run_bootstrap_backtest,
)
from forecast.backtesting.uncertainty import IntervalSettings, compare_models, metric_intervals
from forecast.data import load_series
from forecast.errors import UsageError
from tests.conftest import SAMPLES

AIR = str(SAMPLES / "airpassengers.csv")


@pytest.fixture(scope="module")
def air() -> pd.Series:
    return load_series(AIR).y


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=30, max_size=80),
    lags=st.lists(st.sampled_from([1, 2, 4, 12]), max_size=3),
)
def test_differencing_inverts_exactly(values, lags) -> None:
    y = np.array(values)
    step = Differencing(tuple(lags))
    x, heads = step.apply(y)
    assert x.size == y.size - sum(lags)
    np.testing.assert_allclose(step.invert(x, heads), y, rtol=1e-9, atol=1e-6)
    # and row-wise for many replicates at once
    both = step.invert(np.vstack([x, x]), heads)
    np.testing.assert_allclose(both[1], y, rtol=1e-9, atol=1e-6)


@pytest.mark.parametrize("what", ["residuals", "differences"])
def test_identity_indices_rebuild_the_observed_series(air, what) -> None:
    maker = replicate_maker(air.to_numpy(), what, 12)
    rebuilt = maker.series(np.arange(maker.base.size)[None, :])[0]
    np.testing.assert_allclose(rebuilt, air.to_numpy(), rtol=1e-12, atol=1e-9)
    assert maker.differencing.lags == (12, 1)  # D = 1 at 12, then d = 1 (as auto-ARIMA chooses)


def test_levels_are_refused_for_a_trending_series_and_kept_for_a_stationary_one(air) -> None:
    with pytest.raises(UsageError, match="needs a stationary series, and this one is not"):
        replicate_maker(air.to_numpy(), "levels", 12)
    rng = np.random.default_rng(0)
    e = rng.normal(size=400)
    ar1 = np.zeros(400)
    for t in range(1, 400):
        ar1[t] = 0.5 * ar1[t - 1] + e[t]
    maker = replicate_maker(ar1, "levels", None)
    indices, block = replicate_indices(maker, "cbb", 5, 3, seed=1)
    assert block == 5 and indices.shape == (3, 400)
    np.testing.assert_array_equal(maker.series(indices), ar1[indices])


def test_bootstrap_backtest_is_deterministic_for_any_jobs(air) -> None:
    entries = [ModelEntry("snaive", "snaive", {"period": 12}), ModelEntry("drift", "drift")]
    spec = BacktestSpec(horizon=6, refit="never", initial=120, step=3, period=12, seed=7)
    boot = BootstrapSpec(method="sb", reps=6)
    one = run_bootstrap_backtest(air, entries, spec, boot).extra["bootstrap"]
    two = run_bootstrap_backtest(air, entries, BacktestSpec(**{**spec.to_dict(), "jobs": 2}), boot)
    assert one == two.extra["bootstrap"]
    assert one["reps"] == 6 and one["method"] == "stationary" and one["block_size"] >= 1
    mae = {d["model"]: d for d in one["distribution"] if d["metric"] == "mae"}
    assert (
        set(mae) == {"snaive", "drift"}
        and mae["drift"]["lower"] <= mae["drift"]["median"] <= mae["drift"]["upper"]
    )
    shares = {
        (p["model"], p["other"]): p["share_better"] for p in one["pairwise"] if p["metric"] == "mae"
    }
    assert shares[("snaive", "drift")] + shares[("drift", "snaive")] == pytest.approx(1.0)


def test_replicate_metrics_come_from_a_backtest_on_each_replicate(air) -> None:
    """The distribution equals backtests run by hand on the replicate series."""
    from forecast.backtesting.bootstrap import as_series

    entries = [ModelEntry("naive", "naive")]
    spec = BacktestSpec(horizon=3, refit="never", initial=130, period=12, seed=3)
    result = run_bootstrap_backtest(
        air, entries, spec, BootstrapSpec(method="cbb", reps=3, block_size=4)
    )
    maker = replicate_maker(air.to_numpy(), "residuals", 12)
    indices, _ = replicate_indices(maker, "cbb", 4, 3, seed=3)
    by_hand = []
    for values in maker.series(indices):
        rows = run_backtest(as_series(values, air), entries, spec).metrics
        by_hand.append(
            next(r["value"] for r in rows if r["scope"] == "overall" and r["metric"] == "mae")
        )
    mae = next(d for d in result.extra["bootstrap"]["distribution"] if d["metric"] == "mae")
    assert mae["mean"] == pytest.approx(np.mean(by_hand)) and mae["median"] == pytest.approx(
        np.median(by_hand)
    )


def test_metric_intervals_are_centred_on_the_backtest_metric(air) -> None:
    spec = BacktestSpec(horizon=6, refit="never", initial=100, period=12)
    result = run_backtest(air, [ModelEntry("snaive", "snaive", {"period": 12})], spec)
    intervals = metric_intervals(result.forecasts, IntervalSettings(reps=300, seed=1))
    overall = result.overall().loc["snaive"]
    for row in intervals:
        assert row["estimate"] == pytest.approx(overall[row["metric"]], rel=1e-12), row["metric"]
        assert row["lower"] <= row["upper"] and row["interval"] == "percentile"
    assert {r["metric"] for r in intervals} >= {"mae", "rmse", "mase", "coverage_95", "winkler_80"}


def test_compare_finds_the_better_model_and_no_difference_between_twins(air) -> None:
    spec = BacktestSpec(horizon=3, refit="never", initial=100, period=12)
    entries = [
        ModelEntry("snaive", "snaive", {"period": 12}),
        ModelEntry("twin", "snaive", {"period": 12}),
        ModelEntry("mean", "mean"),
    ]
    result = run_backtest(air, entries, spec)
    comparison = compare_models(result.forecasts, power=2, reps=300, seed=0)
    twins = [
        t for t in comparison["diebold_mariano"] if {t["model"], t["other"]} == {"snaive", "twin"}
    ]
    assert all(t["p_value"] == 1.0 and t["better"] is None for t in twins)
    versus_mean = [
        t for t in comparison["diebold_mariano"] if t["model"] == "snaive" and t["other"] == "mean"
    ]
    assert all(t["better"] == "first" and t["p_value"] < 0.01 for t in versus_mean)
    assert set(comparison["indistinguishable_from_best"]) == {"snaive", "twin"}


def test_cli_bootstrap_ci_compare_json(cli) -> None:
    result = cli(
        "backtest",
        AIR,
        "-m",
        "snaive",
        "-m",
        "drift",
        "-H",
        "6",
        "--initial",
        "120",
        "--step",
        "2",
        "--refit",
        "never",
        "--scheme",
        "bootstrap",
        "--reps",
        "4",
        "--ci",
        "--ci-reps",
        "100",
        "--compare",
        "-f",
        "json",
    )
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {"bootstrap", "ci", "comparison"} <= set(doc)
    assert doc["bootstrap"]["reps"] == 4 and doc["ci"]["settings"]["interval"] == "percentile"
    assert doc["comparison"]["mcs"]["size"] == 0.1


def test_cli_refuses_ci_on_cpcv(cli) -> None:
    result = cli(
        "backtest", AIR, "-m", "naive", "-H", "3", "--scheme", "cpcv", "--groups", "4", "--ci"
    )
    assert result.code == 2 and "CPCV already reports the distribution" in result.stderr


def test_compare_labels_and_tests_lead_times_after_a_gap(air) -> None:
    """With --gap g, forecast column j is lead time g + j + 1: DM uses that many lags."""
    from forecast.backtesting.compare import diebold_mariano

    spec = BacktestSpec(horizon=3, gap=2, refit="never", initial=100, period=12)
    entries = [ModelEntry("snaive", "snaive", {"period": 12}), ModelEntry("mean", "mean")]
    result = run_backtest(air, entries, spec)
    tests = compare_models(result.forecasts, power=2, reps=100, seed=0, gap=2)["diebold_mariano"]
    assert [t["step"] for t in tests] == [3, 4, 5]
    snaive, mean = result.forecasts
    expected = diebold_mariano(
        snaive.mean[:, 0] - snaive.actual[:, 0], mean.mean[:, 0] - mean.actual[:, 0], 3, power=2
    )
    assert tests[0]["statistic"] == pytest.approx(expected.statistic, rel=1e-12)
