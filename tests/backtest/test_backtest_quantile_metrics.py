"""`backtest --quantiles` (issue 30 part 3): pinball per quantile, CRPS by the quantile
decomposition and M4's MSIS per level, checked against slow loops over the scored forecasts
(`--forecasts`), and the levels the quantiles need added to the run."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SAMPLES

AIR = str(SAMPLES / "airpassengers.csv")


def _run(cli, tmp_path: Path, *extra: str) -> tuple[dict, list[dict[str, str]]]:
    out = tmp_path / "f.csv"
    result = cli("backtest", AIR, "-m", "snaive", "-m", "ets", "-H", "12", "--step", "12",
                 "--quantiles", "0.1,0.5,0.9", "--forecasts", out, "-f", "json", *extra)  # fmt: skip
    assert result.code == 0, result.stderr
    return json.loads(result.stdout), list(csv.DictReader(io.StringIO(out.read_text())))


def _metric(doc: dict, model: str, metric: str, scope: str = "overall", key=None) -> float:
    (value,) = [m["value"] for m in doc["metrics"] if m["model"] == model and
                m["metric"] == metric and m["scope"] == scope and m["key"] == key]  # fmt: skip
    return value


def pinball(y: float, q: float, p: float) -> float:
    return max(p * (y - q), (p - 1) * (y - q))


def test_pinball_and_crps_equal_slow_loops(cli, tmp_path: Path) -> None:
    doc, rows = _run(cli, tmp_path)
    for model in ("snaive", "ets"):
        mine = [r for r in rows if r["model"] == model]
        quantile = {0.1: "lower_80", 0.5: "mean", 0.9: "upper_80"}
        losses = {
            p: np.mean([pinball(float(r["actual"]), float(r[col]), p) for r in mine])
            for p, col in quantile.items()
        }
        for p, value in losses.items():  # sums of ~100 terms: rounding far below 1e-10
            assert _metric(doc, model, f"pinball_{p:g}") == pytest.approx(value, rel=1e-10)
        assert _metric(doc, model, "crps") == pytest.approx(2 * np.mean(list(losses.values())))


def test_msis_is_the_interval_score_over_the_mase_scale(cli, tmp_path: Path) -> None:
    doc, rows = _run(cli, tmp_path)
    for fold in {int(r["fold"]) for r in rows}:
        mine = [r for r in rows if r["model"] == "ets" and int(r["fold"]) == fold]
        y = np.array([float(r["actual"]) for r in mine])
        lo, hi = (np.array([float(r[c]) for r in mine]) for c in ("lower_95", "upper_95"))
        score = np.mean((hi - lo) + 40 * (np.clip(lo - y, 0, None) + np.clip(y - hi, 0, None)))
        # the fold's scale s from its MASE: mase = mae / s
        scale = _metric(doc, "ets", "mae", "fold", fold) / _metric(doc, "ets", "mase", "fold", fold)
        assert _metric(doc, "ets", "msis_95", "fold", fold) == pytest.approx(score / scale)
    assert "crps" in doc["config"]["metric_definitions"]


def test_the_quantiles_levels_join_the_run(cli, tmp_path: Path) -> None:
    doc, _ = _run(cli, tmp_path, "-l", "95", "--quantiles", "0.05,0.5")
    assert doc["config"]["levels"] == [90.0, 95.0]
    assert {m["metric"] for m in doc["metrics"]} >= {"coverage_90", "pinball_0.05", "crps"}
