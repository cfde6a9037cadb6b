"""A notebook-style tour of the library API (run it: `python examples/notebook_tour.py`).

Each cell is what one would type in a notebook: load a panel, look at it, fit several models
in one pass, lay the forecasts out as statsforecast does, backtest with confidence intervals and
model comparisons, and read every result as a DataFrame. The test suite runs this file
(tests/test_examples.py), so it cannot go stale.
"""

from __future__ import annotations

from pathlib import Path

import forecast

DATA = Path(__file__).resolve().parent.parent / "sample_data" / "retail_panel.csv"

# %% Load and diagnose: one summary row per series
panel = forecast.load(DATA)
summary = forecast.diagnose(panel)
print(summary[["id", "n", "period"]].head(3).to_string(index=False))
assert len(panel) == 12 and (summary["period"] == 12).all()

# %% Several models in one pass over the panel; the tidy frame has a model column
fitted = forecast.fit(panel, ["snaive", "theta", ("airline", "sarima", {
    "order": (0, 1, 1), "seasonal_order": (0, 1, 1, 12)})], horizon=6)  # fmt: skip
tidy = fitted.frame
print(tidy.groupby("model")["mean"].mean().round(1).to_string())
assert set(tidy["model"]) == {"snaive", "theta", "airline"} and len(tidy) == 12 * 3 * 6

# %% The same forecasts in statsforecast's layout (unique_id, ds, <model>, <model>-lo-80, ...)
wide = fitted.to_frame("nixtla")
print(list(wide.columns[:5]))
assert (
    len(wide) == 12 * 6
    and wide["theta"].tolist() == tidy[tidy["model"] == "theta"]["mean"].tolist()
)

# %% Backtest with keywords: metric intervals and model comparisons on scale-free losses
result = forecast.backtest(
    panel, ["snaive", "theta"], horizon=6, step=6, refit="never", ci=True, compare=True
)
aggregate = result.to_frame()  # model, metric, mean, median, share_best, n_series
print(aggregate[aggregate["metric"] == "mase"].round(3).to_string(index=False))
intervals = result.to_frame("ci")
tests = result.to_frame("comparison")
print(intervals[intervals["metric"] == "mase"][["model", "estimate", "lower", "upper"]].round(3))
assert {"estimate", "lower", "upper"} <= set(intervals.columns)
assert set(tests["table"]) >= {"diebold_mariano"}
