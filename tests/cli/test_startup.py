"""Start-up: help must not import the heavy libraries (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("torch", "statsmodels", "pmdarima", "arch", "scipy", "sklearn", "matplotlib", "pandas")
PROBE = """
import contextlib, io, json, sys
from forecast.cli.app import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "help": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def _modules_after(*args: str) -> dict:
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env, check=True
    )
    return json.loads(proc.stdout)


@pytest.mark.parametrize("args", [["--help"], ["diagnose", "--help"]])
def test_help_imports_no_heavy_library(args) -> None:
    probe = _modules_after(*args)
    assert probe["code"] == 0 and "Usage" in probe["help"]
    loaded = {m.split(".")[0] for m in probe["modules"]}
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_fit_naive_imports_neither_statsmodels_nor_torch() -> None:
    from tests.conftest import SAMPLES

    probe = _modules_after("fit", str(SAMPLES / "airpassengers.csv"), "-m", "naive", "-f", "json")
    assert probe["code"] == 0
    loaded = {m.split(".")[0] for m in probe["modules"]}
    assert "pandas" in loaded
    assert loaded.isdisjoint(set(HEAVY) - {"pandas"}), sorted(loaded & set(HEAVY))


def test_python_dash_m_works() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "forecast", "--version"], capture_output=True, text=True
    )
    assert proc.returncode == 0 and proc.stdout.startswith("forecast ")
