"""The backtest engine: fast paths equal the slow obvious ones, no look-ahead, parallel runs are
identical, failures are recorded, metrics equal a recomputation from the forecast table."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from forecast.backtesting import metrics
from forecast.backtesting.engine import ModelEntry
from forecast.backtesting.runner import BacktestSpec, run_backtest
from forecast.data import load_series
from forecast.models.arima.models import filtered
from forecast.models.registry import create
from tests.conftest import SAMPLES

ARIMA = ModelEntry("arima", "arima", {"order": "2,1,1"})


@pytest.fixture(scope="module")
def air() -> pd.Series:
    return load_series(str(SAMPLES / "airpassengers.csv")).y


@pytest.fixture(scope="module")
def walk(air):
    spec = BacktestSpec(horizon=6, refit="never", initial=100, period=12)
    return run_backtest(air, [ARIMA, ModelEntry("snaive", "snaive", {"period": 12})], spec)


def test_never_refit_equals_a_fresh_fixed_parameter_filter_per_origin(air, walk) -> None:
    """REFERENCE/issue: forecasts from all origins at once equal, to 1e-9 relative, what a fresh filter
    over the data up to each origin gives at the parameters of the first window's fit."""
    model = create("arima", {"order": "2,1,1"}).fit(air.iloc[:100])
    mf = next(m for m in walk.forecasts if m.label == "arima")
    for row, origin in enumerate(mf.origins):
        fresh = filtered(model.spec_, air.to_numpy()[: origin + 1], model.params_).get_forecast(6)
        # The same recursions in another floating-point order (our filter runs in a unit near
        # sigma, statsmodels' in the data's): rounding of about n * eps * kappa relative, with
        # n ~ 140 steps and the filter's condition kappa up to ~1e4 near a unit root, i.e.
        # ~3e-10; rtol 1e-9 bounds it with margin and still catches a wrong state (>= 1e-4).
        np.testing.assert_allclose(mf.mean[row], fresh.predicted_mean, rtol=1e-9, atol=0)
        lo, hi = fresh.conf_int(alpha=0.05).T
        np.testing.assert_allclose(mf.bands[95.0][0][row], lo, rtol=1e-9, atol=0)
        np.testing.assert_allclose(mf.bands[95.0][1][row], hi, rtol=1e-9, atol=0)


def test_refit_every_equals_fitting_at_each_origin(air) -> None:
    spec = BacktestSpec(horizon=3, refit="every", initial=130, step=4, period=12)
    result = run_backtest(air, [ARIMA], spec)
    (mf,) = result.forecasts
    assert list(mf.origins) == [129, 133, 137]
    for row, origin in enumerate(mf.origins):
        direct = create("arima", {"order": "2,1,1"}).fit(air.iloc[: origin + 1]).predict(3, [80])
        np.testing.assert_allclose(mf.mean[row], direct.mean, rtol=1e-10)
        np.testing.assert_allclose(mf.bands[80.0][1][row], direct.upper(80), rtol=1e-10)


def test_refit_every_n_fits_once_per_group(air, monkeypatch) -> None:
    from forecast.models.arima import models as arima

    fits = []
    original = arima.Arima._fit
    monkeypatch.setattr(
        arima.Arima, "_fit", lambda self, y: (fits.append(y.size), original(self, y))
    )
    spec = BacktestSpec(horizon=3, refit=5, initial=120, step=1, period=12)
    result = run_backtest(air, [ARIMA], spec)
    assert result.config["n_folds"] == 22
    assert fits == [120, 125, 130, 135, 140]  # one fit per group of 5 origins, on its first window


def test_no_look_ahead_in_walk_forward(air) -> None:
    spec = BacktestSpec(horizon=4, refit="every", initial=120, step=6, period=12)
    entries = [ModelEntry("drift", "drift"), ModelEntry("snaive", "snaive", {"period": 12})]
    base = run_backtest(air, entries, spec)
    altered = air.copy()
    altered.iloc[130:] = altered.iloc[130:] * 10
    changed = run_backtest(altered, entries, spec)
    for a, b in zip(base.forecasts, changed.forecasts, strict=True):
        early = a.origins < 130  # forecasts made before the change saw none of it
        np.testing.assert_array_equal(a.mean[early], b.mean[early])
        if a.label == "drift":  # and the later ones did see it
            assert not np.allclose(a.mean[~early], b.mean[~early])


def test_parallel_jobs_give_identical_results(air) -> None:
    spec = BacktestSpec(horizon=4, refit="every", initial=120, step=3, period=12, jobs=1)
    entries = [ARIMA, ModelEntry("naive", "naive")]
    one = run_backtest(air, entries, spec)
    two = run_backtest(air, entries, BacktestSpec(**{**spec.to_dict(), "jobs": 2}))
    pd.testing.assert_frame_equal(one.forecast_frame(), two.forecast_frame())
    assert one.metrics == two.metrics


def test_metrics_equal_a_recomputation_from_the_forecast_table(air, walk) -> None:
    frame = walk.forecast_frame()
    rows = {(r["model"], r["metric"], r["scope"], r["key"]): r["value"] for r in walk.metrics}
    for label in ("arima", "snaive"):
        mine = frame[frame["model"] == label]
        errors = mine["mean"] - mine["actual"]
        assert rows[(label, "mae", "overall", None)] == pytest.approx(
            errors.abs().mean(), rel=1e-12
        )
        assert rows[(label, "bias", "overall", None)] == pytest.approx(errors.mean(), rel=1e-12)
        step3 = mine[mine["step"] == 3]
        assert rows[(label, "rmse", "step", 3)] == pytest.approx(
            np.sqrt(((step3["mean"] - step3["actual"]) ** 2).mean()), rel=1e-12
        )
        inside = (mine["lower_80"] <= mine["actual"]) & (mine["actual"] <= mine["upper_80"])
        assert rows[(label, "coverage_80", "overall", None)] == pytest.approx(inside.mean())
        # MASE: each origin scaled by the seasonal naive error of its own training window
        origin = mine["origin"].iloc[0]
        train = air[air.index <= origin].to_numpy()  # expanding window: everything up to it
        fold0 = mine[mine["fold"] == 0]
        expected = metrics.mase(
            fold0["actual"].to_numpy(), fold0["mean"].to_numpy(), metrics.naive_scale(train, 12)
        )
        assert rows[(label, "mase", "fold", 0)] == pytest.approx(expected, rel=1e-12)


def test_purged_kfold_trains_arima_on_the_segment_before_each_block(air, monkeypatch) -> None:
    from forecast.models.arima import models as arima

    seen = []
    original = arima.Arima._fit
    monkeypatch.setattr(
        arima.Arima, "_fit", lambda self, y: (seen.append(self.y_.size), original(self, y))
    )
    spec = BacktestSpec(scheme="purged-kfold", horizon=6, folds=4, embargo=2, lookback=3, period=12)
    result = run_backtest(air, [ARIMA], spec)
    assert len(seen) == 4
    for fold, size in zip(result.folds, seen, strict=True):
        first_target = int(fold.test_targets()[0])
        runs = fold.train_ranges()
        before = [r for r in runs if r[1] <= first_target]
        expected = max((e - s for s, e in before), default=max(e - s for s, e in runs))
        assert size == expected
    assert any("longest contiguous purged segment" in note for note in result.notes)


def test_cpcv_paths_cover_every_group_once(air) -> None:
    spec = BacktestSpec(scheme="cpcv", horizon=3, groups=4, test_groups=2, embargo=0, period=12)
    result = run_backtest(air, [ModelEntry("naive", "naive")], spec)
    paths = [r for r in result.metrics if r["scope"] == "path" and r["metric"] == "mae"]
    assert len(paths) == 3  # C(3, 1) paths for N=4, k=2
    per_path = [r["value"] for r in paths]
    summary = {
        r["key"]: r["value"]
        for r in result.metrics
        if r["scope"] == "paths" and r["metric"] == "mae"
    }
    assert summary["mean"] == pytest.approx(np.mean(per_path))
    assert summary["min"] == pytest.approx(min(per_path)) and summary["max"] == pytest.approx(
        max(per_path)
    )
    # 6 splits x 2 test groups: every valid origin (n - h of them) is tested in C(3, 1) = 3 splits
    (mf,) = result.forecasts
    assert mf.origins.size == 3 * (len(air) - 3)


def test_a_failing_fold_is_recorded_and_the_run_goes_on(air, monkeypatch) -> None:
    from forecast.errors import ComputeError
    from forecast.models import baselines

    original = baselines.Drift._fit

    def flaky(self, y):
        if y.size == 125:
            raise ComputeError("drift: synthetic failure")
        original(self, y)

    monkeypatch.setattr(baselines.Drift, "_fit", flaky)
    spec = BacktestSpec(horizon=2, refit="every", initial=123, step=1, period=12)
    result = run_backtest(air, [ModelEntry("drift", "drift")], spec)
    assert result.failures == [
        {"model": "drift", "folds": [2], "error": "drift: synthetic failure"}
    ]
    assert result.failed_everywhere() == []
    assert 2 not in set(result.forecasts[0].folds) and result.forecasts[0].origins.size == 19


def test_window_models_train_only_on_samples_clear_of_the_test_targets(air, monkeypatch) -> None:
    """A neural model trains on targets as long as its head (here 12), longer than the backtest
    horizon (3): no training sample's input or 12-step target window may touch a test target."""
    from forecast.models.neural.forecaster import NeuralForecaster

    seen = {}
    original = NeuralForecaster.fit_origins

    def spy(self, y, origins):
        seen[len(seen)] = np.asarray(origins)
        return original(self, y, origins)

    monkeypatch.setattr(NeuralForecaster, "fit_origins", spy)
    params = {"window": 12, "horizon": 12, "epochs": 1, "hidden_size": 4, "period": 12}
    spec = BacktestSpec(
        scheme="purged-kfold", horizon=3, folds=3, embargo=0, lookback=12, period=12
    )
    result = run_backtest(air, [ModelEntry("gru", "gru", params)], spec)
    assert len(seen) == 3 and not result.failures
    for fold, origins in zip(result.folds, seen.values(), strict=True):
        targets = set(fold.test_targets().tolist())
        for t in origins:
            window = set(range(t - 11, t + 13))  # input [t-11, t] and targets [t+1, t+12]
            assert not window & targets
        assert origins.size > 20


def _worker_threads(_: int) -> tuple[str | None, int]:
    from threadpoolctl import threadpool_info

    blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return os.environ.get("OPENBLAS_NUM_THREADS"), max(blas)


@pytest.mark.parametrize("given", [None, 4])
def test_parallel_workers_share_the_cores(given: int | None) -> None:
    """Each of n workers gets its share of the active thread policy (forecast.threads): BLAS at
    1 thread by default, --threads N split between the workers (not a machine-sized pool each)."""
    from forecast.execution.executor import parallel_map
    from forecast.threads import limited, resolve

    workers = 2
    policy = resolve(given, {})
    expected = policy.for_workers(workers).classical
    with limited(policy):
        seen = set(parallel_map(_worker_threads, list(range(8)), workers))
    assert seen == {(str(expected), expected)}
