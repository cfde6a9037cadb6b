"""A global neural model in a panel backtest: one fit per fold across all series, each series
cut at its own training end, the forecasts those fits make, scored per series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.api import load
from forecast.backtesting.engine import ModelEntry
from forecast.backtesting.panel_backtest import run_panel_backtest
from forecast.backtesting.runner import BacktestSpec
from forecast.errors import UsageError
from forecast.execution import LocalExecutor
from forecast.models.neural.global_model import GlobalForecaster

TINY = {"window": 12, "horizon": 6, "epochs": 2, "patience": 2, "batch_size": 32,
        "hidden_size": 4, "device": "cpu"}  # fmt: skip


def _panel():
    rng = np.random.default_rng(4)
    frames = []
    for k, n in enumerate((60, 72, 66)):
        index = pd.date_range("2010-01-01", periods=n, freq="MS")
        y = 100 + 10 * k + 5 * np.sin(2 * np.pi * index.month / 12) + rng.normal(0, 1, n)
        frames.append(pd.DataFrame({"id": f"s{k}", "ds": index.strftime("%Y-%m-%d"), "y": y}))
    return load(pd.concat(frames), id_col="id", time_col="ds", value_col="y")


def test_one_global_fit_per_fold_and_its_forecasts_are_scored(monkeypatch):
    panel = _panel()
    fits = []
    original = GlobalForecaster.fit

    def counted(self, series, *args, **kwargs):
        fits.append([(sid, y.index[-1]) for sid, y in series])
        return original(self, series, *args, **kwargs)

    monkeypatch.setattr(GlobalForecaster, "fit", counted)
    spec = BacktestSpec(horizon=6, initial=48, step=6, levels=(80.0,))
    result = run_panel_backtest(panel, [ModelEntry("gru", "gru", TINY)], spec, LocalExecutor())
    # folds per series: 2 (60 points), 4 (72), 3 (66): the k-th fit holds the series having a
    # k-th fold, each cut at its own training end
    assert [len(f) for f in fits] == [3, 3, 2, 1]
    assert fits[1] == [(sid, pd.Timestamp("2014-06-01")) for sid in ("s0", "s1", "s2")]
    assert not result.failures()
    # the first fold's forecasts of s1 are the first fit's, from s1's origin 47
    monkeypatch.setattr(GlobalForecaster, "fit", original)
    cut = [(s.id, s.y.iloc[:48]) for s in panel]
    model = GlobalForecaster("gru", {**TINY, "seed": 0}).fit(cut, calibrate_steps=6)
    y1 = panel[1].y
    expected = model.forecast_from("s1", y1, [47], 6, (80.0,))
    mf = next(m for m in result.series[1].result.forecasts if m.label == "gru")
    first = mf.folds == mf.folds.min()
    np.testing.assert_array_equal(mf.origins[first], [47])
    np.testing.assert_allclose(mf.mean[first], expected.mean, atol=1e-9)
    np.testing.assert_allclose(mf.bands[80.0][0][first], expected.bands[80.0][0], atol=1e-9)
    mae = {r["model"]: r["mean"] for r in result.aggregate() if r["metric"] == "mae"}
    assert np.isfinite(mae["gru"])


def test_global_false_and_other_schemes():
    panel = _panel()
    spec = BacktestSpec(horizon=6, initial=54, step=6, levels=())
    entry = ModelEntry("gru", "gru", {**TINY, "global": "false"})
    result = run_panel_backtest(panel, [entry], spec, LocalExecutor())
    # one network per series: too few observations (70) for any of these folds
    errors = {f["error"] for f in result.failures()}
    assert errors == {"gru needs at least 70 observations to fit, got 54",
                      "gru needs at least 70 observations to fit, got 60",
                      "gru needs at least 70 observations to fit, got 66"}  # fmt: skip
    with pytest.raises(UsageError, match="walk-forward"):
        run_panel_backtest(
            panel, [ModelEntry("gru", "gru", TINY)], BacktestSpec(scheme="purged-kfold"),
            LocalExecutor(),
        )  # fmt: skip
