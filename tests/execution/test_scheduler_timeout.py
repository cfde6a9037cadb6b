"""--scheduler-timeout: a scheduler that accepts and never answers is exit 2 after the timeout
(a real socket server on 127.0.0.1), and a scheduler closed mid-run is exit 1 with one error
line and no traceback (a real LocalCluster)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.panel.helpers import make_panel, write

pytestmark = [pytest.mark.slow, pytest.mark.system]

BIN = Path(sys.executable).parent
# After the timeout the error path is a few function returns; the rest of a run's time is
# loading a 6-series CSV (milliseconds). 2 s covers a loaded 2-core machine's scheduling delays
# while staying far below the hang this replaces (> 60 s).
MARGIN_S = 2.0


@pytest.fixture
def silent_scheduler() -> Iterator[str]:
    """tcp://127.0.0.1:PORT of a server that accepts every connection and never sends a byte
    (as a hung scheduler or the wrong service would); closed at the end."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:  # closed
                return
            held.append(conn)  # kept open, never answered

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        with contextlib.suppress(OSError):
            server.shutdown(socket.SHUT_RDWR)
        server.close()
        thread.join(5)
        for conn in held:
            conn.close()
    assert held, "the command never connected"


@pytest.fixture
def small_panel(tmp_path: Path) -> str:
    return write(make_panel(2, 6, min_n=30, max_n=40), tmp_path / "p.csv")


def _arguments(command: str, panel: str, tmp_path: Path, cli) -> list[str]:
    if command == "predict":
        model = tmp_path / "m.fcm"
        assert cli("fit", panel, "-m", "naive", "-H", "2", "-q", "--save", model).code == 0
        return ["predict", str(model), "--data", panel, "--refit"]
    return {
        "fit": ["fit", panel, "-m", "naive", "-H", "2"],
        "backtest": ["backtest", panel, "-m", "naive", "-H", "2", "--step", "5"],
        "diagnose": ["diagnose", panel],
    }[command]


@pytest.mark.parametrize("command", ["fit", "backtest", "diagnose", "predict"])
@pytest.mark.parametrize("timeout", [1.0, 2.5])
def test_a_silent_scheduler_is_exit_2_after_the_timeout(
    cli, silent_scheduler: str, small_panel: str, tmp_path: Path, command: str, timeout: float
) -> None:
    import distributed  # noqa: F401  (imported before the clock starts: about a second)

    args = _arguments(command, small_panel, tmp_path, cli)
    start = time.monotonic()
    result = cli(
        *args, "--engine", "dask", "--scheduler", silent_scheduler,
        "--scheduler-timeout", str(timeout),
    )  # fmt: skip
    seconds = time.monotonic() - start
    assert result.code == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert silent_scheduler in lines[0]
    assert f"within {timeout:g} s" in lines[0] and "--scheduler-timeout" in lines[0]
    assert timeout <= seconds < timeout + MARGIN_S  # it waited the timeout given, no longer


def test_the_timeout_option_is_checked_and_documented(cli, small_panel: str) -> None:
    from forecast.cli.options import SCHEDULER_TIMEOUT_S
    from forecast.execution.dask import CONNECT_TIMEOUT_S

    assert SCHEDULER_TIMEOUT_S == CONNECT_TIMEOUT_S == 10.0
    for bad in ("0", "-1", "nan", "inf", "3601"):
        result = cli("fit", small_panel, "-m", "naive", "--scheduler-timeout", bad)
        assert result.code == 2 and "--scheduler-timeout" in result.stderr, (bad, result.stderr)
    for command in ("fit", "predict", "backtest", "diagnose"):
        shown = cli(command, "--help").stdout
        assert "--scheduler-timeout" in shown and "[default: 10.0]" in shown, command


def test_a_scheduler_without_workers_is_exit_2_after_the_timeout(cli, small_panel: str) -> None:
    import logging

    from distributed import LocalCluster

    with LocalCluster(
        n_workers=0, host="127.0.0.1", dashboard_address=None, silence_logs=logging.CRITICAL
    ) as cluster:
        address = cluster.scheduler_address
        start = time.monotonic()
        result = cli(
            "fit", small_panel, "-m", "naive", "--engine", "dask", "--scheduler", address,
            "--scheduler-timeout", "1.5",
        )  # fmt: skip
        seconds = time.monotonic() - start
    assert result.code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert address in lines[0] and "has no workers after 1.5 s (--scheduler-timeout)" in lines[0]
    assert 1.5 <= seconds < 1.5 + MARGIN_S + 1.0  # + the connection itself (under a second)


@pytest.fixture
def local_cluster() -> Iterator[object]:
    """A LocalCluster of 2 worker processes on 127.0.0.1 (its scheduler in this process, so a
    test can close it); closed at the end, its scheduler closed or not."""
    import logging

    from distributed import LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.CRITICAL,
    )
    try:
        yield cluster
    finally:
        import dask

        # With its scheduler closed, the cluster's close asks it to retire the workers and
        # waits out the connect timeout (30 s by default) before closing them itself.
        with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
            cluster.close(timeout=30)


def test_a_scheduler_closed_mid_run_is_exit_1_without_a_traceback(
    local_cluster, tmp_path: Path
) -> None:
    """The first batch of 3 short series writes its part file quickly; the scheduler is closed
    while the others run (ETS on 140-160 points: seconds a series)."""
    quick = make_panel(3, 3, min_n=24, max_n=24)
    slow = make_panel(4, 21, min_n=140, max_n=160)
    slow["unique_id"] = "t" + slow["unique_id"]  # after s00..s02: the batches after the first
    data = write(pd.concat([quick, slow]), tmp_path / "p.csv")
    out = tmp_path / "out"
    address = local_cluster.scheduler_address  # type: ignore[attr-defined]
    run = subprocess.Popen(
        [BIN / "forecast", "fit", data, "-m", "ets", "-H", "3", "--engine", "dask",
         "--scheduler", address, "--output", out],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while not any(tmp_path.rglob("part-*.parquet")) and time.monotonic() < deadline:
            assert run.poll() is None, run.communicate()
            time.sleep(0.05)
        assert any(tmp_path.rglob("part-*.parquet")), "no batch finished"
        local_cluster.sync(local_cluster.scheduler.close)  # type: ignore[attr-defined]
        _, stderr = run.communicate(timeout=120)
    finally:
        run.kill()
    assert run.returncode == 1, stderr
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: lost the Dask scheduler"), stderr
    assert address in lines[0]
    assert not (out / "_SUCCESS").exists()
