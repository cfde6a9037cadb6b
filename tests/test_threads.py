"""The thread rule (forecast.threads): resolution, the pools it really sets, and the record."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from forecast.errors import UsageError
from forecast.threads import ThreadPolicy, active, available_cores, limited, resolve
from tests.conftest import ROOT, SAMPLES

AIR = str(SAMPLES / "airpassengers.csv")
NILE = str(SAMPLES / "nile.csv")


def _pools() -> dict[str, int]:
    from threadpoolctl import threadpool_info

    return {p["filepath"]: p["num_threads"] for p in threadpool_info()}


def test_default_rule_one_classical_thread_and_every_core_for_torch() -> None:
    policy = resolve(None, {})
    cores = available_cores()
    assert policy == ThreadPolicy(classical=1, neural=cores, source="default", cores=cores)


def test_option_wins_over_the_variable_and_sets_both() -> None:
    assert resolve(3, {"FORECAST_THREADS": "5"}).classical == 3
    env = resolve(None, {"FORECAST_THREADS": " 5 "})
    assert (env.classical, env.neural, env.source) == (5, 5, "FORECAST_THREADS")
    assert resolve(None, {"FORECAST_THREADS": ""}).source == "default"


@pytest.mark.parametrize(
    ("threads", "env", "message"),
    [
        (0, {}, "--threads must be >= 1, got 0"),
        (-2, {}, "--threads must be >= 1, got -2"),
        (
            None,
            {"FORECAST_THREADS": "abc"},
            "FORECAST_THREADS must be a whole number >= 1, got 'abc'",
        ),
        (None, {"FORECAST_THREADS": "0"}, "FORECAST_THREADS must be a whole number >= 1, got '0'"),
        (None, {"FORECAST_THREADS": "1.5"}, "got '1.5'"),
    ],
)
def test_bad_values_are_usage_errors_naming_the_fix(threads, env, message) -> None:
    with pytest.raises(UsageError, match=message.replace(".", r"\.")):
        resolve(threads, env)


def test_workers_split_the_budget() -> None:
    default = ThreadPolicy(1, 8, "default", 8)
    assert default.for_workers(2) == ThreadPolicy(1, 4, "default", 8)
    assert default.for_workers(3).neural == 2  # 8 // 3
    assert default.for_workers(16).neural == 1  # never below 1 (at most `cores` workers)
    given = ThreadPolicy(6, 6, "--threads", 8)
    assert given.for_workers(2) == ThreadPolicy(3, 3, "--threads", 8)
    assert ThreadPolicy(4, 4, "--threads", 2).for_workers(4) == ThreadPolicy(2, 2, "--threads", 2)


def test_record_states_the_rule_and_the_worker_share() -> None:
    record = ThreadPolicy(1, 8, "default", 8).to_dict(jobs=2)
    assert record["per_worker"] == {"jobs": 2, "classical": 1, "neural": 4}
    assert "1 thread" in record["rule"] and "--threads" in record["rule"]
    assert "per_worker" not in ThreadPolicy(1, 8, "default", 8).to_dict()


def test_limited_sets_the_pools_and_restores_them(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy  # noqa: F401  (its OpenBLAS pool is there to be limited)

    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "7")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    before = _pools()
    assert before
    policy = ThreadPolicy(1, 2, "--threads", 2)
    with limited(policy) as applied:
        assert applied is policy and active() is policy
        assert set(_pools().values()) == {1}
        assert os.environ["OPENBLAS_NUM_THREADS"] == "1" and os.environ["OMP_NUM_THREADS"] == "1"
    assert _pools() == before
    assert os.environ["OPENBLAS_NUM_THREADS"] == "7" and "OMP_NUM_THREADS" not in os.environ
    assert active().source != "--threads"


def test_limited_restores_after_an_error() -> None:
    before = _pools()
    with pytest.raises(RuntimeError), limited(ThreadPolicy(1, 1, "--threads", 1)):
        raise RuntimeError("boom")
    assert _pools() == before


# Runs in a fresh interpreter (no torch loaded, so --jobs forks its workers and they inherit the
# probe): records the real BLAS/OpenMP pools at every ARIMA estimation, in the main process and
# in the workers, for each CLI run, and the pools of the main process after all of them.
PROBE = """
import json, os, sys
from threadpoolctl import threadpool_info
import forecast.models.arima.models as arima
from forecast.cli.app import main

log, air = sys.argv[1], sys.argv[2]
original = arima.estimate_mle

def pools():
    return {p["filepath"]: p["num_threads"] for p in threadpool_info()}

def recording(*args, **kwargs):
    entry = {"run": os.environ["PROBE_RUN"], "pid": os.getpid(), "pools": pools()}
    with open(log, "a") as out:
        out.write(json.dumps(entry) + "\\n")
    return original(*args, **kwargs)

arima.estimate_mle = recording
start = pools()
runs = {
    "fit": ["fit", air, "-m", "arima", "-H", "2"],
    "fit-threads-2": ["fit", air, "-m", "arima", "-H", "2", "--threads", "2"],
    "jobs-2": ["backtest", air, "-m", "arima", "-H", "3", "--step", "12", "--jobs", "2"],
    "jobs-2-threads-4": [
        "backtest", air, "-m", "arima", "-H", "3", "--step", "12", "--jobs", "2", "--threads", "4"
    ],
}
for name, args in runs.items():
    os.environ["PROBE_RUN"] = name
    assert main([*args, "-f", "json", "-q"]) == 0, name
print(json.dumps({"pid": os.getpid(), "start": start, "end": pools()}))
"""


def test_real_pools_during_classical_fits_in_the_main_process_and_in_workers(
    tmp_path: Path,
) -> None:
    log = tmp_path / "pools.jsonl"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith("_NUM_THREADS") and k != "FORECAST_THREADS"
    }
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(log), AIR],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    main = json.loads(proc.stdout.strip().splitlines()[-1])
    seen: dict[str, list[dict]] = {}
    for line in log.read_text().splitlines():
        entry = json.loads(line)
        seen.setdefault(entry["run"], []).append(entry)
    assert set(seen) == {"fit", "fit-threads-2", "jobs-2", "jobs-2-threads-4"}

    def threads(run: str) -> set[int]:
        return {n for entry in seen[run] for n in entry["pools"].values()}

    # main process: every pool at 1 by default (scipy's OpenBLAS is loaded during the first
    # fit, under the limit), at 2 with --threads 2
    assert {e["pid"] for e in seen["fit"] + seen["fit-threads-2"]} == {main["pid"]}
    assert any("scipy" in path for path in seen["fit"][0]["pools"])
    assert threads("fit") == {1}
    assert threads("fit-threads-2") == {2}
    # workers: every fit ran in a worker, with the worker's share of the policy
    for run, given in (("jobs-2", None), ("jobs-2-threads-4", 4)):
        assert main["pid"] not in {e["pid"] for e in seen[run]}
        assert threads(run) == {resolve(given, {}).for_workers(2).classical}
    assert threads("jobs-2-threads-4") != threads("jobs-2") or available_cores() < 2
    # afterwards the main process's pools are as they were (scipy's, loaded inside, at the
    # load-time default: one thread per core)
    for path, n in main["end"].items():
        assert n == main["start"].get(path, available_cores()), path


def test_torch_trains_at_the_core_count_unless_told(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    from forecast.models.neural import trainer

    original = trainer.train
    during: list[int] = []

    def recording(*args, **kwargs):
        during.append(torch.get_num_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(trainer, "train", recording)
    before = torch.get_num_threads()
    small = ["-p", "hidden_size=4", "-p", "window=12", "--epochs", "1", "-H", "2", "-f", "json"]
    assert cli("fit", AIR, "-m", "gru", *small).code == 0
    assert cli("fit", AIR, "-m", "gru", *small, "--threads", "1").code == 0
    assert during == [available_cores(), 1]
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("command", ["diagnose", "fit", "predict", "backtest"])
def test_every_json_document_records_the_rule(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.delenv("FORECAST_THREADS", raising=False)
    model = tmp_path / "naive.fcm"
    assert cli("fit", NILE, "-m", "naive", "--save", model, "-q").code == 0
    args = {
        "diagnose": ["diagnose", NILE],
        "fit": ["fit", NILE, "-m", "naive"],
        "predict": ["predict", model, "--threads", "3"],
        "backtest": ["backtest", NILE, "-m", "naive", "--step", "10", "--jobs", "2"],
    }[command]
    result = cli(*args, "-f", "json")
    assert result.code == 0, result.stderr
    record = json.loads(result.stdout)["config"]["threads"]
    expected = resolve(3 if command == "predict" else None, {})
    assert record == expected.to_dict(jobs=2 if command == "backtest" else 1)


def test_bad_thread_settings_exit_2_before_reading_data(cli, monkeypatch) -> None:
    result = cli("fit", "missing.csv", "-m", "naive", "--threads", "0")
    assert result.code == 2 and "--threads must be >= 1, got 0" in result.stderr
    monkeypatch.setenv("FORECAST_THREADS", "abc")
    result = cli("diagnose", "missing.csv")
    assert result.code == 2 and "FORECAST_THREADS must be a whole number" in result.stderr


@pytest.mark.parametrize("given", [None, "ACTIVE"])
def test_openmp_pools_wait_passively_unless_the_caller_chose(given: str | None) -> None:
    """Importing forecast sets OMP_WAIT_POLICY=PASSIVE before torch can load its OpenMP runtime
    (a spinning pool beside a busy process starved it: 77-136 s of CPU for a 6 s gru fit), and
    leaves a value the caller set."""

    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given:
        env["OMP_WAIT_POLICY"] = given
    code = "import os, forecast; print(os.environ['OMP_WAIT_POLICY'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == (given or "PASSIVE"), out.stderr
