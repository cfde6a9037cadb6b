"""`forecast ... | head`: a reader that stops early is not a failure (exit 0, nothing on stderr)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import SAMPLES


@pytest.mark.parametrize(
    "args",
    [
        ["models"],  # a rich table
        ["models", "-f", "json"],
        ["fit", str(SAMPLES / "sunspots.csv"), "-m", "naive", "-H", "3000", "-f", "csv"],
        ["fit", str(SAMPLES / "sunspots.csv"), "-m", "naive", "-H", "3000"],
        # a panel streams its rows as series finish
        ["fit", str(SAMPLES / "retail_panel.csv"), "-m", "naive", "-H", "300", "-f", "csv"],
        ["fit", str(SAMPLES / "retail_panel.csv"), "-m", "naive", "-H", "300", "-f", "json"],
    ],
)
def test_a_closed_stdout_exits_0_quietly(args: list[str]) -> None:
    reader, writer = os.pipe()
    os.close(reader)  # closed before anything is written
    proc = subprocess.run(
        [sys.executable, "-m", "forecast", *args], stdout=writer, stderr=subprocess.PIPE, text=True
    )
    os.close(writer)
    assert (proc.returncode, proc.stderr) == (0, "")
