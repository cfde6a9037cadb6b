"""A panel backtest whose folds the vectorised path forecast (forecast.backtesting.batched)
is the per-series backtest: the same report in every format, the same scored forecasts, for
models with and without a batch function side by side, for every scheme and refit policy (the
jobs it cannot take run per series)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.panel.helpers import run_cli


@pytest.fixture(scope="module")
def panel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 monthly series of 40 or 52 points: seasonal walks, intermittent demand, one constant
    stretch, one with a gap (--missing interpolate) and one too short for the folds."""
    rng = np.random.default_rng(3)
    frames = []
    for i in range(24):
        n = 52 if i % 3 else 40
        t = np.arange(n)
        if i % 4 == 3:
            y = np.where(rng.random(n) < 0.6, 0.0, rng.integers(1, 9, n)).astype(float)
        else:
            y = np.round(50 + 6 * np.sin(2 * np.pi * t / 12) + rng.normal(size=n).cumsum(), 3)
        if i == 5:
            y[:30] = 7.0  # constant over the first folds' training data
        if i == 7:
            y[20] = np.nan
        if i == 11:
            y, t = y[:14], t[:14]
        stamps = pd.date_range("2015-01-01", periods=y.size, freq="MS")
        frames.append(pd.DataFrame({"id": f"s{i:02d}", "date": stamps, "y": y}))
    path = tmp_path_factory.mktemp("bt") / "panel.csv"
    pd.concat(frames).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    "options",
    [
        ["-m", "naive", "-m", "snaive", "-m", "drift", "-m", "mean"],
        [
            "-m",
            "croston",
            "-m",
            "tsb",
            "-m",
            "imapa",
            "-m",
            "ses=ets",
            "-p",
            "ses.trend=none",
            "-p",
            "ses.season=none",
        ],
        ["-m", "snaive", "-m", "naive", "--window", "rolling", "--step", "3", "--gap", "1"],
        ["-m", "naive", "-m", "snaive", "--refit", "never"],
        ["-m", "naive", "-m", "mean", "--scheme", "purged-kfold", "--folds", "3"],
    ],
)
def test_batched_backtest_equals_the_per_series_one(
    panel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: list[str]
) -> None:
    base = ["backtest", panel, "-H", 5, "--missing", "interpolate", *options]
    for fmt in ("json", "csv"):
        assert run_cli([*base, "-f", fmt], True, monkeypatch) == run_cli(
            [*base, "-f", fmt], False, monkeypatch
        )
    for name, vectorised in (("vec", True), ("one", False)):
        out = tmp_path / f"{name}.csv"
        code, _, err = run_cli(
            [*base, "-q", "-f", "csv", "--forecasts", out], vectorised, monkeypatch
        )
        assert code == 1 and "series failed" in err, err  # s11 is too short for the folds
    assert (tmp_path / "vec.csv").read_text() == (tmp_path / "one.csv").read_text()


def test_the_batched_path_is_taken(panel: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Most walk-forward jobs of the batch models come from the vectorised path."""
    from forecast.backtesting import batched

    settled: list[int] = []
    original = batched.block_calls

    def counted(*args: object) -> object:
        calls = original(*args)  # type: ignore[arg-type]
        if calls is not None:
            settled.extend(int(ok.sum()) for _, ok in calls.found.values())
        return calls

    monkeypatch.setattr(batched, "block_calls", counted)
    code, _, _ = run_cli(["backtest", panel, "-H", 5, "-m", "naive", "-f", "csv", "-q",
                       "--missing", "interpolate"], True, monkeypatch)  # fmt: skip
    assert code == 1  # the short series cannot be backtested
    assert sum(settled) >= 20 * 10  # 22 usable series x their folds, less the gap's
