"""`--quantiles` with a global model (issue 30 part 1): the tree and network models fitted once
over a panel give q_P from their own bands (forecast.fitting.global_network): split conformal
by the (n + 1) rule on their pooled calibration errors, or the trees' quantile models,
rearranged so that they never cross; a fallback series gets its own model's quantiles; predict
from the saved file and backtest give them too; `--samples` is refused (a global model has no
error model to simulate from)."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecast.data import load
from forecast.fitting.global_network import (
    draw_levels,
    fit_global_model,
    fit_global_panel,
    new_global,
    with_quantiles,
)
from forecast.fitting.panel import FitSpec
from forecast.fitting.series import Draws
from forecast.models.neural.global_options import GlobalOptions
from tests.conftest import SAMPLES

RETAIL = str(SAMPLES / "retail_panel.csv")
TREES = {"n_estimators": 30, "threads": 1}
NET = ["-p", "hidden_size=4", "-p", "window=12", "-p", "horizon=6", "--epochs", "2"]
PROBS = (0.05, 0.25, 0.5, 0.75, 0.95)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture(scope="module")
def retail():
    return load(RETAIL, id_col="store")


def _slow_width(errors: np.ndarray, p: float) -> float:
    """The (n + 1) rule spelled out: the smallest calibration error e such that at least
    (n + 1) |2p - 1| of the n errors are <= e (level 0: no width)."""
    column = [float(e) for e in errors if math.isfinite(e)]
    need = (len(column) + 1) * round(abs(2 * p - 1), 10)
    if need == 0:
        return 0.0
    for e in sorted(column):
        if sum(1 for other in column if other <= e) >= need - 1e-9:
            return e
    raise AssertionError("too few errors for the level")


def test_conformal_tree_quantiles_are_the_n_plus_1_rule_on_its_errors(retail) -> None:
    spec = FitSpec("lightgbm", TREES, 4, (80.0,), draws=Draws(PROBS))
    model, outcomes = fit_global_panel(retail, spec, GlobalOptions())
    errors = model.errors_  # [origins, steps], scaled; each series' unit is iscale_
    assert errors.shape[0] >= 19  # enough for the 95 % bound the 0.05/0.95 quantiles need
    for outcome in outcomes:
        f = outcome.forecast
        assert f is not None and f.levels == (80.0,) and f.probs == PROBS
        unit = model.iscale_[model.position(outcome.id)]
        for p in PROBS:
            w = np.array([_slow_width(errors[:, k], p) for k in range(4)])
            expected = f.mean + math.copysign(1.0, p - 0.5) * w * unit if p != 0.5 else f.mean
            # the same two float operations (w * unit, mean -/+ it): equal to an ulp or two
            np.testing.assert_allclose(f.quantiles[p], expected, rtol=1e-13, err_msg=str(p))
        assert "split-conformal" in f.quantile_method


@pytest.fixture(scope="module")
def conformal_tree(retail):
    model = new_global("lightgbm", TREES, GlobalOptions())
    return fit_global_model(model, [(s.id or "", s.y) for s in retail], 4, (95.0,))


@pytest.fixture(scope="module")
def quantile_tree(retail):
    params = {**TREES, "objective": "quantile", "quantile_levels": "10,30,50,70,90"}
    model = new_global("lightgbm", params, GlobalOptions())
    return fit_global_model(model, [(s.id or "", s.y) for s in retail], 4, ())


def _check_ordered(model, probs: tuple[float, ...]) -> None:
    """Every series' quantiles are non-decreasing in p, with q_0.5 (the point forecast)
    between the 5 % and 95 % quantiles."""
    draws = Draws(tuple(sorted(set(probs) | {0.05, 0.5, 0.95})))
    forecasts = model.predict(4, draw_levels(model.model, (), draws))
    for sid, f in forecasts.items():
        assert not isinstance(f, str), sid
        q = with_quantiles(f, (), draws)
        assert q.levels == () and q.probs == draws.probs
        values = np.array([q.quantiles[p] for p in q.probs])
        assert (np.diff(values, axis=0) >= 0).all(), sid
        assert (q.quantiles[0.05] <= q.quantiles[0.5]).all()
        assert (q.quantiles[0.5] <= q.quantiles[0.95]).all()


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.floats(0.03, 0.97), min_size=0, max_size=5))
def test_conformal_quantiles_never_cross(conformal_tree, probs) -> None:
    _check_ordered(conformal_tree, tuple(round(p, 4) for p in probs))


GRID = (0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95)  # bounds of 10..90 %


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(GRID), min_size=0, max_size=6))
def test_quantile_objective_quantiles_never_cross(quantile_tree, probs) -> None:
    # the quantile models are trained one per bound, so they could cross; the model's paths
    # and quantiles_from_bands both sort them at every step (any subset of the bounds)
    _check_ordered(quantile_tree, tuple(probs))


def test_quantile_objective_gives_its_sorted_quantile_models(quantile_tree) -> None:
    draws = Draws((0.05, 0.35, 0.5, 0.65, 0.95))
    for sid, f in quantile_tree.predict(4, (30.0, 90.0)).items():
        assert not isinstance(f, str)
        q = with_quantiles(f, (30.0,), draws)
        models = [f.lower(90), f.lower(30), f.mean, f.upper(30), f.upper(90)]
        np.testing.assert_array_equal([q.quantiles[p] for p in draws.probs], np.sort(models, 0))
        assert list(q.bands) == [30.0] and "quantile models" in q.quantile_method, sid


def test_fit_and_predict_columns_match_the_level_bounds(cli, tmp_path: Path) -> None:
    saved = tmp_path / "g.fcm"
    fitted = cli("fit", RETAIL, "--id-col", "store", "-m", "xgboost", "-p", "n_estimators=20",
                 "-H", "3", "-l", "90", "--quantiles", "0.05,0.5,0.95", "-f", "csv",
                 "--save", saved)  # fmt: skip
    assert fitted.code == 0, fitted.stderr
    rows = _rows(fitted.stdout)
    assert list(rows[0])[-5:] == ["lower_90", "upper_90", "q_0.05", "q_0.5", "q_0.95"]
    assert len({r["id"] for r in rows}) == 12
    for r in rows:  # the 90 % bounds are the 0.05 and 0.95 quantiles: the same numbers
        assert (r["q_0.05"], r["q_0.5"], r["q_0.95"]) == (r["lower_90"], r["mean"], r["upper_90"])
    again = cli("predict", saved, "--quantiles", "0.05,0.5,0.95", "-f", "csv")
    assert again.code == 0, again.stderr
    assert again.stdout == fitted.stdout


def test_a_global_network_gives_quantiles(cli, tmp_path: Path, retail) -> None:
    frame = pd.DataFrame(
        [(s.id, t.strftime("%Y-%m-%d"), v) for s in retail for t, v in s.y.items()],
        columns=["store", "month", "sales"],
    )
    short = frame[frame.store == "store_03"].tail(8).assign(store="short")  # < the window
    path = tmp_path / "p.csv"
    pd.concat([frame, short]).to_csv(path, index=False)
    result = cli("fit", path, "--id-col", "store", "-m", "gru", *NET, "--device", "cpu",
                 "--seed", "3", "-H", "3", "-l", "80", "--quantiles", "0.1,0.5,0.9",
                 "--fallback", "naive", "-f", "csv")  # fmt: skip
    assert result.code == 0, result.stderr
    rows = _rows(result.stdout)
    assert len(rows) == 39
    for r in rows:
        q = (float(r["q_0.1"]), float(r["q_0.5"]), float(r["q_0.9"]))
        assert q[0] < q[1] < q[2]
        if r["id"] != "short":  # the network's split-conformal bounds: the same numbers
            assert (r["q_0.1"], r["q_0.5"], r["q_0.9"]) == (r["lower_80"], r["mean"], r["upper_80"])
        else:  # the fallback naive's Gaussian quantiles: z_0.1 = -z_0.9, to rounding
            assert r["model"] == "naive"
            bounds = (float(r["lower_80"]), float(r["mean"]), float(r["upper_80"]))
            assert q == pytest.approx(bounds, rel=1e-12)


def test_samples_with_a_global_model_are_refused(cli, tmp_path: Path) -> None:
    out = tmp_path / "s.parquet"
    for model in ("lightgbm", "gru"):
        result = cli("fit", RETAIL, "--id-col", "store", "-m", model, "-H", "2",
                     "--samples", "5", "--samples-output", out)  # fmt: skip
        assert result.code == 2 and result.stdout == "", model
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: --samples with a global {model}")
        assert "--quantiles" in lines[0] and "global=false" in lines[0]
    assert not out.exists()


def test_backtest_scores_a_global_models_quantiles(cli) -> None:
    # q_0.5 is the point forecast, so its pinball loss is half the absolute error: mean
    # pinball_0.5 = MAE / 2 per series (the same errors averaged: to rounding, 1e-12)
    result = cli("backtest", RETAIL, "--id-col", "store", "-m", "lightgbm", "-p",
                 "n_estimators=20", "-H", "3", "--step", "6", "--quantiles", "0.05,0.5,0.95",
                 "-f", "json")  # fmt: skip
    assert result.code == 0, result.stderr
    values = {(s["id"], s["metric"]): s["value"] for s in json.loads(result.stdout)["series"]}
    ids = {sid for sid, _ in values}
    assert len(ids) == 12
    for sid in ids:
        assert values[sid, "pinball_0.5"] == pytest.approx(values[sid, "mae"] / 2, rel=1e-12)
        assert values[sid, "pinball_0.05"] > 0 and values[sid, "pinball_0.95"] > 0
        assert 0 <= values[sid, "coverage_90"] <= 1


def test_predict_from_a_global_file_applies_floor(cli, tmp_path: Path) -> None:
    """`predict --floor F` on a global model clips the mean, bounds and quantiles at F, as a
    per-series model's predict does, and leaves every number above F as it was."""
    saved = tmp_path / "g.fcm"
    fitted = cli("fit", RETAIL, "--id-col", "store", "-m", "xgboost", "-p", "n_estimators=20",
                 "-H", "3", "-l", "90", "-f", "csv", "--save", saved)  # fmt: skip
    assert fitted.code == 0, fitted.stderr
    plain = pd.read_csv(io.StringIO(fitted.stdout))
    floor = float(plain["lower_90"].median())  # about half of the lower bounds are below it
    args = ("predict", saved, "--quantiles", "0.05,0.95", "--floor", repr(floor), "-f", "csv")
    floored = cli(*args)
    assert floored.code == 0, floored.stderr
    got = pd.read_csv(io.StringIO(floored.stdout))
    columns = ["mean", "lower_90", "upper_90", "q_0.05", "q_0.95"]
    reference = plain.assign(**{"q_0.05": plain["lower_90"], "q_0.95": plain["upper_90"]})
    expected = reference[columns].clip(lower=floor)
    np.testing.assert_array_equal(got[columns].to_numpy(), expected.to_numpy())
    assert (got["lower_90"] == floor).any() and (plain["lower_90"] < floor).any()
