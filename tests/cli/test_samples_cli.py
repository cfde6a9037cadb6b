"""`--samples N --samples-output FILE.parquet` (issue 30): every forecast's simulated paths,
seeded by --seed and the series id (the same series gets the same paths in any panel), their
moments those of the model's predictive distribution within Monte Carlo error."""

from __future__ import annotations

import io
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd

from tests.conftest import SAMPLES

PANEL = str(SAMPLES / "retail_panel.csv")
N = 4000


def _run(cli, tmp_path: Path, name: str, *extra: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    out = tmp_path / name
    result = cli("fit", PANEL, "-m", "naive", "-m", "arima", "-p", "arima.order=1,1,0", "-H",
                 "3", "-l", "80", "--samples", str(N), "--samples-output", out, "-f", "csv",
                 *extra)  # fmt: skip
    assert result.code == 0, result.stderr
    forecasts = pd.read_csv(io.StringIO(result.stdout), parse_dates=["timestamp"])
    return pd.read_parquet(out), forecasts


def test_paths_have_the_forecasts_moments(cli, tmp_path: Path) -> None:
    paths, forecasts = _run(cli, tmp_path, "p.parquet", "--ids", "store_01,store_02")
    assert list(paths.columns) == ["id", "model", "timestamp", "sample", "value"]
    assert len(paths) == 2 * 2 * 3 * N
    stats = paths.groupby(["id", "model", "timestamp"])["value"].agg(["mean", "std"])
    merged = stats.reset_index().merge(forecasts, on=["id", "model", "timestamp"])
    z = NormalDist().inv_cdf(0.9)
    sd = (merged["upper_80"] - merged["lower_80"]) / (2 * z)  # Gaussian models: the band's sd
    # 5 Monte Carlo standard errors: sd/sqrt(N) for the mean, sd/sqrt(2N) for the sd
    assert (np.abs(merged["mean_x"] - merged["mean_y"]) <= 5 * sd / np.sqrt(N)).all()
    assert (np.abs(merged["std"] - sd) <= 5 * sd / np.sqrt(2 * N)).all()


def test_a_series_gets_the_same_paths_in_any_panel(cli, tmp_path: Path) -> None:
    both, _ = _run(cli, tmp_path, "a.parquet", "--ids", "store_01,store_02")
    alone, _ = _run(cli, tmp_path, "b.parquet", "--ids", "store_02")
    again, _ = _run(cli, tmp_path, "c.parquet", "--ids", "store_02")
    other, _ = _run(cli, tmp_path, "d.parquet", "--ids", "store_02", "--seed", "3")
    mine = both[both["id"] == "store_02"].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, alone)
    pd.testing.assert_frame_equal(alone, again)
    assert not np.allclose(other["value"], alone["value"])


def test_samples_need_their_file(cli, tmp_path: Path) -> None:
    result = cli("fit", PANEL, "-m", "naive", "--samples", "5")
    assert result.code == 2 and "go together" in result.stderr
    bad = cli("fit", PANEL, "-m", "naive", "--samples", "5", "--samples-output", tmp_path / "s.csv")
    assert bad.code == 2 and "must end in .parquet" in bad.stderr
