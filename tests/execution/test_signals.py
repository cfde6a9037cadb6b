"""Ctrl-C and SIGTERM end a parallel run at once: the real CLI in its own process group, its
worker processes found with psutil, the signal sent, the exit code, the time to exit and the
process table checked; and the executor's own stop paths in-process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest

from tests.panel.helpers import make_panel, write

pytestmark = [pytest.mark.slow, pytest.mark.system]

BIN = Path(sys.executable).parent
# The rule is "exit within 2 s". The exit path is: the main thread runs the handler, the pool's
# two workers get SIGTERM and are reaped, the run unwinds (temporary files removed), and the
# interpreter frees the panel and ends. On this 2-core machine at a load average of 5-10 it
# took 0.4-0.7 s with --engine local and 1.2-1.8 s with a Dask LocalCluster (whose nannies are
# given 0.2 s before they kill their workers). A loaded 2-core CI runner shares those cores with
# the two busy workers until they are killed, so each step can take about twice its CPU time:
# 1 s of margin on top of the 2 s rule covers that without hiding a run that waits for its
# batches (that took 6-60 s before the fix).
EXIT_WITHIN_S = 2.0 + 1.0
# A process left behind by a dying parent is reparented at once, but the multiprocessing
# resource tracker of a Dask LocalCluster (spawned processes) only ends when it reads the end
# of its pipe, which the parent's exit closes: it gets this long after the exit.
STRAGGLER_S = 1.0


@pytest.fixture(scope="module")
def slow_panel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 series on which auto-arima (its seasonal search: a second or more of CPU a series)
    keeps two workers busy for minutes, far longer than a test waits."""
    folder = tmp_path_factory.mktemp("signals")
    return Path(write(make_panel(7, 200, min_n=60, max_n=80), folder / "panel.csv"))


@pytest.fixture(scope="module")
def predict_case(slow_panel: Path) -> tuple[Path, Path]:
    """ETS models of 20 series fitted on 24 points each (quick), and 1,000 new points a series:
    ``predict --refit`` re-estimates each on 1,024 points (minutes for two workers)."""
    folder = slow_panel.parent
    frame = make_panel(11, 20, min_n=24, max_n=24)
    model = folder / "ets.fcm"
    fitted = subprocess.run(
        [BIN / "forecast", "fit", write(frame, folder / "short.csv"), "-m", "ets", "-H", "2",
         "-q", "--save", model],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert fitted.returncode == 0, fitted.stderr
    rng = np.random.default_rng(0)
    new = []
    for sid, rows in frame.groupby("unique_id"):
        after = pd.Timestamp(rows["ds"].max()) + pd.offsets.MonthBegin(1)
        stamps = pd.date_range(after, periods=1000, freq="MS").strftime("%Y-%m-%d")
        walk = float(rows["y"].iloc[-1]) + rng.normal(size=1000).cumsum() * 0.1
        new.append(pd.DataFrame({"unique_id": sid, "ds": stamps, "y": walk}))
    return model, Path(write(pd.concat(new), folder / "new.csv"))


def _session(pid: int) -> list[psutil.Process]:
    """Every live (not zombie) process of the session ``pid`` leads."""
    found = []
    for proc in psutil.process_iter(["status"]):
        try:
            if os.getsid(proc.pid) == pid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (ProcessLookupError, PermissionError, psutil.Error):
            continue
    return found


def _start(
    args: Sequence[object], tmp_path: Path, ready: Callable[[], bool] | None = None
) -> subprocess.Popen[bytes]:
    """The CLI in a session (and process group) of its own, once two child processes have each
    used CPU time (a fork pool's workers do nothing else: their batches are running) and
    ``ready()`` holds."""
    _record_inherited_sigint()
    with open(tmp_path / "stderr.txt", "wb") as err:
        run = subprocess.Popen(
            [BIN / "forecast", *map(str, args)],
            stdout=subprocess.DEVNULL,  # not pipes: a stray worker would hold them open
            stderr=err,
            start_new_session=True,
            preexec_fn=_as_from_a_terminal,
        )
    parent = psutil.Process(run.pid)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and run.poll() is None:
        busy = [c for c in _children(parent) if _cpu(c) > 0.3]
        if len(busy) >= 2 and (ready is None or ready()):
            return run
        time.sleep(0.1)
    for proc in _session(run.pid):
        proc.kill()
    raise AssertionError(f"never ready: {(tmp_path / 'stderr.txt').read_text()}")


def _as_from_a_terminal() -> None:
    """The child's SIGINT as a shell leaves it for a foreground command (default, unblocked):
    a process's ignored and blocked signals survive fork and exec, so a state the pytest
    worker was left in by an earlier in-process test would otherwise reach the CLI."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _record_inherited_sigint() -> None:
    """Warn (the suite's summary lists it) when this pytest process has SIGINT ignored or
    blocked, the state :func:`_as_from_a_terminal` undoes for the child."""
    import warnings

    handler = signal.getsignal(signal.SIGINT)
    blocked = signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set())
    if handler is signal.SIG_IGN or blocked:
        warnings.warn(
            f"pytest process {os.getpid()}: SIGINT handler {handler!r}, blocked {blocked}",
            stacklevel=2,
        )


def _children(parent: psutil.Process) -> list[psutil.Process]:
    try:
        return parent.children(recursive=True)
    except psutil.Error:
        return []


def _cpu(proc: psutil.Process) -> float:
    try:
        times = proc.cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)


def _signal_and_wait(run: subprocess.Popen[bytes], sig: int, group: bool) -> tuple[int, float]:
    """Send ``sig`` (to the process group, or to the parent only); the exit code and the
    seconds until the parent exited. A parent still alive after a minute is killed."""
    before = _session(run.pid)
    assert len(before) >= 3, before  # the parent and its workers
    start = time.monotonic()
    if group:
        os.killpg(run.pid, sig)
    else:
        os.kill(run.pid, sig)
    try:
        code = run.wait(timeout=60)
    except subprocess.TimeoutExpired:
        for proc in _session(run.pid):
            proc.kill()
        raise
    return code, time.monotonic() - start


def _assert_no_process_left(pid: int) -> None:
    deadline = time.monotonic() + STRAGGLER_S
    left = _session(pid)
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = _session(pid)
    for proc in left:  # do not leave them to the next test
        proc.kill()
    assert not left, [p.cmdline()[:4] for p in left]


def _command(name: str, request: pytest.FixtureRequest) -> list[object]:
    """The arguments of a long ``--jobs 2`` run of command ``name``."""
    panel = request.getfixturevalue("slow_panel")
    if name == "predict":
        model, new = request.getfixturevalue("predict_case")
        return ["predict", model, "--data", new, "--refit", "-f", "csv", "--jobs", "2"]
    return {
        "fit": ["fit", panel, "-m", "auto-arima", "-H", "3"],
        "backtest": ["backtest", panel, "-m", "auto-arima", "-H", "3", "--step", "6"],
        "diagnose": ["diagnose", panel],
    }[name] + ["-f", "csv", "--jobs", "2"]


@pytest.mark.parametrize("command", ["fit", "backtest", "diagnose", "predict"])
def test_ctrl_c_to_the_group_ends_every_process_with_130(
    request: pytest.FixtureRequest, command: str, tmp_path: Path
) -> None:
    run = _start(_command(command, request), tmp_path)
    code, seconds = _signal_and_wait(run, signal.SIGINT, group=True)
    stderr = (tmp_path / "stderr.txt").read_text()
    assert code == 130, stderr
    assert stderr.strip().splitlines()[-1] == "error: interrupted"
    assert "Traceback" not in stderr
    assert seconds < EXIT_WITHIN_S, seconds
    _assert_no_process_left(run.pid)


@pytest.mark.parametrize("command", ["fit", "backtest", "diagnose", "predict"])
def test_sigterm_to_the_parent_alone_ends_its_workers_with_143(
    request: pytest.FixtureRequest, command: str, tmp_path: Path
) -> None:
    run = _start(_command(command, request), tmp_path)
    code, seconds = _signal_and_wait(run, signal.SIGTERM, group=False)
    stderr = (tmp_path / "stderr.txt").read_text()
    assert code == 143, stderr
    assert stderr.strip().splitlines()[-1] == "error: terminated (SIGTERM)"
    assert "Traceback" not in stderr
    assert seconds < EXIT_WITHIN_S, seconds
    _assert_no_process_left(run.pid)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_workers_die_with_a_parent_killed_by_sigkill(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """SIGKILL gives the parent no chance to end its workers: they end themselves (the kernel
    sends them SIGTERM when it dies) instead of running their batches on as orphans."""
    run = _start(_command("fit", request), tmp_path)
    workers = _children(psutil.Process(run.pid))
    assert len(workers) >= 2
    run.kill()
    assert run.wait(timeout=60) == -signal.SIGKILL
    _assert_no_process_left(run.pid)


@pytest.fixture(scope="module")
def quick_then_slow(slow_panel: Path) -> Path:
    """24 series in batches of 3 (ceil(24 / (4 x 2 workers))): the first batch short (its part
    file comes quickly), the rest long enough that ETS takes seconds a series."""
    quick = make_panel(3, 3, min_n=24, max_n=24)
    slow = make_panel(4, 21, min_n=140, max_n=160)
    slow["unique_id"] = slow["unique_id"].map(lambda s: f"t{s}")  # after s00..s02
    return Path(write(pd.concat([quick, slow]), slow_panel.parent / "quick_then_slow.csv"))


@pytest.mark.parametrize(
    ("sig", "group", "code"),
    [(signal.SIGINT, True, 130), (signal.SIGTERM, False, 143)],
    ids=["SIGINT-to-group", "SIGTERM-to-parent"],
)
def test_a_dask_local_cluster_is_stopped_too(
    quick_then_slow: Path, tmp_path: Path, sig: int, group: bool, code: int
) -> None:
    """Signalled once the first batch's part file exists (the cluster is up and running
    batches; while it starts, a signal waits until it can be closed whole)."""
    out = tmp_path / "out"
    args = ["fit", quick_then_slow, "-m", "ets", "-H", "3", "--jobs", "2", "--output", out]
    run = _start(
        [*args, "--engine", "dask"], tmp_path, ready=lambda: any(tmp_path.rglob("part-*.parquet"))
    )
    got, seconds = _signal_and_wait(run, sig, group=group)
    stderr = (tmp_path / "stderr.txt").read_text()
    assert got == code, stderr
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert seconds < EXIT_WITHIN_S, seconds
    assert not (out / "_SUCCESS").exists()
    _assert_no_process_left(run.pid)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_output_file_is_never_written(
    slow_panel: Path, tmp_path: Path, sig: int
) -> None:
    """The rows stream into `.out.csv.PID.XXXXXXXX.tmp` while the run goes on; the signal
    removes it, and out.csv never appears."""
    out = tmp_path / "out.csv"
    args = ["fit", slow_panel, "-m", "auto-arima", "-H", "3", "--jobs", "2", "--output", out]
    run = _start(args, tmp_path, ready=lambda: any(tmp_path.glob(".out.csv.*.tmp")))
    temporary = list(tmp_path.glob(".out.csv.*.tmp"))
    assert len(temporary) == 1  # the write is under way: the check below is not vacuous
    code, _ = _signal_and_wait(run, sig, group=sig == signal.SIGINT)
    assert code == (130 if sig == signal.SIGINT else 143)
    assert not out.exists()
    assert not temporary[0].exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stderr.txt"]
    _assert_no_process_left(run.pid)


# --- the executor's stop paths, in-process --------------------------------------------------


def _nap(task: float) -> float:
    time.sleep(task)
    return task


def _pool_workers() -> list[psutil.Process]:
    """The worker processes of the one process pool running now, read from the pool itself: a
    diff of this process's children would also count a child another thread forked meanwhile
    (CI once counted three)."""
    from forecast.execution import executor

    (running,) = [r for r in executor._RUNNING.values() if isinstance(r, executor._Pool)]
    return [psutil.Process(p.pid) for p in running.pool._processes.values()]


@pytest.mark.parametrize("how", ["close", "stop_all"])
def test_a_map_left_early_ends_its_workers_at_once(how: str) -> None:
    """The first batch is quick and every other one sleeps a minute: leaving the map after the
    first result (closing the iterator, or stop_all for one left suspended) must not wait."""
    from forecast.execution.executor import LocalExecutor, stop_all

    results: Iterator[float] = LocalExecutor(2).map(_nap, [0.0] + [60.0] * 7)
    assert next(results) == 0.0
    workers = _pool_workers()
    assert len(workers) == 2
    start = time.monotonic()
    stop: Callable[[], None] = results.close if how == "close" else stop_all  # type: ignore[attr-defined]
    stop()
    assert time.monotonic() - start < 2.0  # SIGTERM to two sleeping processes, then reaped
    assert not [w for w in workers if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]
    if how == "stop_all":
        with pytest.raises((BrokenProcessPool, CancelledError)):  # the pool is gone
            next(results)


def test_a_failing_task_does_not_wait_for_the_others() -> None:
    """A worker error stops the map: the batches still queued or running are not waited for."""
    from forecast.execution.executor import LocalExecutor

    start = time.monotonic()
    with pytest.raises(ValueError):
        list(LocalExecutor(2).map(_fail_first, [0.0] + [60.0] * 7))
    assert time.monotonic() - start < 10.0  # not the 60-s batches


def _fail_first(task: float) -> float:
    if task == 0.0:
        raise ValueError("first")
    return _nap(task)
