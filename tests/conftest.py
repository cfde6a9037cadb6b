"""Shared fixtures: paths to the sample data and a CLI runner that captures the streams."""

from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# `make test` (and CI) draws the same Hypothesis examples every run, so a landing never hangs on
# a lucky draw; `make fuzz` (FORECAST_HYPOTHESIS=fuzz) draws fresh ones on every run to hunt for
# new failures, each reported with the blob that reproduces it. The number of examples is each
# test's own (its @settings), 100 where a test sets none; the forged-model test takes
# FORECAST_FORGE_EXAMPLES.
settings.register_profile("repeatable", derandomize=True, database=None, print_blob=True)
settings.register_profile("fuzz", print_blob=True)
settings.load_profile(os.environ.get("FORECAST_HYPOTHESIS", "repeatable"))

# The suite runs as pytest-xdist workers, one per core. The tool's thread rule
# (forecast.threads: BLAS and OpenMP pools at one thread for classical models) is applied by the
# commands, not by a test that calls a model or an optimiser directly: such a test would run
# OpenBLAS's pool at the core count beside the other worker, and the pool's threads spin between
# an optimiser's many small calls (measured: L-BFGS-B's setulb 1.5 ms a call instead of 0.2 ms,
# the auto-ARIMA search on co2 20 s instead of 3 s). Each worker starts its pools at one thread,
# as the rule would; a test of the rule itself sets its own. A variable set by the caller wins.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
if os.environ["OPENBLAS_NUM_THREADS"] == "1":
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)  # pools a plugin loaded before this file

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"
DATA = Path(__file__).resolve().parent / "data"


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run `forecast ARGS...` in-process; `stdin` is bytes fed to `-`."""
    from forecast.cli.app import main

    def run(*args: str, stdin: bytes | None = None) -> CliResult:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


def write_csv(tmp_path: Path, text: str | bytes, name: str = "data.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


@pytest.fixture
def blocks_made(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of series each ForecastBlock the vectorised path made holds."""
    import forecast.fitting.batch as batch

    made: list[int] = []
    original = batch._block

    def counted(*args: Any) -> Any:
        block = original(*args)
        made.append(len(block))
        return block

    monkeypatch.setattr(batch, "_block", counted)
    return made
