"""The README's "Beyond one machine" commands, run as written on 127.0.0.1 with a free port:
`dask scheduler`, `dask worker tcp://...`, then `forecast ... --engine dask --scheduler`."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.execution.conftest import BIN
from tests.panel.helpers import make_panel

pytestmark = [pytest.mark.slow, pytest.mark.system]


def test_readme_cluster_commands(cluster: tuple[str, Any], tmp_path: Path) -> None:
    address = cluster[0]
    frame = make_panel(41, 12, min_n=30, max_n=40)
    folder = tmp_path / "sales"
    folder.mkdir()
    ids = sorted(frame["unique_id"].unique())
    for k in range(3):
        part = frame[frame["unique_id"].isin(ids[4 * k : 4 * k + 4])]
        part.to_parquet(folder / f"part-{k}.parquet", index=False)
    forecast = str(BIN / "forecast")
    common = ["--model", "arima", "--param", "order=1,1,0", "--horizon", "12"]

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [forecast, *args], capture_output=True, text=True, env={**os.environ, **env}
        )

    out = tmp_path / "forecasts"
    dask = run(
        "fit",
        str(folder),
        *common,
        "--engine",
        "dask",
        "--scheduler",
        address,
        "--output",
        str(out),
    )
    assert dask.returncode == 0, dask.stderr
    assert (out / "_SUCCESS").exists()
    local = run("fit", str(folder), *common, "--format", "csv")
    via_env = run(
        "fit", str(folder), *common, "--engine", "dask", "--format", "csv",
        FORECAST_DASK_SCHEDULER=address,
    )  # fmt: skip
    assert via_env.returncode == 0, via_env.stderr
    assert via_env.stdout == local.stdout
    backtest = [
        "backtest",
        str(folder),
        "-m",
        "naive",
        "-m",
        "drift",
        "--horizon",
        "6",
        "--format",
        "csv",
    ]
    assert (
        run(*backtest, "--engine", "dask", FORECAST_DASK_SCHEDULER=address).stdout
        == run(*backtest).stdout
    )


def test_scheduler_lost_mid_run_is_exit_1_and_leaves_no_partial_output(
    cluster: tuple[str, Any], tmp_path: Path
) -> None:
    """The parts are written beside --output DIR and swapped in only when complete (issue #24):
    a run that stops midway discards its parts and leaves DIR as it was (here: absent)."""
    address, scheduler = cluster
    data = tmp_path / "p.csv"
    make_panel(42, 160, min_n=40, max_n=60).to_csv(data, index=False)
    out = tmp_path / "out"
    run = subprocess.Popen(
        [BIN / "forecast", "fit", data, "-m", "arima", "-p", "order=1,0,0", "--engine", "dask",
         "--scheduler", address, "--output", out],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob(".out.new.*/part-00000.parquet")):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        scheduler.kill()
        _, stderr = run.communicate(timeout=120)
    finally:
        run.kill()
    assert run.returncode == 1, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "lost the Dask scheduler" in errors[0], stderr
    assert "part files of this run were discarded" in errors[0]
    assert f"{out} is unchanged" in errors[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.csv"]  # no DIR, no sibling left
