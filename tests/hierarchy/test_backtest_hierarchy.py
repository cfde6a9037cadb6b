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
