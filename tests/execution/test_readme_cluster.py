"""The README's "Beyond one machine" commands, run as written on 127.0.0.1 with a free port:
`dask scheduler`, `dask worker tcp://...`, then `forecast ... --engine dask --scheduler`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.panel.helpers import make_panel

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def cluster() -> Iterator[str]:
    from distributed import Client

    address = f"tcp://127.0.0.1:{_free_port()}"
    port = address.rsplit(":", 1)[1]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [
        subprocess.Popen(
            [BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
            **quiet,
        )
    ]
    try:
        procs.append(
            subprocess.Popen(
                [
                    BIN / "dask",
                    "worker",
                    address,
                    "--nworkers",
                    "2",
                    "--nthreads",
                    "1",
                    "--host",
                    "127.0.0.1",
                    "--no-dashboard",
                ],
                **quiet,
            )
        )
        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in reversed(procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_readme_cluster_commands(cluster: str, tmp_path: Path) -> None:
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
        cluster,
        "--output",
        str(out),
    )
    assert dask.returncode == 0, dask.stderr
    assert (out / "_SUCCESS").exists()
    local = run("fit", str(folder), *common, "--format", "csv")
    via_env = run(
        "fit", str(folder), *common, "--engine", "dask", "--format", "csv",
        FORECAST_DASK_SCHEDULER=cluster,
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
        run(*backtest, "--engine", "dask", FORECAST_DASK_SCHEDULER=cluster).stdout
        == run(*backtest).stdout
    )
