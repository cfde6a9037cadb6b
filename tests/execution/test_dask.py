"""--engine dask: the same bytes as --engine local, worker loss, an unreachable scheduler."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.panel.helpers import make_panel, write

pytestmark = [pytest.mark.slow, pytest.mark.system]


@pytest.fixture(scope="module")
def panel_csv(tmp_path_factory: pytest.TempPathFactory) -> str:
    return write(make_panel(21, 10, min_n=40, max_n=50), tmp_path_factory.mktemp("p") / "p.csv")


@pytest.mark.parametrize(
    "args",
    [
        ["fit", "-m", "naive", "-H", "3"],
        ["fit", "-m", "drift", "-H", "5", "--level", "90"],
        ["fit", "-m", "arima", "-p", "order=1,1,0", "-H", "4"],
        ["backtest", "-m", "naive", "-m", "drift", "-H", "3", "--step", "3"],
        ["diagnose"],
    ],
    ids=["fit-naive", "fit-drift", "fit-arima", "backtest", "diagnose"],
)
def test_dask_output_is_byte_identical_to_local(cli, scheduler: str, panel_csv: str, args) -> None:
    command, rest = args[0], args[1:]
    local = cli(command, panel_csv, *rest, "-f", "csv")
    assert local.code == 0, local.stderr
    dask = cli(command, panel_csv, *rest, "-f", "csv", "--engine", "dask", "--scheduler", scheduler)
    assert dask.code == 0, dask.stderr
    assert dask.stdout == local.stdout
    assert len(dask.stdout.splitlines()) > 10


def test_dask_predict_with_new_data_equals_local(cli, scheduler: str, tmp_path: Path) -> None:
    frame = make_panel(22, 6, min_n=40, max_n=50)
    ordered = frame.sort_values(["unique_id", "ds"])
    old = ordered[ordered.groupby("unique_id").cumcount(ascending=False) >= 3]
    path = write(old, tmp_path / "old.csv")
    new = write(frame, tmp_path / "new.csv")
    model = tmp_path / "m.fcm"
    assert cli("fit", path, "-m", "arima", "-p", "order=1,0,0", "--save", model).code == 0
    local = cli("predict", model, "--data", new, "-H", "2", "-f", "csv")
    dask = cli(
        "predict", model, "--data", new, "-H", "2", "-f", "csv", "--engine", "dask",
        "--scheduler", scheduler,
    )  # fmt: skip
    assert local.code == dask.code == 0, dask.stderr
    assert dask.stdout == local.stdout


def test_own_local_cluster_from_jobs_and_env_scheduler(
    cli, scheduler, panel_csv, monkeypatch
) -> None:
    local = cli("fit", panel_csv, "-m", "naive", "-f", "csv")
    started = cli("fit", panel_csv, "-m", "naive", "-f", "csv", "--engine", "dask", "-j", "1")
    assert started.code == 0, started.stderr
    assert started.stdout == local.stdout
    monkeypatch.setenv("FORECAST_DASK_SCHEDULER", scheduler)
    from_env = cli("fit", panel_csv, "-m", "naive", "-f", "csv", "--engine", "dask")
    assert from_env.stdout == local.stdout
    # the environment variable never turns the local engine into a cluster run
    assert cli("fit", panel_csv, "-m", "naive", "-f", "csv").stdout == local.stdout


def test_unreachable_scheduler_is_exit_2_in_one_line(cli, panel_csv: str) -> None:
    start = time.monotonic()
    result = cli(
        "fit", panel_csv, "-m", "naive", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"
    )
    assert result.code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "tcp://127.0.0.1:9" in lines[0] and "dask scheduler" in lines[0]
    assert time.monotonic() - start < 15
    assert cli("fit", panel_csv, "-m", "naive", "--scheduler", "tcp://127.0.0.1:9").code == 2


def test_a_killed_worker_costs_nothing_but_time(scheduler: str, tmp_path: Path) -> None:
    """Kill one worker process while batches are in flight: Dask reruns them, and the outcomes
    are complete, in order, and equal to a serial run."""
    from distributed import Client

    from forecast.data import load
    from forecast.execution import LocalExecutor
    from forecast.execution.dask import DaskExecutor
    from forecast.fitting.panel import FitSpec, fit_panel

    frame = make_panel(23, 24, min_n=40, max_n=60)
    panel = load(write(frame, tmp_path / "p.csv"))
    spec = FitSpec("arima", {"order": (1, 0, 0)}, 3, (80.0,))
    expected = list(fit_panel(panel, spec, LocalExecutor(1)))

    with Client(scheduler, timeout=10) as watcher:
        before = watcher.run(os.getpid)
        outcomes = fit_panel(panel, spec, DaskExecutor(scheduler=scheduler, in_flight=2))
        got = [next(outcomes)]  # batches are running on both workers now
        victim = sorted(before.values())[0]
        os.kill(victim, signal.SIGKILL)
        got += list(outcomes)
        after = watcher.run(os.getpid)
    assert victim not in after.values()
    assert [o.id for o in got] == list(panel.ids)
    assert all(o.ok for o in got)
    for mine, theirs in zip(got, expected, strict=True):
        assert mine.forecast is not None and theirs.forecast is not None
        assert mine.forecast.to_records() == theirs.forecast.to_records()


def test_executor_rejects_bad_settings() -> None:
    from forecast.errors import UsageError
    from forecast.execution import make_executor

    with pytest.raises(UsageError, match="--jobs"):
        make_executor("dask", 0)
    with pytest.raises(UsageError, match="local or dask"):
        make_executor("spark", 1)
    with pytest.raises(UsageError, match="needs --engine dask"):
        make_executor("local", 1, scheduler="tcp://127.0.0.1:8786")
