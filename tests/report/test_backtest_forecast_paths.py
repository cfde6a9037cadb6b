"""Backtest report forecast panels (issue #31, part 4): each origin's forecast path is its own
line; no drawn line or band ever spans the forecasts of two origins."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import PolyCollection

from forecast.backtesting.engine import ModelEntry
from forecast.backtesting.result import BacktestResult
from forecast.backtesting.runner import BacktestSpec, run_backtest
from forecast.data import load
from forecast.report.backtest_plots import MAX_ORIGINS_DRAWN, forecasts_figure

AIR = str(Path(__file__).resolve().parents[2] / "sample_data" / "airpassengers.csv")
ENTRIES = (ModelEntry("snaive", "snaive"), ModelEntry("drift", "drift"))


def _backtest(**spec: object) -> BacktestResult:
    series = load(AIR).single
    assert series is not None
    return run_backtest(series.y, ENTRIES, BacktestSpec(**spec))  # type: ignore[arg-type]


def _paths(result: BacktestResult) -> None:
    """Every line but the actuals is exactly one origin's path (its targets, its means), each
    drawn origin once; every band lies within one origin's targets."""
    fig = forecasts_figure(result)
    index = result.y.index
    gap = result.setup.gap
    for ax, mf in zip(fig.axes, [m for m in result.forecasts if m.origins.size], strict=True):
        h = mf.actual.shape[1]
        targets = {
            int(o): (index[o + gap + 1 : o + gap + 1 + h], mf.mean[i])
            for i, o in enumerate(mf.origins)
        }
        seen = []
        for line in ax.get_lines():
            if line.get_label() == "actual":
                continue
            x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
            assert x.size == h  # a path has exactly one origin's lead times
            (origin,) = [o for o, (when, _) in targets.items() if np.array_equal(x, when.values)]
            np.testing.assert_array_equal(y, targets[origin][1])
            seen.append(origin)
        assert len(seen) == len(set(seen)) == min(mf.origins.size, MAX_ORIGINS_DRAWN)
        bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
        assert len(bands) == len(seen)
        spans = [(when.values[0], when.values[-1]) for when, _ in targets.values()]
        for band in bands:
            xs = band.get_paths()[0].vertices[:, 0]
            lo, hi = xs.min(), xs.max()  # matplotlib's date numbers
            assert any(np.isclose(lo, _num(a)) and np.isclose(hi, _num(b)) for a, b in spans), (
                "a band spans more than one origin's targets"
            )


def _num(when: np.datetime64) -> float:
    from matplotlib.dates import date2num

    return float(date2num(when))


@pytest.mark.parametrize(
    "spec",
    [
        {"horizon": 6, "step": 6, "refit": "never"},  # paths end to end
        {"horizon": 6, "step": 2, "refit": "never"},  # paths overlap
        {"horizon": 3, "step": 3, "gap": 2, "refit": "never"},  # leads 3..5
    ],
)
def test_each_origin_is_its_own_line(spec: dict) -> None:
    _paths(_backtest(**spec))


def test_many_origins_are_thinned_evenly_and_the_title_says_so() -> None:
    result = _backtest(horizon=2, step=1, refit="never")
    n = result.forecasts[0].origins.size
    assert n > MAX_ORIGINS_DRAWN
    _paths(result)
    title = forecasts_figure(result).axes[0].get_title(loc="left")
    assert title == f"snaive: {n} origins, {MAX_ORIGINS_DRAWN} of them drawn"
