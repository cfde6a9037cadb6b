"""Issue #24 item 2: a rerun into an existing ``--output DIR`` that is killed (SIGKILL, at
several moments of the run) leaves DIR a complete result, the previous one or the new one, and
the next run succeeds and removes what the killed runs left beside DIR.

Real processes, real files: the installed ``forecast`` is started, killed with SIGKILL and the
directory read back with pyarrow after each kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.panel.helpers import make_panel

pytestmark = [pytest.mark.slow, pytest.mark.system]

FORECAST = str(Path(sys.executable).parent / "forecast")
SERIES = 1500  # about two seconds of fitting and writing parts on this machine
# when each rerun is killed: None while it still reads the data, else this fraction of the
# writing phase (from its folder beside DIR appearing to the end of a full run)
KILL_AT = (None, 0.0, 0.25, 0.5, 0.75, 0.9, 0.99)


def _fit(data: Path, out: Path, horizon: int) -> list[str]:
    """naive series by series (--quantiles keeps it off the vectorised path, which writes the
    parts too fast for the kills to land while it writes)."""
    return [FORECAST, "fit", str(data), "-m", "naive", "-H", str(horizon), "--quantiles", "0.5",
            "-q", "-o", str(out)]  # fmt: skip


def _table(folder: Path) -> pd.DataFrame:
    """DIR read as a reader would: the marker first, then the dataset (pyarrow skips names
    starting with _ or .)."""
    summary = json.loads((folder / "_SUCCESS").read_text(encoding="utf-8"))["summary"]
    assert summary["forecast"] == SERIES
    frame = pq.read_table(folder).to_pandas()
    return frame.sort_values(["id", "timestamp"]).reset_index(drop=True)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


def _own_folder(run: subprocess.Popen[bytes], out: Path) -> bool:
    return any(n.startswith(f".{out.name}.new.{run.pid}.") for n in _leftovers(out))


def _timed(args: list[str], out: Path) -> tuple[float, float]:
    """A full run: seconds until its folder beside DIR appears (a third of the run if none
    does), and until it ends."""
    start = time.monotonic()
    run = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    appeared = None
    while run.poll() is None:
        if appeared is None and _own_folder(run, out):
            appeared = time.monotonic() - start
        time.sleep(0.005)
    total = time.monotonic() - start
    assert run.returncode == 0
    return (total / 3 if appeared is None else appeared), total


def _kill_at(
    args: list[str], out: Path, fraction: float | None, phases: tuple[float, float]
) -> bool:
    """Start a rerun and SIGKILL it at the moment ``fraction`` names (see KILL_AT); whether
    its folder beside DIR was left (the kill landed while it wrote)."""
    appeared, total = phases
    start = time.monotonic()
    run = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if fraction is None:
        time.sleep(0.5 * appeared)
    else:
        while not _own_folder(run, out) and run.poll() is None:
            if time.monotonic() - start > 3 * appeared:
                break
            time.sleep(0.002)
        time.sleep(fraction * (total - appeared))
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=60)
    return _own_folder(run, out)


def test_kill_9_during_a_rerun_keeps_a_complete_output(tmp_path: Path) -> None:
    data = tmp_path / "panel.csv"
    make_panel(24, SERIES, min_n=30, max_n=40).to_csv(data, index=False)
    out = tmp_path / "out"
    _timed(_fit(data, out, 2), out)  # the first run warms the file cache: not representative
    phases = _timed(_fit(data, out, 2), out)  # the same output, rewritten: the timed phases
    old = _table(out)
    seen: list[pd.DataFrame] = []
    mid_write = 0
    for fraction in KILL_AT:
        mid_write += _kill_at(_fit(data, out, 3), out, fraction, phases)
        if out.exists():
            seen.append(_table(out))
        else:  # killed between the two renames (the documented window): the new complete
            # result waits beside DIR, the old one too
            assert [n for n in _leftovers(out) if ".old." in n], _leftovers(out)
    done = subprocess.run(_fit(data, out, 3), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    new = _table(out)
    assert len(old) == 2 * SERIES and len(new) == 3 * SERIES
    kinds = ["old" if t.equals(old) else "new" if t.equals(new) else "other" for t in seen]
    assert "other" not in kinds and kinds == sorted(kinds, reverse=True), kinds  # old, then new
    assert mid_write >= 3  # most kills landed while the parts were being written
    assert _leftovers(out) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "panel.csv"]
    assert not [n for n in os.listdir(out) if n.startswith(".")]
