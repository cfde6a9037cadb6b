"""The panel report's pooled confidence-interval table shows each interval's estimate (it printed
'-' in its value column until the typed results of issue #25 showed the row never read it)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.panel.test_panel_runs import PANEL


def test_pooled_interval_rows_show_the_estimate_of_the_json(cli, tmp_path: Path) -> None:
    report = tmp_path / "r.md"
    args = ("-m", "snaive", "-p", "snaive.period=12", "-m", "naive", "-H", "6", "--step", "12")
    result = cli(
        "backtest", PANEL, *args, "--ids", "store_01,store_02,store_03", "--ci", "--ci-reps",
        "99", "--seed", "4", "--report", report, "-f", "json",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    intervals = json.loads(result.stdout)["ci"]["intervals"]
    assert intervals
    lines = report.read_text().splitlines()
    for row in intervals:
        (line,) = [x for x in lines if x.startswith(f"| {row['model']} | {row['metric']} |")]
        cells = [c.strip() for c in line.strip("|").split("|")]
        # the report prints 4 significant digits: the printed estimate within half a unit of
        # its last digit, and the same for the bounds
        for cell, key in zip(cells[2:5], ("estimate", "lower", "upper"), strict=True):
            value = row[key]
            assert abs(float(cell) - value) <= 0.5 * 10 ** _ulp4(value) * (1 + 1e-12)


def _ulp4(value: float) -> int:
    """The exponent of the 4th significant digit of value."""
    from math import floor, log10

    return floor(log10(abs(value))) - 3 if value else 0
